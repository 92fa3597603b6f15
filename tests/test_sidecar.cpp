// Summary files (engine/sidecar.h). A decoded file must give the recording's
// numbers: the terms in both conventions, with trial and neuron selections,
// and the per-neuron statistics, against the brute force of bruteforce.h that
// works on the raw arrays. A summary file is untrusted input: every malformed
// file (truncated at every byte, wrong magic or version, huge counts, NaN, a
// bad checksum, sizes that disagree) is refused with a message naming the
// file, and no allocation is sized by a count read from it (run under ASan
// too). Also: XXH64 against the xxHash project's own library, staleness, the
// paths, and the atomic write under real failures.

#include "bruteforce.h"
#include "gradcodec.h"
#include "loss.h"
#include "neuronstats.h"
#include "reducer.h"
#include "sidecar.h"
#include "summarycodec.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <new>
#include <random>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

// The allocation tracker (the largest operator-new request) of tests/newtracker.h.
#include "newtracker.h"

using namespace rnnloss;

namespace {

using Bytes = std::vector<std::uint8_t>;
/// No malformed file here is more than a few kB; a larger request was sized
/// from a count read off the file.
constexpr std::size_t kAbsurdAllocation = std::size_t(16) << 20;
const std::string kName = "runs/lr0.1/ckpt_0100.h5.rnnsum";

// XXH64 of (j * 31 + 7) & 0xFF, j < length, from Debian's libxxhash0 0.8.1
// (the xxHash project's library) by tools/xxh64_vectors.py.
struct HashVector
{
    std::size_t length;
    std::uint64_t seed, hash;
};
constexpr HashVector kXxh64[] = {
    {0, 0x0ull, 0xEF46DB3751D8E999ull},    {0, 0x9E3779B97F4A7C15ull, 0xC4349FC93C010000ull},
    {1, 0x0ull, 0xA96C7F0CE858BBB7ull},    {1, 0x9E3779B97F4A7C15ull, 0x585882422A6165E7ull},
    {3, 0x0ull, 0x56E6957632A487F9ull},    {3, 0x9E3779B97F4A7C15ull, 0x5ACB303E78133C22ull},
    {4, 0x0ull, 0xC60D15B1E3FF8F04ull},    {4, 0x9E3779B97F4A7C15ull, 0x7D51D5E2461732B3ull},
    {5, 0x0ull, 0x808815858624DD4Eull},    {5, 0x9E3779B97F4A7C15ull, 0x7F8B72856A42BB63ull},
    {7, 0x0ull, 0xAFBEFC3D6C6F9A8Eull},    {7, 0x9E3779B97F4A7C15ull, 0x2CE9ADEC2B2C8104ull},
    {8, 0x0ull, 0x3DA5C7AA269683E0ull},    {8, 0x9E3779B97F4A7C15ull, 0x758848F033FA76A2ull},
    {9, 0x0ull, 0x4B17A9BA9E215C09ull},    {9, 0x9E3779B97F4A7C15ull, 0xD4576CF554B7D929ull},
    {15, 0x0ull, 0xAE2A37EB9357CAA7ull},   {15, 0x9E3779B97F4A7C15ull, 0xA18D5C90D722CEE3ull},
    {16, 0x0ull, 0xA19AD429B02BC413ull},   {16, 0x9E3779B97F4A7C15ull, 0xE3594F9058B426E7ull},
    {31, 0x0ull, 0x4A74F3A1A39AD4A1ull},   {31, 0x9E3779B97F4A7C15ull, 0x8137041F5AF88413ull},
    {32, 0x0ull, 0x8D57D6A4671CC43Dull},   {32, 0x9E3779B97F4A7C15ull, 0x184EBCF3745CD46Cull},
    {33, 0x0ull, 0x62C9FD21ED857664ull},   {33, 0x9E3779B97F4A7C15ull, 0x52FAC3C981F3CC2Eull},
    {63, 0x0ull, 0x5C320A0D2707057Full},   {63, 0x9E3779B97F4A7C15ull, 0x64EF99A2E94CC7BDull},
    {64, 0x0ull, 0x7BBABBC45729D17Eull},   {64, 0x9E3779B97F4A7C15ull, 0xF7F22435FE1AB128ull},
    {65, 0x0ull, 0xF3980C34BAE65DC1ull},   {65, 0x9E3779B97F4A7C15ull, 0x7A0B76A812617C73ull},
    {100, 0x0ull, 0xEFA0AD2D3E70C151ull},  {100, 0x9E3779B97F4A7C15ull, 0xBC7AB33BE7528C18ull},
    {1000, 0x0ull, 0x99594F4828043D35ull}, {1000, 0x9E3779B97F4A7C15ull, 0xDA717F741F399F3Full},
    {4099, 0x0ull, 0x98531E44AA4F969Dull}, {4099, 0x9E3779B97F4A7C15ull, 0xC30FFD8B19F6086Bull},
};

Bytes pattern(std::size_t n)
{
    Bytes b(n);
    for (std::size_t j = 0; j < n; ++j)
        b[j] = static_cast<std::uint8_t>((j * 31 + 7) & 0xFF);
    return b;
}

// ---------------------------------------------------------------------------
// Summaries to store: a random recording (bruteforce::random) reduced as a
// summary file holds it, with every attribute set.

ReduceConfig sidecarConfig(bool histograms = true, int bins = 16)
{
    ReduceConfig c;
    c.perTime = false; // the PSTH reads the recording (issue 16)
    c.histograms = histograms;
    c.histogramBins = bins;
    c.activeThreshold = 0.1;
    return c;
}

void addAttributes(Summary& s)
{
    s.trainingLambdas = {1.0, std::nullopt, 0.25, std::nullopt, 1e-3, 0.0, 2.5};
    s.lossConvention = Convention::Spec;
    s.label = "\xce\xbb_fr = 0.1, seed 3";
    s.step = 4000;
    s.epoch = 12;
    s.dtMs = 20;
    for (std::int64_t b = 0; b < s.shape.batch; ++b)
        s.trialLabels.push_back(b % 2 ? "go" : "no-go");
    for (std::int64_t n = 0; n < s.shape.nHid; ++n)
        s.neuronGroups.push_back(n % 4 ? "E" : "I");
    s.warnings = {"inputs: absent"};
}

Summary sidecarSummary(const Recording& r, bool histograms = true)
{
    Summary s = summarize(r, 2, sidecarConfig(histograms));
    addAttributes(s);
    return s;
}

SidecarHeader testHeader()
{
    SidecarHeader h;
    h.recordingName = "ckpt_0100.h5";
    h.recordingSize = 134217728;
    h.recordingMtimeNs = 1764500000123456789;
    h.fingerprint = 0x0123456789ABCDEFull;
    h.producer = "rnnloss test";
    return h;
}

/// A gradient pass as the reader sends it, made up: the Gram matrices of
/// random vectors (symmetric, non-negative diagonal, by construction), L_fr_cv
/// without a gradient (its rows and columns 0).
GradientSummary madeUpGradients(const Shape& shape, Convention c)
{
    GradientSummary g;
    g.convention = c;
    g.shape = shape;
    g.activation = Activation::Tanh;
    g.alpha = 0.2;
    std::mt19937 rng(c == Convention::Spec ? 1 : 2);
    std::normal_distribution<double> normal;
    std::array<std::array<double, 5>, kTermCount> v{};
    for (Term k : kAllTerms) {
        TermGradient& t = g.terms[index(k)];
        t.available = true;
        t.defined = k != Term::FrCv;
        t.value = 0.5 + index(k);
        t.reason = t.defined ? "" : "the mean rate is 0";
        for (double& x : v[index(k)])
            x = t.defined ? normal(rng) : 0.0;
    }
    for (Param p : kAllParams) {
        ParamGram& gram = g.gram[index(p)];
        gram.param = p;
        for (Term k : kAllTerms) {
            gram.defined[index(k)] = g[k].defined;
            gram.reason[index(k)] = g[k].reason;
            for (Term l : kAllTerms) {
                double dot = 0;
                for (std::size_t i = 0; i < 5; ++i)
                    dot += v[index(k)][i] * v[index(l)][i];
                gram.g[index(k)][index(l)] = (1 + index(p)) * dot;
            }
        }
    }
    g.replayError = 1e-7;
    g.maxAbsRate = 1.5;
    g.warnings = {"ckpt_0100.h5: a warning of the read"};
    g.trainingLambdas = {1.0, std::nullopt, 0.25, std::nullopt, 1e-3, 0.0, 2.5};
    g.label = "\xce\xbb_fr = 0.1, seed 3";
    g.step = 4000;
    g.epoch = 12;
    return g;
}

/// A valid gradient section for a summary of `shape`.
Bytes gramBytes(const Shape& shape)
{
    return encodeGradientSection(madeUpGradients(shape, Convention::Spec),
                                 madeUpGradients(shape, Convention::Nn4n));
}

void compareGradients(const GradientSummary& got, const GradientSummary& want)
{
    QCOMPARE(got.convention, want.convention);
    QVERIFY(got.shape == want.shape);
    QCOMPARE(got.alpha, want.alpha);
    for (Term k : kAllTerms) {
        QCOMPARE(got[k].defined, want[k].defined);
        QCOMPARE(got[k].value, want[k].value);
        QCOMPARE(got[k].reason, want[k].reason);
    }
    for (Param p : kAllParams)
        QVERIFY(got[p].g == want[p].g);
    QVERIFY(got.warnings == want.warnings);
    QCOMPARE(got.replayError, want.replayError);
}

/// A small file with every kind of section, the base of the malformed cases.
Bytes smallFile()
{
    const Recording r = bruteforce::random({3, 5, 2, 4, 2}, 5, true);
    return encodeSidecar(testHeader(), sidecarSummary(r),
                         {{kSidecarTagGradientGram, gramBytes({3, 5, 2, 4, 2})}});
}

// ---------------------------------------------------------------------------
// The file's layout, read here from the documented format (sidecar.h), so that
// the malformed cases can patch one field and reseal the file.

template <class T> T peek(const Bytes& b, std::size_t at)
{
    T v{};
    if (at + sizeof(T) <= b.size())
        std::memcpy(&v, b.data() + at, sizeof(T));
    return v;
}

template <class T> void poke(Bytes& b, std::size_t at, T v)
{
    QVERIFY(at + sizeof(T) <= b.size());
    std::memcpy(b.data() + at, &v, sizeof(T));
}

/// Recomputes the checksum of a patched file, so that the checks past it are reached.
void reseal(Bytes& b)
{
    const std::uint64_t h = xxh64({b.data(), b.size() - 8});
    std::memcpy(b.data() + b.size() - 8, &h, 8);
}

struct SectionAt
{
    std::uint16_t tag = 0;
    std::size_t header = 0, data = 0, length = 0;
};

std::vector<SectionAt> sectionsOf(const Bytes& b)
{
    std::vector<SectionAt> out;
    std::size_t pos = 16;
    for (std::uint32_t i = 0; i < peek<std::uint32_t>(b, 12); ++i) {
        SectionAt s{peek<std::uint16_t>(b, pos), pos, pos + 10,
                    static_cast<std::size_t>(peek<std::uint64_t>(b, pos + 2))};
        out.push_back(s);
        pos = s.data + s.length;
    }
    return out;
}

SectionAt sectionOf(const Bytes& b, std::uint16_t tag)
{
    for (const SectionAt& s : sectionsOf(b))
        if (s.tag == tag)
            return s;
    return {};
}

/// Offsets of each dataset's dims in a summary payload that starts at `at`
/// (summarycodec.h: 5 x i64 shape, then per dataset u8 flag, file and path
/// as u32 length | bytes, u32 rank, rank x i64, i64 non-finite count).
std::vector<std::size_t> dimsOffsets(const Bytes& b, std::size_t at)
{
    std::vector<std::size_t> out;
    std::size_t pos = at + 40;
    for (int d = 0; d < kDatasetCount; ++d) {
        pos += 1;
        pos += 4 + peek<std::uint32_t>(b, pos);
        pos += 4 + peek<std::uint32_t>(b, pos);
        const auto rank = peek<std::uint32_t>(b, pos);
        pos += 4;
        out.push_back(pos);
        pos += 8 * rank + 8;
    }
    return out;
}

/// Splices `replacement` over section `tag`'s data (its length field
/// adjusted) and reseals the file.
Bytes withSection(const Bytes& b, std::uint16_t tag, const Bytes& replacement)
{
    const SectionAt s = sectionOf(b, tag);
    Bytes out(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(s.data));
    poke<std::uint64_t>(out, s.header + 2, replacement.size());
    out.insert(out.end(), replacement.begin(), replacement.end());
    out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(s.data + s.length), b.end());
    reseal(out);
    return out;
}

