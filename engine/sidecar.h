#pragma once
// Summary files (.rnnsum): a recording's summary kept in a file of its own,
// beside the recording or in a folder of summaries, so that a sweep's
// recordings open without their raw data (issue 16). A summary file is
// untrusted input: decodeSidecar checks every count against the bytes left
// before it allocates (the summary itself through summarycodec.h), and every
// refusal names the file and what is wrong with it.
//
// File, all integers little-endian:
//   magic      8 bytes  0x89 'R' 'N' 'L' 'S' 'U' 'M' '\n'
//   version    u32      kSidecarVersion
//   count      u32      number of sections (1..kMaxSidecarSections)
//   sections   count x (u16 tag | u64 length | length bytes)
//   checksum   u64      xxh64 (seed 0) of every byte before it
// Tags below kSidecarOptional are required: a reader that does not know one
// refuses the file, which it would misread. Tags from kSidecarOptional on are
// optional: a reader that does not know one skips it.
//   1 identity (required, once): the recording's file name (u32 length |
//     bytes), u64 size, i64 modification time in ns since the epoch, u64
//     fingerprint of its metadata, and the producer (u32 length | bytes,
//     e.g. "rnnloss 0.3.0").
//   2 summary (required, once): encodeSummary()'s payload, normally of a
//     reduced summary (no per-time sums: what needs them, the PSTH, reads the
//     recording), of the whole recording: no slice, no raw layout.
//   0x8001 gradients (optional, at most once; `rnnloss summarize
//     --gradients`): the whole recording's gradient pass in both conventions,
//     spec then nn4n, as u32 count (2) | count x (u64 length | payload), each
//     payload a GradientSummary as gradcodec.h encodes it (the Gram matrices
//     of the term gradients, the terms, the replay error). Checked on
//     decoding like the summary: every count against the bytes left, the
//     shape against the summary's, no NaN, no negative squared norm, no
//     asymmetric matrix, nothing in the rows of a term without a gradient.
// Nothing in the file depends on when or where it was written, so the same
// recording summarised by the same build gives the same bytes anywhere.

#include "gradsummary.h"
#include "summary.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rnnloss {

inline constexpr std::uint32_t kSidecarVersion = 1;
inline constexpr std::string_view kSidecarSuffix = ".rnnsum";
inline constexpr std::uint16_t kSidecarOptional = 0x8000;
inline constexpr std::uint16_t kSidecarTagIdentity = 1;
inline constexpr std::uint16_t kSidecarTagSummary = 2;
inline constexpr std::uint16_t kSidecarTagGradientGram = kSidecarOptional | 1;
inline constexpr std::uint32_t kMaxSidecarSections = 64;
/// A larger file is refused before it is read.
inline constexpr std::uint64_t kMaxSidecarBytes = std::uint64_t(8) << 30;
inline constexpr std::size_t kMaxRecordingName = 4096;
inline constexpr std::size_t kMaxProducer = 256;

/// Which recording a summary file describes, as it was when summarised.
struct SidecarHeader
{
    std::uint32_t version = kSidecarVersion; ///< the file's format (encodeSidecar writes its own)
    std::string recordingName;               ///< the recording's file name, no folder
    std::uint64_t recordingSize = 0;         ///< bytes
    std::int64_t recordingMtimeNs = 0;       ///< modification time, ns since the epoch
    std::uint64_t fingerprint = 0;           ///< fingerprintOf() the recording's metadata
    std::string producer;                    ///< what wrote the file, for messages
    bool operator==(const SidecarHeader&) const = default;
};

/// A section beyond the identity and the summary, e.g. the Gram matrices.
struct SidecarSection
{
    std::uint16_t tag = 0;
    std::vector<std::uint8_t> bytes;
    bool operator==(const SidecarSection&) const = default;
};

/// The gradient section's contents.
struct SidecarGradients
{
    GradientSummary spec, nn4n;
    const GradientSummary& of(Convention c) const { return c == Convention::Spec ? spec : nn4n; }
};

struct Sidecar
{
    SidecarHeader header;
    Summary summary;
    /// Decoded from the kSidecarTagGradientGram section when there is one.
    std::optional<SidecarGradients> gradients;
    /// The optional sections this build knows (kSidecarTagGradientGram), in
    /// file order; unknown optional sections are skipped.
    std::vector<SidecarSection> sections;
    const SidecarSection* find(std::uint16_t tag) const;
};

