#include "runstable.h"

#include "chartutil.h"
#include "runs.h"

#include <QHeaderView>
#include <QSignalBlocker>

#include <cmath>
#include <limits>

namespace rnnloss {

namespace {

constexpr int kRunIndexRole = Qt::UserRole + 1;
constexpr double kNoKey = std::numeric_limits<double>::quiet_NaN();

/// A cell that sorts by its number (text without one after every number)
/// and, in the run column, by name as a person would ("run2" before "run10").
class Cell : public QTableWidgetItem
{
public:
    Cell(const QString& text, double key) : QTableWidgetItem(text), m_key(key)
    {
        setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
        if (!std::isnan(key))
            setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    double key() const { return m_key; }
    void set(const QString& text, double key)
    {
        m_key = key;
        setText(text);
        setTextAlignment((std::isnan(key) ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem& other) const override
    {
        const auto* o = dynamic_cast<const Cell*>(&other);
        if (!o)
            return QTableWidgetItem::operator<(other);
        if (std::isnan(m_key) || std::isnan(o->m_key)) {
            if (std::isnan(m_key) != std::isnan(o->m_key))
                return !std::isnan(m_key); // numbers before text
            return naturalLess(text().toStdString(), o->text().toStdString());
        }
        return m_key < o->m_key;
    }

private:
    double m_key;
};

QString number(double v)
{
    return QString::number(v, 'g', 6);
}

} // namespace

RunsTable::RunsTable(QWidget* parent) : QTableWidget(parent)
{
    setColumnCount(kColumns);
    QStringList headers{tr("run"), tr("checkpoints")};
    for (Term t : kAllTerms)
        headers << QStringLiteral("λ_%1 trained").arg(qs(termKey(t)));
    for (Term t : kAllTerms)
        headers << QStringLiteral("λ·L %1 (last)").arg(qs(termKey(t)));
    headers << tr("total (last)");
    setHorizontalHeaderLabels(headers);
    horizontalHeaderItem(kRunColumn)
        ->setToolTip(tr("The run: the recordings' `run` attribute, else the name of their folder"));
    for (int c = kFirstLambdaColumn; c < kFirstTermColumn; ++c)
        horizontalHeaderItem(c)->setToolTip(
            tr("The lambda the run was trained with (its recordings' lambda_* attribute); "
               "\"mixed\" when its checkpoints differ"));
    for (int c = kFirstTermColumn; c <= kTotalColumn; ++c)
        horizontalHeaderItem(c)->setToolTip(
            tr("The run's last checkpoint under the lambdas of the panel"));
    verticalHeader()->hide();
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSortingEnabled(true);
    sortByColumn(kRunColumn, Qt::AscendingOrder);
    connect(this, &QTableWidget::itemSelectionChanged, this,
            [this] { emit runsSelected(selectedRuns()); });
}

void RunsTable::setRuns(const std::vector<RunRow>& runs)
{
    const QStringList selected = selectedRuns();
    m_runs = runs;
    {
        const QSignalBlocker block(this);
        setSortingEnabled(false); // rows would move while they are filled
        clearContents();
        setRowCount(int(runs.size()));
        for (int r = 0; r < int(runs.size()); ++r) {
            const RunRow& run = runs[std::size_t(r)];
            auto* name = new Cell(run.name, kNoKey);
            name->setData(kRunIndexRole, r);
            name->setToolTip(tr("last checkpoint: %1").arg(run.lastLabel));
            setItem(r, kRunColumn, name);
            setItem(r, kCheckpointsColumn,
                    new Cell(QString::number(run.checkpoints), run.checkpoints));
            for (int t = 0; t < kTermCount; ++t) {
                const auto& l = run.trainingLambdas[std::size_t(t)];
                setItem(r, kFirstLambdaColumn + t,
                        run.mixed[std::size_t(t)] ? new Cell(tr("mixed"), kNoKey)
                        : l                       ? new Cell(number(*l), *l)
                                                  : new Cell(QStringLiteral("—"), kNoKey));
            }
            for (int c = kFirstTermColumn; c <= kTotalColumn; ++c)
                setItem(r, c, new Cell({}, kNoKey));
            fillWeighted(r);
        }
        setSortingEnabled(true);
        selectRuns(selected);
    }
    resizeColumnsToContents();
    emit runsSelected(selectedRuns());
}

void RunsTable::setLambdas(const TermArray& lambdas)
{
    m_lambdas = lambdas;
    const QSignalBlocker block(this);
    setSortingEnabled(false);
    for (int r = 0; r < rowCount(); ++r)
        fillWeighted(r);
    setSortingEnabled(true); // sorts again by the column chosen
}

void RunsTable::fillWeighted(int row)
{
    const QTableWidgetItem* name = item(row, kRunColumn);
    if (!name)
        return;
    const RunRow& run = m_runs[std::size_t(name->data(kRunIndexRole).toInt())];
    const std::optional<LossResult> r =
        run.last ? std::optional<LossResult>(evaluate(*run.last, m_lambdas)) : std::nullopt;
    for (int t = 0; t <= kTermCount; ++t) {
        auto* cell = static_cast<Cell*>(item(row, kFirstTermColumn + t));
        std::optional<double> v;
        QString text = r ? QStringLiteral("undefined") : tr("computing…");
        if (r && t < kTermCount && m_lambdas[std::size_t(t)] == 0.0)
            text = QStringLiteral("-");
        else if (r)
            v = t < kTermCount ? (*r)[kAllTerms[t]].weighted : r->total;
        cell->set(v ? number(*v) : text, v ? *v : kNoKey);
    }
}

QStringList RunsTable::selectedRuns() const
{
    QStringList names;
    for (int r = 0; r < rowCount(); ++r)
        if (const QTableWidgetItem* name = item(r, kRunColumn); name && name->isSelected())
            names << name->text();
    return names;
}

void RunsTable::selectRuns(const QStringList& names)
{
    {
        const QSignalBlocker block(this);
        clearSelection();
        for (int r = 0; r < rowCount(); ++r)
            if (names.contains(item(r, kRunColumn)->text()))
                for (int c = 0; c < columnCount(); ++c)
                    item(r, c)->setSelected(true);
    }
    emit runsSelected(selectedRuns()); // blocked while setRuns fills the table
}

int RunsTable::rowOf(const QString& name) const
{
    for (int r = 0; r < rowCount(); ++r)
        if (item(r, kRunColumn) && item(r, kRunColumn)->text() == name)
            return r;
    return -1;
}

double RunsTable::sortKey(int row, int column) const
{
    const auto* cell = dynamic_cast<const Cell*>(item(row, column));
    return cell ? cell->key() : kNoKey;
}

} // namespace rnnloss
