#pragma once
// One neuron in detail: the histogram of its rates and its PSTH (mean +- SD
// across trials over time).

#include "chartexport.h"
#include "neuronstats.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QAreaSeries;
class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace rnnloss {

class NeuronDetailView : public QWidget
{
    Q_OBJECT

public:
    explicit NeuronDetailView(QWidget* parent = nullptr);

    /// -1 shows "no neuron selected".
    void setNeuron(int neuron);
    int neuron() const { return m_neuron; }
    void setHistogram(const Histogram& h);
    /// `dt` is the time per step; 1 labels the axis in steps.
    void setPsth(const Psth& p, double dt = 1.0);
    /// Empties both charts.
    void clear();

    QChartView* histogramView() const { return m_histView; }
    QChartView* psthView() const { return m_psthView; }

    /// The rate histogram and the PSTH, each alone, for export.
    QList<ExportableChart> exportableCharts() const;

private:
    int m_neuron = -1;
    QLabel* m_title = nullptr;

    QChartView* m_histView = nullptr;
    QChart* m_histChart = nullptr;
    QLineSeries* m_histUpper = nullptr;
    QAreaSeries* m_histArea = nullptr;
    QValueAxis* m_histX = nullptr;
    QValueAxis* m_histY = nullptr;

    QChartView* m_psthView = nullptr;
    QChart* m_psthChart = nullptr;
    QLineSeries* m_mean = nullptr;
    QLineSeries* m_bandUpper = nullptr;
    QLineSeries* m_bandLower = nullptr;
    QAreaSeries* m_band = nullptr;
    QValueAxis* m_timeAxis = nullptr;
    QValueAxis* m_rateAxis = nullptr;
    double m_dt = 1.0;
};

} // namespace rnnloss
