#include "statisticview.h"

#include "chartutil.h"
#include "popstats.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QStackedBarSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace rnnloss {

namespace {

const std::vector<double> kNoValues;

std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

} // namespace

StatisticView::StatisticView(QWidget* parent) : QWidget(parent)
{
    m_chart = new QChart;
    styleChart(m_chart);
    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumSize(240, 200);
    // Bars live on a hidden axis in bin units (bar i at x = i), the shown axis
    // is in the statistic's units: the rate histogram's arrangement.
    m_binAxis = new QValueAxis(m_chart);
    m_binAxis->setVisible(false);
    m_valueAxis = new QValueAxis(m_chart);
    m_countAxis = new QValueAxis(m_chart);
    m_countAxis->setTitleText(tr("neurons"));
    m_chart->addAxis(m_binAxis, Qt::AlignBottom);
    m_chart->addAxis(m_valueAxis, Qt::AlignBottom);
    m_chart->addAxis(m_countAxis, Qt::AlignLeft);
    m_bars = new QStackedBarSeries(m_chart);
    m_bars->setBarWidth(1.0);
    m_chart->addSeries(m_bars);
    m_bars->attachAxis(m_binAxis);
    m_bars->attachAxis(m_countAxis);
    m_chart->legend()->setAlignment(Qt::AlignTop);

    m_statCombo = new QComboBox(this);
    m_statCombo->setObjectName("statisticCombo");
    m_labelA = new QComboBox(this);
    m_labelA->setObjectName("labelA");
    m_labelB = new QComboBox(this);
    m_labelB->setObjectName("labelB");
    m_versus = new QLabel(tr("vs"), this);
    m_binSpin = new QSpinBox(this);
    m_binSpin->setRange(2, 200);
    m_binSpin->setValue(m_bins);
    m_binSpin->setToolTip(tr("Number of histogram bins"));
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_note->setContentsMargins(6, 0, 6, 0);

    auto* controls = new QHBoxLayout;
    controls->setContentsMargins(6, 2, 6, 4);
    controls->addWidget(new QLabel(tr("statistic"), this));
    controls->addWidget(m_statCombo);
    controls->addWidget(m_labelA);
    controls->addWidget(m_versus);
    controls->addWidget(m_labelB);
    controls->addWidget(new QLabel(tr("bins"), this));
    controls->addWidget(m_binSpin);
    controls->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_note);
    layout->addLayout(controls);

    connect(m_statCombo, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_binSpin, &QSpinBox::valueChanged, this, &StatisticView::setBinCount);
    auto labels = [this] {
        m_dPrime.clear(); // of the previous pair until the new one comes
        m_dPrimeNote = tr("computing d′…");
        rebuild();
        if (!labelA().isEmpty() && !labelB().isEmpty() && labelA() != labelB())
            emit labelsChanged(labelA(), labelB());
    };
    connect(m_labelA, &QComboBox::currentIndexChanged, this, labels);
    connect(m_labelB, &QComboBox::currentIndexChanged, this, labels);
    rebuildCombo();
    rebuild();
}

void StatisticView::setColumns(const QList<StatisticColumn>& columns)
{
    m_columns = columns;
    rebuildCombo();
    rebuild();
}

void StatisticView::setGroups(const std::vector<std::string>& groups)
{
    m_groupNames.clear();
    m_groupIndex.assign(groups.size(), 0);
    for (std::size_t n = 0; n < groups.size(); ++n) {
        const QString g = qs(groups[n]);
        qsizetype i = m_groupNames.indexOf(g);
        if (i < 0) {
            i = m_groupNames.size();
            m_groupNames << g;
        }
        m_groupIndex[n] = int(i);
    }
    if (m_groupNames.isEmpty())
        m_groupNames << tr("neurons");
    rebuildSets();
    rebuild();
}

