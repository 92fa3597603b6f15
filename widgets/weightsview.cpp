#include "weightsview.h"

#include "chartutil.h"
#include "heatmapview.h"
#include "neuronstats.h"

#include <QGridLayout>
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
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    QFont axisFont = font();
    axisFont.setPointSizeF(8.5);
    for (int i = 0; i < 3; ++i) {
        Panel& p = m_panels[i];
        p.heatmap = new HeatmapView(this);
        p.heatmap->setAxisTitles(tr(kPanels[i].xTitle), tr(kPanels[i].yTitle));

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
        p.view = new QChartView(p.chart, this);
        p.view->setRenderHint(QPainter::Antialiasing);
        p.view->setMinimumSize(200, 170);

        grid->addWidget(p.heatmap, 0, i);
        grid->addWidget(p.view, 1, i);
        grid->setColumnStretch(i, 1);
    }
    grid->setRowStretch(0, 3);
    grid->setRowStretch(1, 2);
    setWeights({}, {}, {});
}

void WeightsView::setWeights(const RowMatrixF& win, const RowMatrixF& whid, const RowMatrixF& wout)
{
    m_last = {win, whid, wout};
    for (int i = 0; i < 3; ++i)
        setPanel(i, m_last[i]);
}

void WeightsView::setHistogramBins(int bins)
{
    m_bins = std::max(2, bins);
    for (int i = 0; i < 3; ++i)
        setPanel(i, m_last[i]);
}

void WeightsView::setPanel(int i, const RowMatrixF& m)
{
    Panel& p = m_panels[i];
    const QString name = tr(kPanels[i].name);
    const int rows = static_cast<int>(m.rows()), cols = static_cast<int>(m.cols());
    const QString title =
        m.size() > 0 ? QStringLiteral("%1 (%2 × %3)").arg(name).arg(rows).arg(cols) : name;
    p.heatmap->setMatrix(m.size() > 0 ? m.data() : nullptr, rows, cols, title);

    const bool empty = m.size() == 0;
    p.x->setVisible(!empty);
    p.y->setVisible(!empty);
    if (empty) {
        setStepOutline(p.upper, Histogram{}, 0.0);
        p.chart->setTitle(tr("%1: not in the recording").arg(name));
        return;
    }
    std::vector<double> values(m.data(), m.data() + m.size());
    // Symmetric about 0 like the heatmap, so both read the same way.
    double lim = 0.0;
    for (double v : values)
        if (std::isfinite(v))
            lim = std::max(lim, std::abs(v));
    Histogram h = histogramOf(values, m_bins);
    setStepOutline(p.upper, h, 0.0);
    double maxCount = 0.0;
    for (double c : h.counts)
        maxCount = std::max(maxCount, c);
    p.chart->setTitle(tr("%1 values").arg(name));
    if (lim > 0.0)
        setNiceRange(p.x, -lim, lim, 5);
    else
        setNiceRange(p.x, -1.0, 1.0, 5);
    setCountRange(p.y, maxCount, 5);
}

} // namespace rnnloss
