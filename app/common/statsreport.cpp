#include "statsreport.h"

#include "report.h"
#include "slice.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace rnnloss {

namespace {

std::string num(std::optional<double> v)
{
    return jsonNumber(v);
}

std::string str(std::string_view s)
{
    return jsonString(std::string(s));
}

/// {"correct": k, "trials": n, "value": k / n, "ci95": [lo, hi]}; value and
/// interval null without trials.
std::string proportionJson(const Proportion& p)
{
    std::ostringstream o;
    o << "{\"correct\": " << p.successes << ", \"trials\": " << p.trials
      << ", \"value\": " << num(p.value) << ", \"ci95\": ";
    if (p.value)
        o << "[" << num(p.lo) << ", " << num(p.hi) << "]";
    else
        o << "null";
    o << "}";
    return o.str();
}

std::string accuracyJson(const PopulationReport& r)
{
    if (!r.accuracy)
        return "null";
    const Accuracy& a = *r.accuracy;
    std::ostringstream o;
    o << "{\"window\": [" << a.window.begin << ", " << a.window.end
      << "], \"overall\": " << proportionJson(a.overall) << ", \"by_label\": {";
    for (std::size_t i = 0; i < a.byLabel.size(); ++i)
        o << (i ? ", " : "") << jsonString(a.byLabel[i].label) << ": "
          << proportionJson(a.byLabel[i].correct);
    o << "}, \"undefined_trials\": " << a.undefined << "}";
    return o.str();
}

std::string fitJson(const LogisticFit& f)
{
    std::ostringstream o;
    o << "{\"bias\": " << num(f.bias) << ", \"slope\": " << num(f.slope);
    if (f.bias)
        o << ", \"bias_se\": " << num(f.biasSe) << ", \"slope_se\": " << num(f.slopeSe);
    else
        o << ", \"error\": " << jsonString(f.error);
    o << "}";
    return o.str();
}

/// Per output unit k, the list `item(point, k)` over the points: {"0": [...], ...}.
template <class Item> std::string perUnit(const Psychometric& p, Item item)
{
    std::ostringstream o;
    const std::size_t units = p.fits.size();
    o << "{";
    for (std::size_t k = 0; k < units; ++k) {
        o << (k ? ", " : "") << "\"" << k << "\": [";
        for (std::size_t i = 0; i < p.points.size(); ++i)
            o << (i ? ", " : "") << item(p.points[i].choice[k]);
        o << "]";
    }
    o << "}";
    return o.str();
}

std::string psychometricJson(const PopulationReport& r)
{
    if (!r.psychometric)
        return "null";
    const Psychometric& p = *r.psychometric;
    std::ostringstream o;
    o << "{\"values\": [";
    for (std::size_t i = 0; i < p.points.size(); ++i)
        o << (i ? ", " : "") << num(p.points[i].value);
    o << "], \"trials\": [";
    for (std::size_t i = 0; i < p.points.size(); ++i)
        o << (i ? ", " : "") << p.points[i].trials;
    o << "], \"p_choice\": " << perUnit(p, [](const Proportion& q) { return num(q.value); })
      << ", \"ci95\": " << perUnit(p, [](const Proportion& q) {
             return q.value ? "[" + num(q.lo) + ", " + num(q.hi) + "]" : std::string("null");
         });
    // The fit of P(choice = 1): with two outputs, the usual psychometric function.
    o << ", \"fit\": " << (p.fits.size() > 1 ? fitJson(p.fits[1]) : "null") << ", \"fits\": {";
    for (std::size_t k = 0; k < p.fits.size(); ++k)
        o << (k ? ", " : "") << "\"" << k << "\": " << fitJson(p.fits[k]);
    o << "}, \"undefined_trials\": " << p.undefined << "}";
    return o.str();
}

std::string groupsJson(const PopulationReport& r, bool details)
{
    std::ostringstream o;
    o << "{";
    for (std::size_t i = 0; i < r.meanRateByGroup.size(); ++i) {
        const GroupRate& g = r.meanRateByGroup[i];
        o << (i ? ", " : "") << jsonString(g.group) << ": ";
        if (details)
            o << "{\"neurons\": " << g.neurons << (g.meanRate.value ? "" : ", \"reason\": ")
              << (g.meanRate.value ? "" : jsonString(g.meanRate.reason)) << "}";
        else
            o << num(g.meanRate.value);
    }
    o << "}";
    return o.str();
}

std::string fractionDetail(const Fraction& f)
{
    return "{\"count\": " + std::to_string(f.count) + ", \"of\": " + std::to_string(f.of) +
           ", \"excluded\": " + std::to_string(f.excluded) + "}";
}

std::string detailsJson(const PopulationReport& r)
{
    std::ostringstream o;
    o << "{\"silent\": "
      << fractionDetail(r.silent).insert(1, "\"threshold\": " + num(r.silentThreshold) + ", ")
      << ", \"saturated\": " << fractionDetail(r.saturated)
      << ", \"participation_ratio\": {\"samples\": " << r.covarianceSamples
      << "}, \"mean_rate_by_group\": " << groupsJson(r, true) << "}";
    return o.str();
}

/// Why each null measure is null.
std::string reasonsJson(const PopulationReport& r)
{
    std::vector<std::pair<const char*, std::string>> reasons;
    if (!r.silent.value)
        reasons.emplace_back("silent_fraction", r.silent.reason);
    if (!r.saturated.value)
        reasons.emplace_back("saturated_fraction", r.saturated.reason);
    if (!r.participationRatio.value)
        reasons.emplace_back("participation_ratio", r.participationRatio.reason);
    if (!r.accuracy)
        reasons.emplace_back("accuracy", r.accuracyReason);
    if (!r.psychometric)
        reasons.emplace_back("psychometric", r.psychometricReason);
    std::string o = "{";
    for (std::size_t i = 0; i < reasons.size(); ++i)
        o += (i ? ", \"" : "\"") + std::string(reasons[i].first) +
             "\": " + jsonString(reasons[i].second);
    return o + "}";
}

std::string rulesJson()
{
    return "{\"silent\": " + str(kSilentRule) + ", \"saturated\": " + str(kSaturatedRule) +
           ", \"participation_ratio\": " + str(kParticipationRatioRule) +
           ", \"choice\": " + str(kChoiceRule) + "}";
}

std::string selectivityJson(const Selectivity& d)
{
    std::ostringstream o;
    o << "{\"labels\": [" << jsonString(d.labelA) << ", " << jsonString(d.labelB)
      << "], \"trials\": [" << d.trialsA << ", " << d.trialsB << "], \"d_prime\": ";
    if (!d.error.empty()) {
        o << "null, \"error\": " << jsonString(d.error) << "}";
        return o.str();
    }
    o << "[";
    for (std::size_t n = 0; n < d.dPrime.size(); ++n)
        o << (n ? ", " : "") << num(d.dPrime[n]);
    o << "]}";
    return o.str();
}

} // namespace