void StatisticView::setLabels(const QStringList& labels)
{
    const QString a = labelA(), b = labelB();
    {
        const QSignalBlocker ba(m_labelA), bb(m_labelB);
        m_labelA->clear();
        m_labelB->clear();
        m_labelA->addItems(labels);
        m_labelB->addItems(labels);
        m_labelA->setCurrentIndex(labels.contains(a) ? int(labels.indexOf(a)) : 0);
        m_labelB->setCurrentIndex(labels.contains(b) && b != labelA()
                                      ? int(labels.indexOf(b))
                                      : std::min(1, int(labels.size()) - 1));
    }
    rebuildCombo();
    rebuild();
    if (labels.size() >= 2)
        emit labelsChanged(labelA(), labelB());
}

void StatisticView::setDPrime(const std::vector<double>& values, const QString& note)
{
    m_dPrime = values;
    m_dPrimeNote = note;
    rebuild();
}

int StatisticView::statistic() const
{
    return m_statCombo->currentIndex();
}

void StatisticView::setStatistic(int index)
{
    m_statCombo->setCurrentIndex(std::clamp(index, 0, m_statCombo->count() - 1));
}

bool StatisticView::showsDPrime() const
{
    return m_labelA->count() >= 2 && statistic() == int(m_columns.size());
}

void StatisticView::setLabelPair(const QString& a, const QString& b)
{
    const QSignalBlocker block(m_labelA);
    m_labelA->setCurrentText(a);
    m_labelB->setCurrentText(b); // emits labelsChanged once, with both set
}

QString StatisticView::labelA() const
{
    return m_labelA->currentText();
}

QString StatisticView::labelB() const
{
    return m_labelB->currentText();
}

void StatisticView::setBinCount(int bins)
{
    bins = std::clamp(bins, 2, 200);
    if (bins == m_bins)
        return;
    m_bins = bins;
    const QSignalBlocker block(m_binSpin);
    m_binSpin->setValue(bins);
    rebuild();
}

const std::vector<double>& StatisticView::values() const
{
    if (showsDPrime())
        return m_dPrime;
    const int i = statistic();
    return i >= 0 && i < m_columns.size() ? m_columns[i].values : kNoValues;
}

QString StatisticView::statisticName() const
{
    if (showsDPrime())
        return tr("d′ (%1 vs %2)").arg(labelA(), labelB());
    const int i = statistic();
    return i >= 0 && i < m_columns.size() ? m_columns[i].name : QString();
}

int StatisticView::groupOf(int neuron) const
{
    return neuron < int(m_groupIndex.size()) ? m_groupIndex[neuron] : 0;
}

QVector<int> StatisticView::neuronsInBin(int bin, int group) const
{
    QVector<int> out;
    if (bin < 0 || bin >= int(m_hist.counts.size()))
        return out;
    const std::vector<double>& v = values();
    for (int n = 0; n < int(v.size()); ++n)
        if (std::isfinite(v[n]) && m_hist.binOf(v[n]) == bin && (group < 0 || groupOf(n) == group))
            out.append(n);
    return out;
}

void StatisticView::rebuildCombo()
{
    const int keep = m_statCombo->currentIndex();
    const QSignalBlocker block(m_statCombo);
    m_statCombo->clear();
    for (const StatisticColumn& c : m_columns)
        m_statCombo->addItem(c.name);
    if (m_labelA->count() >= 2)
        m_statCombo->addItem(tr("d′ between two trial labels"));
    m_statCombo->setCurrentIndex(std::clamp(keep, 0, m_statCombo->count() - 1));
}

void StatisticView::rebuildSets()
{
    m_bars->clear(); // deletes the sets
    m_sets.clear();
    for (int g = 0; g < m_groupNames.size(); ++g) {
        auto* set = new QBarSet(m_groupNames[g]);
        const QColor c = m_groupNames.size() == 1 ? QColor(0x9e, 0xb9, 0xd4) : distinctColor(g);
        set->setColor(c);
        set->setBorderColor(c.darker(150));
        m_bars->append(set);
        m_sets << set;
        connect(set, &QBarSet::clicked, this,
                [this, g](int bin) { emit neuronsClicked(neuronsInBin(bin, g)); });
    }
    m_chart->legend()->setVisible(m_groupNames.size() > 1);
}

