#include "slicecontroller.h"

#include "jobthread.h"
#include "rawread.h"
#include "readerprocess.h"
#include "summaryslice.h"

#include <QMetaObject>

#include <sys/stat.h>

namespace rnnloss {

struct SliceController::Job
{
    std::optional<Slice> slice;
    std::uint64_t generation = 0;
    std::uint64_t sequence = 0;
    Outcome outcome;
    std::atomic<bool> cancel{false};
    ReaderProcess reader; ///< for a recording without a raw layout
    std::thread thread;
};

SliceController::SliceController(QString readerExe, QObject* parent)
    : QObject(parent), m_readerExe(std::move(readerExe))
{
    qRegisterMetaType<std::shared_ptr<const rnnloss::Summary>>();
}

SliceController::~SliceController()
{
    // Stopped, not waited for: a slice of a large gzip file could take minutes.
    cancelRunning();
    if (m_running && m_running->thread.joinable())
        m_running->thread.join();
}

void SliceController::cancelRunning()
{
    if (!m_running)
        return;
    m_running->cancel = true;
    m_running->reader.cancel();
}

SliceController::FileStamp SliceController::stampOf(const QString& path)
{
    struct stat st
    {
    };
    if (path.isEmpty() || ::stat(path.toLocal8Bit().constData(), &st) != 0)
        return {};
    return {static_cast<std::int64_t>(st.st_size), st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
}

QString SliceController::path() const
{
    return m_whole && m_whole->layout ? QStringLiteral("file") : QStringLiteral("reader");
}

void SliceController::setRecording(std::shared_ptr<const Summary> whole, std::uint64_t generation,
                                   const LoadRequest& files)
{
    m_whole = std::move(whole);
    m_generation = generation;
    m_files = files;
    m_stamp = stampOf(files.recording);
    m_current.reset();
    m_pending.reset();
    m_shown = ++m_sequence;
    cancelRunning(); // a slice of the previous recording is of no use now
}

void SliceController::request(std::optional<Slice> slice)
{
    if (!m_whole)
        return;
    ++m_sequence;
    if (!slice) {
        // The whole recording is at hand: shown now; a slice still being
        // computed is dropped when it arrives.
        m_pending.reset();
        m_current.reset();
        m_shown = m_sequence;
        emit sliced(m_whole, m_generation);
        return;
    }
    if (m_running) {
        m_pending = std::move(slice);
        return;
    }
    start(std::move(slice));
}

SliceController::Outcome SliceController::compute(const Summary& whole, const LoadRequest& files,
                                                  const FileStamp& loaded,
                                                  const std::optional<Slice>& slice,
                                                  const QString& readerExe,
                                                  const std::atomic<bool>* cancel,
                                                  ReaderProcess* reader)
{
    Outcome out;
    if (!slice) {
        out.summary = std::make_shared<const Summary>(whole);
        return out;
    }
    // Only a summary file is here (LoadRequest::summary): trials and neurons
    // from its per-trial sums, a time window not at all.
    if (!whole.layout && !files.summary.isEmpty()) {
        SummarySliceResult part = sliceFromSummary(whole, *slice);
        if (!part.value) {
            out.error = QObject::tr("%1: %2; only its summary is here")
                            .arg(files.recording, QString::fromStdString(part.error));
            return out;
        }
        out.summary = std::make_shared<const Summary>(std::move(*part.value));
        return out;
    }
    // Both paths read the file again: refuse one that changed since its load.
    if (!files.recording.isEmpty() && stampOf(files.recording) != loaded) {
        out.stale = true;
        out.error = QObject::tr("%1: changed since it was read (its size or modification time "
                                "differs); read it again")
                        .arg(files.recording);
        return out;
    }
    if (whole.layout) {
        Summary copy = whole;
        copy.warnings.clear();
        io::RawReadOptions options = io::leanOptions();
        options.slice = *slice;
        options.cancel = cancel;
        if (std::string err = io::completeFromRaw(copy, options); !err.empty()) {
            out.cancelled = cancel && *cancel;
            out.error = QString::fromStdString(err);
            return out;
        }
        copy.warnings = whole.warnings;
        out.summary = std::make_shared<const Summary>(std::move(copy));
        return out;
    }
    // Filtered data: the reader process reads the slice itself, given as index
    // specs on its command line (bounded: a scattered selection of a huge file
    // would not fit an argument).
    ReaderJob job;
    job.readerExe = readerExe.toStdString();
    job.recording = files.recording.toStdString();
    job.weights = files.weights.toStdString();
    job.reduce.threads = 2;
    job.trials = indexSpecText(slice->trials);
    job.steps = indexSpecText(slice->steps);
    job.neurons = indexSpecText(slice->neurons);
    if (job.trials.size() + job.steps.size() + job.neurons.size() > 100000) {
        out.error = QObject::tr("%1: this selection is too scattered to be read from a compressed "
                                "file (store the recording uncompressed, or select ranges)")
                        .arg(files.recording);
        return out;
    }
    ReaderProcess own;
    ReaderOutcome r = (reader ? *reader : own).run(job);
    if (!r.summary) {
        out.cancelled = r.cancelled;
        out.error = QString::fromStdString(r.error);
        return out;
    }
    if (r.summary->slice != slice) {
        out.stale = true;
        out.error = QObject::tr("%1: changed since it was read (its shape differs); read it again")
                        .arg(files.recording);
        return out;
    }
    out.summary = std::make_shared<const Summary>(std::move(*r.summary));
    return out;
}

void SliceController::start(std::optional<Slice> slice)
{
    auto job = std::make_shared<Job>();
    job->slice = std::move(slice);
    job->generation = m_generation;
    job->sequence = m_sequence;
    m_running = job;
    ++m_jobsRun;
    startJobThread(this, job, &SliceController::finish,
                   [job, whole = m_whole, files = m_files, stamp = m_stamp, exe = m_readerExe] {
                       job->outcome = compute(*whole, files, stamp, job->slice, exe,
                                              &job->cancel, &job->reader);
                   });
}

void SliceController::finish(const std::shared_ptr<Job>& job)
{
    if (job->thread.joinable())
        job->thread.join();
    if (m_running == job)
        m_running.reset();
    if (m_pending) {
        // A newer request waited: this result is already out of date.
        std::optional<Slice> next = std::move(*m_pending);
        m_pending.reset();
        start(std::move(next));
        return;
    }
    // Another recording since, or the whole recording shown since it started.
    if (job->generation != m_generation || job->sequence < m_shown)
        return;
    if (job->outcome.cancelled)
        return;
    if (!job->outcome.summary) {
        emit failed(job->outcome.error, job->outcome.stale);
        return;
    }
    m_current = job->slice;
    m_shown = job->sequence;
    emit sliced(job->outcome.summary, m_generation);
}

} // namespace rnnloss
