#pragma once
// Runs against each other on two numbers (issue 19's runs scatter): one point
// per run (or per recording, until runs exist), named, the Pareto front of the
// two drawn as a step line (engine/pareto.h), the direction of "better" per
// axis settable. Hovering a point names it; clicking it emits pointClicked.
// Knows nothing of files: it is given names and numbers.

#include "pareto.h"

#include <QList>
#include <QPointF>
#include <QStringList>
#include <QtCharts/QChartView>

#include <optional>
#include <vector>

QT_BEGIN_NAMESPACE
class QLineSeries;
class QScatterSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace rnnloss {

class RunsScatterView : public QChartView
{
    Q_OBJECT

public:
    explicit RunsScatterView(QWidget* parent = nullptr);

    /// One point per name; a NaN coordinate leaves the point out (and off the front).
    void setPoints(const QStringList& names, const std::vector<double>& x,
                   const std::vector<double>& y);
    void setAxisTitles(const QString& x, const QString& y);
    /// What the points are, in the legend: "runs" (the default), "recordings".
    void setPointsName(const QString& name);
    /// Which way each axis is better (default: both minimised).
    void setGoals(Goal x, Goal y);
    Goal xGoal() const { return m_gx; }
    Goal yGoal() const { return m_gy; }
    /// A line under the title saying why points are missing; empty for none.
    void setNote(const QString& note);

    /// Indices of the points on the Pareto front, in the order it is drawn.
    const std::vector<std::size_t>& front() const { return m_front; }
    /// The front's step line as drawn (corners included).
    QList<QPointF> frontLine() const;
    /// The points plotted, (x, y) of every point that has both.
    QList<QPointF> plottedPoints() const;
    /// Where point i is in viewport pixels, or nullopt when it is not drawn.
    std::optional<QPoint> pointPosition(int index) const;
    /// The point nearest `pos` (viewport pixels) within a few pixels, or -1.
    int pointAt(const QPoint& pos) const;
    /// What hovering point i shows: its name and its two numbers.
    QString hoverText(int index) const;
    /// "name,x,y,on_front" per point, under a header naming the axes.
    std::string csv() const;

signals:
    /// The user clicked point `index` (of setPoints).
    void pointClicked(int index);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    void refresh();
    bool drawn(int i) const;

    QStringList m_names;
    std::vector<double> m_x, m_y;
    std::vector<std::size_t> m_front;
    Goal m_gx = Goal::Minimise;
    Goal m_gy = Goal::Minimise;
    QString m_xTitle, m_yTitle, m_note;

    QChart* m_chart = nullptr;
    QScatterSeries* m_points = nullptr;
    QScatterSeries* m_frontPoints = nullptr;
    QLineSeries* m_frontLine = nullptr;
    QValueAxis* m_axisX = nullptr;
    QValueAxis* m_axisY = nullptr;
};

} // namespace rnnloss
