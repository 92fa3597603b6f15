#include "compareview.h"

#include "chartutil.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace rnnloss {

namespace {


QChartView* makeView(QChart* chart)
{
    styleChart(chart);
    auto* v = new QChartView(chart);
    v->setRenderHint(QPainter::Antialiasing);
    v->setMinimumSize(300, 190);
    return v;
}

QString number(double v)
{
    return std::isfinite(v) ? QString::number(v, 'g', 5) : QStringLiteral("—");
}

} // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent)
{
    m_boxA = new QComboBox;
    m_boxB = new QComboBox;
    m_ecdfBox = new QCheckBox(tr("ECDF"));
    auto* controls = new QHBoxLayout;
    controls->addWidget(m_ecdfBox);
    controls->addStretch(1);
    controls->addWidget(new QLabel(tr("Scatter: A")));
    controls->addWidget(m_boxA);
    controls->addWidget(new QLabel(tr("B")));
    controls->addWidget(m_boxB);

    m_distChart = new QChart;
    m_distView = makeView(m_distChart);
    m_distChart->setTitle(tr("Per-neuron mean rate"));
    m_barChart = new QChart;
    m_barView = makeView(m_barChart);
    m_barChart->setTitle(tr("Loss breakdown (λ · L)"));
    m_scatterChart = new QChart;
    m_scatterView = makeView(m_scatterChart);
    m_scatterChart->legend()->setVisible(false);
    m_scatter = new QScatterSeries(m_scatterChart);
    m_scatter->setMarkerSize(7);
    m_scatterChart->addSeries(m_scatter);
    auto* sx = new QValueAxis(m_scatterChart);
    auto* sy = new QValueAxis(m_scatterChart);
    m_scatterChart->addAxis(sx, Qt::AlignBottom);
    m_scatterChart->addAxis(sy, Qt::AlignLeft);
    m_scatter->attachAxis(sx);
    m_scatter->attachAxis(sy);
    m_scatterLabel = new QLabel;
    m_scatterLabel->setWordWrap(true);

    m_table = new QTableWidget(0, 5);
    m_table->setHorizontalHeaderLabels({tr("recording"), tr("N"), tr("μ"), tr("SD"), tr("CV")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeaderItem(3)->setToolTip(
        tr("SD of the per-neuron mean rates as L_fr_sd defines it under the convention "
           "(nn4n: sample SD, spec: population SD)"));
    m_table->horizontalHeaderItem(4)->setToolTip(
        tr("CV as L_fr_cv defines it (nn4n: of the per-neuron mean |r|, spec: SD / μ)"));
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setMaximumHeight(160);

    auto* scatterBox = new QVBoxLayout;
    scatterBox->addWidget(m_scatterView, 1);
    scatterBox->addWidget(m_scatterLabel);
    auto* grid = new QGridLayout;
    grid->addWidget(m_distView, 0, 0);
    grid->addWidget(m_barView, 0, 1);
    grid->addWidget(m_table, 1, 0);
    grid->addLayout(scatterBox, 1, 1);
    grid->setRowStretch(0, 3);
    grid->setRowStretch(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addLayout(grid, 1);

    connect(m_ecdfBox, &QCheckBox::toggled, this, &CompareView::setEcdf);
    connect(m_boxA, &QComboBox::activated, this, [this](int i) { setPair(i, m_b); });
    connect(m_boxB, &QComboBox::activated, this, [this](int i) { setPair(m_a, i); });
}

void CompareView::setRecordings(const QStringList& labels,
                                const std::vector<std::vector<double>>& meanRates,
                                const std::vector<std::optional<TermValues>>& values)
{
    m_labels = labels;
    m_rates = meanRates;
    m_rates.resize(std::size_t(labels.size()));
    m_values = values;
    m_values.resize(std::size_t(labels.size()));
    for (QComboBox* box : {m_boxA, m_boxB}) {
        box->clear();
        box->addItems(labels);
    }
    const int n = int(labels.size());
    m_a = std::clamp(m_a, 0, std::max(0, n - 1));
    m_b = n > 1 ? std::clamp(m_b, 0, n - 1) : 0;
    if (m_a == m_b && n > 1)
        m_b = m_a == 0 ? 1 : 0;
    m_boxA->setCurrentIndex(m_a);
    m_boxB->setCurrentIndex(m_b);

    m_summaries.clear();
    m_table->setRowCount(n);
    for (int i = 0; i < n; ++i) {
        RateSummary s;
        const auto& r = m_rates[std::size_t(i)];
        s.n = int(r.size());
        if (s.n > 0) {
            double sum = 0.0;
            for (double v : r)
                sum += v;
            s.mean = sum / s.n;
            double sq = 0.0;
            for (double v : r)
                sq += (v - s.mean) * (v - s.mean);
            s.sd = std::sqrt(sq / s.n);
            s.cv = s.mean != 0.0 ? s.sd / s.mean : std::numeric_limits<double>::quiet_NaN();
        } else {
            s.mean = s.sd = s.cv = std::numeric_limits<double>::quiet_NaN();
        }
        // Once the terms are in: SD and CV as the convention's L_fr_sd and
        // L_fr_cv define them (nn4n: the sample SD, and the CV of the mean |r|),
        // the numbers the Firing rates tab and rnnloss show.
        if (const auto& v = m_values[std::size_t(i)]) {
            const double nan = std::numeric_limits<double>::quiet_NaN();
            s.sd = (*v)[Term::FrSd].value.value_or(nan);
            s.cv = (*v)[Term::FrCv].value.value_or(nan);
        }
        m_summaries.push_back(s);
        const QStringList cells{labels[i], QString::number(s.n), number(s.mean), number(s.sd),
                                number(s.cv)};
        for (int c = 0; c < cells.size(); ++c)
            m_table->setItem(i, c, new QTableWidgetItem(cells[c]));
    }
    refreshDistributions();
    refreshBars();
    refreshScatter();
}

void CompareView::setLambdas(const TermArray& lambdas)
{
    m_lambdas = lambdas;
    updateBarValues();
}

void CompareView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_barsStale)
        updateBarValues();
}

void CompareView::setPair(int a, int b)
{
    m_a = a;
    m_b = b;
    m_boxA->setCurrentIndex(a);
    m_boxB->setCurrentIndex(b);
    refreshScatter();
}

void CompareView::setEcdf(bool on)
{
    if (on == m_ecdf)
        return;
    m_ecdf = on;
    m_ecdfBox->setChecked(on);
    refreshDistributions();
}

QList<double> CompareView::binFractions(int recording) const
{
    return m_fractions.at(std::size_t(recording));
}

QList<QPointF> CompareView::distributionPoints(int recording) const
{
    const auto series = m_distChart->series();
    if (recording < 0 || recording >= series.size())
        return {};
    return static_cast<QLineSeries*>(series[recording])->points();
}

void CompareView::refreshDistributions()
{
    m_distChart->removeAllSeries();
    for (QAbstractAxis* a : m_distChart->axes()) {
        m_distChart->removeAxis(a);
        delete a;
    }
    m_fractions.assign(m_rates.size(), {});
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& r : m_rates)
        for (double v : r)
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
    m_edges.clear();
    if (!std::isfinite(lo))
        return;
    if (hi <= lo)
        hi = lo + 1.0;
    // Shared bins: the same edges for every recording, so the heights compare.
    for (int i = 0; i <= kBins; ++i)
        m_edges.push_back(lo + (hi - lo) * i / kBins);
    auto* x = new QValueAxis;
    auto* y = new QValueAxis;
    x->setTitleText(tr("mean rate"));
    y->setTitleText(m_ecdf ? tr("fraction of neurons ≤ rate") : tr("fraction of neurons"));
    m_distChart->addAxis(x, Qt::AlignBottom);
    m_distChart->addAxis(y, Qt::AlignLeft);
    double top = 0.0;
    for (std::size_t k = 0; k < m_rates.size(); ++k) {
        const auto& r = m_rates[k];
        std::vector<double> counts(kBins, 0.0);
        int finite = 0;
        for (double v : r)
            if (std::isfinite(v)) {
                const int b = std::clamp(int((v - lo) / (hi - lo) * kBins), 0, kBins - 1);
                counts[std::size_t(b)] += 1.0;
                ++finite;
            }
        QList<double> fr;
        double cum = 0.0;
        for (double c : counts) {
            const double f = finite > 0 ? c / finite : 0.0;
            cum += f;
            fr << (m_ecdf ? cum : f);
        }
        m_fractions[k] = fr;
        auto* s = new QLineSeries;
        s->setName(m_labels.value(int(k)));
        QList<QPointF> pts{{m_edges.front(), 0.0}};
        for (int b = 0; b < kBins; ++b) {
            pts << QPointF(m_edges[std::size_t(b)], fr[b])
                << QPointF(m_edges[std::size_t(b) + 1], fr[b]);
            top = std::max(top, fr[b]);
        }
        if (!m_ecdf)
            pts << QPointF(m_edges.back(), 0.0);
        s->replace(pts);
        m_distChart->addSeries(s);
        s->attachAxis(x);
        s->attachAxis(y);
    }
    setNiceRange(x, lo, hi);
    setNiceRange(y, 0.0, std::max(top, 1e-3));
}

