#include "gradcodec.h"

#include "wirecodec.h"

#include <bit>
#include <cmath>
#include <new>

static_assert(std::endian::native == std::endian::little,
              "the wire format is little-endian; add byte swapping for this platform");

namespace rnnloss {

namespace {

using wire::Malformed;
using wire::Reader;
using wire::Writer;

constexpr char kMagic[4] = {'R', 'N', 'L', 'G'};
constexpr std::uint32_t kMaxWarnings = 10000;
/// A term's reason and a recording's label are one line of display text.
constexpr std::uint32_t kMaxReason = 4096;
constexpr std::uint32_t kMaxLabel = 1024;
constexpr std::int64_t kMaxDim = std::int64_t(1) << 40;

enum TermFlag : std::uint8_t
{
    Available = 1,
    Defined = 2,
    HasValue = 4
};

void putOptional(Writer& w, const std::optional<double>& v)
{
    w.put<std::uint8_t>(v ? 1 : 0);
    w.put<double>(v.value_or(0.0));
}

std::optional<double> getOptional(Reader& r, const char* what)
{
    const auto has = r.get<std::uint8_t>(what);
    const auto v = r.get<double>(what);
    if (has > 1)
        throw Malformed(std::string(what) + ": flag " + std::to_string(has));
    if (has && !std::isfinite(v))
        throw Malformed(std::string(what) + " is not finite");
    return has ? std::optional<double>(v) : std::nullopt;
}

std::string shortString(Reader& r, std::uint32_t max, const char* what)
{
    std::string s = r.str(what);
    if (s.size() > max)
        throw Malformed(std::string(what) + ": " + std::to_string(s.size()) + " bytes, more than " +
                        std::to_string(max));
    return s;
}

void encodeHead(Writer& w, const GradientSummary& g)
{
    w.raw(kMagic, 4);
    w.put<std::uint16_t>(kGradientPayloadVersion);
    w.put<std::uint8_t>(static_cast<std::uint8_t>(g.convention));
    w.put<std::uint8_t>(static_cast<std::uint8_t>(g.activation));
    w.put<double>(g.alpha);
    for (std::int64_t d : {g.shape.batch, g.shape.time, g.shape.nIn, g.shape.nHid, g.shape.nOut})
        w.put<std::int64_t>(d);
}

void decodeHead(Reader& r, GradientSummary& g)
{
    char magic[4];
    r.array(magic, 4, "magic");
    if (std::memcmp(magic, kMagic, 4) != 0)
        throw Malformed("not a gradient payload (bad magic)");
    const auto version = r.get<std::uint16_t>("version");
    if (version != kGradientPayloadVersion)
        throw Malformed("gradient payload version " + std::to_string(version) + ", expected " +
                        std::to_string(kGradientPayloadVersion));
    const auto conv = r.get<std::uint8_t>("convention");
    const auto act = r.get<std::uint8_t>("activation");
    if (conv > static_cast<std::uint8_t>(Convention::Nn4n))
        throw Malformed("convention " + std::to_string(conv));
    if (act > static_cast<std::uint8_t>(Activation::Retanh))
        throw Malformed("activation " + std::to_string(act));
    g.convention = static_cast<Convention>(conv);
    g.activation = static_cast<Activation>(act);
    g.alpha = r.get<double>("alpha");
    if (!(g.alpha > 0.0 && g.alpha <= 1.0))
        throw Malformed("alpha is not in (0, 1]");
    std::int64_t* dims[] = {&g.shape.batch, &g.shape.time, &g.shape.nIn, &g.shape.nHid,
                            &g.shape.nOut};
    for (std::int64_t* d : dims) {
        *d = r.get<std::int64_t>("shape");
        if (*d <= 0 || *d > kMaxDim)
            throw Malformed("shape dimension " + std::to_string(*d));
    }
}

void encodeTerms(Writer& w, const GradientSummary& g)
{
    for (const TermGradient& t : g.terms) {
        w.put<std::uint8_t>(std::uint8_t((t.available ? Available : 0) | (t.defined ? Defined : 0) |
                                         (t.value ? HasValue : 0)));
        w.put<double>(t.value.value_or(0.0));
        w.str(t.reason.substr(0, kMaxReason));
    }
    for (const ParamGram& p : g.gram)
        for (const auto& row : p.g)
            w.raw(row.data(), row.size());
}

void decodeTerms(Reader& r, GradientSummary& g)
{
    for (TermGradient& t : g.terms) {
        const auto flags = r.get<std::uint8_t>("term flags");
        if (flags & ~(Available | Defined | HasValue))
            throw Malformed("term flags " + std::to_string(flags));
        t.available = flags & Available;
        t.defined = flags & Defined;
        if (t.defined && !t.available)
            throw Malformed("a term defined but not available");
        const double v = r.get<double>("term value");
        if (flags & HasValue)
            t.value = v;
        t.reason = shortString(r, kMaxReason, "term reason");
    }
    for (Param p : kAllParams) {
        ParamGram& gram = g.gram[index(p)];
        gram.param = p;
        for (auto& row : gram.g)
            r.array(row.data(), row.size(), "Gram matrix");
        for (Term k : kAllTerms) {
            gram.defined[index(k)] = g[k].defined;
            gram.reason[index(k)] = g[k].reason;
        }
    }
}

void encodeTail(Writer& w, const GradientSummary& g)
{
    w.put<std::uint8_t>(g.replayError ? 1 : 0);
    w.put<double>(g.replayError.value_or(0.0));
    w.put<double>(g.maxAbsRate);
    const std::uint32_t n =
        static_cast<std::uint32_t>(std::min<std::size_t>(g.warnings.size(), kMaxWarnings));
    w.put<std::uint32_t>(n);
    for (std::uint32_t i = 0; i < n; ++i)
        w.str(g.warnings[i].substr(0, wire::kMaxString));
    for (const auto& l : g.trainingLambdas)
        putOptional(w, l);
    w.str(g.label.substr(0, kMaxLabel));
    putOptional(w, g.step);
    putOptional(w, g.epoch);
}

void decodeTail(Reader& r, GradientSummary& g)
{
    const auto hasReplay = r.get<std::uint8_t>("replay flag");
    const double replay = r.get<double>("replay error");
    if (hasReplay > 1 || (hasReplay && !(replay >= 0.0)))
        throw Malformed("replay error");
    if (hasReplay)
        g.replayError = replay;
    g.maxAbsRate = r.get<double>("max |r|");
    if (!(g.maxAbsRate >= 0.0 && std::isfinite(g.maxAbsRate)))
        throw Malformed("max |r| is not a finite number >= 0");
    const auto n = r.get<std::uint32_t>("warning count");
    if (n > kMaxWarnings)
        throw Malformed(std::to_string(n) + " warnings");
    for (std::uint32_t i = 0; i < n; ++i)
        g.warnings.push_back(r.str("warning"));
    for (auto& l : g.trainingLambdas) {
        l = getOptional(r, "training lambda");
        if (l && *l < 0)
            throw Malformed("a training lambda is negative");
    }
    g.label = shortString(r, kMaxLabel, "label");
    g.step = getOptional(r, "step");
    g.epoch = getOptional(r, "epoch");
}

} // namespace

std::vector<std::uint8_t> encodeGradients(const GradientSummary& g)
{
    Writer w;
    encodeHead(w, g);
    encodeTerms(w, g);
    encodeTail(w, g);
    return std::move(w.bytes());
}

std::vector<std::uint8_t> encodeGradientsFrame(const GradientSummary& g)
{
    return encodeFrame(FrameType::Gradients, encodeGradients(g));
}

Decoded<GradientSummary> decodeGradients(std::span<const std::uint8_t> payload)
{
    Decoded<GradientSummary> out;
    try {
        Reader r(payload);
        GradientSummary g;
        decodeHead(r, g);
        decodeTerms(r, g);
        decodeTail(r, g);
        if (r.remaining() != 0)
            throw Malformed(std::to_string(r.remaining()) + " trailing bytes");
        out.value = std::move(g);
    } catch (const Malformed& e) {
        out.error = std::string("malformed gradients: ") + e.what();
    } catch (const std::bad_alloc&) {
        out.error = "malformed gradients: too large to hold in memory";
    }
    return out;
}

} // namespace rnnloss
