#include "leankernel.h"

#include <algorithm>
#include <cmath>
#include <limits>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define RNNLOSS_LEAN_AVX2 1
#include <immintrin.h>
#else
#define RNNLOSS_LEAN_AVX2 0
#endif

namespace rnnloss::detail {

namespace {

// Rows are taken in tiles, and within a tile 8 neurons at a time with their
// accumulators in registers: the accumulators are loaded and stored once per
// tile instead of once per row (the row kernel's load-add-store of six arrays
// per sample was what bounded it). Short tiles keep the rows of a tile in L1
// while its neuron blocks go by; going down a whole trial instead (2 KB
// stride for 512 float neurons) thrashes the cache's sets.
constexpr std::int64_t kTileRows = 16;
constexpr std::int64_t kBlock = 8;

// Sums take every value; extremes and activity finite samples only, the others
// are counted. The row kernel's slow path, for one neuron over rows [t0, t1).
template <class Real>
void scalarNeuron(const Real* trial, std::int64_t neurons, std::int64_t t0, std::int64_t t1,
                  std::int64_t n, bool sums, const LeanTargets& a)
{
    for (std::int64_t t = t0; t < t1; ++t) {
        const double x = static_cast<double>(trial[t * neurons + n]);
        if (sums) {
            const double x2 = x * x;
            a.ts[n] += x;
            a.tq[n] += x2;
            a.ta[n] += std::abs(x);
        }
        if (std::isfinite(x)) {
            a.mn[n] = std::min(a.mn[n], x);
            a.mx[n] = std::max(a.mx[n], x);
            a.active[n] += x > a.threshold ? 1.0 : 0.0;
        } else {
            ++a.nonFinite[n];
        }
    }
}

/// The largest float at or below `t`: for every float x, x > it exactly when
/// double(x) > t (no float lies between it and t).
[[maybe_unused]] float floatThreshold(double t)
{
    float f = static_cast<float>(t);
    if (static_cast<double>(f) > t)
        f = std::nextafter(f, -std::numeric_limits<float>::infinity());
    return f;
}

#if RNNLOSS_LEAN_AVX2

#define RNNLOSS_AVX2 [[gnu::target("avx2"), gnu::always_inline]] inline

RNNLOSS_AVX2 __m256d absOf(__m256d x)
{
    return _mm256_and_pd(x, _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL)));
}

RNNLOSS_AVX2 bool finite4(__m256d v)
{
    // |v| <= DBL_MAX is false for NaN and +-Inf.
    const __m256d big = _mm256_set1_pd(std::numeric_limits<double>::max());
    return _mm256_movemask_pd(_mm256_cmp_pd(absOf(v), big, _CMP_LE_OQ)) == 0xf;
}

/// A block's per-trial sums (Σr, Σr², Σ|r| of 8 neurons), in registers for a tile.
struct Sums
{
    __m256d s[2], q[2], b[2];

    RNNLOSS_AVX2 void load(const LeanTargets& a, std::int64_t n0)
    {
        for (int k = 0; k < 2; ++k) {
            s[k] = _mm256_loadu_pd(a.ts + n0 + 4 * k);
            q[k] = _mm256_loadu_pd(a.tq + n0 + 4 * k);
            b[k] = _mm256_loadu_pd(a.ta + n0 + 4 * k);
        }
    }
    RNNLOSS_AVX2 void add(int k, __m256d x, __m256d absMask)
    {
        s[k] = _mm256_add_pd(s[k], x);
        q[k] = _mm256_add_pd(q[k], _mm256_mul_pd(x, x));
        b[k] = _mm256_add_pd(b[k], _mm256_and_pd(x, absMask));
    }
    RNNLOSS_AVX2 bool finite() const { return finite4(s[0]) && finite4(s[1]); }
    /// Stores the sums; true when every sample that went in was finite. A
    /// non-finite sample makes its neuron's Σr non-finite for good (a sum of
    /// finite terms becomes Inf or NaN only by overflow, which for float data
    /// cannot happen and for double data only sends the tile to the exact
    /// element-by-element path), so Σr before and after the tile tells.
    RNNLOSS_AVX2 bool store(const LeanTargets& a, std::int64_t n0, bool finiteBefore) const
    {
        for (int k = 0; k < 2; ++k) {
            _mm256_storeu_pd(a.ts + n0 + 4 * k, s[k]);
            _mm256_storeu_pd(a.tq + n0 + 4 * k, q[k]);
            _mm256_storeu_pd(a.ta + n0 + 4 * k, b[k]);
        }
        return finiteBefore && finite();
    }
};

