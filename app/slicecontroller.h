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

    /// The summary of `slice` of `whole`, computed here and now (the worker's
    /// job; tests call it directly). Returns the error instead when it fails.
    static std::shared_ptr<const Summary> compute(const Summary& whole, const LoadRequest& files,
                                                  const std::optional<Slice>& slice,
                                                  const QString& readerExe, QString& error);

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

    QString m_readerExe;
    std::shared_ptr<const Summary> m_whole;
    std::uint64_t m_generation = 0;
    LoadRequest m_files;
    std::optional<Slice> m_current;
    std::shared_ptr<Job> m_running;
    std::optional<std::optional<Slice>> m_pending; ///< the newest request while one runs
    std::uint64_t m_jobsRun = 0;
    std::uint64_t m_sequence = 0; ///< of the latest request
    std::uint64_t m_shown = 0;    ///< of the result shown last
};

} // namespace rnnloss
