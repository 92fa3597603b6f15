#pragma once
// The Gradients tab's numbers as CSV: per parameter, each term's gradient
// norm, weighted norm, share and cosines with every other term, and the
// total's norm, under the lambdas in effect (gradgram.h).

#include "gradient.h"

#include <array>
#include <string>

namespace rnnloss {

/// Header: param,term,lambda,enabled,grad_norm,weighted_grad_norm,share,
/// cos_mse,...,cos_fr_cv,reason. One row per parameter and term, then one
/// "total" row per parameter (its weighted_grad_norm is the total's norm).
/// Undefined numbers are empty fields and the reason says why; a weighted
/// norm is 0 for a term that does not count (off or lambda 0). A result with
/// an error is one comment line saying so.
std::string gradientCsv(const GradientResult& result, const TermArray& lambdas,
                        const std::array<bool, kTermCount>& enabled);

} // namespace rnnloss