/// Adds a tile's extremes (already as doubles) and activity counts of 8
/// neurons to the stored ones. minpd(x, m) is x < m ? x : m, which is
/// std::min(m, x) (the earlier of equal values stays, as in a pass in order);
/// maxpd likewise std::max(m, x). The counts are exact whole numbers.
RNNLOSS_AVX2 void commit(const LeanTargets& a, std::int64_t n0, int k, __m256d lo, __m256d hi,
                         __m256d count)
{
    double* mn = a.mn + n0 + 4 * k;
    double* mx = a.mx + n0 + 4 * k;
    double* act = a.active + n0 + 4 * k;
    _mm256_storeu_pd(mn, _mm256_min_pd(lo, _mm256_loadu_pd(mn)));
    _mm256_storeu_pd(mx, _mm256_max_pd(hi, _mm256_loadu_pd(mx)));
    _mm256_storeu_pd(act, _mm256_add_pd(_mm256_loadu_pd(act), count));
}

// Float data, neurons [n0, n0 + 8) over rows [t0, t1). Extremes and the
// activity test are taken on the floats, 8 lanes at a time: converting to
// double is exact and keeps order, and `thr` is the float threshold that
// decides as the double one does (floatThreshold). Only the sums need doubles.
RNNLOSS_AVX2 void blockFloat(const float* trial, std::int64_t neurons, std::int64_t t0,
                             std::int64_t t1, std::int64_t n0, float threshold,
                             const LeanTargets& a)
{
    Sums sums;
    sums.load(a, n0);
    const bool finiteBefore = sums.finite();
    const __m256d absMask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
    const __m256 thr = _mm256_set1_ps(threshold);
    __m256 lo = _mm256_set1_ps(std::numeric_limits<float>::infinity());
    __m256 hi = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    __m256i count = _mm256_setzero_si256();
    for (std::int64_t t = t0; t < t1; ++t) {
        const float* row = trial + t * neurons + n0;
        const __m256 f = _mm256_loadu_ps(row);
        sums.add(0, _mm256_cvtps_pd(_mm_loadu_ps(row)), absMask);
        sums.add(1, _mm256_cvtps_pd(_mm_loadu_ps(row + 4)), absMask);
        lo = _mm256_min_ps(f, lo);
        hi = _mm256_max_ps(f, hi);
        // A true compare is all ones: -1.
        count = _mm256_sub_epi32(count, _mm256_castps_si256(_mm256_cmp_ps(f, thr, _CMP_GT_OQ)));
    }
    if (!sums.store(a, n0, finiteBefore)) [[unlikely]] {
        for (std::int64_t n = n0; n < n0 + kBlock; ++n)
            scalarNeuron(trial, neurons, t0, t1, n, false, a);
        return;
    }
    for (int k = 0; k < 2; ++k) {
        const __m128 l = k ? _mm256_extractf128_ps(lo, 1) : _mm256_castps256_ps128(lo);
        const __m128 h = k ? _mm256_extractf128_ps(hi, 1) : _mm256_castps256_ps128(hi);
        const __m128i c = k ? _mm256_extracti128_si256(count, 1) : _mm256_castsi256_si128(count);
        commit(a, n0, k, _mm256_cvtps_pd(l), _mm256_cvtps_pd(h), _mm256_cvtepi32_pd(c));
    }
}

