#include "computeworker.h"

#include "rawread.h"
#include "slice.h"

#include <QMetaObject>

#include <unordered_set>

namespace rnnloss {

namespace {

bool onDemand(const Summary& s);

/// A summary file loaded without its recording: no per-time sums, and no raw
/// data to read them from.
bool summaryOnly(const Summary& s)
{
    return s.hasStates() && s.timeSum.size() == 0 && !onDemand(s);
}
constexpr const char* kSummaryOnly =
    "a PSTH needs the recording's raw data: only its summary is here";

/// Neuron `neuron` (of the summary's slice) over each trial label's trials,
/// read from the file: the summary's sums cannot be split by trial.
std::vector<LabelPsth> labelPsths(const Summary& s, int neuron, bool quantiles, std::string& note)
{
    std::vector<LabelPsth> out;
    if (s.trialLabels.empty() || neuron < 0) {
        note = s.trialLabels.empty() ? "the recording has no trial_labels" : "";
        return out;
    }
    if (summaryOnly(s)) {
        note = kSummaryOnly;
        return out;
    }
    if (!s.layout || !s.layout->find(Dataset::States)) {
        note = "split by trial label needs the states stored without compression (chunked or "
               "contiguous, no filters); this file's are not";
        return out;
    }
    const Slice base = s.slice ? *s.slice : wholeSlice(s.recordingShape());
    if (neuron >= static_cast<int>(base.neurons.size())) {
        note = "the selected neuron is not in the data shown";
        return out;
    }
    const std::int64_t id = base.neurons[static_cast<std::size_t>(neuron)];
    // The first kMaxLabels labels in trial order (the view draws no more);
    // each costs a pass over its trials, so trial ids used as labels stay cheap.
    constexpr std::size_t kMaxLabels = 8;
    std::vector<std::string> seen;
    std::unordered_set<std::string> all;
    for (std::int64_t b : base.trials) {
        const std::string& l = s.trialLabels[std::size_t(b)];
        if (all.insert(l).second && seen.size() < kMaxLabels)
            seen.push_back(l);
    }
    if (all.size() > kMaxLabels)
        note = "the first " + std::to_string(kMaxLabels) + " of " + std::to_string(all.size()) +
               " trial labels";
    for (const std::string& label : seen) {
        Slice one = base;
        std::erase_if(one.trials, [&](std::int64_t b) { return s.trialLabels[std::size_t(b)] != label; });
        const int trials = static_cast<int>(one.trials.size());
        io::RawReadOptions options;
        options.slice = std::move(one);
        io::NeuronDetail d = io::neuronFromRaw(s, id, options);
        if (!d.error.empty()) {
            note = d.error;
            return {};
        }
        io::NeuronQuantiles q;
        if (quantiles && (q = io::neuronQuantilesFromRaw(s, id, 0.1, 0.9, options)).error.size())
            note = q.error;
        out.push_back({label, std::move(d.psth), trials, std::move(q.lo), std::move(q.hi)});
    }
    return out;
}

constexpr const char* kNoQuantiles =
    "the 10–90 % band needs the trials themselves: an uncompressed recording (states chunked or "
    "contiguous, no filters); this file's are compressed";

/// The selected neuron's 10 % and 90 % quantiles across the selection's
/// trials, per step, from the file (a summary's sums cannot give them).
void neuronQuantiles(const Summary& s, int neuron, ComputeResult& r)
{
    if (neuron < 0 || neuron >= s.shape.nHid)
        return;
    if (!s.layout || !s.layout->find(Dataset::States)) {
        r.detailNote = kNoQuantiles;
        return;
    }
    io::RawReadOptions o;
    if (s.slice)
        o.slice = *s.slice;
    const std::int64_t id = s.slice ? s.slice->neurons[static_cast<std::size_t>(neuron)] : neuron;
    io::NeuronQuantiles q = io::neuronQuantilesFromRaw(s, id, 0.1, 0.9, o);
    if (!q.error.empty()) {
        r.detailNote = q.error;
        return;
    }
    r.neuronQ10 = std::move(q.lo);
    r.neuronQ90 = std::move(q.hi);
}

/// The population mean rate over time: the mean over neurons of psth(n).mean.
/// O(T * N) from the summary, once per data set or convention.
Psth populationPsth(const Summary& s);

/// The same for a lean summary: its per-time sums read from the file first.
Psth populationOf(const Summary& s, std::string& note)
{
    if (summaryOnly(s)) {
        note = kSummaryOnly;
        return {};
    }
    if (!onDemand(s))
        return populationPsth(s);
    Summary copy = s;
    if (std::string err = io::addPerTimeFromRaw(copy); !err.empty()) {
        note = std::move(err);
        return {};
    }
    return populationPsth(copy);
}

Psth populationPsth(const Summary& s)
{
    Psth pop;
    if (!s.hasStates() || s.shape.nHid <= 0)
        return pop;
    pop.mean.assign(static_cast<std::size_t>(s.shape.time), 0.0);
    for (std::int64_t n = 0; n < s.shape.nHid; ++n) {
        const Psth p = psth(s, n);
        for (std::size_t t = 0; t < pop.mean.size(); ++t)
            pop.mean[t] += p.mean[t];
    }
    for (double& m : pop.mean)
        m /= static_cast<double>(s.shape.nHid);
    return pop;
}

/// A summary of a lean pass (no per-time sums or sample histograms, as the
/// app loads) whose neuron details come from the file on demand.
bool onDemand(const Summary& s)
{
    return s.hasStates() && s.timeSum.size() == 0 && s.layout && s.layout->find(Dataset::States);
}

/// The recording's index of row `local` (in range: see neuronDetails).
std::int64_t recordingNeuron(const Summary& s, int local)
{
    return s.slice ? s.slice->neurons[static_cast<std::size_t>(local)] : local;
}

/// The selected neuron's histogram and PSTH (`wantNeuron`) and the overlaid
/// PSTHs (`wantPsths`): from the summary's sums, or gathered from the file in
/// one pass for a lean summary.
void neuronDetails(const Summary& s, int neuron, const std::vector<int>& psthNeurons,
                   bool wantNeuron, bool wantPsths, ComputeResult& r)
{
    // Indices of the summary's rows; one out of range (a view still showing
    // other data) is left out rather than read past the end.
    const auto inRange = [&](int n) { return n >= 0 && n < s.shape.nHid; };
    wantNeuron = wantNeuron && inRange(neuron);
    std::vector<int> rows;
    for (int n : psthNeurons)
        if (inRange(n))
            rows.push_back(n);
    if (wantPsths && rows.size() != psthNeurons.size())
        r.detailNote = "some selected neurons are not in the data shown";
    if (summaryOnly(s) && (wantNeuron || wantPsths))
        r.detailNote = kSummaryOnly; // the histograms are in the summary; the PSTHs are not
    if (!onDemand(s)) {
        if (wantPsths)
            for (int n : rows)
                r.psths.push_back(psth(s, n));
        if (wantNeuron) {
            r.neuronHistogram = neuronRateHistogram(s, neuron);
            r.neuronPsth = psth(s, neuron);
        }
        return;
    }
    std::vector<std::int64_t> ids;
    if (wantNeuron)
        ids.push_back(recordingNeuron(s, neuron));
    if (wantPsths)
        for (int n : rows)
            ids.push_back(recordingNeuron(s, n));
    if (ids.empty())
        return;
    io::RawReadOptions o;
    if (s.slice)
        o.slice = *s.slice;
    const std::vector<io::NeuronDetail> d = io::neuronsFromRaw(s, ids, o);
    if (!d.front().error.empty()) {
        r.detailNote = d.front().error;
        return;
    }
    std::size_t k = 0;
    if (wantNeuron) {
        r.neuronHistogram = d[k].histogram;
        r.neuronPsth = d[k++].psth;
    }
    if (wantPsths)
        for (std::size_t i = 0; i < rows.size(); ++i)
            r.psths.push_back(d[k++].psth);
}

} // namespace

ComputeWorker::ComputeWorker()
{
    qRegisterMetaType<rnnloss::ComputeResult>();
}

void ComputeWorker::submit(ComputeRequest request)
{
    bool schedule = false;
    {
        std::lock_guard lock(m_mutex);
        m_pending = std::move(request);
        m_pendingSequence = ++m_sequence;
        if (!m_scheduled && !m_inFlight) {
            m_scheduled = true;
            schedule = true;
        }
    }
    // At most one queued call exists at any time.
    if (schedule)
        QMetaObject::invokeMethod(this, &ComputeWorker::processLatest, Qt::QueuedConnection);
}

void ComputeWorker::resultTaken()
{
    bool schedule = false;
    {
        std::lock_guard lock(m_mutex);
        m_inFlight = false;
        if (m_pending && !m_scheduled) {
            m_scheduled = true;
            schedule = true;
        }
    }
    if (schedule)
        QMetaObject::invokeMethod(this, &ComputeWorker::processLatest, Qt::QueuedConnection);
}

void ComputeWorker::processLatest()
{
    ComputeRequest req;
    std::uint64_t seq = 0;
    {
        std::lock_guard lock(m_mutex);
        m_scheduled = false;
        if (!m_pending)
            return;
        req = std::move(*m_pending);
        seq = m_pendingSequence;
        m_pending.reset();
    }
    if (!req.summary)
        return;
    const bool sameData = m_last && m_lastTerms && m_last->summary == req.summary &&
                          m_last->convention == req.convention;
    ComputeResult r;
    r.summary = req.summary;
    r.generation = req.generation;
    r.sequence = seq;
    r.convention = req.convention;
    r.lambdas = req.lambdas;
    r.neuron = req.neuron;
    r.psthNeurons = req.psthNeurons;
    r.trials = static_cast<int>(req.summary->shape.batch);
    r.quantiles = req.quantiles;
    if (sameData) {
        // A lambda change: O(terms).
        r.loss = evaluate(*m_lastTerms, req.lambdas);
        r.stats = m_last->stats;
        r.spread = m_last->spread;
        r.populationPsth = m_last->populationPsth;
    } else {
        // New data or convention: O(B*N), never another pass over the raw data.
        m_lastTerms = computeTerms(*req.summary, req.convention);
        r.loss = evaluate(*m_lastTerms, req.lambdas);
        r.stats = std::make_shared<const NeuronStats>(computeNeuronStats(*req.summary, req.convention));
        r.spread = rateSpread(*req.summary, req.convention);
    }
    // The neuron-level parts: only what changed, and the population mean only
    // when several neurons are overlaid (a lean summary reads it from the file).
    if (req.psthNeurons.size() > 1 && r.populationPsth.mean.empty())
        r.populationPsth = populationOf(*req.summary, r.detailNote);
    const bool samePsths = sameData && m_last->psthNeurons == req.psthNeurons;
    const bool sameNeuron = sameData && m_last->neuron == req.neuron;
    if (samePsths)
        r.psths = m_last->psths;
    if (sameNeuron) {
        r.neuronHistogram = m_last->neuronHistogram;
        r.neuronPsth = m_last->neuronPsth;
    }
    neuronDetails(*req.summary, req.neuron, req.psthNeurons, !sameNeuron, !samePsths, r);
    // Quantiles cost a pass over the neuron's trials: kept while the neuron stays.
    const bool haveQuantiles = sameNeuron && (m_last->quantiles || !req.quantiles);
    if (req.quantiles && !req.splitByLabel) {
        if (haveQuantiles && m_last->quantiles && !m_last->neuronQ10.empty()) {
            r.neuronQ10 = m_last->neuronQ10;
            r.neuronQ90 = m_last->neuronQ90;
        } else {
            neuronQuantiles(*req.summary, req.neuron, r);
        }
    }
    r.splitByLabel = req.splitByLabel;
    if (req.splitByLabel) {
        if (haveQuantiles && m_last->splitByLabel) {
            r.labelPsths = m_last->labelPsths;
            r.detailNote = m_last->detailNote;
        } else {
            r.labelPsths = labelPsths(*req.summary, req.neuron, req.quantiles, r.detailNote);
        }
    }
    m_last = r;
    ++m_jobsRun;
    {
        std::lock_guard lock(m_mutex);
        m_inFlight = true;
    }
    emit resultReady(r);
}

ComputeResult ComputeWorker::compute(const ComputeRequest& req)
{
    ComputeResult r;
    r.summary = req.summary;
    r.generation = req.generation;
    r.convention = req.convention;
    r.lambdas = req.lambdas;
    r.neuron = req.neuron;
    r.splitByLabel = req.splitByLabel;
    r.trials = static_cast<int>(req.summary->shape.batch);
    r.quantiles = req.quantiles;
    if (req.splitByLabel)
        r.labelPsths = labelPsths(*req.summary, req.neuron, req.quantiles, r.detailNote);
    else if (req.quantiles)
        neuronQuantiles(*req.summary, req.neuron, r);
    r.loss = evaluate(computeTerms(*req.summary, req.convention), req.lambdas);
    r.stats = std::make_shared<const NeuronStats>(computeNeuronStats(*req.summary, req.convention));
    r.spread = rateSpread(*req.summary, req.convention);
    r.psthNeurons = req.psthNeurons;
    if (req.psthNeurons.size() > 1)
        r.populationPsth = populationOf(*req.summary, r.detailNote);
    neuronDetails(*req.summary, req.neuron, req.psthNeurons, true, true, r);
    return r;
}

} // namespace rnnloss
