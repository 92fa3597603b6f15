#pragma once
// Any per-neuron statistic (a column of the neuron table, or d' between two
// trial labels) as a histogram on the shown neurons, the neuron groups
// (neuron_groups, e.g. E and I) stacked in one colour each: the bar of a bin
// is as tall as all its neurons, each group's part as tall as its own.
// Clicking a group's part of a bar selects that group's neurons in that bin.

#include "chartexport.h"
#include "neuronstats.h"

#include <QStringList>
#include <QVector>
#include <QWidget>

#include <cstdint>
#include <string>
#include <vector>

QT_BEGIN_NAMESPACE
class QBarSet;
class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QSpinBox;
class QStackedBarSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace rnnloss {

/// One per-neuron statistic: its name (with unit) and a value per neuron (NaN: undefined).
struct StatisticColumn
{
    QString name;
    std::vector<double> values;
};

class StatisticView : public QWidget
{
    Q_OBJECT
public:
    explicit StatisticView(QWidget* parent = nullptr);

    /// The statistics offered; the one chosen stays chosen when it is still there.
    void setColumns(const QList<StatisticColumn>& columns);
    /// One group name per neuron (empty: all neurons one group).
    void setGroups(const std::vector<std::string>& groups);
    /// The trial labels: with two or more, d' between two of them is offered.
    void setLabels(const QStringList& labels);
    /// d' per neuron for labelA() vs labelB(); `note` says why it is missing or partial.
    void setDPrime(const std::vector<double>& values, const QString& note);

    /// Index in the combo: the columns, then d' (index columns().size()).
    int statistic() const;
    void setStatistic(int index);
    bool showsDPrime() const;
    void setLabelPair(const QString& a, const QString& b);
    QString labelA() const;
    QString labelB() const;
    void setBinCount(int bins);

    /// The values shown (one per neuron) and their name.
    const std::vector<double>& values() const;
    QString statisticName() const;
    const Histogram& histogram() const { return m_hist; }
    /// The group names in order of first appearance; one "neurons" without groups.
    QStringList groupNames() const { return m_groupNames; }
    /// Per group (groupNames order), its count in each bin.
    const std::vector<std::vector<double>>& groupCounts() const { return m_groupCounts; }
    /// Neurons (rows of the shown data) of `group` (-1: every group) in `bin`.
    QVector<int> neuronsInBin(int bin, int group = -1) const;
    QString title() const;
    QChartView* chartView() const { return m_view; }
    QList<ExportableChart> exportableCharts() const;
    /// neuron,group,<statistic> rows; `ids` names the rows (empty: 0..N-1).
    std::string csv(const std::vector<std::int64_t>& ids) const;

signals:
    /// A bar part was clicked: its neurons, as rows of the shown data.
    void neuronsClicked(const QVector<int>& neurons);
    /// The two labels of d' changed (both set and different).
    void labelsChanged(const QString& a, const QString& b);

private:
    void rebuildCombo();
    void rebuild();
    void rebuildSets();
    void updateAxes();
    int groupOf(int neuron) const;

    QList<StatisticColumn> m_columns;
    std::vector<double> m_dPrime;
    QString m_dPrimeNote;
    std::vector<int> m_groupIndex; ///< per neuron, into m_groupNames
    QStringList m_groupNames{QStringLiteral("neurons")};
    Histogram m_hist;
    std::vector<std::vector<double>> m_groupCounts;
    int m_bins = 20;

    QComboBox* m_statCombo = nullptr;
    QComboBox* m_labelA = nullptr;
    QComboBox* m_labelB = nullptr;
    QLabel* m_versus = nullptr;
    QSpinBox* m_binSpin = nullptr;
    QLabel* m_note = nullptr;
    QChartView* m_view = nullptr;
    QChart* m_chart = nullptr;
    QStackedBarSeries* m_bars = nullptr;
    QList<QBarSet*> m_sets;
    QValueAxis* m_binAxis = nullptr;
    QValueAxis* m_valueAxis = nullptr;
    QValueAxis* m_countAxis = nullptr;
};

} // namespace rnnloss
