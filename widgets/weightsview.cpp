#include "weightsview.h"

#include "chartutil.h"
#include "heatmapview.h"
#include "neuronstats.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace rnnloss {

namespace {

struct PanelText
{
    const char* name;
    const char* xTitle;
    const char* yTitle;
};
constexpr std::array<PanelText, 3> kPanels = {{
    {QT_TRANSLATE_NOOP("rnnloss::WeightsView", "W_in"),
     QT_TRANSLATE_NOOP("rnnloss::WeightsView", "in (input)"),
     QT_TRANSLATE_NOOP("rnnloss::WeightsView", "out (hidden)")},
    {QT_TRANSLATE_NOOP("rnnloss::WeightsView", "W_hid"),
     QT_TRANSLATE_NOOP("rnnloss::WeightsView", "in (hidden)"),
     QT_TRANSLATE_NOOP("rnnloss::WeightsView", "out (hidden)")},
    {QT_TRANSLATE_NOOP("rnnloss::WeightsView", "W_out"),
     QT_TRANSLATE_NOOP("rnnloss::WeightsView", "in (hidden)"),
     QT_TRANSLATE_NOOP("rnnloss::WeightsView", "out (output)")},
}};

} // namespace

WeightsView::WeightsView(QWidget* parent) : QWidget(parent)
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->setSpacing(2);
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(6, 2, 6, 0);
    m_robustCheck =
        new QCheckBox(tr("Robust range (%1th percentile of |w|)").arg(kRobustPercentile));
    m_robustCheck->setToolTip(tr("Colour and histogram ranges at the %1th percentile of |w|, so "
                                 "that a few large weights do not wash out the others. Cells "
                                 "beyond it are marked with a dot; histograms say how many "
                                 "values they leave out.")
                                  .arg(kRobustPercentile));
    m_robustCheck->setChecked(m_robust);
    connect(m_robustCheck, &QCheckBox::toggled, this, &WeightsView::setRobustRange);
    auto* hint = new QLabel(tr("Heatmaps: wheel zooms, drag pans, double-click shows all"));
    hint->setEnabled(false);
    bar->addWidget(m_robustCheck);
    bar->addStretch(1);
    bar->addWidget(hint);
    outer->addLayout(bar);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName("weightsSplitter");
    split->setChildrenCollapsible(false);
    auto* maps = new QWidget(split);
    m_mapGrid = new QGridLayout(maps);
    m_mapGrid->setContentsMargins(0, 0, 0, 0);
    m_mapGrid->setSpacing(2);
    auto* hists = new QWidget(split);
    auto* histRow = new QHBoxLayout(hists);
    histRow->setContentsMargins(0, 0, 0, 0);
    split->addWidget(maps);
    split->addWidget(hists);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setSizes({2400, 1000});
    outer->addWidget(split, 1);

    QFont axisFont = font();
    axisFont.setPointSizeF(8.5);
    for (int i = 0; i < 3; ++i) {
        Panel& p = m_panels[i];
        p.heatmap = new HeatmapView(maps);
        p.heatmap->setAxisTitles(tr(kPanels[i].xTitle), tr(kPanels[i].yTitle));
        p.heatmap->setRobustRange(m_robust);
        connect(p.heatmap, &HeatmapView::robustRangeChanged, this, &WeightsView::setRobustRange);

        p.chart = new QChart;
        styleChart(p.chart);
        p.chart->legend()->setVisible(false);
        p.upper = new QLineSeries(p.chart);
        p.area = new QAreaSeries(p.upper);
        p.area->setColor(QColor(0x9e, 0xb9, 0xd4));
        p.area->setBorderColor(QColor(0x4c, 0x72, 0xb0));
        p.chart->addSeries(p.area);
        p.x = new QValueAxis(p.chart);
        p.x->setTitleText(tr("weight"));
        p.x->setLabelsFont(axisFont);
        p.y = new QValueAxis(p.chart);
        p.y->setTitleText(tr("count"));
        p.y->setLabelsFont(axisFont);
        p.chart->addAxis(p.x, Qt::AlignBottom);
        p.chart->addAxis(p.y, Qt::AlignLeft);
        p.area->attachAxis(p.x);
        p.area->attachAxis(p.y);
        p.view = new QChartView(p.chart, hists);
        p.view->setRenderHint(QPainter::Antialiasing);
        p.view->setMinimumSize(180, 150);
        histRow->addWidget(p.view, 1);
    }
    // W_in beside W_hid shares its rows (hidden units), W_out under it its columns.
    m_mapGrid->addWidget(m_panels[0].heatmap, 0, 0, 2, 1);
    m_mapGrid->addWidget(m_panels[1].heatmap, 0, 1);
    m_mapGrid->addWidget(m_panels[2].heatmap, 1, 1);
    setWeights({}, {}, {});
}