// Double data: the same with the extremes and the test on the doubles.
RNNLOSS_AVX2 void blockDouble(const double* trial, std::int64_t neurons, std::int64_t t0,
                              std::int64_t t1, std::int64_t n0, double threshold,
                              const LeanTargets& a)
{
    Sums sums;
    sums.load(a, n0);
    const bool finiteBefore = sums.finite();
    const __m256d absMask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
    const __m256d thr = _mm256_set1_pd(threshold);
    __m256d lo[2], hi[2];
    __m256i count[2];
    for (int k = 0; k < 2; ++k) {
        lo[k] = _mm256_set1_pd(std::numeric_limits<double>::infinity());
        hi[k] = _mm256_set1_pd(-std::numeric_limits<double>::infinity());
        count[k] = _mm256_setzero_si256();
    }
    for (std::int64_t t = t0; t < t1; ++t) {
        const double* row = trial + t * neurons + n0;
        for (int k = 0; k < 2; ++k) {
            const __m256d x = _mm256_loadu_pd(row + 4 * k);
            sums.add(k, x, absMask);
            lo[k] = _mm256_min_pd(x, lo[k]);
            hi[k] = _mm256_max_pd(x, hi[k]);
            count[k] =
                _mm256_sub_epi64(count[k], _mm256_castpd_si256(_mm256_cmp_pd(x, thr, _CMP_GT_OQ)));
        }
    }
    if (!sums.store(a, n0, finiteBefore)) [[unlikely]] {
        for (std::int64_t n = n0; n < n0 + kBlock; ++n)
            scalarNeuron(trial, neurons, t0, t1, n, false, a);
        return;
    }
    // Counts below 2^52 as doubles: their bits under 2^52's exponent, less 2^52.
    const __m256i bias = _mm256_set1_epi64x(0x4330000000000000LL);
    for (int k = 0; k < 2; ++k) {
        const __m256d c = _mm256_castsi256_pd(_mm256_or_si256(count[k], bias));
        commit(a, n0, k, lo[k], hi[k], _mm256_sub_pd(c, _mm256_set1_pd(0x1p52)));
    }
}

template <class Real>
[[gnu::target("avx2")]] void trial(const Real* data, std::int64_t time, std::int64_t neurons,
                                   std::int64_t n0, std::int64_t n1, const LeanTargets& a)
{
    const float thrFloat = floatThreshold(a.threshold);
    const std::int64_t vectorEnd = n0 + (n1 - n0) / kBlock * kBlock;
    for (std::int64_t t0 = 0; t0 < time; t0 += kTileRows) {
        const std::int64_t t1 = std::min(time, t0 + kTileRows);
        for (std::int64_t n = n0; n < vectorEnd; n += kBlock) {
            if constexpr (sizeof(Real) == 4)
                blockFloat(data, neurons, t0, t1, n, thrFloat, a);
            else
                blockDouble(data, neurons, t0, t1, n, a.threshold, a);
        }
        for (std::int64_t n = vectorEnd; n < n1; ++n)
            scalarNeuron(data, neurons, t0, t1, n, true, a);
    }
}

#undef RNNLOSS_AVX2

#else

template <class Real>
void trial(const Real* data, std::int64_t time, std::int64_t neurons, std::int64_t n0,
           std::int64_t n1, const LeanTargets& a)
{
    for (std::int64_t t0 = 0; t0 < time; t0 += kTileRows)
        for (std::int64_t n = n0; n < n1; ++n)
            scalarNeuron(data, neurons, t0, std::min(time, t0 + kTileRows), n, true, a);
}

#endif

} // namespace

void leanTrialAvx2(const float* data, std::int64_t time, std::int64_t neurons, std::int64_t n0,
                   std::int64_t n1, const LeanTargets& a)
{
    trial(data, time, neurons, n0, n1, a);
}

void leanTrialAvx2(const double* data, std::int64_t time, std::int64_t neurons, std::int64_t n0,
                   std::int64_t n1, const LeanTargets& a)
{
    trial(data, time, neurons, n0, n1, a);
}

} // namespace rnnloss::detail
