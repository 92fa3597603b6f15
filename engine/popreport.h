#pragma once
// Issue 19's population measures and task performance of one recording (or a
// slice of it), put together from what was gathered: the Summary (silent
// fraction, mean rate per group, d') and the stats pass of the same slice
// (saturated fraction, participation ratio, choices). What `rnnloss stats`
// prints and the app's panel shows; cheap to recompute (a threshold changed)
// once both are there.

#include "neuronstats.h"
#include "popstats.h"
#include "statspass.h"
#include "summary.h"
#include "taskperf.h"

#include <optional>
#include <string>
#include <vector>

namespace rnnloss {

struct PopulationOptions
{
    double silentThreshold = kSilentThreshold;
    /// For the mean rates (the measures here do not depend on it).
    Convention convention = kDefaultConvention;
    /// d' per neuron between the trials of these two trial labels, when given.
    std::optional<std::pair<std::string, std::string>> dPrimeLabels;
};

struct PopulationReport
{
    std::int64_t trials = 0, steps = 0, neurons = 0; ///< covered (the slice's)
    std::optional<Activation> activation;
    std::string activationNote; ///< why the activation is unknown
    double silentThreshold = kSilentThreshold;
    Fraction silent;
    Fraction saturated;
    Measure participationRatio;
    std::int64_t covarianceSamples = 0;
    std::vector<GroupRate> meanRateByGroup; ///< empty without neuron_groups
    /// Empty, with the reason, when there are no choices (or labels that do
    /// not fit the trials).
    std::optional<Accuracy> accuracy;
    std::string accuracyReason;
    /// Empty, with the reason, without trial_values or choices.
    std::optional<Psychometric> psychometric;
    std::string psychometricReason;
    std::optional<Selectivity> selectivity; ///< when PopulationOptions::dPrimeLabels
};

/// Empty when `p` covers what `s` covers (the same number of trials, steps
/// and neurons), else what differs: a stats pass of another slice.
std::string statsMismatch(const Summary& s, const PassStats& p);

/// The report of `s` and `p`, which must cover the same slice (statsMismatch).
PopulationReport populationReport(const Summary& s, const PassStats& p,
                                  const PopulationOptions& options = {});

} // namespace rnnloss
