#include "compareview.h"

#include "chartlegend.h"
#include "chartutil.h"
#include "neuronstats.h"
#include "popstats.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QPixmap>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
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

QIcon swatch(const QColor& c)
{
    QPixmap pm(12, 12);
    pm.fill(c.isValid() ? c : QColor(Qt::transparent));
    return QIcon(pm);
}

} // namespace

QHBoxLayout* CompareView::makeControls()
{
    m_boxA = new QComboBox;
    m_boxB = new QComboBox;
    m_ecdfBox = new QCheckBox(tr("ECDF"));
    m_statBox = new QComboBox;
    m_statBox->setObjectName(QStringLiteral("compareStatistic"));
    m_statBox->addItem(tr("mean rate"));
    m_statBox->setToolTip(tr("The per-neuron statistic whose distributions are compared"));
    m_labelBoxA = new QComboBox;
    m_labelBoxB = new QComboBox;
    m_labelsText = new QLabel(tr("between"));
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Distribution of")));
    controls->addWidget(m_statBox);
    controls->addWidget(m_labelsText);
    controls->addWidget(m_labelBoxA);
    controls->addWidget(m_labelBoxB);
    controls->addWidget(m_ecdfBox);
    controls->addStretch(1);
    controls->addWidget(new QLabel(tr("Scatter: A")));
    controls->addWidget(m_boxA);
    controls->addWidget(new QLabel(tr("B")));
    controls->addWidget(m_boxB);
    return controls;
}

CompareView::CompareView(QWidget* parent) : QWidget(parent)
{
    QHBoxLayout* controls = makeControls();

    m_distChart = new QChart;
    m_distView = makeView(m_distChart);
    m_distChart->setTitle(tr("Per-neuron mean rate"));
    m_barChart = new QChart;
    m_barView = makeView(m_barChart);
    m_barChart->setTitle(tr("Loss breakdown (λ · L)"));
    // Names in full under each chart (and in the table): Qt's legend cut them
    // to "ste…" in a row too narrow for seven.
    m_distLegend = new ChartLegend(m_distChart);
    m_barLegend = new ChartLegend(m_barChart);
    m_barCats = new QBarCategoryAxis(m_barChart);
    QStringList names;
    for (Term t : kAllTerms)
        names << qs(termKey(t));
    names << tr("total");
    m_barCats->append(names);
    // Eight groups in half the window: small labels, never "fr…" for fr_sd.
    QFont catFont = m_barCats->labelsFont();
    catFont.setPointSizeF(8.0);
    m_barCats->setLabelsFont(catFont);
    m_barCats->setTruncateLabels(false);
    m_barAxis = new QValueAxis(m_barChart);
    m_barAxis->setTitleText(tr("λ · L"));
    m_barLogAxis = new QLogValueAxis(this);
    m_barLogAxis->setTitleText(tr("λ · L (log)"));
    m_barLogAxis->setBase(10.0);
    m_barLogAxis->setMinorGridLineColor(QColor(0xee, 0xee, 0xee));
    m_barChart->addAxis(m_barCats, Qt::AlignBottom);
    m_barChart->addAxis(m_barAxis, Qt::AlignLeft);
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
    m_table->setObjectName(QStringLiteral("compareTable"));
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
    m_table->horizontalHeaderItem(0)->setToolTip(
        tr("Check the recordings the charts show; the swatch is each one's colour"));

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
    connect(m_statBox, &QComboBox::activated, this, &CompareView::setStatistic);
    connect(m_labelBoxA, &QComboBox::activated, this, &CompareView::onStatisticBoxes);
    connect(m_labelBoxB, &QComboBox::activated, this, &CompareView::onStatisticBoxes);
    setStatisticChoices({tr("mean rate")});
    connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (item->column() == 0)
            onTableItemChanged(item->row());
    });
    connect(m_boxA, &QComboBox::activated, this, [this](int i) { setPair(i, m_b); });
    connect(m_boxB, &QComboBox::activated, this, [this](int i) { setPair(m_a, i); });
}

