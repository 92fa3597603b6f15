#pragma once
// The selected neurons in detail: the histogram of one neuron's rates and the
// PSTHs (mean across trials over time) of up to eight neurons with the
// population mean.

#include "chartexport.h"
#include "neuronstats.h"

#include <QList>
#include <QString>
#include <QWidget>

#include <cstdint>
#include <vector>

QT_BEGIN_NAMESPACE
class QAreaSeries;
class QCheckBox;
class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace rnnloss {

/// One line of the PSTH: a neuron, or a neuron in one trial condition.
struct PsthTrace
{
    QString name; ///< legend text, e.g. "n12" or "n12 · left"
    Psth psth;
};

class NeuronDetailView : public QWidget
{
    Q_OBJECT

public:
    /// More lines than this are unreadable; the rest are left out, and the
    /// title says how many.
    static constexpr int kMaxPsthTraces = 8;

    explicit NeuronDetailView(QWidget* parent = nullptr);

    /// -1 shows "no neuron selected" and asks for one in both charts.
    void setNeuron(int neuron);
    int neuron() const { return m_neuron; }
    void setHistogram(const Histogram& h);
    /// One neuron's PSTH with its ± SD band across trials. `dt` is the time per
    /// step in milliseconds; 1 (or <= 0) labels the axis in time steps.
    void setPsth(const Psth& p, double dt = 1.0);
    /// Overlays the traces (the first kMaxPsthTraces) and, when not empty, the
    /// population mean (dashed). A single trace keeps its ± SD band. `dtMs` > 0
    /// puts the time axis in milliseconds, else in time steps.
    /// `byLabel`: the traces are one neuron's, one per trial label (the title says so).
    void setPsths(const QList<PsthTrace>& traces, const Psth& population = {}, double dtMs = 0.0,
                  bool byLabel = false);
    /// No neuron: both charts empty, asking for a selection.
    void clear();
    /// The recording's time step of each PSTH point (a slice's steps), so the
    /// time axis shows where the window lies; empty: 0, 1, 2, ...
    void setPsthSteps(std::vector<std::int64_t> steps);
    /// Shows "Split by trial label" (the recording has trial labels).
    void setSplitAvailable(bool available);
    /// Checked and available.
    bool splitByLabel() const;
    void setSplitByLabel(bool on); ///< without emitting splitByLabelChanged
    /// A line under the charts, e.g. why the split is not shown.
    void setNote(const QString& note);
    QString note() const;

    QChartView* histogramView() const { return m_histView; }
    QChartView* psthView() const { return m_psthView; }
    /// PSTH lines drawn (neurons or conditions), without the population mean.
    int psthTraceCount() const { return m_traceCount; }
    bool showsPopulationMean() const;
    QString psthTimeAxisTitle() const;
    QString histogramTitle() const;
    QString psthTitle() const;

    /// The rate histogram and the PSTH, each alone, for export.
    QList<ExportableChart> exportableCharts() const;

signals:
    void splitByLabelChanged(bool on);

private:
    double timeOf(std::size_t point, double dt) const;

    int m_neuron = -1;
    std::vector<std::int64_t> m_steps;
    QCheckBox* m_split = nullptr;
    bool m_splitAvailable = false;
    QLabel* m_note = nullptr;
    QLabel* m_title = nullptr;

    QChartView* m_histView = nullptr;
    QChart* m_histChart = nullptr;
    QLineSeries* m_histUpper = nullptr;
    QAreaSeries* m_histArea = nullptr;
    QValueAxis* m_histX = nullptr;
    QValueAxis* m_histY = nullptr;

    QChartView* m_psthView = nullptr;
    QChart* m_psthChart = nullptr;
    QList<QLineSeries*> m_traces; ///< kMaxPsthTraces lines, the unused ones empty
    QLineSeries* m_population = nullptr;
    int m_traceCount = 0;
    QLineSeries* m_bandUpper = nullptr;
    QLineSeries* m_bandLower = nullptr;
    QAreaSeries* m_band = nullptr;
    QValueAxis* m_timeAxis = nullptr;
    QValueAxis* m_rateAxis = nullptr;
};

} // namespace rnnloss
