#pragma once
// The set of recordings in the window: the dock that lists them (which one is
// active; add, remove), the views over all of them (History, Compare, λ sweep), their
// computations (SetAnalysis), and the actions that act on the lambdas of the
// whole set (Import lambdas, Auto-balance). MainWindow places what this builds.

#include "lambdamodel.h"
#include "recordingset.h"
#include "runs.h"
#include "setanalysis.h"
#include "setgradients.h"

#include <QObject>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QDockWidget;
class QListWidget;
class QMainWindow;
class QMenu;
class QPushButton;
class QTabWidget;
class QTimer;
QT_END_NAMESPACE

namespace rnnloss {

class AnalysisController;
class BalanceDialog;
class CompareView;
class GradientController;
class GradientView;
class HistoryView;
class RunsController;
class SweepView;

class SetController : public QObject
{
    Q_OBJECT
public:
    SetController(QMainWindow* window, RecordingSet* set, LambdaModel* lambdas);

    QDockWidget* dock() const { return m_dock; }
    QListWidget* list() const { return m_list; }
    HistoryView* historyView() const { return m_history; }
    SweepView* sweepView() const { return m_sweep; }
    CompareView* compareView() const { return m_compare; }
    SetAnalysis* analysis() const { return m_analysis; }
    SetGradients* setGradients() const { return m_setGradients; }
    /// The Runs table and its dock.
    RunsController* runs() const { return m_runs; }
    /// The recordings History and Compare show (indices into the set's
    /// entries): those of the runs selected in the Runs table, else all.
    const std::vector<int>& shownRecordings() const { return m_shownIdx; }

    /// What Compare and the λ sweep work on (issue 16): the recordings picked
    /// (Compare: every one shown, its own table picking those drawn; the λ
    /// sweep: the active one), or the last checkpoint of each run shown (both).
    enum class Scope
    {
        Picked,
        LastCheckpoints
    };
    /// As the Runs dock's box chooses it; the views are redrawn at once.
    void setScope(Scope scope);
    Scope scope() const { return m_scope; }
    /// The recordings Compare is given (indices into the set's entries) and
    /// how it names them ("runA · step 300" for a run's last checkpoint).
    const std::vector<int>& compareRecordings() const { return m_compareIdx; }
    const QStringList& compareLabels() const { return m_compareLabels; }
    /// The recordings the λ sweep sweeps (indices into the set's entries).
    std::vector<int> sweepRecordings() const;

    /// Adds the History, Compare and λ sweep tabs.
    void addTabs(QTabWidget* tabs);
    /// File ▸ Open folder…, Add recordings…, Add folder…, Import lambdas…
    void addFileActions(QMenu* file);
    /// Edit ▸ Auto-balance…
    void addEditActions(QMenu* edit);

    /// Adds files to the set; a folder stands for every recording and summary
    /// file under it (recordingfiles.h: recursively, a recording's summary
    /// used in its place while current). A folder that holds none, or cannot
    /// be listed, is said in the status bar.
    void addFiles(const QStringList& paths);
    /// Replaces the set by the recordings and summaries under `folder`
    /// (File ▸ Open folder…); the set stays as it is when there are none.
    void openFolder(const QString& folder);
    /// Sets the lambdas (and convention) a lambda export names, as one undo
    /// step. Returns the error ("<file>: <what is wrong>"), empty on success.
    QString importLambdas(const QString& path);
    /// Where auto-balance takes the data the views show (the active
    /// recording's selection): the latest result of `analysis`. Without it,
    /// the whole active recording is balanced.
    void setShownData(const AnalysisController* analysis) { m_shown = analysis; }
    /// Where auto-balance takes the gradients of the data the views show (the
    /// shares of a parameter's gradient), and the parameter the Gradients tab
    /// shows, which the dialog proposes.
    void setShownGradients(const GradientController* gradients, const GradientView* view)
    {
        m_shownGradients = gradients;
        m_gradientView = view;
    }
    /// The source of the History's gradient shares (the window's).
    void setGradientSource(GradientSource source) { m_setGradients->setSource(std::move(source)); }
    /// The parameter whose gradient shares the History plots (the Gradients tab's).
    void setGradientParam(Param param);
    /// Opens the auto-balance dialog for the data the views show; null (with
    /// the reason in `why`) while its terms are not computed yet.
    BalanceDialog* openBalance(QString* why = nullptr);

