#include "taskperf.h"

#include "slice.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <unordered_map>

namespace rnnloss {

Proportion wilson(std::int64_t successes, std::int64_t trials, double z)
{
    if (successes < 0 || successes > trials)
        throw std::invalid_argument("wilson: successes outside [0, trials]");
    Proportion p;
    p.successes = successes;
    p.trials = trials;
    if (trials == 0)
        return p;
    const double n = static_cast<double>(trials);
    const double ph = static_cast<double>(successes) / n;
    const double z2 = z * z;
    const double denom = 1.0 + z2 / n;
    const double centre = (ph + z2 / (2.0 * n)) / denom;
    const double half = z / denom * std::sqrt(ph * (1.0 - ph) / n + z2 / (4.0 * n * n));
    p.value = ph;
    p.lo = std::max(0.0, centre - half);
    p.hi = std::min(1.0, centre + half);
    return p;
}

WindowParse parseStepWindow(std::string_view text, std::int64_t time)
{
    WindowParse w;
    const IndexSpec spec = parseIndexSpec(text);
    if (spec.error.empty() && (spec.items.size() != 1 || !spec.items[0].range)) {
        w.error = std::string(1, '\'').append(text).append("' is not one range a:b of steps");
        return w;
    }
    const ResolvedIndices r = resolveIndices(spec, time, "step");
    if (!r.error.empty()) {
        w.error = "response window: " + r.error;
        return w;
    }
    w.window = StepWindow{r.indices.front(), r.indices.back() + 1};
    return w;
}

namespace {

std::string windowError(StepWindow w, std::int64_t time)
{
    if (w.begin < 0 || w.end > time || w.begin >= w.end)
        return "the response window " + std::to_string(w.begin) + ":" + std::to_string(w.end) +
               " is not a non-empty range inside the " + std::to_string(time) + " steps";
    return {};
}

} // namespace

TargetSpan::TargetSpan(std::int64_t time, std::int64_t nOut)
    : m_time(time), m_nOut(nOut),
      m_nonZero(static_cast<std::size_t>(std::max<std::int64_t>(time, 0)), 0)
{
    if (time <= 0 || nOut <= 0)
        throw std::invalid_argument("TargetSpan: no steps or no output units");
}

template <class Real> void TargetSpan::addRows(const Real* targets, std::int64_t trials)
{
    for (std::int64_t b = 0; b < trials; ++b)
        for (std::int64_t t = 0; t < m_time; ++t) {
            const Real* y = targets + (b * m_time + t) * m_nOut;
            for (std::int64_t u = 0; u < m_nOut; ++u)
                if (y[u] != Real(0)) // NaN is not zero either
                    m_nonZero[t] = 1;
        }
}

void TargetSpan::add(const float* targets, std::int64_t trials)
{
    addRows(targets, trials);
}
void TargetSpan::add(const double* targets, std::int64_t trials)
{
    addRows(targets, trials);
}

void TargetSpan::merge(const TargetSpan& other)
{
    if (other.m_time != m_time || other.m_nOut != m_nOut)
        throw std::invalid_argument("TargetSpan::merge: different shapes");
    for (std::size_t t = 0; t < m_nonZero.size(); ++t)
        m_nonZero[t] |= other.m_nonZero[t];
}

std::optional<StepWindow> TargetSpan::window() const
{
    const auto first = std::find(m_nonZero.begin(), m_nonZero.end(), 1);
    if (first == m_nonZero.end())
        return std::nullopt;
    const auto last = std::find(m_nonZero.rbegin(), m_nonZero.rend(), 1);
    return StepWindow{first - m_nonZero.begin(), m_nonZero.rend() - last};
}

ChoiceAccumulator::ChoiceAccumulator(std::int64_t batch, std::int64_t time, std::int64_t nOut,
                                     StepWindow window)
    : m_batch(batch), m_time(time), m_nOut(nOut), m_window(window)
{
    if (batch < 0 || nOut < 2)
        throw std::invalid_argument("ChoiceAccumulator: needs at least 2 output units");
    const std::string bad = windowError(window, time);
    if (!bad.empty())
        throw std::invalid_argument("ChoiceAccumulator: " + bad);
    m_out.assign(static_cast<std::size_t>(batch * nOut), 0.0);
    m_target.assign(m_out.size(), 0.0);
}

template <class Real>
void ChoiceAccumulator::addRows(const Real* outputs, const Real* targets, std::int64_t first,
                                std::int64_t trials)
{
    if (first < 0 || trials < 0 || first + trials > m_batch)
        throw std::invalid_argument("ChoiceAccumulator::add: trials outside the batch");
    for (std::int64_t i = 0; i < trials; ++i) {
        double* so = m_out.data() + (first + i) * m_nOut;
        double* sy = m_target.data() + (first + i) * m_nOut;
        for (std::int64_t t = m_window.begin; t < m_window.end; ++t) {
            const std::int64_t at = (i * m_time + t) * m_nOut;
            for (std::int64_t u = 0; u < m_nOut; ++u) {
                so[u] += static_cast<double>(outputs[at + u]);
                sy[u] += static_cast<double>(targets[at + u]);
            }
        }
    }
}

void ChoiceAccumulator::add(const float* outputs, const float* targets, std::int64_t first,
                            std::int64_t trials)
{
    addRows(outputs, targets, first, trials);
}

void ChoiceAccumulator::add(const double* outputs, const double* targets, std::int64_t first,
                            std::int64_t trials)
{
    addRows(outputs, targets, first, trials);
}

namespace {

/// The first index of the largest value, -1 when a value is not finite;
/// `ties` is set when another index holds the same largest value. The sums
/// order the units as their means do (all are over the same steps).
int argmaxFirst(const double* v, std::int64_t n, bool* ties)
{
    int best = 0;
    for (std::int64_t u = 0; u < n; ++u) {
        if (!std::isfinite(v[u]))
            return -1;
        if (v[u] > v[best])
            best = static_cast<int>(u);
    }
    *ties = false;
    for (std::int64_t u = best + 1; u < n; ++u)
        *ties = *ties || v[u] == v[best];
    return best;
}

} // namespace

TrialChoices ChoiceAccumulator::choices() const
{
    TrialChoices c;
    c.window = m_window;
    c.nOut = m_nOut;
    c.choice.resize(m_batch);
    c.target.resize(m_batch);
    for (std::int64_t b = 0; b < m_batch; ++b) {
        bool ties = false;
        c.choice[b] = argmaxFirst(m_out.data() + b * m_nOut, m_nOut, &ties);
        c.target[b] = argmaxFirst(m_target.data() + b * m_nOut, m_nOut, &ties);
        if (c.target[b] >= 0 && ties)
            ++c.targetTies;
    }
    return c;
}

std::string choiceUnitsError(std::int64_t nOut)
{
    if (nOut < 2)
        return "the recording has " + std::to_string(nOut) +
               " output unit(s); a choice by the largest output needs at least 2";
    if (nOut > kMaxChoiceUnits)
        return "the recording has " + std::to_string(nOut) +
               " output units; choices are made among at most " + std::to_string(kMaxChoiceUnits);
    return {};
}

ChoicesResult trialChoices(const double* outputs, const double* targets, std::int64_t batch,
                           std::int64_t time, std::int64_t nOut, std::optional<StepWindow> window)
{
    ChoicesResult r;
    r.error = choiceUnitsError(nOut);
    if (!r.error.empty())
        return r;
    if (!window) {
        TargetSpan span(time, nOut);
        span.add(targets, batch);
        window = span.window();
        if (!window) {
            r.error = kNoDefaultWindowError;
            return r;
        }
    }
    r.error = windowError(*window, time);
    if (!r.error.empty())
        return r;
    ChoiceAccumulator acc(batch, time, nOut, *window);
    acc.add(outputs, targets, 0, batch);
    r.choices = acc.choices();
    return r;
}

Accuracy accuracy(const TrialChoices& c, const std::vector<std::string>& labels)
{
    Accuracy a;
    a.window = c.window;
    const std::size_t B = c.choice.size();
    if (!labels.empty() && labels.size() != B) {
        a.error = "trial_labels has " + std::to_string(labels.size()) + " labels for " +
                  std::to_string(B) + " trials";
        return a;
    }
    // One pass, each trial counted under its label's index: labels may be as
    // many as the trials (a trial id), so no pass per label.
    const std::vector<std::string> order =
        labels.empty() ? std::vector<std::string>{} : distinctLabels(labels);
    std::unordered_map<std::string_view, std::size_t> index;
    for (std::size_t i = 0; i < order.size(); ++i)
        index.emplace(order[i], i);
    std::vector<std::int64_t> correct(order.size() + 1, 0), trials(order.size() + 1, 0);
    for (std::size_t b = 0; b < B; ++b) {
        if (c.choice[b] < 0 || c.target[b] < 0)
            continue;
        const bool right = c.choice[b] == c.target[b];
        ++trials.back(); // overall
        correct.back() += right;
        if (!labels.empty()) {
            const std::size_t i = index[labels[b]];
            ++trials[i];
            correct[i] += right;
        }
    }
    a.overall = wilson(correct.back(), trials.back());
    a.undefined = static_cast<std::int64_t>(B) - a.overall.trials;
    for (std::size_t i = 0; i < order.size(); ++i)
        a.byLabel.push_back({order[i], wilson(correct[i], trials[i])});
    return a;
}

// ---------------------------------------------------------------------------
// Logistic fit

namespace {

/// log(1 / (1 + exp(-z))) without overflow.
double logSigmoid(double z)
{
    return z < 0.0 ? z - std::log1p(std::exp(z)) : -std::log1p(std::exp(-z));
}

struct Groups
{
    std::vector<double> x, k, n;
};

/// Why grouped data have no finite MLE, or empty. In one dimension with an
/// intercept the MLE exists exactly when some failure lies right of some
/// success and some success right of some failure.
std::string separationError(const Groups& g)
{
    constexpr double inf = std::numeric_limits<double>::infinity();
    double k = 0.0, f = 0.0;
    double minS = inf, maxS = -inf, minF = inf, maxF = -inf;
    for (std::size_t i = 0; i < g.x.size(); ++i) {
        k += g.k[i];
        f += g.n[i] - g.k[i];
        if (g.k[i] > 0.0) {
            minS = std::min(minS, g.x[i]);
            maxS = std::max(maxS, g.x[i]);
        }
        if (g.n[i] - g.k[i] > 0.0) {
            minF = std::min(minF, g.x[i]);
            maxF = std::max(maxF, g.x[i]);
        }
    }
    if (k == 0.0 || f == 0.0)
        return k == 0.0 ? "no trial is a success, so the curve has no finite fit"
                        : "every trial is a success, so the curve has no finite fit";
    if (std::min(minS, minF) == std::max(maxS, maxF))
        return "the value takes a single level, so no slope can be fitted";
    if (maxF <= minS || maxS <= minF) {
        const double at = maxF <= minS ? (maxF + minS) / 2.0 : (maxS + minF) / 2.0;
        return "the choices are separated by the value (all on one side of " + std::to_string(at) +
               " go one way), so the slope has no finite fit";
    }
    return {};
}

struct NewtonState
{
    double b0 = 0.0, b1 = 0.0;
    double ll = 0.0;
    double i00 = 0.0, i01 = 0.0, i11 = 0.0; ///< Fisher information
    double g0 = 0.0, g1 = 0.0;              ///< gradient of the log-likelihood
};

/// Log-likelihood, gradient and information at (b0, b1) on standardised u.
void evaluateAt(const Groups& g, const std::vector<double>& u, NewtonState& s)
{
    s.ll = s.g0 = s.g1 = s.i00 = s.i01 = s.i11 = 0.0;
    for (std::size_t i = 0; i < u.size(); ++i) {
        const double z = s.b0 + s.b1 * u[i];
        const double p = 1.0 / (1.0 + std::exp(-z));
        s.ll += g.k[i] * logSigmoid(z) + (g.n[i] - g.k[i]) * logSigmoid(-z);
        const double r = g.k[i] - g.n[i] * p;
        s.g0 += r;
        s.g1 += r * u[i];
        const double w = g.n[i] * p * (1.0 - p);
        s.i00 += w;
        s.i01 += w * u[i];
        s.i11 += w * u[i] * u[i];
    }
}

/// Newton's method with step halving; false when it does not converge.
bool newton(const Groups& g, const std::vector<double>& u, NewtonState& s, int& iterations)
{
    constexpr int kMaxIterations = 100;
    evaluateAt(g, u, s);
    for (iterations = 1; iterations <= kMaxIterations; ++iterations) {
        const double det = s.i00 * s.i11 - s.i01 * s.i01;
        if (!(det > 0.0) || !std::isfinite(det))
            return false;
        const double d0 = (s.i11 * s.g0 - s.i01 * s.g1) / det;
        const double d1 = (s.i00 * s.g1 - s.i01 * s.g0) / det;
        NewtonState next = s;
        double step = 1.0;
        for (int h = 0; h < 40; ++h, step /= 2.0) {
            next.b0 = s.b0 + step * d0;
            next.b1 = s.b1 + step * d1;
            evaluateAt(g, u, next);
            if (next.ll >= s.ll - 1e-12 * std::abs(s.ll))
                break;
        }
        s = next;
        if (std::abs(step * d0) + std::abs(step * d1) <
            1e-10 * (1.0 + std::abs(s.b0) + std::abs(s.b1)))
            return true;
    }
    return false;
}

} // namespace

LogisticFit fitLogistic(std::span<const double> x, std::span<const double> successes,
                        std::span<const double> trials)
{
    LogisticFit fit;
    if (x.size() != successes.size() || x.size() != trials.size())
        throw std::invalid_argument("fitLogistic: x, successes and trials differ in length");
    Groups g;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (!std::isfinite(x[i]) || !(successes[i] >= 0.0 && successes[i] <= trials[i]) ||
            !std::isfinite(trials[i])) {
            fit.error = "value " + std::to_string(i) + " is not finite or its counts are not " +
                        "0 <= successes <= trials";
            return fit;
        }
        if (trials[i] > 0.0) {
            g.x.push_back(x[i]);
            g.k.push_back(successes[i]);
            g.n.push_back(trials[i]);
        }
    }
    fit.error = separationError(g);
    if (!fit.error.empty())
        return fit;
    // Newton on x standardised by its trial-weighted mean and SD: the same
    // curve, better conditioned when x is large or finely scaled.
    double total = 0.0, mu = 0.0, var = 0.0;
    for (std::size_t i = 0; i < g.x.size(); ++i) {
        total += g.n[i];
        mu += g.n[i] * g.x[i];
    }
    mu /= total;
    for (std::size_t i = 0; i < g.x.size(); ++i)
        var += g.n[i] * (g.x[i] - mu) * (g.x[i] - mu);
    const double sd = std::sqrt(var / total);
    std::vector<double> u(g.x.size());
    for (std::size_t i = 0; i < u.size(); ++i)
        u[i] = (g.x[i] - mu) / sd;
    double k = 0.0;
    for (double v : g.k)
        k += v;
    NewtonState s;
    s.b0 = std::log(k / (total - k));
    if (!newton(g, u, s, fit.iterations)) {
        fit.error =
            "Newton's method did not converge (" + std::to_string(fit.iterations) + " iterations)";
        return fit;
    }
    // Back to x: slope = b1 / sd, bias = b0 - b1 mu / sd; the covariance maps
    // through the same linear transform J = [[1, -mu/sd], [0, 1/sd]].
    const double det = s.i00 * s.i11 - s.i01 * s.i01;
    const double c00 = s.i11 / det, c01 = -s.i01 / det, c11 = s.i00 / det;
    const double a = -mu / sd, c = 1.0 / sd;
    fit.slope = s.b1 / sd;
    fit.bias = s.b0 + a * s.b1;
    fit.biasSe = std::sqrt(c00 + 2.0 * a * c01 + a * a * c11);
    fit.slopeSe = std::sqrt(c * c * c11);
    fit.logLikelihood = s.ll;
    return fit;
}

