#include "neurondetailview.h"

#include "chartutil.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
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
    m_histView->setMinimumSize(220, 150);

    // PSTH: the band first so that the lines are drawn over it.
    m_psthChart = new QChart;
    styleChart(m_psthChart);
    m_bandUpper = new QLineSeries(m_psthChart);
    m_bandLower = new QLineSeries(m_psthChart);
    m_band = new QAreaSeries(m_bandUpper, m_bandLower);
    m_band->setName(tr("± SD"));
    m_band->setColor(QColor(0x4c, 0x72, 0xb0, 70));
    m_band->setBorderColor(Qt::transparent);
    m_psthChart->addSeries(m_band);
    // Colour-blind-safe, distinct from the grey dashed population mean.
    static const QColor palette[kMaxPsthTraces] = {
        QColor(0x2a, 0x4d, 0x8a), QColor(0xdd, 0x84, 0x52), QColor(0x55, 0xa8, 0x68),
        QColor(0xc4, 0x4e, 0x52), QColor(0x81, 0x72, 0xb3), QColor(0x93, 0x78, 0x60),
        QColor(0xda, 0x8b, 0xc3), QColor(0x8c, 0x8c, 0x00)};
    for (int i = 0; i < kMaxPsthTraces; ++i) {
        auto* line = new QLineSeries(m_psthChart);
        QPen pen(palette[i]);
        pen.setWidthF(1.8);
        line->setPen(pen);
        m_psthChart->addSeries(line);
        m_traces << line;
    }
    m_population = new QLineSeries(m_psthChart);
    m_population->setName(tr("population mean"));
    QPen popPen(QColor(0x44, 0x44, 0x44));
    popPen.setWidthF(1.5);
    popPen.setStyle(Qt::DashLine);
    m_population->setPen(popPen);
    m_psthChart->addSeries(m_population);
    m_timeAxis = new QValueAxis(m_psthChart);
    m_timeAxis->setTitleText(tr("time step"));
    m_timeAxis->setLabelsFont(axisFont);
    m_rateAxis = new QValueAxis(m_psthChart);
    m_rateAxis->setTitleText(tr("rate"));
    m_rateAxis->setLabelsFont(axisFont);
    m_psthChart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_psthChart->addAxis(m_rateAxis, Qt::AlignLeft);
    for (QAbstractSeries* s : m_psthChart->series()) {
        s->attachAxis(m_timeAxis);
        s->attachAxis(m_rateAxis);
    }
    m_psthChart->legend()->setAlignment(Qt::AlignTop);
    m_psthView = new QChartView(m_psthChart, this);
    m_psthView->setRenderHint(QPainter::Antialiasing);
    m_psthView->setMinimumSize(220, 150);

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
    m_split = new QCheckBox(tr("Split by trial label"), this);
    m_split->setToolTip(tr("One PSTH line per trial label (condition) of the selected neuron"));
    m_split->hide();
    connect(m_split, &QCheckBox::toggled, this, &NeuronDetailView::splitByLabelChanged);
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setContentsMargins(6, 0, 6, 2);
    m_note->hide();
    auto* head = new QHBoxLayout;
    head->addWidget(m_title, 1);
    head->addWidget(m_split);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(head);
    layout->addLayout(charts, 1);
    layout->addWidget(m_note);

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
    setNeuron(-1);
    setHistogram(Histogram{});
    setPsths({});
}

void NeuronDetailView::setPsthSteps(std::vector<std::int64_t> steps)
{
    m_steps = std::move(steps);
}

double NeuronDetailView::timeOf(std::size_t point, double dt) const
{
    const double step = point < m_steps.size() ? static_cast<double>(m_steps[point])
                                                : static_cast<double>(point);
    return step * dt;
}

void NeuronDetailView::setSplitAvailable(bool available)
{
    m_splitAvailable = available;
    m_split->setVisible(available);
}

bool NeuronDetailView::splitByLabel() const
{
    return m_splitAvailable && m_split->isChecked();
}

