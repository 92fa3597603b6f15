#pragma once
// The summary of a recording: sufficient statistics gathered in one streaming
// pass over the B x T x N data. Everything the app shows is computed from it;
// nothing later goes back to the raw data.

#include "terms.h"

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rnnloss {

struct Shape
{
    std::int64_t batch = 0; ///< B, trials
    std::int64_t time = 0;  ///< T, time steps
    std::int64_t nIn = 0;
    std::int64_t nHid = 0;
    std::int64_t nOut = 0;
    bool operator==(const Shape&) const = default;
};

/// The datasets a recording can hold.
enum class Dataset { Outputs, Targets, States, Inputs, WeightsIn, WeightsHid, WeightsOut };
inline constexpr int kDatasetCount = 7;
std::string_view datasetName(Dataset d); ///< "outputs", ..., "weights/input", ...

/// Where a dataset was found (or looked for) and what it held.
struct DatasetInfo
{
    bool present = false;
    std::string file;                ///< file it was read from / looked for in
    std::string path;                ///< path inside the file, or the paths looked at
    std::vector<std::int64_t> dims;  ///< as stored
    std::int64_t nonFinite = 0;      ///< NaN and Inf values seen
};

using RowMatrix = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Per-neuron histogram of rates with a power-of-two bin width found while
/// streaming (see histogram.h). Bins cover [lo, lo + bins * width).
struct NeuronHistogram
{
    double lo = 0.0;
    double width = 0.0;
    std::vector<std::int64_t> counts;
};

struct Summary
{
    Shape shape;
    std::array<DatasetInfo, kDatasetCount> datasets;
    std::array<std::optional<double>, kTermCount> trainingLambdas;
    /// The recording's `loss_convention` attribute ("nn4n" or "spec"), when it has one.
    std::optional<Convention> lossConvention;
    /// Root attributes that name the recording among others (empty when absent).
    std::string label;
    std::optional<double> step, epoch;
    std::vector<std::string> warnings;

    // outputs/targets: sums of squared error, per trial (B) and per time step (T).
    std::vector<double> sqErrPerTrial;
    std::vector<double> sqErrPerTime;

    // states r: per (trial, neuron) sums over time of r, r^2, |r| (B x N) ...
    RowMatrix trialSum, trialSumSq, trialSumAbs;
    // ... and per (time, neuron) sums over trials of r and r^2 (T x N), for PSTHs.
    RowMatrix timeSum, timeSumSq;
    std::vector<double> neuronMin, neuronMax;         ///< over finite samples
    std::vector<std::int64_t> neuronNonFinite;        ///< per neuron
    std::vector<std::int64_t> neuronActive;           ///< samples with r > activeThreshold
    double activeThreshold = 0.0;
    std::vector<NeuronHistogram> neuronHistograms;    ///< one per neuron

    // weights: squared Frobenius norms; matrices kept for display when small enough.
    std::array<double, 3> weightNormSq{0.0, 0.0, 0.0}; ///< input, hidden, readout
    std::array<RowMatrixF, 3> weights;                 ///< (out, in) orientation; may be empty

    const DatasetInfo& info(Dataset d) const { return datasets[static_cast<int>(d)]; }
    DatasetInfo& info(Dataset d) { return datasets[static_cast<int>(d)]; }
    bool has(Dataset d) const { return info(d).present; }
    bool hasStates() const { return has(Dataset::States); }
    bool hasMse() const { return has(Dataset::Outputs) && has(Dataset::Targets); }
};

/// How a recording is named in a set: its `label` attribute, else "step N" or
/// "epoch N" from those attributes, else the file name of `path`.
std::string recordingLabel(const Summary& s, const std::string& path);

/// Which trials and neurons a computation covers; empty vectors mean all.
struct Selection
{
    std::vector<bool> trials;
    std::vector<bool> neurons;
};

} // namespace rnnloss
