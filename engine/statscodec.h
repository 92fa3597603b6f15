#pragma once
// The payload of the reader's stats frame (FrameType::Stats): the PassStats
// (statspass.h) that `rnnloss-reader --stats` gathered. As the summary's
// decoder, this one trusts nothing: every count is checked against the bytes
// that remain before anything is allocated, and every value against what the
// pass can produce; a malformed payload is refused with a message.
//
// Payload (little-endian; str = u32 length | bytes):
//   i64 trials | i64 steps | i64 neurons | i64 recording steps
//   u8 activation (0 unknown, else 1 + Activation) | str activation note
//   u8 saturation (0 none, 1 present) | [i64 samples | neurons x i64 counts]
//   u8 participation ratio defined | f64 value | str reason | i64 covariance samples
//   u8 choices (0 none, 1 present) | [i64 window begin | i64 window end |
//      i64 output units | i64 target ties | trials x i32 choice | trials x i32 target]
//   str choices error
//   u64 trial values (0 or trials) | that many f64

#include "statspass.h"
#include "summarycodec.h"

#include <cstdint>
#include <span>
#include <vector>

namespace rnnloss {

/// The payload of a stats frame (no header).
std::vector<std::uint8_t> encodeStats(const PassStats& s);
/// The whole frame: header and payload.
std::vector<std::uint8_t> encodeStatsFrame(const PassStats& s);

Decoded<PassStats> decodeStats(std::span<const std::uint8_t> payload);

} // namespace rnnloss
