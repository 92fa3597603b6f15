#include "sweepview.h"

#include "chartutil.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace rnnloss {

namespace {



} // namespace

SweepView::SweepView(QWidget* parent) : QWidget(parent)
{
    m_termBox = new QComboBox;
    for (Term t : kAllTerms)
        m_termBox->addItem(QStringLiteral("λ_%1").arg(qs(termKey(t))), index(t));
    m_termBox->setCurrentIndex(index(m_term));
    m_message = new QLabel;
    m_message->setWordWrap(true);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Sweep")));
    top->addWidget(m_termBox);
    top->addWidget(m_message, 1);

    m_chart = new QChart;
    styleChart(m_chart);
    m_view = new QChartView(m_chart);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumSize(360, 240);

    m_x = new QLogValueAxis(m_chart);
    m_x->setBase(10.0);
    m_x->setLabelFormat("%g");
    m_x->setMinorGridLineColor(QColor(0xee, 0xee, 0xee));
    m_yTotal = new QLogValueAxis(m_chart);
    m_yTotal->setBase(10.0);
    m_yTotal->setTitleText(tr("total (log)"));
    m_yTotal->setLabelFormat("%g");
    m_yShare = new QValueAxis(m_chart);
    m_yShare->setRange(0.0, 100.0);
    m_yShare->setTitleText(tr("share of the total (%)"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_yTotal, Qt::AlignLeft);
    m_chart->addAxis(m_yShare, Qt::AlignRight);

    for (int i = 0; i < kTermCount; ++i) {
        auto* s = new QLineSeries(m_chart);
        s->setName(tr("share %1").arg(qs(termKey(kAllTerms[i]))));
        s->setPen(QPen(termColor(i), 1.6));
        m_chart->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_yShare);
        m_shares << s;
    }
    m_total = new QLineSeries(m_chart);
    m_total->setName(tr("total"));
    m_total->setPen(QPen(QColor(0x20, 0x20, 0x20), 2.6));
    m_chart->addSeries(m_total);
    m_total->attachAxis(m_x);
    m_total->attachAxis(m_yTotal);
    m_marker = new QLineSeries(m_chart);
    m_marker->setName(tr("current λ"));
    m_marker->setPen(QPen(QColor(0xd0, 0x20, 0x20), 1.4, Qt::DashLine));
    m_chart->addSeries(m_marker);
    m_marker->attachAxis(m_x);
    m_marker->attachAxis(m_yShare);
    m_chart->legend()->setAlignment(Qt::AlignTop);

    // What the sweep is, where it is read: the curves are this recording's
    // terms reweighted, not the loss a network trained with that λ would reach.
    auto* what = new QLabel(tr("Rescales the terms of this recording; it does not predict what "
                               "training with that λ would give."));
    what->setObjectName(QStringLiteral("sweepExplanation"));
    what->setWordWrap(true);
    what->setContentsMargins(4, 0, 4, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(what);
    layout->addWidget(m_view, 1);

    connect(m_termBox, &QComboBox::currentIndexChanged, this,
            [this](int i) { setTerm(kAllTerms[std::size_t(std::clamp(i, 0, kTermCount - 1))]); });
    refresh();
}

void SweepView::setValues(const std::optional<TermValues>& values)
{
    setRecordings({}, {values});
}

void SweepView::setRecordings(const QStringList& names,
                              const std::vector<std::optional<TermValues>>& values)
{
    m_names = names;
    m_all = values;
    m_values = values.empty() ? std::nullopt : values.front();
    refresh();
}

void SweepView::showEvent(QShowEvent* event)
{
    if (m_linesStale)
        refresh();
    QWidget::showEvent(event);
}

QList<QPointF> SweepView::totalPoints(int recording) const
{
    return recording >= 0 && recording < int(m_totals.size()) ? m_totals[recording]->points()
                                                              : QList<QPointF>{};
}

void SweepView::setTotalLines(int n)
{
    while (int(m_totals.size()) < n) {
        auto* s = new QLineSeries(m_chart);
        s->setPen(QPen(distinctColor(int(m_totals.size())), 1.8));
        m_chart->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_yTotal);
        m_totals << s;
    }
    while (int(m_totals.size()) > n) {
        QLineSeries* s = m_totals.takeLast();
        m_chart->removeSeries(s);
        delete s;
    }
}

