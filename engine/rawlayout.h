#pragma once
// Checks of a raw layout (summary.h: RawLayout) that came from the reader
// process: every extent against the file's size and the dataset's shape and
// type, before anything reads it.

#include "summary.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rnnloss {

/// Empty when every dataset of `layout` is one of outputs, targets, states (at
/// most once each), of shape (B, T, width) agreeing with `shape` (the
/// recording's), of 4- or 8-byte elements, with extents of whole trials in
/// trial order covering every trial once, each of exactly its trials' bytes
/// and inside the file's size; else what is wrong.
std::string checkLayout(const RawLayout& layout, const Shape& shape);

} // namespace rnnloss