void CompareView::setRecordings(const QStringList& labels,
                                const std::vector<std::vector<double>>& meanRates,
                                const std::vector<std::optional<TermValues>>& values)
{
    const QStringList oldLabels = m_labels;
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

    if (!m_shownChosen) {
        m_shown.clear();
        for (int i = 0; i < std::min(n, kDefaultShown); ++i)
            m_shown << i;
    } else if (labels != oldLabels) {
        // The set changed (a recording added or removed): the same ones by label.
        QList<int> kept;
        for (int old : m_shown) {
            const QString& l = oldLabels.value(old);
            for (int k = 0; k < n; ++k)
                if (labels[k] == l && !kept.contains(k)) {
                    kept << k;
                    break;
                }
        }
        std::sort(kept.begin(), kept.end());
        m_shown = kept;
    }

    m_summaries.clear();
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
    }
    refreshTable();
    refreshDistributions();
    refreshBars();
    refreshScatter();
}

void CompareView::setShown(const QList<int>& recordings)
{
    QList<int> shown;
    for (int r : recordings)
        if (r >= 0 && r < int(m_labels.size()) && !shown.contains(r))
            shown << r;
    std::sort(shown.begin(), shown.end());
    m_shownChosen = true;
    if (shown == m_shown)
        return;
    m_shown = shown;
    refreshTable();
    refreshDistributions();
    refreshBars();
}

int CompareView::shownPosition(int recording) const
{
    return int(m_shown.indexOf(recording));
}

QColor CompareView::colorOf(int recording) const
{
    const int pos = shownPosition(recording);
    return pos >= 0 ? distinctColor(pos) : QColor();
}

void CompareView::refreshTable()
{
    // Every recording, shown ones checked with their colour: the full names
    // live here and in the legends, never cut.
    m_fillingTable = true;
    const int n = int(m_labels.size());
    m_table->setRowCount(n);
    for (int i = 0; i < n; ++i) {
        const RateSummary& s = m_summaries[std::size_t(i)];
        const QStringList cells{m_labels[i], QString::number(s.n), number(s.mean), number(s.sd),
                                number(s.cv)};
        for (int c = 0; c < cells.size(); ++c) {
            // In place: this also runs inside the item's own itemChanged.
            QTableWidgetItem* item = m_table->item(i, c);
            if (!item) {
                item = new QTableWidgetItem;
                m_table->setItem(i, c, item);
            }
            item->setText(cells[c]);
            if (c == 0) {
                item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
                item->setCheckState(m_shown.contains(i) ? Qt::Checked : Qt::Unchecked);
                item->setIcon(swatch(colorOf(i)));
                item->setToolTip(m_labels[i]);
            }
        }
    }
    m_fillingTable = false;
}

void CompareView::onTableItemChanged(int row)
{
    if (m_fillingTable || row < 0 || row >= int(m_labels.size()))
        return;
    QList<int> shown;
    for (int i = 0; i < m_table->rowCount(); ++i)
        if (m_table->item(i, 0) && m_table->item(i, 0)->checkState() == Qt::Checked)
            shown << i;
    if (shown == m_shown)
        return;
    m_shownChosen = true;
    m_shown = shown;
    refreshTable();
    refreshDistributions();
    refreshBars();
    emit shownChanged(m_shown);
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
    const int pos = shownPosition(recording);
    if (pos < 0 || pos >= series.size())
        return {};
    return static_cast<QLineSeries*>(series[pos])->points();
}

const std::vector<std::vector<double>>& CompareView::distributionData() const
{
    static const std::vector<std::vector<double>> none;
    if (m_stat == 0 && !m_ratesGiven)
        return m_rates;
    return m_statLabels == m_labels ? m_statValues : none;
}