struct SidecarDecodeResult
{
    std::optional<Sidecar> value;
    std::string error; ///< "FILE: what is wrong"; set when value is empty
};

/// The file's bytes. `sections` may hold any tag but the identity's and the
/// summary's, each at most once. Refused with std::invalid_argument: a
/// recording name that is empty, has a '/' or is too long, a producer too
/// long, a summary of a slice or with a raw layout, too many sections.
std::vector<std::uint8_t> encodeSidecar(const SidecarHeader& header, const Summary& summary,
                                        const std::vector<SidecarSection>& sections = {});

/// The bytes of the gradient section. Refused with std::invalid_argument:
/// passes not of spec and nn4n respectively, or one that badGradients()
/// refuses against the other's shape.
std::vector<std::uint8_t> encodeGradientSection(const GradientSummary& spec,
                                                const GradientSummary& nn4n);

/// Empty when `g` could be the gradient pass of a whole recording of
/// `shape`; else what is wrong (decodeSidecar refuses such a section, so a
/// writer leaves it out).
std::string badGradients(const GradientSummary& g, const Shape& shape);

/// Decodes a summary file's bytes; `fileName` names it in the error. Beyond
/// the format, the summary's values are checked for what no reduction gives
/// (a NaN in sums whose samples are all finite, a negative sum of squares).
SidecarDecodeResult decodeSidecar(std::span<const std::uint8_t> bytes, const std::string& fileName);

/// Reads `path` (a regular file of at most kMaxSidecarBytes) and decodes it.
SidecarDecodeResult readSidecar(const std::string& path);

/// Why a summary file no longer describes its recording, whose size,
/// modification time and (when known) fingerprint are now these; empty when
/// it still does. Without a fingerprint (it needs the recording's metadata
/// read) the size and time decide alone.
std::string staleReason(const SidecarHeader& header, std::uint64_t actualSize,
                        std::int64_t actualMtimeNs, std::optional<std::uint64_t> fingerprint);
inline bool isCurrent(const SidecarHeader& header, std::uint64_t actualSize,
                      std::int64_t actualMtimeNs, std::optional<std::uint64_t> fingerprint)
{
    return staleReason(header, actualSize, actualMtimeNs, fingerprint).empty();
}

/// Where the summary file of `recordingPath` goes: `REC.h5.rnnsum` beside it,
/// or with `outDir` the recording's absolute path (lexically normal) mirrored
/// under it, `OUT/data/run3/REC.h5.rnnsum`, so that recordings of the same
/// name in different runs' folders do not collide and the folders (a run's
/// name when it has no `run` attribute) stay.
std::string sidecarPathFor(const std::string& recordingPath, const std::string& outDir = {});

/// Writes `bytes` to `path` through a temporary file in the same folder
/// (written, fsynced, renamed over `path`), so that `path` is the old file or
/// the whole new one, never part of one; the temporary is removed when a step
/// fails. Returns the error ("PATH: what failed: why"), empty on success. The
/// folder must exist.
std::string writeFileAtomically(const std::string& path, std::span<const std::uint8_t> bytes);

/// A file's size and modification time, as the identity holds them.
struct FileStamp
{
    std::uint64_t size = 0;
    std::int64_t mtimeNs = 0;
};
struct FileStampResult
{
    std::optional<FileStamp> value;
    std::string error; ///< "PATH: cannot stat: why"
};
FileStampResult fileStamp(const std::string& path);

/// XXH64 (the xxHash project's 64-bit hash, from its specification).
std::uint64_t xxh64(std::span<const std::uint8_t> bytes, std::uint64_t seed = 0);

/// The fingerprint of a recording's metadata: xxh64 of its canonical bytes,
/// which the reader process builds with FingerprintBuilder.
std::uint64_t fingerprintOf(std::span<const std::uint8_t> canonical);

/// Canonical bytes of a recording's metadata: fields appended in a fixed
/// order (dataset names, dimensions, element types, attributes), each with a
/// type byte and text with its length, so that different sequences of fields
/// never give the same bytes.
class FingerprintBuilder
{
public:
    FingerprintBuilder& text(std::string_view s);
    FingerprintBuilder& integer(std::int64_t v);
    FingerprintBuilder& number(double v); ///< by its bits: -0.0 and NaN payloads count
    const std::vector<std::uint8_t>& bytes() const { return m_bytes; }
    std::uint64_t fingerprint() const { return fingerprintOf(m_bytes); }

private:
    std::vector<std::uint8_t> m_bytes;
};

} // namespace rnnloss
