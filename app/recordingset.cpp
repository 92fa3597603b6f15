#include "recordingset.h"

#include <QFileInfo>

namespace rnnloss {

QString RecordingEntry::name() const
{
    return QFileInfo(files.recording.isEmpty() ? files.weights : files.recording).fileName();
}

RecordingSet::RecordingSet(const QString& readerExe, QObject* parent)
    : QObject(parent), m_loader(new LoadController(readerExe, this))
{
    connect(m_loader, &LoadController::progress, this, &RecordingSet::progress);
    connect(m_loader, &LoadController::loaded, this, &RecordingSet::onLoaded);
    connect(m_loader, &LoadController::failed, this, &RecordingSet::failed);
    connect(m_loader, &LoadController::cancelled, this, &RecordingSet::cancelled);
}

void RecordingSet::load(const LoadRequest& request, Placement placement)
{
    m_placement = placement;
    m_loader->load(request);
}

void RecordingSet::cancel()
{
    m_loader->cancel();
}

bool RecordingSet::isLoading() const
{
    return m_loader->isLoading();
}

const RecordingEntry* RecordingSet::active() const
{
    return m_active >= 0 ? &m_entries[std::size_t(m_active)] : nullptr;
}

void RecordingSet::setActive(int index)
{
    if (index < 0 || index >= int(m_entries.size()) || index == m_active)
        return;
    m_active = index;
    emit activeChanged();
}

void RecordingSet::remove(int index)
{
    if (index < 0 || index >= int(m_entries.size()))
        return;
    m_entries.erase(m_entries.begin() + index);
    if (m_active >= int(m_entries.size()) || index < m_active)
        --m_active;
    if (m_active < 0 && !m_entries.empty())
        m_active = 0;
    emit activeChanged();
}

void RecordingSet::onLoaded(std::shared_ptr<const Summary> summary, const LoadRequest& request)
{
    RecordingEntry r{request, std::move(summary), ++m_generation};
    if (m_placement == Placement::Replace)
        m_entries.clear();
    m_entries.push_back(r);
    m_active = int(m_entries.size()) - 1;
    if (!request.recording.isEmpty())
        addRecent(request.recording);
    emit loaded(r);
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
    emit recentFilesChanged();
}

} // namespace rnnloss
