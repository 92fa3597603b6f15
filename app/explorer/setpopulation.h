#pragma once
// The population report of every recording of the set (the whole of each):
// silent and saturated fractions, participation ratio, accuracy and mean
// rate, for the History's metric mode and the runs scatter. Each comes from
// the reader's stats pass through a PopulationSource (the window's is
// readerPopulationSource, as the Population tab's), put together by
// PopulationController::compute as the tab does. One recording at a time on a
// worker thread, only while wanted (each costs a pass over its raw data),
// kept per recording.

#include "populationcontroller.h"
#include "recordingset.h"

#include <QObject>
#include <QString>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rnnloss {

enum class SetMetric
{
    SilentFraction,
    SaturatedFraction,
    ParticipationRatio,
    Accuracy,
    MeanRate
};
inline constexpr std::array<SetMetric, 5> kAllSetMetrics = {
    SetMetric::SilentFraction, SetMetric::SaturatedFraction, SetMetric::ParticipationRatio,
    SetMetric::Accuracy, SetMetric::MeanRate};

/// "silent fraction", "participation ratio", ...: what axes and menus say.
QString setMetricName(SetMetric m);

/// One recording's numbers; an empty one has its reason.
struct RecordingMetrics
{
    std::array<std::optional<double>, kAllSetMetrics.size()> values;
    std::array<std::string, kAllSetMetrics.size()> reasons;
    const std::optional<double>& operator[](SetMetric m) const
    {
        return values[static_cast<std::size_t>(m)];
    }
};

class SetPopulation : public QObject
{
    Q_OBJECT
public:
    explicit SetPopulation(PopulationSource source = unavailablePopulationSource,
                           QObject* parent = nullptr);
    ~SetPopulation() override;

    /// What was computed with another source is forgotten.
    void setSource(PopulationSource source);
    /// The recordings to cover; what is missing is computed (while wanted),
    /// what is gone forgotten.
    void setEntries(const std::vector<RecordingEntry>& entries);
    /// Computes only while on; off stops what runs.
    void setWanted(bool on);
    bool wanted() const { return m_wanted; }

    /// The numbers of the recording of `generation`, or null while missing.
    std::shared_ptr<const RecordingMetrics> result(std::uint64_t generation) const;
    bool complete() const;
    /// "population measures of 2 of 5 recordings"; empty when complete.
    QString status() const;
    std::uint64_t jobsRun() const { return m_jobsRun; }

    /// The one computation, here and now (the worker's; tests call it): the
    /// whole recording at the default silent threshold and response window.
    static RecordingMetrics compute(const RecordingEntry& entry, const PopulationSource& source,
                                    const PopulationProgress& progress = {});

signals:
    /// A result arrived, or results no longer apply (source).
    void changed();

private:
    struct Job;
    void next();
    void stop();
    void finish(const std::shared_ptr<Job>& job);

    PopulationSource m_source;
    std::vector<RecordingEntry> m_entries;
    bool m_wanted = false;
    std::map<std::uint64_t, std::shared_ptr<const RecordingMetrics>> m_results;
    std::shared_ptr<Job> m_running;
    std::uint64_t m_jobsRun = 0;
};

} // namespace rnnloss