struct Outcome
{
    bool ok = false;
    std::string error;
    std::size_t largestNew = 0;
};

Outcome decodeTracked(const Bytes& b)
{
    g_largestNew = 0;
    const auto d = decodeSidecar(b, kName);
    return {d.value.has_value(), d.error, g_largestNew.load()};
}

/// Empty when the file was refused properly: an error that names the file
/// and says `expect`, and no absurd allocation on the way.
QString badRefusal(const Outcome& o, const std::string& expect)
{
    if (o.ok)
        return "decoded successfully";
    if (o.error.rfind(kName + ": ", 0) != 0)
        return "the error does not start with the file's name: " + QString::fromStdString(o.error);
    if (o.error.find(expect) == std::string::npos)
        return QString::fromStdString("the error does not say \"" + expect + "\": " + o.error);
    if (o.largestNew > kAbsurdAllocation)
        return QStringLiteral("allocated %1 bytes on the way").arg(o.largestNew);
    return {};
}

#define QVERIFY_REFUSED(bytes, expect)                                                             \
    do {                                                                                           \
        const QString why_ = badRefusal(decodeTracked(bytes), expect);                             \
        QVERIFY2(why_.isEmpty(), qPrintable(why_));                                                \
    } while (0)

// ---------------------------------------------------------------------------
// Numbers against the brute force.

bool close(double a, double b, double rel = 1e-12)
{
    return std::abs(a - b) <= rel * std::max({std::abs(a), std::abs(b), 1e-300});
}

void compareOpt(const std::optional<double>& got, const std::optional<double>& want,
                const char* what)
{
    QVERIFY2(got.has_value() == want.has_value(), what);
    if (got)
        QVERIFY2(close(*got, *want), qPrintable(QStringLiteral("%1: %2 != %3")
                                                    .arg(what)
                                                    .arg(*got, 0, 'g', 17)
                                                    .arg(*want, 0, 'g', 17)));
}

void compareTerms(const TermValues& tv, const bruteforce::Terms& bf)
{
    compareOpt(tv[Term::Mse].value, bf.mse, "mse");
    compareOpt(tv[Term::In].value, bf.in, "in");
    compareOpt(tv[Term::Hid].value, bf.hid, "hid");
    compareOpt(tv[Term::Out].value, bf.out, "out");
    compareOpt(tv[Term::Fr].value, bf.fr, "fr");
    compareOpt(tv[Term::FrSd].value, bf.frSd, "fr_sd");
    compareOpt(tv[Term::FrCv].value, bf.frCv, "fr_cv");
}

