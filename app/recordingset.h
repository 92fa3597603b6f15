#pragma once
// The recordings open in the window: loads through the reader process
// (LoadController), the loaded entries, which one is active, and the recent
// files. The window shows the active entry; the set can hold several.

#include "loadcontroller.h"
#include "summary.h"

#include <QObject>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <vector>

namespace rnnloss {

struct RecordingEntry
{
    LoadRequest files;
    std::shared_ptr<const Summary> summary;
    std::uint64_t generation = 0; ///< unique per load: results computed for another are stale
    /// The file name shown for it: the recording's, else the weights file's.
    QString name() const;
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

    /// `readerExe`: the `rnnloss` binary that reads files in its own process.
    explicit RecordingSet(const QString& readerExe, QObject* parent = nullptr);

    /// Starts loading; a load still running is cancelled and reports nothing.
    /// On success the entry replaces the set or joins it, and becomes active;
    /// on failure the set is left as it was.
    void load(const LoadRequest& request, Placement placement = Placement::Replace);
    void cancel();
    bool isLoading() const;
    LoadController* loader() const { return m_loader; }

    const std::vector<RecordingEntry>& entries() const { return m_entries; }
    int activeIndex() const { return m_active; }
    const RecordingEntry* active() const;
    void setActive(int index);
    void remove(int index);

    static constexpr int kMaxRecent = 8;
    QStringList recentFiles() const { return m_recent; }
    void setRecentFiles(const QStringList& files);

signals:
    void progress(double fraction, const QString& stage);
    /// A load succeeded: the entry is in entries() and active.
    void loaded(const rnnloss::RecordingEntry& recording);
    void failed(const QString& error, const rnnloss::LoadRequest& request);
    void cancelled(const rnnloss::LoadRequest& request);
    void activeChanged();
    void recentFilesChanged();

private:
    void onLoaded(std::shared_ptr<const Summary> summary, const LoadRequest& request);
    void addRecent(const QString& path);

    LoadController* m_loader = nullptr;
    Placement m_placement = Placement::Replace;
    std::vector<RecordingEntry> m_entries;
    int m_active = -1;
    std::uint64_t m_generation = 0;
    QStringList m_recent;
};

} // namespace rnnloss
