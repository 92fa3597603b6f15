#pragma once
// The three weight matrices as heatmaps, W_in beside W_hid (rows are hidden
// units in both) and W_out below it (columns are hidden units), and the
// histogram of each one's values below (like nn4n's plot_layers). One toggle
// switches all of them between the full and a robust range.

#include "chartexport.h"
#include "summary.h"

#include <QWidget>

#include <array>

QT_BEGIN_NAMESPACE
class QAreaSeries;
class QCheckBox;
class QChart;
class QChartView;
class QGridLayout;
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
    QChart* histogramChart(int i) const { return m_panels[i].chart; }

    /// Colour ranges and histogram x ranges at the kRobustPercentile-th
    /// percentile of |w| (values beyond are marked or counted), or full.
    void setRobustRange(bool on);
    bool robustRange() const { return m_robust; }
    QCheckBox* robustCheck() const { return m_robustCheck; }
    /// Values left out of histogram `i` by the robust range.
    int histogramOutliers(int i) const { return m_outliers[i]; }

    /// Each heatmap and each histogram alone.
    QList<ExportableChart> exportableCharts() const;

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

    void updateHistogram(int i);
    void updateStretch();

    std::array<Panel, 3> m_panels{};
    std::array<RowMatrixF, 3> m_last;
    std::array<int, 3> m_outliers{};
    int m_bins = 40;
    bool m_robust = true;
    QCheckBox* m_robustCheck = nullptr;
    QGridLayout* m_mapGrid = nullptr;
};

} // namespace rnnloss
