#include "populationcontroller.h"

#include "chartutil.h"
#include "computeworker.h"
#include "jobthread.h"
#include "statisticview.h"

#include <QMetaObject>
#include <QSplitter>

namespace rnnloss {

QString neuronMeasureName(NeuronMeasure m)
{
    switch (m) {
    case NeuronMeasure::MeanRate:
        return QObject::tr("mean rate");
    case NeuronMeasure::Sd:
        return QObject::tr("SD over time");
    case NeuronMeasure::Cv:
        return QObject::tr("CV over time");
    case NeuronMeasure::Min:
        return QObject::tr("min rate");
    case NeuronMeasure::Max:
        return QObject::tr("max rate");
    case NeuronMeasure::FractionActive:
        return QObject::tr("fraction of samples active");
    case NeuronMeasure::FrContribution:
        return QObject::tr("contribution to L_fr");
    }
    return {};
}

struct PopulationController::Job
{
    PopulationRequest request;
    PopulationSource source;
    PopulationResult result;
    std::atomic<bool> cancel{false};
    std::thread thread;
};

PopulationRaw unavailablePopulationSource(const PopulationRequest&, const PopulationProgress&)
{
    PopulationRaw raw;
    raw.error = "no source of the raw-data statistics (the window gives the reader process)";
    raw.psychometricReason = raw.error;
    return raw;
}

PopulationController::PopulationController(PopulationSource source, QObject* parent)
    : QObject(parent), m_source(std::move(source))
{
}

PopulationController::~PopulationController()
{
    // The source is asked to stop through its progress callback; then joined.
    if (m_running) {
        m_running->cancel = true;
        if (m_running->thread.joinable())
            m_running->thread.join();
    }
}

QWidget* PopulationController::createTab()
{
    m_statView = new StatisticView;
    m_popView = new PopulationView;
    auto* split = new QSplitter(Qt::Horizontal);
    split->setObjectName("populationSplitter");
    split->addWidget(m_statView);
    split->addWidget(m_popView);
    split->setSizes({560, 560});
    connect(m_statView, &StatisticView::neuronsClicked, this,
            &PopulationController::neuronsClicked);
    connect(m_statView, &StatisticView::labelsChanged, this, &PopulationController::setLabels);
    connect(m_popView, &PopulationView::silentThresholdChanged, this,
            &PopulationController::setSilentThreshold);
    connect(m_popView, &PopulationView::responseWindowChanged, this,
            &PopulationController::setResponseWindow);
    return split;
}

void PopulationController::setResult(const ComputeResult& r, bool newStats,
                                     const LoadRequest& files)
{
    if (!newStats && r.summary == m_next.summary)
        return;
    const bool otherData = r.summary != m_next.summary;
    m_next.summary = r.summary;
    m_next.stats = r.stats;
    m_next.files = files;
    if (m_statView && r.stats) {
        QList<StatisticColumn> columns;
        for (NeuronMeasure m : kAllNeuronMeasures)
            columns.append({neuronMeasureName(m), neuronMeasure(*r.stats, m)});
        m_statView->setColumns(columns);
        m_statView->setGroups(r.summary ? summaryNeuronGroups(*r.summary)
                                        : std::vector<std::string>{});
    }
    request();
    if (otherData)
        emit settingsChanged();
}

void PopulationController::setSilentThreshold(double threshold)
{
    if (threshold == m_next.silentThreshold)
        return;
    m_next.silentThreshold = threshold;
    request();
    emit settingsChanged();
}

void PopulationController::setResponseWindow(const QString& text)
{
    if (text.toStdString() == m_next.windowText)
        return;
    m_next.windowText = text.toStdString();
    request();
    emit settingsChanged();
}

void PopulationController::setLabels(const QString& a, const QString& b)
{
    if (a.toStdString() == m_next.labelA && b.toStdString() == m_next.labelB)
        return;
    m_next.labelA = a.toStdString();
    m_next.labelB = b.toStdString();
    request();
}

PopulationResult PopulationController::compute(PopulationRequest q, const PopulationSource& source,
                                               const PopulationProgress& progress)
{
    PopulationResult out;
    out.sequence = q.sequence;
    if (!q.summary || !q.stats)
        return out;
    const Summary& s = *q.summary;
    out.groups = summaryNeuronGroups(s);
    for (const std::string& l : summaryTrialLabels(s))
        if (!out.labels.contains(qs(l)))
            out.labels << qs(l);
    PopulationMeasures& m = out.measures;
    m.silentThreshold = q.silentThreshold;
    m.silent = silentFraction(*q.stats, q.silentThreshold);
    m.groupRates = meanRateByGroup(*q.stats, out.groups);
    if (!q.labelA.empty() && !q.labelB.empty())
        out.selectivity = selectivity(s, q.labelA, q.labelB);
    if (!q.windowText.empty()) {
        WindowParse w = parseStepWindow(q.windowText, s.shape.time);
        q.window = w.window;
        m.windowError = w.error;
    }
    PopulationRaw raw = source ? source(q, progress) : unavailablePopulationSource(q, progress);
    if (progress && !progress(1.0)) {
        out.cancelled = true;
        return out;
    }
    m.saturated = raw.saturated;
    m.participationRatio = raw.participationRatio;
    m.rawReason = raw.error;
    m.psychometricReason = raw.psychometricReason;
    if (m.windowError.empty()) { // else they would be of a window nobody asked for
        m.accuracy = raw.accuracy;
        m.psychometric = raw.psychometric;
    } else {
        m.psychometricReason = m.windowError;
    }
    return out;
}

void PopulationController::request()
{
    if (!m_next.summary)
        return;
    m_next.sequence = ++m_sequence;
    if (m_popView)
        m_popView->setBusy(true);
    if (m_running) {
        m_pending = m_next; // replaces any waiting request: the latest wins
        m_running->cancel = true;
        return;
    }
    start(m_next);
}

void PopulationController::start(PopulationRequest r)
{
    auto job = std::make_shared<Job>();
    job->request = std::move(r);
    job->source = m_source;
    m_running = job;
    ++m_jobsRun;
    startJobThread(this, job, &PopulationController::finish, [job] {
        const PopulationProgress progress = [job](double) { return !job->cancel.load(); };
        job->result = compute(job->request, job->source, progress);
    });
}

void PopulationController::finish(const std::shared_ptr<Job>& job)
{
    if (job->thread.joinable())
        job->thread.join();
    if (m_running == job)
        m_running.reset();
    if (m_pending) {
        PopulationRequest next = std::move(*m_pending);
        m_pending.reset();
        start(std::move(next));
        return;
    }
    if (job->result.cancelled || job->request.sequence != m_sequence)
        return;
    m_last = job->result;
    show(job->result);
    emit ready(job->result);
}

void PopulationController::show(const PopulationResult& r)
{
    if (m_popView) {
        m_popView->setBusy(false);
        m_popView->setMeasures(r.measures);
    }
    if (!m_statView)
        return;
    m_statView->setLabels(r.labels); // emits labelsChanged only when the pair is new
    const Selectivity& sel = r.selectivity;
    QString note = sel.error.empty() ? QString() : qs(sel.error);
    if (sel.error.empty() && !sel.labelA.empty())
        note = tr("d′ over the trials' time-mean rates: %1 trials of %2, %3 of %4")
                   .arg(sel.trialsA)
                   .arg(qs(sel.labelA))
                   .arg(sel.trialsB)
                   .arg(qs(sel.labelB));
    if (qs(sel.labelA) == m_statView->labelA() && qs(sel.labelB) == m_statView->labelB())
        m_statView->setDPrime(sel.dPrime, note);
}

} // namespace rnnloss