QList<double> CompareView::bars(int recording) const
{
    QList<double> out;
    const auto& v = m_values.at(std::size_t(recording));
    if (!v)
        return out;
    const LossResult r = evaluate(*v, m_lambdas);
    for (Term t : kAllTerms)
        out << r[t].weighted.value_or(0.0);
    out << r.total.value_or(0.0);
    return out;
}

QList<double> CompareView::plottedBars(int recording) const
{
    QList<double> out;
    const QList<QBarSet*> sets = m_barSeries ? m_barSeries->barSets() : QList<QBarSet*>{};
    if (recording < 0 || recording >= sets.size())
        return out;
    for (int k = 0; k < sets[recording]->count(); ++k)
        out << sets[recording]->at(k);
    return out;
}

void CompareView::refreshBars()
{
    m_barChart->removeAllSeries();
    for (QAbstractAxis* a : m_barChart->axes()) {
        m_barChart->removeAxis(a);
        delete a;
    }
    m_barSeries = new QBarSeries;
    for (int i = 0; i < int(m_labels.size()); ++i) {
        auto* set = new QBarSet(m_labels[i]);
        set->append(QList<double>(kTermCount + 1, 0.0));
        m_barSeries->append(set);
    }
    m_barChart->addSeries(m_barSeries);
    auto* cats = new QBarCategoryAxis;
    QStringList names;
    for (Term t : kAllTerms)
        names << qs(termKey(t));
    names << tr("total");
    cats->append(names);
    m_barAxis = new QValueAxis;
    m_barAxis->setTitleText(tr("λ · L"));
    m_barChart->addAxis(cats, Qt::AlignBottom);
    m_barChart->addAxis(m_barAxis, Qt::AlignLeft);
    m_barSeries->attachAxis(cats);
    m_barSeries->attachAxis(m_barAxis);
    updateBarValues();
}

