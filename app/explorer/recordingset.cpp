#include "recordingset.h"

#include "runs.h"

#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <algorithm>

namespace rnnloss {

namespace {

/// The axis of the History's order: 0 by step when every recording has one,
/// else 1 by epoch when every one has one (SetController::positions), else 2.
int historyAxis(const std::vector<RecordingEntry>& entries)
{
    bool steps = true, epochs = true;
    for (const RecordingEntry& e : entries) {
        steps = steps && e.summary->step.has_value();
        epochs = epochs && e.summary->epoch.has_value();
    }
    return steps ? 0 : epochs ? 1 : 2;
}

/// The History's order, along `axis` (historyAxis), then by label ("step 25"
/// before "step 150"), then in the order asked for: a total order, so that
/// sorting the arrivals and merging them gives what sorting all gives.
struct HistoryOrder
{
    explicit HistoryOrder(int axis) : axis(axis) {}
    bool operator()(const RecordingEntry& a, const RecordingEntry& b) const
    {
        if (axis < 2) {
            const double x = axis == 0 ? *a.summary->step : *a.summary->epoch;
            const double y = axis == 0 ? *b.summary->step : *b.summary->epoch;
            if (x != y)
                return x < y;
        }
        // Checkpoints of many runs share their step, and so their label.
        // naturalLess, not QCollator: its numeric mode does nothing in the C
        // locale ("step 100" before "step 20" under LANG=C.UTF-8).
        const QString la = a.label(), lb = b.label();
        if (la != lb) {
            const std::string sa = la.toStdString(), sb = lb.toStdString();
            if (naturalLess(sa, sb))
                return true;
            if (naturalLess(sb, sa))
                return false;
        }
        return a.order < b.order;
    }
    int axis;
};

void sortAsHistory(std::vector<RecordingEntry>& entries)
{
    std::stable_sort(entries.begin(), entries.end(), HistoryOrder(historyAxis(entries)));
}

} // namespace

QString RecordingEntry::name() const
{
    return QFileInfo(files.recording.isEmpty() ? files.weights : files.recording).fileName();
}

QString RecordingEntry::label() const
{
    if (!m_label.isEmpty())
        return m_label;
    const QString path = files.recording.isEmpty() ? files.weights : files.recording;
    if (!summary)
        return name();
    return QString::fromStdString(recordingLabel(*summary, path.toStdString()));
}

QString RecordingEntry::run() const
{
    if (!m_label.isEmpty())
        return m_run;
    const QString path = files.recording.isEmpty() ? files.weights : files.recording;
    const std::string p = QFile::encodeName(path).toStdString();
    return QString::fromStdString(summary ? runOf(*summary, p) : folderName(p));
}

void RecordingEntry::cacheNames()
{
    m_label.clear();
    const QString label = this->label(), run = this->run();
    m_run = run;
    m_label = label;
}

int RecordingSet::parallelLoads()
{
    return std::clamp(QThread::idealThreadCount(), kParallelLoads, 8);
}

RecordingSet::RecordingSet(const QString& readerExe, QObject* parent) : QObject(parent)
{
    m_flushTimer.setSingleShot(true);
    connect(&m_flushTimer, &QTimer::timeout, this, &RecordingSet::flushAndNotify);
    m_slots.resize(std::size_t(parallelLoads()));
    for (std::size_t i = 0; i < m_slots.size(); ++i) {
        auto* loader = new LoadController(readerExe, this);
        m_slots[i].loader = loader;
        // Slots never move: m_slots is sized once, here.
        Slot* slot = &m_slots[i];
        connect(loader, &LoadController::progress, this,
                [this, slot](double f, const QString& stage) { onProgress(*slot, f, stage); });
        connect(loader, &LoadController::loaded, this,
                [this, slot](std::shared_ptr<const Summary> s, const LoadRequest& r) {
                    onLoaded(*slot, std::move(s), r);
                });
        connect(loader, &LoadController::failed, this, [this, slot](const QString& e, const LoadRequest& r) {
            if (!slot->discard) {
                ++m_batchFailed;
                emit failed(e, r);
            }
            onSlotDone(*slot);
        });
        connect(loader, &LoadController::cancelled, this, [this, slot](const LoadRequest& r) {
            if (!slot->discard) {
                ++m_batchCancelled;
                emit cancelled(r);
            }
            onSlotDone(*slot);
        });
    }
}

void RecordingSet::load(const LoadRequest& request, Placement placement)
{
    // A replacing load supersedes everything still running or queued.
    m_queue.clear();
    for (std::size_t i = 1; i < m_slots.size(); ++i)
        if (m_slots[i].busy) {
            m_slots[i].discard = true;
            m_slots[i].loader->cancel();
        }
    m_batchTotal = 1;
    m_batchLoaded = m_batchFailed = m_batchCancelled = 0;
    m_activeFollowsFirst = false;
    // LoadController::load cancels slot 0's running load without a report.
    start(m_slots.front(), request, ++m_order, placement);
}

void RecordingSet::add(const QList<LoadRequest>& requests)
{
    if (requests.isEmpty())
        return;
    if (!isLoading()) {
        m_batchTotal = 0;
        m_batchLoaded = m_batchFailed = m_batchCancelled = 0;
        m_activeFollowsFirst = m_entries.empty();
    }
    for (const LoadRequest& r : requests)
        m_queue.push_back({r, ++m_order});
    m_batchTotal += int(requests.size());
    dispatch();
}

void RecordingSet::start(Slot& slot, const LoadRequest& request, std::uint64_t order, Placement placement)
{
    slot.busy = true;
    slot.discard = false;
    slot.placement = placement;
    slot.order = order;
    slot.fraction = 0.0;
    slot.loader->load(request);
}

void RecordingSet::dispatch()
{
    for (Slot& slot : m_slots) {
        if (m_queue.empty())
            return;
        if (slot.busy)
            continue;
        const Queued q = m_queue.front();
        m_queue.pop_front();
        start(slot, q.request, q.order, Placement::Append);
    }
}

void RecordingSet::cancel()
{
    m_batchCancelled += int(m_queue.size());
    m_queue.clear();
    for (Slot& slot : m_slots)
        if (slot.busy)
            slot.loader->cancel();
}

void RecordingSet::clear()
{
    // As a replacing load: what still runs is dropped when it reports.
    m_queue.clear();
    for (Slot& slot : m_slots)
        if (slot.busy) {
            slot.discard = true;
            slot.loader->cancel();
        }
    m_flushTimer.stop();
    m_sorted = 0;
    if (m_entries.empty())
        return;
    m_entries.clear();
    m_active = -1;
    emit entriesChanged();
    emit activeChanged();
}

bool RecordingSet::isLoading() const
{
    return pendingCount() > 0;
}

int RecordingSet::pendingCount() const
{
    int n = int(m_queue.size());
    for (const Slot& slot : m_slots)
        n += slot.busy && !slot.discard;
    return n;
}

int RecordingSet::runningCount() const
{
    int n = 0;
    for (const Slot& slot : m_slots)
        n += slot.loader->isLoading();
    return n;
}

void RecordingSet::onProgress(Slot& slot, double fraction, const QString& stage)
{
    if (slot.discard)
        return;
    slot.fraction = fraction;
    if (m_batchTotal <= 1) {
        emit progress(fraction, stage);
        return;
    }
    double running = 0.0;
    for (const Slot& s : m_slots)
        running += s.busy && !s.discard ? s.fraction : 0.0;
    const int done = m_batchLoaded + m_batchFailed + m_batchCancelled;
    emit progress((done + running) / m_batchTotal,
                  tr("%1 of %2 read").arg(done).arg(m_batchTotal));
}

void RecordingSet::onSlotDone(Slot& slot)
{
    const bool counted = !slot.discard;
    slot.busy = false;
    slot.discard = false;
    slot.fraction = 0.0;
    dispatch();
    if (counted && !isLoading()) {
        flushAndNotify(); // what arrived before the batch's last failure or cancel
        emit batchFinished(m_batchLoaded, m_batchFailed);
    }
}

const RecordingEntry* RecordingSet::active() const
{
    return m_active >= 0 ? &m_entries[std::size_t(m_active)] : nullptr;
}

void RecordingSet::setActive(int index)
{
    if (index < 0 || index >= int(m_entries.size()) || index == m_active)
        return;
    m_activeFollowsFirst = false; // the user's choice stays
    m_active = index;
    emit activeChanged();
}

void RecordingSet::remove(int index)
{
    if (index < 0 || index >= int(m_entries.size()))
        return;
    m_entries.erase(m_entries.begin() + index);
    const bool wasActive = index == m_active;
    if (m_active >= int(m_entries.size()) || index < m_active)
        --m_active;
    if (m_active < 0 && !m_entries.empty())
        m_active = 0;
    // Without the one recording that had no step, the others may now sort by theirs.
    m_flushTimer.stop(); // the arrivals not yet in order are put in it here
    m_sorted = m_entries.size();
    if (m_active >= 0) {
        const std::uint64_t shown = m_entries[std::size_t(m_active)].generation;
        sortAsHistory(m_entries);
        m_sortAxis = historyAxis(m_entries);
        m_active = 0;
        while (m_entries[std::size_t(m_active)].generation != shown)
            ++m_active;
    }
    emit entriesChanged();
    if (wasActive || m_entries.empty())
        emit activeChanged();
}

void RecordingSet::onLoaded(Slot& slot, std::shared_ptr<const Summary> summary, const LoadRequest& request)
{
    if (slot.discard) {
        onSlotDone(slot);
        return;
    }
    RecordingEntry r;
    r.files = request;
    r.summary = std::move(summary);
    r.generation = ++m_generation;
    r.order = slot.order;
    r.cacheNames();
    bool activeMoved = false;
    ++m_batchLoaded;
    slot.busy = false; // isLoading() is false while the last load of a batch reports
    if (!request.recording.isEmpty())
        addRecent(request.recording);
    if (slot.placement == Placement::Replace) {
        m_flushTimer.stop();
        m_entries.clear();
        m_entries.push_back(r);
        m_sorted = 0;
        m_active = -1;
        activeMoved = flush();
    } else {
        // Appended, the entries before it keep their indices; it is put in
        // the History's order with the others that arrive meanwhile.
        m_entries.push_back(r);
        const bool quiet = !m_sinceFlush.isValid() || m_sinceFlush.elapsed() >= m_flushIntervalMs;
        if (!isLoading() || quiet)
            activeMoved = flush();
        else if (!m_flushTimer.isActive())
            m_flushTimer.start(std::max<qint64>(0, m_flushIntervalMs - m_sinceFlush.elapsed()));
    }
    emit loaded(r);
    if (activeMoved)
        emit activeChanged();
    onSlotDone(slot);
}

void RecordingSet::setFlushInterval(int ms)
{
    m_flushIntervalMs = std::max(0, ms);
}

void RecordingSet::putInOrder()
{
    const int axis = historyAxis(m_entries);
    const auto sorted = m_entries.begin() + std::ptrdiff_t(std::min(m_sorted, m_entries.size()));
    const HistoryOrder order(axis);
    if (axis != m_sortAxis || m_sorted > m_entries.size()) {
        std::stable_sort(m_entries.begin(), m_entries.end(), order);
    } else {
        std::stable_sort(sorted, m_entries.end(), order);
        std::inplace_merge(m_entries.begin(), sorted, m_entries.end(), order);
    }
    m_sortAxis = axis;
    m_sorted = m_entries.size();
}

bool RecordingSet::flush()
{
    m_flushTimer.stop();
    m_sinceFlush.start();
    if (m_sorted == m_entries.size() && !m_recentChanged)
        return false;
    bool activeMoved = false;
    if (m_sorted != m_entries.size()) {
        const std::uint64_t shown = m_active >= 0 ? m_entries[std::size_t(m_active)].generation : 0;
        putInOrder();
        // Into an empty set the first of the list is shown; else the same entry stays.
        int now = 0;
        if (!m_activeFollowsFirst && m_active >= 0)
            while (m_entries[std::size_t(now)].generation != shown)
                ++now;
        activeMoved = m_active < 0 || m_entries[std::size_t(now)].generation != shown;
        m_active = now;
        ++m_flushes;
        emit entriesChanged();
    }
    if (m_recentChanged) {
        m_recentChanged = false;
        emit recentFilesChanged();
    }
    return activeMoved;
}

void RecordingSet::flushAndNotify()
{
    if (flush())
        emit activeChanged();
}

void RecordingSet::setRecentFiles(const QStringList& files)
{
    m_recent = files.mid(0, kMaxRecent);
    emit recentFilesChanged();
}

void RecordingSet::addRecent(const QString& path)
{
    const QString abs = QFileInfo(path).absoluteFilePath();
    m_recent.removeAll(abs);
    m_recent.prepend(abs);
    while (m_recent.size() > kMaxRecent)
        m_recent.removeLast();
    m_recentChanged = true; // said with the entries (flush)
}

} // namespace rnnloss