void NeuronDetailView::setSplitByLabel(bool on)
{
    const QSignalBlocker block(m_split);
    m_split->setChecked(on);
}

void NeuronDetailView::setNote(const QString& note)
{
    m_note->setText(note);
    m_note->setVisible(!note.isEmpty());
}

QString NeuronDetailView::note() const
{
    return m_note->text();
}

void NeuronDetailView::setHistogram(const Histogram& h)
{
    if (h.counts.empty()) {
        setStepOutline(m_histUpper, h, 0.0);
        m_histChart->setTitle(m_neuron < 0 ? tr("Rate histogram: select a neuron in the table")
                                           : tr("Rate histogram: no finite samples"));
        setNiceRange(m_histX, 0.0, 1.0);
        setCountRange(m_histY, 1.0);
        return;
    }
    double maxCount = 0.0;
    int occupied = 0;
    for (double c : h.counts) {
        maxCount = std::max(maxCount, c);
        occupied += c > 0.0 ? 1 : 0;
    }
    // Every sample in one tiny bin, e.g. a silent neuron: a range of a few
    // 1e-10 prints labels Qt cuts to "0.0…". Centre a readable range on the
    // value and draw the bin as a narrow bar.
    if (occupied == 1 && h.hi() - h.lo < 1e-6 * std::max(1.0, std::abs(h.lo))) {
        int bin = 0;
        while (h.counts[bin] == 0.0)
            ++bin;
        const double binLo = h.lo + bin * h.width;
        // A bin that holds 0 stands for 0: a silent neuron reads "= 0".
        const double c = binLo <= 0.0 && 0.0 < binLo + h.width ? 0.0 : binLo + 0.5 * h.width;
        const double half = c == 0.0 ? 1.0 : 0.5 * std::abs(c);
        setStepOutline(m_histUpper, Histogram{c - half / 40.0, half / 20.0, {h.counts[bin]}}, 0.0);
        setNiceRange(m_histX, c - half, c + half, 5);
        setCountRange(m_histY, maxCount, 5);
        m_histChart->setTitle(
            (m_neuron >= 0 ? tr("Neuron %1's rate histogram").arg(m_neuron) : tr("Rate histogram")) +
            tr(": every sample = %1").arg(QString::number(c, 'g', 4)));
        return;
    }
    setStepOutline(m_histUpper, h, 0.0);
    m_histChart->setTitle(m_neuron >= 0 ? tr("Rate histogram of neuron %1").arg(m_neuron)
                                        : tr("Rate histogram"));
    setNiceRange(m_histX, h.lo, h.hi(), 6);
    setCountRange(m_histY, maxCount, 5);
}

void NeuronDetailView::setPsth(const Psth& p, double dt)
{
    const QString name = m_neuron >= 0 ? tr("n%1").arg(m_neuron) : tr("mean");
    setPsths({PsthTrace{name, p}}, {}, dt > 0.0 && dt != 1.0 ? dt : 0.0);
}

