#pragma once
// Writes an in-memory Recording as a format-v1 file: for the benchmark, tools
// and tests. Trusted input only; the reader is the hardened side.

#include "network.h"
#include "reducer.h"

#include <optional>
#include <string>
#include <vector>

namespace rnnloss::io {

struct WriteOptions
{
    bool doublePrecision = false; ///< f64 instead of f32
    std::int64_t chunkTrials = 0; ///< 0: contiguous; else chunks of this many trials
    int gzipLevel = 0;            ///< with chunking
    bool stateDictNames = false;  ///< weights under nn4n's state_dict names at the root
    /// Optional `trial_labels` (B) and `neuron_groups` (N_hid): variable-length
    /// strings, or 64-bit integers when `integerLabels` (each must parse).
    std::vector<std::string> trialLabels, neuronGroups;
    bool integerLabels = false;
    /// The root attribute `dt`: a number of milliseconds, or text ("10 ms").
    std::optional<double> dtMs;
    std::string dtText;
    /// The root attribute `step` (a checkpoint of a training series).
    std::optional<double> step;
    /// The network's own objects (recording-format.md, "The network"): its
    /// biases (biases/...; empty ones not written), `init_state` when it has
    /// one, and the attributes `activation` and `alpha`. Its weights are the
    /// Recording's.
    const Network* network = nullptr;
};

/// Returns an empty string on success, else the error.
std::string writeRecording(const std::string& path, const Recording& rec,
                           const WriteOptions& options = {});

/// Reads dataset `name` of `path` in slabs of whole trials without reducing it:
/// HDF5's own read speed, the floor under the reader's. Returns the sum of the
/// values (so the read cannot be optimised away), NaN on error.
double readRaw(const std::string& path, const std::string& name, std::size_t slabBytes);

} // namespace rnnloss::io