/// Per-neuron mean, population SD, min and max over the selected trials,
/// straight from the raw states.
void compareNeuronStats(const Summary& s, const Recording& r, const std::vector<bool>& trials)
{
    const NeuronStats st = computeNeuronStats(s, Convention::Nn4n, trials);
    const Shape& sh = r.shape;
    for (std::int64_t n = 0; n < sh.nHid; ++n) {
        double sum = 0, sq = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
        double count = 0;
        for (std::int64_t b = 0; b < sh.batch; ++b)
            for (std::int64_t t = 0; t < sh.time; ++t) {
                const double x = r.states[(b * sh.time + t) * sh.nHid + n];
                lo = std::min(lo, x);
                hi = std::max(hi, x);
                if (!trials.empty() && !trials[b])
                    continue;
                sum += x;
                sq += x * x;
                ++count;
            }
        const double mean = sum / count;
        QVERIFY2(close(st.mean[n], mean), qPrintable(QStringLiteral("mean of neuron %1").arg(n)));
        QVERIFY(close(st.sd[n], std::sqrt(sq / count - mean * mean), 1e-9));
        QCOMPARE(st.min[n], lo);
        QCOMPARE(st.max[n], hi);
    }
}

} // namespace

class TestSidecar : public QObject
{
    Q_OBJECT

private slots:
    void xxh64Vectors();
    void fingerprints();
    void roundTrip_data();
    void roundTrip();
    void reducedCodec();
    void truncatedAtEveryByte();
    void wrongMagicAndVersion();
    void hugeCounts();
    void notANumber();
    void checksum();
    void sizesDisagree();
    void sections();
    void gradientSection();
    void randomDamage();
    void staleness();
    void paths();
    void atomicWrite();
    void atomicWriteFailures();
    void readFromDisk();
    void sizeAt134MbShape();
    void writeFuzzSeeds();
};

void TestSidecar::xxh64Vectors()
{
    for (const HashVector& v : kXxh64) {
        const Bytes b = pattern(v.length);
        QVERIFY2(xxh64(b, v.seed) == v.hash,
                 qPrintable(QStringLiteral("length %1 seed %2").arg(v.length).arg(v.seed)));
    }
}

void TestSidecar::fingerprints()
{
    // The canonical bytes, written out by hand from the documented encoding.
    FingerprintBuilder f;
    f.text("ab").integer(-2).number(0.5);
    const Bytes want = {'s', 2,    0,    0,    0,    0,    0,    0,    0,    'a', 'b', // text
                        'i', 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,           // -2
                        'd', 0,    0,    0,    0,    0,    0,    0xE0, 0x3F};          // 0.5
    QVERIFY(f.bytes() == want);
    QCOMPARE(f.fingerprint(), xxh64(want));
    QCOMPARE(fingerprintOf(want), xxh64(want));

    // Fields never run into each other.
    const auto fp = [](auto build) {
        FingerprintBuilder b;
        build(b);
        return b.fingerprint();
    };
    QVERIFY(fp([](auto& b) { b.text("ab").text("c"); }) !=
            fp([](auto& b) { b.text("a").text("bc"); }));
    QVERIFY(fp([](auto& b) { b.integer(1); }) != fp([](auto& b) { b.number(1.0); }));
    QVERIFY(fp([](auto& b) { b.number(0.0); }) != fp([](auto& b) { b.number(-0.0); }));
    QVERIFY(fp([](auto& b) { b.text("states").integer(128); }) !=
            fp([](auto& b) { b.text("states").integer(129); }));
}

void TestSidecar::roundTrip_data()
{
    QTest::addColumn<bool>("signedRates");
    QTest::addColumn<bool>("histograms");
    QTest::addColumn<bool>("weights");
    QTest::addColumn<bool>("gram");
    QTest::newRow("relu, histograms, weights, gram") << false << true << true << true;
    QTest::newRow("tanh, histograms, weights") << true << true << true << false;
    QTest::newRow("relu, lean") << false << false << true << false;
    QTest::newRow("tanh, no weight matrices") << true << true << false << true;
}

void TestSidecar::roundTrip()
{
    QFETCH(bool, signedRates);
    QFETCH(bool, histograms);
    QFETCH(bool, weights);
    QFETCH(bool, gram);
    const Recording r = bruteforce::random({7, 9, 3, 6, 2}, 11, signedRates);
    Summary s = sidecarSummary(r, histograms);
    if (!weights)
        for (auto& w : s.weights)
            w.resize(0, 0); // the norms stay: the terms need only them
    std::vector<SidecarSection> extra;
    if (gram)
        extra.push_back({kSidecarTagGradientGram, gramBytes(s.shape)});
    const Bytes file = encodeSidecar(testHeader(), s, extra);
    const auto d = decodeSidecar(file, kName);
    QVERIFY2(d.value, d.error.c_str());
    QVERIFY(d.error.empty());
    const Sidecar& sc = *d.value;
    QVERIFY(sc.header == testHeader());
    QCOMPARE(sc.sections.size(), std::size_t(gram));
    QCOMPARE(sc.gradients.has_value(), gram);
    if (gram) {
        QVERIFY(sc.find(kSidecarTagGradientGram)->bytes == gramBytes(s.shape));
        compareGradients(sc.gradients->spec, madeUpGradients(s.shape, Convention::Spec));
        compareGradients(sc.gradients->nn4n, madeUpGradients(s.shape, Convention::Nn4n));
        QCOMPARE(sc.gradients->of(Convention::Nn4n).convention, Convention::Nn4n);
    }

    // The numbers, against the raw arrays: whole, and with trial and neuron selections.
    const Summary& got = sc.summary;
    for (bool nn4n : {false, true}) {
        const Convention c = nn4n ? Convention::Nn4n : Convention::Spec;
        compareTerms(computeTerms(got, c), bruteforce::compute(r, nn4n));
        Selection sel;
        sel.trials = {true, false, true, true, false, false, true};
        sel.neurons = {false, true, true, false, true, true};
        compareTerms(computeTerms(got, c, sel),
                     bruteforce::compute(r, nn4n, {0, 2, 3, 6}, {1, 2, 4, 5}));
    }
    compareNeuronStats(got, r, {});
    compareNeuronStats(got, r, {false, true, true, false, true, false, true});

    // What the views read besides the sums.
    QVERIFY(got.trainingLambdas == s.trainingLambdas);
    QCOMPARE(got.lossConvention, s.lossConvention);
    QCOMPARE(got.label, s.label);
    QCOMPARE(got.step, s.step);
    QCOMPARE(got.epoch, s.epoch);
    QCOMPARE(got.dtMs, s.dtMs);
    QVERIFY(got.trialLabels == s.trialLabels);
    QVERIFY(got.neuronGroups == s.neuronGroups);
    QVERIFY(got.warnings == s.warnings);
    QCOMPARE(got.neuronActive, s.neuronActive);
    QCOMPARE(got.neuronHistograms.size(), std::size_t(histograms ? 6 : 0));
    for (std::int64_t n = 0; n < 6 && histograms; ++n) {
        // Every finite sample is in its neuron's histogram.
        std::int64_t total = 0;
        for (auto c : got.neuronHistograms[n].counts)
            total += c;
        QCOMPARE(total, std::int64_t(7 * 9));
        QVERIFY(got.neuronHistograms[n].counts == s.neuronHistograms[n].counts);
    }
    QVERIFY(got.timeSum.size() == 0 && psth(got, 0).mean.empty()); // the PSTH reads the recording
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(got.weights[i].rows(), s.weights[i].rows());
        QCOMPARE(got.weights[i].cols(), s.weights[i].cols());
        QVERIFY((got.weights[i].array() == s.weights[i].array()).all());
        QCOMPARE(got.weights[i].size() != 0, weights);
    }

    // Deterministic: the decoded file encodes to the same bytes.
    QVERIFY(encodeSidecar(sc.header, got, sc.sections) == file);
}

