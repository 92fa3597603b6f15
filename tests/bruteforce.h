#pragma once
// An independent, deliberately naive re-implementation of the loss terms and
// per-neuron statistics straight from raw arrays (no summary, no reducers),
// used as the reference in the engine's tests.

#include "reducer.h"

#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <vector>

namespace bruteforce {

using rnnloss::Recording;

inline double at(const std::vector<double>& a, const rnnloss::Shape& s, long b, long t, long n,
                 long width)
{
    (void)s;
    return a[(b * s.time + t) * width + n];
}

struct Terms
{
    std::optional<double> mse, in, hid, out, fr, frSd, frCv;
};

/// `trials`, `neurons` and `steps`: indices to include (empty = all).
inline Terms compute(const Recording& r, bool nn4n, std::vector<long> trials = {},
                     std::vector<long> neurons = {}, std::vector<long> steps = {})
{
    const auto& s = r.shape;
    if (steps.empty())
        for (long i = 0; i < s.time; ++i)
            steps.push_back(i);
    if (trials.empty())
        for (long b = 0; b < s.batch; ++b)
            trials.push_back(b);
    if (neurons.empty())
        for (long n = 0; n < s.nHid; ++n)
            neurons.push_back(n);
    Terms t;
    if (!r.outputs.empty() && !r.targets.empty()) {
        double sum = 0;
        long count = 0;
        for (long b : trials)
            for (long i : steps)
                for (long o = 0; o < s.nOut; ++o) {
                    const double d = at(r.outputs, s, b, i, o, s.nOut) - at(r.targets, s, b, i, o, s.nOut);
                    sum += d * d;
                    ++count;
                }
        t.mse = sum / count;
    }
    auto frob = [](const std::vector<double>& w) {
        double s2 = 0;
        for (double v : w)
            s2 += v * v;
        return s2 / static_cast<double>(w.size());
    };
    if (!r.wIn.empty())
        t.in = frob(r.wIn);
    if (!r.wHid.empty())
        t.hid = frob(r.wHid);
    if (!r.wOut.empty())
        t.out = frob(r.wOut);
    if (r.states.empty())
        return t;
    const double N = static_cast<double>(neurons.size());
    std::vector<double> m, a;
    double sq = 0;
    long count = 0;
    for (long n : neurons) {
        double sum = 0, sumAbs = 0;
        long c = 0;
        for (long b : trials)
            for (long i : steps) {
                const double x = at(r.states, s, b, i, n, s.nHid);
                sum += x;
                sumAbs += std::abs(x);
                sq += x * x;
                ++c;
                ++count;
            }
        m.push_back(sum / c);
        a.push_back(sumAbs / c);
    }
    auto mean = [](const std::vector<double>& v) {
        double x = 0;
        for (double e : v)
            x += e;
        return x / static_cast<double>(v.size());
    };
    auto ssd = [&](const std::vector<double>& v) {
        const double mu = mean(v);
        double x = 0;
        for (double e : v)
            x += (e - mu) * (e - mu);
        return x;
    };
    if (!nn4n) {
        t.fr = sq / count;
        t.frSd = std::sqrt(ssd(m) / N);
        if (mean(m) != 0)
            t.frCv = *t.frSd / mean(m);
    } else {
        double m2 = 0;
        for (double e : m)
            m2 += e * e;
        t.fr = m2 / N;
        if (N > 1) {
            t.frSd = std::sqrt(ssd(m) / (N - 1));
            if (mean(a) != 0)
                t.frCv = std::sqrt(ssd(a) / (N - 1)) / mean(a);
        }
    }
    return t;
}

/// A random recording; `signedRates` gives tanh-like rates, else rectified.
inline Recording random(rnnloss::Shape s, unsigned seed, bool signedRates = false)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> g(0.0, 1.0);
    Recording r;
    r.shape = s;
    const std::size_t nS = s.batch * s.time * s.nHid, nO = s.batch * s.time * s.nOut;
    for (std::size_t i = 0; i < nS; ++i) {
        const double v = 0.3 * g(rng) + 0.05 * static_cast<double>(i % s.nHid);
        r.states.push_back(signedRates ? std::tanh(v) : std::max(0.0, v));
    }
    for (std::size_t i = 0; i < nO; ++i) {
        r.outputs.push_back(g(rng));
        r.targets.push_back(g(rng));
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(s.nHid * s.nIn); ++i)
        r.wIn.push_back(g(rng));
    for (std::size_t i = 0; i < static_cast<std::size_t>(s.nHid * s.nHid); ++i)
        r.wHid.push_back(0.1 * g(rng));
    for (std::size_t i = 0; i < static_cast<std::size_t>(s.nOut * s.nHid); ++i)
        r.wOut.push_back(0.5 * g(rng));
    return r;
}

} // namespace bruteforce
