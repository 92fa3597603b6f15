#include "statspass.h"

#include "slice.h"

#include <algorithm>
#include <cstring>
#include <future>
#include <stdexcept>

namespace rnnloss {

namespace {

/// One thread's share: the trials of the slice whose position modulo the
/// number of parts is its index.
struct Part
{
    std::optional<SaturationCounter> saturation;
    std::optional<CovarianceAccumulator> covariance;
    std::vector<float> bufF;
    std::vector<double> bufD;
    std::vector<float>& buffer(const float*) { return bufF; }
    std::vector<double>& buffer(const double*) { return bufD; }
};

std::uint64_t covarianceBytesPerPart(std::int64_t neurons)
{
    const auto n = static_cast<std::uint64_t>(neurons);
    return 8 * (2 * n * n + static_cast<std::uint64_t>(CovarianceAccumulator::kBlockRows) * n);
}

std::string mib(std::uint64_t bytes)
{
    return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB";
}

} // namespace

struct StatsPass::Impl
{
    Slice slice;
    PassInput input;
    StatsPassConfig config;
    std::vector<std::int64_t> local; ///< recording trial -> position in the slice, or -1
    bool allNeurons = false, stepRun = false;
    std::vector<Part> parts;
    std::string covarianceError;
    std::optional<TargetSpan> span;
    std::optional<ChoiceAccumulator> acc;
    bool choicesStarted = false;
    std::string choicesError;

    std::int64_t width() const { return slice.whole.nHid; }
    std::int64_t rows() const { return static_cast<std::int64_t>(slice.steps.size()); }
    std::int64_t cols() const { return static_cast<std::int64_t>(slice.neurons.size()); }

    /// The slice's samples of one whole trial as rows x cols, row-major: the
    /// trial itself when the slice takes a run of steps and every neuron,
    /// else gathered into `buf`.
    template <class Real> const Real* samples(const Real* trial, std::vector<Real>& buf) const
    {
        const std::int64_t N = width();
        if (allNeurons && stepRun)
            return trial + slice.steps.front() * N;
        Real* out = buf.data();
        for (std::int64_t s : slice.steps) {
            const Real* row = trial + s * N;
            if (allNeurons)
                std::memcpy(out, row, sizeof(Real) * static_cast<std::size_t>(N));
            else
                for (std::size_t j = 0; j < slice.neurons.size(); ++j)
                    out[j] = row[slice.neurons[j]];
            out += cols();
        }
        return buf.data();
    }

