#pragma once
// The Runs table in the window (issue 16): groups the set's recordings into
// runs (engine's groupRuns: the `run` attribute, else the folder), fills the
// table's rows from the recordings' attributes and their terms (SetAnalysis),
// gives it every lambda change, and says which runs the user selected, which
// the set's History and Compare then show alone. SetController owns it and
// redraws it with the set's other views.

#include "recordingset.h"
#include "runstable.h"
#include "setanalysis.h"

#include <QObject>
#include <QStringList>

#include <vector>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDockWidget;
class QMainWindow;
QT_END_NAMESPACE

namespace rnnloss {

class RunsController : public QObject
{
    Q_OBJECT
public:
    /// Makes the table and its dock ("Runs", below the views of `window`),
    /// hidden until the set first has more than one run.
    RunsController(QMainWindow* window, const RecordingSet* set, const SetAnalysis* analysis);

    QDockWidget* dock() const { return m_dock; }
    RunsTable* table() const { return m_table; }
    /// Above the table: what Compare and the λ sweep work on (the recordings
    /// picked, or the last checkpoint of each run shown); SetController acts on it.
    QComboBox* scopeBox() const { return m_scopeBox; }

    /// The rows of `entries`' runs, by name: the checkpoints' count, their
    /// training lambdas (one value, or mixed), the last checkpoint's terms
    /// as `analysis` has them.
    static std::vector<RunRow> rows(const std::vector<RecordingEntry>& entries,
                                    const SetAnalysis& analysis);
    /// Rebuilds the rows from the set (its redraw, batched by SetController).
    void refresh();
    void setLambdas(const TermArray& lambdas) { m_table->setLambdas(lambdas); }
    /// The runs selected in the table; empty: none, and every run is shown.
    QStringList shownRuns() const { return m_shown; }

signals:
    /// The runs to show changed (empty: all).
    void shownRunsChanged(const QStringList& runs);

private:
    const RecordingSet* m_set;
    const SetAnalysis* m_analysis;
    QDockWidget* m_dock = nullptr;
    RunsTable* m_table = nullptr;
    QComboBox* m_scopeBox = nullptr;
    QStringList m_shown;
    bool m_shownOnce = false; ///< shown by itself the first time the set had runs
};

} // namespace rnnloss
