#include "popstats.h"

#include "slice.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace rnnloss {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Indices selected by `mask` among `size` (empty mask = all); empty `error`
/// unless the mask has the wrong length.
std::vector<std::int64_t> selected(const std::vector<bool>& mask, std::int64_t size,
                                   std::string_view what, std::string& error)
{
    std::vector<std::int64_t> out;
    if (!mask.empty() && static_cast<std::int64_t>(mask.size()) != size) {
        error = "the " + std::string(what) + " selection has " + std::to_string(mask.size()) +
                " entries for " + std::to_string(size) + " " + std::string(what) + "s";
        return out;
    }
    for (std::int64_t i = 0; i < size; ++i)
        if (mask.empty() || mask[i])
            out.push_back(i);
    return out;
}

/// Labels of the whole recording picked by a slice's indices; empty when the
/// labels do not cover the recording (the reader refuses such files).
std::vector<std::string> pick(const std::vector<std::string>& all, std::int64_t whole,
                              const std::vector<std::int64_t>* indices)
{
    if (all.empty() || static_cast<std::int64_t>(all.size()) != whole)
        return {};
    if (!indices)
        return all;
    std::vector<std::string> out;
    out.reserve(indices->size());
    for (std::int64_t i : *indices)
        out.push_back(all[i]);
    return out;
}

struct MeanVar
{
    double mean = 0.0, var = 0.0; ///< var: sample variance (n - 1)
};

MeanVar meanVar(std::span<const double> x)
{
    MeanVar r;
    // Equal values have variance 0 exactly; their rounded mean need not equal
    // them, and the spread around it would make d' of a constant neuron noise.
    if (std::all_of(x.begin(), x.end(), [&](double v) { return v == x[0]; })) {
        r.mean = x[0];
        return r;
    }
    for (double v : x)
        r.mean += v;
    r.mean /= static_cast<double>(x.size());
    for (double v : x)
        r.var += (v - r.mean) * (v - r.mean);
    r.var /= static_cast<double>(x.size() - 1);
    return r;
}

std::string quoted(std::string_view s)
{
    std::string q(1, '"');
    q.append(s).push_back('"');
    return q;
}

} // namespace

// ---------------------------------------------------------------------------

std::string_view neuronMeasureKey(NeuronMeasure m)
{
    switch (m) {
    case NeuronMeasure::MeanRate:
        return "mean_rate";
    case NeuronMeasure::Sd:
        return "sd";
    case NeuronMeasure::Cv:
        return "cv";
    case NeuronMeasure::Min:
        return "min";
    case NeuronMeasure::Max:
        return "max";
    case NeuronMeasure::FractionActive:
        return "fraction_active";
    case NeuronMeasure::FrContribution:
        return "fr_contribution";
    }
    return {};
}

std::optional<NeuronMeasure> neuronMeasureFromKey(std::string_view key)
{
    for (NeuronMeasure m : kAllNeuronMeasures)
        if (neuronMeasureKey(m) == key)
            return m;
    return std::nullopt;
}

const std::vector<double>& neuronMeasure(const NeuronStats& st, NeuronMeasure m)
{
    switch (m) {
    case NeuronMeasure::MeanRate:
        return st.mean;
    case NeuronMeasure::Sd:
        return st.sd;
    case NeuronMeasure::Cv:
        return st.cv;
    case NeuronMeasure::Min:
        return st.min;
    case NeuronMeasure::Max:
        return st.max;
    case NeuronMeasure::FractionActive:
        return st.fractionActive;
    case NeuronMeasure::FrContribution:
        return st.frContribution;
    }
    return st.mean;
}

std::vector<std::string> summaryTrialLabels(const Summary& s)
{
    return pick(s.trialLabels, s.recordingShape().batch, s.slice ? &s.slice->trials : nullptr);
}

std::vector<std::string> summaryNeuronGroups(const Summary& s)
{
    return pick(s.neuronGroups, s.recordingShape().nHid, s.slice ? &s.slice->neurons : nullptr);
}

Measure dPrime(std::span<const double> a, std::span<const double> b)
{
    Measure r;
    if (a.size() < 2 || b.size() < 2) {
        r.reason = "each label needs at least 2 trials for an SD";
        return r;
    }
    for (auto set : {a, b})
        for (double v : set)
            if (!std::isfinite(v)) {
                r.reason = "a trial's mean rate is not finite";
                return r;
            }
    const MeanVar ma = meanVar(a), mb = meanVar(b);
    if (ma.var == 0.0 && mb.var == 0.0) {
        r.reason = "the rate does not vary across the trials of either label";
        return r;
    }
    r.value = (ma.mean - mb.mean) / std::sqrt((ma.var + mb.var) / 2.0);
    return r;
}

