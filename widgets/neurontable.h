#pragma once
// Per-neuron statistics as a sortable table.

#include "neuronstats.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QVector>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QTableView;
class QItemSelection;
QT_END_NAMESPACE

namespace rnnloss {

class NeuronTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        ColNeuron,
        ColMean,
        ColSd,
        ColCv,
        ColMax,
        ColActive,
        ColFrContribution,
        ColCount
    };
    /// Qt::UserRole (and Qt::EditRole) give the raw number, NaN when undefined.
    static constexpr int SortRole = Qt::UserRole;

    explicit NeuronTableModel(QObject* parent = nullptr);

    /// Same neuron count: values change in place (selection and sorting stay);
    /// otherwise the model resets.
    void setStats(const NeuronStats& stats);
    const NeuronStats& stats() const { return m_stats; }
    /// What the Neuron column shows for each row: the neuron's index in the
    /// recording (rows are a slice's neurons) and its group, e.g. "12 · E".
    /// Empty ids: the row number; empty groups: none shown.
    void setNeuronIds(std::vector<std::int64_t> ids, std::vector<std::string> groups = {});
    /// The recording's index of the neuron in `row`.
    std::int64_t neuronId(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    /// The number in a cell, NaN when undefined or out of range.
    double value(int row, int column) const;

private:
    NeuronStats m_stats;
    std::vector<std::int64_t> m_ids;
    std::vector<std::string> m_groups;
};

/// Numeric sort on NeuronTableModel::SortRole with NaN last in both orders.
class NeuronSortProxy : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;
};

class NeuronTableView : public QWidget
{
    Q_OBJECT

public:
    explicit NeuronTableView(QWidget* parent = nullptr);

    void setStats(const NeuronStats& stats);
    void setNeuronIds(std::vector<std::int64_t> ids, std::vector<std::string> groups = {})
    {
        m_model->setNeuronIds(std::move(ids), std::move(groups));
    }
    /// Selects these neurons (rows) without emitting neuronSelected/selectionChanged.
    void selectNeurons(const QVector<int>& neurons);
    QVector<int> selectedNeurons() const;

    NeuronTableModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* tableView() const { return m_table; }

signals:
    /// The neuron of the current row after a user selection.
    void neuronSelected(int neuron);
    /// All neurons selected by the user, ascending.
    void selectionChanged(const QVector<int>& neurons);

private:
    void onSelectionChanged();

    NeuronTableModel* m_model = nullptr;
    NeuronSortProxy* m_proxy = nullptr;
    QTableView* m_table = nullptr;
    bool m_settingSelection = false;
};

} // namespace rnnloss