void CompareView::countOnSharedBins(const Histogram& bins,
                                    const std::vector<std::vector<double>>& data)
{
    for (std::size_t k = 0; k < data.size() && k < m_labels.size(); ++k) {
        const Histogram h = countOnBins(bins, data[k]);
        double counted = 0.0;
        for (double c : h.counts)
            counted += c;
        if (counted == 0.0)
            continue; // no values (the selection does not fit it): no line
        QList<double> fr;
        double cum = 0.0;
        for (double c : h.counts) {
            const double f = counted > 0 ? c / counted : 0.0;
            cum += f;
            fr << (m_ecdf ? cum : f);
        }
        m_fractions[k] = fr;
        m_counts[k] = h.counts;
    }
}

void CompareView::refreshDistributions()
{
    m_distChart->removeAllSeries();
    for (QAbstractAxis* a : m_distChart->axes()) {
        m_distChart->removeAxis(a);
        delete a;
    }
    const auto& data = distributionData();
    const bool given = m_stat != 0 || m_ratesGiven;
    const QString name = given ? m_statTitle : tr("mean rate");
    QString title = tr("Per-neuron %1").arg(name);
    if (given && !m_statNote.isEmpty())
        title += QStringLiteral(" — ") + m_statNote;
    m_distChart->setTitle(title);
    m_fractions.assign(m_labels.size(), {});
    m_counts.assign(m_labels.size(), {});
    m_edges.clear();
    m_distLegend->setEntries({});
    // Bins shared by the shown recordings: the heights compare, and a hidden
    // recording's outliers do not squeeze the others into a few bins.
    std::vector<std::vector<double>> shownSets;
    for (int k : m_shown)
        if (std::size_t(k) < data.size())
            shownSets.push_back(data[std::size_t(k)]);
    const Histogram bins = sharedBins(shownSets, kBins);
    if (bins.counts.empty())
        return;
    for (int i = 0; i <= kBins; ++i)
        m_edges.push_back(i == kBins ? bins.hi() : bins.lo + bins.width * i);
    auto* x = new QValueAxis;
    auto* y = new QValueAxis;
    x->setTitleText(name);
    y->setTitleText(m_ecdf ? tr("fraction of neurons ≤ value") : tr("fraction of neurons"));
    m_distChart->addAxis(x, Qt::AlignBottom);
    m_distChart->addAxis(y, Qt::AlignLeft);
    countOnSharedBins(bins, data);
    double top = 0.0;
    QList<ChartLegend::Entry> legend;
    for (int k : m_shown) {
        const QList<double>& fr = m_fractions[std::size_t(k)];
        if (fr.isEmpty()) {
            // A recording the selection does not fit: named with its reason.
            if (given && m_statLabels == m_labels && !m_statReasons.value(k).isEmpty())
                legend.append({tr("%1: %2").arg(m_labels.value(k), m_statReasons.value(k)),
                               QPen(colorOf(k), 1.8, Qt::DotLine),
                               {},
                               false});
            continue;
        }
        auto* s = new QLineSeries;
        s->setName(m_labels.value(k));
        QPen pen(colorOf(k));
        pen.setWidthF(1.8);
        s->setPen(pen);
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
        legend.append({s->name(), pen, {}, false});
    }
    m_distLegend->setEntries(legend);
    setFittedRange(m_distChart, x, m_edges.front(), m_edges.back(), false, 7);
    setNiceRange(y, 0.0, std::max(top, 1e-3));
}

void CompareView::setStatisticChoices(const QStringList& names, int dPrime)
{
    const QString current = m_statBox->currentText();
    m_statBox->clear();
    m_statBox->addItems(names);
    m_dPrime = dPrime;
    const int keep = int(names.indexOf(current));
    m_stat = keep >= 0 ? keep : 0;
    m_statBox->setCurrentIndex(m_stat);
    const bool labels = m_stat == m_dPrime && m_dPrime >= 0;
    for (QWidget* w : {static_cast<QWidget*>(m_labelBoxA), static_cast<QWidget*>(m_labelBoxB),
                       static_cast<QWidget*>(m_labelsText)})
        w->setVisible(labels);
}

