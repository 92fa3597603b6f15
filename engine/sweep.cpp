#include "sweep.h"

#include <cmath>
#include <stdexcept>

namespace rnnloss {

Shares termShares(const LossResult& r)
{
    Shares out;
    if (!r.total || *r.total == 0.0)
        return out;
    for (Term t : kAllTerms)
        if (const auto& w = r[t].weighted)
            out[index(t)] = *w / *r.total;
    return out;
}

std::vector<double> logGrid(double from, double to, int points)
{
    if (!(std::isfinite(from) && std::isfinite(to) && from > 0.0 && to > from))
        throw std::invalid_argument("the range must satisfy 0 < from < to");
    if (points < 2)
        throw std::invalid_argument("a sweep needs at least 2 points");
    std::vector<double> grid(points);
    const double lo = std::log10(from), hi = std::log10(to);
    for (int i = 0; i < points; ++i)
        grid[i] = std::pow(10.0, lo + (hi - lo) * i / (points - 1));
    // The ends exactly as asked, not as pow(10, log10(x)) rounds them.
    grid.front() = from;
    grid.back() = to;
    return grid;
}

SweepResult sweepLambda(const TermValues& values, const TermArray& lambdas, Term term,
                        std::span<const double> grid)
{
    SweepResult r;
    r.term = term;
    const TermValue& swept = values[term];
    if (!swept.value) {
        r.error = "L_" + std::string(termKey(term)) + " has no value to sweep: " + swept.reason;
        return r;
    }
    // The rest of the total, which no grid point changes.
    TermArray weighted{};
    double rest = 0.0;
    for (Term t : kAllTerms) {
        const double lambda = lambdas[index(t)];
        if (t == term || lambda == 0.0)
            continue;
        const TermValue& tv = values[t];
        if (!tv.value) {
            r.error = "L_" + std::string(termKey(t)) + " is enabled but " +
                      (tv.available ? "undefined: " : "unavailable: ") + tv.reason;
            return r;
        }
        weighted[index(t)] = lambda * *tv.value;
        rest += weighted[index(t)];
    }
    r.points.reserve(grid.size());
    for (double x : grid) {
        SweepPoint p;
        p.lambda = x;
        weighted[index(term)] = x * *swept.value;
        p.total = rest + weighted[index(term)];
        if (p.total != 0.0)
            for (Term t : kAllTerms)
                p.shares[index(t)] = weighted[index(t)] / p.total;
        r.points.push_back(p);
    }
    return r;
}

} // namespace rnnloss
