#pragma once
// The main window lays out the views and wires them to the classes that hold
// the state: the recordings (RecordingSet), the lambdas and their undo history
// (LambdaModel), the computations (AnalysisController) and the exports
// (Exporter). What it used to do itself has classes of its own: the menus
// (WindowMenus), the export wiring (ExportWiring), the settings
// (WindowSettings), the status bar and error banner (StatusArea), the showing
// of results (ResultViews), the lambda panel's link to the model
// (LambdaBinding), the Gradients tab and its links (GradientBinding), the
// Runs scatter tab and the set's population measures (SetMetricsBinding), the
// lambdas and the selection waiting for the next recording (PendingLambdas,
// CommandLineSelection).

#include "analysiscontroller.h"
#include "cliargs.h"
#include "commandlineselection.h"
#include "exporter.h"
#include "exportwiring.h"
#include "gradientbinding.h"
#include "helpdialogs.h"
#include "lambdamodel.h"
#include "pendinglambdas.h"
#include "recordingset.h"
#include "report.h"
#include "selectioncontroller.h"
#include "setcontroller.h"
#include "setmetricsbinding.h"
#include "statusarea.h"
#include "windowsettings.h"

#include <QAction>
#include <QLabel>
#include <QMainWindow>

#include <memory>
#include <optional>

class QDockWidget;
class QTabWidget;
class QUndoStack;

namespace rnnloss {

class ExportWiring;
class LambdaPanel;
class LossBreakdownView;
class NeuronDetailView;
class NeuronTableView;
class PopulationController;
class RateHistogramView;
class ResultViews;
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
    void setCommandLine(const LossOptions& options) { m_pending.setCommandLine(options); }
    /// As if the user set it (undoable).
    void applyState(const LambdaState& state) { m_lambdas->edit(state); }
    /// A selection (and the PSTH split) from the command line, applied to the
    /// next recording loaded.
    void setCommandLineSelection(const SelectionBar::Choice& choice, bool splitByLabel);
    /// Asks for the command-line selection again on the next load (--export of several files).
    void reapplyCommandLineSelection() { m_commandSelection.reapply(); }
    /// Why the command-line selection does not fit the recording; empty when it does.
    QString selectionError() const { return m_commandSelection.error(); }
    /// No selection is waiting to be applied or computed, and the last result
    /// is of the data shown.
    bool selectionSettled() const;

    LambdaState state() const { return m_lambdas->state(); }
    std::shared_ptr<const Summary> summary() const { return m_analysis->summary(); }
    QString recordingFile() const;
    QString weightsFile() const;
    /// The load errors of the last batch shown in the banner (one per line); empty when none
    /// failed.
    QString lastError() const { return m_status->lastError(); }
    const ComputeResult* lastResult() const { return m_analysis->lastResult(); }
    QStringList recentFiles() const { return m_recordings->recentFiles(); }
    QString statusText() const { return m_status->text(); }

    LambdaPanel* lambdaPanel() const { return m_lambdaPanel; }
    QDockWidget* lambdaDock() const { return m_dock; }
    LossBreakdownView* breakdownView() const { return m_breakdown; }
    RateHistogramView* rateView() const { return m_rates; }
    NeuronTableView* neuronTable() const { return m_table; }
    NeuronDetailView* neuronDetail() const { return m_detail; }
    WeightsView* weightsView() const { return m_weights; }
    GradientView* gradientView() const { return m_gradientTab->view(); }
    QTabWidget* tabs() const { return m_tabs; }
    PopulationController* population() const { return m_population; }
    /// The Runs scatter tab, the History's metric mode and Compare's statistics.
    SetMetricsBinding* setMetrics() const { return m_setMetrics; }

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
    GradientController* gradients() const { return m_gradientTab->controller(); }
    GradientBinding* gradientTab() const { return m_gradientTab; }
    /// Where the gradients come from (defaultGradientSource() unless set): the
    /// Gradients tab's, the lambda panel's, auto-balance's and the History's;
    /// the data shown is computed again with it.
    void setGradientSource(const GradientSource& source) { m_gradientTab->setSource(source); }
    /// The status bar's line about the selection ("whole recording", ...).
    QString selectionStatus() const { return m_status->selectionLabel()->text(); }
    /// File ▸ Reload: reads the active recording again, keeping the lambdas
    /// being tuned and the selection (checked again against what the file now holds).
    void reload();

