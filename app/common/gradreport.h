#pragma once
// Text renderings of a gradient pass (engine/gradsummary.h) for chosen
// lambdas: the JSON and the table of `rnnloss grad`. Everything comes from the
// Gram matrices (engine/gradgram.h), so any lambdas cost O(7^2) per parameter.
// Plain C++ so the CLI and the app share them.

#include "gradsummary.h"
#include "terms.h"

#include <optional>
#include <string>

namespace rnnloss {

/// The JSON object of `rnnloss grad --json` for one recording (one line):
/// {"file", ["label",] "convention", "replay_error", "parameters", "terms",
/// "total", "cosine"} (see `rnnloss --help`). Every term counts with its
/// lambda (0: not added); `label` is written when given.
std::string gradientJson(const GradientSummary& g, const TermArray& lambdas,
                         const std::string& file, const std::optional<std::string>& label = {});

/// The table of `rnnloss grad`: each weighted term's gradient norm per
/// parameter with its share, the total, the reasons of terms without a
/// gradient, and the cosines between the terms' gradients of W_hid.
std::string gradientTable(const GradientSummary& g, const TermArray& lambdas,
                          const std::string& title);

} // namespace rnnloss
