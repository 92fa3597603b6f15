#include "ratehistogramview.h"

#include "chartutil.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace rnnloss {

namespace {

// Counts on a log axis start here, so that empty bins sit on the floor.
constexpr double kLogFloor = 0.5;

QString fmt(double v)
{
    return QString::number(v, 'g', 4);
}

} // namespace

RateHistogramView::RateHistogramView(QWidget* parent) : QWidget(parent)
{
    m_chart = new QChart;
    styleChart(m_chart);
    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumSize(320, 220);

    QFont axisFont = m_chart->font();
    axisFont.setPointSizeF(9.0);

    m_binAxis = new QValueAxis(m_chart);
    m_binAxis->setVisible(false);
    m_rateAxis = new QValueAxis(m_chart);
    m_rateAxis->setTitleText(tr("mean rate per neuron (m_n)"));
    m_rateAxis->setLabelsFont(axisFont);
    m_countAxis = new QValueAxis(m_chart);
    m_countAxis->setTitleText(tr("neurons"));
    m_countAxis->setLabelsFont(axisFont);
    m_logCountAxis = new QLogValueAxis(this);
    m_logCountAxis->setTitleText(tr("neurons (log)"));
    m_logCountAxis->setLabelsFont(axisFont);
    m_logCountAxis->setLabelFormat(QStringLiteral("%g"));
    m_logCountAxis->setRange(kLogFloor, 10.0);
    m_logCountAxis->setMinorGridLineColor(QColor(0xee, 0xee, 0xee));
    m_chart->addAxis(m_binAxis, Qt::AlignBottom);
    m_chart->addAxis(m_rateAxis, Qt::AlignBottom);
    m_chart->addAxis(m_countAxis, Qt::AlignLeft);

    m_bars = new QBarSeries(m_chart);
    m_bars->setBarWidth(1.0);
    m_set = new QBarSet(tr("neurons"));
    m_set->setColor(QColor(0x9e, 0xb9, 0xd4));
    m_set->setBorderColor(QColor(0x4c, 0x72, 0xb0));
    m_bars->append(m_set);
    m_chart->addSeries(m_bars);
    m_bars->attachAxis(m_binAxis);
    m_bars->attachAxis(m_countAxis);
    // The highlighted neurons as an orange part of each bar, as tall as their
    // count: one selected of eleven is 1/11 of the bar, not a whole orange bar.
    m_selUpper = new QLineSeries(m_chart);
    m_selLower = new QLineSeries(m_chart);
    m_selArea = new QAreaSeries(m_selUpper, m_selLower);
    m_selArea->setName(tr("selected"));
    m_selArea->setColor(QColor(0xf0, 0x9a, 0x3e));
    m_selArea->setPen(Qt::NoPen); // a border would run along the floor under unselected bins
    m_chart->addSeries(m_selArea);
    m_selArea->attachAxis(m_rateAxis);
    m_selArea->attachAxis(m_countAxis);

    auto makeLine = [&](const QString& name, Qt::PenStyle style) {
        auto* s = new QLineSeries(m_chart);
        s->setName(name);
        QPen pen(QColor(0xc4, 0x4e, 0x52));
        pen.setWidthF(2.0);
        pen.setStyle(style);
        s->setPen(pen);
        m_chart->addSeries(s);
        s->attachAxis(m_rateAxis);
        s->attachAxis(m_countAxis);
        return s;
    };
    m_meanLine = makeLine(QStringLiteral("μ"), Qt::SolidLine);
    m_sdLow = makeLine(QStringLiteral("μ ± σ"), Qt::DashLine);
    m_sdHigh = makeLine(QStringLiteral("μ + σ"), Qt::DashLine);
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_chart->legend()->markers(m_sdHigh).first()->setVisible(false);
    m_chart->legend()->markers(m_selArea).first()->setVisible(false);

    connect(m_set, &QBarSet::clicked, this,
            [this](int bin) { emit binClicked(neuronsInBin(bin)); });
    connect(m_selArea, &QAreaSeries::clicked, this,
            [this](const QPointF& p) { emit binClicked(neuronsInBin(m_hist.binOf(p.x()))); });

    m_binSpin = new QSpinBox(this);
    m_binSpin->setRange(2, 200);
    m_binSpin->setValue(m_bins);
    m_binSpin->setToolTip(tr("Number of histogram bins"));
    m_logCheck = new QCheckBox(tr("log counts"), this);
    m_readout = new QLabel(this);
    m_readout->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* binsLabel = new QLabel(tr("bins"), this);
    binsLabel->setBuddy(m_binSpin);

    auto* controls = new QHBoxLayout;
    controls->setContentsMargins(6, 2, 6, 4);
    controls->addWidget(binsLabel);
    controls->addWidget(m_binSpin);
    controls->addWidget(m_logCheck);
    controls->addStretch(1);
    // The read-out on a line of its own, wrapping: it names what each number
    // is of, and beside the controls it would set the window's minimum width.
    m_readout->setWordWrap(true);
    m_readout->setContentsMargins(6, 0, 6, 0);
    m_readout->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_readout);
    layout->addLayout(controls);

    connect(m_binSpin, &QSpinBox::valueChanged, this, &RateHistogramView::setBinCount);
    connect(m_logCheck, &QCheckBox::toggled, this, &RateHistogramView::setLogCounts);

    rebuildHistogram();
    updateReadout();
}

