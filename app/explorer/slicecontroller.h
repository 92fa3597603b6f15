#pragma once
// Recomputes the shown recording for a selection (some trials, a time window,
// some neurons) off the GUI thread. A recording with a raw layout (unfiltered
// data, the usual case) is re-read from its file with pread and reduced for
// the slice (io/rawread.h); one without (gzip) goes through the reader process
// again with the slice's index specs. Requests coalesce like the λ sliders:
// while one slice is computed, newer requests replace the waiting one, and a
// result older than the newest one shown is dropped.

#include "loadcontroller.h"
#include "slice.h"
#include "summary.h"

#include <QObject>
#include <QString>

#include <atomic>

#include <cstdint>
#include <memory>
#include <optional>
#include <thread>

namespace rnnloss {

class SliceController : public QObject
{
    Q_OBJECT
public:
    /// `readerExe`: the `rnnloss` binary, for recordings without a raw layout.
    explicit SliceController(QString readerExe, QObject* parent = nullptr);
    ~SliceController() override;

    /// The recording slices are taken from (as loaded: the whole of it).
    /// Forgets any slice; emits nothing.
    void setRecording(std::shared_ptr<const Summary> whole, std::uint64_t generation,
                      const LoadRequest& files);
    /// Asks for a slice (empty: the whole recording, given back at once).
    void request(std::optional<Slice> slice);

    std::shared_ptr<const Summary> whole() const { return m_whole; }
    std::uint64_t generation() const { return m_generation; }
    /// The slice of the last result delivered (empty: the whole recording).
    const std::optional<Slice>& current() const { return m_current; }
    bool busy() const { return m_running != nullptr; }
    /// Slices computed (not the requests made): coalescing keeps it small.
    std::uint64_t jobsRun() const { return m_jobsRun; }
    /// The path slices take for this recording: "file" (pread) or "reader".
    QString path() const;

    /// The size and modification time of a file when it was loaded.
    struct FileStamp
    {
        std::int64_t size = -1, mtimeSec = 0, mtimeNsec = 0;
        bool operator==(const FileStamp&) const = default;
    };
    static FileStamp stampOf(const QString& path);

    struct Outcome
    {
        std::shared_ptr<const Summary> summary; ///< empty on failure
        QString error;      ///< names the file and what is wrong
        bool stale = false; ///< the file changed since it was loaded: a reload helps
        bool cancelled = false;
    };
    /// The summary of `slice` of `whole`, computed here and now (the worker's
    /// job; tests call it directly). `loaded`: the recording's stamp at load,
    /// checked before the file is read again; `cancel` stops it between blocks
    /// (the direct read) or kills the reader process.
    static Outcome compute(const Summary& whole, const LoadRequest& files, const FileStamp& loaded,
                           const std::optional<Slice>& slice, const QString& readerExe,
                           const std::atomic<bool>* cancel = nullptr,
                           ReaderProcess* reader = nullptr);

signals:
    /// A result for the current recording: its summary and the slice it covers.
    void sliced(std::shared_ptr<const rnnloss::Summary> summary, std::uint64_t generation);
    /// The slice could not be computed (the file changed, vanished, ...); what
    /// is shown stays. `stale`: the file changed since it was loaded.
    void failed(const QString& error, bool stale);

private:
    struct Job;
    void start(std::optional<Slice> slice);
    void finish(const std::shared_ptr<Job>& job);
    void cancelRunning();

    QString m_readerExe;
    std::shared_ptr<const Summary> m_whole;
    std::uint64_t m_generation = 0;
    LoadRequest m_files;
    FileStamp m_stamp; ///< of the recording when it was set
    std::optional<Slice> m_current;
    std::shared_ptr<Job> m_running;
    std::optional<std::optional<Slice>> m_pending; ///< the newest request while one runs
    std::uint64_t m_jobsRun = 0;
    std::uint64_t m_sequence = 0; ///< of the latest request
    std::uint64_t m_shown = 0;    ///< of the result shown last
};

} // namespace rnnloss
