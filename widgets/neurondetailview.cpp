#include "neurondetailview.h"

#include "chartlegend.h"
#include "chartutil.h"

#include <QCheckBox>
#include <QComboBox>
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
    // Names in full under the plot, wrapped into rows: beside it, eight lines
    // of "context=1 · choice=0" took a third of the chart's width.
    m_psthLegend = new ChartLegend(m_psthChart);
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
    m_bandBox = new QComboBox(this);
    m_bandBox->addItem(tr("mean ± SD"), static_cast<int>(PsthBand::Sd));
    m_bandBox->addItem(tr("mean ± SEM"), static_cast<int>(PsthBand::Sem));
    m_bandBox->addItem(tr("10–90 % of trials"), static_cast<int>(PsthBand::Quantiles));
    m_bandBox->setToolTip(tr("The band around a single neuron's PSTH: the spread of the trials "
                             "(SD, or the 10–90 % quantiles) or the uncertainty of the mean (SEM)"));
    connect(m_bandBox, &QComboBox::activated, this, [this](int i) {
        m_bandKind = static_cast<PsthBand>(m_bandBox->itemData(i).toInt());
        redrawPsths();
        emit bandChanged(m_bandKind);
    });
    auto* head = new QHBoxLayout;
    head->addWidget(m_title, 1);
    head->addWidget(m_bandBox);
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
    // An empty outline still drew a line up the y axis from (0, 0) to (0, 1).
    m_histArea->setVisible(!h.counts.empty());
    if (h.counts.empty()) {
        setStepOutline(m_histUpper, h, 0.0);
        m_histChart->setTitle(m_neuron < 0 ? tr("Rate histogram: select a neuron in the table")
                                           : tr("Rate histogram: no finite samples"));
        setFittedRange(m_histChart, m_histX, 0.0, 1.0, false, 6);
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
        setFittedRange(m_histChart, m_histX, c - half, c + half, false, 5);
        setCountRange(m_histY, maxCount, 5);
        m_histChart->setTitle(
            (m_neuron >= 0 ? tr("Neuron %1's rate histogram").arg(m_neuron) : tr("Rate histogram")) +
            tr(": every sample = %1").arg(QString::number(c, 'g', 4)));
        return;
    }
    setStepOutline(m_histUpper, h, 0.0);
    m_histChart->setTitle(m_neuron >= 0 ? tr("Rate histogram of neuron %1").arg(m_neuron)
                                        : tr("Rate histogram"));
    setFittedRange(m_histChart, m_histX, h.lo, h.hi(), false, 6);
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
    m_lastTraces = traces;
    m_lastPopulation = population;
    m_lastDtMs = dtMs;
    m_lastByLabel = byLabel;
    redrawPsths();
}

void NeuronDetailView::setBand(PsthBand band)
{
    m_bandKind = band;
    {
        const QSignalBlocker block(m_bandBox);
        m_bandBox->setCurrentIndex(m_bandBox->findData(static_cast<int>(band)));
    }
    redrawPsths();
}

void NeuronDetailView::setValueRange(double lo, double hi)
{
    m_valueLo = std::isnan(lo) ? -std::numeric_limits<double>::infinity() : lo;
    m_valueHi = std::isnan(hi) ? std::numeric_limits<double>::infinity() : hi;
    redrawPsths();
}

QList<QPointF> NeuronDetailView::bandLower() const
{
    return m_bandLower->points();
}

QList<QPointF> NeuronDetailView::bandUpper() const
{
    return m_bandUpper->points();
}

bool NeuronDetailView::bandOf(const PsthTrace& t, double dt, QList<QPointF>* lower,
                              QList<QPointF>* upper, QString* why) const
{
    const Psth& p = t.psth;
    const std::size_t n = p.mean.size();
    if (m_bandKind == PsthBand::Sem && t.trials < 2) {
        *why = tr("no SEM band: the number of trials is not known (or is 1)");
        return false;
    }
    if (m_bandKind == PsthBand::Quantiles && (t.q10.size() != n || t.q90.size() != n)) {
        *why = tr("no 10–90 % band: the quantiles across trials were not given");
        return false;
    }
    if (m_bandKind != PsthBand::Quantiles && p.sd.size() != n) {
        *why = tr("no band: no SD across trials");
        return false;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const double m = p.mean[i];
        if (!std::isfinite(m))
            continue;
        double lo = m, hi = m;
        if (m_bandKind == PsthBand::Quantiles) {
            lo = t.q10[i];
            hi = t.q90[i];
        } else {
            const double sd = std::isfinite(p.sd[i]) ? p.sd[i] : 0.0;
            // Psth::sd is the population SD (÷B); the SEM is the sample SD
            // (÷(B−1)) over √B, which is sd / √(B−1).
            const double half =
                m_bandKind == PsthBand::Sem ? sd / std::sqrt(double(t.trials - 1)) : sd;
            lo = m - half;
            hi = m + half;
        }
        if (!std::isfinite(lo) || !std::isfinite(hi))
            continue;
        // A band never leaves the range the rates can take (relu: below 0).
        lower->append(QPointF(timeOf(i, dt), std::clamp(lo, m_valueLo, m_valueHi)));
        upper->append(QPointF(timeOf(i, dt), std::clamp(hi, m_valueLo, m_valueHi)));
    }
    return !lower->isEmpty();
}

