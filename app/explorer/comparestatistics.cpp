#include "comparestatistics.h"

#include "chartutil.h"
#include "compareview.h"
#include "jobthread.h"
#include "neuronstats.h"
#include "populationcontroller.h"
#include "setslice.h"

#include <QMetaObject>

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

namespace rnnloss {

struct CompareStatistics::Job
{
    Request request;
    Values result;
    std::atomic<bool> cancel{false};
    std::thread thread;
};

QStringList CompareStatistics::choices()
{
    QStringList out;
    for (NeuronMeasure m : kAllNeuronMeasures)
        out << neuronMeasureName(m);
    out << QObject::tr("d′ between two trial labels");
    return out;
}

CompareStatistics::CompareStatistics(CompareView* view, RecordingSet* set, LambdaModel* lambdas,
                                     QObject* parent)
    : QObject(parent), m_view(view), m_set(set), m_lambdas(lambdas)
{
    m_view->setStatisticChoices(choices(), kDPrime);
    connect(m_view, &CompareView::statisticChosen, this,
            [this](int index, const QString& a, const QString& b) {
                m_statistic = index;
                m_labelA = a;
                m_labelB = b;
                request();
            });
    connect(m_set, &RecordingSet::entriesChanged, this, &CompareStatistics::onEntriesChanged);
    connect(m_lambdas, &LambdaModel::changed, this, [this] {
        // Only L_fr's contribution depends on the convention.
        if (m_lambdas->state().convention == m_convention)
            return;
        m_convention = m_lambdas->state().convention;
        request();
    });
    m_convention = m_lambdas->state().convention;
    onEntriesChanged();
}

CompareStatistics::~CompareStatistics()
{
    if (m_running) {
        m_running->cancel = true;
        if (m_running->thread.joinable())
            m_running->thread.join();
    }
}

void CompareStatistics::setRecordings(Recordings recordings)
{
    m_recordings = std::move(recordings);
    request();
}

void CompareStatistics::onEntriesChanged()
{
    QStringList labels;
    for (const RecordingEntry& e : m_set->entries())
        for (const std::string& l : summaryTrialLabels(*e.summary))
            if (!labels.contains(qs(l)))
                labels << qs(l);
    m_view->setTrialLabels(labels);
    m_labelA = m_view->labelA();
    m_labelB = m_view->labelB();
    request();
}

std::vector<double> CompareStatistics::valuesOf(const Input& in, const Query& q, QString& reason,
                                                const std::atomic<bool>* cancel)
{
    const RecordingSlice part = sliceOfEntry(in.entry, q.selection, in.stamp, q.readerExe, cancel);
    if (!part.summary) {
        reason = qs(part.reason);
        return {};
    }
    const Summary& s = *part.summary;
    if (q.statistic == kDPrime) {
        Selectivity sel = selectivity(s, q.labelA, q.labelB);
        reason = qs(sel.error);
        return std::move(sel.dPrime);
    }
    const NeuronStats st = computeNeuronStats(s, q.convention);
    std::vector<double> v = neuronMeasure(st, kAllNeuronMeasures.at(std::size_t(q.statistic)));
    if (std::none_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); })) {
        // A summary's per-trial sums give the mean, SD and CV of some trials,
        // not what only their samples tell (min, max, fraction active).
        const bool summaryOnly = !in.entry.files.summary.isEmpty() && !s.layout && s.slice;
        reason = summaryOnly ? tr("the selected trials' samples are not in its summary; only its "
                                  "summary is here")
                             : tr("no neuron has a finite value");
    }
    return v;
}

CompareStatistics::Values CompareStatistics::compute(const std::vector<Input>& recordings,
                                                     const Query& q,
                                                     const std::atomic<bool>* cancel)
{
    Values out;
    QStringList missing;
    for (const Input& in : recordings) {
        if (cancel && cancel->load())
            return {};
        QString reason;
        out.values.push_back(valuesOf(in, q, reason, cancel));
        if (cancel && cancel->load())
            return {};
        const auto& v = out.values.back();
        const bool drawn =
            std::any_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
        out.reasons << (drawn ? QString() : reason);
        if (!reason.isEmpty())
            missing << QStringLiteral("%1: %2").arg(in.label, reason);
    }
    out.note = missing.join(QStringLiteral("; "));
    return out;
}

QString CompareStatistics::selectionText(const SliceChoice& c)
{
    QStringList parts;
    if (!c.trials.empty())
        parts << tr("trials %1").arg(qs(c.trials));
    if (c.trialLabel)
        parts << tr("trial label '%1'").arg(qs(*c.trialLabel));
    if (!c.steps.empty())
        parts << tr("steps %1").arg(qs(c.steps));
    if (!c.neurons.empty())
        parts << tr("neurons %1").arg(qs(c.neurons));
    if (c.neuronGroup)
        parts << tr("group %1").arg(qs(*c.neuronGroup));
    return parts.join(QStringLiteral(", "));
}

void CompareStatistics::setSelection(const SliceChoice& selection)
{
    if (selection == m_selection)
        return;
    m_selection = selection;
    // The set's mean rates are of the whole recordings: under a selection the
    // mean rate is computed here like the other statistics.
    m_view->setMeanRatesGiven(!selection.whole());
    request();
}

void CompareStatistics::request()
{
    if (m_statistic <= 0 && m_selection.whole())
        return; // the whole recordings' mean rate: the view has it from the set's terms
    Request r;
    if (m_recordings)
        m_recordings(r.recordings);
    else
        for (const RecordingEntry& e : m_set->entries())
            r.recordings.push_back({e.label(), e, {}});
    r.query = {m_statistic, m_convention, m_labelA.toStdString(), m_labelB.toStdString(),
               m_selection, m_readerExe};
    if (m_running) {
        m_pending = std::move(r); // replaces any waiting request: the latest wins
        m_running->cancel = true;
        return;
    }
    start(std::move(r));
}

void CompareStatistics::start(Request r)
{
    auto job = std::make_shared<Job>();
    job->request = std::move(r);
    m_running = job;
    ++m_jobsRun;
    startJobThread(this, job, &CompareStatistics::finish, [job] {
        job->result = compute(job->request.recordings, job->request.query, &job->cancel);
    });
}

void CompareStatistics::finish(const std::shared_ptr<Job>& job)
{
    if (job->thread.joinable())
        job->thread.join();
    if (m_running == job)
        m_running.reset();
    if (m_pending) {
        Request next = std::move(*m_pending);
        m_pending.reset();
        start(std::move(next));
        return;
    }
    const Query& q = job->request.query;
    if (job->cancel || q.statistic != m_statistic || !(q.selection == m_selection))
        return;
    QString title = choices().value(q.statistic);
    if (q.statistic == kDPrime)
        title = tr("d′ (%1 vs %2)").arg(qs(q.labelA), qs(q.labelB));
    if (!q.selection.whole())
        title += tr(" on %1").arg(selectionText(q.selection));
    QStringList labels;
    for (const Input& in : job->request.recordings)
        labels << in.label;
    m_view->setStatisticValues(labels, title, job->result.values, job->result.note,
                               job->result.reasons);
    emit ready();
}

} // namespace rnnloss
