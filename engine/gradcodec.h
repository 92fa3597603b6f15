#pragma once
// The payload of the reader's gradient frame (FrameType::Gradients,
// summarycodec.h): a GradientSummary (gradsummary.h). Like the summary's, the
// decoder trusts nothing: every count and length is checked against the bytes
// that remain before anything is allocated, every enumeration and flag against
// its range, and a malformed payload is refused with a message.
//
// Payload, little-endian:
//   "RNLG" | u16 version (1) | u8 convention (0 spec, 1 nn4n) | u8 activation
//   (0 relu, 1 tanh, 2 sigmoid, 3 retanh) | f64 alpha | shape (5 x i64: B, T,
//   N_in, N_hid, N_out)
//   7 terms, in kAllTerms order: u8 flags (1 available, 2 defined, 4 has a
//   value) | f64 value | u32 length | reason
//   6 parameters, in kAllParams order: 7 x 7 f64, the Gram matrix row-major
//   u8 has a replay error | f64 replay error | f64 max |r|
//   u32 warning count | each u32 length | text
//   7 x (u8 present | f64 training lambda) | u32 length | label |
//   u8 present | f64 step | u8 present | f64 epoch

#include "gradsummary.h"
#include "summarycodec.h"

#include <cstdint>
#include <span>
#include <vector>

namespace rnnloss {

inline constexpr std::uint16_t kGradientPayloadVersion = 1;

/// The payload of a gradient frame (no header).
std::vector<std::uint8_t> encodeGradients(const GradientSummary& g);

/// The whole frame: header and payload.
std::vector<std::uint8_t> encodeGradientsFrame(const GradientSummary& g);

Decoded<GradientSummary> decodeGradients(std::span<const std::uint8_t> payload);

} // namespace rnnloss