void TestSidecar::reducedCodec()
{
    // The codec's reduced summaries (summarycodec.h, extension 4), by size:
    // each part left out is exactly its bytes.
    const Shape sh{6, 40, 3, 5, 2};
    const std::int64_t B = sh.batch, T = sh.time, N = sh.nHid;
    for (bool signedRates : {false, true}) {
        const Recording r = bruteforce::random(sh, 3, signedRates);
        ReduceConfig full;
        full.histogramBins = 16;
        ReduceConfig noTime = full, neither = full;
        noTime.perTime = false;
        neither.perTime = neither.histograms = false;
        const Summary a = summarize(r, 1, full), b = summarize(r, 1, noTime),
                      c = summarize(r, 1, neither);
        const std::size_t sa = encodeSummary(a).size(), sb = encodeSummary(b).size(),
                          sc = encodeSummary(c).size();
        const std::size_t ext = 2 + 8 + 1 + 16; // the one section with the trailer
        // relu rates are never negative: the sums of |r| go too.
        const std::size_t abs = signedRates ? 0 : std::size_t(8 * B * N);
        QCOMPARE(sb, sa - std::size_t(2 * 8 * T * N) - abs + ext);
        QCOMPARE(sc, sb - std::size_t(N * (16 + 8 * 16)));
        for (const Summary* s : {&b, &c}) {
            const auto d = decodeSummary(encodeSummary(*s));
            QVERIFY2(d.value, d.error.c_str());
            QVERIFY((d.value->trialSumAbs == s->trialSumAbs).all());
            QCOMPARE(d.value->neuronHistograms.size(), s->neuronHistograms.size());
            QCOMPARE(d.value->timeSum.size(), Eigen::Index(0));
            compareTerms(computeTerms(*d.value, Convention::Nn4n), bruteforce::compute(r, true));
            QVERIFY(encodeSummary(*d.value) == encodeSummary(*s));
        }
    }
    // Half of the per-time sums is a caller's error.
    Summary s = summarize(bruteforce::random(sh, 4), 1, ReduceConfig{});
    s.timeSumSq.resize(0, 0);
    QVERIFY_THROWS_EXCEPTION(std::logic_error, encodeSummary(s));

    // Malformed reduced sections.
    const Summary lean = summarize(bruteforce::random(sh, 5, true), 1, sidecarConfig(false));
    const Bytes p = encodeSummary(lean);
    const std::size_t flags = p.size() - 16 - 1; // the last section's one byte
    QCOMPARE(peek<std::uint8_t>(p, flags), std::uint8_t(3));
    for (std::uint8_t bad : {0, 4, 8, 0x83}) {
        Bytes q = p;
        poke<std::uint8_t>(q, flags, bad);
        QVERIFY(!decodeSummary(q).value);
    }
    // Histograms declared and none there; none declared and a bin count given.
    Bytes q = p;
    poke<std::uint8_t>(q, flags, 1);
    QVERIFY2(decodeSummary(q).error.find("histogram bins 0 out of range") != std::string::npos,
             decodeSummary(q).error.c_str());
    const Summary withHist = summarize(bruteforce::random(sh, 5, true), 1, sidecarConfig(true));
    q = encodeSummary(withHist);
    QCOMPARE(peek<std::uint8_t>(q, q.size() - 16 - 1), std::uint8_t(1));
    poke<std::uint8_t>(q, q.size() - 16 - 1, 3);
    QVERIFY2(decodeSummary(q).error.find("histogram bins 16 in a summary without histograms") !=
                 std::string::npos,
             decodeSummary(q).error.c_str());
}

void TestSidecar::truncatedAtEveryByte()
{
    const Bytes file = smallFile();
    QVERIFY(decodeSidecar(file, kName).value);
    for (std::size_t n = 0; n < file.size(); ++n) {
        const Bytes cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(n));
        const QString why =
            badRefusal(decodeTracked(cut), "truncated at byte " + std::to_string(n));
        QVERIFY2(why.isEmpty(), qPrintable(QStringLiteral("cut at %1: ").arg(n) + why));
    }
}

void TestSidecar::wrongMagicAndVersion()
{
    const Bytes file = smallFile();
    for (std::size_t i = 0; i < 8; ++i) {
        Bytes b = file;
        b[i] ^= 0x20;
        QVERIFY_REFUSED(b, "not an rnnloss summary file (wrong magic)");
    }
    QVERIFY_REFUSED(Bytes({'{', '"', 'a'}), "wrong magic");
    QVERIFY_REFUSED(pattern(1000), "wrong magic");
    for (std::uint32_t v : {0u, 2u, 0xFFFFFFFFu}) {
        Bytes b = file;
        poke<std::uint32_t>(b, 8, v);
        reseal(b);
        QVERIFY_REFUSED(b, "format version " + std::to_string(v) + " is not supported");
    }
}

void TestSidecar::hugeCounts()
{
    const Bytes file = smallFile();
    const auto sections = sectionsOf(file);
    QCOMPARE(sections.size(), std::size_t(3));
    {
        Bytes b = file;
        poke<std::uint32_t>(b, 12, 0xFFFFFFFFu);
        QVERIFY_REFUSED(b, "section count 4294967295 out of range");
    }
    for (const SectionAt& s : sections)
        for (std::uint64_t len :
             {std::uint64_t(1) << 63, ~std::uint64_t(0), std::uint64_t(file.size())}) {
            Bytes b = file;
            poke<std::uint64_t>(b, s.header + 2, len);
            QVERIFY_REFUSED(b, "claims " + std::to_string(len) + " bytes");
        }
    // The identity's texts.
    const SectionAt id = sectionOf(file, kSidecarTagIdentity);
    {
        Bytes b = file;
        poke<std::uint32_t>(b, id.data, 0xFFFFFFF0u);
        reseal(b);
        QVERIFY_REFUSED(b, "identity section: recording name of 4294967280 bytes");
    }
    {
        Bytes b = file;
        poke<std::uint32_t>(b, id.data + id.length - 4 - 12, 1u << 30); // the producer's length
        reseal(b);
        QVERIFY_REFUSED(b, "identity section: producer of 1073741824 bytes");
    }
    // A summary declaring 2^40 trials, consistently in its shape and
    // datasets: the per-trial sums are refused before they are allocated.
    {
        Bytes b = file;
        const SectionAt sum = sectionOf(b, kSidecarTagSummary);
        const std::int64_t huge = std::int64_t(1) << 40;
        poke<std::int64_t>(b, sum.data, huge);
        const auto dims = dimsOffsets(b, sum.data);
        for (int d : {0, 1, 2})
            poke<std::int64_t>(b, dims[d], huge);
        // the labels extension has 3 trial labels, not 2^40: keep them apart
        reseal(b);
        const Outcome o = decodeTracked(b);
        QVERIFY(!o.ok);
        QVERIFY2(o.error.find("trial labels for 3 trials of 1099511627776") != std::string::npos,
                 o.error.c_str());
        QVERIFY(o.largestNew < kAbsurdAllocation);
    }
    {
        const Recording r = bruteforce::random({3, 5, 2, 4, 2}, 5, false);
        Summary s = summarize(r, 1, sidecarConfig()); // no labels: the sums are reached
        Bytes b = encodeSidecar(testHeader(), s);
        const SectionAt sum = sectionOf(b, kSidecarTagSummary);
        const std::int64_t huge = std::int64_t(1) << 40;
        poke<std::int64_t>(b, sum.data, huge);
        const auto dims = dimsOffsets(b, sum.data);
        for (int d : {0, 1, 2})
            poke<std::int64_t>(b, dims[d], huge);
        reseal(b);
        QVERIFY_REFUSED(
            b, "squared error per trial: the stream ends early (needs 1099511627776 values");
    }
}

