#include "runsscatterview.h"

#include "chartutil.h"

#include <QMouseEvent>
#include <QToolTip>
#include <QtCharts/QLegend>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace rnnloss {

namespace {

constexpr double kPickRadiusPx = 10.0;

/// Of two values, the one that is worse under `g`.
double worse(double a, double b, Goal g)
{
    return g == Goal::Minimise ? std::max(a, b) : std::min(a, b);
}

QString goalText(Goal g)
{
    return g == Goal::Minimise ? QObject::tr("lower is better") : QObject::tr("higher is better");
}

QString csvField(const QString& s)
{
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) &&
        !s.contains(QLatin1Char('\n')))
        return s;
    QString q = s;
    q.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

} // namespace

RunsScatterView::RunsScatterView(QWidget* parent) : QChartView(parent)
{
    m_chart = new QChart;
    styleChart(m_chart);
    QChart* defaultChart = chart();
    setChart(m_chart);
    delete defaultChart;
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(360, 240);
    setMouseTracking(true);

    m_frontLine = new QLineSeries(m_chart);
    m_frontLine->setName(tr("Pareto front"));
    QPen pen(QColor(0xd0, 0x50, 0x20));
    pen.setWidthF(1.8);
    m_frontLine->setPen(pen);
    m_points = new QScatterSeries(m_chart);
    m_points->setName(tr("runs"));
    m_points->setMarkerSize(9);
    m_points->setColor(QColor(0x2a, 0x6f, 0xb5));
    m_points->setBorderColor(QColor(0x2a, 0x6f, 0xb5).darker(140));
    m_frontPoints = new QScatterSeries(m_chart);
    m_frontPoints->setName(tr("on the front"));
    m_frontPoints->setMarkerSize(11);
    m_frontPoints->setColor(QColor(0xd0, 0x50, 0x20));
    m_frontPoints->setBorderColor(QColor(0xd0, 0x50, 0x20).darker(140));
    m_chart->addSeries(m_frontLine);
    m_chart->addSeries(m_points);
    m_chart->addSeries(m_frontPoints);
    m_axisX = new QValueAxis(m_chart);
    m_axisY = new QValueAxis(m_chart);
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisY, Qt::AlignLeft);
    for (QAbstractSeries* s :
         {static_cast<QAbstractSeries*>(m_frontLine), static_cast<QAbstractSeries*>(m_points),
          static_cast<QAbstractSeries*>(m_frontPoints)}) {
        s->attachAxis(m_axisX);
        s->attachAxis(m_axisY);
    }
    m_chart->legend()->setAlignment(Qt::AlignTop);
    refresh();
}

void RunsScatterView::setPoints(const QStringList& names, const std::vector<double>& x,
                                const std::vector<double>& y)
{
    m_names = names;
    const std::size_t n = std::size_t(names.size());
    const double nan = std::numeric_limits<double>::quiet_NaN();
    m_x = x;
    m_y = y;
    m_x.resize(n, nan);
    m_y.resize(n, nan);
    refresh();
}

void RunsScatterView::setAxisTitles(const QString& x, const QString& y)
{
    m_xTitle = x;
    m_yTitle = y;
    refresh();
}

void RunsScatterView::setPointsName(const QString& name)
{
    m_points->setName(name);
}

void RunsScatterView::setGoals(Goal x, Goal y)
{
    m_gx = x;
    m_gy = y;
    refresh();
}

void RunsScatterView::setNote(const QString& note)
{
    m_note = note;
    refresh();
}

bool RunsScatterView::drawn(int i) const
{
    return i >= 0 && i < int(m_names.size()) && std::isfinite(m_x[std::size_t(i)]) &&
           std::isfinite(m_y[std::size_t(i)]);
}

