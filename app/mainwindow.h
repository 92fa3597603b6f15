#pragma once
// The main window composes the views and connects them: data comes from the
// LoadController (reader process), numbers from the ComputeWorker (its own
// thread); this class only routes signals and paints results.

#include "computeworker.h"
#include "loadcontroller.h"

#include <QMainWindow>
#include <QThread>

#include <array>
#include <memory>

class QAction;
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

/// What the user set: restored by undo/redo and across restarts.
struct LambdaState
{
    TermArray values{};                 ///< as the rows hold them
    std::array<bool, kTermCount> enabled{};
    Convention convention = kDefaultConvention;
    TermArray effective() const;
    bool operator==(const LambdaState&) const = default;
};

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    /// `readerExe`: the `rnnloss` binary that reads files in its own process.
    explicit MainWindow(const QString& readerExe, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Loads files; on success the previous data is replaced, on failure kept.
    void openFiles(const QString& recording, const QString& weights = {});
    /// Lambdas from the command line: applied after the next load (or now).
    void setPendingLambdas(const std::array<std::optional<double>, kTermCount>& lambdas,
                           std::optional<Convention> convention);
    void applyState(const LambdaState& state);  ///< as if the user set it (undoable)

    LambdaState state() const { return m_state; }
    std::shared_ptr<const Summary> summary() const { return m_summary; }
    QString recordingFile() const { return m_files.recording; }
    QString weightsFile() const { return m_files.weights; }
    QString lastError() const { return m_lastError; }
    const ComputeResult* lastResult() const { return m_result ? &*m_result : nullptr; }
    QStringList recentFiles() const { return m_recent; }

    LambdaPanel* lambdaPanel() const { return m_lambdaPanel; }
    LossBreakdownView* breakdownView() const { return m_breakdown; }
    RateHistogramView* rateView() const { return m_rates; }
    NeuronTableView* neuronTable() const { return m_table; }
    NeuronDetailView* neuronDetail() const { return m_detail; }
    WeightsView* weightsView() const { return m_weights; }
    LoadController* loader() const { return m_loader; }
    ComputeWorker* worker() const { return m_worker; }
    QUndoStack* undoStack() const { return m_undo; }

    /// Exports: the chart of `tab` (0 breakdown, 1 rates, 2 neurons, 3 weights)
    /// to PNG/SVG/PDF by suffix; CSVs and JSON. Return false and set lastError.
    bool exportChart(int tab, const QString& path);
    bool exportBreakdownCsv(const QString& path);
    bool exportNeuronCsv(const QString& path);
    bool exportLambdasJson(const QString& path);
    QString nn4nLine() const;  ///< also what "Copy RNNLoss(...)" puts on the clipboard

    void selectNeuron(int neuron);
    void setTabIndexForScreenshot(int tab);

    void saveSettings() const;
    void restoreSettings();

signals:
    void loadFinished(bool ok);
    /// After a result has been painted.
    void resultShown();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    void onLoaded(std::shared_ptr<const Summary> summary, const LoadRequest& request);
    void onLoadFailed(const QString& error, const LoadRequest& request);
    void onResult(const ComputeResult& result);
    void onPanelEdited();
    void requestCompute();
    void setLoading(bool loading, const QString& what = {});
    void showError(const QString& error);
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void setStateQuietly(const LambdaState& state);
    bool writeText(const QString& path, const std::string& text);

    LambdaPanel* m_lambdaPanel = nullptr;
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
    QUndoStack* m_undo = nullptr;

    LoadController* m_loader = nullptr;
    QThread m_computeThread;
    ComputeWorker* m_worker = nullptr;

    std::shared_ptr<const Summary> m_summary;
    std::uint64_t m_generation = 0;
    LoadRequest m_files;
    LambdaState m_state;
    int m_neuron = -1;
    std::optional<ComputeResult> m_result;
    QString m_lastError;
    QStringList m_recent;
    std::array<std::optional<double>, kTermCount> m_pendingLambdas{};
    std::optional<Convention> m_pendingConvention;
    bool m_hasPending = false;
};

} // namespace rnnloss