    /// The chart a tab shows first (0 breakdown, 1 rates, 2 neurons, 3 weights,
    /// 4 history, 5 compare, 6 λ sweep, 7 population, 8 gradients, 9 runs scatter):
    /// what File ▸ Export ▸ Current chart writes.
    static QString chartOfTab(int tab) { return ExportWiring::chartOfTab(tab); }
    /// Also what "Copy RNNLoss(...)" puts on the clipboard.
    QString nn4nLine() const
    {
        return QString::fromStdString(nn4nCall(state().effective(), state().convention));
    }
    /// Help ▸ About: the versions of the app, Qt, HDF5 and Eigen.
    static QString aboutText() { return rnnloss::aboutText(); }
    /// Help ▸ Keyboard shortcuts: every action with a shortcut, as an HTML table.
    QString shortcutsHtml() const { return rnnloss::shortcutsHtml(findChildren<QAction*>()); }

    void selectNeuron(int neuron) { m_analysis->setNeuron(neuron); }
    /// The neurons whose PSTHs are overlaid (the table's selection; the first 8).
    void setPsthNeurons(const QVector<int>& neurons);
    void setTabIndexForScreenshot(int tab)
    {
        m_tabs->setCurrentIndex(std::clamp(tab, 0, m_tabs->count() - 1));
    }

    void saveSettings() const { m_settings->save(); }
    /// Layout, recent files, view options, and the lambdas saved at the last
    /// exit with the recording they were tuned on (they come back when that
    /// recording is the next one loaded).
    void restoreSettings() { m_settings->restore(); }
    /// The recording open at the last exit, or empty.
    static QString lastSessionRecording() { return WindowSettings::lastSessionRecording(); }
    /// The lambdas restored from the last session stay unused: a file named on
    /// the command line opens with its own (or the command line's) lambdas.
    void forgetSessionLambdas() { m_pending.forgetKept(); }

signals:
    /// openFiles() has started the load of one recording (the Gradients tab
    /// starts its pass beside it: gradientprefetch.h).
    void loadStarted(const rnnloss::LoadRequest& files);
    void loadFinished(bool ok);
    /// After a result has been painted.
    void resultShown();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildViews();
    void buildDock();
    void buildTabs();
    void wire();
    void wireNeurons();
    void onLoaded(const RecordingEntry& recording);
    void showActive();
    void showRecordingSelection(const RecordingEntry& recording);

    LambdaPanel* m_lambdaPanel = nullptr;
    QDockWidget* m_dock = nullptr;
    LossBreakdownView* m_breakdown = nullptr;
    RateHistogramView* m_rates = nullptr;
    NeuronTableView* m_table = nullptr;
    NeuronDetailView* m_detail = nullptr;
    WeightsView* m_weights = nullptr;
    QTabWidget* m_tabs = nullptr;
    StatusArea* m_status = nullptr;

    LambdaModel* m_lambdas = nullptr;
    RecordingSet* m_recordings = nullptr;
    AnalysisController* m_analysis = nullptr;
    PopulationController* m_population = nullptr;
    std::unique_ptr<Exporter> m_exporter;
    SetController* m_set = nullptr;
    SelectionBar* m_selectionBar = nullptr;
    SelectionController* m_selection = nullptr;
    GradientBinding* m_gradientTab = nullptr;
    SetMetricsBinding* m_setMetrics = nullptr;
    ExportWiring* m_exports = nullptr;
    std::unique_ptr<ResultViews> m_results;
    PendingLambdas m_pending; ///< the lambdas the next set starts with
    std::unique_ptr<WindowSettings> m_settings;
    CommandLineSelection m_commandSelection;
};

} // namespace rnnloss
