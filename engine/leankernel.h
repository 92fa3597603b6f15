#pragma once
// The lean pass's kernel (ReduceConfig without per-time sums and histograms):
// one trial into the per-trial sums and the per-neuron extremes, activity and
// non-finite counts. Internal to StatesReducer.

#include <cstdint>

namespace rnnloss::detail {

/// Where one trial's statistics go. ts, tq, ta: the trial's Σr, Σr², Σ|r|
/// per neuron; mn, mx, active, nonFinite: per neuron, over every trial.
struct LeanTargets
{
    double *ts, *tq, *ta, *mn, *mx, *active;
    std::int64_t* nonFinite;
    double threshold; ///< a sample is active when r > threshold
};

/// Adds neurons [n0, n1) of one trial (`time` rows of `neurons` values,
/// row-major) to `a` with AVX2 instructions: the same additions in the same
/// order as the row kernel (each sum in time order, no FMA), so the same bits.
/// Only when the CPU has AVX2 (StatesReducer::cpuHasAvx2()); a build for
/// another architecture runs the same loops element by element.
void leanTrialAvx2(const float* trial, std::int64_t time, std::int64_t neurons, std::int64_t n0,
                   std::int64_t n1, const LeanTargets& a);
void leanTrialAvx2(const double* trial, std::int64_t time, std::int64_t neurons, std::int64_t n0,
                   std::int64_t n1, const LeanTargets& a);

} // namespace rnnloss::detail
