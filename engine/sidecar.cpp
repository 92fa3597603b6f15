#include "sidecar.h"

#include "gradcodec.h"
#include "summarycodec.h"

#include <atomic>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(std::endian::native == std::endian::little,
              "summary files are little-endian; add byte swapping for this platform");

namespace rnnloss {

namespace {

constexpr std::uint8_t kMagic[8] = {0x89, 'R', 'N', 'L', 'S', 'U', 'M', '\n'};
constexpr std::size_t kPreludeSize = 16;       ///< magic, version, section count
constexpr std::size_t kSectionHeaderSize = 10; ///< u16 tag, u64 length
constexpr std::size_t kChecksumSize = 8;

// ---------------------------------------------------------------------------
// XXH64, from the xxHash specification (doc/xxhash_spec.md of the xxHash
// project): four lanes of 8 bytes, so that a summary file's checksum costs
// well under a millisecond (about 0.1 ms per MB), where a byte-at-a-time hash
// such as FNV-1a would cost several.

constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ull;
constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4Full;
constexpr std::uint64_t kP3 = 0x165667B19E3779F9ull;
constexpr std::uint64_t kP4 = 0x85EBCA77C2B2AE63ull;
constexpr std::uint64_t kP5 = 0x27D4EB2F165667C5ull;

template <class T> T load(const std::uint8_t* p)
{
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

std::uint64_t xxRound(std::uint64_t acc, std::uint64_t input)
{
    acc += input * kP2;
    return std::rotl(acc, 31) * kP1;
}

std::uint64_t xxMerge(std::uint64_t acc, std::uint64_t lane)
{
    acc ^= xxRound(0, lane);
    return acc * kP1 + kP4;
}

// ---------------------------------------------------------------------------

class Writer
{
public:
    template <class T> void put(T v) { append(&v, sizeof(T)); }
    void str(const std::string& s)
    {
        put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
        append(s.data(), s.size());
    }
    void append(const void* p, std::size_t n)
    {
        if (n != 0)
            m_out.insert(m_out.end(), static_cast<const std::uint8_t*>(p),
                         static_cast<const std::uint8_t*>(p) + n);
    }
    void section(std::uint16_t tag, std::span<const std::uint8_t> bytes)
    {
        put<std::uint16_t>(tag);
        put<std::uint64_t>(bytes.size());
        append(bytes.data(), bytes.size());
    }
    std::vector<std::uint8_t>& bytes() { return m_out; }

private:
    std::vector<std::uint8_t> m_out;
};

/// A refusal of the file; decodeSidecar prefixes the file's name.
struct Refused : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/// Reads one section's fields; every length checked before it is used.
class Fields
{
public:
    Fields(std::span<const std::uint8_t> in, const char* section) : m_in(in), m_section(section) {}
    template <class T> T get(const char* what)
    {
        need(sizeof(T), what);
        const T v = load<T>(m_in.data() + m_pos);
        m_pos += sizeof(T);
        return v;
    }
    std::string str(const char* what, std::size_t max)
    {
        const auto n = get<std::uint32_t>(what);
        if (n > max)
            throw Refused(std::string(m_section) + " section: " + what + " of " +
                          std::to_string(n) + " bytes (at most " + std::to_string(max) + ")");
        need(n, what);
        std::string s(reinterpret_cast<const char*>(m_in.data() + m_pos), n);
        m_pos += n;
        return s;
    }
    void finish() const
    {
        if (m_pos != m_in.size())
            throw Refused(std::string(m_section) + " section: " +
                          std::to_string(m_in.size() - m_pos) + " bytes after its last field");
    }

private:
    void need(std::size_t n, const char* what) const
    {
        if (n > m_in.size() - m_pos)
            throw Refused(std::string(m_section) + " section of " + std::to_string(m_in.size()) +
                          " bytes ends inside its " + what + " (needs " + std::to_string(n) +
                          " bytes at its byte " + std::to_string(m_pos) + ")");
    }
    std::span<const std::uint8_t> m_in;
    const char* m_section;
    std::size_t m_pos = 0;
};

std::string hex(std::uint64_t v)
{
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string sectionName(std::uint16_t tag)
{
    switch (tag) {
    case kSidecarTagIdentity:
        return "identity";
    case kSidecarTagSummary:
        return "summary";
    case kSidecarTagGradientGram:
        return "gradient Gram";
    default:
        return "tag " + std::to_string(tag);
    }
}

/// Empty when `name` can be a recording's file name; else what is wrong.
std::string badRecordingName(const std::string& name)
{
    if (name.empty())
        return "the recording's name is empty";
    if (name.size() > kMaxRecordingName)
        return "the recording's name has " + std::to_string(name.size()) + " bytes";
    if (name.find('/') != std::string::npos || name.find('\0') != std::string::npos)
        return "the recording's name is not a file name";
    return {};
}

} // namespace

std::uint64_t xxh64(std::span<const std::uint8_t> bytes, std::uint64_t seed)
{
    const std::uint8_t* p = bytes.data();
    std::size_t left = bytes.size();
    std::uint64_t h;
    if (left >= 32) {
        std::uint64_t v1 = seed + kP1 + kP2, v2 = seed + kP2, v3 = seed, v4 = seed - kP1;
        do {
            v1 = xxRound(v1, load<std::uint64_t>(p));
            v2 = xxRound(v2, load<std::uint64_t>(p + 8));
            v3 = xxRound(v3, load<std::uint64_t>(p + 16));
            v4 = xxRound(v4, load<std::uint64_t>(p + 24));
            p += 32;
            left -= 32;
        } while (left >= 32);
        h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
        for (std::uint64_t v : {v1, v2, v3, v4})
            h = xxMerge(h, v);
    } else {
        h = seed + kP5;
    }
    h += bytes.size();
    for (; left >= 8; p += 8, left -= 8)
        h = std::rotl(h ^ xxRound(0, load<std::uint64_t>(p)), 27) * kP1 + kP4;
    if (left >= 4) {
        h = std::rotl(h ^ (std::uint64_t(load<std::uint32_t>(p)) * kP1), 23) * kP2 + kP3;
        p += 4;
        left -= 4;
    }
    for (; left > 0; ++p, --left)
        h = std::rotl(h ^ (*p * kP5), 11) * kP1;
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    h *= kP3;
    h ^= h >> 32;
    return h;
}

std::uint64_t fingerprintOf(std::span<const std::uint8_t> canonical)
{
    return xxh64(canonical);
}

FingerprintBuilder& FingerprintBuilder::text(std::string_view s)
{
    m_bytes.push_back('s');
    const std::uint64_t n = s.size();
    const auto* b = reinterpret_cast<const std::uint8_t*>(&n);
    m_bytes.insert(m_bytes.end(), b, b + 8);
    m_bytes.insert(m_bytes.end(), s.begin(), s.end());
    return *this;
}

FingerprintBuilder& FingerprintBuilder::integer(std::int64_t v)
{
    m_bytes.push_back('i');
    const auto* b = reinterpret_cast<const std::uint8_t*>(&v);
    m_bytes.insert(m_bytes.end(), b, b + 8);
    return *this;
}

FingerprintBuilder& FingerprintBuilder::number(double v)
{
    m_bytes.push_back('d');
    const auto* b = reinterpret_cast<const std::uint8_t*>(&v);
    m_bytes.insert(m_bytes.end(), b, b + 8);
    return *this;
}

const SidecarSection* Sidecar::find(std::uint16_t tag) const
{
    for (const SidecarSection& s : sections)
        if (s.tag == tag)
            return &s;
    return nullptr;
}

namespace {

std::string shapeText(const Shape& s)
{
    return std::to_string(s.batch) + " x " + std::to_string(s.time) + " x " +
           std::to_string(s.nIn) + " x " + std::to_string(s.nHid) + " x " + std::to_string(s.nOut);
}

std::string gramEntry(Param p, Term k, Term l)
{
    return "the Gram matrix of " + std::string(paramKey(p)) + " (row L_" + std::string(termKey(k)) +
           ", column L_" + std::string(termKey(l)) + ")";
}

/// What no gradient pass gives in one parameter's Gram matrix.
std::string badGram(const ParamGram& gram, const GradientSummary& g)
{
    for (Term k : kAllTerms)
        for (Term l : kAllTerms) {
            const double v = gram.g[index(k)][index(l)];
            if (std::isnan(v))
                return "NaN in " + gramEntry(gram.param, k, l);
            if (k == l && v < 0)
                return "a negative squared norm in " + gramEntry(gram.param, k, l);
            if (v != gram.g[index(l)][index(k)])
                return gramEntry(gram.param, k, l) + " differs from its transpose";
            if (v != 0 && (!g[k].defined || !g[l].defined))
                return gramEntry(gram.param, k, l) + " is not 0 though L_" +
                       std::string(termKey(g[k].defined ? l : k)) + " has no gradient";
        }
    return {};
}

} // namespace

std::string badGradients(const GradientSummary& g, const Shape& shape)
{
    if (g.shape != shape)
        return "the gradients are of a recording of " + shapeText(g.shape) +
               " (B x T x N_in x N_hid x N_out), the summary of one of " + shapeText(shape);
    for (const ParamGram& gram : g.gram)
        if (std::string bad = badGram(gram, g); !bad.empty())
            return bad;
    return {};
}

std::vector<std::uint8_t> encodeGradientSection(const GradientSummary& spec,
                                                const GradientSummary& nn4n)
{
    if (spec.convention != Convention::Spec || nn4n.convention != Convention::Nn4n)
        throw std::invalid_argument("encodeGradientSection: the passes are not spec's and nn4n's");
    for (const GradientSummary* g : {&spec, &nn4n})
        if (const std::string bad = badGradients(*g, spec.shape); !bad.empty())
            throw std::invalid_argument("encodeGradientSection: " + bad);
    Writer w;
    w.put<std::uint32_t>(2);
    for (const GradientSummary* g : {&spec, &nn4n}) {
        const std::vector<std::uint8_t> payload = encodeGradients(*g);
        w.put<std::uint64_t>(payload.size());
        w.append(payload.data(), payload.size());
    }
    return std::move(w.bytes());
}

std::vector<std::uint8_t> encodeSidecar(const SidecarHeader& header, const Summary& summary,
                                        const std::vector<SidecarSection>& sections)
{
    if (const std::string bad = badRecordingName(header.recordingName); !bad.empty())
        throw std::invalid_argument("encodeSidecar: " + bad);
    if (header.producer.size() > kMaxProducer)
        throw std::invalid_argument("encodeSidecar: the producer's name is too long");
    if (summary.slice || summary.layout)
        throw std::invalid_argument("encodeSidecar: a summary file holds the reduced summary of "
                                    "the whole recording (no slice, no raw layout)");
    if (sections.size() + 2 > kMaxSidecarSections)
        throw std::invalid_argument("encodeSidecar: too many sections");
    for (std::size_t i = 0; i < sections.size(); ++i) {
        const std::uint16_t tag = sections[i].tag;
        if (tag == kSidecarTagIdentity || tag == kSidecarTagSummary)
            throw std::invalid_argument(
                "encodeSidecar: the identity and summary are not extra sections");
        for (std::size_t j = 0; j < i; ++j)
            if (sections[j].tag == tag)
                throw std::invalid_argument("encodeSidecar: two sections of " + sectionName(tag));
    }
    Writer identity;
    identity.str(header.recordingName);
    identity.put<std::uint64_t>(header.recordingSize);
    identity.put<std::int64_t>(header.recordingMtimeNs);
    identity.put<std::uint64_t>(header.fingerprint);
    identity.str(header.producer);
    const std::vector<std::uint8_t> payload = encodeSummary(summary);

    Writer w;
    w.append(kMagic, sizeof kMagic);
    w.put<std::uint32_t>(kSidecarVersion);
    w.put<std::uint32_t>(static_cast<std::uint32_t>(2 + sections.size()));
    w.section(kSidecarTagIdentity, identity.bytes());
    w.section(kSidecarTagSummary, payload);
    for (const SidecarSection& s : sections)
        w.section(s.tag, s.bytes);
    w.put<std::uint64_t>(xxh64(w.bytes()));
    return std::move(w.bytes());
}

namespace {

struct RawSection
{
    std::uint16_t tag = 0;
    std::span<const std::uint8_t> bytes;
};

/// The magic and version; then the section table, each length checked
/// against the bytes left; then the checksum. Nothing in a section is read
/// before the whole file is known to be intact.
std::vector<RawSection> splitSections(std::span<const std::uint8_t> in, std::uint32_t& version)
{
    const std::size_t size = in.size();
    const std::size_t magicSeen = std::min(size, sizeof kMagic);
    // (An empty span may have no data pointer, which memcmp must not get.)
    if (magicSeen != 0 && std::memcmp(in.data(), kMagic, magicSeen) != 0)
        throw Refused("not an rnnloss summary file (wrong magic)");
    if (size < kPreludeSize)
        throw Refused("truncated at byte " + std::to_string(size) +
                      " (a summary file starts with " + std::to_string(kPreludeSize) +
                      " bytes of header)");
    version = load<std::uint32_t>(in.data() + 8);
    if (version != kSidecarVersion)
        throw Refused("format version " + std::to_string(version) +
                      " is not supported (this rnnloss reads version " +
                      std::to_string(kSidecarVersion) + "; summarize the recording again)");
    const auto count = load<std::uint32_t>(in.data() + 12);
    if (count == 0 || count > kMaxSidecarSections)
        throw Refused("section count " + std::to_string(count) + " out of range (1 to " +
                      std::to_string(kMaxSidecarSections) + ")");
    std::vector<RawSection> sections;
    std::size_t pos = kPreludeSize;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::string which =
            "section " + std::to_string(i + 1) + " of " + std::to_string(count);
        if (size - pos < kSectionHeaderSize)
            throw Refused("truncated at byte " + std::to_string(size) + " (" + which +
                          " starts at byte " + std::to_string(pos) + ")");
        RawSection s;
        s.tag = load<std::uint16_t>(in.data() + pos);
        const auto length = load<std::uint64_t>(in.data() + pos + 2);
        pos += kSectionHeaderSize;
        if (length > size - pos)
            throw Refused("truncated at byte " + std::to_string(size) + " (" + which + ", " +
                          sectionName(s.tag) + ", claims " + std::to_string(length) +
                          " bytes from byte " + std::to_string(pos) + ", " +
                          std::to_string(size - pos) + " left)");
        s.bytes = in.subspan(pos, static_cast<std::size_t>(length));
        pos += static_cast<std::size_t>(length);
        sections.push_back(s);
    }
    if (size - pos < kChecksumSize)
        throw Refused("truncated at byte " + std::to_string(size) + " (the checksum at byte " +
                      std::to_string(pos) + " is missing)");
    if (size - pos > kChecksumSize)
        throw Refused("sizes disagree: the " + std::to_string(count) +
                      " sections and checksum end at byte " + std::to_string(pos + kChecksumSize) +
                      ", the file at byte " + std::to_string(size));
    const auto stored = load<std::uint64_t>(in.data() + pos);
    const auto computed = xxh64(in.first(pos));
    if (stored != computed)
        throw Refused("checksum mismatch, the file is damaged (stored " + hex(stored) +
                      ", computed " + hex(computed) + ")");
    return sections;
}

SidecarHeader decodeIdentity(std::span<const std::uint8_t> bytes, std::uint32_t version)
{
    Fields f(bytes, "identity");
    SidecarHeader h;
    h.version = version;
    h.recordingName = f.str("recording name", kMaxRecordingName);
    h.recordingSize = f.get<std::uint64_t>("recording size");
    h.recordingMtimeNs = f.get<std::int64_t>("modification time");
    h.fingerprint = f.get<std::uint64_t>("fingerprint");
    h.producer = f.str("producer", kMaxProducer);
    f.finish();
    if (const std::string bad = badRecordingName(h.recordingName); !bad.empty())
        throw Refused("identity section: " + bad);
    return h;
}

/// Empty when the values of `v` (an `rows` x `cols` array, row-major) could
/// come from a reduction: no negative sum of squares, and a NaN only in the
/// columns of neurons with non-finite samples (a sum of finite values
/// overflows to an infinity and stays there; it never becomes NaN).
std::string badSums(const double* v, std::int64_t rows, std::int64_t cols, bool nonNegative,
                    const std::vector<bool>& finiteColumn, const char* what)
{
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) {
            const double x = v[r * cols + c];
            if (nonNegative && x < 0)
                return std::string("a negative value in the ") + what + " (row " +
                       std::to_string(r) + ", column " + std::to_string(c) + ")";
            if (std::isnan(x) && finiteColumn[static_cast<std::size_t>(c)])
                return std::string("NaN in the ") + what + " (row " + std::to_string(r) +
                       ", column " + std::to_string(c) + "), whose samples are all finite";
        }
    return {};
}

/// What no reduction gives, in the values the codec does not check.
std::string badValues(const Summary& s)
{
    std::string bad;
    if (s.hasMse()) {
        const std::vector<bool> finite(1, s.info(Dataset::Outputs).nonFinite == 0 &&
                                              s.info(Dataset::Targets).nonFinite == 0);
        if (!(bad = badSums(s.sqErrPerTrial.data(), std::int64_t(s.sqErrPerTrial.size()), 1, true,
                            finite, "squared errors per trial"))
                 .empty() ||
            !(bad = badSums(s.sqErrPerTime.data(), std::int64_t(s.sqErrPerTime.size()), 1, true,
                            finite, "squared errors per time step"))
                 .empty())
            return bad;
    }
    if (s.hasStates()) {
        std::vector<bool> finite(static_cast<std::size_t>(s.shape.nHid));
        for (std::int64_t n = 0; n < s.shape.nHid; ++n)
            finite[n] = s.neuronNonFinite[n] == 0;
        const struct
        {
            const RowMatrix& m;
            bool nonNegative;
            const char* what;
        } blocks[] = {{s.trialSum, false, "trial sums"},
                      {s.trialSumSq, true, "trial sums of squares"},
                      {s.trialSumAbs, true, "trial sums of |r|"},
                      {s.timeSum, false, "time sums"},
                      {s.timeSumSq, true, "time sums of squares"}};
        for (const auto& b : blocks)
            if (!(bad = badSums(b.m.data(), b.m.rows(), b.m.cols(), b.nonNegative, finite, b.what))
                     .empty())
                return bad;
        for (std::int64_t n = 0; n < s.shape.nHid; ++n)
            if (std::isnan(s.neuronMin[n]) || std::isnan(s.neuronMax[n]))
                return "NaN in the extremes of neuron " + std::to_string(n);
        if (std::isnan(s.activeThreshold))
            return "the active threshold is NaN";
    }
    constexpr Dataset kWeights[3] = {Dataset::WeightsIn, Dataset::WeightsHid, Dataset::WeightsOut};
    for (int i = 0; i < 3; ++i) {
        const double v = s.weightNormSq[i];
        if (v < 0 || (std::isnan(v) && s.info(kWeights[i]).nonFinite == 0))
            return "the squared norm of " + std::string(datasetName(kWeights[i])) + " is " +
                   (v < 0 ? "negative" : "NaN, though its values are all finite");
    }
    return {};
}

/// The gradient section of a summary of `shape`: two payloads, each
/// length checked against the bytes left before it is decoded.
SidecarGradients decodeGradientSection(std::span<const std::uint8_t> bytes, const Shape& shape)
{
    const std::string where = "gradient Gram section: ";
    if (bytes.size() < 4)
        throw Refused(where + "truncated: " + std::to_string(bytes.size()) +
                      " bytes, fewer than its count's 4");
    const auto count = load<std::uint32_t>(bytes.data());
    if (count != 2)
        throw Refused(where + "holds " + std::to_string(count) +
                      " gradient passes, not 2 (spec and nn4n)");
    SidecarGradients out;
    std::size_t pos = 4;
    for (Convention c : {Convention::Spec, Convention::Nn4n}) {
        const std::string which = where + "the " + std::string(conventionName(c)) + " pass";
        if (bytes.size() - pos < 8)
            throw Refused(which + " is truncated (its length is missing)");
        const auto length = load<std::uint64_t>(bytes.data() + pos);
        pos += 8;
        if (length > bytes.size() - pos)
            throw Refused(which + " claims " + std::to_string(length) + " bytes, " +
                          std::to_string(bytes.size() - pos) + " left");
        auto d = decodeGradients(bytes.subspan(pos, static_cast<std::size_t>(length)));
        pos += static_cast<std::size_t>(length);
        if (!d.value)
            throw Refused(which + ": " + d.error);
        if (d.value->convention != c)
            throw Refused(which + " is of the " + std::string(conventionName(d.value->convention)) +
                          " convention");
        if (const std::string bad = badGradients(*d.value, shape); !bad.empty())
            throw Refused(which + ": " + bad);
        (c == Convention::Spec ? out.spec : out.nn4n) = std::move(*d.value);
    }
    if (pos != bytes.size())
        throw Refused(where + std::to_string(bytes.size() - pos) + " bytes after its last pass");
    return out;
}

Sidecar decodeSections(const std::vector<RawSection>& raw, std::uint32_t version)
{
    Sidecar out;
    bool identity = false, summary = false;
    for (const RawSection& r : raw) {
        if (r.tag == kSidecarTagIdentity || r.tag == kSidecarTagSummary ||
            r.tag == kSidecarTagGradientGram) {
            const bool seen = r.tag == kSidecarTagIdentity  ? identity
                              : r.tag == kSidecarTagSummary ? summary
                                                            : out.find(r.tag) != nullptr;
            if (seen)
                throw Refused("two " + sectionName(r.tag) + " sections");
        }
        if (r.tag == kSidecarTagIdentity) {
            out.header = decodeIdentity(r.bytes, version);
            identity = true;
        } else if (r.tag == kSidecarTagSummary) {
            auto d = decodeSummary(r.bytes);
            if (!d.value)
                throw Refused("summary section: " + d.error);
            out.summary = std::move(*d.value);
            summary = true;
        } else if (r.tag == kSidecarTagGradientGram) {
            out.sections.push_back({r.tag, {r.bytes.begin(), r.bytes.end()}});
        } else if (r.tag < kSidecarOptional) {
            throw Refused("section " + sectionName(r.tag) +
                          " is required but unknown to this rnnloss (written by a newer version?)");
        }
    }
    if (!identity || !summary)
        throw Refused(std::string("no ") + (identity ? "summary" : "identity") + " section");
    if (out.summary.slice || out.summary.layout)
        throw Refused(std::string("the summary is of ") +
                      (out.summary.slice ? "a slice of the recording" : "raw extents") +
                      ", not of the whole recording reduced");
    if (const std::string bad = badValues(out.summary); !bad.empty())
        throw Refused("summary section: " + bad);
    if (const SidecarSection* g = out.find(kSidecarTagGradientGram))
        out.gradients = decodeGradientSection(g->bytes, out.summary.recordingShape());
    return out;
}

} // namespace

SidecarDecodeResult decodeSidecar(std::span<const std::uint8_t> bytes, const std::string& fileName)
{
    SidecarDecodeResult out;
    try {
        std::uint32_t version = 0;
        const std::vector<RawSection> raw = splitSections(bytes, version);
        out.value = decodeSections(raw, version);
    } catch (const Refused& e) {
        out.error = fileName + ": " + e.what();
    } catch (const std::bad_alloc&) {
        out.error = fileName + ": too large to hold in memory";
    }
    return out;
}

SidecarDecodeResult readSidecar(const std::string& path)
{
    SidecarDecodeResult out;
    // O_NONBLOCK: a FIFO named by mistake must not hang the open (it is
    // refused below); reads of a regular file ignore the flag.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        out.error = path + ": cannot open: " + std::strerror(errno);
        return out;
    }
    struct stat st
    {
    };
    std::vector<std::uint8_t> bytes;
    if (::fstat(fd, &st) != 0)
        out.error = path + ": cannot stat: " + std::strerror(errno);
    else if (!S_ISREG(st.st_mode))
        out.error = path + ": not a regular file";
    else if (static_cast<std::uint64_t>(st.st_size) > kMaxSidecarBytes)
        out.error =
            path + ": " + std::to_string(st.st_size) + " bytes, more than a summary file may have";
    if (out.error.empty()) {
        bytes.resize(static_cast<std::size_t>(st.st_size));
        std::size_t got = 0;
        while (got < bytes.size()) {
            const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                out.error = path + ": cannot read: " + std::strerror(errno);
            if (n <= 0)
                break; // a file that shrank meanwhile reads as truncated
            got += static_cast<std::size_t>(n);
        }
        bytes.resize(got);
    }
    ::close(fd);
    if (!out.error.empty())
        return out;
    return decodeSidecar(bytes, path);
}

