#pragma once
// What a penalty does to the population of hidden units (issue 19): any
// per-neuron statistic as a distribution, selectivity between two trial labels
// (d'), silent and saturated fractions, the mean rate per neuron group and the
// participation ratio. As everywhere in the engine, the raw data are reduced
// once (the Summary, plus the two streaming accumulators here, fed the same
// chunks of states the reducer sees) and the measures are evaluated cheaply
// from what was gathered.

#include "network.h"
#include "neuronstats.h"
#include "summary.h"

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rnnloss {

/// A number that may be undefined, and why.
struct Measure
{
    std::optional<double> value;
    std::string reason; ///< set when value is empty
};

// ---------------------------------------------------------------------------
// Per-neuron statistics as distributions

/// The columns of the neuron table (NeuronStats).
enum class NeuronMeasure
{
    MeanRate,
    Sd,
    Cv,
    Min,
    Max,
    FractionActive,
    FrContribution
};
inline constexpr std::array<NeuronMeasure, 7> kAllNeuronMeasures = {
    NeuronMeasure::MeanRate,      NeuronMeasure::Sd,  NeuronMeasure::Cv,
    NeuronMeasure::Min,           NeuronMeasure::Max, NeuronMeasure::FractionActive,
    NeuronMeasure::FrContribution};

/// "mean_rate", "sd", "cv", "min", "max", "fraction_active", "fr_contribution":
/// the keys of `rnnloss compute --json`'s "neurons" object.
std::string_view neuronMeasureKey(NeuronMeasure m);
std::optional<NeuronMeasure> neuronMeasureFromKey(std::string_view key);

/// One value per neuron (NaN where undefined), as computeNeuronStats gave it.
const std::vector<double>& neuronMeasure(const NeuronStats& st, NeuronMeasure m);

/// The `trial_labels` of the summary's trials (the slice's, when it is one):
/// one per trial of the summary, or empty when the recording has none.
std::vector<std::string> summaryTrialLabels(const Summary& s);
/// The `neuron_groups` of the summary's neurons, likewise.
std::vector<std::string> summaryNeuronGroups(const Summary& s);

/// Selectivity between two groups of trials: d' = (m_A - m_B) /
/// sqrt((s_A^2 + s_B^2) / 2), where m and s are the mean and the sample SD
/// (divisor n - 1) of the values of each group. Undefined when a group has
/// fewer than 2 values, a value is not finite, or both SDs are 0.
Measure dPrime(std::span<const double> a, std::span<const double> b);

/// d' per neuron between the trials labelled `labelA` and those labelled
/// `labelB`, over each trial's time-mean rate (the summary's per-trial sum of
/// r over its steps, divided by its steps). The per-trial sums are all it
/// needs: m and s are taken across the trials' means.
struct Selectivity
{
    std::string labelA, labelB;
    std::int64_t trialsA = 0, trialsB = 0;
    std::vector<double> dPrime;       ///< per neuron; NaN where undefined
    std::vector<std::string> reasons; ///< per neuron; empty where d' is defined
    std::string error;                ///< set (and dPrime empty) when no neuron can have a d'
};

/// `trials` (empty = all) selects among the summary's trials. The error names
/// what is missing: states, `trial_labels`, a label, or 2 trials of a label.
Selectivity selectivity(const Summary& s, std::string_view labelA, std::string_view labelB,
                        const std::vector<bool>& trials = {});

/// Equal bins covering the finite values of every set, by histogramOf's rule
/// (min to max of them all, padded when they are all equal), counts all 0:
/// the shared bins of one statistic over several recordings. Counts are empty
/// when no set has a finite value.
Histogram sharedBins(const std::vector<std::vector<double>>& sets, int bins);

/// `values` counted on the bins of `bins` (its lo, width and number of bins);
/// values outside them and non-finite ones are not counted.
Histogram countOnBins(const Histogram& bins, std::span<const double> values);

// ---------------------------------------------------------------------------
// Population measures

/// A share of neurons.
struct Fraction
{
    std::int64_t count = 0;    ///< neurons that meet the rule
    std::int64_t of = 0;       ///< neurons the share is taken over
    std::int64_t excluded = 0; ///< selected neurons left out (see each function)
    std::optional<double> value;
    std::string reason; ///< set when value is empty
};

inline constexpr double kSilentThreshold = 1e-6;

/// The rules in words, for the views and the CLI's help to show as they are.
inline constexpr std::string_view kSilentRule =
    "silent: the rate never leaves [-threshold, threshold] (default 1e-6)";
inline constexpr std::string_view kSaturatedRule =
    "saturated: more than half of the neuron's samples above 0.99 (0.99 of the upper bound 1 of "
    "sigmoid, tanh and retanh) or, for tanh, below -0.99; undefined for relu";
inline constexpr std::string_view kParticipationRatioRule =
    "participation ratio: (sum of eigenvalues)^2 / sum of squared eigenvalues of the rates' "
    "covariance across all (trial, step) samples";

/// Neurons whose rate never leaves [-threshold, threshold]: max |r| over
/// their finite samples <= threshold (for relu, sigmoid and retanh, whose rates
/// are >= 0, "never above the threshold"). Neurons without a finite sample are
/// excluded. `neurons` (empty = all) selects among the summary's neurons.
/// Covers the summary's trials and steps: min and max are gathered while reading.
Fraction silentFraction(const NeuronStats& st, double threshold = kSilentThreshold,
                        const std::vector<bool>& neurons = {});

// The activation (Activation, parseActivation) is network.h's: one list of nn4n's.

/// Counts, per neuron, the samples near the activation's bound, streaming.
/// A sample is saturated when r > 0.99 (0.99 of the upper bound, which is 1
/// for sigmoid, tanh and retanh) or, for tanh, r < -0.99. A non-finite sample
/// is not saturated but counts as a sample. relu has no upper bound: its
/// counter counts nothing and saturatedFraction says so.
class SaturationCounter
{
public:
    static constexpr double kLevel = 0.99;

    SaturationCounter(Activation a, std::int64_t neurons);
    /// A counter that has counted `samples` samples with `counts` saturated
    /// ones per neuron: what a stats frame carries (statscodec.h). Throws
    /// std::invalid_argument unless every count is in [0, samples] (and 0 for
    /// relu).
    static SaturationCounter fromCounts(Activation a, std::int64_t samples,
                                        std::span<const std::int64_t> counts);

    /// `rows` samples of all neurons, row-major (rows x neurons): a block of
    /// whole trials (B x T x N) or any run of (trial, step) rows.
    void add(const float* data, std::int64_t rows);
    void add(const double* data, std::int64_t rows);
    /// Adds the counts of a counter of the same activation and width.
    void merge(const SaturationCounter& other);

    Activation activation() const { return m_activation; }
    bool applies() const { return m_activation != Activation::Relu; }
    std::int64_t neurons() const { return static_cast<std::int64_t>(m_counts.size()); }
    std::int64_t samples() const { return m_samples; }
    /// Saturated samples of neuron `n`.
    std::int64_t count(std::int64_t n) const;

private:
    template <class Real> void addRows(const Real* data, std::int64_t rows);
    Activation m_activation;
    double m_hi = 0.0, m_lo = 0.0;
    std::int64_t m_samples = 0;
    std::vector<double> m_counts; ///< in double (exact to 2^53) so the loop vectorises
};

/// Neurons saturated for more than half of their samples (2 x count > samples).
/// Empty value, with the reason, for relu or when no sample was counted.
Fraction saturatedFraction(const SaturationCounter& c, const std::vector<bool>& neurons = {});

/// The mean rate of the neurons of one `neuron_groups` value.
struct GroupRate
{
    std::string group;
    std::int64_t neurons = 0;
    Measure meanRate; ///< mean over the group's neurons of their mean rate
};

/// Per group, in order of first appearance among the summary's neurons; `st`
/// from computeNeuronStats on the same summary (its trial selection applies),
/// `groups` from summaryNeuronGroups. Empty without groups. A group with a
/// neuron whose mean is undefined (non-finite samples) has no mean rate.
std::vector<GroupRate> meanRateByGroup(const NeuronStats& st,
                                       const std::vector<std::string>& groups);

/// The covariance of the rates across samples (every (trial, step) of what it
/// is fed), streaming. Rows are gathered into blocks of kBlockRows; each block
/// is centred on its own mean, added by a rank-k update and merged with Chan
/// et al.'s pairwise formula, so the result suffers neither the cancellation
/// of sum(r r^T) - n m m^T when rates are large against their spread nor a
/// dependence on how the caller cuts its chunks: the same rows in the same
/// order give the same bits. Memory 2 x N x N doubles (N = 512: 4 MB); cost
/// about N^2 / 2 multiply-adds per sample.
class CovarianceAccumulator
{
public:
    static constexpr std::int64_t kBlockRows = 512;

    explicit CovarianceAccumulator(std::int64_t neurons);

    /// `rows` samples of all neurons, row-major (rows x neurons): a block of
    /// whole trials (B x T x N) or any run of (trial, step) rows.
    void add(const float* data, std::int64_t rows);
    void add(const double* data, std::int64_t rows);
    /// Adds the samples another accumulator of the same width has seen (for
    /// threads that each own a run of trials; the bits then depend on the split).
    void merge(const CovarianceAccumulator& other);

    std::int64_t neurons() const { return m_block.cols(); }
    /// Samples taken in: rows whose values are all finite.
    std::int64_t samples() const { return m_done.n + m_fill; }
    /// Rows left out for a non-finite value: they make the covariance undefined.
    std::int64_t nonFiniteRows() const { return m_nonFiniteRows; }
    Eigen::VectorXd mean() const;
    /// Population covariance (divisor: samples), full symmetric N x N.
    Eigen::MatrixXd covariance() const;

    /// PR = (sum lambda_i)^2 / sum lambda_i^2 over the eigenvalues of the
    /// covariance of the selected neurons (empty = all), computed as
    /// trace(C)^2 / ||C||_F^2, which is the same number without an
    /// eigen-decomposition. Between 1 and the number of neurons. Undefined with
    /// fewer than 2 samples, non-finite samples, or no variance at all.
    Measure participationRatio(const std::vector<bool>& neurons = {}) const;

private:
    using Rows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    /// Count, mean and scatter (sum of centred outer products, lower triangle).
    struct Moments
    {
        std::int64_t n = 0;
        Eigen::VectorXd mean;
        Eigen::MatrixXd scatter;
    };
    static void addMean(Moments& m, const Eigen::VectorXd& mean, std::int64_t n);
    static void foldRows(Moments& m, Eigen::Ref<Rows> rows); ///< centres `rows` in place
    /// m_done with the pending rows folded in.
    Moments settled() const;
    template <class Real> void addRows(const Real* data, std::int64_t rows);

    std::int64_t m_nonFiniteRows = 0;
    Moments m_done;
    Rows m_block; ///< kBlockRows x N; rows [0, m_fill) wait for the block to fill
    std::int64_t m_fill = 0;
};

} // namespace rnnloss
