#include "setpopulation.h"

#include "jobthread.h"
#include "neuronstats.h"
#include "setslice.h"

#include <QMetaObject>

#include <algorithm>
#include <cmath>
#include <thread>
#include <unordered_set>

namespace rnnloss {

QString setMetricName(SetMetric m)
{
    switch (m) {
    case SetMetric::SilentFraction:
        return QObject::tr("silent fraction");
    case SetMetric::SaturatedFraction:
        return QObject::tr("saturated fraction");
    case SetMetric::ParticipationRatio:
        return QObject::tr("participation ratio");
    case SetMetric::Accuracy:
        return QObject::tr("accuracy");
    case SetMetric::MeanRate:
        return QObject::tr("mean rate");
    }
    return {};
}

struct SetPopulation::Job
{
    RecordingEntry entry;
    PopulationSource source;
    SetPopulationSettings settings;
    SliceController::FileStamp stamp;
    QString readerExe;
    std::uint64_t epoch = 0;
    RecordingMetrics result;
    std::atomic<bool> cancel{false};
    bool cancelled = false;
    std::thread thread;
};

SetPopulation::SetPopulation(PopulationSource source, QObject* parent)
    : QObject(parent), m_source(std::move(source))
{
}

SetPopulation::~SetPopulation()
{
    stop();
}

void SetPopulation::stop()
{
    // The source is asked to stop through its progress callback, then joined:
    // its result is of no use any more.
    if (!m_running)
        return;
    m_running->cancel = true;
    if (m_running->thread.joinable())
        m_running->thread.join();
    m_running.reset();
}

void SetPopulation::setSource(PopulationSource source)
{
    stop();
    m_source = std::move(source);
    m_results.clear();
    emit changed();
    next();
}

void SetPopulation::setSettings(const SetPopulationSettings& settings)
{
    if (settings == m_settings)
        return;
    m_settings = settings;
    ++m_epoch;
    m_results.clear();
    // Not joined here (the GUI thread would wait for a reader to stop):
    // finish() drops it and starts the next under these settings.
    if (m_running)
        m_running->cancel = true;
    emit changed();
    next();
}

void SetPopulation::setEntries(const std::vector<RecordingEntry>& entries)
{
    m_entries = entries;
    // A set, not a search per result: this runs at every update of a set of 10,000.
    std::unordered_set<std::uint64_t> live;
    for (const RecordingEntry& e : m_entries)
        live.insert(e.generation);
    std::erase_if(m_results, [&](const auto& kv) { return !live.count(kv.first); });
    std::erase_if(m_stamps, [&](const auto& kv) { return !live.count(kv.first); });
    // A slice reads the file again: refused when it changed since about its load.
    for (const RecordingEntry& e : m_entries)
        if (!m_stamps.count(e.generation) && !e.files.recording.isEmpty())
            m_stamps[e.generation] = SliceController::stampOf(e.files.recording);
    if (m_running && std::none_of(m_entries.begin(), m_entries.end(), [this](const auto& e) {
            return e.generation == m_running->entry.generation;
        }))
        m_running->cancel = true; // its recording is gone; finish() starts the next
    next();
}

void SetPopulation::setWanted(bool on)
{
    m_wanted = on;
    if (!on && m_running)
        m_running->cancel = true;
    next();
}

SliceController::FileStamp SetPopulation::stamp(std::uint64_t generation) const
{
    const auto it = m_stamps.find(generation);
    return it == m_stamps.end() ? SliceController::FileStamp{} : it->second;
}

std::shared_ptr<const RecordingMetrics> SetPopulation::result(std::uint64_t generation) const
{
    const auto it = m_results.find(generation);
    return it == m_results.end() ? nullptr : it->second;
}

bool SetPopulation::complete() const
{
    return std::all_of(m_entries.begin(), m_entries.end(),
                       [this](const RecordingEntry& e) { return result(e.generation) != nullptr; });
}

QString SetPopulation::status() const
{
    if (complete())
        return {};
    int done = 0;
    for (const RecordingEntry& e : m_entries)
        done += result(e.generation) != nullptr;
    if (!m_wanted)
        return tr("population measures of %1 of %2 recordings").arg(done).arg(m_entries.size());
    return tr("computing the population measures of the set (%1 of %2 done)…")
        .arg(done)
        .arg(m_entries.size());
}

RecordingMetrics SetPopulation::missing(const std::string& why)
{
    RecordingMetrics out;
    for (SetMetric m : kAllSetMetrics)
        out.reasons[std::size_t(m)] = why;
    return out;
}

RecordingMetrics SetPopulation::compute(const RecordingEntry& entry, const PopulationSource& source,
                                        const SetPopulationSettings& settings,
                                        const SliceController::FileStamp& loaded,
                                        const QString& readerExe, const std::atomic<bool>* cancel)
{
    const RecordingSlice shown = sliceOfEntry(entry, settings.selection, loaded, readerExe, cancel);
    if (!shown.summary)
        return missing(shown.reason);
    PopulationRequest q;
    q.summary = shown.summary;
    q.stats =
        std::make_shared<const NeuronStats>(computeNeuronStats(*shown.summary, kDefaultConvention));
    q.files = entry.files;
    q.silentThreshold = settings.silentThreshold;
    q.windowText = settings.responseWindow;
    const PopulationProgress progress = [cancel](double) { return !(cancel && *cancel); };
    return metricsOf(PopulationController::compute(q, source, progress).measures, *q.stats);
}

RecordingMetrics SetPopulation::metricsOf(const PopulationMeasures& m, const NeuronStats& stats)
{
    RecordingMetrics out;
    auto setReason = [&out](SetMetric k, const std::string& why) {
        out.reasons[std::size_t(k)] = why.empty() ? "not computed" : why;
    };
    auto put = [&out](SetMetric k, const std::optional<double>& v) {
        out.values[std::size_t(k)] = v;
    };
    put(SetMetric::SilentFraction, m.silent.value);
    setReason(SetMetric::SilentFraction, m.silent.reason);
    if (m.saturated) {
        put(SetMetric::SaturatedFraction, m.saturated->value);
        setReason(SetMetric::SaturatedFraction, m.saturated->reason);
    } else {
        setReason(SetMetric::SaturatedFraction, m.rawReason);
    }
    if (m.participationRatio) {
        put(SetMetric::ParticipationRatio, m.participationRatio->value);
        setReason(SetMetric::ParticipationRatio, m.participationRatio->reason);
    } else {
        setReason(SetMetric::ParticipationRatio, m.rawReason);
    }
    if (m.accuracy && m.accuracy->error.empty())
        put(SetMetric::Accuracy, m.accuracy->overall.value);
    setReason(SetMetric::Accuracy, !m.windowError.empty() ? m.windowError
                                   : m.accuracy           ? m.accuracy->error
                                                          : m.rawReason);
    // The population's mean rate: the mean over neurons of each one's mean
    // over every (trial, step) sample of the selection.
    double sum = 0.0;
    int n = 0;
    for (double v : stats.mean)
        if (std::isfinite(v)) {
            sum += v;
            ++n;
        }
    if (n > 0)
        put(SetMetric::MeanRate, sum / n);
    setReason(SetMetric::MeanRate, "no neuron has a finite rate");
    for (SetMetric k : kAllSetMetrics)
        if (out[k])
            out.reasons[std::size_t(k)].clear();
    return out;
}

void SetPopulation::next()
{
    if (!m_wanted || m_running)
        return;
    for (const RecordingEntry& e : m_entries) {
        if (m_results.count(e.generation))
            continue;
        auto job = std::make_shared<Job>();
        job->entry = e;
        job->source = m_source;
        job->settings = m_settings;
        job->epoch = m_epoch;
        job->readerExe = m_readerExe;
        if (const auto it = m_stamps.find(e.generation); it != m_stamps.end())
            job->stamp = it->second;
        m_running = job;
        ++m_jobsRun;
        startJobThread(this, job, &SetPopulation::finish, [job] {
            job->result = compute(job->entry, job->source, job->settings, job->stamp,
                                  job->readerExe, &job->cancel);
            job->cancelled = job->cancel.load();
        });
        return;
    }
}

void SetPopulation::finish(const std::shared_ptr<Job>& job)
{
    if (job->thread.joinable())
        job->thread.join();
    if (m_running != job)
        return; // stopped (the source changed): dropped
    m_running.reset();
    if (!job->cancelled && job->epoch == m_epoch) {
        m_results[job->entry.generation] = std::make_shared<const RecordingMetrics>(job->result);
        emit changed();
    }
    next();
}

} // namespace rnnloss
