#pragma once
// The background engine: recomputes from the Summary on its own thread, fed
// the latest request. Bursts are coalesced: while a job runs, or while its
// result still waits for the receiver (resultTaken()), newer requests replace
// the waiting one, so a slider dragged through a thousand values costs a
// handful of computations, never a queue of a thousand.

#include "loss.h"
#include "neuronstats.h"
#include "summary.h"

#include <QObject>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

namespace rnnloss {

struct ComputeRequest
{
    std::shared_ptr<const Summary> summary;
    std::uint64_t generation = 0; ///< which load the summary belongs to
    TermArray lambdas{};          ///< effective: a disabled term is 0
    Convention convention = kDefaultConvention;
    int neuron = -1;              ///< the neuron whose detail is shown, or -1
    std::vector<int>
        psthNeurons; ///< the selected neurons whose PSTHs are overlaid (the view shows 8)
    /// The selected neuron's PSTH once per trial label (read from the file).
    bool splitByLabel = false;
    /// The 10 % and 90 % quantiles across trials of the selected neuron (and
    /// of each label's trials when split): read from the file, so only when
    /// the view's band shows them.
    bool quantiles = false;
};

/// One PSTH line of a neuron over the trials of one label.
struct LabelPsth
{
    std::string label;
    Psth psth;
    int trials = 0;               ///< the label's trials in the selection
    std::vector<double> q10, q90; ///< per step across those trials; empty unless asked
};

struct ComputeResult
{
    std::shared_ptr<const Summary> summary; ///< the data it was computed from
    std::uint64_t generation = 0;
    std::uint64_t sequence = 0;   ///< increases with every request submitted
    Convention convention = kDefaultConvention;
    TermArray lambdas{};
    LossResult loss;
    std::shared_ptr<const NeuronStats> stats; ///< shared while convention and data stay
    RateSpread spread;
    int neuron = -1;
    Histogram neuronHistogram;
    Psth neuronPsth;
    int trials = 0; ///< behind each PSTH that is not split by label (B of the selection)
    bool quantiles = false;
    std::vector<double> neuronQ10, neuronQ90; ///< per step; empty unless asked (or unreadable)
    std::vector<int> psthNeurons;
    std::vector<Psth> psths; ///< one per psthNeurons entry
    Psth populationPsth;     ///< mean over neurons of their PSTH means (no SD)
    bool splitByLabel = false;
    std::vector<LabelPsth> labelPsths; ///< when split: one per label, in order of first trial
    /// What keeps a neuron detail from being shown (the split needs
    /// unfiltered data, the file changed since it was read, ...); else empty.
    std::string detailNote;
};

class ComputeWorker : public QObject
{
    Q_OBJECT
public:
    ComputeWorker();

    /// Thread-safe; called from the GUI thread. Replaces any waiting request.
    void submit(ComputeRequest request);
    /// Thread-safe; the receiver of resultReady calls it for every result it
    /// gets. Until then no further job starts (at most one result in flight),
    /// so the worker never outruns what the receiver can show.
    void resultTaken();
    /// The one computation, exposed for tests and the CLI-equivalence checks.
    static ComputeResult compute(const ComputeRequest& request);

    std::uint64_t jobsRun() const { return m_jobsRun; }
    std::uint64_t requestsSubmitted() const { return m_sequence; }

signals:
    void resultReady(const rnnloss::ComputeResult& result);

private:
    void processLatest();

    std::mutex m_mutex;
    std::optional<ComputeRequest> m_pending;
    std::uint64_t m_pendingSequence = 0;
    bool m_scheduled = false;
    bool m_inFlight = false; ///< a result is emitted and not yet taken
    std::atomic<std::uint64_t> m_sequence{0};
    std::atomic<std::uint64_t> m_jobsRun{0};
    // Worker-thread state: what the last job computed, reused when only lambdas change.
    std::optional<ComputeResult> m_last;
    std::optional<TermValues> m_lastTerms;
};

} // namespace rnnloss

Q_DECLARE_METATYPE(rnnloss::ComputeResult)
