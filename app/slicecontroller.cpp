#include "slicecontroller.h"

#include "rawread.h"
#include "readerprocess.h"

#include <QMetaObject>
#include <QPointer>

namespace rnnloss {

struct SliceController::Job
{
    std::optional<Slice> slice;
    std::uint64_t generation = 0;
    std::uint64_t sequence = 0;
    std::shared_ptr<const Summary> result;
    QString error;
    std::thread thread;
};

SliceController::SliceController(QString readerExe, QObject* parent)
    : QObject(parent), m_readerExe(std::move(readerExe))
{
    qRegisterMetaType<std::shared_ptr<const rnnloss::Summary>>();
}

SliceController::~SliceController()
{
    // A slice takes a fraction of a second (a reader run at most its watchdog).
    if (m_running && m_running->thread.joinable())
        m_running->thread.join();
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
    m_current.reset();
    m_pending.reset();
    m_shown = ++m_sequence;
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

std::shared_ptr<const Summary> SliceController::compute(const Summary& whole,
                                                        const LoadRequest& files,
                                                        const std::optional<Slice>& slice,
                                                        const QString& readerExe, QString& error)
{
    if (!slice)
        return std::make_shared<const Summary>(whole);
    if (whole.layout) {
        Summary copy = whole;
        copy.warnings.clear();
        io::RawReadOptions options = leanRead();
        options.slice = *slice;
        if (std::string err = io::completeFromRaw(copy, options); !err.empty()) {
            error = QString::fromStdString(err);
            return nullptr;
        }
        copy.warnings = whole.warnings;
        return std::make_shared<const Summary>(std::move(copy));
    }
    // Filtered data: the reader process reads the slice itself.
    ReaderJob job;
    job.readerExe = readerExe.toStdString();
    job.recording = files.recording.toStdString();
    job.weights = files.weights.toStdString();
    job.reduce.threads = 2;
    job.trials = indexSpecText(slice->trials);
    job.steps = indexSpecText(slice->steps);
    job.neurons = indexSpecText(slice->neurons);
    ReaderProcess reader;
    ReaderOutcome out = reader.run(job);
    if (!out.summary) {
        error = QString::fromStdString(out.error);
        return nullptr;
    }
    if (out.summary->slice != slice) {
        error = QObject::tr("%1: the file changed since it was read (its shape differs); read it "
                            "again")
                    .arg(files.recording);
        return nullptr;
    }
    return std::make_shared<const Summary>(std::move(*out.summary));
}

void SliceController::start(std::optional<Slice> slice)
{
    auto job = std::make_shared<Job>();
    job->slice = std::move(slice);
    job->generation = m_generation;
    job->sequence = m_sequence;
    m_running = job;
    ++m_jobsRun;
    QPointer<SliceController> self(this);
    job->thread = std::thread([self, job, whole = m_whole, files = m_files, exe = m_readerExe] {
        job->result = compute(*whole, files, job->slice, exe, job->error);
        QMetaObject::invokeMethod(self, [self, job] {
            if (self)
                self->finish(job);
        }, Qt::QueuedConnection);
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
    if (!job->result) {
        emit failed(job->error, job->error.contains(QLatin1String("changed since it was read")));
        return;
    }
    m_current = job->slice;
    m_shown = job->sequence;
    emit sliced(job->result, m_generation);
}

} // namespace rnnloss
