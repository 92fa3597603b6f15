#pragma once
// Loads a recording through the isolated reader process on a background
// thread. The GUI thread gets progress and exactly one of loaded / failed.
// A summary file (.rnnsum) loads in a recording's place: named itself, or
// beside the recording and current (common/summaryfiles.h). With the recording
// there, the reader still parses its metadata, for the raw layout that
// selections and PSTHs read; only its summary: the summary alone.

#include "readerprocess.h"
#include "summary.h"

#include <QObject>
#include <QString>

#include <memory>
#include <thread>

namespace rnnloss {

struct LoadRequest
{
    LoadRequest(QString recording = {}, QString weights = {})
        : recording(std::move(recording)), weights(std::move(weights))
    {
    }
    QString recording;
    QString weights;
    /// Set by the loader: the summary file loaded in the recording's place
    /// (empty when the recording was read). With no raw layout in the summary
    /// loaded, only the summary is here: what needs raw data cannot be had.
    QString summary;
};

class LoadController : public QObject
{
    Q_OBJECT
public:
    /// `readerExe`: the `rnnloss` binary that runs as the reader.
    explicit LoadController(QString readerExe, QObject* parent = nullptr);
    ~LoadController() override;

    /// Starts a load; a load still running is cancelled first (it reports
    /// nothing more).
    void load(const LoadRequest& request);
    void cancel();
    bool isLoading() const { return m_running != nullptr; }

    /// Reader limits; tests shorten the watchdog.
    void setWatchdogMs(int ms) { m_watchdogMs = ms; }
    void setMemoryLimit(std::uint64_t bytes) { m_memoryLimit = bytes; }
    void setSlabBytes(std::size_t bytes) { m_slabBytes = bytes; }
    /// Whether current summary files are loaded in recordings' places, for
    /// every loader of the process (rnnloss-explorer --no-summaries).
    static void setSummariesUsed(bool used);

signals:
    void progress(double fraction, const QString& stage);
    void loaded(std::shared_ptr<const rnnloss::Summary> summary, const rnnloss::LoadRequest& request);
    void failed(const QString& error, const rnnloss::LoadRequest& request);
    void cancelled(const rnnloss::LoadRequest& request);

private:
    struct Job;
    static ReaderOutcome run(Job& job, ReaderJob rj, const ReaderProcess::ProgressFn& progress);
    void finish(const std::shared_ptr<Job>& job, ReaderOutcome outcome);
    void joinFinished();

    QString m_readerExe;
    int m_watchdogMs = 30000;
    std::uint64_t m_memoryLimit = std::uint64_t(4) << 30;
    std::size_t m_slabBytes = std::size_t(64) << 20;
    std::shared_ptr<Job> m_running;
    std::vector<std::shared_ptr<Job>> m_finishing; ///< cancelled jobs whose threads still run
};

} // namespace rnnloss

Q_DECLARE_METATYPE(rnnloss::LoadRequest)
Q_DECLARE_METATYPE(std::shared_ptr<const rnnloss::Summary>)
