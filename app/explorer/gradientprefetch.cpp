#include "gradientprefetch.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace rnnloss {

/// One reader job running in its own thread; guarded by Shared::mutex.
struct GradientPrefetch::Run
{
    ReaderJob job;
    ReaderProcess reader; ///< cancel() is safe from any thread
    std::thread thread;
    bool done = false;
    bool cancelled = false; ///< by drop() or a take() whose progress said stop
    std::uint64_t progressSeen = 0; ///< progress frames so far
    double fraction = 0.0;
    std::string stage;
    ReaderOutcome outcome;
};

struct GradientPrefetch::Shared
{
    std::mutex mutex;
    std::condition_variable changed;
    std::shared_ptr<Run> run; ///< the prefetch not yet taken
    int started = 0, used = 0;
};

bool sameGradientJob(const ReaderJob& a, const ReaderJob& b)
{
    return a.readerExe == b.readerExe && a.recording == b.recording && a.weights == b.weights &&
           a.trials == b.trials && a.steps == b.steps && a.neurons == b.neurons &&
           a.trialLabel == b.trialLabel && a.neuronGroup == b.neuronGroup &&
           a.gradients == b.gradients && a.convention == b.convention &&
           a.gradientThreads == b.gradientThreads && a.memoryLimitBytes == b.memoryLimitBytes &&
           a.watchdogMs == b.watchdogMs;
}

GradientPrefetch::GradientPrefetch() : m_shared(std::make_shared<Shared>()) {}

GradientPrefetch::~GradientPrefetch()
{
    drop();
}

int GradientPrefetch::started() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->started;
}

int GradientPrefetch::used() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->used;
}

bool GradientPrefetch::pending() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->run != nullptr;
}

std::shared_ptr<GradientPrefetch::Run> GradientPrefetch::detach()
{
    std::lock_guard lock(m_shared->mutex);
    return std::move(m_shared->run);
}

void GradientPrefetch::drop()
{
    const std::shared_ptr<Run> run = detach();
    if (!run)
        return;
    {
        std::lock_guard lock(m_shared->mutex);
        run->cancelled = true;
    }
    run->reader.cancel();
    if (run->thread.joinable())
        run->thread.join();
}

void GradientPrefetch::start(const ReaderJob& job)
{
    drop();
    auto run = std::make_shared<Run>();
    run->job = job;
    std::shared_ptr<Shared> shared = m_shared;
    {
        std::lock_guard lock(shared->mutex);
        shared->run = run;
        ++shared->started;
    }
    run->thread = std::thread([shared, run] {
        ReaderOutcome out = run->reader.run(run->job, [&](double f, const std::string& stage) {
            std::lock_guard lock(shared->mutex);
            run->fraction = f;
            run->stage = stage;
            ++run->progressSeen;
            shared->changed.notify_all();
        });
        std::lock_guard lock(shared->mutex);
        run->outcome = std::move(out);
        run->done = true;
        shared->changed.notify_all();
    });
}

std::optional<ReaderOutcome>
GradientPrefetch::take(const ReaderJob& job,
                       const std::function<bool(double, const std::string&)>& progress)
{
    std::shared_ptr<Run> run = detach();
    if (!run)
        return std::nullopt;
    if (!sameGradientJob(run->job, job)) {
        // Not what is asked for (a kept selection, another convention): it
        // would only take the cores from the job that is.
        {
            std::lock_guard lock(m_shared->mutex);
            run->cancelled = true;
        }
        run->reader.cancel();
        run->thread.join();
        return std::nullopt;
    }
    std::unique_lock lock(m_shared->mutex);
    ++m_shared->used;
    std::uint64_t seen = 0;
    for (;;) {
        m_shared->changed.wait(lock, [&] { return run->done || run->progressSeen != seen; });
        if (run->progressSeen != seen && !run->cancelled) {
            seen = run->progressSeen;
            const double f = run->fraction;
            const std::string stage = run->stage;
            lock.unlock();
            const bool goOn = !progress || progress(f, stage);
            lock.lock();
            if (!goOn && !run->cancelled) {
                run->cancelled = true;
                run->reader.cancel();
            }
            continue;
        }
        if (run->done)
            break;
    }
    lock.unlock();
    run->thread.join();
    ReaderOutcome out = std::move(run->outcome);
    if (run->cancelled)
        out.cancelled = true;
    return out;
}

} // namespace rnnloss
