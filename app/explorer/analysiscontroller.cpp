#include "analysiscontroller.h"

namespace rnnloss {

AnalysisController::AnalysisController(QObject* parent)
    : QObject(parent), m_worker(new ComputeWorker)
{
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.setObjectName("compute");
    m_thread.start();
    connect(m_worker, &ComputeWorker::resultReady, this, &AnalysisController::onResult);
}

AnalysisController::~AnalysisController()
{
    m_thread.quit();
    m_thread.wait();
}

void AnalysisController::setRecording(std::shared_ptr<const Summary> summary,
                                      std::uint64_t generation)
{
    m_summary = std::move(summary);
    m_generation = generation;
    m_neuron = -1;
    m_psthNeurons.clear();
    m_result.reset();
}

void AnalysisController::setSummary(std::shared_ptr<const Summary> summary, bool keepNeuron,
                                    int neuron)
{
    m_summary = std::move(summary);
    if (!keepNeuron) {
        m_neuron = neuron >= 0 && neuron < m_summary->shape.nHid ? neuron : -1;
        m_psthNeurons.clear();
    }
    request();
}

void AnalysisController::setSplitByLabel(bool on)
{
    if (on == m_split)
        return;
    m_split = on;
    request();
}

void AnalysisController::setQuantiles(bool on)
{
    if (on == m_quantiles)
        return;
    m_quantiles = on;
    request();
}

void AnalysisController::setLambdas(const LambdaState& state)
{
    m_lambdas = state;
    request();
}

void AnalysisController::setNeuron(int neuron)
{
    // A row of a table that still shows other data than the summary's (a
    // slice of fewer neurons just set): nothing to show for it.
    if (neuron < -1 || (m_summary && neuron >= m_summary->shape.nHid))
        neuron = -1;
    if (neuron == m_neuron)
        return;
    m_neuron = neuron;
    request();
}

void AnalysisController::setPsthNeurons(std::vector<int> neurons)
{
    std::erase_if(neurons, [this](int n) {
        return n < 0 || (m_summary && n >= m_summary->shape.nHid);
    });
    if (neurons == m_psthNeurons)
        return;
    m_psthNeurons = std::move(neurons);
    request();
}

void AnalysisController::request()
{
    if (!m_summary)
        return;
    ComputeRequest r;
    r.summary = m_summary;
    r.generation = m_generation;
    r.lambdas = m_lambdas.effective();
    r.convention = m_lambdas.convention;
    r.neuron = m_neuron;
    r.psthNeurons = m_psthNeurons;
    r.splitByLabel = m_split;
    r.quantiles = m_quantiles;
    m_worker->submit(std::move(r));
}

void AnalysisController::onResult(const ComputeResult& r)
{
    m_worker->resultTaken(); // lets the worker start the latest request
    if (r.summary != m_summary)
        return; // computed for data that has since been replaced (another file or slice)
    const bool newStats = !m_result || m_result->stats != r.stats;
    const bool newNeuron =
        !m_result || m_result->neuron != r.neuron || m_result->psthNeurons != r.psthNeurons ||
        m_result->splitByLabel != r.splitByLabel || m_result->quantiles != r.quantiles ||
        m_result->labelPsths.size() != r.labelPsths.size();
    m_result = r;
    emit resultReady(*m_result, newStats, newNeuron);
}

} // namespace rnnloss