    /// The x positions the history uses: every recording's step, else every
    /// one's epoch, else none (the list's order). `title` names the axis.
    static std::vector<double> positions(const std::vector<RecordingEntry>& entries,
                                         QString* title);

    /// While a batch of recordings loads (or their terms are computed), the
    /// set's views (the list, History, Compare, λ sweep: each redraw costs
    /// O(recordings)) are redrawn once when it is done and in between only
    /// after `firstMs`, then twice that, and so on: a batch of N recordings
    /// costs O(log) redraws instead of N. Outside a batch a change is drawn at
    /// once. The default waits 1 s for the first redraw in between.
    void setBatchRedrawDelay(int firstMs);
    /// How many times the list and how many times the term views were redrawn.
    int listRedraws() const { return m_listRedraws; }
    int termRedraws() const { return m_termRedraws; }

signals:
    /// The term views (History, Compare, λ sweep) were redrawn.
    void termViewsRedrawn();
    /// compareRecordings() or compareLabels() changed.
    void compareRecordingsChanged();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    /// What the term views are given: per recording, its label, terms (empty
    /// while computing) and mean rates.
    struct SetTerms
    {
        QStringList labels;
        std::vector<std::optional<TermValues>> values;
        std::vector<std::vector<double>> rates;
    };
    SetTerms termsOf(const std::vector<int>& entries, const QStringList& labels) const;
    QStringList labelsOf(const std::vector<int>& entries) const;
    /// The runs of the shown entries (engine's groupRuns; checkpoints index m_shownIdx).
    std::vector<Run> shownRuns() const;
    /// Compare's recordings and labels under the scope, from the shown runs.
    void updateScoped(const std::vector<Run>& runs);
    /// Compare given its recordings (when shown; else when it is next shown).
    void refreshCompare();
    void refreshSweep();
    void refreshHistory(const std::vector<Run>& runs);
    void onEntriesChanged();
    void onActiveChanged();
    void onLambdasChanged();
    void onTermsChanged();
    /// What is stale is redrawn now, or, in a batch, when the timer fires.
    void redrawSoon();
    void redraw(bool list, bool terms);
    void refreshTerms();
    void refreshGradients();
    void refreshList();
    /// Which entries History and Compare show (the Runs table's selection).
    void updateShown();
    /// The History's place of entry `entry`, or -1 when it is not shown.
    int shownIndexOf(int entry) const;
    QList<LoadRequest> requestsFor(const QStringList& paths);
    void offerGradients(BalanceDialog* dialog, const std::optional<Slice>& slice,
                        std::uint64_t generation) const;

    QMainWindow* m_window = nullptr;
    RecordingSet* m_set = nullptr;
    LambdaModel* m_lambdas = nullptr;
    SetAnalysis* m_analysis = nullptr;
    SetGradients* m_setGradients = nullptr; ///< every recording's, for the History
    RunsController* m_runs = nullptr;
    QStringList m_shownRuns;   ///< selected in the Runs table; empty: all
    std::vector<int> m_shownIdx; ///< the entries History and Compare show
    Scope m_scope = Scope::Picked;
    std::vector<int> m_compareIdx; ///< the entries Compare is given
    QStringList m_compareLabels;
    bool m_refreshingRuns = false;
    Param m_gradientParam = Param::WHid;
    const AnalysisController* m_shown = nullptr;
    const GradientController* m_shownGradients = nullptr;
    const GradientView* m_gradientView = nullptr;
    QDockWidget* m_dock = nullptr;
    QListWidget* m_list = nullptr;
    QPushButton* m_remove = nullptr;
    HistoryView* m_history = nullptr;
    SweepView* m_sweep = nullptr;
    CompareView* m_compare = nullptr;
    QTimer* m_redrawTimer = nullptr;
    int m_firstDelayMs = 1000;
    int m_delayMs = 1000; ///< the next redraw in between; doubles each time
    bool m_listStale = false;
    bool m_compareStale = false; ///< Compare, hidden, waits to be shown for the set
    bool m_termsStale = false;
    int m_listRedraws = 0;
    int m_termRedraws = 0;
};

} // namespace rnnloss
