#pragma once
// The Pareto front of runs on two numbers (issue 19's runs scatter): the runs
// no other run beats on both.

#include <cstddef>
#include <span>
#include <vector>

namespace rnnloss {

/// Which way an axis is better.
enum class Goal
{
    Minimise,
    Maximise
};

/// Indices of the points that no other point dominates. q dominates p when q
/// is at least as good on both axes and better on one; two equal points do not
/// dominate each other, so both are on the front. Points with a non-finite
/// coordinate are left out. The indices come ordered by x ascending (then y
/// ascending): the order to draw the front in. O(n log n).
std::vector<std::size_t> paretoFront(std::span<const double> x, std::span<const double> y,
                                     Goal gx = Goal::Minimise, Goal gy = Goal::Minimise);

} // namespace rnnloss
