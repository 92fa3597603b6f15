#pragma once
// The main window lays out the views and wires them to the classes that hold
// the state: the recordings (RecordingSet), the lambdas and their undo history
// (LambdaModel), the computations (AnalysisController) and the exports
// (Exporter). It holds no state of its own beyond what is on screen.

#include "analysiscontroller.h"
#include "cliargs.h"
#include "exporter.h"
#include "lambdamodel.h"
#include "recordingset.h"
#include "selectioncontroller.h"
#include "setcontroller.h"

#include <QMainWindow>

#include <memory>
#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QUndoStack;

namespace rnnloss {

class LambdaPanel;
class LossBreakdownView;
class NeuronDetailView;
class NeuronTableView;
class RateHistogramView;
class WeightsView;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    /// `readerExe`: the `rnnloss` binary that reads files in its own process.
    explicit MainWindow(const QString& readerExe, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Loads files; on success the previous data is replaced, on failure kept.
    void openFiles(const QString& recording, const QString& weights = {});
    /// Adds recordings to the set (a folder: the HDF5 files in it); each load
    /// succeeds or fails on its own. loadFinished follows the last one.
    void addRecordings(const QStringList& paths);
    /// Lambdas and convention from the command line: they win over the next
    /// loaded recording's own and over restored ones (lambdastate.h).
    void setCommandLine(const LossOptions& options);
    void applyState(const LambdaState& state); ///< as if the user set it (undoable)
    /// A selection (and the PSTH split) from the command line, applied to the
    /// next recording loaded.
    void setCommandLineSelection(const SelectionBar::Choice& choice, bool splitByLabel);
    /// Asks for the command-line selection again on the next load (--export of several files).
    void reapplyCommandLineSelection();
    /// Why the command-line selection does not fit the recording; empty when it does.
    QString selectionError() const { return m_selectionError; }
    /// No selection is waiting to be applied or computed, and the last result
    /// is of the data shown.
    bool selectionSettled() const;

    LambdaState state() const { return m_lambdas->state(); }
    std::shared_ptr<const Summary> summary() const { return m_analysis->summary(); }
    QString recordingFile() const;
    QString weightsFile() const;
    /// The load errors of the last batch shown in the banner (one per line); empty when none failed.
    QString lastError() const { return m_lastError; }
    const ComputeResult* lastResult() const { return m_analysis->lastResult(); }
    QStringList recentFiles() const { return m_recordings->recentFiles(); }
    QString statusText() const;

    LambdaPanel* lambdaPanel() const { return m_lambdaPanel; }
    QDockWidget* lambdaDock() const { return m_dock; }
    LossBreakdownView* breakdownView() const { return m_breakdown; }
    RateHistogramView* rateView() const { return m_rates; }
    NeuronTableView* neuronTable() const { return m_table; }
    NeuronDetailView* neuronDetail() const { return m_detail; }
    WeightsView* weightsView() const { return m_weights; }
    QTabWidget* tabs() const { return m_tabs; }

    LambdaModel* lambdaModel() const { return m_lambdas; }
    RecordingSet* recordings() const { return m_recordings; }
    AnalysisController* analysis() const { return m_analysis; }
    Exporter* exporter() const { return m_exporter.get(); }
    LoadController* loader() const { return m_recordings->loader(); }
    ComputeWorker* worker() const { return m_analysis->worker(); }
    QUndoStack* undoStack() const { return m_lambdas->undoStack(); }
    SetController* recordingSet() const { return m_set; }
    SelectionBar* selectionBar() const { return m_selectionBar; }
    SelectionController* selection() const { return m_selection; }
    /// The status bar's line about the selection ("whole recording", ...).
    QString selectionStatus() const;

    /// The chart a tab shows first (0 breakdown, 1 rates, 2 neurons, 3 weights,
    /// 4 history, 5 compare, 6 λ sweep):
    /// what File ▸ Export ▸ Current chart writes.
    static QString chartOfTab(int tab);
    QString nn4nLine() const; ///< also what "Copy RNNLoss(...)" puts on the clipboard
    /// Help ▸ About: the versions of the app, Qt, HDF5 and Eigen.
    static QString aboutText();
    /// Help ▸ Keyboard shortcuts: every action with a shortcut, as an HTML table.
    QString shortcutsHtml() const;

    void selectNeuron(int neuron);
    /// The neurons whose PSTHs are overlaid (the table's selection; the first 8).
    void setPsthNeurons(const QVector<int>& neurons);
    void setTabIndexForScreenshot(int tab);

    void saveSettings() const;
    /// Layout, recent files, view options, and the lambdas saved at the last
    /// exit with the recording they were tuned on (they come back when that
    /// recording is the next one loaded).
    void restoreSettings();
    /// The recording open at the last exit, or empty.
    static QString lastSessionRecording();
    /// The lambdas restored from the last session stay unused: a file named on
    /// the command line opens with its own (or the command line's) lambdas.
    void forgetSessionLambdas();

signals:
    void loadFinished(bool ok);
    /// After a result has been painted.
    void resultShown();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildViews();
    void buildExports();
    void buildMenus();
    void wire();
    void addChartMenu(const QString& key, QWidget* chart);
    void exportInteractively(const QString& key, const QString& format, bool table);
    void showShortcuts();
    void showFormulas();
    void showAbout();
    void onLoaded(const RecordingEntry& recording);
    void onLoadFailed(const QString& error);
    void onBatchFinished(int loaded);
    void showActive();
    void onResult(const ComputeResult& result, bool newStats, bool newNeuron);
    void onPanelEdited();
    void onStateChanged();
    void setLoading(bool loading, const QString& what = {});
    void showError(const QString& error);
    void rebuildRecentMenu();

    LambdaPanel* m_lambdaPanel = nullptr;
    QDockWidget* m_dock = nullptr;
    LossBreakdownView* m_breakdown = nullptr;
    RateHistogramView* m_rates = nullptr;
    NeuronTableView* m_table = nullptr;
    NeuronDetailView* m_detail = nullptr;
    WeightsView* m_weights = nullptr;
    QTabWidget* m_tabs = nullptr;
    QLabel* m_errorBanner = nullptr;
    QLabel* m_statusText = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancel = nullptr;
    QMenu* m_recentMenu = nullptr;

    LambdaModel* m_lambdas = nullptr;
    RecordingSet* m_recordings = nullptr;
    AnalysisController* m_analysis = nullptr;
    std::unique_ptr<Exporter> m_exporter;
    SetController* m_set = nullptr;
    SelectionBar* m_selectionBar = nullptr;
    SelectionController* m_selection = nullptr;
    QLabel* m_selectionStatus = nullptr;
    SelectionBar::Choice m_commandChoice; ///< from the command line
    bool m_commandChoicePending = false;
    QString m_selectionError;

    QString m_loading; ///< the file being read, for the status bar
    QString m_lastError;
    QStringList m_batchErrors; ///< the failures of the loads running now
    /// Consumed by the next successful load.
    LossOptions m_commandLine;
    std::optional<std::pair<QString, LambdaState>> m_restored; ///< file, lambdas
};

} // namespace rnnloss
