// rnnloss stats REC...: what the penalties do to the network (issue 19) — the
// population measures (silent and saturated fractions, participation ratio,
// mean rate per neuron group) and the task performance (accuracy per trial
// label, the psychometric curve with its logistic fit) of each recording, or
// of the same slice of each. Two reader processes per recording: the summary
// (as compute reads it) and the stats pass (engine/statspass.h), which only
// the second one costs.

#include "cli_commands.h"
#include "cli_common.h"
#include "popreport.h"
#include "slice.h"
#include "statsjob.h"
#include "statsreport.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <thread>

namespace rnnloss::cli {

const char* const kStatsHelp = R"(
stats [RECORDING...] [--response-window A:B] [--silent-threshold X]
      [--dprime LABEL_A,LABEL_B] [--threads N] [--json] [options]
  Population measures and task performance of each recording (default: the
  bundled example), or of the same --trials/--steps/--neurons/--trial-label/
  --neuron-group selection of each:
    silent fraction      neurons whose rate never leaves [-X, X]
                         (--silent-threshold, default 1e-6)
    saturated fraction   neurons above 0.99 of the activation's bound for more
                         than half their samples (the recording's `activation`
                         attribute: sigmoid, tanh, retanh; null for relu, or
                         when the attribute is missing, with the reason)
    participation ratio  (sum of eigenvalues)^2 / sum of squared eigenvalues of
                         the rates' covariance across (trial, step) samples
    mean rate by group   per neuron_groups value
    accuracy             a trial's choice is the output unit with the largest
                         mean over the response window; correct when that is
                         also the target's largest unit there; overall and per
                         trial label, with the Wilson 95 % interval. The window
                         (--response-window A:B, steps A to B-1 of the
                         recording) defaults to the steps at which any trial's
                         target is not zero (any trial of the recording,
                         selected or not). --steps does not restrict it: the
                         steps choose the samples of the population measures.
    psychometric         with `trial_values`: the share of trials choosing each
                         output at each value, and a logistic fit of
                         P(choice = 1) (bias, slope)
  --dprime A,B adds each neuron's d' between the trials labelled A and those
  labelled B (trial_labels), over the trials' mean rates.
  The covariance costs about N^2/2 multiply-adds per sample (--threads N,
  default: the cores, at most 8). The table prints one block per recording and
  the rules; --json one object per recording and line:
    {"file", "label", "neurons", "trials", "steps", ["selection"], "activation",
     "silent_fraction", "saturated_fraction", "participation_ratio",
     "mean_rate_by_group": {GROUP: rate}, "accuracy": null or {"window": [A, B],
     "overall": {"correct", "trials", "value", "ci95": [lo, hi]}, "by_label":
     {LABEL: {...}}, "undefined_trials"}, "psychometric": null or {"values",
     "trials", "p_choice": {"0": [...], ...}, "ci95", "fit": {"bias", "slope",
     "bias_se", "slope_se"}, "fits": {"0": ..., ...}}, ["selectivity"],
     "details", "reasons": {KEY: why it is null}, "rules", "warnings"}
)";

namespace {

struct StatsArgs
{
    Options o;
    std::string responseWindow;
    PopulationOptions population;
    int threads = 0;
};

std::pair<std::string, std::string> labelPair(const std::string& text)
{
    const auto comma = text.find(',');
    if (comma == std::string::npos || text.find(',', comma + 1) != std::string::npos ||
        comma == 0 || comma + 1 == text.size())
        throw UsageError{"--dprime " + text + ": expected two trial labels, A,B"};
    return {text.substr(0, comma), text.substr(comma + 1)};
}

StatsArgs parseStats(const std::vector<std::string>& a)
{
    StatsArgs s;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string option = a[i];
        if (option == "--response-window") {
            s.responseWindow = value(a, i);
            if (const IndexSpec spec = parseIndexSpec(s.responseWindow); !spec.error.empty())
                throw UsageError{"--response-window " + s.responseWindow + ": " + spec.error};
        } else if (option == "--silent-threshold") {
            s.population.silentThreshold = realNumber(option, value(a, i));
            if (s.population.silentThreshold < 0)
                throw UsageError{"--silent-threshold: expected a number >= 0"};
        } else if (option == "--dprime") {
            s.population.dPrimeLabels = labelPair(value(a, i));
        } else if (option == "--threads") {
            s.threads = static_cast<int>(wholeNumber(option, value(a, i), 1, 64));
        } else if (!parseShared(a, i, s.o)) {
            throw UsageError{"unknown option " + a[i] + " (see rnnloss --help)"};
        }
    }
    finish(s.o);
    if (s.o.recordings.empty())
        s.o.recordings.push_back(bundledExample());
    if (s.threads == 0)
        s.threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
    s.population.convention = s.o.loss.convention.value_or(kDefaultConvention);
    return s;
}

/// The stats pass over what `shown` (the summary of `path`) covers, in a
/// reader process.
ReaderOutcome runPass(const StatsArgs& a, const std::string& path, const Summary& shown)
{
    ReaderJob job = statsJob(readerJob(a.o, path), shown, a.responseWindow);
    job.reduce.threads = a.threads;
    ReaderProcess reader;
    ReaderOutcome out = reader.run(job);
    if (a.o.verbose)
        std::fprintf(stderr, "%s: stats pass in %.2f s (%d threads), reader peak RSS %.1f MB\n",
                     path.c_str(), out.seconds, a.threads, out.peakRssBytes / 1e6);
    return out;
}

/// One recording's report printed; the error when it cannot be made.
std::string statsOf(const StatsArgs& a, const std::string& path)
{
    ReaderOutcome read = cli::read(a.o, path);
    if (!read.summary)
        return read.error;
    ReaderOutcome pass = runPass(a, path, *read.summary);
    if (!pass.stats)
        return pass.error;
    const Summary& s = *read.summary;
    if (const std::string bad = statsMismatch(s, *pass.stats); !bad.empty())
        return path + ": " + bad;
    const PopulationReport r = populationReport(s, *pass.stats, a.population);
    std::cout << (a.o.json ? populationJson(path, s, r) : populationTable(path, s, r));
    std::cout.flush();
    return {};
}

} // namespace

int stats(const std::vector<std::string>& args)
{
    StatsArgs a;
    try {
        a = parseStats(args);
    } catch (const UsageError& e) {
        return fail(e.message);
    }
    int status = 0;
    bool printed = false;
    for (const std::string& path : a.o.recordings) {
        if (const std::string err = statsOf(a, path); !err.empty())
            status = fail(err);
        else
            printed = true;
    }
    // The rules once, under the tables; nothing on stdout when nothing was read.
    if (!a.o.json && printed)
        std::cout << populationRules();
    std::cout.flush();
    return std::cout ? status : 1;
}

} // namespace rnnloss::cli
