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
#include <limits>
#include <utility>
#include <vector>

QT_BEGIN_NAMESPACE
class QAreaSeries;
class QCheckBox;
class QComboBox;
class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace rnnloss {

class ChartLegend;

/// One line of the PSTH: a neuron, or a neuron in one trial condition.
struct PsthTrace
{
    PsthTrace() = default;
    PsthTrace(QString name_, Psth psth_, int trials_ = 0, std::vector<double> q10_ = {},
              std::vector<double> q90_ = {})
        : name(std::move(name_)), psth(std::move(psth_)), trials(trials_), q10(std::move(q10_)),
          q90(std::move(q90_))
    {
    }

    QString name; ///< legend text, e.g. "n12" or "n12 · left"
    Psth psth;
    /// The trials averaged at each step (B of the selection): the SEM band needs it.
    /// 0: unknown, no SEM band.
    int trials = 0;
    /// Per step, the 10 % and 90 % quantiles of the rate across trials (the
    /// caller computes them from the raw data); empty: no quantile band.
    std::vector<double> q10, q90;
};

/// What the band around a single PSTH line shows.
enum class PsthBand
{
    Sd,       ///< mean ± SD across trials
    Sem,      ///< mean ± SEM (sample SD / sqrt(trials))
    Quantiles ///< the 10–90 % quantiles across trials
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
    /// The band of a single line (the combo box above the charts); does not
    /// emit bandChanged.
    void setBand(PsthBand band);
    PsthBand band() const { return m_bandKind; }
    /// The range the rates can take (the activation's: relu [0, inf), tanh
    /// [-1, 1], sigmoid [0, 1]); a band is clipped to it, so mean - SD of a
    /// relu neuron never goes below 0. Default: unbounded.
    void setValueRange(double lo, double hi);
    /// The band as drawn: its lower and upper edge, empty when none is drawn.
    QList<QPointF> bandLower() const;
    QList<QPointF> bandUpper() const;
    /// The legend under the PSTH (names in full, wrapped into rows).
    ChartLegend* psthLegend() const { return m_psthLegend; }
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
    /// The user picked another band; the quantile band needs PsthTrace::q10/q90.
    void bandChanged(rnnloss::PsthBand band);

private:
    double timeOf(std::size_t point, double dt) const;
    void redrawPsths();
    /// The band of the single trace (lower, upper), clipped to the value range;
    /// `why` says why there is none.
    bool bandOf(const PsthTrace& t, double dt, QList<QPointF>* lower, QList<QPointF>* upper,
                QString* why) const;
    void updatePsthLegend();
    /// `noBand`: why the single line has no band (empty: it has one);
    /// `clippedAt`: the bound the band was clipped at (empty: none).
    QString psthTitleFor(const QString& noBand, const QString& clippedAt) const;

    int m_neuron = -1;
    std::vector<std::int64_t> m_steps;
    PsthBand m_bandKind = PsthBand::Sd;
    double m_valueLo = -std::numeric_limits<double>::infinity();
    double m_valueHi = std::numeric_limits<double>::infinity();
    // The last setPsths() call, redrawn when the band or the range changes.
    QList<PsthTrace> m_lastTraces;
    Psth m_lastPopulation;
    double m_lastDtMs = 0.0;
    bool m_lastByLabel = false;
    QComboBox* m_bandBox = nullptr;
    ChartLegend* m_psthLegend = nullptr;
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
