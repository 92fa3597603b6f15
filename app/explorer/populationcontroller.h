#pragma once
// The Population tab's numbers, computed off the GUI thread. The per-neuron
// parts (each statistic, d', silent fraction, mean rate per group) come from
// the shown result's Summary and NeuronStats; the parts that need a pass over
// the raw data (saturation counts, participation ratio, trial choices ->
// accuracy and psychometric curve) come from an injected source, which the
// reader process provides. Requests coalesce: while one runs, a newer one
// replaces the waiting one, and only the latest request's result is shown.

#include "loadcontroller.h"
#include "neuronstats.h"
#include "populationview.h"
#include "summary.h"

#include <QObject>
#include <QVector>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

class QWidget;

namespace rnnloss {

class StatisticView;
struct ComputeResult;

struct PopulationRequest
{
    std::shared_ptr<const Summary> summary; ///< the shown data (a slice: the selection)
    std::shared_ptr<const NeuronStats> stats;
    LoadRequest files; ///< where the raw data are
    std::uint64_t sequence = 0;
    double silentThreshold = kSilentThreshold;
    std::string windowText;           ///< "a:b"; empty: the default rule
    std::optional<StepWindow> window; ///< parsed from windowText for the raw source
    std::string labelA, labelB;       ///< d' between these trial labels (empty: none)
};

/// "mean rate", "SD over time", ...: a statistic's name in the views.
QString neuronMeasureName(NeuronMeasure m);

/// The raw-data parts. An empty optional is "not computed", with `error` saying why.
struct PopulationRaw
{
    std::optional<Fraction> saturated;
    std::optional<Measure> participationRatio;
    std::optional<Accuracy> accuracy;
    std::optional<Psychometric> psychometric;
    std::string psychometricReason; ///< e.g. the recording has no trial_values
    std::string error;
};

/// Progress in [0, 1]; returns false when the work should stop.
using PopulationProgress = std::function<bool(double)>;
using PopulationSource =
    std::function<PopulationRaw(const PopulationRequest&, const PopulationProgress&)>;

/// A controller without a source (tests): says so. The window passes
/// readerPopulationSource (populationsource.h).
PopulationRaw unavailablePopulationSource(const PopulationRequest&, const PopulationProgress&);

struct PopulationResult
{
    std::uint64_t sequence = 0;
    PopulationMeasures measures;
    std::vector<std::string> groups; ///< per neuron
    QStringList labels;              ///< distinct trial labels, in order of first trial
    Selectivity selectivity;         ///< for labelA/labelB when both are given
    bool cancelled = false;
};

class PopulationController : public QObject
{
    Q_OBJECT
public:
    /// `source`: the raw-data parts (the window passes the reader process's).
    explicit PopulationController(PopulationSource source = unavailablePopulationSource,
                                  QObject* parent = nullptr);
    ~PopulationController() override;

    /// The tab: the statistic's histogram beside the population panel, wired here.
    QWidget* createTab();
    StatisticView* statisticView() const { return m_statView; }
    PopulationView* populationView() const { return m_popView; }

    /// Replaces the raw-data source (the lead's reader-process path, or a test's fake).
    void setRawSource(PopulationSource source) { m_source = std::move(source); }
    /// A result is shown: new statistics (`newStats`) mean new numbers here.
    void setResult(const ComputeResult& result, bool newStats, const LoadRequest& files);
    void setSilentThreshold(double threshold);
    void setResponseWindow(const QString& text);
    void setLabels(const QString& a, const QString& b);
    /// The settings the tab's numbers are computed with (the set's follow them).
    double silentThreshold() const { return m_next.silentThreshold; }
    QString responseWindow() const { return QString::fromStdString(m_next.windowText); }

    bool busy() const { return m_running != nullptr; }
    std::uint64_t jobsRun() const { return m_jobsRun; }
    const std::optional<PopulationResult>& last() const { return m_last; }

    /// The one computation, here and now (the worker's job; tests call it).
    static PopulationResult compute(PopulationRequest request, const PopulationSource& source,
                                    const PopulationProgress& progress);

signals:
    /// The result of the latest request.
    void ready(const rnnloss::PopulationResult& result);
    /// A bar of the statistic's histogram was clicked: its neurons (rows of the shown data).
    void neuronsClicked(const QVector<int>& neurons);
    /// The silent threshold or the response window changed, or the tab now
    /// covers other data (another recording, another selection).
    void settingsChanged();

private:
    struct Job;
    void request();
    void start(PopulationRequest r);
    void finish(const std::shared_ptr<Job>& job);
    void show(const PopulationResult& r);

    PopulationSource m_source = unavailablePopulationSource;
    PopulationRequest m_next; ///< the inputs as they are now
    std::shared_ptr<Job> m_running;
    std::optional<PopulationRequest> m_pending;
    std::optional<PopulationResult> m_last;
    std::uint64_t m_sequence = 0;
    std::uint64_t m_jobsRun = 0;
    StatisticView* m_statView = nullptr;
    PopulationView* m_popView = nullptr;
};

} // namespace rnnloss
