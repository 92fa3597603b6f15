#include "reducer.h"

#include "leankernel.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <type_traits>

namespace rnnloss {

namespace {
constexpr double kInitialWidth = 0x1p-30; // grows by doubling; 2^-30 resolves any rate of interest
}

StatesReducer::StatesReducer(std::int64_t batch, std::int64_t time, std::int64_t neurons,
                             ReduceConfig config)
    : m_batch(batch), m_time(time), m_neurons(neurons), m_config(config),
      m_avx2(config.wideVectors && cpuHasAvx2()), m_bins(config.histogramBins)
{
    if (m_bins < 4 || m_bins % 4 != 0)
        throw std::invalid_argument("histogram bins must be a positive multiple of 4");
    if (m_bins > (1 << 20) || neurons > std::numeric_limits<std::int32_t>::max() / m_bins - 1)
        throw std::invalid_argument("too many neurons x histogram bins");
    m_trialSum = RowMatrix::Zero(batch, neurons);
    m_trialSumSq = RowMatrix::Zero(batch, neurons);
    m_trialSumAbs = RowMatrix::Zero(batch, neurons);
    if (config.perTime) {
        m_timeSum = RowMatrix::Zero(time, neurons);
        m_timeSumSq = RowMatrix::Zero(time, neurons);
    }
    m_min.assign(neurons, std::numeric_limits<double>::infinity());
    m_max.assign(neurons, -std::numeric_limits<double>::infinity());
    m_nonFinite.assign(neurons, 0);
    m_active.assign(neurons, 0.0);
    m_width.assign(neurons, kInitialWidth);
    m_signed.assign(neurons, 0);
    if (config.histograms)
        m_counts.assign(static_cast<std::size_t>(neurons) * m_bins, 0);
    m_histInv.resize(neurons);
    m_histLo.resize(neurons);
    m_histHi.resize(neurons);
    m_histZero.resize(neurons);
    for (std::int64_t n = 0; n < neurons; ++n)
        updateHistState(n);
}

void StatesReducer::addTrials(const float* data, std::int64_t firstTrial, std::int64_t trials)
{
    add(data, firstTrial, trials);
}

void StatesReducer::addTrials(const double* data, std::int64_t firstTrial, std::int64_t trials)
{
    add(data, firstTrial, trials);
}

template <class Real>
void StatesReducer::add(const Real* data, std::int64_t firstTrial, std::int64_t trials)
{
    if (firstTrial < 0 || trials < 0 || firstTrial + trials > m_batch)
        throw std::out_of_range("StatesReducer: trials out of range");
    const int threads = static_cast<int>(
        std::clamp<std::int64_t>(m_config.threads, 1, std::max<std::int64_t>(1, m_neurons / 64)));
    if (threads == 1) {
        addRange(data, firstTrial, trials, 0, m_neurons);
        return;
    }
    // Neurons are independent: splitting them across threads changes no sum's order.
    std::vector<std::thread> pool;
    const std::int64_t per = (m_neurons + threads - 1) / threads;
    for (int i = 1; i < threads; ++i) {
        const std::int64_t n0 = std::min(m_neurons, i * per);
        const std::int64_t n1 = std::min(m_neurons, n0 + per);
        pool.emplace_back([=, this] { addRange(data, firstTrial, trials, n0, n1); });
    }
    addRange(data, firstTrial, trials, 0, std::min(m_neurons, per));
    for (auto& t : pool)
        t.join();
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define RNNLOSS_X86_DISPATCH 1
#else
#define RNNLOSS_X86_DISPATCH 0
#endif

namespace {

// Where one row of states goes: the reducer's accumulators and histogram
// layout, as pointers the row kernel takes restrict.
struct RowTargets
{
    double thr;
    double *ts, *tq, *ta, *ps, *pq, *mn, *mx, *active;
    const double *inv, *lo, *hi;
    const std::int32_t* zero;
    std::int32_t* idx;
};

// True when every value of the row is finite, i.e. no exponent field is all
// ones. An integer OR-reduction: it vectorises, a floating-point sum would not
// (its order may not change).
template <class Real>
[[gnu::always_inline]] inline bool allFinite(const Real* row, std::int64_t n0, std::int64_t n1)
{
    using Bits = std::conditional_t<sizeof(Real) == 4, std::uint32_t, std::uint64_t>;
    constexpr Bits exponent = sizeof(Real) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000u);
    Bits bad = 0;
    for (std::int64_t n = n0; n < n1; ++n) {
        const Bits e = std::bit_cast<Bits>(row[n]) & exponent;
        bad |= e == exponent ? Bits(1) : Bits(0);
    }
    return bad == 0;
}

// The sums of one row, for any values (a NaN or Inf makes its sums NaN or Inf,
// which the terms report as undefined). Plain element-wise loops over restrict
// pointers, which the compiler vectorises; every accumulator is per element,
// so the order of each sum is the order of the rows whatever the vector width.
template <class Real, bool PerTime = true>
[[gnu::always_inline]] inline void accumulateSums(const Real* __restrict row, std::int64_t n0,
                                                  std::int64_t n1, double* __restrict ts,
                                                  double* __restrict tq, double* __restrict ta,
                                                  double* __restrict ps, double* __restrict pq)
{
    for (std::int64_t n = n0; n < n1; ++n) {
        const double x = static_cast<double>(row[n]);
        const double x2 = x * x;
        ts[n] += x;
        tq[n] += x2;
        ta[n] += std::abs(x);
        if constexpr (PerTime) {
            ps[n] += x;
            pq[n] += x2;
        }
    }
}

// Extremes and activity of one row whose values are all finite.
template <class Real>
[[gnu::always_inline]] inline void accumulateExtremes(const Real* __restrict row, std::int64_t n0,
                                                      std::int64_t n1, double thr,
                                                      double* __restrict mn, double* __restrict mx,
                                                      double* __restrict active)
{
    for (std::int64_t n = n0; n < n1; ++n) {
        const double x = static_cast<double>(row[n]);
        mn[n] = std::min(mn[n], x);
        mx[n] = std::max(mx[n], x);
    }
    for (std::int64_t n = n0; n < n1; ++n)
        active[n] += static_cast<double>(row[n]) > thr ? 1.0 : 0.0;
}

// The histogram bin of each value of a row, as an index into the counts.
// In range, floor(value / width) + the index of the neuron's bin at 0. Out of
// range (NaN and +-Inf included) the value is clamped to just below or at the
// end of the range, which gives an index outside the neuron's own bins: the
// caller checks that. Branch-free min/max so that it vectorises (reducer.cpp
// is compiled with -fno-trapping-math for the same reason; see CMakeLists).
template <class Real>
[[gnu::always_inline]] inline void binIndices(const Real* __restrict row, std::int64_t n0, std::int64_t n1,
                const double* __restrict inv, const double* __restrict lo,
                const double* __restrict hi, const std::int32_t* __restrict zero,
                std::int32_t* __restrict idx)
{
    for (std::int64_t n = n0; n < n1; ++n) {
        const double q = static_cast<double>(row[n]) * inv[n];
        // std::max(a, q) is a when q is NaN; the result lies in [lo-0.5, hi].
        const double qc = std::min(hi[n], std::max(lo[n] - 0.5, q));
        const double t = static_cast<double>(static_cast<std::int32_t>(qc)); // truncates
        const double fl = t - (t > qc ? 1.0 : 0.0);                          // floor
        idx[n] = zero[n] + static_cast<std::int32_t>(fl);
    }
}

// One row of the fast path: false (and nothing done) when the row holds a
// non-finite value. Compiled twice: for the baseline x86-64 (SSE2) and, picked
// at run time when the CPU has it, for AVX2 (wider vectors, same operations in
// the same order, so the same bits; no FMA, which would round differently).
template <class Real, bool PerTime, bool Hist>
[[gnu::always_inline]] inline bool finiteRow(const Real* row, std::int64_t n0, std::int64_t n1,
                                             const RowTargets& a)
{
    if (!allFinite(row, n0, n1))
        return false;
    accumulateSums<Real, PerTime>(row, n0, n1, a.ts, a.tq, a.ta, a.ps, a.pq);
    accumulateExtremes(row, n0, n1, a.thr, a.mn, a.mx, a.active);
    if constexpr (Hist)
        binIndices(row, n0, n1, a.inv, a.lo, a.hi, a.zero, a.idx);
    return true;
}

template <class Real, bool PerTime, bool Hist>
bool finiteRowBaseline(const Real* row, std::int64_t n0, std::int64_t n1, const RowTargets& a)
{
    return finiteRow<Real, PerTime, Hist>(row, n0, n1, a);
}

#if RNNLOSS_X86_DISPATCH
template <class Real, bool PerTime, bool Hist>
[[gnu::target("avx2")]] bool finiteRowAvx2(const Real* row, std::int64_t n0, std::int64_t n1,
                                           const RowTargets& a)
{
    return finiteRow<Real, PerTime, Hist>(row, n0, n1, a);
}
#endif

} // namespace

bool StatesReducer::cpuHasAvx2()
{
#if RNNLOSS_X86_DISPATCH
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}

template <class Real>
void StatesReducer::addRange(const Real* data, std::int64_t firstTrial, std::int64_t trials,
                             std::int64_t n0, std::int64_t n1)
{
    if (n1 <= n0)
        return;
    // Per row, the histogram bin of each neuron (binIndices).
    std::vector<std::int32_t> bin(static_cast<std::size_t>(n1));
    std::int32_t* const idx = bin.data();
    // Trials are taken in blocks, time outermost within a block, so that a
    // time step's row of the per-time sums stays in cache for the whole block
    // instead of being streamed through once per trial. Every sum still adds
    // its terms in the same order (per-trial sums in time order, per-time sums
    // in trial order), so the result does not depend on the blocking.
    if (!m_config.perTime) {
        // Nothing is kept per time step: a trial's rows in order.
        if (!m_config.histograms && m_avx2) {
            addLeanTrials(data, firstTrial, trials, n0, n1);
            return;
        }
        for (std::int64_t b = 0; b < trials; ++b) {
            const std::int64_t gb = firstTrial + b;
            for (std::int64_t t = 0; t < m_time; ++t)
                addRow(data + (b * m_time + t) * m_neurons, n0, n1, &m_trialSum(gb, 0),
                       &m_trialSumSq(gb, 0), &m_trialSumAbs(gb, 0), nullptr, nullptr, idx);
        }
        return;
    }
    constexpr std::int64_t kBlock = 4;
    for (std::int64_t b0 = 0; b0 < trials; b0 += kBlock) {
        const std::int64_t b1 = std::min(trials, b0 + kBlock);
        for (std::int64_t t = 0; t < m_time; ++t) {
            double* const ps = &m_timeSum(t, 0);
            double* const pq = &m_timeSumSq(t, 0);
            for (std::int64_t b = b0; b < b1; ++b) {
                const std::int64_t gb = firstTrial + b;
                const Real* const row = data + (b * m_time + t) * m_neurons;
                addRow(row, n0, n1, &m_trialSum(gb, 0), &m_trialSumSq(gb, 0),
                       &m_trialSumAbs(gb, 0), ps, pq, idx);
            }
        }
    }
}

template <class Real>
void StatesReducer::addLeanTrials(const Real* data, std::int64_t firstTrial, std::int64_t trials,
                                  std::int64_t n0, std::int64_t n1)
{
    for (std::int64_t b = 0; b < trials; ++b) {
        const std::int64_t gb = firstTrial + b;
        const detail::LeanTargets a{&m_trialSum(gb, 0), &m_trialSumSq(gb, 0),
                                    &m_trialSumAbs(gb, 0), m_min.data(),
                                    m_max.data(),       m_active.data(),
                                    m_nonFinite.data(), m_config.activeThreshold};
        detail::leanTrialAvx2(data + b * m_time * m_neurons, m_time, m_neurons, n0, n1, a);
    }
}

template <class Real>
void StatesReducer::addRow(const Real* row, std::int64_t n0, std::int64_t n1, double* ts,
                           double* tq, double* ta, double* ps, double* pq, std::int32_t* idx)
{
    if (m_config.perTime && m_config.histograms)
        addRowT<Real, true, true>(row, n0, n1, ts, tq, ta, ps, pq, idx);
    else if (m_config.perTime)
        addRowT<Real, true, false>(row, n0, n1, ts, tq, ta, ps, pq, idx);
    else if (m_config.histograms)
        addRowT<Real, false, true>(row, n0, n1, ts, tq, ta, ps, pq, idx);
    else
        addRowT<Real, false, false>(row, n0, n1, ts, tq, ta, ps, pq, idx);
}

template <class Real, bool PerTime, bool Hist>
void StatesReducer::addRowT(const Real* row, std::int64_t n0, std::int64_t n1, double* ts,
                            double* tq, double* ta, double* ps, double* pq, std::int32_t* idx)
{
    const RowTargets a{m_config.activeThreshold, ts, tq, ta, ps, pq, m_min.data(), m_max.data(),
                       m_active.data(), m_histInv.data(), m_histLo.data(), m_histHi.data(),
                       m_histZero.data(), idx};
#if RNNLOSS_X86_DISPATCH
    const bool fast = m_avx2 ? finiteRowAvx2<Real, PerTime, Hist>(row, n0, n1, a)
                             : finiteRowBaseline<Real, PerTime, Hist>(row, n0, n1, a);
#else
    const bool fast = finiteRowBaseline<Real, PerTime, Hist>(row, n0, n1, a);
#endif
    if (!fast) [[unlikely]] {
        // Sums take every value; extremes and activity cover finite samples only.
        accumulateSums<Real, PerTime>(row, n0, n1, ts, tq, ta, ps, pq);
        for (std::int64_t n = n0; n < n1; ++n) {
            const double x = static_cast<double>(row[n]);
            if (std::isfinite(x)) {
                a.mn[n] = std::min(a.mn[n], x);
                a.mx[n] = std::max(a.mx[n], x);
                a.active[n] += x > a.thr ? 1.0 : 0.0;
            } else if constexpr (!Hist) {
                ++m_nonFinite[n];
            }
        }
        if constexpr (Hist)
            binIndices(row, n0, n1, a.inv, a.lo, a.hi, a.zero, idx);
    }
    if constexpr (Hist) {
        // The increments; a value outside its neuron's bins takes the slow path.
        std::int64_t* const counts = m_counts.data();
        for (std::int64_t n = n0, own = n0 * m_bins; n < n1; ++n, own += m_bins) {
            if (idx[n] >= own && idx[n] < own + m_bins) [[likely]] {
                ++counts[idx[n]];
            } else {
                const double x = static_cast<double>(row[n]);
                if (std::isfinite(x))
                    grow(n, x);
                else
                    ++m_nonFinite[n];
            }
        }
    }
}

void StatesReducer::makeSigned(std::int64_t n)
{
    // [0, bins*w) becomes [-bins*w, bins*w) with width 2w.
    std::int64_t* c = m_counts.data() + n * m_bins;
    const int half = m_bins / 2;
    std::vector<std::int64_t> merged(m_bins, 0);
    for (int i = 0; i < m_bins; ++i)
        merged[(i >> 1) + half] += c[i];
    std::copy(merged.begin(), merged.end(), c);
    m_signed[n] = 1;
    m_width[n] *= 2;
}

void StatesReducer::widen(std::int64_t n)
{
    // The same origin, twice the width: pairs of bins merge.
    std::int64_t* c = m_counts.data() + n * m_bins;
    std::vector<std::int64_t> merged(m_bins, 0);
    const int shift = m_signed[n] ? m_bins / 4 : 0;
    for (int i = 0; i < m_bins; ++i)
        merged[(i >> 1) + shift] += c[i];
    std::copy(merged.begin(), merged.end(), c);
    m_width[n] *= 2;
}

void StatesReducer::grow(std::int64_t n, double x)
{
    const int half = m_bins / 2;
    if (x < 0 && !m_signed[n])
        makeSigned(n);
    auto inRange = [&] {
        const double q = x / m_width[n];
        return m_signed[n] ? (q >= -half && q < half) : (q >= 0 && q < m_bins);
    };
    while (!inRange())
        widen(n);
    updateHistState(n);
    ++m_counts[m_histZero[n] + static_cast<std::int64_t>(std::floor(x * m_histInv[n]))];
}

void StatesReducer::merge(StatesReducer&& part, std::int64_t firstTrial)
{
    if (part.m_time != m_time || part.m_neurons != m_neurons || firstTrial < 0 ||
        firstTrial + part.m_batch > m_batch || part.m_config.perTime != m_config.perTime ||
        part.m_config.histograms != m_config.histograms || part.m_bins != m_bins ||
        part.m_config.activeThreshold != m_config.activeThreshold)
        throw std::invalid_argument("StatesReducer::merge: the parts do not fit");
    m_trialSum.middleRows(firstTrial, part.m_batch) = part.m_trialSum;
    m_trialSumSq.middleRows(firstTrial, part.m_batch) = part.m_trialSumSq;
    m_trialSumAbs.middleRows(firstTrial, part.m_batch) = part.m_trialSumAbs;
    if (m_config.perTime) {
        m_timeSum += part.m_timeSum;
        m_timeSumSq += part.m_timeSumSq;
    }
    for (std::int64_t n = 0; n < m_neurons; ++n) {
        m_min[n] = std::min(m_min[n], part.m_min[n]);
        m_max[n] = std::max(m_max[n], part.m_max[n]);
        m_active[n] += part.m_active[n];
        m_nonFinite[n] += part.m_nonFinite[n];
        if (!m_config.histograms)
            continue;
        // Both layouts are power-of-two widths aligned at 0: bring both to the
        // coarser (signed if either is), where every bin of the finer lies
        // inside one bin, then add. This is the layout one pass over all the
        // values would have ended with, so the counts are the same.
        if (part.m_signed[n] && !m_signed[n])
            makeSigned(n);
        if (m_signed[n] && !part.m_signed[n])
            part.makeSigned(n);
        while (m_width[n] < part.m_width[n])
            widen(n);
        while (part.m_width[n] < m_width[n])
            part.widen(n);
        for (int i = 0; i < m_bins; ++i)
            m_counts[n * m_bins + i] += part.m_counts[n * m_bins + i];
        updateHistState(n);
    }
}

void StatesReducer::updateHistState(std::int64_t n)
{
    const int half = m_bins / 2;
    m_histInv[n] = 1.0 / m_width[n];
    m_histLo[n] = m_signed[n] ? -half : 0;
    m_histHi[n] = m_signed[n] ? half : m_bins;
    m_histZero[n] = static_cast<std::int32_t>(n * m_bins + (m_signed[n] ? half : 0));
}

void StatesReducer::finish(Summary& out)
{
    out.trialSum = std::move(m_trialSum);
    out.trialSumSq = std::move(m_trialSumSq);
    out.trialSumAbs = std::move(m_trialSumAbs);
    out.timeSum = std::move(m_timeSum);
    out.timeSumSq = std::move(m_timeSumSq);
    out.neuronMin = std::move(m_min);
    out.neuronMax = std::move(m_max);
    out.neuronNonFinite = std::move(m_nonFinite);
    out.neuronActive.assign(m_active.begin(), m_active.end());
    out.activeThreshold = m_config.activeThreshold;
    out.neuronHistograms.clear();
    if (!m_config.histograms)
        return;
    out.neuronHistograms.resize(m_neurons);
    for (std::int64_t n = 0; n < m_neurons; ++n) {
        NeuronHistogram& h = out.neuronHistograms[n];
        h.width = m_width[n];
        h.lo = m_signed[n] ? -(m_bins / 2) * m_width[n] : 0.0;
        h.counts.assign(m_counts.begin() + n * m_bins, m_counts.begin() + (n + 1) * m_bins);
    }
}

ErrorReducer::ErrorReducer(std::int64_t batch, std::int64_t time, std::int64_t nOut)
    : m_batch(batch), m_time(time), m_nOut(nOut), m_perTrial(batch, 0.0), m_perTime(time, 0.0)
{
}

void ErrorReducer::merge(ErrorReducer&& part, std::int64_t firstTrial)
{
    if (part.m_time != m_time || part.m_nOut != m_nOut || firstTrial < 0 ||
        firstTrial + part.m_batch > m_batch)
        throw std::invalid_argument("ErrorReducer::merge: the parts do not fit");
    std::copy(part.m_perTrial.begin(), part.m_perTrial.end(), m_perTrial.begin() + firstTrial);
    for (std::int64_t t = 0; t < m_time; ++t)
        m_perTime[t] += part.m_perTime[t];
}

void ErrorReducer::addTrials(const float* o, const float* y, std::int64_t first, std::int64_t n)
{
    add(o, y, first, n);
}

void ErrorReducer::addTrials(const double* o, const double* y, std::int64_t first,
                             std::int64_t n)
{
    add(o, y, first, n);
}

template <class Real>
void ErrorReducer::add(const Real* o, const Real* y, std::int64_t firstTrial, std::int64_t trials)
{
    if (firstTrial < 0 || trials < 0 || firstTrial + trials > m_batch)
        throw std::out_of_range("ErrorReducer: trials out of range");
    for (std::int64_t b = 0; b < trials; ++b) {
        for (std::int64_t t = 0; t < m_time; ++t) {
            double s = 0.0;
            const std::int64_t base = (b * m_time + t) * m_nOut;
            for (std::int64_t k = 0; k < m_nOut; ++k) {
                const double d = static_cast<double>(o[base + k]) - static_cast<double>(y[base + k]);
                s += d * d;
            }
            m_perTrial[firstTrial + b] += s;
            m_perTime[t] += s;
        }
    }
}

void ErrorReducer::finish(Summary& out)
{
    out.sqErrPerTrial = std::move(m_perTrial);
    out.sqErrPerTime = std::move(m_perTime);
}

template <class Real>
static std::int64_t countNonFiniteT(const Real* data, std::int64_t n)
{
    std::int64_t bad = 0;
    for (std::int64_t i = 0; i < n; ++i)
        bad += !std::isfinite(data[i]);
    return bad;
}

std::int64_t countNonFinite(const double* data, std::int64_t n) { return countNonFiniteT(data, n); }
std::int64_t countNonFinite(const float* data, std::int64_t n) { return countNonFiniteT(data, n); }

Summary summarize(const Recording& rec, std::int64_t slabTrials, ReduceConfig config)
{
    Summary s;
    s.shape = rec.shape;
    s.trainingLambdas = rec.trainingLambdas;
    const Shape& sh = rec.shape;
    slabTrials = std::max<std::int64_t>(1, slabTrials);
    auto mark = [&](Dataset d, const std::vector<double>& v, std::vector<std::int64_t> dims) {
        DatasetInfo& info = s.info(d);
        info.present = !v.empty();
        info.file = "(memory)";
        info.path = std::string(datasetName(d));
        if (info.present) {
            info.dims = std::move(dims);
            info.nonFinite = countNonFinite(v.data(), static_cast<std::int64_t>(v.size()));
        }
    };
    mark(Dataset::Outputs, rec.outputs, {sh.batch, sh.time, sh.nOut});
    mark(Dataset::Targets, rec.targets, {sh.batch, sh.time, sh.nOut});
    mark(Dataset::States, rec.states, {sh.batch, sh.time, sh.nHid});
    mark(Dataset::Inputs, rec.inputs, {sh.batch, sh.time, sh.nIn});
    mark(Dataset::WeightsIn, rec.wIn, {sh.nHid, sh.nIn});
    mark(Dataset::WeightsHid, rec.wHid, {sh.nHid, sh.nHid});
    mark(Dataset::WeightsOut, rec.wOut, {sh.nOut, sh.nHid});

    if (!rec.states.empty()) {
        StatesReducer r(sh.batch, sh.time, sh.nHid, config);
        for (std::int64_t b = 0; b < sh.batch; b += slabTrials) {
            const std::int64_t n = std::min(slabTrials, sh.batch - b);
            r.addTrials(rec.states.data() + b * sh.time * sh.nHid, b, n);
        }
        r.finish(s);
    }
    if (!rec.outputs.empty() && !rec.targets.empty()) {
        ErrorReducer r(sh.batch, sh.time, sh.nOut);
        for (std::int64_t b = 0; b < sh.batch; b += slabTrials) {
            const std::int64_t n = std::min(slabTrials, sh.batch - b);
            const std::int64_t off = b * sh.time * sh.nOut;
            r.addTrials(rec.outputs.data() + off, rec.targets.data() + off, b, n);
        }
        r.finish(s);
    }
    const std::array<const std::vector<double>*, 3> w = {&rec.wIn, &rec.wHid, &rec.wOut};
    const std::array<std::int64_t, 3> rows = {sh.nHid, sh.nHid, sh.nOut};
    for (int i = 0; i < 3; ++i) {
        if (w[i]->empty())
            continue;
        const std::int64_t cols = static_cast<std::int64_t>(w[i]->size()) / rows[i];
        double norm = 0.0;
        for (double v : *w[i])
            norm += v * v;
        s.weightNormSq[i] = norm;
        s.weights[i] = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic,
                                                       Eigen::RowMajor>>(w[i]->data(), rows[i], cols)
                           .cast<float>();
    }
    return s;
}

} // namespace rnnloss