void NeuronDetailView::setPsths(const QList<PsthTrace>& traces, const Psth& population, double dtMs,
                                bool byLabel)
{
    const bool ms = dtMs > 0.0 && std::isfinite(dtMs);
    const double dt = ms ? dtMs : 1.0;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    double tLo = lo, tHi = -lo;
    auto points = [&](const std::vector<double>& v) {
        QList<QPointF> pts;
        pts.reserve(static_cast<qsizetype>(v.size()));
        for (std::size_t t = 0; t < v.size(); ++t)
            if (std::isfinite(v[t])) {
                const double x = timeOf(t, dt);
                pts.append(QPointF(x, v[t]));
                lo = std::min(lo, v[t]);
                hi = std::max(hi, v[t]);
                tLo = std::min(tLo, x);
                tHi = std::max(tHi, x);
            }
        return pts;
    };

    m_traceCount = 0;
    for (int i = 0; i < kMaxPsthTraces; ++i) {
        QLineSeries* line = m_traces[i];
        QList<QPointF> pts;
        if (i < traces.size())
            pts = points(traces[i].psth.mean);
        line->replace(pts);
        line->setName(i < traces.size() ? traces[i].name : QString());
        m_traceCount += pts.isEmpty() ? 0 : 1;
        for (QLegendMarker* m : m_psthChart->legend()->markers(line))
            m->setVisible(!pts.isEmpty());
    }
    const QList<QPointF> pop = points(population.mean);
    m_population->replace(pop);
    for (QLegendMarker* m : m_psthChart->legend()->markers(m_population))
        m->setVisible(!pop.isEmpty());

    // The band only for a single line: eight bands over each other hide the lines.
    QList<QPointF> upper, lower;
    if (traces.size() == 1) {
        const Psth& p = traces.front().psth;
        const std::size_t n = std::min(p.mean.size(), p.sd.size());
        for (std::size_t t = 0; t < n; ++t) {
            const double m = p.mean[t];
            if (!std::isfinite(m))
                continue;
            const double sd = std::isfinite(p.sd[t]) ? p.sd[t] : 0.0;
            upper.append(QPointF(timeOf(t, dt), m + sd));
            lower.append(QPointF(timeOf(t, dt), m - sd));
            lo = std::min(lo, m - sd);
            hi = std::max(hi, m + sd);
        }
    }
    m_bandUpper->replace(upper);
    m_bandLower->replace(lower);
    for (QLegendMarker* m : m_psthChart->legend()->markers(m_band))
        m->setVisible(!upper.isEmpty());

    // More than two lines: the legend at the right, one line each, so that
    // names are not cut to "co…" by a row too narrow for them.
    m_psthChart->legend()->setAlignment(traces.size() + (population.mean.empty() ? 0 : 1) > 2
                                            ? Qt::AlignRight
                                            : Qt::AlignTop);
    m_timeAxis->setTitleText(ms ? tr("time (ms)") : tr("time step"));
    if (m_traceCount == 0 && pop.isEmpty()) {
        m_psthChart->setTitle(m_neuron < 0 && traces.isEmpty()
                                  ? tr("PSTH: select a neuron in the table")
                                  : tr("PSTH: no data"));
        setNiceRange(m_timeAxis, 0.0, 1.0);
        setNiceRange(m_rateAxis, 0.0, 1.0);
        return;
    }
    // The exported chart stands alone: its title names the neuron.
    const QString who = m_neuron >= 0 && (traces.size() == 1 || byLabel)
                            ? tr(" of neuron %1").arg(m_neuron)
                            : QString();
    QString title = traces.size() == 1 ? tr("PSTH%1 (mean ± SD across trials)").arg(who)
                    : byLabel          ? tr("PSTH%1 by trial label").arg(who)
                                       : tr("PSTH (mean across trials)");
    if (traces.size() > kMaxPsthTraces)
        title += tr(", first %1 of %2").arg(kMaxPsthTraces).arg(traces.size());
    m_psthChart->setTitle(title);
    setExactRangeNiceTicks(m_timeAxis, tLo, std::max(tLo + dt, tHi), 7);
    setNiceRange(m_rateAxis, lo, hi, 6);
}

QList<ExportableChart> NeuronDetailView::exportableCharts() const
{
    return {{QStringLiteral("neuron-histogram"), tr("Neuron rate histogram"), m_histView,
             m_histChart},
            {QStringLiteral("neuron-psth"), tr("PSTH"), m_psthView, m_psthChart}};
}

bool NeuronDetailView::showsPopulationMean() const
{
    return m_population->count() > 0;
}

QString NeuronDetailView::psthTimeAxisTitle() const
{
    return m_timeAxis->titleText();
}

QString NeuronDetailView::histogramTitle() const
{
    return m_histChart->title();
}

QString NeuronDetailView::psthTitle() const
{
    return m_psthChart->title();
}

} // namespace rnnloss
