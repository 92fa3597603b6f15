#include "loss.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace rnnloss {

namespace {

std::string describeMissing(const Summary& s, std::initializer_list<Dataset> needed)
{
    std::string names, where;
    for (Dataset d : needed) {
        if (s.has(d))
            continue;
        const DatasetInfo& info = s.info(d);
        if (!names.empty())
            names += " and ";
        names += "'" + std::string(datasetName(d)) + "'";
        if (!info.path.empty()) {
            if (!where.empty())
                where += "; ";
            where += info.path + (info.file.empty() ? "" : " in " + info.file);
        }
    }
    std::string msg = "needs " + names + ", which the recording does not hold";
    if (!where.empty())
        msg += " (looked for " + where + ")";
    return msg;
}

std::string describeNonFinite(const Summary& s, Dataset d)
{
    return "'" + std::string(datasetName(d)) + "' holds " +
           std::to_string(s.info(d).nonFinite) + " non-finite value(s)";
}

std::vector<std::int64_t> selected(const std::vector<bool>& mask, std::int64_t n,
                                   const char* what)
{
    std::vector<std::int64_t> idx;
    if (mask.empty()) {
        idx.resize(n);
        for (std::int64_t i = 0; i < n; ++i)
            idx[i] = i;
        return idx;
    }
    if (static_cast<std::int64_t>(mask.size()) != n)
        throw std::invalid_argument(std::string("selection of ") + what + " has " +
                                    std::to_string(mask.size()) + " entries, expected " +
                                    std::to_string(n));
    for (std::int64_t i = 0; i < n; ++i)
        if (mask[i])
            idx.push_back(i);
    if (idx.empty())
        throw std::invalid_argument(std::string("the selection holds no ") + what);
    return idx;
}

struct MeanSd
{
    double mean = 0.0;
    double sumSqDev = 0.0; ///< sum of squared deviations from the mean
};

MeanSd meanSd(const std::vector<double>& v)
{
    MeanSd r;
    for (double x : v)
        r.mean += x;
    r.mean /= static_cast<double>(v.size());
    for (double x : v)
        r.sumSqDev += (x - r.mean) * (x - r.mean);
    return r;
}

void setValue(TermValue& tv, double v, const char* undefinedWhy = nullptr)
{
    if (std::isfinite(v)) {
        tv.value = v;
    } else {
        tv.value.reset();
        tv.reason = undefinedWhy ? undefinedWhy : "the value is not finite";
    }
}

/// L_mse over the selected trials.
void mseTerm(const Summary& s, const std::vector<std::int64_t>& trials, TermValue& tv)
{
    tv.available = s.hasMse();
    if (!tv.available) {
        tv.reason = describeMissing(s, {Dataset::Outputs, Dataset::Targets});
    } else if (s.info(Dataset::Outputs).nonFinite || s.info(Dataset::Targets).nonFinite) {
        tv.reason = s.info(Dataset::Outputs).nonFinite ? describeNonFinite(s, Dataset::Outputs)
                                                       : describeNonFinite(s, Dataset::Targets);
    } else {
        double sum = 0.0;
        for (auto b : trials)
            sum += s.sqErrPerTrial[b];
        const double nTrials = static_cast<double>(trials.size());
        setValue(tv, sum / (nTrials * static_cast<double>(s.shape.time * s.shape.nOut)));
    }
}

/// L_in, L_hid and L_out: mean squared weights.
void weightTerms(const Summary& s, TermValues& out)
{
    const std::array<Term, 3> wTerms = {Term::In, Term::Hid, Term::Out};
    const std::array<Dataset, 3> wSets = {Dataset::WeightsIn, Dataset::WeightsHid,
                                          Dataset::WeightsOut};
    // The weights are never sliced: their sizes are the recording's.
    const Shape& whole = s.recordingShape();
    const std::array<double, 3> wSize = {
        static_cast<double>(whole.nIn) * static_cast<double>(whole.nHid),
        static_cast<double>(whole.nHid) * static_cast<double>(whole.nHid),
        static_cast<double>(whole.nOut) * static_cast<double>(whole.nHid)};
    for (int i = 0; i < 3; ++i) {
        TermValue& tv = out.terms[index(wTerms[i])];
        tv.available = s.has(wSets[i]);
        if (!tv.available)
            tv.reason = describeMissing(s, {wSets[i]});
        else if (s.info(wSets[i]).nonFinite)
            tv.reason = describeNonFinite(s, wSets[i]);
        else
            setValue(tv, s.weightNormSq[i] / wSize[i]);
    }
}

/// Per selected neuron, its mean rate and mean |rate| over the selected
/// trials, and the sum of squared rates over all of them.
struct NeuronRates
{
    std::vector<double> mean, meanAbs;
    double sumSq = 0.0;
    double samples = 0.0; ///< selected trials x time steps
};

NeuronRates neuronRates(const Summary& s, const std::vector<std::int64_t>& trials,
                        const std::vector<std::int64_t>& neurons)
{
    NeuronRates r;
    r.samples = static_cast<double>(trials.size()) * static_cast<double>(s.shape.time);
    r.mean.resize(neurons.size());
    r.meanAbs.resize(neurons.size());
    for (std::size_t k = 0; k < neurons.size(); ++k) {
        const auto n = neurons[k];
        double sr = 0.0, sa = 0.0;
        for (auto b : trials) {
            sr += s.trialSum(b, n);
            sa += s.trialSumAbs(b, n);
            r.sumSq += s.trialSumSq(b, n);
        }
        r.mean[k] = sr / r.samples;
        r.meanAbs[k] = sa / r.samples;
    }
    return r;
}

/// The firing-rate terms as the spec defines them: population SD and CV of
/// the neurons' mean rates.
void specRateTerms(const NeuronRates& r, TermValue& fr, TermValue& frSd, TermValue& frCv)
{
    const double nNeurons = static_cast<double>(r.mean.size());
    const MeanSd ms = meanSd(r.mean);
    setValue(fr, r.sumSq / (r.samples * nNeurons));
    const double sd = std::sqrt(ms.sumSqDev / nNeurons);
    setValue(frSd, sd);
    if (ms.mean == 0.0)
        frCv.reason = "the network mean rate is 0, so SD/mean is undefined";
    else
        setValue(frCv, sd / ms.mean);
}

/// The firing-rate terms as nn4n computes them: sample SD (N-1) of the mean
/// rates, CV of the mean |rates|.
void nn4nRateTerms(const NeuronRates& r, TermValue& fr, TermValue& frSd, TermValue& frCv)
{
    const double nNeurons = static_cast<double>(r.mean.size());
    double sumM2 = 0.0;
    for (double x : r.mean)
        sumM2 += x * x;
    setValue(fr, sumM2 / nNeurons);
    if (r.mean.size() < 2) {
        frSd.reason = frCv.reason = "the sample SD (divide by N-1) needs at least 2 neurons";
        return;
    }
    const MeanSd ms = meanSd(r.mean);
    setValue(frSd, std::sqrt(ms.sumSqDev / (nNeurons - 1.0)));
    const MeanSd as = meanSd(r.meanAbs);
    if (as.mean == 0.0)
        frCv.reason = "the mean of |r| is 0, so SD/mean is undefined";
    else
        setValue(frCv, std::sqrt(as.sumSqDev / (nNeurons - 1.0)) / as.mean);
}

/// L_fr, L_fr_sd and L_fr_cv over the selected trials and neurons.
void rateTerms(const Summary& s, Convention c, const std::vector<std::int64_t>& trials,
               const std::vector<std::int64_t>& neurons, TermValues& out)
{
    TermValue& fr = out.terms[index(Term::Fr)];
    TermValue& frSd = out.terms[index(Term::FrSd)];
    TermValue& frCv = out.terms[index(Term::FrCv)];
    fr.available = frSd.available = frCv.available = s.hasStates();
    if (!s.hasStates()) {
        fr.reason = frSd.reason = frCv.reason = describeMissing(s, {Dataset::States});
        return;
    }
    std::int64_t bad = 0;
    for (auto n : neurons)
        bad += s.neuronNonFinite[n];
    if (bad) {
        fr.reason = frSd.reason = frCv.reason = "'states' holds " + std::to_string(bad) +
                                                " non-finite value(s) in the selected neurons";
        return;
    }
    const NeuronRates r = neuronRates(s, trials, neurons);
    if (c == Convention::Spec)
        specRateTerms(r, fr, frSd, frCv);
    else
        nn4nRateTerms(r, fr, frSd, frCv);
}

} // namespace

