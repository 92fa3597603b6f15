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
    bool wideVectors = true;       ///< use the AVX2 row kernel when the CPU has it
    /// Per-time sums (timeSum, timeSumSq: the PSTHs) and per-neuron sample
    /// histograms. Off, the pass keeps only what the terms and the neuron
    /// table need; the summary then holds neither (psth() and
    /// neuronRateHistogram() give empty results), and the pass is the cheaper.
    bool perTime = true;
    bool histograms = true;
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

    /// Adds a reducer that covered trials [firstTrial, firstTrial + its batch)
    /// of this one's, with the same T, N and config: for threads that each own
    /// a run of trials. Per-trial sums are copied, so they are the bits a
    /// single pass gives; extremes, counts and histograms merge exactly; the
    /// per-time sums add in the order of the calls (deterministic for a given
    /// split, not the bits of one pass).
    void merge(StatesReducer&& part, std::int64_t firstTrial);

    /// Moves the statistics into `out` (states part only).
    void finish(Summary& out);

    /// Whether the CPU runs the AVX2 build of the row kernel.
    static bool cpuHasAvx2();

private:
    template <class Real>
    void addRange(const Real* data, std::int64_t firstTrial, std::int64_t trials,
                  std::int64_t n0, std::int64_t n1);
    /// The lean pass (no per-time sums, no histograms) through the AVX2 tile
    /// kernel (detail::leanTrialAvx2); only when m_avx2.
    template <class Real>
    void addLeanTrials(const Real* data, std::int64_t firstTrial, std::int64_t trials,
                       std::int64_t n0, std::int64_t n1);
    template <class Real>
    void addRow(const Real* row, std::int64_t n0, std::int64_t n1, double* ts, double* tq,
                double* ta, double* ps, double* pq, std::int32_t* idx);
    template <class Real>
    void add(const Real* data, std::int64_t firstTrial, std::int64_t trials);
    template <class Real, bool PerTime, bool Hist>
    void addRowT(const Real* row, std::int64_t n0, std::int64_t n1, double* ts, double* tq,
                 double* ta, double* ps, double* pq, std::int32_t* idx);
    void grow(std::int64_t n, double x);
    void makeSigned(std::int64_t n);
    void widen(std::int64_t n);
    void updateHistState(std::int64_t n);

    std::int64_t m_batch, m_time, m_neurons;
    ReduceConfig m_config;
    bool m_avx2; ///< run the row kernel's AVX2 build
    int m_bins;
    RowMatrix m_trialSum, m_trialSumSq, m_trialSumAbs, m_timeSum, m_timeSumSq;
    std::vector<double> m_min, m_max;
    std::vector<std::int64_t> m_nonFinite;
    std::vector<double> m_active; ///< counted in double (exact to 2^53): vectorises
    // Histogram state per neuron: bins of width 2^k; unsigned covers
    // [0, bins*w), signed covers [-bins/2*w, bins/2*w). Kept as separate
    // arrays (1/width, the range of value/width that lands in a bin, the index
    // in m_counts of the bin starting at 0) so that binning vectorises.
    std::vector<double> m_histInv, m_histLo, m_histHi;
    std::vector<std::int32_t> m_histZero;
    std::vector<double> m_width;
    std::vector<std::uint8_t> m_signed;
    std::vector<std::int64_t> m_counts; ///< neurons x bins
};

/// Reduces outputs and targets (B x T x N_out each) into squared-error sums.
class ErrorReducer
{
public:
    ErrorReducer(std::int64_t batch, std::int64_t time, std::int64_t nOut);
    /// As StatesReducer::merge; the per-time sums add in the order of the calls.
    void merge(ErrorReducer&& part, std::int64_t firstTrial);
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
