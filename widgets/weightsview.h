#pragma once
// The three weight matrices as heatmaps, each with the histogram of its values
// below (like nn4n's plot_layers).

#include "summary.h"

#include <QWidget>

#include <array>

QT_BEGIN_NAMESPACE
class QAreaSeries;
class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace rnnloss {

class HeatmapView;

class WeightsView : public QWidget
{
    Q_OBJECT

public:
    explicit WeightsView(QWidget* parent = nullptr);

    /// Matrices in (out, in) orientation; an empty one shows "not in the recording".
    void setWeights(const RowMatrixF& win, const RowMatrixF& whid, const RowMatrixF& wout);
    void setHistogramBins(int bins);

    HeatmapView* heatmap(int i) const { return m_panels[i].heatmap; }
    QChartView* histogramView(int i) const { return m_panels[i].view; }

private:
    struct Panel
    {
        HeatmapView* heatmap = nullptr;
        QChartView* view = nullptr;
        QChart* chart = nullptr;
        QLineSeries* upper = nullptr;
        QAreaSeries* area = nullptr;
        QValueAxis* x = nullptr;
        QValueAxis* y = nullptr;
    };
    void setPanel(int i, const RowMatrixF& m);

    std::array<Panel, 3> m_panels{};
    std::array<RowMatrixF, 3> m_last;
    int m_bins = 40;
};

} // namespace rnnloss
