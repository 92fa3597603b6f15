#pragma once
// The recordings open in the window: loads through isolated reader processes
// (LoadController, at most parallelLoads() at a time), the loaded entries in
// the History's order (step, epoch, label), which one is active, and the recent files.
// The single-recording views show the active entry; the set views show all.

#include "loadcontroller.h"
#include "summary.h"

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>
#include <QTimer>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace rnnloss {

struct RecordingEntry
{
    LoadRequest files;
    std::shared_ptr<const Summary> summary;
    std::uint64_t generation = 0; ///< unique per load: results computed for another are stale
    std::uint64_t order = 0;      ///< when it was asked for: the last key of the list's order
    /// The file name shown for it: the recording's, else the weights file's.
    QString name() const;
    /// How the set names it (engine's recordingLabel: `label`, else step/epoch, else file name).
    QString label() const;
    /// The run it is a checkpoint of (engine's runOf: `run`, else its folder's name).
    QString run() const;
    /// Works out label() and run() once: the set's order and every view of
    /// 10,000 recordings ask for them many times (a printf of the step each).
    void cacheNames();

private:
    QString m_label; ///< label() once cacheNames() ran; empty: worked out each time
    QString m_run;
};

class RecordingSet : public QObject
{
    Q_OBJECT
public:
    enum class Placement
    {
        Replace,
        Append
    };
    static constexpr int kParallelLoads = 2; ///< at least; see parallelLoads()
    /// Reader processes at a time: one per core (at least kParallelLoads, so
    /// that one reader's start overlaps another's read; at most 8).
    static int parallelLoads();

    /// `readerExe`: the `rnnloss` binary that reads files in its own process.
    explicit RecordingSet(const QString& readerExe, QObject* parent = nullptr);

    /// Starts loading; loads still running or queued are cancelled and report
    /// nothing. On success the entry replaces the set or joins it; on failure
    /// the set is left as it was.
    void load(const LoadRequest& request, Placement placement = Placement::Replace);
    /// Adds recordings to the set. Each is read in its own reader process, at
    /// most parallelLoads() at once, and reports loaded or failed on its own; a
    /// failure leaves the set and the other loads as they are. Entries are
    /// kept in the History's order: by step, then epoch, then label. Into an
    /// empty set, the first entry of that order is active; otherwise the active one stays.
    void add(const QList<LoadRequest>& requests);
    /// Cancels every load, running or queued.
    void cancel();
    /// Cancels every load without a report and empties the set (File ▸ Open
    /// folder… replaces it with the folder's recordings).
    void clear();
    bool isLoading() const;
    /// Loads of the current batch not yet finished (running and queued).
    int pendingCount() const;
    /// Reader processes running for the set now (at most parallelLoads()).
    int runningCount() const;
    /// The reader of single loads; its limits apply to every reader of the set.
    LoadController* loader() const { return m_slots.front().loader; }

    /// In the History's order as of the last entriesChanged; what arrived
    /// since (loaded) is at the end, put in order at the next one.
    const std::vector<RecordingEntry>& entries() const { return m_entries; }
    int activeIndex() const { return m_active; }
    const RecordingEntry* active() const;
    void setActive(int index);
    void remove(int index);

    /// Arrivals join entries() at once (at its end), but are put in the
    /// History's order, with one entriesChanged (and recentFilesChanged), at
    /// most once per `ms` while a batch loads and once at its end: every
    /// update costs the set's views O(recordings), so 10,000 arrivals each
    /// updating them were quadratic. The first arrival after a quiet `ms`
    /// is put in order at once. Default kFlushIntervalMs.
    void setFlushInterval(int ms);
    static constexpr int kFlushIntervalMs = 200;
    /// How many times arrivals were put in order (entriesChanged for them).
    int flushes() const { return m_flushes; }

    static constexpr int kMaxRecent = 8;
    QStringList recentFiles() const { return m_recent; }
    void setRecentFiles(const QStringList& files);

signals:
    /// Overall progress of the batch: finished loads plus the running ones' fractions.
    void progress(double fraction, const QString& stage);
    /// A load succeeded: the entry is in entries() (at the end until the
    /// next entriesChanged puts it in order).
    void loaded(const rnnloss::RecordingEntry& recording);
    void failed(const QString& error, const rnnloss::LoadRequest& request);
    void cancelled(const rnnloss::LoadRequest& request);
    /// Nothing is loading any more: `loaded` and `failed` count this batch's outcomes.
    void batchFinished(int loaded, int failed);
    void entriesChanged();
    void activeChanged();
    void recentFilesChanged();

private:
    struct Slot
    {
        LoadController* loader = nullptr;
        bool busy = false;
        bool discard = false; ///< cancelled by a Replace: its report is dropped
        Placement placement = Placement::Append;
        std::uint64_t order = 0;
        double fraction = 0.0;
    };
    struct Queued
    {
        LoadRequest request;
        std::uint64_t order = 0;
    };

    void start(Slot& slot, const LoadRequest& request, std::uint64_t order, Placement placement);
    void dispatch();
    void onSlotDone(Slot& slot);
    void onLoaded(Slot& slot, std::shared_ptr<const Summary> summary, const LoadRequest& request);
    void onProgress(Slot& slot, double fraction, const QString& stage);
    void addRecent(const QString& path);
    /// Puts the arrivals not yet in order in it and says so (entriesChanged);
    /// returns whether the active entry moved (activeChanged is the caller's).
    bool flush();
    /// flush() and activeChanged when it moved the active entry.
    void flushAndNotify();
    /// Sorts entries() in the History's order, merging arrivals into what is sorted.
    void putInOrder();

    std::vector<Slot> m_slots;
    std::deque<Queued> m_queue;
    int m_batchTotal = 0;
    int m_batchLoaded = 0;
    int m_batchFailed = 0;
    int m_batchCancelled = 0;
    bool m_activeFollowsFirst = false; ///< a batch into an empty set: the first entry is active
    std::vector<RecordingEntry> m_entries;
    std::size_t m_sorted = 0; ///< m_entries[0, m_sorted) are in the History's order
    int m_sortAxis = -1;      ///< the axis they are sorted by (historyAxis)
    QTimer m_flushTimer;
    QElapsedTimer m_sinceFlush;
    int m_flushIntervalMs = kFlushIntervalMs;
    int m_flushes = 0;
    bool m_recentChanged = false;
    int m_active = -1;
    std::uint64_t m_generation = 0;
    std::uint64_t m_order = 0;
    QStringList m_recent;
};

} // namespace rnnloss