void RateHistogramView::setData(const std::vector<double>& meanRates, const RateSpread& spread,
                                Convention c)
{
    m_rates = meanRates;
    m_spread = spread;
    m_convention = c;
    m_silent = static_cast<int>(std::count(m_rates.begin(), m_rates.end(), 0.0));
    rebuildHistogram();
    updateReadout();
}

void RateHistogramView::setBinCount(int bins)
{
    bins = std::clamp(bins, 2, 200);
    if (bins == m_bins)
        return;
    m_bins = bins;
    const QSignalBlocker block(m_binSpin);
    m_binSpin->setValue(bins);
    rebuildHistogram();
}

void RateHistogramView::setLogCounts(bool on)
{
    if (on == m_logCounts)
        return;
    m_logCounts = on;
    {
        const QSignalBlocker block(m_logCheck);
        m_logCheck->setChecked(on);
    }
    // 0 on a log axis warns: lift bars and lines to the floor before it comes in.
    if (on)
        rebuildHistogram();
    swapCountAxis();
    rebuildHistogram();
}

void RateHistogramView::swapCountAxis()
{
    QAbstractAxis* from = m_logCounts ? static_cast<QAbstractAxis*>(m_countAxis) : m_logCountAxis;
    QAbstractAxis* to = m_logCounts ? static_cast<QAbstractAxis*>(m_logCountAxis) : m_countAxis;
    for (QAbstractSeries* s : m_chart->series())
        s->detachAxis(from);
    m_chart->removeAxis(from);
    from->setParent(this); // released by the chart; reused on the next toggle
    m_chart->addAxis(to, Qt::AlignLeft);
    for (QAbstractSeries* s : m_chart->series())
        s->attachAxis(to);
}

void RateHistogramView::setHighlightedNeurons(const QVector<int>& neurons)
{
    m_highlighted = neurons;
    applyHighlight();
}

QVector<int> RateHistogramView::neuronsInBin(int bin) const
{
    QVector<int> out;
    if (bin < 0 || bin >= static_cast<int>(m_hist.counts.size()))
        return out; // binOf() is -1 for undefined rates: no bin holds them
    for (int n = 0; n < static_cast<int>(m_rates.size()); ++n)
        if (m_hist.binOf(m_rates[n]) == bin)
            out.append(n);
    return out;
}

void RateHistogramView::rebuildHistogram()
{
    m_hist = histogramOf(m_rates, m_bins);
    const int n = static_cast<int>(m_hist.counts.size());
    const double base = m_logCounts ? kLogFloor : 0.0;
    if (m_set->count() != n) {
        m_set->remove(0, m_set->count());
        QList<qreal> values;
        for (double c : m_hist.counts)
            values << std::max(c, base);
        m_set->append(values);
    } else {
        for (int i = 0; i < n; ++i) {
            const double v = std::max(m_hist.counts[i], base);
            if (m_set->at(i) != v)
                m_set->replace(i, v);
        }
    }
    updateRanges();
    applyHighlight();
}

void RateHistogramView::updateRanges()
{
    const int n = static_cast<int>(m_hist.counts.size());
    if (n == 0) {
        m_binAxis->setRange(-0.5, 0.5);
        m_rateAxis->setRange(0.0, 1.0);
        m_meanLine->clear();
        m_sdLow->clear();
        m_sdHigh->clear();
        m_chart->setTitle(tr("No finite mean rates"));
        return;
    }
    double maxCount = 0.0;
    for (double c : m_hist.counts)
        maxCount = std::max(maxCount, c);

    double yLo = 0.0, yHi = 1.0;
    if (m_logCounts) {
        setDecadeRange(m_logCountAxis, 1.0, std::max(1.0, maxCount));
        m_logCountAxis->setMin(kLogFloor);
        yLo = m_logCountAxis->min();
        yHi = m_logCountAxis->max();
    } else {
        setCountRange(m_countAxis, maxCount, 6);
        yLo = m_countAxis->min();
        yHi = m_countAxis->max();
    }

    // Widen the rate axis by whole bins so that mu +- sigma stay in view and
    // bins stay aligned with the hidden bin axis.
    const double mu = m_spread.mean;
    const double sd = m_spread.sd.value_or(std::nan(""));
    double xMin = m_hist.lo, xMax = m_hist.hi();
    for (double x : {mu, mu - sd, mu + sd})
        if (std::isfinite(x)) {
            xMin = std::min(xMin, x);
            xMax = std::max(xMax, x);
        }
    const double w = m_hist.width;
    // A tenth of a bin more on each side: an outer bar ending on the plot's
    // edge had its border clipped.
    const double padLo = std::min<double>(n, std::ceil((m_hist.lo - xMin) / w - 1e-9)) + 0.1;
    const double padHi = std::min<double>(n, std::ceil((xMax - m_hist.hi()) / w - 1e-9)) + 0.1;
    m_binAxis->setRange(-0.5 - padLo, n - 0.5 + padHi);
    setFittedRange(m_chart, m_rateAxis, m_hist.lo - padLo * w, m_hist.hi() + padHi * w, true, 7);

    auto vline = [&](QLineSeries* s, double x) {
        if (std::isfinite(x))
            s->replace(QList<QPointF>{QPointF(x, yLo), QPointF(x, yHi)});
        else
            s->clear();
    };
    vline(m_meanLine, mu);
    vline(m_sdLow, mu - sd);
    vline(m_sdHigh, mu + sd);
    QString title = tr("Mean rates of %1 neurons (%2)")
                        .arg(m_rates.size())
                        .arg(QString::fromUtf8(conventionName(m_convention).data()));
    if (m_silent > 0)
        title += tr(", %n silent (mean rate 0)", nullptr, m_silent);
    m_chart->setTitle(title);
}

