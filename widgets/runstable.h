#pragma once
// The runs of a set of recordings (issue 16), one row each: its name, its
// number of checkpoints, the lambdas it was trained with, and its last
// checkpoint's weighted terms and total under the lambdas of the panel,
// which a lambda change recomputes (O(7) per run). Sortable by any column;
// the rows selected are the runs the set's views show.

#include "loss.h"

#include <QStringList>
#include <QTableWidget>

#include <array>
#include <optional>
#include <vector>

namespace rnnloss {

struct RunRow
{
    QString name;
    int checkpoints = 0;
    /// Per term, the training lambda every checkpoint of the run has; empty
    /// when none has one, or when they differ (then `mixed`).
    std::array<std::optional<double>, kTermCount> trainingLambdas{};
    std::array<bool, kTermCount> mixed{};
    QString lastLabel;              ///< how the set names its last checkpoint
    std::optional<TermValues> last; ///< its unweighted terms; empty while computing
};

class RunsTable : public QTableWidget
{
    Q_OBJECT
public:
    /// Columns: the run, its checkpoints, the seven training lambdas, the
    /// seven weighted terms of its last checkpoint, their total.
    static constexpr int kRunColumn = 0;
    static constexpr int kCheckpointsColumn = 1;
    static constexpr int kFirstLambdaColumn = 2;
    static constexpr int kFirstTermColumn = kFirstLambdaColumn + kTermCount;
    static constexpr int kTotalColumn = kFirstTermColumn + kTermCount;
    static constexpr int kColumns = kTotalColumn + 1;

    explicit RunsTable(QWidget* parent = nullptr);

    /// The runs, in the order given (the table's sort applies on top). Runs
    /// selected before stay selected when they are still there.
    void setRuns(const std::vector<RunRow>& runs);
    /// The effective lambdas (a disabled term is 0): the weighted columns.
    void setLambdas(const TermArray& lambdas);
    /// The names of the selected runs, in the table's order; empty: none selected.
    QStringList selectedRuns() const;
    /// Selects these runs (the others not).
    void selectRuns(const QStringList& names);
    /// The row that shows run `name`, or -1.
    int rowOf(const QString& name) const;
    /// The number a cell sorts by (NaN for text such as "mixed" or "-").
    double sortKey(int row, int column) const;

signals:
    /// The selection changed: the runs now selected (empty: none).
    void runsSelected(const QStringList& names);

private:
    void fillWeighted(int row);

    std::vector<RunRow> m_runs;
    TermArray m_lambdas{};
};

} // namespace rnnloss