Psychometric psychometric(const TrialChoices& c, std::span<const double> values)
{
    Psychometric p;
    const std::size_t B = c.choice.size();
    if (values.size() != B) {
        p.error = "trial_values has " + std::to_string(values.size()) + " values for " +
                  std::to_string(B) + " trials";
        return p;
    }
    for (std::size_t b = 0; b < B; ++b)
        if (!std::isfinite(values[b])) {
            p.error = "trial_values[" + std::to_string(b) + "] is not finite";
            return p;
        }
    // The cells before any of them: a table of every unit at every value.
    std::vector<double> distinct(values.begin(), values.end());
    std::sort(distinct.begin(), distinct.end());
    const auto levels = std::unique(distinct.begin(), distinct.end()) - distinct.begin();
    if (c.nOut > kMaxChoiceUnits ||
        levels * std::max<std::int64_t>(c.nOut, 1) > kMaxPsychometricCells) {
        p.error = "trial_values takes " + std::to_string(levels) + " distinct values for " +
                  std::to_string(c.nOut) + " output units: more than " +
                  std::to_string(kMaxPsychometricCells) + " points to tabulate; bin the values";
        return p;
    }
    std::map<double, std::vector<std::int64_t>> counts; // value -> trials per unit
    for (std::size_t b = 0; b < B; ++b) {
        auto& row = counts[values[b]];
        row.resize(static_cast<std::size_t>(c.nOut), 0);
        if (c.choice[b] < 0)
            ++p.undefined;
        else
            ++row[c.choice[b]];
    }
    std::vector<double> xs, ns;
    std::vector<std::vector<double>> ks(static_cast<std::size_t>(c.nOut));
    for (const auto& [value, row] : counts) {
        PsychometricPoint pt;
        pt.value = value;
        for (std::int64_t v : row)
            pt.trials += v;
        for (std::int64_t k = 0; k < c.nOut; ++k) {
            pt.choice.push_back(wilson(row[k], pt.trials));
            ks[k].push_back(static_cast<double>(row[k]));
        }
        xs.push_back(value);
        ns.push_back(static_cast<double>(pt.trials));
        p.points.push_back(std::move(pt));
    }
    for (std::int64_t k = 0; k < c.nOut; ++k)
        p.fits.push_back(fitLogistic(xs, ks[k], ns));
    return p;
}

} // namespace rnnloss
