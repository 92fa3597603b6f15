#pragma once
// Streaming reduction of raw recording data into a Summary. Data arrive in
// slabs of whole trials, in trial order; the result does not depend on how the
// trials are cut into slabs (every accumulator is per neuron or per trial and
// is summed in the same order whatever the slab size).

#include "summary.h"

#include <cstdint>

namespace rnnloss {

struct ReduceConfig
{
    int histogramBins = 64;        ///< per-neuron rate histogram; a multiple of 4
    double activeThreshold = 0.0;  ///< a sample is "active" when r > threshold
    int threads = 1;               ///< neurons are split across this many threads
};

/// Reduces states (B x T x N, row-major, batch first).
class StatesReducer
{
public:
    StatesReducer(std::int64_t batch, std::int64_t time, std::int64_t neurons,
                  ReduceConfig config = {});

    /// `data` holds `trials` whole trials starting at `firstTrial`.
    void addTrials(const float* data, std::int64_t firstTrial, std::int64_t trials);
    void addTrials(const double* data, std::int64_t firstTrial, std::int64_t trials);

    /// Moves the statistics into `out` (states part only).
    void finish(Summary& out);

private:
    template <class Real>
    void addRange(const Real* data, std::int64_t firstTrial, std::int64_t trials,
                  std::int64_t n0, std::int64_t n1);
    template <class Real>
    void add(const Real* data, std::int64_t firstTrial, std::int64_t trials);
    void grow(std::int64_t n, double x);
    void updateHistState(std::int64_t n);

    std::int64_t m_batch, m_time, m_neurons;
    ReduceConfig m_config;
    int m_bins;
    RowMatrix m_trialSum, m_trialSumSq, m_trialSumAbs, m_timeSum, m_timeSumSq;
    std::vector<double> m_min, m_max;
    std::vector<std::int64_t> m_nonFinite, m_active;
    // Histogram state per neuron: bins of width 2^k; unsigned covers
    // [0, bins*w), signed covers [-bins/2*w, bins/2*w).
    struct HistState
    {
        double inv;          ///< 1 / width
        double lo, hi;       ///< range of value / width that lands in a bin
        std::int64_t* zero;  ///< this neuron's count for the bin starting at 0
    };
    std::vector<HistState> m_hist;
    std::vector<double> m_width;
    std::vector<std::uint8_t> m_signed;
    std::vector<std::int64_t> m_counts; ///< neurons x bins
};

/// Reduces outputs and targets (B x T x N_out each) into squared-error sums.
class ErrorReducer
{
public:
    ErrorReducer(std::int64_t batch, std::int64_t time, std::int64_t nOut);
    void addTrials(const float* outputs, const float* targets, std::int64_t firstTrial,
                   std::int64_t trials);
    void addTrials(const double* outputs, const double* targets, std::int64_t firstTrial,
                   std::int64_t trials);
    void finish(Summary& out);

private:
    template <class Real>
    void add(const Real* o, const Real* y, std::int64_t firstTrial, std::int64_t trials);
    std::int64_t m_batch, m_time, m_nOut;
    std::vector<double> m_perTrial, m_perTime;
};

/// Counts non-finite values of any buffer; used for inputs and weights.
std::int64_t countNonFinite(const double* data, std::int64_t n);
std::int64_t countNonFinite(const float* data, std::int64_t n);

/// An in-memory recording, for tests, the benchmark and tools. Arrays are
/// row-major, batch first; an empty array means the dataset is absent.
struct Recording
{
    Shape shape;
    std::vector<double> outputs, targets, states, inputs;
    std::vector<double> wIn, wHid, wOut; ///< (out, in) orientation
    std::array<std::optional<double>, kTermCount> trainingLambdas;
};

/// Summarises an in-memory recording by the same reducers the reader uses,
/// feeding `slabTrials` trials at a time.
Summary summarize(const Recording& rec, std::int64_t slabTrials = 1, ReduceConfig config = {});

} // namespace rnnloss