void TestSidecar::notANumber()
{
    const Recording r = bruteforce::random({4, 6, 2, 5, 2}, 8, true);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const Summary good = sidecarSummary(r);
    const auto refused = [&](const std::function<void(Summary&)>& damage,
                             const std::string& expect) {
        Summary s = good;
        damage(s);
        return badRefusal(decodeTracked(encodeSidecar(testHeader(), s)), expect);
    };
    const auto accepted = [&](const std::function<void(Summary&)>& change) {
        Summary s = good;
        change(s);
        return decodeSidecar(encodeSidecar(testHeader(), s), kName).error;
    };
    QString why;
    QVERIFY2(
        (why = refused([&](Summary& s) { s.trialSum(2, 3) = nan; },
                       "NaN in the trial sums (row 2, column 3), whose samples are all finite"))
            .isEmpty(),
        qPrintable(why));
    QVERIFY2((why = refused([&](Summary& s) { s.trialSumAbs(0, 1) = nan; },
                            "NaN in the trial sums of |r|"))
                 .isEmpty(),
             qPrintable(why));
    QVERIFY2((why = refused([&](Summary& s) { s.trialSumSq(1, 1) = -1.0; },
                            "a negative value in the trial sums of squares (row 1, column 1)"))
                 .isEmpty(),
             qPrintable(why));
    QVERIFY2((why = refused([&](Summary& s) { s.sqErrPerTrial[3] = nan; },
                            "NaN in the squared errors per trial"))
                 .isEmpty(),
             qPrintable(why));
    QVERIFY2((why = refused([&](Summary& s) { s.neuronMax[4] = nan; },
                            "NaN in the extremes of neuron 4"))
                 .isEmpty(),
             qPrintable(why));
    QVERIFY2((why = refused([&](Summary& s) { s.weightNormSq[1] = nan; },
                            "the squared norm of weights/hidden is NaN"))
                 .isEmpty(),
             qPrintable(why));
    QVERIFY2((why = refused([&](Summary& s) { s.trainingLambdas[0] = nan; },
                            "a training lambda is not finite"))
                 .isEmpty(),
             qPrintable(why));
    QVERIFY2((why = refused([&](Summary& s) { s.step = nan; }, "a step or epoch is not finite"))
                 .isEmpty(),
             qPrintable(why));
    // A NaN that a reduction gives (the neuron has a NaN sample) is data, not damage.
    QCOMPARE(accepted([&](Summary& s) {
                 s.trialSum(2, 3) = nan;
                 s.neuronNonFinite[3] = 1;
             }),
             std::string());
    QCOMPARE(accepted([&](Summary& s) {
                 s.sqErrPerTrial[3] = nan;
                 s.info(Dataset::Outputs).nonFinite = 2;
             }),
             std::string());
    QCOMPARE(
        accepted([&](Summary& s) { s.trialSumSq(0, 0) = std::numeric_limits<double>::infinity(); }),
        std::string()); // finite values can overflow
}

void TestSidecar::checksum()
{
    const Bytes file = smallFile();
    const SectionAt sum = sectionOf(file, kSidecarTagSummary);
    for (std::size_t at : {std::size_t(16), sum.data + 100, file.size() - 9, file.size() - 1}) {
        Bytes b = file;
        b[at] ^= 1;
        QVERIFY_REFUSED(b, "checksum mismatch, the file is damaged");
    }
}

void TestSidecar::sizesDisagree()
{
    const Bytes file = smallFile();
    {
        Bytes b = file;
        b.push_back(0);
        QVERIFY_REFUSED(b, "sizes disagree: the 3 sections and checksum end at byte " +
                               std::to_string(file.size()));
    }
    {
        Bytes b = file;
        poke<std::uint32_t>(b, 12, 2); // fewer sections than there are
        reseal(b);
        QVERIFY_REFUSED(b, "sizes disagree");
        poke<std::uint32_t>(b, 12, 4); // more
        reseal(b);
        QVERIFY_REFUSED(b, "truncated at byte");
    }
    {
        // The states' dimensions disagree with the summary's own shape.
        Bytes b = file;
        const SectionAt sum = sectionOf(b, kSidecarTagSummary);
        poke<std::int64_t>(b, dimsOffsets(b, sum.data)[2] + 16, 5);
        reseal(b);
        QVERIFY_REFUSED(b, "dataset 'states' has dimensions that disagree with the shape");
    }
    {
        // The shape's neuron count disagrees with the neuron groups.
        Bytes b = file;
        const SectionAt sum = sectionOf(b, kSidecarTagSummary);
        poke<std::int64_t>(b, sum.data + 24, 3);
        reseal(b);
        QVERIFY_REFUSED(b, "neuron groups for 4 neurons of 3");
    }
    {
        // An identity section longer than its fields.
        const SectionAt id = sectionOf(file, kSidecarTagIdentity);
        Bytes longer(file.begin() + static_cast<std::ptrdiff_t>(id.data),
                     file.begin() + static_cast<std::ptrdiff_t>(id.data + id.length));
        longer.push_back(7);
        QVERIFY_REFUSED(withSection(file, kSidecarTagIdentity, longer),
                        "identity section: 1 bytes after its last field");
        longer.resize(id.length - 3);
        QVERIFY_REFUSED(withSection(file, kSidecarTagIdentity, longer),
                        "identity section of " + std::to_string(id.length - 3) +
                            " bytes ends inside its producer");
    }
    // A summary of a slice, or of raw extents, is not a summary of the recording.
    Summary s = sidecarSummary(bruteforce::random({3, 5, 2, 4, 2}, 5, true));
    Summary sliced = s;
    sliced.slice = Slice{s.shape, {0, 1, 2}, {0, 1, 2, 3, 4}, {0, 1, 2, 3}};
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, encodeSidecar(testHeader(), sliced));
    const Bytes payload = encodeSummary(sliced);
    QVERIFY_REFUSED(withSection(file, kSidecarTagSummary, payload),
                    "the summary is of a slice of the recording, not of the whole recording");
}

void TestSidecar::sections()
{
    const Recording r = bruteforce::random({3, 5, 2, 4, 2}, 5, true);
    const Summary s = sidecarSummary(r);
    // An unknown optional section is skipped; an unknown required one refused.
    {
        const Bytes b = encodeSidecar(
            testHeader(), s, {{0x8123, {1, 2, 3}}, {kSidecarTagGradientGram, gramBytes(s.shape)}});
        const auto d = decodeSidecar(b, kName);
        QVERIFY2(d.value, d.error.c_str());
        QCOMPARE(d.value->sections.size(), std::size_t(1));
        QCOMPARE(d.value->sections[0].tag, kSidecarTagGradientGram);
        QVERIFY(d.value->find(0x8123) == nullptr);
    }
    QVERIFY_REFUSED(encodeSidecar(testHeader(), s, {{3, {1}}}),
                    "section tag 3 is required but unknown to this rnnloss");
    QVERIFY_REFUSED(encodeSidecar(testHeader(), s, {{0x7FFF, {}}}),
                    "section tag 32767 is required");
    // Sections twice or missing.
    const Bytes file = smallFile();
    const SectionAt gram = sectionOf(file, kSidecarTagGradientGram);
    {
        Bytes b = file;
        poke<std::uint16_t>(b, gram.header, kSidecarTagSummary);
        reseal(b);
        QVERIFY_REFUSED(b, "two summary sections");
        poke<std::uint16_t>(b, sectionOf(file, kSidecarTagSummary).header, 0x8200);
        reseal(b);
        QVERIFY_REFUSED(b, "summary section: malformed summary"); // the Gram bytes, read as one
        poke<std::uint16_t>(b, gram.header, 0x8201);
        reseal(b);
        QVERIFY_REFUSED(b, "no summary section");
    }
    {
        Bytes b = file;
        poke<std::uint16_t>(b, sectionOf(file, kSidecarTagSummary).header, kSidecarTagGradientGram);
        reseal(b);
        QVERIFY_REFUSED(b, "two gradient Gram sections");
        b = file;
        poke<std::uint16_t>(b, sectionOf(file, kSidecarTagIdentity).header, 0x9000);
        reseal(b);
        QVERIFY_REFUSED(b, "no identity section");
    }
    // The encoder refuses what it could not write back.
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             encodeSidecar(testHeader(), s, {{kSidecarTagSummary, {}}}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             encodeSidecar(testHeader(), s, {{0x8001, {}}, {0x8001, {}}}));
    for (const std::string& name : {std::string(), std::string("a/b.h5"), std::string("x\0y", 3),
                                    std::string(kMaxRecordingName + 1, 'n')}) {
        SidecarHeader h = testHeader();
        h.recordingName = name;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, encodeSidecar(h, s));
    }
    SidecarHeader h = testHeader();
    h.producer.assign(kMaxProducer + 1, 'p');
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, encodeSidecar(h, s));
    // A name with a '/' written by hand is refused on reading too.
    const SectionAt id = sectionOf(file, kSidecarTagIdentity);
    Bytes b = file;
    b[id.data + 4 + 4] = '/';
    reseal(b);
    QVERIFY_REFUSED(b, "identity section: the recording's name is not a file name");
}

