#include "gradgram.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace rnnloss {

namespace {

bool counts(const TermArray& lambdas, const std::array<bool, kTermCount>& enabled, Term t)
{
    return enabled[index(t)] && lambdas[index(t)] != 0.0;
}

double norm(const ParamGram& g, Term k)
{
    return std::sqrt(std::max(0.0, g.g[index(k)][index(k)]));
}

std::string name(Term t)
{
    return "L_" + std::string(termKey(t));
}

std::string gradientOf(Term t, const ParamGram& g)
{
    return "the gradient of " + name(t) + " with respect to " + std::string(paramKey(g.param));
}

std::string percent(double fraction)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g%%", 100.0 * fraction);
    return buf;
}

/// Empty when every target term has a gradient that a lambda can scale.
std::string checkTargetGradients(const ParamGram& g, std::span<const ShareTarget> targets)
{
    for (const ShareTarget& t : targets) {
        if (!g.defined[index(t.term)])
            return name(t.term) + " has no gradient: " + g.reason[index(t.term)] +
                   "; no lambda gives it a share";
        if (norm(g, t.term) == 0.0 && t.share > 0.0)
            return gradientOf(t.term, g) + " is 0, so no lambda gives it a share of " +
                   percent(t.share);
    }
    return {};
}

} // namespace

std::optional<double> gradNorm(const ParamGram& g, Term k)
{
    if (!g.defined[index(k)])
        return std::nullopt;
    return norm(g, k);
}

std::optional<double> weightedTotalNorm(const ParamGram& g, const TermArray& lambdas,
                                        const std::array<bool, kTermCount>& enabled)
{
    double sq = 0.0;
    for (Term k : kAllTerms) {
        if (!counts(lambdas, enabled, k))
            continue;
        if (!g.defined[index(k)])
            return std::nullopt;
        for (Term l : kAllTerms)
            if (counts(lambdas, enabled, l))
                sq += lambdas[index(k)] * lambdas[index(l)] * g.g[index(k)][index(l)];
    }
    // Rounding can leave a tiny negative sum when the gradients cancel.
    return std::sqrt(std::max(0.0, sq));
}

std::optional<double> cosine(const ParamGram& g, Term k, Term l)
{
    if (!g.defined[index(k)] || !g.defined[index(l)])
        return std::nullopt;
    const double nk = norm(g, k), nl = norm(g, l);
    if (nk == 0.0 || nl == 0.0)
        return std::nullopt;
    return std::clamp(g.g[index(k)][index(l)] / (nk * nl), -1.0, 1.0);
}

Shares gradShares(const ParamGram& g, const TermArray& lambdas,
                  const std::array<bool, kTermCount>& enabled)
{
    Shares out;
    double sum = 0.0;
    for (Term k : kAllTerms) {
        if (!counts(lambdas, enabled, k))
            continue;
        if (!g.defined[index(k)])
            return out;
        sum += lambdas[index(k)] * norm(g, k);
    }
    if (!(sum > 0.0) || !std::isfinite(sum))
        return out;
    for (Term k : kAllTerms)
        out[index(k)] = counts(lambdas, enabled, k) ? lambdas[index(k)] * norm(g, k) / sum : 0.0;
    return out;
}

BalanceResult balanceByGradient(const ParamGram& g, const TermArray& lambdas,
                                const std::array<bool, kTermCount>& enabled,
                                std::span<const ShareTarget> targets)
{
    BalanceResult r;
    r.error = checkShareTargets(targets);
    if (r.error.empty())
        r.error = checkTargetGradients(g, targets);
    if (!r.error.empty())
        return r;
    std::array<bool, kTermCount> solved{};
    double shareSum = 0.0;
    for (const ShareTarget& t : targets) {
        solved[index(t.term)] = true;
        shareSum += t.share;
    }
    double fixed = 0.0;
    for (Term t : kAllTerms) {
        if (solved[index(t)] || !counts(lambdas, enabled, t))
            continue;
        if (!g.defined[index(t)]) {
            r.error = name(t) + " is enabled but has no gradient: " + g.reason[index(t)];
            return r;
        }
        fixed += lambdas[index(t)] * norm(g, t);
    }
    if (!(fixed > 0.0) || !std::isfinite(fixed)) {
        r.error = "the other enabled terms have no gradient with respect to " +
                  std::string(paramKey(g.param)) +
                  " (their weighted norms sum to 0), so no lambdas give these shares; enable "
                  "another term";
        return r;
    }
    r.total = fixed / (1.0 - shareSum);
    TermArray out = lambdas;
    for (const ShareTarget& t : targets)
        out[index(t.term)] = t.share == 0.0 ? 0.0 : t.share * r.total / norm(g, t.term);
    r.lambdas = out;
    return r;
}

} // namespace rnnloss
