#pragma once
// What the window tells about loading: the status bar (what is read and how
// far, the recording shown, the selection's line, a Cancel button) and the
// banner above the tabs that lists the load errors of the batch.

#include <QObject>
#include <QString>
#include <QStringList>

class QLabel;
class QMainWindow;
class QProgressBar;
class QPushButton;

namespace rnnloss {

class RecordingSet;
struct RecordingEntry;

class StatusArea : public QObject
{
    Q_OBJECT
public:
    /// Puts its widgets in `window`'s status bar; shows the progress of
    /// `recordings`' loads, and Cancel cancels them.
    StatusArea(QMainWindow* window, RecordingSet* recordings);

    /// The error banner, for the window's layout.
    QLabel* banner() const { return m_banner; }

    /// A new batch of loads: the errors of the last one are forgotten.
    void startBatch(const QString& what);
    void setLoading(bool loading, const QString& what = {});
    void showProgress(double fraction, const QString& stage);
    void showCancelled(const QString& file);
    /// One file of the batch failed; `shown` is the recording still shown
    /// (empty with `hasData` false: nothing is).
    void loadFailed(const QString& error, bool hasData, const QString& shown);
    /// The batch is over: without errors the banner goes and the recording shown is named.
    void batchFinished();
    /// The recording shown (unless a load is running, which has the status line).
    void showRecording(const RecordingEntry& recording);
    void showError(const QString& error);
    /// A selection that could not be computed; `stale`: the file changed since it was read.
    void showSelectionError(const QString& error, bool stale);

    /// The load errors of the last batch shown in the banner (one per line); empty when none
    /// failed.
    QString lastError() const { return m_lastError; }
    QString text() const;
    QLabel* selectionLabel() const { return m_selection; }

private:
    RecordingSet* m_recordings;
    QLabel* m_banner = nullptr;
    QLabel* m_text = nullptr;
    QLabel* m_selection = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancel = nullptr;

    QString m_loading; ///< the file being read, for the status bar
    QString m_lastError;
    QStringList m_batchErrors; ///< the failures of the loads running now
};

} // namespace rnnloss
