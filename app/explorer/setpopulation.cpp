#include "setpopulation.h"

#include "neuronstats.h"

#include <QMetaObject>
#include <QPointer>

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

void SetPopulation::setEntries(const std::vector<RecordingEntry>& entries)
{
    m_entries = entries;
    // A set, not a search per result: this runs at every update of a set of 10,000.
    std::unordered_set<std::uint64_t> live;
    for (const RecordingEntry& e : m_entries)
        live.insert(e.generation);
    std::erase_if(m_results, [&](const auto& kv) { return !live.count(kv.first); });
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

RecordingMetrics SetPopulation::compute(const RecordingEntry& entry, const PopulationSource& source,
                                        const PopulationProgress& progress)
{
    RecordingMetrics out;
    auto setReason = [&out](SetMetric m, const std::string& why) {
        out.reasons[std::size_t(m)] = why.empty() ? "not computed" : why;
    };
    if (!entry.summary || !entry.summary->hasStates()) {
        for (SetMetric m : kAllSetMetrics)
            setReason(m, "the recording has no states");
        return out;
    }
    PopulationRequest q;
    q.summary = entry.summary;
    q.stats =
        std::make_shared<const NeuronStats>(computeNeuronStats(*entry.summary, kDefaultConvention));
    q.files = entry.files;
    const PopulationResult r = PopulationController::compute(q, source, progress);
    const PopulationMeasures& m = r.measures;
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
    setReason(SetMetric::Accuracy, m.accuracy ? m.accuracy->error : m.rawReason);
    // The population's mean rate: the mean over neurons of each one's mean
    // over every (trial, step) sample.
    double sum = 0.0;
    int n = 0;
    for (double v : q.stats->mean)
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
        m_running = job;
        ++m_jobsRun;
        QPointer<SetPopulation> self(this);
        job->thread = std::thread([self, job] {
            const PopulationProgress progress = [job](double) { return !job->cancel.load(); };
            job->result = compute(job->entry, job->source, progress);
            job->cancelled = job->cancel.load();
            QMetaObject::invokeMethod(
                self,
                [self, job] {
                    if (self)
                        self->finish(job);
                },
                Qt::QueuedConnection);
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
    if (!job->cancelled) {
        m_results[job->entry.generation] = std::make_shared<const RecordingMetrics>(job->result);
        emit changed();
    }
    next();
}

} // namespace rnnloss