std::string staleReason(const SidecarHeader& header, std::uint64_t actualSize,
                        std::int64_t actualMtimeNs, std::optional<std::uint64_t> fingerprint)
{
    if (header.recordingSize != actualSize)
        return "the recording's size changed (" + std::to_string(header.recordingSize) +
               " bytes when summarised, " + std::to_string(actualSize) + " now)";
    if (header.recordingMtimeNs != actualMtimeNs)
        return "the recording's modification time changed (" +
               std::to_string(header.recordingMtimeNs) + " ns when summarised, " +
               std::to_string(actualMtimeNs) + " now)";
    if (fingerprint && *fingerprint != header.fingerprint)
        return "the recording's metadata changed (fingerprint " + hex(header.fingerprint) +
               " when summarised, " + hex(*fingerprint) + " now)";
    return {};
}

std::string sidecarPathFor(const std::string& recordingPath, const std::string& outDir)
{
    namespace fs = std::filesystem;
    if (recordingPath.empty())
        throw std::invalid_argument("sidecarPathFor: no recording");
    if (outDir.empty())
        return recordingPath + std::string(kSidecarSuffix);
    std::error_code ec;
    fs::path abs = fs::absolute(fs::path(recordingPath), ec);
    if (ec)
        abs = fs::path(recordingPath);
    return (fs::path(outDir) / abs.lexically_normal().relative_path()).string() +
           std::string(kSidecarSuffix);
}