namespace {

/// The summary's trials (within the selection) that carry `label`.
std::vector<std::int64_t> trialsLabelled(const std::vector<std::string>& labels,
                                         const std::vector<std::int64_t>& chosen,
                                         std::string_view label)
{
    std::vector<std::int64_t> out;
    for (std::int64_t b : chosen)
        if (labels[b] == label)
            out.push_back(b);
    return out;
}

/// Why no neuron can have a d', or empty.
std::string selectivityError(const Summary& s, const std::vector<std::string>& labels,
                             std::string_view labelA, std::string_view labelB)
{
    if (!s.hasStates())
        return "the recording has no states";
    if (labels.empty())
        return "the recording has no trial_labels";
    if (labelA == labelB)
        return "the two labels are the same (" + quoted(labelA) + ")";
    if (s.shape.time <= 0)
        return "the selection has no time steps";
    return {};
}

} // namespace

Selectivity selectivity(const Summary& s, std::string_view labelA, std::string_view labelB,
                        const std::vector<bool>& trials)
{
    Selectivity r;
    r.labelA = labelA;
    r.labelB = labelB;
    const std::vector<std::string> labels = summaryTrialLabels(s);
    r.error = selectivityError(s, labels, labelA, labelB);
    if (!r.error.empty())
        return r;
    const std::vector<std::int64_t> chosen = selected(trials, s.shape.batch, "trial", r.error);
    if (!r.error.empty())
        return r;
    const auto ta = trialsLabelled(labels, chosen, labelA);
    const auto tb = trialsLabelled(labels, chosen, labelB);
    r.trialsA = static_cast<std::int64_t>(ta.size());
    r.trialsB = static_cast<std::int64_t>(tb.size());
    for (const auto& [label, count] : {std::pair{labelA, r.trialsA}, std::pair{labelB, r.trialsB}})
        if (count < 2) {
            r.error = "label " + quoted(label) + " has " + std::to_string(count) +
                      " selected trial(s); d' needs at least 2 of each label";
            return r;
        }
    const auto N = s.shape.nHid;
    const double T = static_cast<double>(s.shape.time);
    r.dPrime.assign(N, kNaN);
    r.reasons.assign(N, std::string());
    std::vector<double> a(ta.size()), b(tb.size());
    for (std::int64_t n = 0; n < N; ++n) {
        if (s.neuronNonFinite[n] > 0) {
            r.reasons[n] = "the neuron has non-finite samples";
            continue;
        }
        for (std::size_t i = 0; i < ta.size(); ++i)
            a[i] = s.trialSum(ta[i], n) / T;
        for (std::size_t i = 0; i < tb.size(); ++i)
            b[i] = s.trialSum(tb[i], n) / T;
        const Measure d = dPrime(a, b);
        if (d.value)
            r.dPrime[n] = *d.value;
        else
            r.reasons[n] = d.reason;
    }
    return r;
}

Histogram sharedBins(const std::vector<std::vector<double>>& sets, int bins)
{
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (const auto& set : sets)
        for (double v : set)
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
    if (!(lo <= hi))
        return {};
    // histogramOf's own limits and padding, so that one set on its own and the
    // same set among others are binned by the same rule.
    Histogram h = histogramOf({lo, hi}, bins);
    std::fill(h.counts.begin(), h.counts.end(), 0.0);
    return h;
}

Histogram countOnBins(const Histogram& bins, std::span<const double> values)
{
    Histogram h = bins;
    std::fill(h.counts.begin(), h.counts.end(), 0.0);
    for (double v : values) {
        const int k = h.binOf(v);
        if (k >= 0)
            h.counts[k] += 1.0;
    }
    return h;
}

// ---------------------------------------------------------------------------

Fraction silentFraction(const NeuronStats& st, double threshold, const std::vector<bool>& neurons)
{
    Fraction f;
    if (!(std::isfinite(threshold) && threshold >= 0.0)) {
        f.reason = "the silent threshold must be a finite number >= 0";
        return f;
    }
    const auto chosen = selected(neurons, static_cast<std::int64_t>(st.size()), "neuron", f.reason);
    if (!f.reason.empty())
        return f;
    for (std::int64_t n : chosen) {
        if (!(std::isfinite(st.min[n]) && std::isfinite(st.max[n]))) {
            ++f.excluded;
            continue;
        }
        ++f.of;
        if (st.max[n] <= threshold && st.min[n] >= -threshold)
            ++f.count;
    }
    if (f.of == 0)
        f.reason = "no selected neuron has a finite sample";
    else
        f.value = static_cast<double>(f.count) / static_cast<double>(f.of);
    return f;
}

