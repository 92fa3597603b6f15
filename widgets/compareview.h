#pragma once
// Two or more recordings side by side: the distributions of a per-neuron
// statistic (the mean rate, or any other chosen: setStatisticChoices)
// overlaid on shared bins (or as ECDFs) with the mean, SD and CV
// of each in a table, the loss breakdown as grouped bars, and — when two
// recordings have as many hidden neurons — the mean rate of each neuron in one
// against the other. The charts show the recordings chosen (a readable few by
// default), each in a colour no other shown one has, named in full.

#include "loss.h"

#include <QList>
#include <QPointF>
#include <QStringList>
#include <QWidget>

#include <optional>
#include <string>
#include <vector>

QT_BEGIN_NAMESPACE
class QBarCategoryAxis;
class QBarSeries;
class QChart;
class QChartView;
class QCheckBox;
class QColor;
class QHBoxLayout;
class QComboBox;
class QLabel;
class QLogValueAxis;
class QScatterSeries;
class QTableWidget;
class QValueAxis;
QT_END_NAMESPACE

namespace rnnloss {

struct Histogram;

class ChartLegend;

class CompareView : public QWidget
{
    Q_OBJECT

public:
    static constexpr int kBins = 30;
    /// Shown until a choice is made: more lines and bar groups than this are
    /// not read, only seen.
    static constexpr int kDefaultShown = 6;

    explicit CompareView(QWidget* parent = nullptr);

    /// One entry per recording: its label, the mean rate of each hidden neuron
    /// (empty without states) and its unweighted terms (empty while computing).
    void setRecordings(const QStringList& labels, const std::vector<std::vector<double>>& meanRates,
                       const std::vector<std::optional<TermValues>>& values);
    /// The effective lambdas, for the grouped bars.
    void setLambdas(const TermArray& lambdas);
    /// The recordings the distributions and bars show (indices into the
    /// recordings, in any order; out of range ones are ignored). Without a
    /// call: the first kDefaultShown. Kept, by label, when the recordings are
    /// given again. Does not emit shownChanged.
    void setShown(const QList<int>& recordings);
    /// The recordings shown, ascending.
    QList<int> shown() const { return m_shown; }
    /// The colour of a shown recording in every chart and the table; invalid
    /// when it is not shown. Assigned by position among the shown ones.
    QColor colorOf(int recording) const;
    /// True when the grouped bars are on a log axis (the breakdown's rule:
    /// the bars span more than two decades).
    bool barsLogScale() const { return m_barsLog; }
    /// The legends under the distributions and under the bars.
    ChartLegend* distributionLegend() const { return m_distLegend; }
    ChartLegend* barsLegend() const { return m_barLegend; }
    /// The two recordings of the scatter (A on x, B on y).
    void setPair(int a, int b);
    void setEcdf(bool on);
    bool ecdf() const { return m_ecdf; }

    /// The per-neuron statistics the distributions can show. The first is the
    /// mean rate of setRecordings; the values of another come with
    /// setStatisticValues once statisticChosen asked for them. `dPrime`: the
    /// index of the one taken between two trial labels (-1: none).
    void setStatisticChoices(const QStringList& names, int dPrime = -1);
    /// The trial labels d' can be taken between (the set's, in order).
    void setTrialLabels(const QStringList& labels);
    /// Chooses a statistic as the user does (emits statisticChosen).
    void setStatistic(int index);
    int statistic() const { return m_stat; }
    QString labelA() const;
    QString labelB() const;
    /// The chosen statistic's values per neuron of each recording, for the
    /// recordings `labels` (setRecordings' order; values for other labels are
    /// dropped when the set changes), the axis title and a note (why some are
    /// missing). Until they come, a statistic other than the first shows nothing.
    /// `reasons`: per recording, why it has no values (the legend names them).
    void setStatisticValues(const QStringList& labels, const QString& title,
                            const std::vector<std::vector<double>>& values,
                            const QString& note = {}, const QStringList& reasons = {});
    /// On while a selection is shown: the mean rates of setRecordings (the
    /// whole recordings') are not drawn; the mean rate's values come with
    /// setStatisticValues like every other statistic's.
    void setMeanRatesGiven(bool given);
    /// The distributions as a table: each bin's edges, then per shown
    /// recording its count and fraction of neurons (the ECDF's when on).
    std::string distributionCsv() const;

