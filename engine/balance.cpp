#include "balance.h"

#include <cmath>
#include <cstdio>

namespace rnnloss {

namespace {

std::string percent(double fraction)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g%%", 100.0 * fraction);
    return buf;
}

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string name(Term t)
{
    return "L_" + std::string(termKey(t));
}


} // namespace

std::string checkShareTargets(std::span<const ShareTarget> targets)
{
    if (targets.empty())
        return "no target share given";
    std::array<bool, kTermCount> seen{};
    double sum = 0.0;
    std::string parts;
    for (const ShareTarget& t : targets) {
        const std::string key(termKey(t.term));
        if (seen[index(t.term)])
            return "the share of " + key + " is given twice";
        seen[index(t.term)] = true;
        if (!std::isfinite(t.share) || t.share < 0.0)
            return "the share of " + key + " is " + number(t.share) +
                   "; a share is a fraction from 0 to below 1";
        sum += t.share;
        parts += (parts.empty() ? "" : " + ") + key + " " + percent(t.share);
    }
    if (sum >= 1.0)
        return "the target shares sum to " + percent(sum) + " (" + parts +
               "); they must leave room for the other terms, below 100%";
    return {};
}

BalanceResult balanceShares(const TermValues& values, const TermArray& lambdas,
                            std::span<const ShareTarget> targets)
{
    BalanceResult r;
    if (std::string why = checkShareTargets(targets); !why.empty()) {
        r.error = std::move(why);
        return r;
    }
    std::array<bool, kTermCount> solved{};
    double shareSum = 0.0;
    for (const ShareTarget& t : targets) {
        solved[index(t.term)] = true;
        shareSum += t.share;
        const TermValue& tv = values[t.term];
        if (!tv.value) {
            r.error = name(t.term) + " is " + (tv.available ? "undefined: " : "unavailable: ") +
                      tv.reason + "; no lambda gives it a share";
            return r;
        }
        if (*tv.value == 0.0 && t.share > 0.0) {
            r.error = name(t.term) + " is 0, so no lambda gives it a share of " + percent(t.share);
            return r;
        }
        if (*tv.value < 0.0 && t.share > 0.0) {
            r.error = name(t.term) + " is " + number(*tv.value) +
                      ", negative: no lambda >= 0 gives it a share of " + percent(t.share);
            return r;
        }
    }
    double fixed = 0.0;
    for (Term t : kAllTerms) {
        const double lambda = lambdas[index(t)];
        if (solved[index(t)] || lambda == 0.0)
            continue;
        const TermValue& tv = values[t];
        if (!tv.value) {
            r.error = name(t) + " is enabled but " +
                      (tv.available ? "undefined: " : "unavailable: ") + tv.reason;
            return r;
        }
        fixed += lambda * *tv.value;
    }
    if (fixed == 0.0) {
        r.error = "nothing else contributes to the total (the other enabled terms sum to 0), "
                  "so no lambdas give these shares; enable another term";
        return r;
    }
    if (fixed < 0.0 || !std::isfinite(fixed)) {
        r.error = "the other enabled terms sum to " + number(fixed) +
                  ", not a positive total that shares can be taken of";
        return r;
    }
    r.total = fixed / (1.0 - shareSum);
    TermArray out = lambdas;
    for (const ShareTarget& t : targets) {
        const double v = *values[t.term].value;
        out[index(t.term)] = t.share == 0.0 ? 0.0 : t.share * r.total / v;
        if (!std::isfinite(out[index(t.term)])) {
            r.error = "the lambda for " + name(t.term) + " would be " + number(out[index(t.term)]) +
                      ", not a finite number";
            return r;
        }
    }
    r.lambdas = out;
    return r;
}

} // namespace rnnloss
