#include "reducer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

namespace rnnloss {

namespace {
constexpr double kInitialWidth = 0x1p-30; // grows by doubling; 2^-30 resolves any rate of interest
}

StatesReducer::StatesReducer(std::int64_t batch, std::int64_t time, std::int64_t neurons,
                             ReduceConfig config)
    : m_batch(batch), m_time(time), m_neurons(neurons), m_config(config),
      m_bins(config.histogramBins)
{
    if (m_bins < 4 || m_bins % 4 != 0)
        throw std::invalid_argument("histogram bins must be a positive multiple of 4");
    m_trialSum = RowMatrix::Zero(batch, neurons);
    m_trialSumSq = RowMatrix::Zero(batch, neurons);
    m_trialSumAbs = RowMatrix::Zero(batch, neurons);
    m_timeSum = RowMatrix::Zero(time, neurons);
    m_timeSumSq = RowMatrix::Zero(time, neurons);
    m_min.assign(neurons, std::numeric_limits<double>::infinity());
    m_max.assign(neurons, -std::numeric_limits<double>::infinity());
    m_nonFinite.assign(neurons, 0);
    m_active.assign(neurons, 0);
    m_width.assign(neurons, kInitialWidth);
    m_signed.assign(neurons, 0);
    m_counts.assign(static_cast<std::size_t>(neurons) * m_bins, 0);
    m_hist.resize(neurons);
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

template <class Real>
void StatesReducer::addRange(const Real* data, std::int64_t firstTrial, std::int64_t trials,
                             std::int64_t n0, std::int64_t n1)
{
    if (n1 <= n0)
        return;
    const double thr = m_config.activeThreshold;
    double* const mn = m_min.data();
    double* const mx = m_max.data();
    std::int64_t* const active = m_active.data();
    const HistState* const hist = m_hist.data();
    for (std::int64_t b = 0; b < trials; ++b) {
        const std::int64_t gb = firstTrial + b;
        double* const ts = &m_trialSum(gb, 0);
        double* const tq = &m_trialSumSq(gb, 0);
        double* const ta = &m_trialSumAbs(gb, 0);
        for (std::int64_t t = 0; t < m_time; ++t) {
            const Real* const row = data + (b * m_time + t) * m_neurons;
            double* const ps = &m_timeSum(t, 0);
            double* const pq = &m_timeSumSq(t, 0);
            // The sums, extremes and activity: one simple loop the compiler
            // vectorises. Extremes and activity cover finite samples only
            // (x - x is 0 exactly when x is finite).
            for (std::int64_t n = n0; n < n1; ++n) {
                const double x = static_cast<double>(row[n]);
                const double x2 = x * x;
                ts[n] += x;
                tq[n] += x2;
                ta[n] += std::abs(x);
                ps[n] += x;
                pq[n] += x2;
                const bool finite = (x - x) == 0.0;
                mn[n] = finite && x < mn[n] ? x : mn[n];
                mx[n] = finite && x > mx[n] ? x : mx[n];
                active[n] += finite && x > thr;
            }
            // Histogram: scalar, with a slow path only when a value leaves the
            // neuron's current bin range or is not finite.
            for (std::int64_t n = n0; n < n1; ++n) {
                const double x = static_cast<double>(row[n]);
                const HistState& h = hist[n];
                const double q = x * h.inv;
                if (q >= h.lo && q < h.hi) [[likely]] { // false for NaN too
                    auto k = static_cast<std::int64_t>(q);
                    k -= (static_cast<double>(k) > q); // floor for negatives
                    ++h.zero[k];
                } else if (std::isfinite(x)) {
                    grow(n, x);
                } else {
                    ++m_nonFinite[n];
                }
            }
        }
    }
}

void StatesReducer::grow(std::int64_t n, double x)
{
    std::int64_t* c = m_counts.data() + n * m_bins;
    const int half = m_bins / 2;
    std::vector<std::int64_t> merged(m_bins);
    if (x < 0 && !m_signed[n]) {
        // [0, bins*w) becomes [-bins*w, bins*w) with width 2w.
        std::fill(merged.begin(), merged.end(), 0);
        for (int i = 0; i < m_bins; ++i)
            merged[(i >> 1) + half] += c[i];
        std::copy(merged.begin(), merged.end(), c);
        m_signed[n] = 1;
        m_width[n] *= 2;
    }
    auto inRange = [&] {
        const double q = x / m_width[n];
        return m_signed[n] ? (q >= -half && q < half) : (q >= 0 && q < m_bins);
    };
    while (!inRange()) {
        std::fill(merged.begin(), merged.end(), 0);
        const int shift = m_signed[n] ? half / 2 : 0;
        for (int i = 0; i < m_bins; ++i)
            merged[(i >> 1) + shift] += c[i];
        std::copy(merged.begin(), merged.end(), c);
        m_width[n] *= 2;
    }
    updateHistState(n);
    ++m_hist[n].zero[static_cast<std::int64_t>(std::floor(x * m_hist[n].inv))];
}

void StatesReducer::updateHistState(std::int64_t n)
{
    const int half = m_bins / 2;
    HistState& h = m_hist[n];
    h.inv = 1.0 / m_width[n];
    h.lo = m_signed[n] ? -half : 0;
    h.hi = m_signed[n] ? half : m_bins;
    h.zero = m_counts.data() + n * m_bins + (m_signed[n] ? half : 0);
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
    out.neuronActive = std::move(m_active);
    out.activeThreshold = m_config.activeThreshold;
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
