#pragma once
// The loss as the lambda of one term runs over its range, the others fixed:
// the total and every term's share of it, against lambda on a log axis, with
// the current lambda marked. Closed-form from the term values (engine/sweep.h),
// so it follows the lambdas live. It rescales one recording's terms: a line
// above the chart says that it does not predict training with another λ.
// Given several recordings (a sweep's runs, each by its last checkpoint), it
// draws the total of each, named, and no shares (they would be of one only).

#include "sweep.h"

#include <QWidget>

#include <QStringList>

#include <optional>
#include <vector>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineSeries;
class QLogValueAxis;
class QValueAxis;
QT_END_NAMESPACE

namespace rnnloss {

class SweepView : public QWidget
{
    Q_OBJECT

public:
    explicit SweepView(QWidget* parent = nullptr);

    /// The unweighted term values of the recording swept; empty: nothing to show.
    void setValues(const std::optional<TermValues>& values);
    /// Several recordings swept at once, `names` naming them (their values
    /// empty while computing): one total line each. One: as setValues.
    void setRecordings(const QStringList& names,
                       const std::vector<std::optional<TermValues>>& values);
    /// The recordings swept (one unnamed for setValues).
    int recordingCount() const { return int(m_all.size()); }
    /// The effective lambdas (a disabled term is 0); the swept term's own is the marker.
    void setLambdas(const TermArray& lambdas);
    /// The swept lambda's range (both > 0) and the number of grid points.
    void setRange(double from, double to, int points = 91);
    void setTerm(Term term);
    Term term() const { return m_term; }

    const SweepResult& sweep() const { return m_sweep; }
    /// Where the current lambda is marked, or nullopt when it is 0 or out of range.
    std::optional<double> markedLambda() const { return m_marked; }
    QChartView* chartView() const { return m_view; }
    /// The line of a term's share (in percent), or of the total.
    QList<QPointF> sharePoints(Term term) const;
    QList<QPointF> totalPoints() const;
    /// With several recordings: the total line of recording i, and its sweep.
    QList<QPointF> totalPoints(int recording) const;
    const SweepResult& sweep(int recording) const { return m_sweeps.at(std::size_t(recording)); }
    QString recordingName(int recording) const { return m_names.value(recording); }

signals:
    void termChanged(rnnloss::Term term);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void refresh();
    /// The lines of several recordings; returns the message above the chart.
    QString refreshMany(const std::vector<double>& grid, double& lo, double& hi);
    void setTotalLines(int n);

    std::optional<TermValues> m_values;
    std::vector<std::optional<TermValues>> m_all; ///< every recording swept (m_values: the first)
    QStringList m_names;
    std::vector<SweepResult> m_sweeps; ///< with several recordings, one each
    QList<QLineSeries*> m_totals;      ///< with several recordings, one each
    bool m_linesStale = false;         ///< m_totals wait for the view to be shown
    TermArray m_lambdas{};
    Term m_term = Term::Fr;
    double m_from = 1e-6, m_to = 1e3;
    int m_points = 91;
    SweepResult m_sweep;
    std::optional<double> m_marked;

    QComboBox* m_termBox = nullptr;
    QLabel* m_message = nullptr;
    QChartView* m_view = nullptr;
    QChart* m_chart = nullptr;
    QList<QLineSeries*> m_shares; ///< one per term, in percent
    QLineSeries* m_total = nullptr;
    QLineSeries* m_marker = nullptr;
    QLogValueAxis* m_x = nullptr;
    QLogValueAxis* m_yTotal = nullptr;
    QValueAxis* m_yShare = nullptr;
};

} // namespace rnnloss
