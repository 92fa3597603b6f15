#pragma once
// Reads the raw extents of a summary's layout (Summary::layout) straight from
// the file with pread, and reduces them: what the app and the CLI do after the
// reader process has parsed the HDF5 file. No HDF5 here. pread and not mmap: a
// file truncated while mapped would kill the process with SIGBUS; here it is
// an error message.

#include "neuronstats.h"
#include "reducer.h"
#include "slice.h"
#include "summary.h"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace rnnloss::io {

struct RawReadOptions
{
    /// Threads, each owning a run of trials that it reads and reduces block by
    /// block while the block is in cache; merged in trial order, so the
    /// result is the same for a given count (and per-trial sums for any).
    int threads = 2;
    ReduceConfig reduce;                           ///< its `threads` is ignored
    std::size_t blockBytes = std::size_t(1) << 20; ///< read per step and thread, at least a trial
    std::optional<Slice> slice;                    ///< reduce only this slice of the recording
    /// Checked between blocks: when it turns true the read stops with the
    /// error "<file>: cancelled".
    const std::atomic<bool>* cancel = nullptr;
};

/// What the app and the CLI read: both cores (at most the machine's), and
/// only what the views and reports need at once — the terms, the neuron
/// table, the rate histogram — without per-time sums or per-neuron sample
/// histograms (a neuron's come on demand: neuronsFromRaw).
RawReadOptions leanOptions();

/// Completes `s`, which came with a raw layout: reads the datasets it lists
/// from the file (refused when the file's size or modification time changed
/// since the layout was made, or when an extent does not fit the file, the
/// shape or the type), reduces them (or `options.slice` of them) into `s` and
/// marks them present. Returns the error ("<file>: <what>"), empty on success;
/// `s` is unusable after an error. `s.layout` stays, for later slices.
std::string completeFromRaw(Summary& s, const RawReadOptions& options = {});

/// What a view shows of one selected neuron and a summary reduced without
/// per-time sums and histograms no longer holds.
struct NeuronDetail
{
    Psth psth;           ///< over the slice's steps: mean and SD across its trials
    Histogram histogram; ///< of the neuron's samples, as neuronRateHistogram()
    std::string error;   ///< "<file>: <what>"; set when the rest is empty
};

/// The PSTH and sample histogram of neuron `neuron` (an index of the
/// recording) over `options.slice` (or everything), gathered on demand from
/// the raw extents of `s`'s layout, one thread: the values the full pass would
/// have kept (the same sums in the same order, the same histogram layout).
NeuronDetail neuronFromRaw(const Summary& s, std::int64_t neuron,
                           const RawReadOptions& options = {});

/// The same for several neurons in one pass over the trials (each trial is
/// read once and every neuron's column gathered from it). On an error every
/// entry carries it.
std::vector<NeuronDetail> neuronsFromRaw(const Summary& s, const std::vector<std::int64_t>& neurons,
                                         const RawReadOptions& options = {});

/// Reduces `s` (of a lean pass) again from its raw layout, over its own slice,
/// now with the per-time sums (timeSum, timeSumSq) of every neuron: for the
/// population PSTH, read on demand. The other sums come out as they were.
/// Returns the error, empty on success; `s` is unusable after an error.
std::string addPerTimeFromRaw(Summary& s, const RawReadOptions& options = {});

} // namespace rnnloss::io

namespace rnnloss::io {

/// Per step, two quantiles of one neuron's state across trials.
struct NeuronQuantiles
{
    std::vector<double> lo, hi; ///< one per step of the slice; NaN where no trial is finite
    std::string error;          ///< "<file>: <what>"; set when lo and hi are empty
};

/// The `pLo` and `pHi` quantiles (in [0, 1]) of neuron `neuron` (an index of
/// the recording) at each step of `options.slice` (or everything) across its
/// trials, read from the raw extents of `s`'s layout. Quantiles interpolate
/// linearly between order statistics (numpy's default, Hyndman & Fan type 7)
/// over the finite values; the sums of a summary cannot give them, so this
/// needs the states stored uncompressed (a raw layout).
NeuronQuantiles neuronQuantilesFromRaw(const Summary& s, std::int64_t neuron, double pLo,
                                       double pHi, const RawReadOptions& options = {});

} // namespace rnnloss::io