std::string populationJson(const std::string& file, const Summary& s, const PopulationReport& r)
{
    std::ostringstream o;
    o << "{\"file\": " << jsonString(file) << ", \"label\": " << jsonString(recordingLabel(s, file))
      << ", \"neurons\": " << r.neurons << ", \"trials\": " << r.trials
      << ", \"steps\": " << r.steps;
    if (s.slice)
        o << ", \"selection\": " << selectionJson(*s.slice);
    o << ", \"activation\": "
      << (r.activation ? str(activationName(*r.activation)) : std::string("null"));
    if (!r.activation)
        o << ", \"activation_note\": " << jsonString(r.activationNote);
    o << ", \"silent_fraction\": " << num(r.silent.value)
      << ", \"saturated_fraction\": " << num(r.saturated.value)
      << ", \"participation_ratio\": " << num(r.participationRatio.value)
      << ", \"mean_rate_by_group\": " << groupsJson(r, false)
      << ", \"accuracy\": " << accuracyJson(r) << ", \"psychometric\": " << psychometricJson(r);
    if (r.selectivity)
        o << ", \"selectivity\": " << selectivityJson(*r.selectivity);
    o << ", \"details\": " << detailsJson(r) << ", \"reasons\": " << reasonsJson(r)
      << ", \"rules\": " << rulesJson() << ", \"warnings\": [";
    for (std::size_t i = 0; i < s.warnings.size(); ++i)
        o << (i ? ", " : "") << jsonString(s.warnings[i]);
    o << "]}\n";
    return o.str();
}

namespace {

std::string g(std::optional<double> v, int digits = 4)
{
    if (!v || !std::isfinite(*v))
        return "undefined";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, *v);
    return buf;
}

/// "0.758 [0.68, 0.82] (97 of 128)"
std::string proportionText(const Proportion& p)
{
    if (!p.value)
        return "undefined (no trials)";
    return g(p.value) + " [" + g(p.lo, 3) + ", " + g(p.hi, 3) + "] (" +
           std::to_string(p.successes) + " of " + std::to_string(p.trials) + ")";
}