/// Offsets in a gradient payload (gradcodec.h) that starts at `at`: the
/// Gram matrices and the warning count.
struct PayloadAt
{
    std::size_t gram = 0, warnings = 0;
};

PayloadAt payloadAt(const Bytes& b, std::size_t at)
{
    std::size_t pos = at + 56; // magic, version, convention, activation, alpha, shape
    for (int k = 0; k < kTermCount; ++k) {
        pos += 9; // flags, value
        pos += 4 + peek<std::uint32_t>(b, pos);
    }
    return {pos, pos + kParamCount * kTermCount * kTermCount * 8 + 17};
}

void TestSidecar::gradientSection()
{
    // The gradient section is untrusted like the rest: every count checked
    // before it is used, every value against what a gradient pass gives.
    const Shape shape{3, 5, 2, 4, 2};
    const Bytes file = smallFile();
    const Bytes sec = gramBytes(shape);
    const auto with = [&](const Bytes& section) {
        return withSection(file, kSidecarTagGradientGram, section);
    };
    for (std::size_t n = 0; n < sec.size(); ++n)
        QVERIFY_REFUSED(with(Bytes(sec.begin(), sec.begin() + std::ptrdiff_t(n))),
                        "gradient Gram section: ");
    Bytes b = sec;
    b.push_back(0);
    QVERIFY_REFUSED(with(b), "gradient Gram section: 1 bytes after its last pass");

    // Huge counts: of passes, a pass's length, the warnings inside one.
    const std::size_t specLength = peek<std::uint64_t>(sec, 4);
    const PayloadAt spec = payloadAt(sec, 12);
    for (std::uint32_t n : {0u, 1u, 3u, 0xFFFFFFFFu}) {
        b = sec;
        poke<std::uint32_t>(b, 0, n);
        QVERIFY_REFUSED(with(b), "holds " + std::to_string(n) + " gradient passes, not 2");
    }
    b = sec;
    poke<std::uint64_t>(b, 4, ~std::uint64_t(0));
    QVERIFY_REFUSED(with(b), "the spec pass claims 18446744073709551615 bytes");
    b = sec;
    poke<std::uint64_t>(b, 12 + specLength, std::uint64_t(1) << 62);
    QVERIFY_REFUSED(with(b), "the nn4n pass claims 4611686018427387904 bytes");
    for (std::uint32_t n : {9999u, 0xFFFFFFFFu}) {
        b = sec;
        poke<std::uint32_t>(b, spec.warnings, n);
        QVERIFY_REFUSED(with(b), "the spec pass: malformed gradients");
    }

    // Values no gradient pass gives, in W_hid's Gram matrix of the spec pass.
    const std::size_t wHid =
        spec.gram + std::size_t(index(Param::WHid)) * kTermCount * kTermCount * 8;
    const auto at = [&](Term k, Term l) {
        return wHid + std::size_t(index(k) * kTermCount + index(l)) * 8;
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    b = sec;
    poke<double>(b, at(Term::Mse, Term::Fr), nan);
    poke<double>(b, at(Term::Fr, Term::Mse), nan);
    QVERIFY_REFUSED(with(b),
                    "the spec pass: NaN in the Gram matrix of W_hid (row L_mse, column L_fr)");
    b = sec;
    poke<double>(b, at(Term::Hid, Term::Hid), -1.0);
    QVERIFY_REFUSED(with(b), "a negative squared norm in the Gram matrix of W_hid (row L_hid");
    b = sec;
    poke<double>(b, at(Term::Mse, Term::Fr), 2 * peek<double>(sec, at(Term::Mse, Term::Fr)) + 1);
    QVERIFY_REFUSED(with(b), "(row L_mse, column L_fr) differs from its transpose");
    b = sec;
    poke<double>(b, at(Term::Mse, Term::FrCv), 0.5);
    poke<double>(b, at(Term::FrCv, Term::Mse), 0.5);
    QVERIFY_REFUSED(with(b), "is not 0 though L_fr_cv has no gradient");

    // Of another recording; the conventions swapped.
    QVERIFY_REFUSED(with(gramBytes({3, 5, 2, 4, 3})),
                    "the gradients are of a recording of 3 x 5 x 2 x 4 x 3 (B x T x N_in x N_hid x "
                    "N_out), the summary of one of 3 x 5 x 2 x 4 x 2");
    b.assign({2, 0, 0, 0});
    for (Convention c : {Convention::Nn4n, Convention::Spec}) {
        const Bytes payload = encodeGradients(madeUpGradients(shape, c));
        const std::uint64_t n = payload.size();
        b.insert(b.end(), reinterpret_cast<const std::uint8_t*>(&n),
                 reinterpret_cast<const std::uint8_t*>(&n) + 8);
        b.insert(b.end(), payload.begin(), payload.end());
    }
    QVERIFY_REFUSED(with(b), "the spec pass is of the nn4n convention");

    // The encoder refuses what the decoder would.
    const GradientSummary good = madeUpGradients(shape, Convention::Spec);
    const GradientSummary other = madeUpGradients(shape, Convention::Nn4n);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, encodeGradientSection(other, good));
    GradientSummary bad = good;
    bad.gram[2].g[0][4] = nan;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, encodeGradientSection(bad, other));
    QVERIFY(badGradients(bad, shape).find("NaN in the Gram matrix of W_hid") != std::string::npos);
    QCOMPARE(badGradients(good, shape), std::string());
}

void TestSidecar::randomDamage()
{
    // Random bytes changed: the checksum refuses each; resealed, each is
    // decoded or refused with a message, never a crash or an absurd allocation.
    const Bytes file = smallFile();
    std::mt19937 rng(99);
    for (int i = 0; i < 3000; ++i) {
        Bytes b = file;
        const int flips = 1 + int(rng() % 4);
        for (int k = 0; k < flips; ++k)
            b[rng() % (b.size() - 8)] ^= static_cast<std::uint8_t>(1 + rng() % 255);
        if (b == file)
            continue;
        QVERIFY_REFUSED(b, ""); // mostly the checksum; the magic, version or a length first
        reseal(b);
        const Outcome o = decodeTracked(b);
        QVERIFY(o.ok || o.error.rfind(kName + ": ", 0) == 0);
        QVERIFY(o.largestNew < kAbsurdAllocation);
    }
}