void CompareView::setTrialLabels(const QStringList& labels)
{
    const QString a = labelA(), b = labelB();
    for (QComboBox* box : {m_labelBoxA, m_labelBoxB}) {
        box->clear();
        box->addItems(labels);
    }
    m_labelBoxA->setCurrentIndex(labels.contains(a) ? int(labels.indexOf(a)) : 0);
    m_labelBoxB->setCurrentIndex(labels.contains(b) ? int(labels.indexOf(b))
                                                    : std::min<int>(1, int(labels.size()) - 1));
}

QString CompareView::labelA() const
{
    return m_labelBoxA->currentText();
}

QString CompareView::labelB() const
{
    return m_labelBoxB->currentText();
}

void CompareView::setStatistic(int index)
{
    if (index < 0 || index >= m_statBox->count())
        return;
    m_stat = index;
    m_statBox->setCurrentIndex(index);
    const bool labels = m_stat == m_dPrime && m_dPrime >= 0;
    for (QWidget* w : {static_cast<QWidget*>(m_labelBoxA), static_cast<QWidget*>(m_labelBoxB),
                       static_cast<QWidget*>(m_labelsText)})
        w->setVisible(labels);
    dropStatisticValues();
    emit statisticChosen(index, labelA(), labelB());
}

void CompareView::onStatisticBoxes()
{
    setStatistic(m_stat);
}

void CompareView::setStatisticValues(const QStringList& labels, const QString& title,
                                     const std::vector<std::vector<double>>& values,
                                     const QString& note, const QStringList& reasons)
{
    m_statReasons = reasons;
    m_statLabels = labels;
    m_statTitle = title;
    m_statValues = values;
    m_statValues.resize(std::size_t(labels.size()));
    m_statNote = note;
    refreshDistributions();
}

void CompareView::setMeanRatesGiven(bool given)
{
    if (given == m_ratesGiven)
        return;
    m_ratesGiven = given;
    // The table, the bars and the scatter stay of the whole recordings (the
    // set's terms): say so while the distributions are of a selection.
    const QString whole = given ? tr(" (whole)") : QString();
    for (int c = 1; c <= 4; ++c)
        m_table->horizontalHeaderItem(c)->setText(
            QStringList{tr("N"), tr("μ"), tr("SD"), tr("CV")}[c - 1] + whole);
    refreshScatter();
    dropStatisticValues(); // taken on another selection
}

void CompareView::dropStatisticValues()
{
    m_statValues.clear();
    m_statLabels.clear();
    m_statReasons.clear();
    m_statTitle = m_statBox->currentText();
    m_statNote = m_stat == 0 && !m_ratesGiven ? QString() : tr("computing…");
    refreshDistributions();
}

std::string CompareView::distributionCsv() const
{
    QString out = QStringLiteral("bin_lo,bin_hi");
    for (int k : m_shown) {
        QString name = m_labels.value(k);
        name.replace(QLatin1Char('"'), QLatin1String("\"\""));
        out += QStringLiteral(",\"%1 count\",\"%1 %2\"")
                   .arg(name, m_ecdf ? QStringLiteral("cumulative fraction")
                                     : QStringLiteral("fraction"));
    }
    out += QLatin1Char('\n');
    for (int b = 0; b + 1 < int(m_edges.size()); ++b) {
        out += QStringLiteral("%1,%2")
                   .arg(m_edges[std::size_t(b)], 0, 'g', 17)
                   .arg(m_edges[std::size_t(b) + 1], 0, 'g', 17);
        for (int k : m_shown) {
            const auto& c = m_counts[std::size_t(k)];
            const QList<double>& f = m_fractions[std::size_t(k)];
            out += QStringLiteral(",%1,%2")
                       .arg(b < int(c.size()) ? c[std::size_t(b)] : 0.0, 0, 'g', 17)
                       .arg(b < f.size() ? f[b] : 0.0, 0, 'g', 17);
        }
        out += QLatin1Char('\n');
    }
    return out.toStdString();
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
    const int pos = shownPosition(recording);
    if (pos < 0 || pos >= sets.size())
        return out;
    for (int k = 0; k < sets[pos]->count(); ++k)
        out << sets[pos]->at(k);
    return out;
}

