#include "popreport.h"

namespace rnnloss {

namespace {

/// Why the saturated fraction cannot be given from `p`, or empty.
std::string saturationReason(const Summary& s, const PassStats& p)
{
    if (!s.hasStates())
        return "the recording has no states";
    if (!p.activation)
        return p.activationNote.empty() ? "the recording's activation is unknown"
                                        : p.activationNote;
    return {};
}

void taskPerformance(const Summary& s, const PassStats& p, PopulationReport& r)
{
    if (!p.choices) {
        r.accuracyReason = p.choicesError;
        r.psychometricReason = p.choicesError;
        return;
    }
    Accuracy a = accuracy(*p.choices, summaryTrialLabels(s));
    if (a.error.empty())
        r.accuracy = std::move(a);
    else
        r.accuracyReason = a.error;
    if (p.trialValues.empty()) {
        r.psychometricReason = "the recording has no trial_values";
        return;
    }
    Psychometric ps = psychometric(*p.choices, p.trialValues);
    if (ps.error.empty())
        r.psychometric = std::move(ps);
    else
        r.psychometricReason = ps.error;
}

} // namespace

std::string statsMismatch(const Summary& s, const PassStats& p)
{
    const Shape& sh = s.shape;
    if (p.trials == sh.batch && p.steps == sh.time && (p.neurons == sh.nHid || !s.hasStates()))
        return {};
    return "the statistics cover " + std::to_string(p.trials) + " trials x " +
           std::to_string(p.steps) + " steps x " + std::to_string(p.neurons) +
           " neurons, the summary " + std::to_string(sh.batch) + " x " + std::to_string(sh.time) +
           " x " + std::to_string(sh.nHid);
}

PopulationReport populationReport(const Summary& s, const PassStats& p,
                                  const PopulationOptions& options)
{
    PopulationReport r;
    r.trials = p.trials;
    r.steps = p.steps;
    r.neurons = p.neurons;
    r.activation = p.activation;
    r.activationNote = p.activationNote;
    r.silentThreshold = options.silentThreshold;
    if (s.hasStates()) {
        const NeuronStats st = computeNeuronStats(s, options.convention);
        r.silent = silentFraction(st, options.silentThreshold);
        r.meanRateByGroup = meanRateByGroup(st, summaryNeuronGroups(s));
    } else {
        r.silent.reason = "the recording has no states";
    }
    r.saturated.reason = saturationReason(s, p);
    if (r.saturated.reason.empty()) {
        if (p.saturation)
            r.saturated = saturatedFraction(*p.saturation);
        else
            r.saturated.reason = "the statistics hold no saturation counts";
    }
    r.participationRatio = p.participationRatio;
    r.covarianceSamples = p.covarianceSamples;
    taskPerformance(s, p, r);
    if (options.dPrimeLabels)
        r.selectivity = selectivity(s, options.dPrimeLabels->first, options.dPrimeLabels->second);
    return r;
}

} // namespace rnnloss
