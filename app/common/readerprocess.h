#pragma once
// Runs the reader of untrusted files in its own process (`rnnloss-reader ...`)
// and decodes what it streams back. HDF5 1.10 can crash or hang on malformed
// files; in a child process that costs an error message, not the app.
// Plain C++ and POSIX, so the CLI and the app's loader thread share it.

#include "gradsummary.h"
#include "reducer.h"
#include "statspass.h"
#include "summary.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rnnloss {

struct ReaderJob
{
    std::string readerExe; ///< the `rnnloss-reader` binary; empty: readerExecutable()
    std::string recording; ///< may be empty when only weights are read
    std::string weights;
    std::size_t slabBytes = std::size_t(64) << 20;
    ReduceConfig reduce;
    /// Index specs of a slice (rnnloss compute's --trials, --steps, --neurons;
    /// engine/slice.h); empty: the whole axis.
    std::string trials, steps, neurons;
    /// Only the trials / neurons with this trial_labels / neuron_groups value.
    std::optional<std::string> trialLabel, neuronGroup;
    /// Ask for the raw layout of outputs, targets and states instead of their
    /// sums where they can be read straight from the file (io/rawread.h).
    bool rawLayout = false;
    /// False: the summary carries the weights' norms (the terms need no
    /// more) but not the matrices, which only the app's weights view shows:
    /// 1 MB less to encode, send and decode for N_hid = 512.
    bool weightMatrices = true;
    /// Compute the per-term gradients through the recorded network
    /// (`rnnloss-reader --gradients`; docs/recording-format.md, "The
    /// network") on the slice above, in `convention`, instead of reading a
    /// summary: the outcome then has `gradients` and no `summary`. The
    /// reader reads the whole recording into memory for it.
    bool gradients = false;
    /// Of the gradients; empty: the recording's loss_convention, else nn4n
    /// (GradientSummary::convention says which).
    std::optional<Convention> convention;
    int gradientThreads = 2; ///< the gradient pass splits the trials among them
    /// Run the stats pass (engine/statspass.h) over the recording or the slice
    /// above instead of reading its summary: the outcome then has `stats` and
    /// no summary. Costs about N^2 / 2 multiply-adds per sample (the
    /// covariance; N = 512, B = 128, T = 500: about 1.3 s of CPU, shared by
    /// reduce.threads threads), so it is asked for on demand, not at a load.
    bool stats = false;
    /// With `stats`: the response window "a:b" in the recording's steps (a
    /// --steps slice does not restrict it); empty: the default window (where
    /// any trial's target is not zero). One that does not fit is an error.
    std::string responseWindow;
    /// The child is killed when it sends nothing for this long: a watchdog on
    /// progress, not on total time, so a 20 GB file may take minutes.
    int watchdogMs = 30000;
    /// Address-space limit of the child (RLIMIT_AS); 0 for none.
    std::uint64_t memoryLimitBytes = std::uint64_t(4) << 30;
};

struct ReaderOutcome
{
    std::optional<Summary> summary;
    /// The reader's warnings about the files given rather than their data (a
    /// weights file whose step, epoch, label or checkpoint differs from the
    /// recording's): for stderr or a status bar, not part of the summary.
    std::vector<std::string> weightsWarnings;
    /// With ReaderJob::gradients: the Gram matrices of the term gradients and
    /// what goes with them; its warnings include the reader's.
    std::optional<GradientSummary> gradients;
    /// Of a stats job (ReaderJob::stats): what the pass gathered over the
    /// job's slice. Put it together with the summary of the same slice by
    /// populationReport (engine/popreport.h), which checks that they match.
    std::optional<PassStats> stats;
    /// Names the file and what happened; set when no result is there.
    std::string error;
    bool cancelled = false;
    double seconds = 0.0;           ///< wall time of the child
    std::uint64_t peakRssBytes = 0; ///< the child's peak resident set
};

class ReaderProcess
{
public:
    ReaderProcess();
    ~ReaderProcess();
    ReaderProcess(const ReaderProcess&) = delete;
    ReaderProcess& operator=(const ReaderProcess&) = delete;

    using ProgressFn = std::function<void(double fraction, const std::string& stage)>;

    /// Blocks until the child has finished, failed, been stopped by the
    /// watchdog, or been cancelled. Never throws.
    ReaderOutcome run(const ReaderJob& job, const ProgressFn& progress = {});

    /// Stops a running `run()` from any thread; it returns `cancelled`. A
    /// cancel() before `run()` has started makes that run return `cancelled`.
    void cancel();

private:
    int m_wake[2] = {-1, -1}; ///< self-pipe: cancel() writes, run() polls
    std::atomic<bool> m_cancelled{false};
};

/// The path of the running executable (/proc/self/exe).
std::string currentExecutable();

/// A helper program of this package: beside the running executable when it is
/// there (a build tree), else in RNNLOSS_LIBEXEC_DIR (/usr/libexec/rnnloss-explorer).
std::string helperExecutable(const std::string& name);

/// The isolated reader, `rnnloss-reader`: the only program that links HDF5.
std::string readerExecutable();

} // namespace rnnloss