namespace {

/// Creates a new file beside `path` that no other writer (thread, process or
/// array task) can have open: O_EXCL on a name with the process and a counter.
int createTemporary(const std::string& path, std::string& tmp, std::string& error)
{
    static std::atomic<unsigned> counter{0};
    const std::filesystem::path p(path);
    std::string prefix = ".";
    prefix += p.filename().string();
    prefix += ".tmp." + std::to_string(::getpid()) + ".";
    for (int attempt = 0; attempt < 100; ++attempt) {
        tmp = (p.parent_path() / (prefix + std::to_string(counter++))).string();
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            break;
    }
    error = path + ": cannot create a temporary file beside it: " + std::strerror(errno);
    return -1;
}

bool writeAll(int fd, std::span<const std::uint8_t> bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = EIO; // no progress and no reason given
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

std::string writeFileAtomically(const std::string& path, std::span<const std::uint8_t> bytes)
{
    std::string tmp, error;
    const int fd = createTemporary(path, tmp, error);
    if (fd < 0)
        return error;
    // A full disk or a quota shows in write, fsync or (on network file
    // systems) only in close: each is checked.
    const char* step = nullptr;
    int err = 0;
    if (!writeAll(fd, bytes))
        step = "cannot write", err = errno;
    else if (::fsync(fd) != 0)
        step = "cannot flush to disk", err = errno;
    if (::close(fd) != 0 && !step)
        step = "cannot close", err = errno;
    if (!step && ::rename(tmp.c_str(), path.c_str()) != 0)
        step = "cannot rename the temporary file over it", err = errno;
    if (step) {
        ::unlink(tmp.c_str());
        return path + ": " + step + ": " + std::strerror(err);
    }
    // The rename itself reaches the disk with the folder's entry.
    const std::string dir = std::filesystem::path(path).parent_path().string();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

FileStampResult fileStamp(const std::string& path)
{
    FileStampResult out;
    struct stat st
    {
    };
    if (::stat(path.c_str(), &st) != 0) {
        out.error = path + ": cannot stat: " + std::strerror(errno);
        return out;
    }
    out.value = FileStamp{static_cast<std::uint64_t>(st.st_size),
                          std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
    return out;
}

} // namespace rnnloss
