#pragma once
// Histogram of the per-neuron mean rates with the population mean and +- one
// SD marked, and a read-out of SD and CV as the convention defines them.

#include "chartexport.h"
#include "neuronstats.h"
#include "terms.h"

#include <QVector>
#include <QWidget>

#include <vector>

QT_BEGIN_NAMESPACE
class QAreaSeries;
class QBarSeries;
class QBarSet;
class QChart;
class QChartView;
class QCheckBox;
class QLabel;
class QLineSeries;
class QLogValueAxis;
class QSpinBox;
class QValueAxis;
QT_END_NAMESPACE

namespace rnnloss {

class RateHistogramView : public QWidget
{
    Q_OBJECT

public:
    explicit RateHistogramView(QWidget* parent = nullptr);

    void setData(const std::vector<double>& meanRates, const RateSpread& spread, Convention c);
    void setBinCount(int bins);
    int binCount() const { return m_bins; }
    void setLogCounts(bool on);
    bool logCounts() const { return m_logCounts; }
    /// Marks these neurons: each bin holding some gets an orange part as tall
    /// as the number of them it holds, over the bar of all its neurons.
    void setHighlightedNeurons(const QVector<int>& neurons);
    /// Per bin, how many highlighted neurons it holds (the orange parts).
    QList<double> highlightedCounts() const;
    /// Neurons with mean rate exactly 0 (never active under relu).
    int silentCount() const { return m_silent; }
    QString title() const;

    const Histogram& histogram() const { return m_hist; }
    /// Neurons whose mean rate falls in bin `bin` of the current histogram.
    QVector<int> neuronsInBin(int bin) const;
    /// Bins currently highlighted (for tests).
    QVector<int> highlightedBins() const { return m_highlightedBins; }
    QChartView* chartView() const { return m_view; }
    QString readoutText() const;

    /// The histogram chart alone (without the bin and log controls), for export.
    QList<ExportableChart> exportableCharts() const;

signals:
    void binClicked(const QVector<int>& neuronIndices);

private:
    void rebuildHistogram();
    void updateRanges();
    void updateReadout();
    void applyHighlight();
    void swapCountAxis();

    std::vector<double> m_rates;
    RateSpread m_spread;
    Convention m_convention = kDefaultConvention;
    Histogram m_hist;
    int m_bins = 20;
    bool m_logCounts = false;
    QVector<int> m_highlighted;
    QVector<int> m_highlightedBins;
    int m_silent = 0;

    QChartView* m_view = nullptr;
    QChart* m_chart = nullptr;
    QBarSeries* m_bars = nullptr;
    QBarSet* m_set = nullptr;
    /// Drawn over the bars in rate units: the highlighted neurons per bin. An
    /// area, not a second bar series: Qt would put two bar series side by side.
    QLineSeries* m_selUpper = nullptr;
    QLineSeries* m_selLower = nullptr; ///< at the count axis' floor (0, or the log floor)
    QAreaSeries* m_selArea = nullptr;
    QList<double> m_selCounts;
    QValueAxis* m_binAxis = nullptr;  ///< hidden, in bin units: the bars live here
    QValueAxis* m_rateAxis = nullptr; ///< shown, in rate units: the lines live here
    QValueAxis* m_countAxis = nullptr;
    QLogValueAxis* m_logCountAxis = nullptr;
    QLineSeries* m_meanLine = nullptr;
    QLineSeries* m_sdLow = nullptr;
    QLineSeries* m_sdHigh = nullptr;
    QSpinBox* m_binSpin = nullptr;
    QCheckBox* m_logCheck = nullptr;
    QLabel* m_readout = nullptr;
};

} // namespace rnnloss
