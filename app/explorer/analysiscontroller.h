#pragma once
// The numbers behind the views: owns the compute thread and its ComputeWorker,
// sends it the latest inputs (recording, lambdas, selected neuron) and passes
// on only results that belong to the recording shown now.

#include "computeworker.h"
#include "lambdastate.h"

#include <QObject>
#include <QThread>

#include <memory>
#include <optional>

namespace rnnloss {

class AnalysisController : public QObject
{
    Q_OBJECT
public:
    explicit AnalysisController(QObject* parent = nullptr);
    ~AnalysisController() override;

    /// A new recording: earlier results become stale, the neuron selection is
    /// cleared. Computes once lambdas are set.
    void setRecording(std::shared_ptr<const Summary> summary, std::uint64_t generation);
    /// The same recording's data for another selection (a slice, or the whole
    /// again): lambdas stay, and so does the neuron when `keepNeuron` (the
    /// slice kept the same neurons); otherwise the neuron is `neuron`, its row
    /// in the new data (-1: none). The shown result stays until the new one.
    void setSummary(std::shared_ptr<const Summary> summary, bool keepNeuron, int neuron = -1);
    void setLambdas(const LambdaState& state);
    /// The selected neuron's PSTH per trial label instead of pooled.
    void setSplitByLabel(bool on);
    /// The PSTH band shows the 10–90 % quantiles across trials: compute them.
    void setQuantiles(bool on);
    void setNeuron(int neuron);
    /// The neurons whose PSTHs the Neurons tab overlays (the table's selection).
    void setPsthNeurons(std::vector<int> neurons);
    int neuron() const { return m_neuron; }

    std::shared_ptr<const Summary> summary() const { return m_summary; }
    /// The latest result of the current recording, or null.
    const ComputeResult* lastResult() const { return m_result ? &*m_result : nullptr; }
    ComputeWorker* worker() const { return m_worker; }

signals:
    /// A current result. `newStats`: its per-neuron statistics differ from the
    /// previous result's (new data or convention); `newNeuron`: so does its neuron.
    void resultReady(const rnnloss::ComputeResult& result, bool newStats, bool newNeuron);

private:
    void request();
    void onResult(const ComputeResult& result);

    QThread m_thread;
    ComputeWorker* m_worker = nullptr;
    std::shared_ptr<const Summary> m_summary;
    std::uint64_t m_generation = 0;
    LambdaState m_lambdas;
    int m_neuron = -1;
    std::vector<int> m_psthNeurons;
    bool m_split = false;
    bool m_quantiles = false;
    std::optional<ComputeResult> m_result;
};

} // namespace rnnloss
