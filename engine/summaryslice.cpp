#include "summaryslice.h"

#include "slice.h"

#include <cstdint>
#include <vector>

namespace rnnloss {

namespace {

using Indices = std::vector<std::int64_t>;

bool everyIndex(const Indices& v, std::int64_t size)
{
    return static_cast<std::int64_t>(v.size()) == size;
}

RowMatrix pick(const RowMatrix& m, const Indices& rows, const Indices& cols)
{
    RowMatrix out(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols.size()));
    for (std::size_t r = 0; r < rows.size(); ++r)
        for (std::size_t c = 0; c < cols.size(); ++c)
            out(Eigen::Index(r), Eigen::Index(c)) = m(rows[r], cols[c]);
    return out;
}

template <class T> std::vector<T> pick(const std::vector<T>& v, const Indices& at)
{
    std::vector<T> out;
    out.reserve(at.size());
    for (std::int64_t i : at)
        out.push_back(v[std::size_t(i)]);
    return out;
}

std::string refusal(const Summary& whole, const Slice& slice)
{
    if (whole.slice)
        return "the summary already covers a slice";
    if (whole.layout)
        return "the summary is not complete (its raw data is still to be read)";
    if (slice.whole != whole.shape)
        return "the slice is of a recording of another shape";
    if (std::string bad = checkSlice(slice); !bad.empty())
        return bad;
    if (!everyIndex(slice.steps, whole.shape.time))
        return "a time window needs the recording's raw data: each trial's sums in the summary "
               "run over all of its steps";
    const bool someTrials = !everyIndex(slice.trials, whole.shape.batch);
    const auto bad = [&](Dataset d) { return whole.has(d) && whole.info(d).nonFinite != 0; };
    if (someTrials && (bad(Dataset::Outputs) || bad(Dataset::Targets) || bad(Dataset::States)))
        return "the recording holds non-finite values; how many fall in the selected trials "
               "needs its raw data";
    return {};
}

/// The states part: per-trial sums of the slice's trials and neurons; the
/// per-sample statistics only when every trial is kept.
void sliceStates(const Summary& whole, const Slice& slice, bool allTrials, Summary& s)
{
    const Indices& tr = slice.trials;
    const Indices& ne = slice.neurons;
    s.trialSum = pick(whole.trialSum, tr, ne);
    s.trialSumSq = pick(whole.trialSumSq, tr, ne);
    s.trialSumAbs = pick(whole.trialSumAbs, tr, ne);
    s.neuronNonFinite = pick(whole.neuronNonFinite, ne);
    s.activeThreshold = whole.activeThreshold;
    std::int64_t nonFinite = 0;
    for (std::int64_t v : s.neuronNonFinite)
        nonFinite += v;
    s.info(Dataset::States).nonFinite = nonFinite;
    if (!allTrials)
        return;
    if (whole.timeSum.size() != 0) { // every step: see refusal()
        s.timeSum = pick(whole.timeSum, slice.steps, ne);
        s.timeSumSq = pick(whole.timeSumSq, slice.steps, ne);
    }
    s.neuronMin = pick(whole.neuronMin, ne);
    s.neuronMax = pick(whole.neuronMax, ne);
    s.neuronActive = pick(whole.neuronActive, ne);
    if (!whole.neuronHistograms.empty())
        s.neuronHistograms = pick(whole.neuronHistograms, ne);
}

} // namespace

SummarySliceResult sliceFromSummary(const Summary& whole, const Slice& slice)
{
    SummarySliceResult out;
    if (std::string why = refusal(whole, slice); !why.empty()) {
        out.error = std::move(why);
        return out;
    }
    const bool allTrials = everyIndex(slice.trials, whole.shape.batch);
    Summary s;
    // What a slice does not touch: the metadata, inputs and weights.
    s.datasets = whole.datasets;
    s.trainingLambdas = whole.trainingLambdas;
    s.lossConvention = whole.lossConvention;
    s.label = whole.label;
    s.step = whole.step;
    s.epoch = whole.epoch;
    s.trialLabels = whole.trialLabels;
    s.neuronGroups = whole.neuronGroups;
    s.dtMs = whole.dtMs;
    s.warnings = whole.warnings;
    s.weightNormSq = whole.weightNormSq;
    s.weights = whole.weights;

    Shape sh = whole.shape;
    sh.batch = static_cast<std::int64_t>(slice.trials.size());
    sh.nHid = static_cast<std::int64_t>(slice.neurons.size());
    s.shape = sh;
    s.slice = slice;
    // As SliceReducer::finish: the sliced datasets' dimensions are the slice's.
    if (s.has(Dataset::Outputs))
        s.info(Dataset::Outputs).dims = {sh.batch, sh.time, sh.nOut};
    if (s.has(Dataset::Targets))
        s.info(Dataset::Targets).dims = {sh.batch, sh.time, sh.nOut};
    if (s.has(Dataset::States))
        s.info(Dataset::States).dims = {sh.batch, sh.time, sh.nHid};
    if (whole.hasMse()) {
        s.sqErrPerTrial = pick(whole.sqErrPerTrial, slice.trials);
        if (allTrials)
            s.sqErrPerTime = whole.sqErrPerTime;
    }
    if (whole.hasStates())
        sliceStates(whole, slice, allTrials, s);
    out.value = std::move(s);
    return out;
}

} // namespace rnnloss
