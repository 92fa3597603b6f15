#include "comparestatistics.h"

#include "chartutil.h"
#include "compareview.h"
#include "neuronstats.h"
#include "populationcontroller.h"

#include <QMetaObject>
#include <QPointer>

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

CompareStatistics::Values
CompareStatistics::compute(const std::vector<std::shared_ptr<const Summary>>& summaries,
                           const QStringList& names, int statistic, Convention convention,
                           const std::string& labelA, const std::string& labelB,
                           const std::atomic<bool>* cancel)
{
    Values out;
    QStringList missing;
    for (std::size_t i = 0; i < summaries.size(); ++i) {
        if (cancel && cancel->load())
            return {};
        const Summary& s = *summaries[i];
        const QString name = names.value(int(i));
        if (!s.hasStates()) {
            out.values.emplace_back();
            missing << tr("%1 has no states").arg(name);
        } else if (statistic == kDPrime) {
            Selectivity sel = selectivity(s, labelA, labelB);
            if (!sel.error.empty())
                missing << QStringLiteral("%1: %2").arg(name, qs(sel.error));
            out.values.push_back(std::move(sel.dPrime));
        } else {
            const NeuronStats st = computeNeuronStats(s, convention);
            out.values.push_back(neuronMeasure(st, kAllNeuronMeasures.at(std::size_t(statistic))));
        }
    }
    out.note = missing.join(QStringLiteral("; "));
    return out;
}

void CompareStatistics::request()
{
    if (m_statistic <= 0)
        return; // the mean rate: the view has it from the set's terms
    Request r;
    if (m_recordings)
        m_recordings(r.labels, r.summaries);
    else
        for (const RecordingEntry& e : m_set->entries()) {
            r.labels << e.label();
            r.summaries.push_back(e.summary);
        }
    r.statistic = m_statistic;
    r.convention = m_convention;
    r.labelA = m_labelA.toStdString();
    r.labelB = m_labelB.toStdString();
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
    QPointer<CompareStatistics> self(this);
    job->thread = std::thread([self, job] {
        const Request& q = job->request;
        job->result = compute(q.summaries, q.labels, q.statistic, q.convention, q.labelA, q.labelB,
                              &job->cancel);
        QMetaObject::invokeMethod(
            self,
            [self, job] {
                if (self)
                    self->finish(job);
            },
            Qt::QueuedConnection);
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
    if (job->cancel || job->request.statistic != m_statistic)
        return;
    const QStringList names = choices();
    QString title = names.value(job->request.statistic);
    if (job->request.statistic == kDPrime)
        title = tr("d′ (%1 vs %2)").arg(qs(job->request.labelA), qs(job->request.labelB));
    m_view->setStatisticValues(job->request.labels, title, job->result.values, job->result.note);
    emit ready();
}

} // namespace rnnloss
