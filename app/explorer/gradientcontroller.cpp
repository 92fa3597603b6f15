#include "gradientcontroller.h"

#include "jobthread.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <QPointer>

#include <atomic>
#include <cmath>
#include <exception>
#include <thread>

namespace rnnloss {

struct GradientController::Job
{
    GradientRequest request;
    GradientSource source;
    std::uint64_t sequence = 0;
    std::atomic<bool> cancel{false};
    std::atomic<int> shownPercent{-1}; ///< the last progress posted, to post each percent once
    GradientResult result;
    double seconds = 0.0;
    std::thread thread;
};

namespace {

/// The source's result; an exception is an error like any other.
GradientResult runSource(const GradientSource& source, const GradientRequest& request,
                         const GradientProgress& progress)
{
    try {
        return source(request, progress);
    } catch (const std::exception& e) {
        GradientResult r;
        r.error = std::string("gradients failed: ") + e.what();
        return r;
    } catch (...) {
        GradientResult r;
        r.error = "gradients failed";
        return r;
    }
}

QString doneText(const GradientResult& r, double seconds)
{
    QString text = QObject::tr("Gradients computed in %1 s").arg(seconds, 0, 'f', 2);
    if (r.replayError)
        text += QObject::tr(" · replay: max |Δr| = %1 (max |r| %2)")
                    .arg(QString::number(*r.replayError, 'g', 2),
                         QString::number(r.maxAbsRate, 'g', 3));
    return text;
}

} // namespace

GradientController::GradientController(GradientSource source, QObject* parent)
    : QObject(parent), m_source(std::move(source))
{
    qRegisterMetaType<std::shared_ptr<const rnnloss::GradientResult>>();
    m_status = tr("No recording");
}

GradientController::~GradientController()
{
    stopRunning();
    if (m_running && m_running->thread.joinable())
        m_running->thread.join();
}

void GradientController::stopRunning()
{
    if (m_running)
        m_running->cancel = true;
}

void GradientController::setSource(GradientSource source)
{
    m_source = std::move(source);
    recompute();
}

void GradientController::setRecording(const LoadRequest& files,
                                      std::shared_ptr<const Summary> whole,
                                      std::uint64_t generation, Convention convention,
                                      std::optional<Slice> slice)
{
    m_convention = convention;
    m_files = files;
    m_whole = std::move(whole);
    m_generation = generation;
    m_slice = std::move(slice);
    m_result.reset();
    emit cleared(tr("Computing gradients…"));
    request();
}

void GradientController::setSlice(std::optional<Slice> slice)
{
    if (!m_whole || slice == m_slice)
        return;
    m_slice = std::move(slice);
    request();
}

void GradientController::setConvention(Convention convention)
{
    if (convention == m_convention)
        return;
    m_convention = convention;
    request();
}

void GradientController::recompute()
{
    request();
}

void GradientController::clear(const QString& why)
{
    m_whole.reset();
    m_files = {};
    m_generation = 0;
    m_slice.reset();
    m_result.reset();
    ++m_sequence; // whatever is running now reports to nobody
    m_pending = false;
    stopRunning();
    setStatus(why);
    emit cleared(why);
}

void GradientController::cancel()
{
    if (!m_running)
        return;
    ++m_sequence;
    m_pending = false;
    stopRunning();
    m_result.reset();
    const QString why = tr("Cancelled: press Compute to compute the gradients");
    setStatus(why);
    emit cleared(why);
}

void GradientController::request()
{
    if (!m_whole)
        return;
    ++m_sequence;
    setStatus(tr("Computing gradients…"));
    if (m_running) {
        // The running one computes data no longer shown: stopped, and this
        // request starts when it has.
        stopRunning();
        m_pending = true;
        return;
    }
    emit busyChanged(true);
    start();
}

void GradientController::start()
{
    auto job = std::make_shared<Job>();
    job->request = {m_files, m_whole, m_slice, m_convention};
    job->source = m_source;
    job->sequence = m_sequence;
    m_running = job;
    ++m_jobsRun;
    QPointer<GradientController> self(this); // for the progress
    startJobThread(this, job, &GradientController::finish, [self, job] {
        const GradientProgress progress = [self, job](double fraction, const std::string& stage) {
            if (job->cancel)
                return false;
            const int percent = int(std::lround(std::clamp(fraction, 0.0, 1.0) * 100.0));
            if (job->shownPercent.exchange(percent) != percent)
                QMetaObject::invokeMethod(
                    self,
                    [self, seq = job->sequence, fraction, s = QString::fromStdString(stage)] {
                        if (self)
                            self->onProgress(seq, fraction, s);
                    },
                    Qt::QueuedConnection);
            return true;
        };
        QElapsedTimer timer;
        timer.start();
        job->result = runSource(job->source, job->request, progress);
        job->seconds = double(timer.nsecsElapsed()) * 1e-9;
    });
}

void GradientController::onProgress(std::uint64_t sequence, double fraction, const QString& stage)
{
    if (!m_running || m_running->sequence != sequence || sequence != m_sequence)
        return;
    QString text = tr("Computing gradients… %1 %").arg(int(std::lround(fraction * 100.0)));
    if (!stage.isEmpty())
        text += QStringLiteral(" (%1)").arg(stage);
    setStatus(text);
}

void GradientController::finish(const std::shared_ptr<Job>& job)
{
    if (job->thread.joinable())
        job->thread.join();
    if (m_running == job)
        m_running.reset();
    if (m_pending) {
        m_pending = false;
        start(); // the latest request; this result is of data no longer shown
        return;
    }
    emit busyChanged(false);
    if (job->sequence != m_sequence || job->cancel || job->result.cancelled)
        return; // cleared or cancelled since: the status says so already
    auto result = std::make_shared<const GradientResult>(std::move(job->result));
    m_result = result;
    if (result->error.empty())
        setStatus(doneText(*result, job->seconds));
    else
        setStatus(tr("No gradients: %1").arg(QString::fromStdString(result->error)));
    emit resultReady(result);
}

void GradientController::setStatus(const QString& text)
{
    if (text == m_status)
        return;
    m_status = text;
    emit statusChanged(text);
}

} // namespace rnnloss