void StatisticView::rebuild()
{
    const bool d = showsDPrime();
    m_labelA->setVisible(d);
    m_labelB->setVisible(d);
    m_versus->setVisible(d);
    if (m_sets.isEmpty())
        rebuildSets();
    const std::vector<double>& v = values();
    m_hist = histogramOf(v, m_bins);
    m_groupCounts.assign(m_groupNames.size(), std::vector<double>(m_hist.counts.size(), 0.0));
    for (int n = 0; n < int(v.size()); ++n) {
        const int b = std::isfinite(v[n]) ? m_hist.binOf(v[n]) : -1;
        if (b >= 0)
            m_groupCounts[groupOf(n)][b] += 1.0;
    }
    for (int g = 0; g < m_sets.size(); ++g) {
        m_sets[g]->remove(0, m_sets[g]->count());
        m_sets[g]->append(QList<qreal>(m_groupCounts[g].begin(), m_groupCounts[g].end()));
    }
    const auto undefined =
        std::count_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); });
    QString note = d ? m_dPrimeNote : QString();
    if (undefined > 0)
        note += (note.isEmpty() ? QString() : QStringLiteral("  ")) +
                tr("%n neuron(s) without a value (undefined) are not counted.", nullptr,
                   int(undefined));
    m_note->setText(note);
    m_note->setVisible(!note.isEmpty());
    updateAxes();
}

void StatisticView::updateAxes()
{
    const int n = int(m_hist.counts.size());
    const QString name = statisticName();
    m_valueAxis->setTitleText(name);
    if (n == 0) {
        m_binAxis->setRange(-0.5, 0.5);
        m_valueAxis->setRange(0.0, 1.0);
        m_countAxis->setRange(0.0, 1.0);
        m_chart->setTitle(name.isEmpty() ? tr("No statistic")
                                         : tr("%1: no finite values").arg(name));
        return;
    }
    double maxCount = 0.0;
    for (std::size_t b = 0; b < m_hist.counts.size(); ++b)
        maxCount = std::max(maxCount, m_hist.counts[b]);
    setCountRange(m_countAxis, maxCount, 6);
    // A tenth of a bin on each side: the outer bars' borders stay in view.
    m_binAxis->setRange(-0.6, n - 0.4);
    setFittedRange(m_chart, m_valueAxis, m_hist.lo - 0.1 * m_hist.width,
                   m_hist.hi() + 0.1 * m_hist.width, true, 7);
    const std::vector<double>& v = values();
    QString title = tr("%1 of %2 neurons").arg(name).arg(v.size());
    if (m_groupNames.size() > 1)
        title += tr(" (groups stacked)");
    m_chart->setTitle(title);
}

QString StatisticView::title() const
{
    return m_chart->title();
}

QList<ExportableChart> StatisticView::exportableCharts() const
{
    return {{QStringLiteral("statistic"), tr("Per-neuron statistic histogram"), m_view, m_chart}};
}

std::string StatisticView::csv(const std::vector<std::int64_t>& ids) const
{
    const std::vector<double>& v = values();
    std::ostringstream out;
    out.precision(17);
    out << "neuron,group," << csvField(statisticName().toStdString()) << "\n";
    for (std::size_t n = 0; n < v.size(); ++n) {
        out << (n < ids.size() ? ids[n] : std::int64_t(n)) << ','
            << csvField(n < m_groupIndex.size() ? m_groupNames[m_groupIndex[n]].toStdString()
                                                : std::string())
            << ',';
        if (std::isfinite(v[n]))
            out << v[n];
        out << "\n";
    }
    return out.str();
}

} // namespace rnnloss
