#pragma once
// The population report of every recording of the set: silent and saturated
// fractions, participation ratio, accuracy and mean rate, for the History's
// metric mode, the runs scatter and Compare. Under the Population tab's
// settings (SetPopulationSettings: its silent threshold, response window and
// the selection, resolved against each recording: a trial label picks each
// recording's own trials: sliceOfEntry). Each comes from the reader's stats pass through a
// PopulationSource (the window's is readerPopulationSource, as the tab's) over
// the recording's slice (SliceController::compute), put together by
// PopulationController::compute as the tab does. One recording at a time on a
// worker thread, only while wanted (each costs a pass over its raw data), kept
// per recording until the settings change; then what runs is cancelled and
// the latest settings win.

#include "populationcontroller.h"
#include "recordingset.h"
#include "slice.h"
#include "slicecontroller.h"

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

/// What the set's measures are computed on: the Population tab's settings.
struct SetPopulationSettings
{
    double silentThreshold = kSilentThreshold;
    std::string responseWindow; ///< "a:b"; empty: the default rule
    SliceChoice selection;      ///< resolved against each recording; whole by default
    bool operator==(const SetPopulationSettings&) const = default;
};

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
    /// The reader for slices of recordings stored compressed (SliceController::compute).
    void setReaderExe(const QString& readerExe) { m_readerExe = readerExe; }
    /// New settings: every result is dropped and computed again (while
    /// wanted); what runs is cancelled, its result never shown.
    void setSettings(const SetPopulationSettings& settings);
    const SetPopulationSettings& settings() const { return m_settings; }
    /// The recordings to cover; what is missing is computed (while wanted),
    /// what is gone forgotten.
    void setEntries(const std::vector<RecordingEntry>& entries);
    /// Computes only while on; off stops what runs.
    void setWanted(bool on);
    bool wanted() const { return m_wanted; }

    /// The file's stamp of the recording of `generation` when it joined the
    /// set (none when not known): what a slice of it is checked against.
    SliceController::FileStamp stamp(std::uint64_t generation) const;
    /// The numbers of the recording of `generation`, or null while missing.
    std::shared_ptr<const RecordingMetrics> result(std::uint64_t generation) const;
    bool complete() const;
    /// "population measures of 2 of 5 recordings"; empty when complete.
    QString status() const;
    std::uint64_t jobsRun() const { return m_jobsRun; }

    /// The one computation, here and now (the worker's; tests call it): the
    /// recording's slice under `settings` (the whole of it at the default
    /// threshold and window unless given). `loaded`: the file's stamp when it
    /// was read (a slice re-reads it; none: as it is now); `cancel` stops it.
    static RecordingMetrics compute(const RecordingEntry& entry, const PopulationSource& source,
                                    const SetPopulationSettings& settings = {},
                                    const SliceController::FileStamp& loaded = {},
                                    const QString& readerExe = {},
                                    const std::atomic<bool>* cancel = nullptr);

signals:
    /// A result arrived, or results no longer apply (source, settings).
    void changed();

private:
    struct Job;
    void next();
    void stop();
    void finish(const std::shared_ptr<Job>& job);
    /// Every metric missing for `why`.
    static RecordingMetrics missing(const std::string& why);
    /// The set's numbers of a report on the recording's selection.
    static RecordingMetrics metricsOf(const PopulationMeasures& m, const NeuronStats& stats);

    PopulationSource m_source;
    QString m_readerExe;
    SetPopulationSettings m_settings;
    std::uint64_t m_epoch = 0; ///< of the settings: a job of another is dropped
    std::map<std::uint64_t, SliceController::FileStamp> m_stamps; ///< per generation
    std::vector<RecordingEntry> m_entries;
    bool m_wanted = false;
    std::map<std::uint64_t, std::shared_ptr<const RecordingMetrics>> m_results;
    std::shared_ptr<Job> m_running;
    std::uint64_t m_jobsRun = 0;
};

} // namespace rnnloss
