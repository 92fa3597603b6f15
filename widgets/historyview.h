#pragma once
// The loss over a set of recordings: each weighted term and the total against
// the recordings' positions (training step, epoch, or their order). It is given
// each recording's unweighted term values once and the lambdas on every change,
// so a lambda change costs one evaluate() (O(7)) per recording. It can plot
// instead each term's share of the gradient of one parameter (gradgram.h's
// gradShares, from each recording's Gram matrix: O(7^2) per recording).

#include "gradient.h"
#include "loss.h"
#include "sweep.h"

#include <QHash>
#include <QList>
#include <QPointF>
#include <QStringList>
#include <QtCharts/QChartView>

#include <optional>
#include <vector>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QCategoryAxis;
class QLineSeries;
class QLogValueAxis;
class QScatterSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace rnnloss {

class HistoryView : public QChartView
{
    Q_OBJECT

public:
    explicit HistoryView(QWidget* parent = nullptr);

    /// One entry per recording, in the order shown. `x`: positions on a numeric
    /// axis titled `xTitle`; empty: the recordings are placed 1, 2, ... with
    /// their labels as ticks. A recording whose values are empty is left out
    /// until they arrive.
    void setRecordings(const QStringList& labels, const std::vector<double>& x,
                       const QString& xTitle, const std::vector<std::optional<TermValues>>& values);
    /// The effective lambdas (a disabled term is 0).
    void setLambdas(const TermArray& lambdas);
    /// The run of each recording of setRecordings (an index into `names`).
    /// With more than one run, one line per run is drawn of one quantity
    /// (runQuantity) against the recordings' positions, or their order in the
    /// run when they have none; with one run (or none given) the terms are
    /// drawn as before. Call after setRecordings.
    void setRuns(const std::vector<int>& runOfRecording, const QStringList& names);
    /// Lines per run: more than one run, and the loss terms or a metric (not
    /// the gradient shares).
    bool perRun() const;
    /// What the run lines plot: a term's weighted value (0..6, kAllTerms'
    /// order) or the total (7, the default).
    void setRunQuantity(int quantity);
    int runQuantity() const { return m_runQuantity; }
    /// The points of run r's line: (x, y) per recording of it that has one, in the order of x.
    QList<QPointF> plottedRun(int run) const;
    /// Lines drawn, one per run (0 unless perRun()).
    int runLineCount() const;
    /// Each recording's Gram matrix of the gradients of `param` (in the order
    /// of setRecordings; empty while missing or when it has none) and a note
    /// on what is missing (shown in the title).
    void setGradients(const std::vector<std::optional<ParamGram>>& grams, const QString& param,
                      const QString& note = {});
    /// Plots each term's share of the gradient (in %) instead of the loss
    /// values; the total is not drawn and the axis is linear.
    void setGradientShares(bool on);
    bool gradientShares() const { return m_gradientMode; }
    QAction* gradientSharesAction() const { return m_actGradient; }
    /// The per-recording metrics the context menu offers to plot instead of
    /// the terms (population measures, ...); choosing one emits metricChosen.
    void setMetricChoices(const QStringList& names);
    /// Metric mode: `values` (one per recording, empty where missing) named
    /// `name`, against the same x as the terms: one line, or one per run (in
    /// the runs' colours and legend, plottedRun) when there are several; an
    /// empty name goes back to the terms. `note` says what is missing (shown
    /// in the title).
    void setMetric(const QString& name, const std::vector<std::optional<double>>& values,
                   const QString& note = {});
    QString metric() const { return m_metric; }
    /// The metric's points as plotted, in the order of x, when it is one line
    /// (with several runs see plottedRun).
    QList<QPointF> plottedMetric() const;
    /// The name of run r's line (its legend entry).
    QString runLineName(int run) const { return m_runNames.value(run); }
    /// Each recording's gradient shares under the current lambdas (empty ones while missing).
    const std::vector<Shares>& shares() const { return m_shares; }
    /// The recording the single-recording views show, marked with a ring.
    void setActive(int index);
    int active() const { return m_active; }