SaturationCounter::SaturationCounter(Activation a, std::int64_t neurons)
    : m_activation(a),
      m_hi(a == Activation::Relu ? std::numeric_limits<double>::infinity() : kLevel),
      m_lo(a == Activation::Tanh ? -kLevel : -std::numeric_limits<double>::infinity()),
      m_counts(static_cast<std::size_t>(std::max<std::int64_t>(neurons, 0)), 0.0)
{
    if (neurons <= 0)
        throw std::invalid_argument("SaturationCounter: no neurons");
}

template <class Real> void SaturationCounter::addRows(const Real* data, std::int64_t rows)
{
    m_samples += rows;
    if (!applies())
        return;
    const std::int64_t N = neurons();
    const double hi = m_hi, lo = m_lo;
    double* c = m_counts.data();
    for (std::int64_t r = 0; r < rows; ++r) {
        const Real* row = data + r * N;
        for (std::int64_t n = 0; n < N; ++n) {
            const double x = static_cast<double>(row[n]);
            c[n] += static_cast<double>(x > hi) + static_cast<double>(x < lo);
        }
    }
}

void SaturationCounter::add(const float* data, std::int64_t rows)
{
    addRows(data, rows);
}
void SaturationCounter::add(const double* data, std::int64_t rows)
{
    addRows(data, rows);
}

void SaturationCounter::merge(const SaturationCounter& other)
{
    if (other.m_activation != m_activation || other.neurons() != neurons())
        throw std::invalid_argument("SaturationCounter::merge: different activation or width");
    m_samples += other.m_samples;
    for (std::size_t n = 0; n < m_counts.size(); ++n)
        m_counts[n] += other.m_counts[n];
}

SaturationCounter SaturationCounter::fromCounts(Activation a, std::int64_t samples,
                                                std::span<const std::int64_t> counts)
{
    SaturationCounter c(a, static_cast<std::int64_t>(counts.size()));
    if (samples < 0)
        throw std::invalid_argument("SaturationCounter::fromCounts: negative samples");
    c.m_samples = samples;
    for (std::size_t n = 0; n < counts.size(); ++n) {
        if (counts[n] < 0 || counts[n] > samples || (!c.applies() && counts[n] != 0))
            throw std::invalid_argument("SaturationCounter::fromCounts: a count out of range");
        c.m_counts[n] = static_cast<double>(counts[n]);
    }
    return c;
}

std::int64_t SaturationCounter::count(std::int64_t n) const
{
    return static_cast<std::int64_t>(m_counts.at(static_cast<std::size_t>(n)));
}

Fraction saturatedFraction(const SaturationCounter& c, const std::vector<bool>& neurons)
{
    Fraction f;
    if (!c.applies()) {
        f.reason = "relu has no upper bound, so no neuron saturates";
        return f;
    }
    if (c.samples() == 0) {
        f.reason = "no samples were counted";
        return f;
    }
    const auto chosen = selected(neurons, c.neurons(), "neuron", f.reason);
    if (!f.reason.empty())
        return f;
    for (std::int64_t n : chosen) {
        ++f.of;
        if (2 * c.count(n) > c.samples())
            ++f.count;
    }
    if (f.of == 0)
        f.reason = "no neuron is selected";
    else
        f.value = static_cast<double>(f.count) / static_cast<double>(f.of);
    return f;
}

std::vector<GroupRate> meanRateByGroup(const NeuronStats& st,
                                       const std::vector<std::string>& groups)
{
    std::vector<GroupRate> out;
    if (groups.empty() || groups.size() != st.size())
        return out;
    for (const std::string& g : distinctLabels(groups)) {
        GroupRate gr;
        gr.group = g;
        double sum = 0.0;
        std::int64_t undefined = 0;
        for (std::size_t n = 0; n < groups.size(); ++n)
            if (groups[n] == g) {
                ++gr.neurons;
                if (std::isfinite(st.mean[n]))
                    sum += st.mean[n];
                else
                    ++undefined;
            }
        if (undefined > 0)
            gr.meanRate.reason = std::to_string(undefined) + " of the group's " +
                                 std::to_string(gr.neurons) +
                                 " neurons have no mean rate (non-finite samples)";
        else
            gr.meanRate.value = sum / static_cast<double>(gr.neurons);
        out.push_back(std::move(gr));
    }
    return out;
}

// ---------------------------------------------------------------------------

