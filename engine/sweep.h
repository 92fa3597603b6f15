#pragma once
// The loss as one lambda runs over a range, the others fixed. The terms do not
// depend on the lambdas, so each point is closed-form from the term values:
// total(x) = x * v_k + sum over j != k of lambda_j * v_j.

#include "loss.h"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rnnloss {

/// A value per term that may be undefined.
using Shares = std::array<std::optional<double>, kTermCount>;

/// Each term's weighted value as a fraction of the total: 0 for a term whose
/// lambda is 0; empty everywhere when the total is undefined or 0.
Shares termShares(const LossResult& r);

/// `points` values from `from` to `to` inclusive, evenly spaced in log10.
/// Throws std::invalid_argument unless 0 < from < to, both finite, points >= 2.
std::vector<double> logGrid(double from, double to, int points);

struct SweepPoint
{
    double lambda = 0.0;
    double total = 0.0;
    Shares shares; ///< empty when the total is 0
};

struct SweepResult
{
    Term term = Term::Mse;
    std::vector<SweepPoint> points; ///< one per grid value; empty when error is set
    std::string error;              ///< why the sweep has no defined total
};

/// The total and every share with lambda_term set to each grid value in turn,
/// the other lambdas as given. Refused (error set, no points) when the swept
/// term has no value, or another enabled term is unavailable or undefined.
SweepResult sweepLambda(const TermValues& values, const TermArray& lambdas, Term term,
                        std::span<const double> grid);

} // namespace rnnloss