void TestSidecar::staleness()
{
    SidecarHeader h = testHeader();
    const std::uint64_t size = h.recordingSize;
    const std::int64_t t = h.recordingMtimeNs;
    const std::uint64_t fp = h.fingerprint;
    QVERIFY(isCurrent(h, size, t, fp));
    QVERIFY(isCurrent(h, size, t, std::nullopt));
    QCOMPARE(staleReason(h, size + 1, t, fp),
             std::string(
                 "the recording's size changed (134217728 bytes when summarised, 134217729 now)"));
    QCOMPARE(staleReason(h, size, t + 1, fp),
             std::string("the recording's modification time changed (1764500000123456789 ns when "
                         "summarised, 1764500000123456790 now)"));
    QCOMPARE(staleReason(h, size, t, fp ^ 1),
             std::string("the recording's metadata changed (fingerprint 0x0123456789abcdef when "
                         "summarised, 0x0123456789abcdee now)"));
    QVERIFY(!isCurrent(h, size, t - 1000000000, std::nullopt));

    // With a real file: its stamp as stat gives it, then rewritten.
    QTemporaryDir dir;
    const std::string rec = dir.filePath("rec.h5").toStdString();
    {
        std::ofstream(rec, std::ios::binary) << "0123456789";
    }
    struct timespec times[2] = {{0, UTIME_OMIT}, {1700000000, 250000000}};
    QCOMPARE(::utimensat(AT_FDCWD, rec.c_str(), times, 0), 0);
    const auto st = fileStamp(rec);
    QVERIFY2(st.value, st.error.c_str());
    QCOMPARE(st.value->size, std::uint64_t(10));
    QCOMPARE(st.value->mtimeNs, std::int64_t(1700000000250000000));
    h.recordingSize = st.value->size;
    h.recordingMtimeNs = st.value->mtimeNs;
    QVERIFY(isCurrent(h, st.value->size, st.value->mtimeNs, fp));
    {
        std::ofstream(rec, std::ios::binary) << "0123456789";
    } // same bytes, new time
    const auto again = fileStamp(rec);
    QVERIFY(!isCurrent(h, again.value->size, again.value->mtimeNs, fp));
    QVERIFY(staleReason(h, again.value->size, again.value->mtimeNs, fp).find("modification time") !=
            std::string::npos);
    {
        std::ofstream(rec, std::ios::binary | std::ios::app) << "x";
    }
    const auto longer = fileStamp(rec);
    QVERIFY(staleReason(h, longer.value->size, longer.value->mtimeNs, fp).find("size changed") !=
            std::string::npos);
    const auto missing = fileStamp(dir.filePath("gone.h5").toStdString());
    QVERIFY(!missing.value);
    QVERIFY(missing.error.find("gone.h5: cannot stat: No such file") != std::string::npos);
}

void TestSidecar::paths()
{
    QCOMPARE(sidecarPathFor("/data/run1/rec.h5"), std::string("/data/run1/rec.h5.rnnsum"));
    QCOMPARE(sidecarPathFor("run1/rec.h5"), std::string("run1/rec.h5.rnnsum"));
    QCOMPARE(sidecarPathFor("/data/run1/rec.h5", "/out"),
             std::string("/out/data/run1/rec.h5.rnnsum"));
    QCOMPARE(sidecarPathFor("/data/run1/../run2/./rec.h5", "/out/"),
             std::string("/out/data/run2/rec.h5.rnnsum"));
    const std::string cwd = std::filesystem::current_path().string();
    QCOMPARE(sidecarPathFor("run1/rec.h5", "sums"), "sums" + cwd + "/run1/rec.h5.rnnsum");
    // Same names in two runs' folders stay apart.
    QVERIFY(sidecarPathFor("/d/a/ckpt.h5", "/o") != sidecarPathFor("/d/b/ckpt.h5", "/o"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sidecarPathFor(""));
}

namespace {

/// The names in `dir` other than `keep`.
QStringList othersIn(const QString& dir, const QStringList& keep)
{
    QStringList out;
    for (const auto& e : std::filesystem::directory_iterator(dir.toStdString())) {
        const QString n = QString::fromStdString(e.path().filename().string());
        if (!keep.contains(n))
            out << n;
    }
    return out;
}

Bytes readAll(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

} // namespace

void TestSidecar::atomicWrite()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("rec.h5.rnnsum").toStdString();
    const Bytes first = smallFile(), second = pattern(5000);
    QCOMPARE(writeFileAtomically(path, first), std::string());
    QVERIFY(readAll(path) == first);
    QCOMPARE(writeFileAtomically(path, second), std::string()); // replaces
    QVERIFY(readAll(path) == second);
    QCOMPARE(writeFileAtomically(path, Bytes{}), std::string());
    QVERIFY(readAll(path).empty());
    QCOMPARE(othersIn(dir.path(), {"rec.h5.rnnsum"}), QStringList());
    // Permissions as any new file gets them (the umask), not a temporary's 0600.
    const mode_t mask = ::umask(022);
    ::umask(mask);
    struct stat st
    {
    };
    QCOMPARE(::stat(path.c_str(), &st), 0);
    QCOMPARE(st.st_mode & 0777, 0666 & ~mask);
    // A relative path, in the current folder.
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path(dir.path().toStdString());
    const std::string err = writeFileAtomically("here.rnnsum", first);
    std::filesystem::current_path(cwd);
    QCOMPARE(err, std::string());
    QVERIFY(readAll(dir.filePath("here.rnnsum").toStdString()) == first);
}

void TestSidecar::atomicWriteFailures()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("rec.h5.rnnsum").toStdString();
    const Bytes old = smallFile();
    QCOMPARE(writeFileAtomically(path, old), std::string());
    const QStringList keep = {"rec.h5.rnnsum", "adir.rnnsum"};

    // 1. The write fails half way (a file size limit: EFBIG, as a full disk
    //    or a quota would): the old file stays whole, no temporary is left.
    {
        struct rlimit saved
        {
        };
        QCOMPARE(::getrlimit(RLIMIT_FSIZE, &saved), 0);
        const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = saved;
        small.rlim_cur = 1000;
        QCOMPARE(::setrlimit(RLIMIT_FSIZE, &small), 0);
        const std::string err = writeFileAtomically(path, pattern(50000));
        ::setrlimit(RLIMIT_FSIZE, &saved);
        std::signal(SIGXFSZ, oldHandler);
        QVERIFY2(err.find(path + ": cannot write: File too large") == 0, err.c_str());
        QVERIFY(readAll(path) == old);
        QCOMPARE(othersIn(dir.path(), keep), QStringList());
    }
    // 2. The rename fails (the target is a folder): the folder stays, no temporary.
    {
        const std::string adir = dir.filePath("adir.rnnsum").toStdString();
        std::filesystem::create_directory(adir);
        {
            std::ofstream(adir + "/inside") << "x";
        }
        const std::string err = writeFileAtomically(adir, old);
        QVERIFY2(err.find(adir + ": cannot rename the temporary file over it: Is a directory") == 0,
                 err.c_str());
        QVERIFY(std::filesystem::is_directory(adir));
        QVERIFY(std::filesystem::exists(adir + "/inside"));
        QCOMPARE(othersIn(dir.path(), keep), QStringList());
    }
    // 3. No such folder: nothing is created.
    {
        const std::string err =
            writeFileAtomically(dir.filePath("no/such/x.rnnsum").toStdString(), old);
        QVERIFY2(err.find("x.rnnsum: cannot create a temporary file beside it: No such file") !=
                     std::string::npos,
                 err.c_str());
        QCOMPARE(othersIn(dir.path(), keep), QStringList());
    }
    // 4. A folder not writable (only when not root: root writes anyway).
    if (::geteuid() != 0) {
        QTemporaryDir ro;
        QCOMPARE(::chmod(ro.path().toLocal8Bit().constData(), 0555), 0);
        const std::string err = writeFileAtomically(ro.filePath("x.rnnsum").toStdString(), old);
        ::chmod(ro.path().toLocal8Bit().constData(), 0755);
        QVERIFY2(err.find("Permission denied") != std::string::npos, err.c_str());
    }
}