    /// The user's choice of y axis; ends the automatic one.
    void setLogScale(bool on);
    bool logScale() const { return m_logScale; }
    /// While on (the default, until a choice is made), the y axis is log when
    /// the plotted values span more than two decades: the breakdown's rule
    /// (chartutil's wantsLogAxis).
    void setAutoLogScale(bool on);
    bool autoLogScale() const { return m_autoLog; }
    QAction* logScaleAction() const { return m_actLog; }

    /// Each recording's evaluation (empty while its values are missing).
    const std::vector<std::optional<LossResult>>& results() const { return m_results; }
    /// The x position of recording i on the chart.
    double xOf(int recording) const;
    /// The points plotted for a term's weighted value or the total: (x, y) per
    /// recording that has one, in the order of x.
    QList<QPointF> plotted(Term term) const;
    QList<QPointF> plottedTotal() const;
    /// Where recording i's point of the total (else of its first plotted term)
    /// is in viewport pixels, or nullopt when it has none.
    std::optional<QPoint> pointPosition(int recording) const;
    /// The recording whose point is nearest `pos` (viewport pixels) within a
    /// few pixels, or -1.
    int recordingAt(const QPoint& pos) const;
    /// What hovering recording i shows: its label and every weighted term and the total.
    QString hoverText(int recording) const;

signals:
    /// The user clicked a recording's point.
    void recordingClicked(int index);
    /// The user switched between loss values and gradient shares.
    void gradientSharesToggled(bool on);
    /// The user chose a metric of setMetricChoices to plot (empty: the terms).
    void metricChosen(const QString& name);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    void refresh();
    void refreshTitle();
    void computeShares();
    /// The y axis in use is logarithmic (never for the shares).
    bool logAxis() const { return m_logScale && !m_gradientMode && m_metric.isEmpty(); }
    bool seriesShown(int series) const;
    void applyLogScale(bool on);
    void attachAxes();
    std::optional<double> plotValue(int recording, int series) const;
    /// The series recording i is drawn in for `series` (a term or the total),
    /// or its run's line; null when it is not drawn.
    QLineSeries* lineOf(int recording, int series) const;
    double plotX(int recording) const;
    void syncRunSeries();
    /// The log axis the automatic choice wants, when it decides.
    std::optional<bool> wantedLog() const;
    /// The points of every line drawn (lineOf), in the order of x; their y range in lo, hi.
    QHash<QLineSeries*, QList<QPointF>> linePoints(double& lo, double& hi) const;
    void showRunLines(const QHash<QLineSeries*, QList<QPointF>>& points, bool shown);
    void refreshMark();
    void refreshRanges(double lo, double hi);
    void refreshXRange();
    void refreshMetric();

    QStringList m_labels;
    std::vector<double> m_x;
    QString m_xTitle;
    bool m_numericX = false;
    std::vector<std::optional<TermValues>> m_values;
    TermArray m_lambdas{};
    std::vector<std::optional<LossResult>> m_results;
    int m_active = -1;
    std::vector<std::optional<ParamGram>> m_grams;
    std::vector<Shares> m_shares;
    QString m_gradParam;
    QString m_gradNote;
    bool m_gradientMode = false;
    bool m_logScale = false;
    bool m_autoLog = true;
    QString m_metric; ///< metric mode when not empty
    QString m_metricNote;
    std::vector<std::optional<double>> m_metricValues;
    QList<QAction*> m_metricActions;
    QLineSeries* m_metricSeries = nullptr;

    QChart* m_chart = nullptr;
    QList<QLineSeries*> m_series; ///< the seven terms, then the total
    QScatterSeries* m_activeMark = nullptr;
    QValueAxis* m_xValue = nullptr;
    QCategoryAxis* m_xOrder = nullptr;
    QValueAxis* m_yLinear = nullptr;
    QLogValueAxis* m_yLog = nullptr;
    QAction* m_actLog = nullptr;
    QAction* m_actGradient = nullptr;

    std::vector<int> m_runOf; ///< per recording, an index into m_runNames
    QStringList m_runNames;
    std::vector<double> m_runOrder; ///< per recording: its place in its run (1, 2, ...)
    int m_runQuantity = kTermCount; ///< the total
    QList<QLineSeries*> m_runSeries;
    QComboBox* m_quantityBox = nullptr;
};

} // namespace rnnloss