void RunsScatterView::refresh()
{
    m_front = paretoFront(m_x, m_y, m_gx, m_gy);
    QList<QPointF> pts, frontPts, line;
    double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
    for (int i = 0; i < int(m_names.size()); ++i)
        if (drawn(i)) {
            const double x = m_x[std::size_t(i)], y = m_y[std::size_t(i)];
            pts << QPointF(x, y);
            x0 = std::min(x0, x);
            x1 = std::max(x1, x);
            y0 = std::min(y0, y);
            y1 = std::max(y1, y);
        }
    // The front as the edge of what it dominates: between two of its points,
    // a corner at the worse of each coordinate.
    for (std::size_t k = 0; k < m_front.size(); ++k) {
        const QPointF p(m_x[m_front[k]], m_y[m_front[k]]);
        if (k > 0) {
            const QPointF q = line.back();
            line << QPointF(worse(q.x(), p.x(), m_gx), worse(q.y(), p.y(), m_gy));
        }
        line << p;
        frontPts << p;
    }
    m_points->replace(pts);
    m_frontPoints->replace(frontPts);
    m_frontLine->replace(line);
    if (!std::isfinite(x0)) {
        x0 = y0 = 0.0;
        x1 = y1 = 1.0;
    }
    // A margin so that the points at the ends are drawn whole.
    const double px = x1 > x0 ? 0.05 * (x1 - x0) : std::max(1e-3, 0.05 * std::abs(x0));
    const double py = y1 > y0 ? 0.05 * (y1 - y0) : std::max(1e-3, 0.05 * std::abs(y0));
    setFittedRange(m_chart, m_axisX, x0 - px, x1 + px, false, 7);
    setNiceRange(m_axisY, y0 - py, y1 + py);
    m_axisX->setTitleText(
        m_xTitle.isEmpty() ? QString() : m_xTitle + QStringLiteral(" (%1)").arg(goalText(m_gx)));
    m_axisY->setTitleText(
        m_yTitle.isEmpty() ? QString() : m_yTitle + QStringLiteral(" (%1)").arg(goalText(m_gy)));
    m_chart->setTitle(m_note);
}

QList<QPointF> RunsScatterView::frontLine() const
{
    return m_frontLine->points();
}

QList<QPointF> RunsScatterView::plottedPoints() const
{
    return m_points->points();
}

std::optional<QPoint> RunsScatterView::pointPosition(int i) const
{
    if (!drawn(i))
        return std::nullopt;
    const QPointF c =
        m_chart->mapToPosition(QPointF(m_x[std::size_t(i)], m_y[std::size_t(i)]), m_points);
    return mapFromScene(m_chart->mapToScene(c));
}

int RunsScatterView::pointAt(const QPoint& pos) const
{
    int best = -1;
    double bestDist = kPickRadiusPx;
    for (int i = 0; i < int(m_names.size()); ++i)
        if (const auto p = pointPosition(i)) {
            const QPointF d = QPointF(*p) - QPointF(pos);
            const double dist = std::hypot(d.x(), d.y());
            if (dist <= bestDist) {
                bestDist = dist;
                best = i;
            }
        }
    return best;
}

QString RunsScatterView::hoverText(int i) const
{
    if (i < 0 || i >= int(m_names.size()))
        return {};
    const bool onFront = std::find(m_front.begin(), m_front.end(), std::size_t(i)) != m_front.end();
    return QStringLiteral("<b>%1</b><br>%2 = %3<br>%4 = %5%6")
        .arg(m_names[i].toHtmlEscaped(), m_xTitle.toHtmlEscaped())
        .arg(m_x[std::size_t(i)], 0, 'g', 6)
        .arg(m_yTitle.toHtmlEscaped())
        .arg(m_y[std::size_t(i)], 0, 'g', 6)
        .arg(onFront ? tr("<br>on the Pareto front") : QString());
}

std::string RunsScatterView::csv() const
{
    QString out = QStringLiteral("name,%1,%2,on_pareto_front\n")
                      .arg(csvField(m_xTitle.isEmpty() ? QStringLiteral("x") : m_xTitle),
                           csvField(m_yTitle.isEmpty() ? QStringLiteral("y") : m_yTitle));
    for (int i = 0; i < int(m_names.size()); ++i) {
        const bool onFront =
            std::find(m_front.begin(), m_front.end(), std::size_t(i)) != m_front.end();
        out += QStringLiteral("%1,%2,%3,%4\n")
                   .arg(csvField(m_names[i]))
                   .arg(m_x[std::size_t(i)], 0, 'g', 17)
                   .arg(m_y[std::size_t(i)], 0, 'g', 17)
                   .arg(onFront ? 1 : 0);
    }
    return out.toStdString();
}

void RunsScatterView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton) {
        const int i = pointAt(event->position().toPoint());
        if (i >= 0) {
            emit pointClicked(i);
            event->accept();
            return;
        }
    }
    QChartView::mousePressEvent(event);
}

void RunsScatterView::mouseMoveEvent(QMouseEvent* event)
{
    const int i = pointAt(event->position().toPoint());
    if (i >= 0)
        QToolTip::showText(event->globalPosition().toPoint(), hoverText(i), this);
    else
        QToolTip::hideText();
    QChartView::mouseMoveEvent(event);
}

} // namespace rnnloss
