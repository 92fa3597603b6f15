#pragma once
// What the sliders show, from the Gram matrices of computeGradients()
// (gradient.h) in O(7^2) per parameter: no backward pass per lambda change.
//
// A term counts when it is enabled and its lambda is not 0 (a term with
// lambda 0 is not added, docs/loss.md). With n_k = ||g_k|| the norm of its
// unweighted gradient with respect to the parameter:
//   total norm  ||sum_k lambda_k g_k|| = sqrt(lambda^T G lambda)
//   share_k     lambda_k n_k / sum_j lambda_j n_j   (over the counted terms)
// The share is of the sum of the weighted norms, not of the total's norm:
// norms do not add when gradients point different ways (that is what the
// cosines show), and these shares are non-negative and sum to 1.

#include "balance.h"
#include "gradient.h"
#include "sweep.h"

#include <optional>
#include <span>

namespace rnnloss {

/// ||g_k||; empty when the term has no gradient.
std::optional<double> gradNorm(const ParamGram& g, Term k);

/// ||sum of lambda_k g_k|| over the counted terms; empty when a counted term
/// has no gradient.
std::optional<double> weightedTotalNorm(const ParamGram& g, const TermArray& lambdas,
                                        const std::array<bool, kTermCount>& enabled);

/// <g_k, g_l> / (||g_k|| ||g_l||), clamped to [-1, 1]; empty when either
/// term has no gradient or a gradient of 0.
std::optional<double> cosine(const ParamGram& g, Term k, Term l);

/// Each term's share (above): 0 for a term that does not count; empty
/// everywhere when a counted term has no gradient or the sum is 0.
Shares gradShares(const ParamGram& g, const TermArray& lambdas,
                  const std::array<bool, kTermCount>& enabled);

/// The lambdas that give the target terms the target shares of the
/// parameter's gradient (as gradShares defines them), the other counted
/// terms' lambdas fixed. `lambdas` of the result are all seven: the solved
/// ones and the others as given (the caller enables the target terms). Closed form: with F the sum
/// of the others' lambda_j n_j and S the sum of the targets, the sum becomes F / (1 - S) and
/// lambda_k = s_k F / ((1 - S) n_k). `total` of the result is that sum.
/// Refused, with the reason, as balanceShares (balance.h) refuses, and when
/// a target term's gradient is 0 (it does not depend on the parameter).
BalanceResult balanceByGradient(const ParamGram& g, const TermArray& lambdas,
                                const std::array<bool, kTermCount>& enabled,
                                std::span<const ShareTarget> targets);

} // namespace rnnloss