    void makeParts();
};

void StatsPass::Impl::makeParts()
{
    // Each part keeps its own counts: far more parts than cores only costs memory.
    const int threads = std::clamp(config.threads, 1, 64);
    int count = threads;
    if (input.states) {
        const std::uint64_t per = covarianceBytesPerPart(cols());
        const std::uint64_t fit = config.covarianceBytes / std::max<std::uint64_t>(per, 1);
        if (fit == 0)
            covarianceError = "the covariance of " + std::to_string(cols()) + " neurons needs " +
                              mib(per) + ", more than the " + mib(config.covarianceBytes) +
                              " allowed; select fewer neurons";
        else
            count = static_cast<int>(std::min<std::uint64_t>(fit, threads));
    }
    parts.resize(static_cast<std::size_t>(count));
    if (!input.states)
        return;
    for (Part& p : parts) {
        if (input.activation)
            p.saturation.emplace(*input.activation, cols());
        if (covarianceError.empty())
            p.covariance.emplace(cols());
    }
}

StatsPass::StatsPass(Slice slice, PassInput input, StatsPassConfig config)
    : m_impl(std::make_unique<Impl>())
{
    if (const std::string bad = checkSlice(slice); !bad.empty())
        throw std::invalid_argument("StatsPass: " + bad);
    m_impl->slice = std::move(slice);
    m_impl->input = std::move(input);
    m_impl->config = config;
    const Slice& sl = m_impl->slice;
    m_impl->local.assign(static_cast<std::size_t>(sl.whole.batch), -1);
    for (std::size_t i = 0; i < sl.trials.size(); ++i)
        m_impl->local[sl.trials[i]] = static_cast<std::int64_t>(i);
    m_impl->allNeurons = static_cast<std::int64_t>(sl.neurons.size()) == sl.whole.nHid;
    m_impl->stepRun = !sl.steps.empty() && sl.steps.back() - sl.steps.front() + 1 ==
                                               static_cast<std::int64_t>(sl.steps.size());
    m_impl->makeParts();
    if (m_impl->input.nOut == 0)
        m_impl->choicesError = "the recording has no outputs and targets";
    else
        m_impl->choicesError = choiceUnitsError(m_impl->input.nOut);
    if (m_impl->choicesError.empty() && !m_impl->config.responseWindow)
        m_impl->span.emplace(sl.whole.time, m_impl->input.nOut);
}

StatsPass::~StatsPass() = default;
StatsPass::StatsPass(StatsPass&&) noexcept = default;
StatsPass& StatsPass::operator=(StatsPass&&) noexcept = default;

bool StatsPass::needsTargets() const
{
    return m_impl->span.has_value() && !m_impl->choicesStarted;
}

void StatsPass::addTargets(const float* targets, std::int64_t trials)
{
    m_impl->span->add(targets, trials);
}
void StatsPass::addTargets(const double* targets, std::int64_t trials)
{
    m_impl->span->add(targets, trials);
}

template <class Real>
void StatsPass::states(const Real* data, std::int64_t first, std::int64_t count)
{
    Impl& im = *m_impl;
    const std::int64_t perTrial = im.slice.whole.time * im.width();
    const auto P = static_cast<std::int64_t>(im.parts.size());
    // Each part's trials of this block, then each part on its own thread
    // (the first on this one); buffers are sized here, before any thread runs.
    std::vector<std::vector<const Real*>> mine(im.parts.size());
    for (std::int64_t b = first; b < first + count; ++b)
        if (const std::int64_t l = im.local[b]; l >= 0)
            mine[l % P].push_back(data + (b - first) * perTrial);
    for (Part& p : im.parts)
        p.buffer(data).resize(static_cast<std::size_t>(im.rows() * im.cols()));
    auto run = [&im, &mine](std::size_t k) {
        Part& p = im.parts[k];
        for (const Real* trial : mine[k]) {
            const Real* rows = im.samples(trial, p.buffer(trial));
            if (p.saturation)
                p.saturation->add(rows, im.rows());
            if (p.covariance)
                p.covariance->add(rows, im.rows());
        }
    };
    std::vector<std::future<void>> others;
    for (std::size_t k = 1; k < im.parts.size(); ++k)
        if (!mine[k].empty())
            others.push_back(std::async(std::launch::async, run, k));
    run(0);
    for (auto& f : others)
        f.get();
}

void StatsPass::addStates(const float* data, std::int64_t first, std::int64_t count)
{
    states(data, first, count);
}
void StatsPass::addStates(const double* data, std::int64_t first, std::int64_t count)
{
    states(data, first, count);
}

void StatsPass::startChoices()
{
    Impl& im = *m_impl;
    im.choicesStarted = true;
    if (!im.choicesError.empty())
        return;
    std::optional<StepWindow> window = im.config.responseWindow;
    if (!window)
        window = im.span->window();
    if (!window) {
        im.choicesError = std::string(kNoDefaultWindowError) + " (--response-window a:b)";
        return;
    }
    const std::int64_t T = im.slice.whole.time;
    if (window->begin < 0 || window->end > T || window->begin >= window->end) {
        im.choicesError = "the response window " + std::to_string(window->begin) + ":" +
                          std::to_string(window->end) + " does not fit the recording's " +
                          std::to_string(T) + " steps";
        return;
    }
    im.acc.emplace(static_cast<std::int64_t>(im.slice.trials.size()), T, im.input.nOut, *window);
}

template <class Real>
void StatsPass::choices(const Real* outputs, const Real* targets, std::int64_t first,
                        std::int64_t count)
{
    if (!m_impl->choicesStarted)
        startChoices();
    if (!m_impl->acc)
        return;
    const std::int64_t perTrial = m_impl->slice.whole.time * m_impl->input.nOut;
    for (std::int64_t b = first; b < first + count; ++b)
        if (const std::int64_t l = m_impl->local[b]; l >= 0)
            m_impl->acc->add(outputs + (b - first) * perTrial, targets + (b - first) * perTrial, l,
                             1);
}

void StatsPass::addChoices(const float* outputs, const float* targets, std::int64_t first,
                           std::int64_t count)
{
    choices(outputs, targets, first, count);
}
void StatsPass::addChoices(const double* outputs, const double* targets, std::int64_t first,
                           std::int64_t count)
{
    choices(outputs, targets, first, count);
}

PassStats StatsPass::finish()
{
    Impl& im = *m_impl;
    PassStats r;
    r.trials = static_cast<std::int64_t>(im.slice.trials.size());
    r.steps = im.rows();
    r.neurons = im.cols();
    r.recordingSteps = im.slice.whole.time;
    r.activation = im.input.activation;
    r.activationNote = im.input.activationNote;
    if (!im.input.states) {
        r.participationRatio.reason = "the recording has no states";
    } else if (!im.covarianceError.empty()) {
        r.participationRatio.reason = im.covarianceError;
    } else {
        CovarianceAccumulator& cov = *im.parts[0].covariance;
        for (std::size_t k = 1; k < im.parts.size(); ++k)
            cov.merge(*im.parts[k].covariance);
        r.participationRatio = cov.participationRatio();
        r.covarianceSamples = cov.samples();
    }
    if (im.parts[0].saturation) {
        for (std::size_t k = 1; k < im.parts.size(); ++k)
            im.parts[0].saturation->merge(*im.parts[k].saturation);
        r.saturation = std::move(im.parts[0].saturation);
    }
    if (!im.choicesStarted)
        startChoices();
    if (im.acc)
        r.choices = im.acc->choices();
    else
        r.choicesError = im.choicesError;
    if (static_cast<std::int64_t>(im.input.trialValues.size()) == im.slice.whole.batch)
        for (std::int64_t b : im.slice.trials)
            r.trialValues.push_back(im.input.trialValues[b]);
    return r;
}

PassStats statsOf(const Recording& rec, const Slice& slice, PassInput input, StatsPassConfig config)
{
    const Shape& sh = rec.shape;
    input.states = !rec.states.empty();
    const bool errors = !rec.outputs.empty() && !rec.targets.empty();
    input.nOut = errors ? sh.nOut : 0;
    StatsPass pass(slice, std::move(input), config);
    if (pass.needsTargets())
        pass.addTargets(rec.targets.data(), sh.batch);
    if (!rec.states.empty())
        pass.addStates(rec.states.data(), 0, sh.batch);
    if (errors)
        pass.addChoices(rec.outputs.data(), rec.targets.data(), 0, sh.batch);
    return pass.finish();
}

} // namespace rnnloss
