#include "windowmenus.h"

#include "exportwiring.h"
#include "helpdialogs.h"
#include "lossbreakdownview.h"
#include "mainwindow.h"
#include "runscontroller.h"

#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QFileDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QUndoStack>

namespace rnnloss {

WindowMenus::WindowMenus(MainWindow* window, ExportWiring* exports)
    : QObject(window), m_window(window)
{
    buildFile(exports);
    buildEdit();
    buildView();
    buildHelp();
    connect(window->recordings(), &RecordingSet::recentFilesChanged, this,
            &WindowMenus::rebuildRecent);
}

void WindowMenus::buildFile(ExportWiring* exports)
{
    MainWindow* w = m_window;
    QMenu* file = w->menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open recording…"), QKeySequence::Open, this, &WindowMenus::openRecording);
    file->addAction(tr("Open &weights…"), this, &WindowMenus::openWeights);
    w->recordingSet()->addFileActions(file);
    m_recent = file->addMenu(tr("Open &recent"));
    QAction* reload =
        file->addAction(tr("Re&load"), QKeySequence(Qt::Key_F5), w, &MainWindow::reload);
    reload->setObjectName("reload");
    file->addSeparator();
    exports->addMenu(file);
    file->addAction(tr("&Copy RNNLoss(…) line"), QKeySequence(tr("Ctrl+Shift+C")), this, [w] {
        QApplication::clipboard()->setText(w->nn4nLine());
        w->statusBar()->showMessage(tr("Copied: %1").arg(w->nn4nLine()), 5000);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, w, &QWidget::close);
}

void WindowMenus::openRecording()
{
    const QString f = QFileDialog::getOpenFileName(
        m_window, tr("Open recording"), {},
        tr("Recordings and summaries (*.h5 *.hdf5 *.rnnsum);;HDF5 recordings (*.h5 *.hdf5);;"
           "Summary files (*.rnnsum);;All files (*)"));
    if (!f.isEmpty())
        m_window->openFiles(f);
}

void WindowMenus::openWeights()
{
    const QString f = QFileDialog::getOpenFileName(m_window, tr("Open weights"), {},
                                                   tr("HDF5 files (*.h5 *.hdf5);;All files (*)"));
    if (!f.isEmpty())
        m_window->openFiles(m_window->recordingFile(), f);
}

void WindowMenus::buildEdit()
{
    QMenu* edit = m_window->menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_window->undoStack()->createUndoAction(m_window, tr("&Undo"));
    undo->setShortcut(QKeySequence(tr("Ctrl+Z")));
    // Spelled out: QKeySequence::Redo is Ctrl+Shift+Z on some platforms, which
    // next to an explicit Ctrl+Shift+Z made the shortcut ambiguous (and dead).
    QAction* redo = m_window->undoStack()->createRedoAction(m_window, tr("&Redo"));
    redo->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    m_window->recordingSet()->addEditActions(edit);
}

void WindowMenus::buildView()
{
    QMenu* view = m_window->menuBar()->addMenu(tr("&View"));
    QAction* dock = m_window->lambdaDock()->toggleViewAction();
    dock->setText(tr("&Lambdas panel"));
    dock->setShortcut(QKeySequence(tr("Ctrl+L")));
    view->addAction(dock);
    QAction* runs = m_window->recordingSet()->runs()->dock()->toggleViewAction();
    runs->setText(tr("&Runs table"));
    view->addAction(runs);
    view->addSeparator();
    QTabWidget* tabs = m_window->tabs();
    for (int i = 0; i < tabs->count(); ++i) {
        QAction* a =
            view->addAction(tabs->tabText(i), this, [tabs, i] { tabs->setCurrentIndex(i); });
        if (i < 9) // one digit each: the tenth (Runs scatter) has none
            a->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)));
    }
    view->addSeparator();
    for (QAction* a : m_window->breakdownView()->actions())
        view->addAction(a);
}

void WindowMenus::buildHelp()
{
    MainWindow* w = m_window;
    QMenu* help = w->menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Formulas"), QKeySequence::HelpContents, this,
                    [w] { showFormulasDialog(w); });
    help->addAction(tr("&Keyboard shortcuts"), this,
                    [w] { showShortcutsDialog(w, w->shortcutsHtml()); });
    help->addAction(tr("&About"), this, [w] {
        QMessageBox::about(w, tr("About RNNLoss Explorer"), MainWindow::aboutText());
    });
}

void WindowMenus::rebuildRecent()
{
    m_recent->clear();
    const QStringList recent = m_window->recordings()->recentFiles();
    MainWindow* w = m_window;
    for (const QString& f : recent)
        m_recent->addAction(f, this, [w, f] { w->openFiles(f); });
    m_recent->setEnabled(!recent.isEmpty());
}

} // namespace rnnloss
