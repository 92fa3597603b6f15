#pragma once
// The window's menu bar: File (open, recent files, reload, export, copy the
// RNNLoss line), Edit (undo, redo, the set's edits), View (the lambda panel,
// the tabs, the breakdown's options) and Help. Each action calls the window's
// public API; the "Open recent" menu follows the recording set's list.

#include <QObject>

class QMenu;

namespace rnnloss {

class ExportWiring;
class MainWindow;

class WindowMenus : public QObject
{
    Q_OBJECT
public:
    /// Fills `window`'s menu bar; File ▸ Export comes from `exports`.
    WindowMenus(MainWindow* window, ExportWiring* exports);

private:
    void buildFile(ExportWiring* exports);
    void buildEdit();
    void buildView();
    void buildHelp();
    void openRecording();
    void openWeights();
    void rebuildRecent();

    MainWindow* m_window;
    QMenu* m_recent = nullptr;
};

} // namespace rnnloss
