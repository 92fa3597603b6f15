#include "statscodec.h"

#include "wirecodec.h"

#include <cmath>
#include <stdexcept>

namespace rnnloss {

namespace {

using wire::Malformed;
using wire::Reader;
using wire::Writer;

static_assert(sizeof(int) == 4, "choices travel as 32-bit integers");

constexpr std::int64_t kMaxDim = std::int64_t(1) << 40;

void encodeSaturation(Writer& w, const PassStats& s)
{
    w.put<std::uint8_t>(s.saturation.has_value());
    if (!s.saturation)
        return;
    w.put<std::int64_t>(s.saturation->samples());
    for (std::int64_t n = 0; n < s.saturation->neurons(); ++n)
        w.put<std::int64_t>(s.saturation->count(n));
}

void encodeChoices(Writer& w, const PassStats& s)
{
    w.put<std::uint8_t>(s.choices.has_value());
    if (s.choices) {
        const TrialChoices& c = *s.choices;
        for (auto v : {c.window.begin, c.window.end, c.nOut, c.targetTies})
            w.put<std::int64_t>(v);
        w.raw(c.choice.data(), c.choice.size());
        w.raw(c.target.data(), c.target.size());
    }
    w.str(s.choicesError);
}

} // namespace

std::vector<std::uint8_t> encodeStats(const PassStats& s)
{
    if (s.saturation && s.saturation->neurons() != s.neurons)
        throw std::logic_error("encodeStats: saturation counts of another width");
    if (s.choices && (std::int64_t(s.choices->choice.size()) != s.trials ||
                      std::int64_t(s.choices->target.size()) != s.trials))
        throw std::logic_error("encodeStats: choices of another number of trials");
    Writer w;
    for (auto v : {s.trials, s.steps, s.neurons, s.recordingSteps})
        w.put<std::int64_t>(v);
    w.put<std::uint8_t>(s.activation ? std::uint8_t(1 + static_cast<int>(*s.activation)) : 0);
    w.str(s.activationNote);
    encodeSaturation(w, s);
    w.put<std::uint8_t>(s.participationRatio.value.has_value());
    w.put<double>(s.participationRatio.value.value_or(0.0));
    w.str(s.participationRatio.reason);
    w.put<std::int64_t>(s.covarianceSamples);
    encodeChoices(w, s);
    w.put<std::uint64_t>(s.trialValues.size());
    w.raw(s.trialValues.data(), s.trialValues.size());
    return std::move(w.bytes());
}

std::vector<std::uint8_t> encodeStatsFrame(const PassStats& s)
{
    return encodeFrame(FrameType::Stats, encodeStats(s));
}

namespace {

/// The slice's samples (trials x steps), refused when the product overflows.
std::int64_t samplesOf(const PassStats& s)
{
    if (s.trials != 0 && s.steps > (std::int64_t(1) << 62) / s.trials)
        throw Malformed("trials x steps overflows");
    return s.trials * s.steps;
}

std::int64_t dimension(Reader& r, const char* what)
{
    const auto v = r.get<std::int64_t>(what);
    if (v < 0 || v > kMaxDim)
        throw Malformed(std::string(what) + " " + std::to_string(v) + " out of range");
    return v;
}

void decodeActivation(Reader& r, PassStats& s)
{
    const auto a = r.get<std::uint8_t>("activation");
    if (a > 1 + static_cast<int>(Activation::Retanh))
        throw Malformed("activation " + std::to_string(a) + " out of range");
    if (a != 0)
        s.activation = static_cast<Activation>(a - 1);
    s.activationNote = r.str("activation note");
}

/// The saturation counts: `samples` is every sample of the slice (the pass
/// counts non-finite ones too), each count at most that.
void decodeSaturation(Reader& r, PassStats& s)
{
    if (r.get<std::uint8_t>("saturation flag") == 0)
        return;
    if (!s.activation)
        throw Malformed("saturation counts without an activation");
    const auto samples = r.get<std::int64_t>("saturation samples");
    if (samples != samplesOf(s))
        throw Malformed("saturation counted " + std::to_string(samples) + " samples of " +
                        std::to_string(samplesOf(s)));
    r.needValues(static_cast<std::uint64_t>(s.neurons), sizeof(std::int64_t), "saturation counts");
    std::vector<std::int64_t> counts(static_cast<std::size_t>(s.neurons));
    r.array(counts.data(), counts.size(), "saturation counts");
    try {
        s.saturation = SaturationCounter::fromCounts(*s.activation, samples, counts);
    } catch (const std::invalid_argument&) {
        throw Malformed("a saturation count is out of range");
    }
}

void decodeParticipation(Reader& r, PassStats& s)
{
    const bool defined = r.get<std::uint8_t>("participation ratio flag") != 0;
    const auto v = r.get<double>("participation ratio");
    // Between 1 and the number of neurons, up to rounding.
    if (defined && !(v >= 1.0 - 1e-9 && v <= double(s.neurons) * (1.0 + 1e-9)))
        throw Malformed("participation ratio out of range");
    if (defined)
        s.participationRatio.value = v;
    s.participationRatio.reason = r.str("participation ratio reason");
    s.covarianceSamples = r.get<std::int64_t>("covariance samples");
    if (s.covarianceSamples < 0 || s.covarianceSamples > samplesOf(s))
        throw Malformed("covariance samples out of range");
}

std::vector<int> unitIndices(Reader& r, const PassStats& s, std::int64_t nOut, const char* what)
{
    r.needValues(static_cast<std::uint64_t>(s.trials), sizeof(std::int32_t), what);
    std::vector<int> v(static_cast<std::size_t>(s.trials));
    r.array(v.data(), v.size(), what);
    for (int u : v)
        if (u < -1 || u >= nOut)
            throw Malformed(std::string(what) + " " + std::to_string(u) + " out of range");
    return v;
}

void decodeChoices(Reader& r, PassStats& s)
{
    if (r.get<std::uint8_t>("choices flag") != 0) {
        TrialChoices c;
        c.window.begin = r.get<std::int64_t>("window begin");
        c.window.end = r.get<std::int64_t>("window end");
        if (c.window.begin < 0 || c.window.end > s.recordingSteps || c.window.begin >= c.window.end)
            throw Malformed("response window out of range");
        c.nOut = r.get<std::int64_t>("output units");
        if (!choiceUnitsError(c.nOut).empty())
            throw Malformed("output units " + std::to_string(c.nOut) + " out of range");
        c.targetTies = r.get<std::int64_t>("target ties");
        if (c.targetTies < 0 || c.targetTies > s.trials)
            throw Malformed("target ties out of range");
        c.choice = unitIndices(r, s, c.nOut, "choice");
        c.target = unitIndices(r, s, c.nOut, "target");
        s.choices = std::move(c);
    }
    s.choicesError = r.str("choices error");
}

void decodeTrialValues(Reader& r, PassStats& s)
{
    const auto n = r.get<std::uint64_t>("trial value count");
    if (n != 0 && n != static_cast<std::uint64_t>(s.trials))
        throw Malformed(std::to_string(n) + " trial values for " + std::to_string(s.trials) +
                        " trials");
    r.needValues(n, sizeof(double), "trial values");
    s.trialValues.resize(static_cast<std::size_t>(n));
    r.array(s.trialValues.data(), n, "trial values");
    for (double v : s.trialValues)
        if (!std::isfinite(v))
            throw Malformed("a trial value is not finite");
}

} // namespace

Decoded<PassStats> decodeStats(std::span<const std::uint8_t> payload)
{
    Decoded<PassStats> out;
    try {
        Reader r(payload);
        PassStats s;
        s.trials = dimension(r, "trials");
        s.steps = dimension(r, "steps");
        s.neurons = dimension(r, "neurons");
        s.recordingSteps = dimension(r, "recording steps");
        if (s.steps > s.recordingSteps)
            throw Malformed("more steps than the recording has");
        decodeActivation(r, s);
        decodeSaturation(r, s);
        decodeParticipation(r, s);
        decodeChoices(r, s);
        decodeTrialValues(r, s);
        if (r.remaining() != 0)
            throw Malformed(std::to_string(r.remaining()) + " trailing bytes");
        out.value = std::move(s);
    } catch (const Malformed& e) {
        out.error = std::string("malformed stats: ") + e.what();
    } catch (const std::bad_alloc&) {
        out.error = "malformed stats: too large to hold in memory";
    }
    return out;
}

} // namespace rnnloss