TermValues computeTerms(const Summary& s, Convention c, const Selection& sel)
{
    TermValues out;
    out.convention = c;
    const Shape& sh = s.shape;
    // Index lists only where data back them: a summary of weights alone may
    // declare any batch size without holding a value per trial.
    const bool perTrial = s.hasMse() || s.hasStates();
    const auto trials =
        perTrial ? selected(sel.trials, sh.batch, "trials") : std::vector<std::int64_t>{};
    const auto neurons =
        s.hasStates() ? selected(sel.neurons, sh.nHid, "neurons") : std::vector<std::int64_t>{};
    mseTerm(s, trials, out.terms[index(Term::Mse)]);
    weightTerms(s, out);
    rateTerms(s, c, trials, neurons, out);
    return out;
}

LossResult evaluate(const TermValues& values, const TermArray& lambdas)
{
    LossResult r;
    r.convention = values.convention;
    double total = 0.0;
    bool defined = true;
    for (Term t : kAllTerms) {
        const TermValue& tv = values[t];
        TermResult& tr = r.terms[index(t)];
        tr.lambda = lambdas[index(t)];
        tr.available = tv.available;
        tr.value = tv.value;
        tr.reason = tv.reason;
        if (tr.lambda == 0.0) {
            tr.weighted = 0.0;
            continue;
        }
        if (!tv.available) {
            char lam[32];
            std::snprintf(lam, sizeof lam, "%g", tr.lambda);
            r.errors.push_back(std::string(lambdaKey(t)) + " is " + lam +
                               " but L_" + std::string(termKey(t)) + " " + tv.reason);
        }
        if (tv.value) {
            tr.weighted = tr.lambda * *tv.value;
            total += *tr.weighted;
        } else if (defined) {
            defined = false;
            r.totalReason = "L_" + std::string(termKey(t)) + " is enabled but " +
                            (tv.available ? "undefined: " : "unavailable: ") + tv.reason;
        }
    }
    if (defined)
        r.total = total;
    return r;
}

TermArray initialLambdas(const Summary& s)
{
    TermArray l{};
    for (Term t : kAllTerms)
        l[index(t)] = s.trainingLambdas[index(t)].value_or(0.0);
    return l;
}

} // namespace rnnloss