CovarianceAccumulator::CovarianceAccumulator(std::int64_t neurons)
{
    if (neurons <= 0)
        throw std::invalid_argument("CovarianceAccumulator: no neurons");
    m_done.mean = Eigen::VectorXd::Zero(neurons);
    m_done.scatter = Eigen::MatrixXd::Zero(neurons, neurons);
    m_block.resize(kBlockRows, neurons);
}

void CovarianceAccumulator::addMean(Moments& m, const Eigen::VectorXd& mean, std::int64_t n)
{
    if (m.n == 0) {
        m.mean = mean;
        m.n = n;
        return;
    }
    const double a = static_cast<double>(m.n), b = static_cast<double>(n);
    const Eigen::VectorXd delta = mean - m.mean;
    m.scatter.selfadjointView<Eigen::Lower>().rankUpdate(delta, a * b / (a + b));
    m.mean += delta * (b / (a + b));
    m.n += n;
}

void CovarianceAccumulator::foldRows(Moments& m, Eigen::Ref<Rows> rows)
{
    if (rows.rows() == 0)
        return;
    const Eigen::VectorXd mean = rows.colwise().mean().transpose();
    rows.rowwise() -= mean.transpose();
    m.scatter.selfadjointView<Eigen::Lower>().rankUpdate(rows.transpose());
    addMean(m, mean, rows.rows());
}

template <class Real> void CovarianceAccumulator::addRows(const Real* data, std::int64_t rows)
{
    using Row = Eigen::Matrix<Real, 1, Eigen::Dynamic>;
    const std::int64_t N = neurons();
    for (std::int64_t r = 0; r < rows; ++r) {
        const Eigen::Map<const Row> row(data + r * N, N);
        if (!row.allFinite()) {
            ++m_nonFiniteRows;
            continue;
        }
        m_block.row(m_fill) = row.template cast<double>();
        if (++m_fill == kBlockRows) {
            foldRows(m_done, m_block);
            m_fill = 0;
        }
    }
}

void CovarianceAccumulator::add(const float* data, std::int64_t rows)
{
    addRows(data, rows);
}
void CovarianceAccumulator::add(const double* data, std::int64_t rows)
{
    addRows(data, rows);
}

CovarianceAccumulator::Moments CovarianceAccumulator::settled() const
{
    Moments m = m_done;
    Rows pending = m_block.topRows(m_fill);
    foldRows(m, pending);
    return m;
}

void CovarianceAccumulator::merge(const CovarianceAccumulator& other)
{
    if (other.neurons() != neurons())
        throw std::invalid_argument("CovarianceAccumulator::merge: different widths");
    m_nonFiniteRows += other.m_nonFiniteRows;
    const Moments part = other.settled();
    if (part.n == 0)
        return;
    m_done.scatter.triangularView<Eigen::Lower>() += part.scatter;
    addMean(m_done, part.mean, part.n);
}

Eigen::VectorXd CovarianceAccumulator::mean() const
{
    return settled().mean;
}

Eigen::MatrixXd CovarianceAccumulator::covariance() const
{
    const Moments m = settled();
    Eigen::MatrixXd c = m.scatter.selfadjointView<Eigen::Lower>();
    if (m.n > 0)
        c /= static_cast<double>(m.n);
    return c;
}

Measure CovarianceAccumulator::participationRatio(const std::vector<bool>& neurons) const
{
    Measure r;
    if (m_nonFiniteRows > 0)
        r.reason = std::to_string(m_nonFiniteRows) + " samples have non-finite rates";
    else if (samples() < 2)
        r.reason = "the covariance needs at least 2 samples";
    const auto idx = selected(neurons, this->neurons(), "neuron", r.reason);
    if (!r.reason.empty())
        return r;
    if (idx.empty()) {
        r.reason = "no neuron is selected";
        return r;
    }
    // The scatter matrix is the covariance times the samples; the ratio does
    // not depend on that factor.
    const Eigen::MatrixXd scatter = settled().scatter;
    double trace = 0.0, frob = 0.0;
    for (std::size_t j = 0; j < idx.size(); ++j) {
        const double d = scatter(idx[j], idx[j]);
        trace += d;
        frob += d * d;
        double off = 0.0;
        for (std::size_t i = j + 1; i < idx.size(); ++i) {
            const double c = scatter(idx[i], idx[j]);
            off += c * c;
        }
        frob += 2.0 * off;
    }
    if (!(trace > 0.0)) {
        r.reason = "no selected neuron varies across the samples";
        return r;
    }
    r.value = trace * trace / frob;
    return r;
}

} // namespace rnnloss