void NeuronDetailView::redrawPsths()
{
    const QList<PsthTrace>& traces = m_lastTraces;
    const Psth& population = m_lastPopulation;
    const bool ms = m_lastDtMs > 0.0 && std::isfinite(m_lastDtMs);
    const double dt = ms ? m_lastDtMs : 1.0;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    double tLo = lo, tHi = -lo;
    auto grow = [&](const QPointF& p) {
        lo = std::min(lo, p.y());
        hi = std::max(hi, p.y());
        tLo = std::min(tLo, p.x());
        tHi = std::max(tHi, p.x());
    };
    auto points = [&](const std::vector<double>& v) {
        QList<QPointF> pts;
        pts.reserve(static_cast<qsizetype>(v.size()));
        for (std::size_t t = 0; t < v.size(); ++t)
            if (std::isfinite(v[t])) {
                pts.append(QPointF(timeOf(t, dt), v[t]));
                grow(pts.back());
            }
        return pts;
    };

    m_traceCount = 0;
    for (int i = 0; i < kMaxPsthTraces; ++i) {
        QList<QPointF> pts;
        if (i < traces.size())
            pts = points(traces[i].psth.mean);
        m_traces[i]->replace(pts);
        m_traces[i]->setName(i < traces.size() ? traces[i].name : QString());
        m_traces[i]->setVisible(!pts.isEmpty());
        m_traceCount += pts.isEmpty() ? 0 : 1;
    }
    const QList<QPointF> pop = points(population.mean);
    m_population->replace(pop);
    m_population->setVisible(!pop.isEmpty());

    // The band only for a single line: eight bands over each other hide the lines.
    QList<QPointF> upper, lower;
    QString noBand;
    bool clipped = false, clippedLo = false, clippedHi = false;
    if (traces.size() == 1 && bandOf(traces.front(), dt, &lower, &upper, &noBand)) {
        for (const QList<QPointF>* edge : {&lower, &upper})
            for (const QPointF& p : *edge) {
                grow(p);
                clippedLo = clippedLo || p.y() == m_valueLo;
                clippedHi = clippedHi || p.y() == m_valueHi;
            }
        clipped = clippedLo || clippedHi;
    }
    const QString clippedAt =
        clippedLo && clippedHi
            ? QStringLiteral("%1 and %2").arg(m_valueLo, 0, 'g', 4).arg(m_valueHi, 0, 'g', 4)
            : QString::number(clippedLo ? m_valueLo : m_valueHi, 'g', 4);
    m_bandUpper->replace(upper);
    m_bandLower->replace(lower);
    m_band->setVisible(!upper.isEmpty());
    updatePsthLegend();

    m_timeAxis->setTitleText(ms ? tr("time (ms)") : tr("time step"));
    if (m_traceCount == 0 && pop.isEmpty()) {
        m_psthChart->setTitle(m_neuron < 0 && traces.isEmpty()
                                  ? tr("PSTH: select a neuron in the table")
                                  : tr("PSTH: no data"));
        setFittedRange(m_psthChart, m_timeAxis, 0.0, 1.0, false, 6);
        setNiceRange(m_rateAxis, 0.0, 1.0);
        return;
    }
    m_psthChart->setTitle(psthTitleFor(upper.isEmpty() ? noBand : QString(),
                                       clipped ? clippedAt : QString()));
    setFittedRange(m_psthChart, m_timeAxis, tLo, std::max(tLo + dt, tHi), true, 7);
    setNiceRange(m_rateAxis, lo, hi, 6);
}

QString NeuronDetailView::psthTitleFor(const QString& noBand, const QString& clippedAt) const
{
    // The exported chart stands alone: its title names the neuron and the band.
    const QList<PsthTrace>& traces = m_lastTraces;
    const QString who = m_neuron >= 0 && (traces.size() == 1 || m_lastByLabel)
                            ? tr(" of neuron %1").arg(m_neuron)
                            : QString();
    QString title;
    if (traces.size() == 1) {
        // Short: the exported chart's title must not be cut.
        QString band = m_bandKind == PsthBand::Sd    ? tr("mean ± SD of trials")
                       : m_bandKind == PsthBand::Sem ? tr("mean ± SEM, %1 trials")
                                                           .arg(traces.front().trials)
                                                     : tr("mean, 10–90 % of trials");
        if (!clippedAt.isEmpty() && m_bandKind != PsthBand::Quantiles)
            band = (m_bandKind == PsthBand::Sd ? tr("mean ± SD") : tr("mean ± SEM")) +
                   tr(", clipped at %1").arg(clippedAt);
        title = !noBand.isEmpty() ? tr("PSTH%1 (mean; %2)").arg(who, noBand)
                                  : tr("PSTH%1 (%2)").arg(who, band);
    } else {
        title = m_lastByLabel ? tr("PSTH%1 by trial label").arg(who)
                              : tr("PSTH (mean across trials)");
    }
    if (traces.size() > kMaxPsthTraces)
        title += tr(", first %1 of %2").arg(kMaxPsthTraces).arg(traces.size());
    return title;
}

void NeuronDetailView::updatePsthLegend()
{
    QList<ChartLegend::Entry> entries;
    for (QLineSeries* line : m_traces)
        if (line->isVisible())
            entries.append({line->name(), line->pen(), {}, false});
    if (m_population->isVisible())
        entries.append({m_population->name(), m_population->pen(), {}, false});
    if (m_band->isVisible()) {
        const QString name = m_bandKind == PsthBand::Sd    ? tr("± SD")
                             : m_bandKind == PsthBand::Sem ? tr("± SEM")
                                                       : tr("10–90 %");
        entries.append({name, Qt::NoPen, m_band->brush(), true});
    }
    m_psthLegend->setEntries(entries);
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
