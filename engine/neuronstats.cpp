#include "neuronstats.h"

#include "loss.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rnnloss {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

NeuronStats computeNeuronStats(const Summary& s, Convention c, const std::vector<bool>& trials)
{
    NeuronStats st;
    if (!s.hasStates())
        return st;
    const auto N = s.shape.nHid;
    const auto B = s.shape.batch;
    std::vector<std::int64_t> tr;
    for (std::int64_t b = 0; b < B; ++b)
        if (trials.empty() || (static_cast<std::int64_t>(trials.size()) == B && trials[b]))
            tr.push_back(b);
    const double samples = static_cast<double>(tr.size()) * static_cast<double>(s.shape.time);
    const double allSamples = static_cast<double>(B) * static_cast<double>(s.shape.time);
    // A trial selection taken from a summary file does not know these (summaryslice.h).
    const bool samplesKnown = std::int64_t(s.neuronMin.size()) == N &&
                              std::int64_t(s.neuronMax.size()) == N &&
                              std::int64_t(s.neuronActive.size()) == N;
    for (auto* v : {&st.mean, &st.sd, &st.cv, &st.min, &st.max, &st.fractionActive,
                    &st.frContribution})
        v->assign(N, kNaN);
    for (std::int64_t n = 0; n < N; ++n) {
        if (s.neuronNonFinite[n] == 0 && samples > 0) {
            double sr = 0.0, sq = 0.0;
            for (auto b : tr) {
                sr += s.trialSum(b, n);
                sq += s.trialSumSq(b, n);
            }
            const double m = sr / samples;
            st.mean[n] = m;
            st.sd[n] = std::sqrt(std::max(0.0, sq / samples - m * m));
            st.cv[n] = m != 0.0 ? st.sd[n] / m : kNaN;
            st.frContribution[n] = c == Convention::Spec
                                       ? sq / (samples * static_cast<double>(N))
                                       : m * m / static_cast<double>(N);
        }
        if (!samplesKnown)
            continue;
        if (s.neuronMin[n] <= s.neuronMax[n]) {
            st.min[n] = s.neuronMin[n];
            st.max[n] = s.neuronMax[n];
        }
        st.fractionActive[n] = static_cast<double>(s.neuronActive[n]) / allSamples;
    }
    return st;
}

int Histogram::binOf(double x) const
{
    if (counts.empty() || !(x >= lo && x <= hi()))
        return -1;
    const int k = static_cast<int>((x - lo) / width);
    return std::min<int>(k, static_cast<int>(counts.size()) - 1);
}

Histogram histogramOf(const std::vector<double>& values, int bins)
{
    Histogram h;
    bins = std::max(1, bins);
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (double v : values)
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    if (!(lo <= hi))
        return h;
    if (hi == lo) {
        const double pad = lo == 0.0 ? 0.5 : std::abs(lo) * 0.05;
        lo -= pad;
        hi += pad;
    }
    h.lo = lo;
    h.width = (hi - lo) / bins;
    h.counts.assign(bins, 0.0);
    for (double v : values) {
        const int k = h.binOf(v);
        if (k >= 0)
            h.counts[k] += 1.0;
    }
    return h;
}

Histogram neuronRateHistogram(const Summary& s, std::int64_t n)
{
    Histogram h;
    // A summary reduced without histograms (ReduceConfig::histograms) has none.
    if (!s.hasStates() || n < 0 || n >= s.shape.nHid ||
        static_cast<std::int64_t>(s.neuronHistograms.size()) != s.shape.nHid)
        return h;
    const NeuronHistogram& nh = s.neuronHistograms[n];
    int first = -1, last = -1;
    for (int i = 0; i < static_cast<int>(nh.counts.size()); ++i)
        if (nh.counts[i] > 0) {
            if (first < 0)
                first = i;
            last = i;
        }
    if (first < 0)
        return h;
    h.lo = nh.lo + first * nh.width;
    h.width = nh.width;
    h.counts.assign(nh.counts.begin() + first, nh.counts.begin() + last + 1);
    return h;
}

Psth psth(const Summary& s, std::int64_t n)
{
    Psth p;
    // ... nor, without per-time sums (ReduceConfig::perTime), PSTHs.
    if (!s.hasStates() || n < 0 || n >= s.shape.nHid || s.timeSum.rows() != s.shape.time)
        return p;
    const double B = static_cast<double>(s.shape.batch);
    p.mean.resize(s.shape.time);
    p.sd.resize(s.shape.time);
    for (std::int64_t t = 0; t < s.shape.time; ++t) {
        const double m = s.timeSum(t, n) / B;
        p.mean[t] = m;
        const double var = s.timeSumSq(t, n) / B - m * m;
        p.sd[t] = std::isnan(var) ? var : std::sqrt(std::max(0.0, var)); // keep NaN from bad data
    }
    return p;
}

RateSpread rateSpread(const Summary& s, Convention c)
{
    RateSpread r;
    if (!s.hasStates())
        return r;
    const TermValues tv = computeTerms(s, c);
    const NeuronStats st = computeNeuronStats(s, c);
    double sum = 0.0;
    for (double m : st.mean)
        sum += m;
    r.mean = sum / static_cast<double>(st.size());
    r.sd = tv[Term::FrSd].value;
    r.cv = tv[Term::FrCv].value;
    return r;
}

} // namespace rnnloss
