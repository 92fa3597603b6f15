#include "loadcontroller.h"

#include "rawread.h"
#include "summaryfiles.h"

#include <QMetaObject>
#include <QPointer>

#include <atomic>
#include <chrono>

namespace rnnloss {

namespace {
std::atomic<bool> g_summariesUsed{true};
}

struct LoadController::Job
{
    LoadRequest request;
    ReaderProcess reader;
    std::atomic<bool> cancelled{false}; ///< also stops the direct read after the reader
    std::thread thread;
    std::atomic<bool> done{false};
};

LoadController::LoadController(QString readerExe, QObject* parent)
    : QObject(parent), m_readerExe(std::move(readerExe))
{
    qRegisterMetaType<rnnloss::LoadRequest>();
    qRegisterMetaType<std::shared_ptr<const rnnloss::Summary>>();
}

LoadController::~LoadController()
{
    if (m_running) {
        m_running->cancelled = true;
        m_running->reader.cancel();
        m_finishing.push_back(std::move(m_running));
    }
    for (auto& job : m_finishing)
        if (job->thread.joinable())
            job->thread.join(); // cancel() makes these return promptly
}

void LoadController::load(const LoadRequest& request)
{
    if (m_running) {
        m_running->cancelled = true;
        m_running->reader.cancel();
        m_finishing.push_back(std::move(m_running));
    }
    joinFinished();
    auto job = std::make_shared<Job>();
    job->request = request;
    m_running = job;

    ReaderJob rj;
    rj.readerExe = m_readerExe.toStdString();
    rj.recording = request.recording.toStdString();
    rj.weights = request.weights.toStdString();
    rj.watchdogMs = m_watchdogMs;
    rj.memoryLimitBytes = m_memoryLimit;
    rj.slabBytes = m_slabBytes;
    rj.reduce.threads = 2;
    // Unfiltered outputs, targets and states come back as file extents, read
    // and reduced here with pread (memory speed, both cores); the child keeps
    // everything that parses HDF5. The layout stays for slices.
    rj.rawLayout = true;
    QPointer<LoadController> self(this);
    job->thread = std::thread([self, job, rj] {
        auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
        ReaderOutcome outcome = run(*job, rj, [&](double f, const std::string& stage) {
            // At most ~20 progress updates a second reach the GUI thread.
            const auto now = std::chrono::steady_clock::now();
            if (now - last < std::chrono::milliseconds(50) && f < 1.0)
                return;
            last = now;
            const QString st = QString::fromStdString(stage);
            QMetaObject::invokeMethod(self, [self, job, f, st] {
                if (self && self->m_running == job)
                    emit self->progress(f, st);
            }, Qt::QueuedConnection);
        });
        QMetaObject::invokeMethod(self, [self, job, outcome = std::move(outcome)]() mutable {
            if (self)
                self->finish(job, std::move(outcome));
        }, Qt::QueuedConnection);
        job->done = true;
    });
}

void LoadController::setSummariesUsed(bool used)
{
    g_summariesUsed = used;
}

/// The loader thread's work: the summary file in the recording's place, or
/// the reader process and then the direct read of unfiltered data.
ReaderOutcome LoadController::run(Job& job, ReaderJob rj,
                                  const ReaderProcess::ProgressFn& progress)
{
    ReaderOutcome outcome;
    SummaryLookup lookup;
    lookup.use = g_summariesUsed && rj.weights.empty(); // a summary holds its own weights
    SummaryChoice choice = chooseSummary(rj.recording, lookup);
    if (!choice.error.empty()) {
        outcome.error = std::move(choice.error);
        return outcome;
    }
    if (choice.summary && choice.recording.empty()) {
        job.request.summary = QString::fromStdString(choice.summaryFile);
        outcome.summary = std::move(choice.summary);
        return outcome;
    }
    rj.recording = choice.recording;
    outcome = job.reader.run(rj, progress);
    if (!outcome.summary)
        return outcome;
    if (choice.summary && attachLayout(*choice.summary, choice.header, *outcome.summary).empty()) {
        // The raw data need not be read: its sums are in the summary file.
        job.request.summary = QString::fromStdString(choice.summaryFile);
        outcome.summary = std::move(choice.summary);
        return outcome;
    }
    if (!choice.warning.empty())
        outcome.summary->warnings.push_back(choice.warning);
    if (outcome.summary->layout) {
        io::RawReadOptions raw = io::leanOptions();
        raw.cancel = &job.cancelled;
        if (std::string err = io::completeFromRaw(*outcome.summary, raw); !err.empty()) {
            outcome.summary.reset();
            outcome.error = std::move(err);
        }
        outcome.cancelled = outcome.cancelled || job.cancelled;
        if (outcome.cancelled)
            outcome.summary.reset();
    }
    return outcome;
}

void LoadController::cancel()
{
    if (m_running) {
        m_running->cancelled = true;
        m_running->reader.cancel();
    }
}

void LoadController::finish(const std::shared_ptr<Job>& job, ReaderOutcome outcome)
{
    if (job->thread.joinable())
        job->thread.join();
    if (m_running != job) { // superseded by a newer load: report nothing
        joinFinished();
        return;
    }
    m_running.reset();
    joinFinished();
    if (outcome.summary) {
        // First among the warnings, so that the status bar shows it: weights of
        // another checkpoint change every weight term.
        auto& w = outcome.summary->warnings;
        w.insert(w.begin(), outcome.weightsWarnings.begin(), outcome.weightsWarnings.end());
        emit loaded(std::make_shared<const Summary>(std::move(*outcome.summary)), job->request);
    }
    else if (outcome.cancelled)
        emit cancelled(job->request);
    else
        emit failed(QString::fromStdString(outcome.error), job->request);
}

void LoadController::joinFinished()
{
    std::erase_if(m_finishing, [](std::shared_ptr<Job>& j) {
        if (j->done && j->thread.joinable())
            j->thread.join();
        return !j->thread.joinable();
    });
}

} // namespace rnnloss
