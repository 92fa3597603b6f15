#include "recordingset.h"

#include <QFileInfo>
#include <QThread>

#include <algorithm>

namespace rnnloss {

QString RecordingEntry::name() const
{
    return QFileInfo(files.recording.isEmpty() ? files.weights : files.recording).fileName();
}

QString RecordingEntry::label() const
{
    const QString path = files.recording.isEmpty() ? files.weights : files.recording;
    if (!summary)
        return name();
    return QString::fromStdString(recordingLabel(*summary, path.toStdString()));
}

int RecordingSet::parallelLoads()
{
    return std::clamp(QThread::idealThreadCount(), kParallelLoads, 8);
}

RecordingSet::RecordingSet(const QString& readerExe, QObject* parent) : QObject(parent)
{
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
    if (counted && !isLoading())
        emit batchFinished(m_batchLoaded, m_batchFailed);
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
    RecordingEntry r{request, std::move(summary), ++m_generation, slot.order};
    bool activeMoved = false;
    if (slot.placement == Placement::Replace) {
        m_entries.clear();
        m_entries.push_back(r);
        m_active = 0;
        activeMoved = true;
    } else {
        // Loads finish in any order; the set keeps the order they were asked for.
        const auto at = std::upper_bound(m_entries.begin(), m_entries.end(), r.order,
                                         [](std::uint64_t o, const RecordingEntry& e) { return o < e.order; });
        const int pos = int(at - m_entries.begin());
        m_entries.insert(at, r);
        // Loads finish out of order: the first recording asked for is the one shown.
        if (m_active < 0 || (m_activeFollowsFirst && pos == 0)) {
            m_active = pos;
            activeMoved = true;
        } else if (pos <= m_active) {
            ++m_active; // the same entry stays active
        }
    }
    ++m_batchLoaded;
    slot.busy = false; // isLoading() is false while the last load of a batch reports
    if (!request.recording.isEmpty())
        addRecent(request.recording);
    emit entriesChanged();
    emit loaded(r);
    if (activeMoved)
        emit activeChanged();
    onSlotDone(slot);
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
    emit recentFilesChanged();
}

} // namespace rnnloss