void line(std::ostringstream& o, const std::string& name, const std::string& text)
{
    char buf[40];
    std::snprintf(buf, sizeof buf, "  %-24s", name.c_str());
    o << buf << text << "\n";
}

void psychometricLines(std::ostringstream& o, const Psychometric& p)
{
    std::string head = "value      trials";
    for (std::size_t k = 0; k < p.fits.size(); ++k)
        head += "  P(choice " + std::to_string(k) + ")";
    line(o, "psychometric", head);
    for (const PsychometricPoint& pt : p.points) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%-10.4g %6lld", pt.value,
                      static_cast<long long>(pt.trials));
        std::string row = buf;
        for (const Proportion& q : pt.choice) {
            std::snprintf(buf, sizeof buf, "  %11s", g(q.value).c_str());
            row += buf;
        }
        line(o, "", row);
    }
    if (p.fits.size() > 1) {
        const LogisticFit& f = p.fits[1];
        line(o, "logistic fit",
             f.bias ? "P(choice 1) = 1 / (1 + exp(-(bias + slope x))): bias " + g(f.bias) + " +- " +
                          g(f.biasSe, 2) + ", slope " + g(f.slope) + " +- " + g(f.slopeSe, 2)
                    : "none: " + f.error);
    }
}

void taskLines(std::ostringstream& o, const PopulationReport& r)
{
    if (!r.accuracy) {
        line(o, "accuracy", "undefined: " + r.accuracyReason);
    } else {
        const Accuracy& a = *r.accuracy;
        line(o, "accuracy",
             proportionText(a.overall) + ", window " + std::to_string(a.window.begin) + ":" +
                 std::to_string(a.window.end));
        for (const LabelAccuracy& l : a.byLabel)
            line(o, "  " + l.label, proportionText(l.correct));
    }
    if (r.psychometric)
        psychometricLines(o, *r.psychometric);
    else
        line(o, "psychometric", "none: " + r.psychometricReason);
}

std::string fractionText(const Fraction& f, const std::string& what)
{
    if (!f.value)
        return "undefined: " + f.reason;
    return g(f.value) + " (" + std::to_string(f.count) + " of " + std::to_string(f.of) +
           " neurons " + what + ")";
}

} // namespace

std::string populationTable(const std::string& file, const Summary& s, const PopulationReport& r)
{
    std::ostringstream o;
    o << file << ": " << r.neurons << " neurons, " << r.trials << " trials x " << r.steps
      << " steps";
    if (s.slice)
        o << " (a selection)";
    o << ", activation " << (r.activation ? std::string(activationName(*r.activation)) : "unknown")
      << "\n";
    char thr[32];
    std::snprintf(thr, sizeof thr, "%g", r.silentThreshold);
    line(o, "silent fraction", fractionText(r.silent, std::string("within +-") + thr));
    line(o, "saturated fraction", fractionText(r.saturated, "saturated"));
    line(o, "participation ratio",
         r.participationRatio.value ? g(r.participationRatio.value) + " (" +
                                          std::to_string(r.covarianceSamples) + " samples)"
                                    : "undefined: " + r.participationRatio.reason);
    std::string groups;
    for (const GroupRate& gr : r.meanRateByGroup)
        groups += (groups.empty() ? "" : ", ") + gr.group + " " + g(gr.meanRate.value) + " (" +
                  std::to_string(gr.neurons) + " neurons)";
    line(o, "mean rate by group", groups.empty() ? "no neuron_groups" : groups);
    taskLines(o, r);
    if (r.selectivity) {
        const Selectivity& d = *r.selectivity;
        std::string text;
        for (std::size_t n = 0; n < d.dPrime.size(); ++n)
            text += (n ? " " : "") +
                    g(std::isfinite(d.dPrime[n]) ? std::optional(d.dPrime[n]) : std::nullopt, 3);
        line(o, "d' " + d.labelA + " vs " + d.labelB, d.error.empty() ? text : d.error);
    }
    for (const std::string& w : s.warnings)
        o << "  warning: " << w << "\n";
    return o.str();
}

std::string populationRules()
{
    return "rules:\n  " + std::string(kSilentRule) + "\n  " + std::string(kSaturatedRule) + "\n  " +
           std::string(kParticipationRatioRule) + "\n  choice: " + std::string(kChoiceRule) + "\n";
}

} // namespace rnnloss