void TestSidecar::readFromDisk()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("r.h5.rnnsum").toStdString();
    const Bytes file = smallFile();
    QCOMPARE(writeFileAtomically(path, file), std::string());
    const auto d = readSidecar(path);
    QVERIFY2(d.value, d.error.c_str());
    QVERIFY(d.value->header == testHeader());
    // A damaged file on disk names its path.
    Bytes cut(file.begin(), file.begin() + 100);
    QCOMPARE(writeFileAtomically(path, cut), std::string());
    QVERIFY(readSidecar(path).error.rfind(path + ": truncated at byte 100", 0) == 0);
    QVERIFY(readSidecar(dir.path().toStdString()).error.find("not a regular file") !=
            std::string::npos);
    const std::string fifo = dir.filePath("fifo.rnnsum").toStdString();
    QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
    QVERIFY(readSidecar(fifo).error.find("not a regular file") != std::string::npos); // no hang
    QVERIFY(readSidecar(path + ".none").error.find(": cannot open: No such file") !=
            std::string::npos);
}

void TestSidecar::sizeAt134MbShape()
{
    // The 134 MB recording of docs/performance.md (tools/make_large_recording.py
    // --batch 128: float32 relu states with per-neuron gains, N_in 3, N_out 4),
    // reduced as a summary file holds it. The sizes are checked against the
    // format's arithmetic; the sizes and times are printed for
    // docs/performance.md (not asserted: speed is measured, not tested).
    const Shape sh{128, 500, 3, 512, 4};
    Recording small; // everything but the states, which are fed trial by trial
    small.shape = sh;
    std::mt19937_64 rng(7);
    std::normal_distribution<float> g(0.0f, 1.0f);
    for (auto* v : {&small.outputs, &small.targets}) {
        v->resize(std::size_t(sh.batch * sh.time * sh.nOut));
        for (double& x : *v)
            x = g(rng);
    }
    small.wIn.resize(std::size_t(sh.nHid * sh.nIn));
    small.wHid.resize(std::size_t(sh.nHid * sh.nHid));
    small.wOut.resize(std::size_t(sh.nOut * sh.nHid));
    for (auto* v : {&small.wIn, &small.wHid, &small.wOut})
        for (double& x : *v)
            x = 0.05f * g(rng);
    std::vector<float> trial(std::size_t(sh.time * sh.nHid));
    // Normal deviates from a pool, at a random place per trial: 33 million
    // of them drawn one by one would take most of the test's time.
    std::vector<float> pool(std::size_t(1) << 20);
    for (float& x : pool)
        x = g(rng);
    std::vector<Bytes> files;
    for (bool signedRates : {false, true}) {
        const ReduceConfig config = sidecarConfig(true, 64); // the app's bins
        Summary s = summarize(small, 8, config);
        StatesReducer red(sh.batch, sh.time, sh.nHid, config);
        for (std::int64_t b = 0; b < sh.batch; ++b) {
            const std::size_t start = rng() % pool.size();
            for (std::size_t i = 0; i < trial.size(); ++i) {
                const float gain = 1.0f + float(i % sh.nHid) / float(sh.nHid);
                const float v = 0.2f + 0.5f * pool[(start + i) % pool.size()];
                trial[i] = (signedRates ? std::tanh(v) : std::max(0.0f, v)) * gain;
            }
            red.addTrials(trial.data(), b, 1);
        }
        red.finish(s);
        s.info(Dataset::States) = {true, "(memory)", "states", {sh.batch, sh.time, sh.nHid}, 0};
        Summary noWeights = s, lean = s;
        for (auto& w : noWeights.weights)
            w.resize(0, 0);
        lean.weights = noWeights.weights;
        lean.neuronHistograms.clear();
        for (const Summary* v : {&s, &noWeights, &lean})
            files.push_back(encodeSidecar(testHeader(), *v));
    }
    // What each part costs, from the format.
    const std::size_t perTrial = std::size_t(8 * sh.batch * sh.nHid);
    const std::size_t weights = std::size_t(4 * sh.nHid * (sh.nIn + sh.nHid + sh.nOut));
    const std::size_t hist = std::size_t(sh.nHid * (16 + 8 * 64));
    QCOMPARE(files[3].size() - files[0].size(), perTrial); // tanh keeps the sums of |r|
    QCOMPARE(files[0].size() - files[1].size(), weights);
    QCOMPARE(files[1].size() - files[2].size(), hist);

    const char* names[] = {
        "relu, weights, histograms", "relu, histograms, no weight matrices", "relu, neither",
        "tanh, weights, histograms", "tanh, histograms, no weight matrices", "tanh, neither"};
    const auto median = [](const std::function<void()>& run) {
        std::vector<double> us;
        for (int rep = 0; rep < 21; ++rep) {
            const auto t0 = std::chrono::steady_clock::now();
            run();
            us.push_back(
                std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                    .count());
        }
        std::sort(us.begin(), us.end());
        return us[us.size() / 2];
    };
    for (std::size_t i = 0; i < files.size(); ++i) {
        QVERIFY(decodeSidecar(files[i], kName).value);
        const double decodeUs = median([&] { decodeSidecar(files[i], kName); });
        volatile std::uint64_t sink = 0;
        const double hashUs = median([&] { sink = sink + xxh64(files[i]); });
        qInfo("B=128 T=500 N=512 %-38s %9zu bytes (%.2f MB), decode %.0f us, of which checksum "
              "%.0f us (medians of 21)",
              names[i], files[i].size(), double(files[i].size()) / 1e6, decodeUs, hashUs);
    }
}

void TestSidecar::writeFuzzSeeds()
{
    // scripts/fuzz fuzz_sidecar: RNNLOSS_SIDECAR_SEEDS=DIR test_sidecar writeFuzzSeeds.
    // Reduced and full summaries, with and without labels, Gram and unknown
    // optional sections, and one of weights alone.
    const QByteArray dir = qgetenv("RNNLOSS_SIDECAR_SEEDS");
    if (dir.isEmpty())
        QSKIP("RNNLOSS_SIDECAR_SEEDS is not set");
    std::vector<Bytes> seeds = {smallFile()};
    for (bool histograms : {false, true}) {
        const Recording r = bruteforce::random({2, 3, 1, 2, 1}, 3, histograms);
        Summary s = summarize(r, 1, sidecarConfig(histograms));
        seeds.push_back(encodeSidecar(testHeader(), s));
        addAttributes(s);
        seeds.push_back(encodeSidecar(
            testHeader(), s, {{kSidecarTagGradientGram, gramBytes(s.shape)}, {0x8abc, {4}}}));
    }
    seeds.push_back(encodeSidecar(testHeader(), summarize(bruteforce::random({2, 3, 1, 2, 1}, 6))));
    Recording weightsOnly = bruteforce::random({2, 3, 1, 2, 1}, 4, false);
    weightsOnly.states.clear();
    weightsOnly.outputs.clear();
    seeds.push_back(encodeSidecar(testHeader(), summarize(weightsOnly)));
    for (std::size_t i = 0; i < seeds.size(); ++i) {
        const std::string path = dir.toStdString() + "/seed" + std::to_string(i) + ".rnnsum";
        QCOMPARE(writeFileAtomically(path, seeds[i]), std::string());
    }
}

QTEST_GUILESS_MAIN(TestSidecar)
#include "test_sidecar.moc"