void RateHistogramView::applyHighlight()
{
    const int n = static_cast<int>(m_hist.counts.size());
    std::vector<double> sel(n, 0.0);
    QVector<int> bins;
    QVector<int> seen = m_highlighted;
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (int neuron : seen) {
        if (neuron < 0 || neuron >= static_cast<int>(m_rates.size()))
            continue;
        const int b = m_hist.binOf(m_rates[neuron]);
        if (b < 0 || b >= n)
            continue;
        if (sel[b] == 0.0)
            bins.append(b);
        sel[b] += 1.0;
    }
    std::sort(bins.begin(), bins.end());
    m_highlightedBins = bins;
    m_selCounts = QList<double>(sel.begin(), sel.end());
    // On a log axis an empty part sits on the floor like an empty bin.
    Histogram part = m_hist;
    part.counts = sel;
    const double base = m_logCounts ? kLogFloor : 0.0;
    setStepOutline(m_selUpper, part, base);
    m_selLower->replace(n > 0 ? QList<QPointF>{QPointF(m_hist.lo, base), QPointF(m_hist.hi(), base)}
                              : QList<QPointF>{});
    m_selArea->setVisible(!bins.isEmpty());
    m_chart->legend()->markers(m_selArea).first()->setVisible(!bins.isEmpty());
}

QList<double> RateHistogramView::highlightedCounts() const
{
    return m_selCounts;
}

QString RateHistogramView::title() const
{
    return m_chart->title();
}

QString RateHistogramView::readoutText() const
{
    // Each number says what it is of: under nn4n the CV is of a_n = mean |r|,
    // not SD/μ of the m_n beside it (tanh: SD/μ = 10.2 next to CV = 0.175).
    const QString sd = m_spread.sd ? fmt(*m_spread.sd) : tr("undefined");
    const QString cv = m_spread.cv ? fmt(*m_spread.cv) : tr("undefined");
    QString s;
    if (m_convention == Convention::Nn4n)
        s = tr("m_n: μ = %1, sample SD = %2   CV of a_n = mean |r|: %3   (nn4n)")
                .arg(fmt(m_spread.mean), sd, cv);
    else
        s = tr("m_n: μ = %1, population SD = %2, CV = SD/μ = %3   (spec)")
                .arg(fmt(m_spread.mean), sd, cv);
    if (m_silent > 0)
        s += tr("   %n silent (m_n = 0)", nullptr, m_silent);
    return s;
}

void RateHistogramView::updateReadout()
{
    m_readout->setText(readoutText());
    const bool spec = m_convention == Convention::Spec;
    QString tip = tr("m_n = mean rate of neuron n over trials and time steps\n"
                     "a_n = mean of |r| of neuron n over trials and time steps\n\n");
    tip += (spec ? QStringLiteral("▶ ") : QStringLiteral("   ")) +
           tr("spec: SD = population SD (÷N) of m_n; CV = SD / mean of m_n\n");
    tip += (!spec ? QStringLiteral("▶ ") : QStringLiteral("   ")) +
           tr("nn4n: SD = sample SD (÷(N−1)) of m_n; CV = sample SD(a_n) / mean(a_n)\n\n");
    tip += tr("The lines mark μ and μ ± SD of the m_n in the convention in use.");
    if (m_silent > 0)
        tip += tr("\nSilent: %n neuron(s) with mean rate exactly 0.", nullptr, m_silent);
    m_readout->setToolTip(tip);
}

QList<ExportableChart> RateHistogramView::exportableCharts() const
{
    return {{QStringLiteral("rates"), tr("Firing-rate histogram"), m_view, m_chart}};
}

} // namespace rnnloss