    struct RateSummary
    {
        int n = 0;
        double mean = 0.0;
        /// As L_fr_sd and L_fr_cv define them under the terms' convention once
        /// the terms are given; until then the population SD and sd / mean.
        double sd = 0.0;
        double cv = 0.0; ///< NaN when undefined (mean 0)
    };
    const std::vector<RateSummary>& rateSummaries() const { return m_summaries; }
    /// The shared bin edges (kBins + 1) of the distributions.
    const std::vector<double>& binEdges() const { return m_edges; }
    /// Fraction of recording i's neurons in each bin (or the ECDF's steps), on
    /// the bins shared by the shown recordings.
    QList<double> binFractions(int recording) const;
    QList<QPointF> distributionPoints(int recording) const;
    /// Weighted terms and the total of recording i, as the bars show them (0 when undefined).
    QList<double> bars(int recording) const;
    /// The heights of recording i's bars as drawn (brought up to date when the
    /// view is shown); empty when it is not shown.
    QList<double> plottedBars(int recording) const;
    /// (m_n in A, m_n in B) per neuron; empty when N_hid differs.
    QList<QPointF> scatterPoints() const;
    QString scatterMessage() const;

    QChartView* distributionView() const { return m_distView; }
    QChartView* barsView() const { return m_barView; }
    QChartView* scatterView() const { return m_scatterView; }
    QTableWidget* legendTable() const { return m_table; }

signals:
    /// The user checked or unchecked a recording in the table.
    void shownChanged(const QList<int>& recordings);
    /// The user chose a statistic (and, for d', its two labels).
    void statisticChosen(int index, const QString& labelA, const QString& labelB);

protected:
    void showEvent(QShowEvent* event) override;

private:
    QHBoxLayout* makeControls();
    void refreshTable();
    void onTableItemChanged(int row);
    void refreshDistributions();
    /// m_fractions and m_counts of each recording with values, on `bins`.
    void countOnSharedBins(const Histogram& bins, const std::vector<std::vector<double>>& data);
    void refreshBars();
    void updateBarValues();
    void refreshScatter();
    void applyBarAxis(bool log);
    int shownPosition(int recording) const;
    /// The values the distributions show: the mean rates, or the statistic's.
    const std::vector<std::vector<double>>& distributionData() const;
    void onStatisticBoxes();
    /// Until the chosen statistic's values come: "computing…" (nothing drawn).
    void dropStatisticValues();

    QStringList m_labels;
    QList<int> m_shown;
    bool m_shownChosen = false; ///< setShown or the table picked them
    bool m_barsLog = false;
    bool m_fillingTable = false;
    std::vector<std::vector<double>> m_rates;
    std::vector<std::optional<TermValues>> m_values;
    TermArray m_lambdas{};
    std::vector<RateSummary> m_summaries;
    std::vector<double> m_edges;
    std::vector<QList<double>> m_fractions;
    std::vector<std::vector<double>> m_counts;
    int m_stat = 0;
    int m_dPrime = -1;
    QStringList m_statLabels; ///< the recordings m_statValues are of
    std::vector<std::vector<double>> m_statValues;
    QString m_statTitle;
    QString m_statNote;
    QStringList m_statReasons;
    bool m_ratesGiven = false;
    int m_a = 0, m_b = 1;
    bool m_ecdf = false;
    bool m_barsStale = false; ///< lambdas changed while hidden

    QComboBox* m_boxA = nullptr;
    QComboBox* m_boxB = nullptr;
    QCheckBox* m_ecdfBox = nullptr;
    QComboBox* m_statBox = nullptr;
    QComboBox* m_labelBoxA = nullptr;
    QComboBox* m_labelBoxB = nullptr;
    QLabel* m_labelsText = nullptr;
    QTableWidget* m_table = nullptr;
    QChartView* m_distView = nullptr;
    QChartView* m_barView = nullptr;
    QChartView* m_scatterView = nullptr;
    QChart* m_distChart = nullptr;
    QChart* m_barChart = nullptr;
    QChart* m_scatterChart = nullptr;
    QBarSeries* m_barSeries = nullptr;
    QValueAxis* m_barAxis = nullptr;
    QLogValueAxis* m_barLogAxis = nullptr;
    QBarCategoryAxis* m_barCats = nullptr;
    ChartLegend* m_distLegend = nullptr;
    ChartLegend* m_barLegend = nullptr;
    QScatterSeries* m_scatter = nullptr;
    QLabel* m_scatterLabel = nullptr;
};

} // namespace rnnloss
