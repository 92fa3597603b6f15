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

/// A slice of a recording: the trials, time steps and hidden units a summary
/// covers, as strictly increasing indices into the whole recording.
struct Slice
{
    Shape whole; ///< the recording's shape
    std::vector<std::int64_t> trials, steps, neurons;
    bool operator==(const Slice&) const = default;
};

// Where the raw values of outputs, targets and states lie in the recording's
// file, so that the app and the CLI can read them with pread themselves: the
// reader process (the only one that parses HDF5) finds the extents of data
// stored contiguous or in unfiltered chunks of whole trials and sends them
// with the summary (rawlayout.h checks them; io/rawread.h reads them).

/// `trials` whole trials from `firstTrial`, stored row-major at `offset`.
struct RawExtent
{
    std::uint64_t offset = 0;
    std::uint64_t bytes = 0; ///< trials x T x N x element size
    std::int64_t firstTrial = 0;
    std::int64_t trials = 0;
    bool operator==(const RawExtent&) const = default;
};

struct RawDataset
{
    Dataset which = Dataset::States;
    int elementSize = 4;    ///< IEEE single (4) or double (8)
    bool bigEndian = false;
    std::int64_t batch = 0, time = 0, width = 0; ///< B, T and N (N_out or N_hid)
    std::vector<RawExtent> extents;              ///< by trial, covering [0, B) once
    bool operator==(const RawDataset&) const = default;
};

struct RawLayout
{
    std::string file;               ///< the path the reader opened
    std::uint64_t fileSize = 0;     ///< when the layout was made
    std::int64_t mtimeSec = 0, mtimeNsec = 0;
    std::vector<RawDataset> datasets; ///< outputs, targets and/or states
    const RawDataset* find(Dataset d) const;
    bool operator==(const RawLayout&) const = default;
};

/// The range of a recording's `dt` (ms): a nanosecond to a day.
inline constexpr double kMinDtMs = 1e-6;
inline constexpr double kMaxDtMs = 8.64e7;

struct Summary
{
    /// Of the data summarised: the slice's (B = its trials, T = its steps,
    /// N_hid = its neurons) when `slice` is set, else the recording's.
    Shape shape;
    /// Set when the summary covers a slice. outputs, targets and states are
    /// sliced; inputs and weights are not (no term slices them), so their
    /// dimensions are those of `slice->whole`.
    std::optional<Slice> slice;
    /// Set by a reader asked for raw extents: the datasets it lists are not
    /// reduced yet (they are marked absent) but read by the caller from the
    /// file (io/rawread.h), which then marks them present.
    std::optional<RawLayout> layout;
    std::array<DatasetInfo, kDatasetCount> datasets;
    std::array<std::optional<double>, kTermCount> trainingLambdas;
    /// The recording's `loss_convention` attribute ("nn4n" or "spec"), when it has one.
    std::optional<Convention> lossConvention;
    /// Root attributes that name the recording among others (empty when absent).
    std::string label;
    std::optional<double> step, epoch;
    /// The root attribute `run`: the training run the recording is a
    /// checkpoint of (runs.h), when present and not empty.
    std::optional<std::string> run;
    /// The recording's optional `trial_labels` (one per trial of the whole
    /// recording) and `neuron_groups` (one per hidden unit) as text, integers
    /// in decimal; empty when absent. Never sliced: a slice indexes into them.
    std::vector<std::string> trialLabels, neuronGroups;
    /// The root attribute `dt`: milliseconds per time step, when present
    /// (kMinDtMs to kMaxDtMs).
    std::optional<double> dtMs;
    std::vector<std::string> warnings;

    // outputs/targets: sums of squared error, per trial (B) and per time step (T).
    std::vector<double> sqErrPerTrial;
    std::vector<double> sqErrPerTime;

    // states r: per (trial, neuron) sums over time of r, r^2, |r| (B x N) ...
    RowMatrix trialSum, trialSumSq, trialSumAbs;
    // ... and per (time, neuron) sums over trials of r and r^2 (T x N), for PSTHs.
    RowMatrix timeSum, timeSumSq;
    // Per neuron. neuronMin, neuronMax and neuronActive are empty when not
    // known: a trial selection taken from a summary file (summaryslice.h).
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
    /// The shape of the recording itself (the weights' sizes come from it).
    const Shape& recordingShape() const { return slice ? slice->whole : shape; }
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