QString SweepView::refreshMany(const std::vector<double>& grid, double& lo, double& hi)
{
    const int n = int(m_all.size());
    // Hidden, a hundred runs' lines are not redrawn at every lambda change:
    // their sweeps are computed (cheap), the lines when the view is shown.
    m_linesStale = !isVisible();
    if (!m_linesStale)
        setTotalLines(n);
    m_sweeps.assign(std::size_t(n), SweepResult{m_term, {}, {}});
    int refused = 0;
    for (int i = 0; i < n; ++i) {
        SweepResult& r = m_sweeps[std::size_t(i)];
        if (m_all[std::size_t(i)])
            r = sweepLambda(*m_all[std::size_t(i)], m_lambdas, m_term, grid);
        else
            r.error = tr("its terms are being computed").toStdString();
        refused += !r.error.empty();
        if (m_linesStale)
            continue;
        QList<QPointF> total;
        for (const SweepPoint& p : r.points)
            if (std::isfinite(p.total) && p.total > 0.0) {
                total << QPointF(p.lambda, p.total);
                lo = std::min(lo, p.total);
                hi = std::max(hi, p.total);
            }
        m_totals[i]->setName(m_names.value(i));
        m_totals[i]->replace(total);
        // A legend of a hundred runs would hide the chart.
        for (QLegendMarker* m : m_chart->legend()->markers(m_totals[i]))
            m->setVisible(n <= kDistinctColors);
    }
    QString text = tr("The total of each of %n recordings", nullptr, n);
    const auto refusedOne = std::find_if(m_sweeps.begin(), m_sweeps.end(),
                                         [](const SweepResult& r) { return !r.error.empty(); });
    if (refusedOne != m_sweeps.end())
        text += tr(" (%1 without a total: %2)")
                    .arg(refused)
                    .arg(QString::fromStdString(refusedOne->error));
    return text;
}

void SweepView::setLambdas(const TermArray& lambdas)
{
    m_lambdas = lambdas;
    refresh();
}

void SweepView::setRange(double from, double to, int points)
{
    m_from = from;
    m_to = to;
    m_points = points;
    refresh();
}

void SweepView::setTerm(Term term)
{
    if (term == m_term)
        return;
    m_term = term;
    m_termBox->setCurrentIndex(index(term));
    refresh();
    emit termChanged(term);
}

QList<QPointF> SweepView::sharePoints(Term term) const
{
    return m_shares[index(term)]->points();
}

QList<QPointF> SweepView::totalPoints() const
{
    return m_total->points();
}

void SweepView::refresh()
{
    m_sweep = SweepResult{m_term, {}, {}};
    m_x->setTitleText(tr("λ_%1 (log)").arg(qs(termKey(m_term))));
    const bool many = m_all.size() > 1;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    QString manyText;
    if (many) {
        manyText = refreshMany(logGrid(m_from, m_to, m_points), lo, hi);
        m_sweep.error = tr("Several recordings").toStdString(); // no one sweep
    } else {
        setTotalLines(0);
        m_sweeps.clear();
        if (m_values)
            m_sweep = sweepLambda(*m_values, m_lambdas, m_term, logGrid(m_from, m_to, m_points));
        else
            m_sweep.error = tr("No recording").toStdString();
    }
    const double current = m_lambdas[index(m_term)];
    m_marked = current >= m_from && current <= m_to ? std::optional<double>(current) : std::nullopt;
    const QString now = tr("λ_%1 = %2 now").arg(qs(termKey(m_term))).arg(current, 0, 'g', 4);
    if (many)
        m_message->setText(manyText + QStringLiteral("; ") + now);
    else if (!m_sweep.error.empty())
        m_message->setText(QString::fromStdString(m_sweep.error));
    else if (!m_marked)
        m_message->setText(
            current == 0.0
                ? tr("λ_%1 is 0 now (off)").arg(qs(termKey(m_term)))
                : tr("λ_%1 = %2 is outside the range").arg(qs(termKey(m_term))).arg(current));
    else
        m_message->setText(now);

    QList<QPointF> total;
    std::array<QList<QPointF>, kTermCount> shares;
    for (const SweepPoint& p : m_sweep.points) {
        if (std::isfinite(p.total) && p.total > 0.0) {
            total << QPointF(p.lambda, p.total);
            lo = std::min(lo, p.total);
            hi = std::max(hi, p.total);
        }
        for (int i = 0; i < kTermCount; ++i)
            if (p.shares[std::size_t(i)])
                shares[std::size_t(i)] << QPointF(p.lambda, 100.0 * *p.shares[std::size_t(i)]);
    }
    m_total->replace(total);
    m_total->setVisible(!many);
    for (QLegendMarker* m : m_chart->legend()->markers(m_total))
        m->setVisible(!many);
    for (int i = 0; i < kTermCount; ++i) {
        // Terms that weigh nothing at every point would lie on 0: leave them
        // out; with several recordings all (a share would be one's).
        const bool shown = !many && (i == index(m_term) || m_lambdas[std::size_t(i)] != 0.0);
        m_shares[i]->replace(shown ? shares[std::size_t(i)] : QList<QPointF>{});
        m_shares[i]->setVisible(shown);
        for (QLegendMarker* m : m_chart->legend()->markers(m_shares[i]))
            m->setVisible(shown);
    }
    m_marker->replace(m_marked ? QList<QPointF>{{*m_marked, 0.0}, {*m_marked, 100.0}}
                               : QList<QPointF>{});
    setLogRange(m_x, m_from, m_to); // 1e-6 labelled, not only 1e-5 up
    if (std::isfinite(lo))
        setDecadeRange(m_yTotal, lo, hi);
    else
        setLogRange(m_yTotal, 1e-3, 1.0);
}

} // namespace rnnloss
