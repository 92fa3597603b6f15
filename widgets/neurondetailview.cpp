#include "neurondetailview.h"

#include "chartutil.h"

#include <QLabel>
#include <QVBoxLayout>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace rnnloss {

NeuronDetailView::NeuronDetailView(QWidget* parent) : QWidget(parent)
{
    QFont axisFont = font();
    axisFont.setPointSizeF(9.0);

    // Rate histogram: a stepped outline over [lo, hi].
    m_histChart = new QChart;
    styleChart(m_histChart);
    m_histChart->legend()->setVisible(false);
    m_histChart->setTitle(tr("Rate histogram"));
    m_histUpper = new QLineSeries(m_histChart);
    m_histArea = new QAreaSeries(m_histUpper);
    m_histArea->setColor(QColor(0x9e, 0xb9, 0xd4));
    m_histArea->setBorderColor(QColor(0x4c, 0x72, 0xb0));
    m_histChart->addSeries(m_histArea);
    m_histX = new QValueAxis(m_histChart);
    m_histX->setTitleText(tr("rate"));
    m_histX->setLabelsFont(axisFont);
    m_histY = new QValueAxis(m_histChart);
    m_histY->setTitleText(tr("samples"));
    m_histY->setLabelsFont(axisFont);
    m_histChart->addAxis(m_histX, Qt::AlignBottom);
    m_histChart->addAxis(m_histY, Qt::AlignLeft);
    m_histArea->attachAxis(m_histX);
    m_histArea->attachAxis(m_histY);
    m_histView = new QChartView(m_histChart, this);
    m_histView->setRenderHint(QPainter::Antialiasing);
    m_histView->setMinimumSize(260, 160);

    // PSTH: the band first so that the mean is drawn over it.
    m_psthChart = new QChart;
    styleChart(m_psthChart);
    m_psthChart->setTitle(tr("PSTH (mean ± SD across trials)"));
    m_bandUpper = new QLineSeries(m_psthChart);
    m_bandLower = new QLineSeries(m_psthChart);
    m_band = new QAreaSeries(m_bandUpper, m_bandLower);
    m_band->setName(tr("± SD"));
    m_band->setColor(QColor(0x4c, 0x72, 0xb0, 70));
    m_band->setBorderColor(Qt::transparent);
    m_mean = new QLineSeries(m_psthChart);
    m_mean->setName(tr("mean"));
    QPen pen(QColor(0x2a, 0x4d, 0x8a));
    pen.setWidthF(1.8);
    m_mean->setPen(pen);
    m_psthChart->addSeries(m_band);
    m_psthChart->addSeries(m_mean);
    m_timeAxis = new QValueAxis(m_psthChart);
    m_timeAxis->setTitleText(tr("time step"));
    m_timeAxis->setLabelsFont(axisFont);
    m_rateAxis = new QValueAxis(m_psthChart);
    m_rateAxis->setTitleText(tr("rate"));
    m_rateAxis->setLabelsFont(axisFont);
    m_psthChart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_psthChart->addAxis(m_rateAxis, Qt::AlignLeft);
    for (QAbstractSeries* s :
         {static_cast<QAbstractSeries*>(m_band), static_cast<QAbstractSeries*>(m_mean)}) {
        s->attachAxis(m_timeAxis);
        s->attachAxis(m_rateAxis);
    }
    m_psthChart->legend()->setAlignment(Qt::AlignTop);
    m_psthView = new QChartView(m_psthChart, this);
    m_psthView->setRenderHint(QPainter::Antialiasing);
    m_psthView->setMinimumSize(260, 160);

    m_title = new QLabel(this);
    QFont tf = m_title->font();
    tf.setBold(true);
    tf.setPointSizeF(tf.pointSizeF() * 1.15);
    m_title->setFont(tf);
    m_title->setContentsMargins(6, 4, 6, 0);

    // Stacked, so that the neuron table beside this view keeps room for its
    // seven columns at the default window size.
    auto* charts = new QVBoxLayout;
    charts->addWidget(m_histView, 1);
    charts->addWidget(m_psthView, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addLayout(charts, 1);

    setNeuron(-1);
    clear();
}

void NeuronDetailView::setNeuron(int neuron)
{
    m_neuron = neuron;
    m_title->setText(neuron >= 0 ? tr("Neuron %1").arg(neuron) : tr("No neuron selected"));
}

void NeuronDetailView::clear()
{
    setHistogram(Histogram{});
    setPsth(Psth{}, m_dt);
}

void NeuronDetailView::setHistogram(const Histogram& h)
{
    setStepOutline(m_histUpper, h, 0.0);
    if (h.counts.empty()) {
        m_histChart->setTitle(tr("Rate histogram: no finite samples"));
        setNiceRange(m_histX, 0.0, 1.0);
        setCountRange(m_histY, 1.0);
        return;
    }
    m_histChart->setTitle(tr("Rate histogram"));
    double maxCount = 0.0;
    for (double c : h.counts)
        maxCount = std::max(maxCount, c);
    setNiceRange(m_histX, h.lo, h.hi(), 6);
    setCountRange(m_histY, maxCount, 5);
}

void NeuronDetailView::setPsth(const Psth& p, double dt)
{
    m_dt = dt > 0.0 && std::isfinite(dt) ? dt : 1.0;
    const int n = static_cast<int>(std::min(p.mean.size(), p.sd.size()));
    QList<QPointF> mean, upper, lower;
    mean.reserve(n);
    upper.reserve(n);
    lower.reserve(n);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (int t = 0; t < n; ++t) {
        const double x = t * m_dt;
        const double m = p.mean[t];
        const double s = std::isfinite(p.sd[t]) ? p.sd[t] : 0.0;
        if (!std::isfinite(m))
            continue;
        mean.append(QPointF(x, m));
        upper.append(QPointF(x, m + s));
        lower.append(QPointF(x, m - s));
        lo = std::min(lo, m - s);
        hi = std::max(hi, m + s);
    }
    m_mean->replace(mean);
    m_bandUpper->replace(upper);
    m_bandLower->replace(lower);
    m_timeAxis->setTitleText(m_dt == 1.0 ? tr("time step") : tr("time"));
    if (mean.isEmpty()) {
        m_psthChart->setTitle(tr("PSTH: no data"));
        setNiceRange(m_timeAxis, 0.0, 1.0);
        setNiceRange(m_rateAxis, 0.0, 1.0);
        return;
    }
    m_psthChart->setTitle(tr("PSTH (mean ± SD across trials)"));
    setExactRangeNiceTicks(m_timeAxis, 0.0, std::max(m_dt, (n - 1) * m_dt), 7);
    setNiceRange(m_rateAxis, lo, hi, 6);
}

QList<ExportableChart> NeuronDetailView::exportableCharts() const
{
    return {{QStringLiteral("neuron-histogram"), tr("Neuron rate histogram"), m_histView,
             m_histChart},
            {QStringLiteral("neuron-psth"), tr("PSTH"), m_psthView, m_psthChart}};
}

} // namespace rnnloss