QList<ExportableChart> WeightsView::exportableCharts() const
{
    static const char* const ids[] = {"w_in", "w_hid", "w_out"};
    QList<ExportableChart> out;
    for (int i = 0; i < 3; ++i) {
        const QString name = tr(kPanels[i].name);
        const QString id = QStringLiteral("weights-") + QLatin1String(ids[i]);
        out.append({id + QStringLiteral("-heatmap"), tr("%1 heatmap").arg(name),
                    m_panels[i].heatmap, nullptr});
        out.append({id + QStringLiteral("-histogram"), tr("%1 values").arg(name), m_panels[i].view,
                    m_panels[i].chart});
    }
    return out;
}

void WeightsView::setRobustRange(bool on)
{
    if (on == m_robust)
        return;
    m_robust = on;
    const QSignalBlocker block(m_robustCheck);
    m_robustCheck->setChecked(on);
    for (int i = 0; i < 3; ++i) {
        m_panels[i].heatmap->setRobustRange(on);
        updateHistogram(i);
    }
}

void WeightsView::updateStretch()
{
    // Room follows shape: a thin W_in (N x 3) needs a narrow column, a flat
    // W_out (2 x N) a low row; square ones share evenly with W_hid.
    auto aspect = [](const RowMatrixF& m) {
        return m.size() > 0 ? std::clamp(double(m.cols()) / m.rows(), 0.25, 4.0) : 1.0;
    };
    const int inStretch = std::max(1, int(std::lround(3.0 * std::min(1.0, aspect(m_last[0])))));
    // (Kept at 2 of 7 for a flat one: room for its colour bar and titles.)
    const int outStretch = std::max(2, int(std::lround(5.0 / std::max(1.0, aspect(m_last[2])))));
    m_mapGrid->setColumnStretch(0, inStretch);
    m_mapGrid->setColumnStretch(1, 3);
    m_mapGrid->setRowStretch(0, 5);
    m_mapGrid->setRowStretch(1, outStretch);
}

void WeightsView::setWeights(const RowMatrixF& win, const RowMatrixF& whid, const RowMatrixF& wout)
{
    m_last = {win, whid, wout};
    for (int i = 0; i < 3; ++i)
        setPanel(i, m_last[i]);
    updateStretch();
}

void WeightsView::setHistogramBins(int bins)
{
    m_bins = std::max(2, bins);
    for (int i = 0; i < 3; ++i)
        updateHistogram(i);
}

void WeightsView::setPanel(int i, const RowMatrixF& m)
{
    Panel& p = m_panels[i];
    const QString name = tr(kPanels[i].name);
    const int rows = static_cast<int>(m.rows()), cols = static_cast<int>(m.cols());
    const QString title =
        m.size() > 0 ? QStringLiteral("%1 (%2 × %3)").arg(name).arg(rows).arg(cols) : name;
    p.heatmap->setMatrix(m.size() > 0 ? m.data() : nullptr, rows, cols, title);
    updateHistogram(i);
}

void WeightsView::updateHistogram(int i)
{
    Panel& p = m_panels[i];
    const RowMatrixF& m = m_last[i];
    const QString name = tr(kPanels[i].name);
    m_outliers[i] = 0;
    const bool empty = m.size() == 0;
    p.x->setVisible(!empty);
    p.y->setVisible(!empty);
    if (empty) {
        setStepOutline(p.upper, Histogram{}, 0.0);
        p.chart->setTitle(tr("%1: not in the recording").arg(name));
        return;
    }
    std::vector<double> values(m.data(), m.data() + m.size());
    // Symmetric about 0 like the heatmap, so both read the same way, and the
    // same limit as its colours.
    const double lim = m_robust ? p.heatmap->robustLimit() : p.heatmap->fullLimit();
    if (m_robust) {
        const auto beyond = [lim](double v) { return std::isfinite(v) && std::abs(v) > lim; };
        m_outliers[i] = static_cast<int>(std::count_if(values.begin(), values.end(), beyond));
        values.erase(std::remove_if(values.begin(), values.end(), beyond), values.end());
    }
    Histogram h = histogramOf(values, m_bins);
    setStepOutline(p.upper, h, 0.0);
    double maxCount = 0.0;
    for (double c : h.counts)
        maxCount = std::max(maxCount, c);
    p.chart->setTitle(tr("%1 values").arg(name));
    // The axis title has the plot's width; the chart title is elided early.
    // The axis ends at the cut; the heatmap's note gives its value.
    p.x->setTitleText(m_outliers[i] > 0 ? tr("weight (%1 beyond, cut)").arg(m_outliers[i])
                                        : tr("weight"));
    setFittedRange(p.chart, p.x, -lim, lim, m_robust, 5);
    setCountRange(p.y, maxCount, 5);
}

} // namespace rnnloss