void CompareView::refreshBars()
{
    if (m_barSeries) {
        m_barChart->removeSeries(m_barSeries);
        delete m_barSeries;
    }
    m_barSeries = new QBarSeries;
    m_barSeries->setBarWidth(0.85);
    QList<ChartLegend::Entry> legend;
    for (int k : m_shown) {
        auto* set = new QBarSet(m_labels[k]);
        set->setColor(colorOf(k));
        set->setBorderColor(colorOf(k).darker(130));
        // New bars stand on the axis' floor (0 would warn on a log axis)
        // until updateBarValues() moves them.
        set->append(QList<double>(kTermCount + 1, m_barsLog ? m_barLogAxis->min() : 0.0));
        m_barSeries->append(set);
        legend.append({m_labels[k], Qt::NoPen, QBrush(colorOf(k)), true});
    }
    m_barLegend->setEntries(legend);
    m_barChart->addSeries(m_barSeries);
    m_barSeries->attachAxis(m_barCats);
    m_barSeries->attachAxis(m_barsLog ? static_cast<QAbstractAxis*>(m_barLogAxis) : m_barAxis);
    updateBarValues();
}

void CompareView::applyBarAxis(bool log)
{
    if (log == m_barsLog)
        return;
    m_barsLog = log;
    QAbstractAxis* from = log ? static_cast<QAbstractAxis*>(m_barAxis) : m_barLogAxis;
    QAbstractAxis* to = log ? static_cast<QAbstractAxis*>(m_barLogAxis) : m_barAxis;
    m_barSeries->detachAxis(from);
    m_barChart->removeAxis(from);
    from->setParent(this); // released by the chart; kept for the next switch
    m_barChart->addAxis(to, Qt::AlignLeft);
    m_barSeries->attachAxis(to);
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
    std::vector<QList<double>> values;
    std::vector<double> all;
    for (int k : m_shown) {
        values.push_back(bars(k));
        all.insert(all.end(), values.back().begin(), values.back().end());
    }
    // The breakdown's rule: an MSE at 98 % leaves the regularisers flat on a
    // linear axis, so bars spanning more than two decades go on a log one.
    const bool log = wantsLogAxis(all);
    double smallest = std::numeric_limits<double>::infinity(), top = 0.0;
    for (double v : all)
        if (std::isfinite(v) && v > 0.0) {
            smallest = std::min(smallest, v);
            top = std::max(top, v);
        }
    // Bars at 0 stand on the floor of a log axis, where they are not drawn.
    const double base = log ? logFloorBelow(smallest) : 0.0;
    // The axis that takes zeros comes in before the bars go down to 0; the log
    // one after they are lifted to its floor (else it warns about log 0).
    if (log)
        setDecadeRange(m_barLogAxis, base, top * 2.0);
    else
        applyBarAxis(false);
    const QList<QBarSet*> sets = m_barSeries->barSets();
    for (int i = 0; i < int(sets.size()) && i < int(values.size()); ++i)
        for (int k = 0; k <= kTermCount; ++k) {
            const double v = values[std::size_t(i)].isEmpty() ? 0.0 : values[std::size_t(i)][k];
            sets[i]->replace(k, std::isfinite(v) && v > base ? v : base);
        }
    if (log)
        applyBarAxis(true);
    else
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
            if (m_ratesGiven)
                message += tr(", over the whole recordings (not the selection)");
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
    // The same range on both axes (the diagonal is "equal"), the x ticks as
    // many as fit its width.
    const NiceTicks t = niceTicks(lo, hi > lo ? hi : lo + 1.0, 6);
    setNiceRange(static_cast<QValueAxis*>(m_scatterChart->axes(Qt::Vertical).front()), t.lo, t.hi);
    setFittedRange(m_scatterChart,
                   static_cast<QValueAxis*>(m_scatterChart->axes(Qt::Horizontal).front()), t.lo,
                   t.hi, true, 6);
    m_scatterChart->axes(Qt::Horizontal).front()->setTitleText(m_labels.value(m_a));
    m_scatterChart->axes(Qt::Vertical).front()->setTitleText(m_labels.value(m_b));
}

} // namespace rnnloss