void CompareView::updateBarValues()
{
    // A lambda change moves the bars in place: rebuilding 8 bars per recording
    // on every slider step is what made the set views slow with many recordings.
    if (!m_barSeries)
        return; // no recordings given yet
    // Moving 8 bars per recording costs ~0.5 ms each (50 recordings: 25 ms);
    // hidden, the view catches up when it is shown.
    if (!isVisible()) {
        m_barsStale = true;
        return;
    }
    m_barsStale = false;
    double top = 0.0;
    const QList<QBarSet*> sets = m_barSeries->barSets();
    for (int i = 0; i < int(sets.size()); ++i) {
        const QList<double> b = bars(i);
        for (int k = 0; k <= kTermCount; ++k) {
            const double v = b.isEmpty() ? 0.0 : b[k];
            top = std::max(top, v);
            sets[i]->replace(k, v);
        }
    }
    setNiceRange(m_barAxis, 0.0, top > 0 ? top : 1.0);
}

QList<QPointF> CompareView::scatterPoints() const
{
    return m_scatter->points();
}

QString CompareView::scatterMessage() const
{
    return m_scatterLabel->text();
}

void CompareView::refreshScatter()
{
    const int n = int(m_labels.size());
    QList<QPointF> pts;
    QString message;
    if (n < 2 || m_a < 0 || m_b < 0 || m_a >= n || m_b >= n) {
        message = tr("Open two or more recordings to compare them.");
    } else {
        const auto& a = m_rates[std::size_t(m_a)];
        const auto& b = m_rates[std::size_t(m_b)];
        if (a.empty() || b.empty())
            message = tr("A recording without states has no rates.");
        else if (a.size() != b.size())
            message = tr("N_hid differs (%1 vs %2): no neuron-by-neuron scatter.")
                          .arg(a.size())
                          .arg(b.size());
        else {
            for (std::size_t i = 0; i < a.size(); ++i)
                pts << QPointF(a[i], b[i]);
            message = tr("Mean rate of each neuron: %1 (x) against %2 (y)")
                          .arg(m_labels[m_a], m_labels[m_b]);
        }
    }
    m_scatter->replace(pts);
    m_scatterLabel->setText(message);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const QPointF& p : pts) {
        lo = std::min({lo, p.x(), p.y()});
        hi = std::max({hi, p.x(), p.y()});
    }
    if (!std::isfinite(lo)) {
        lo = 0.0;
        hi = 1.0;
    }
    for (QAbstractAxis* a : m_scatterChart->axes())
        setNiceRange(static_cast<QValueAxis*>(a), lo, hi > lo ? hi : lo + 1.0);
    m_scatterChart->axes(Qt::Horizontal).front()->setTitleText(m_labels.value(m_a));
    m_scatterChart->axes(Qt::Vertical).front()->setTitleText(m_labels.value(m_b));
}

} // namespace rnnloss
