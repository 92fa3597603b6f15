#pragma once
// Reads a recording (format v1, docs/recording-format.md) in one streaming pass
// into a Summary. Every file is treated as untrusted: see docs/security.md.
// HDF5 stays inside this part of the engine; nothing outside sees hdf5.h.

#include "gradient.h"
#include "network.h"
#include "reducer.h"
#include "slice.h"
#include "statspass.h"
#include "summary.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace rnnloss::io {

/// Given the recording's shape, the slice to summarise instead of the whole;
/// std::nullopt for the whole recording, or with `error` set to refuse (the
/// read then fails with "<file>: <error>").
/// It gets the summary as read so far: the recording's shape and its
/// trial_labels / neuron_groups.
using SliceFn = std::function<std::optional<Slice>(const Summary& whole, std::string& error)>;

struct ReadRequest
{
    std::string recording;      ///< path; may be empty when only weights are read
    std::string weights;        ///< optional second file with the weights
    /// When non-empty, the recording is read from this in-memory file image
    /// instead of from disk (`recording` is then only its name in messages).
    std::span<const std::uint8_t> recordingImage;
    std::size_t slabBytes = std::size_t(64) << 20; ///< memory for one slab of B x T x N data
    ReduceConfig reduce;
    SliceFn slice; ///< empty: the whole recording
    /// Leave outputs, targets and states to the caller when they can be read
    /// straight from the file: the summary then has their raw layout
    /// (Summary::layout) instead of their sums, and a slice (checked here)
    /// is left to the caller too.
    bool rawLayout = false;
};

/// Called after each slab with the fraction done and what is being read;
/// returning false cancels the read.
using ProgressFn = std::function<bool(double fraction, const std::string& stage)>;

struct ReadResult
{
    std::optional<Summary> summary;
    std::string error; ///< "<file>: <what is wrong>"; set when summary is empty
    /// With a weights file: where its step, epoch, label or checkpoint
    /// attribute disagrees with the recording's (filechecks.h), one message
    /// each. Kept out of the summary's warnings: they concern the pairing of
    /// two files, not the data, and leave the numbers' report unchanged.
    std::vector<std::string> weightsWarnings;
};

/// Never throws. Safe to call from any thread (HDF5 is serialised internally).
ReadResult readRecording(const ReadRequest& request, const ProgressFn& progress = {});

/// Row-major values of a dataset in the precision it is stored in (half
/// precision as float); an empty vector is an absent dataset.
using RealData = std::variant<std::vector<double>, std::vector<float>>;

/// What the gradients need of a recording (docs/recording-format.md, "The
/// network"): the network itself and the arrays it ran on.
struct NetworkRead
{
    std::optional<Network> network; ///< empty when `error` is set
    /// The recording without its values: its shape, the datasets found, its
    /// training lambdas, label, step, trial labels and neuron groups, and the
    /// warnings of the read.
    Summary recording;
    std::optional<Slice> slice;       ///< ReadRequest::slice resolved; empty: the whole
    RealData inputs, targets, states; ///< B x T x width; targets and states may be absent
    std::string error;                ///< "<file>: <what is wrong>"

    /// Views of the arrays for computeGradients (valid while this lives).
    GradientInput gradientInput() const;
};

/// Reads the network (weights, biases, activation, alpha, initial state) and
/// the inputs, targets and states it ran on, with the rules of readRecording
/// for untrusted files. Weights and biases come from ReadRequest::weights when
/// it is given, everything else from the recording; `reduce` and `rawLayout`
/// are not used. A recording that lacks what the gradients need gets one
/// error naming all of it. Never throws.
NetworkRead readNetwork(const ReadRequest& request, const ProgressFn& progress = {});
/// What `rnnloss-reader --stats` asks of the stats pass besides the read.
struct StatsRequest
{
    /// "a:b": the response window in the recording's steps (taskperf.h's
    /// parseStepWindow); empty: the default window.
    std::string responseWindow;
};

struct StatsResult
{
    std::optional<PassStats> stats;
    std::string error; ///< "<file>: <what is wrong>"; set when stats is empty
};

/// The stats pass (statspass.h) over the recording of `request`, or the slice
/// it asks for, with the rules of readRecording for untrusted files (every
/// dataset found and checked before a value is read). Threads: those of
/// `request.reduce`; its other settings and `rawLayout` are not used. A
/// response window that does not fit the recording is an error. Never
/// throws; safe from any thread.
StatsResult readStats(const ReadRequest& request, const StatsRequest& stats,
                      const ProgressFn& progress = {});

/// "1.10.8", the HDF5 library this binary runs with.
std::string hdf5Version();

} // namespace rnnloss::io
