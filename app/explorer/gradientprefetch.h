#pragma once
// The gradient pass of a recording, started while the recording loads.
//
// The Gradients tab asks for the gradients when the load has finished and
// the recording is shown; the reader's start, its read and the pass then come
// after the load. A GradientPrefetch starts the same reader job when the load
// starts, so that both overlap (issue 15: a 64-neuron network from load to
// gradient view within 150 ms). When the tab's request comes, take() hands
// over the job already running if it is the same job (same files, slice and
// convention), forwarding its progress and its cancel; a different request
// cancels it. At most one prefetch runs; a new one cancels the old.
//
// Thread-safe: start() on the GUI thread, take() on the GradientController's
// worker thread.

#include "readerprocess.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace rnnloss {

class GradientPrefetch
{
public:
    GradientPrefetch();
    /// Cancels a prefetch still running and waits for its thread.
    ~GradientPrefetch();
    GradientPrefetch(const GradientPrefetch&) = delete;
    GradientPrefetch& operator=(const GradientPrefetch&) = delete;

    /// Runs `job` now, in a thread of its own, for a take() to come.
    void start(const ReaderJob& job);
    /// Cancels the prefetch, if any.
    void drop();
    /// When the prefetch is of `job`: waits for it, passing its progress
    /// (from the stage it has reached) to `progress`; `progress` returning
    /// false cancels it. The prefetch is then used up. Otherwise nullopt, and
    /// a prefetch of another job is cancelled.
    std::optional<ReaderOutcome>
    take(const ReaderJob& job, const std::function<bool(double, const std::string&)>& progress);

    /// Prefetches started, those a take() used, and whether one waits for
    /// its take() (for tests).
    int started() const;
    int used() const;
    bool pending() const;

private:
    struct Run;
    std::shared_ptr<Run> detach();

    struct Shared;
    std::shared_ptr<Shared> m_shared;
};

/// Whether two gradient jobs ask the reader for the same thing.
bool sameGradientJob(const ReaderJob& a, const ReaderJob& b);

} // namespace rnnloss
