#pragma once
// Auto-balance: the lambdas that give chosen terms chosen shares of the total,
// the other lambdas fixed. The total is linear in the lambdas, so this is
// closed-form: with F the weighted sum of the other terms and S the sum of the
// target shares, the total is T = F / (1 - S) and lambda_k = s_k * T / v_k.

#include "loss.h"

#include <optional>
#include <span>
#include <string>

namespace rnnloss {

struct ShareTarget
{
    Term term = Term::Fr;
    double share = 0.0; ///< fraction of the total, 0 <= share < 1
};

struct BalanceResult
{
    std::optional<TermArray> lambdas; ///< all seven: the solved ones, the others as given
    double total = 0.0;               ///< the total under `lambdas`
    std::string error;                ///< why the request is infeasible; set when lambdas is empty
};

/// Empty when the targets themselves make sense (each term once, each share
/// finite in [0, 1), their sum below 1); else why not, naming the term.
/// balanceShares and balanceByGradient (gradgram.h) both check with it.
std::string checkShareTargets(std::span<const ShareTarget> targets);

/// Solves for the lambdas of the target terms. Refused, with the reason, when
/// the shares are negative, not finite or sum to 1 or more, a term is named
/// twice, a target term's value is missing, undefined, 0 or negative, another
/// enabled term is missing or undefined, or the other terms contribute nothing
/// (or a negative amount) to the total.
BalanceResult balanceShares(const TermValues& values, const TermArray& lambdas,
                            std::span<const ShareTarget> targets);

} // namespace rnnloss
