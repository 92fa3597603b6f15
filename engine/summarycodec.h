#pragma once
// The small versioned binary format in which the reader process sends its
// results to the app: a stream of frames, one of which carries the Summary.
// The decoder trusts nothing: every size, count and version is checked before
// anything is allocated, and a malformed stream is refused with a message.
//
// Frame: "RNLF" | u16 version | u16 type | u64 payload length | payload
// All integers and floats little-endian.
//
// A summary payload may end in extensions, found from its end so that a
// payload without them is byte for byte what it always was:
//   ... | sections | u64 length of the sections | "RNLXTND1"
// each section: u16 tag | u64 length | bytes. Tag 1: the slice the summary
// covers (Summary::slice): the whole shape (5 x i64), then trials, steps and
// neurons, each u64 count | count x i64. Tag 2: the raw layout
// (Summary::layout): file (u32 length | bytes), u64 size, i64 mtime seconds,
// i64 nanoseconds, u32 dataset count, each u8 dataset | u8 element size |
// u8 big-endian | B, T, width (3 x i64) | u64 extent count | extents of
// u64 offset | u64 bytes | i64 first trial | i64 trials. Tag 3: trial labels,
// neuron groups and dt. Tag 4: a reduced summary (one reduced with
// ReduceConfig::perTime or ::histograms off: what the app keeps, and what a
// summary file holds): u8 flags, 1 = no per-time sums (timeSum, timeSumSq
// are not in the states block), 2 = no per-neuron sample histograms (the bin
// count is 0 and none follow), 4 = no sums of |r| (they are the sums of r bit
// for bit: no rate is negative); 4 only with 1 or 2, so that a full
// summary's payload is what it always was. Tag 5: the recording's run
// (Summary::run): u32 length | 1 to 1024 bytes.

#include "gradsummary.h"
#include "statspass.h"
#include "summary.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rnnloss {

inline constexpr std::uint16_t kWireVersion = 1;
inline constexpr std::size_t kFrameHeaderSize = 16;
/// No frame may claim more than this; a larger claim is a malformed stream.
inline constexpr std::uint64_t kMaxFramePayload = std::uint64_t(4) << 30;

/// Gradients: a GradientSummary (gradcodec.h), from `rnnloss-reader --gradients`.
enum class FrameType : std::uint16_t
{
    Progress = 1,
    Warning = 2,
    Error = 3,
    Summary = 4,
    Gradients = 5,
    Stats = 6 ///< a PassStats (statscodec.h)
};

struct ProgressFrame
{
    double fraction = 0.0; ///< 0..1
    std::string stage;
};

std::vector<std::uint8_t> encodeProgress(const ProgressFrame& p);
std::vector<std::uint8_t> encodeMessage(FrameType type, const std::string& text);
std::vector<std::uint8_t> encodeSummaryFrame(const Summary& s);
/// A frame of `type` around `payload`.
std::vector<std::uint8_t> encodeFrame(FrameType type, const std::vector<std::uint8_t>& payload);

/// The payload of a summary frame (no header). A summary with states holds
/// its per-time sums and histograms whole or not at all (std::logic_error
/// otherwise); without them it is sent reduced (tag 4).
std::vector<std::uint8_t> encodeSummary(const Summary& s);

template <class T>
struct Decoded
{
    std::optional<T> value;
    std::string error; ///< set when value is empty
};

Decoded<Summary> decodeSummary(std::span<const std::uint8_t> payload);

struct FrameHeader
{
    std::uint16_t version = 0;
    FrameType type = FrameType::Progress;
    std::uint64_t length = 0;
};
/// Parses a 16-byte header; refuses a bad magic, version, type or length.
Decoded<FrameHeader> decodeFrameHeader(std::span<const std::uint8_t> bytes);

/// Incremental frame parser for a byte stream arriving in pieces.
class FrameParser
{
public:
    struct Event
    {
        FrameType type;
        ProgressFrame progress;  ///< Progress
        std::string text;        ///< Warning, Error
        std::optional<Summary> summary;
        std::optional<GradientSummary> gradients; ///< Gradients
        std::optional<PassStats> stats; ///< Stats
    };
    /// Appends bytes; returns false (and sets error()) on a malformed stream.
    bool feed(std::span<const std::uint8_t> bytes, std::vector<Event>& events);
    const std::string& error() const { return m_error; }
    /// Bytes of a frame not yet complete (0 at a clean end of stream).
    std::size_t pending() const { return m_buffer.size(); }

private:
    std::vector<std::uint8_t> m_buffer;
    std::string m_error;
};

} // namespace rnnloss
