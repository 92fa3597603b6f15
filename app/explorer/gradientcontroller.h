#pragma once
// Computes the gradients of what the window shows, off the GUI thread: after
// a recording is shown, the selection changes or the convention does, the
// GradientSource runs on a thread of its own with progress and cancel. The
// latest request wins: a new one cancels the one running, waits for it to
// stop, and only its own result is passed on. Lambda changes need nothing
// from here: the Gram matrices of the result answer them (gradgram.h).

#include "gradientsource.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <memory>
#include <optional>

namespace rnnloss {

class GradientController : public QObject
{
    Q_OBJECT
public:
    explicit GradientController(GradientSource source, QObject* parent = nullptr);
    /// Cancels the running computation and waits for it to stop.
    ~GradientController() override;

    /// Replaces the source; the data shown is computed again with it.
    void setSource(GradientSource source);
    const GradientSource& source() const { return m_source; }
    /// A recording is shown, the whole of it or `slice`: its gradients are computed.
    void setRecording(const LoadRequest& files, std::shared_ptr<const Summary> whole,
                      std::uint64_t generation, Convention convention,
                      std::optional<Slice> slice = std::nullopt);
    /// Another selection of the recording shown; nothing when it is the one computed.
    void setSlice(std::optional<Slice> slice);
    /// Computes again when the convention changed.
    void setConvention(Convention convention);
    /// No recording: stops what runs, forgets the result.
    void clear(const QString& why);
    /// Stops the running computation; the result shown so far is forgotten.
    void cancel();
    /// Computes the data shown again (after a cancel, or with a new source).
    void recompute();

    /// A computation runs or waits.
    bool busy() const { return m_running != nullptr; }
    /// The latest result of the data shown (an error says why there is
    /// none); null while computing, after a cancel and without a recording.
    std::shared_ptr<const GradientResult> result() const { return m_result; }
    QString status() const { return m_status; }
    std::uint64_t generation() const { return m_generation; }
    const std::optional<Slice>& slice() const { return m_slice; }
    /// Computations started (not the requests made): coalescing keeps it small.
    std::uint64_t jobsRun() const { return m_jobsRun; }

signals:
    /// The line the tab shows: "Computing gradients… 40 %", the error, the time taken.
    void statusChanged(const QString& text);
    void busyChanged(bool busy);
    /// A result of the data shown now; on error it holds the reason.
    void resultReady(std::shared_ptr<const rnnloss::GradientResult> result);
    /// What was shown no longer applies (another recording, a cancel): why.
    void cleared(const QString& why);

private:
    struct Job;
    void request();
    void start();
    void finish(const std::shared_ptr<Job>& job);
    void onProgress(std::uint64_t sequence, double fraction, const QString& stage);
    void setStatus(const QString& text);
    void stopRunning();

    GradientSource m_source;
    LoadRequest m_files;
    std::shared_ptr<const Summary> m_whole;
    std::uint64_t m_generation = 0;
    std::optional<Slice> m_slice;
    Convention m_convention = kDefaultConvention;
    std::shared_ptr<Job> m_running;
    bool m_pending = false;       ///< a newer request waits for the running one to stop
    std::uint64_t m_sequence = 0; ///< of the latest request
    std::uint64_t m_jobsRun = 0;
    std::shared_ptr<const GradientResult> m_result;
    QString m_status;
};

} // namespace rnnloss
