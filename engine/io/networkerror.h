#pragma once
// How readNetwork (reader.h) says that a recording lacks the network the
// gradients need, so that a client of the reader process (summarize
// --gradients) can tell that, which it reports and goes on from, from a
// failure of the read. The reader sends errors as text: this phrase is the
// contract.

#include <string_view>

namespace rnnloss::io {

inline constexpr std::string_view kNetworkMissing =
    ", which the file does not hold (recording-format.md, \"The network\")";

/// Whether `error` (a reader's error) is that the recording lacks the network.
inline bool isNetworkMissing(std::string_view error)
{
    return error.find(kNetworkMissing) != std::string_view::npos;
}

} // namespace rnnloss::io
