// The reader process's wire format (engine/summarycodec.h): round trips of
// summaries built from random recordings, the incremental frame parser under
// every way of cutting a stream, and refusal of malformed input. The decoder
// reads bytes from another process that may have been subverted by a hostile
// file, so every malformed case must give an error, never a crash and never an
// allocation sized by a number that came off the wire (run this under ASan too).

#include "loss.h"
#include "neuronstats.h"
#include "reducer.h"
#include "slice.h"
#include "summary.h"
#include "summarycodec.h"

#include <QtTest>

#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <new>
#include <random>

#include "newtracker.h"

using namespace rnnloss;

namespace {

/// No malformed payload in this file is more than a few kB; anything this big
/// was sized from a count read off the wire.
constexpr std::size_t kAbsurdAllocation = std::size_t(16) << 20;
const char* const kBadAllocMessage = "too large to hold in memory";

using Bytes = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------
// Random recordings.

enum Part : unsigned {
    POutputs = 1,
    PTargets = 2,
    PStates = 4,
    PInputs = 8,
    PWIn = 16,
    PWHid = 32,
    PWOut = 64,
    PAll = 127,
    PWeights = PWIn | PWHid | PWOut,
};

struct RecordingSpec
{
    quint32 seed = 1;
    Shape shape;
    unsigned parts = PAll;
    double nonFiniteFraction = 0.0; ///< of every present array
    int bins = 64;
    qint64 slabTrials = 1;
    bool signedStates = false;      ///< tanh-like states (signed histograms)
    double stateScale = 1.0;
    int threads = 1;
    double activeThreshold = 0.0;
    bool lambdas = false;
    bool warnings = false;
};

Recording makeRecording(const RecordingSpec& spec)
{
    std::mt19937_64 rng(spec.seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const Shape& sh = spec.shape;
    int bad = 0;
    auto fill = [&](std::vector<double>& v, std::int64_t n, auto transform) {
        v.resize(static_cast<std::size_t>(n));
        for (double& x : v) {
            x = transform(normal(rng));
            if (spec.nonFiniteFraction > 0 && unit(rng) < spec.nonFiniteFraction) {
                const double specials[3] = {std::numeric_limits<double>::quiet_NaN(),
                                            std::numeric_limits<double>::infinity(),
                                            -std::numeric_limits<double>::infinity()};
                x = specials[bad++ % 3];
            }
        }
    };
    const auto id = [](double x) { return x; };
    Recording rec;
    rec.shape = sh;
    if (spec.parts & POutputs)
        fill(rec.outputs, sh.batch * sh.time * sh.nOut, id);
    if (spec.parts & PTargets)
        fill(rec.targets, sh.batch * sh.time * sh.nOut, id);
    if (spec.parts & PStates) {
        const double k = spec.stateScale;
        if (spec.signedStates)
            fill(rec.states, sh.batch * sh.time * sh.nHid, [k](double x) { return k * std::tanh(x); });
        else
            fill(rec.states, sh.batch * sh.time * sh.nHid,
                 [k](double x) { return k * std::max(0.0, x); });
    }
    if (spec.parts & PInputs)
        fill(rec.inputs, sh.batch * sh.time * sh.nIn, id);
    const auto small = [](double x) { return 0.1 * x; };
    if (spec.parts & PWIn)
        fill(rec.wIn, sh.nHid * sh.nIn, small);
    if (spec.parts & PWHid)
        fill(rec.wHid, sh.nHid * sh.nHid, small);
    if (spec.parts & PWOut)
        fill(rec.wOut, sh.nOut * sh.nHid, small);
    if (spec.lambdas)
        rec.trainingLambdas = {1.0, std::nullopt, 0.25, std::nullopt, 1e-3, 0.0, 2.5};
    return rec;
}

Summary makeSummary(const RecordingSpec& spec)
{
    ReduceConfig cfg;
    cfg.histogramBins = spec.bins;
    cfg.threads = spec.threads;
    cfg.activeThreshold = spec.activeThreshold;
    Summary s = summarize(makeRecording(spec), spec.slabTrials, cfg);
    if (spec.warnings) {
        s.warnings = {"states: 3 values are NaN", "",
                      "unicode \xc3\xbc\xc3\xb1\xc3\xae \xe2\x88\x82 and \"quotes\"\n\ttabs",
                      std::string(1000, 'x'), std::string("nul\0inside", 10)};
        s.info(Dataset::States).file = "/some/where/r\xc3\xa9sum\xc3\xa9 file.h5";
        s.info(Dataset::Inputs).path = "inputs, /data/inputs, /x";
        s.label = "\xce\xbb_fr = 0.1, run \"b\"";
        s.step = 300;
    }
    return s;
}

/// Small summaries used as the base of the malformed cases.
RecordingSpec fullSpec()
{
    RecordingSpec s;
    s.seed = 11;
    s.shape = {3, 5, 2, 4, 2};
    s.bins = 8;
    s.lambdas = true;
    s.warnings = true;
    s.signedStates = true;
    return s;
}

RecordingSpec statesOnlySpec()
{
    RecordingSpec s = fullSpec();
    s.seed = 12;
    s.parts = PStates;
    s.lambdas = false;
    s.warnings = false;
    return s;
}

RecordingSpec weightsOnlySpec()
{
    RecordingSpec s = fullSpec();
    s.seed = 13;
    s.parts = PWeights;
    return s;
}

RecordingSpec nothingSpec()
{
    RecordingSpec s;
    s.shape = {2, 3, 1, 2, 1};
    s.parts = 0;
    return s;
}

RecordingSpec hiddenWeightsOnlySpec()
{
    RecordingSpec s = fullSpec();
    s.seed = 14;
    s.parts = PWHid;
    return s;
}

/// 0 full, 1 states only, 2 weights only, 3 nothing present, 4 hidden weights only
RecordingSpec baseSpec(int base)
{
    switch (base) {
    case 0: return fullSpec();
    case 1: return statesOnlySpec();
    case 2: return weightsOnlySpec();
    case 3: return nothingSpec();
    default: return hiddenWeightsOnlySpec();
    }
}

// ---------------------------------------------------------------------------
// Exact comparison: the decoder must hand back the very bits that were encoded
// (NaN payloads included), so doubles are compared as bit patterns.

template <class T>
bool sameBits(T a, T b)
{
    if constexpr (std::is_same_v<T, double>)
        return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
    else if constexpr (std::is_same_v<T, float>)
        return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
    else
        return a == b;
}

template <class T>
QString diffVector(const char* what, const std::vector<T>& a, const std::vector<T>& b)
{
    if (a.size() != b.size())
        return QStringLiteral("%1: size %2 vs %3").arg(what).arg(a.size()).arg(b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!sameBits(a[i], b[i]))
            return QStringLiteral("%1[%2]: %3 vs %4")
                .arg(what)
                .arg(i)
                .arg(double(a[i]), 0, 'g', 17)
                .arg(double(b[i]), 0, 'g', 17);
    return {};
}

template <class M>
QString diffMatrix(const char* what, const M& a, const M& b)
{
    if (a.rows() != b.rows() || a.cols() != b.cols())
        return QStringLiteral("%1: %2x%3 vs %4x%5")
            .arg(what)
            .arg(a.rows())
            .arg(a.cols())
            .arg(b.rows())
            .arg(b.cols());
    for (Eigen::Index r = 0; r < a.rows(); ++r)
        for (Eigen::Index c = 0; c < a.cols(); ++c)
            if (!sameBits(a(r, c), b(r, c)))
                return QStringLiteral("%1(%2,%3): %4 vs %5")
                    .arg(what)
                    .arg(r)
                    .arg(c)
                    .arg(double(a(r, c)), 0, 'g', 17)
                    .arg(double(b(r, c)), 0, 'g', 17);
    return {};
}

/// The first difference between two summaries, or empty when they are identical.
QString diffSummaries(const Summary& a, const Summary& b)
{
    auto sh = [](const Shape& s) {
        return QStringLiteral("%1x%2 in %3 hid %4 out %5")
            .arg(s.batch)
            .arg(s.time)
            .arg(s.nIn)
            .arg(s.nHid)
            .arg(s.nOut);
    };
    if (!(a.shape == b.shape))
        return "shape " + sh(a.shape) + " vs " + sh(b.shape);
    for (int i = 0; i < kDatasetCount; ++i) {
        const DatasetInfo &x = a.datasets[i], &y = b.datasets[i];
        const QString name = QString::fromStdString(std::string(datasetName(Dataset(i))));
        if (x.present != y.present)
            return name + ": present differs";
        if (x.file != y.file)
            return name + ": file differs";
        if (x.path != y.path)
            return name + ": path differs";
        if (x.dims != y.dims)
            return name + ": dims differ";
        if (x.nonFinite != y.nonFinite)
            return name + QStringLiteral(": nonFinite %1 vs %2").arg(x.nonFinite).arg(y.nonFinite);
    }
    for (int i = 0; i < kTermCount; ++i) {
        const auto &x = a.trainingLambdas[i], &y = b.trainingLambdas[i];
        if (x.has_value() != y.has_value() || (x && !sameBits(*x, *y)))
            return QStringLiteral("training lambda %1 differs").arg(i);
    }
    if (a.warnings != b.warnings)
        return "warnings differ";
    if (a.label != b.label || a.step != b.step || a.epoch != b.epoch || a.run != b.run)
        return "label, step, epoch or run differs";
    QString d;
    if (!(d = diffVector("sqErrPerTrial", a.sqErrPerTrial, b.sqErrPerTrial)).isEmpty() ||
        !(d = diffVector("sqErrPerTime", a.sqErrPerTime, b.sqErrPerTime)).isEmpty() ||
        !(d = diffMatrix("trialSum", a.trialSum, b.trialSum)).isEmpty() ||
        !(d = diffMatrix("trialSumSq", a.trialSumSq, b.trialSumSq)).isEmpty() ||
        !(d = diffMatrix("trialSumAbs", a.trialSumAbs, b.trialSumAbs)).isEmpty() ||
        !(d = diffMatrix("timeSum", a.timeSum, b.timeSum)).isEmpty() ||
        !(d = diffMatrix("timeSumSq", a.timeSumSq, b.timeSumSq)).isEmpty() ||
        !(d = diffVector("neuronMin", a.neuronMin, b.neuronMin)).isEmpty() ||
        !(d = diffVector("neuronMax", a.neuronMax, b.neuronMax)).isEmpty() ||
        !(d = diffVector("neuronNonFinite", a.neuronNonFinite, b.neuronNonFinite)).isEmpty() ||
        !(d = diffVector("neuronActive", a.neuronActive, b.neuronActive)).isEmpty())
        return d;
    if (!sameBits(a.activeThreshold, b.activeThreshold))
        return "activeThreshold differs";
    if (a.neuronHistograms.size() != b.neuronHistograms.size())
        return QStringLiteral("histograms: %1 vs %2")
            .arg(a.neuronHistograms.size())
            .arg(b.neuronHistograms.size());
    for (std::size_t n = 0; n < a.neuronHistograms.size(); ++n) {
        const NeuronHistogram &x = a.neuronHistograms[n], &y = b.neuronHistograms[n];
        if (!sameBits(x.lo, y.lo) || !sameBits(x.width, y.width))
            return QStringLiteral("histogram %1: bin layout differs").arg(n);
        if (!(d = diffVector("histogram counts", x.counts, y.counts)).isEmpty())
            return QStringLiteral("neuron %1: ").arg(n) + d;
    }
    for (int i = 0; i < 3; ++i) {
        if (!sameBits(a.weightNormSq[i], b.weightNormSq[i]))
            return QStringLiteral("weightNormSq[%1] differs").arg(i);
        if (!(d = diffMatrix("weights", a.weights[i], b.weights[i])).isEmpty())
            return QStringLiteral("[%1] ").arg(i) + d;
    }
    return {};
}

// ---------------------------------------------------------------------------
// Where each field sits in an encoded summary, computed independently of the
// encoder from the documented field order, so that the malformed cases can
// patch one field of a valid payload. testLayout() checks it against real
// payloads, so a format change shows up there first.

struct Layout
{
    std::size_t shape = 0; ///< 5 x i64: batch, time, nIn, nHid, nOut
    std::array<std::size_t, kDatasetCount> flag{}, fileLen{}, rank{}, nonFinite{};
    std::size_t lambdas = 0; ///< 7 x (u8 flag, f64)
    std::size_t warningCount = 0;
    std::size_t mseFlag = 0, sqErrPerTrial = 0;
    std::size_t statesFlag = 0, trialSum = 0, neuronNonFinite = 0, neuronActive = 0;
    std::size_t threshold = 0, bins = 0, hist0 = 0; ///< hist0: lo, width, counts
    std::array<std::size_t, 3> weight{}; ///< norm f64, rows i64, cols i64, floats
    std::size_t end = 0;
};

Layout layoutOf(const Summary& s)
{
    Layout L;
    std::size_t p = 0;
    L.shape = p;
    p += 5 * 8;
    for (int i = 0; i < kDatasetCount; ++i) {
        const DatasetInfo& d = s.datasets[i];
        L.flag[i] = p;
        p += 1;
        L.fileLen[i] = p;
        p += 4 + d.file.size() + 4 + d.path.size();
        L.rank[i] = p;
        p += 4 + 8 * d.dims.size();
        L.nonFinite[i] = p;
        p += 8;
    }
    L.lambdas = p;
    p += kTermCount * 9;
    L.warningCount = p;
    p += 4;
    for (const auto& w : s.warnings)
        p += 4 + w.size();
    const Shape& sh = s.shape;
    L.mseFlag = p;
    p += 1;
    L.sqErrPerTrial = p;
    if (s.hasMse())
        p += 8 * (sh.batch + sh.time);
    L.statesFlag = p;
    p += 1;
    if (s.hasStates()) {
        L.trialSum = p;
        p += 8 * (3 * sh.batch * sh.nHid + 2 * sh.time * sh.nHid + 2 * sh.nHid);
        L.neuronNonFinite = p;
        p += 8 * sh.nHid;
        L.neuronActive = p;
        p += 8 * sh.nHid;
        L.threshold = p;
        p += 8;
        L.bins = p;
        p += 4;
        L.hist0 = p;
        const std::size_t bins = s.neuronHistograms.empty() ? 0 : s.neuronHistograms[0].counts.size();
        p += sh.nHid * (16 + 8 * bins);
    }
    for (int i = 0; i < 3; ++i) {
        L.weight[i] = p;
        p += 24 + 4 * static_cast<std::size_t>(s.weights[i].size());
    }
    p += 1; // loss convention
    p += 4 + s.label.size() + 2 * 9; // label, step, epoch
    L.end = p;
    return L;
}

template <class T>
void poke(Bytes& b, std::size_t off, T v)
{
    QVERIFY(off + sizeof(T) <= b.size());
    std::memcpy(b.data() + off, &v, sizeof(T));
}

template <class T>
T peek(const Bytes& b, std::size_t off)
{
    T v{};
    if (off + sizeof(T) <= b.size())
        std::memcpy(&v, b.data() + off, sizeof(T));
    return v;
}

Bytes header(std::uint16_t version, std::uint16_t type, std::uint64_t length)
{
    Bytes h = {'R', 'N', 'L', 'F'};
    h.resize(kFrameHeaderSize);
    std::memcpy(h.data() + 4, &version, 2);
    std::memcpy(h.data() + 6, &type, 2);
    std::memcpy(h.data() + 8, &length, 8);
    return h;
}

Bytes withHeader(FrameType type, const Bytes& payload)
{
    Bytes f = header(kWireVersion, static_cast<std::uint16_t>(type), payload.size());
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

Bytes concat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const Bytes& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

struct DecodeOutcome
{
    bool ok = false;
    std::string error;
    std::size_t largestNew = 0;
    std::optional<Summary> summary; ///< when ok
};

DecodeOutcome decodeTracked(const Bytes& payload)
{
    g_largestNew = 0;
    auto d = decodeSummary(payload);
    DecodeOutcome o;
    o.largestNew = g_largestNew.load();
    o.ok = d.value.has_value();
    o.error = d.error;
    o.summary = std::move(d.value);
    return o;
}

/// Empty when a refusal is a proper one: an error, not from bad_alloc, and no
/// absurd allocation on the way.
QString badRefusal(const DecodeOutcome& o)
{
    if (o.ok)
        return "decoded successfully";
    if (o.error.empty())
        return "refused with an empty error";
    if (o.error.find(kBadAllocMessage) != std::string::npos)
        return "refused only because an allocation failed: " + QString::fromStdString(o.error);
    if (o.largestNew > kAbsurdAllocation)
        return QStringLiteral("allocated %1 bytes on the way (%2)")
            .arg(o.largestNew)
            .arg(QString::fromStdString(o.error));
    return {};
}

QString diffEvents(const std::vector<FrameParser::Event>& a, const std::vector<FrameParser::Event>& b)
{
    if (a.size() != b.size())
        return QStringLiteral("%1 events vs %2").arg(a.size()).arg(b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto &x = a[i], &y = b[i];
        const QString at = QStringLiteral("event %1: ").arg(i);
        if (x.type != y.type)
            return at + "type differs";
        if (!sameBits(x.progress.fraction, y.progress.fraction) || x.progress.stage != y.progress.stage)
            return at + "progress differs";
        if (x.text != y.text)
            return at + "text differs";
        if (x.summary.has_value() != y.summary.has_value())
            return at + "summary presence differs";
        if (x.summary) {
            const QString d = diffSummaries(*x.summary, *y.summary);
            if (!d.isEmpty())
                return at + d;
        }
    }
    return {};
}

} // namespace

class TestCodec : public QObject
{
    Q_OBJECT

private slots:
    void fuzzRegressions_data();
    void fuzzRegressions();
    void roundTrip_data();
    void roundTrip();
    void roundTripRandomShapes();
    void layoutMatchesPayload();
    void frameHeaderRoundTrip();
    void frameParserSplits();
    void frameParserPrefixes();
    void truncatedPayloads_data();
    void truncatedPayloads();
    void malformedSummary_data();
    void malformedSummary();
    void malformedFrameHeader_data();
    void malformedFrameHeader();
    void malformedSmallFrames_data();
    void malformedSmallFrames();
    void randomByteFlips();
    void randomStreamDamage();
    void sliceRoundTrip();
    void malformedSlice_data();
    void malformedSlice();
    void layoutRoundTrip();
    void malformedLayout_data();
    void malformedLayout();
    void labelsRoundTrip();
    void malformedLabels_data();
    void malformedLabels();
    void runRoundTrip();
    void runTruncatedAndEdited();
    void malformedRun_data();
    void malformedRun();
};

// ---------------------------------------------------------------------------

void TestCodec::roundTrip_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<qint64>("batch");
    QTest::addColumn<qint64>("time");
    QTest::addColumn<qint64>("nIn");
    QTest::addColumn<qint64>("nHid");
    QTest::addColumn<qint64>("nOut");
    QTest::addColumn<uint>("parts");
    QTest::addColumn<double>("nonFinite");
    QTest::addColumn<int>("bins");
    QTest::addColumn<bool>("signedStates");
    QTest::addColumn<double>("scale");
    QTest::addColumn<bool>("extras"); ///< training lambdas, warnings, odd strings

    auto row = [](const char* name, quint32 seed, Shape sh, unsigned parts, double nf = 0.0,
                  int bins = 64, bool sgn = false, double scale = 1.0, bool extras = false) {
        QTest::newRow(name) << seed << qint64(sh.batch) << qint64(sh.time) << qint64(sh.nIn)
                            << qint64(sh.nHid) << qint64(sh.nOut) << uint(parts) << nf << bins
                            << sgn << scale << extras;
    };
    row("full", 1, {3, 5, 2, 4, 2}, PAll);
    row("full, lambdas and warnings", 2, {3, 5, 2, 4, 2}, PAll, 0.0, 64, true, 1.0, true);
    row("1x1x1", 3, {1, 1, 1, 1, 1}, PAll);
    row("odd sizes, 4 bins", 4, {7, 33, 3, 17, 5}, PAll, 0.0, 4);
    row("4096 bins", 5, {2, 3, 1, 3, 1}, PAll, 0.0, 4096, true);
    row("states only", 6, {4, 9, 2, 6, 3}, PStates);
    row("states only, signed", 7, {4, 9, 2, 6, 3}, PStates, 0.0, 16, true);
    row("states only, large rates", 8, {3, 20, 1, 5, 1}, PStates, 0.0, 32, true, 1e6);
    row("states only, tiny rates", 9, {3, 20, 1, 5, 1}, PStates, 0.0, 32, false, 1e-12);
    row("weights only", 10, {2, 4, 3, 5, 2}, PWeights, 0.0, 64, false, 1.0, true);
    row("input weights only", 11, {2, 4, 3, 5, 2}, PWIn);
    row("readout weights only", 12, {2, 4, 3, 5, 2}, PWOut);
    row("no weights", 13, {3, 6, 2, 4, 2}, POutputs | PTargets | PStates | PInputs);
    row("mse only", 14, {3, 6, 2, 4, 2}, POutputs | PTargets);
    row("outputs without targets", 15, {3, 6, 2, 4, 2}, POutputs | PStates | PWeights);
    row("targets without outputs", 16, {3, 6, 2, 4, 2}, PTargets | PInputs);
    row("nothing present", 17, {3, 6, 2, 4, 2}, 0);
    row("nothing, zero shape", 18, {0, 0, 0, 0, 0}, 0);
    row("NaNs and Infs, 10%", 19, {4, 7, 2, 5, 3}, PAll, 0.1, 64, true);
    row("NaNs and Infs, 1%", 20, {6, 25, 2, 9, 2}, PAll, 0.01);
    row("all states non-finite", 21, {2, 3, 1, 4, 1}, PStates | PWHid, 1.0);
    row("many neurons", 22, {2, 8, 4, 150, 3}, PAll, 0.001, 8, true, 1.0, true);
}

void TestCodec::roundTrip()
{
    QFETCH(quint32, seed);
    QFETCH(qint64, batch);
    QFETCH(qint64, time);
    QFETCH(qint64, nIn);
    QFETCH(qint64, nHid);
    QFETCH(qint64, nOut);
    QFETCH(uint, parts);
    QFETCH(double, nonFinite);
    QFETCH(int, bins);
    QFETCH(bool, signedStates);
    QFETCH(double, scale);
    QFETCH(bool, extras);

    RecordingSpec spec;
    spec.seed = seed;
    spec.shape = {batch, time, nIn, nHid, nOut};
    spec.parts = parts;
    spec.nonFiniteFraction = nonFinite;
    spec.bins = bins;
    spec.signedStates = signedStates;
    spec.stateScale = scale;
    spec.lambdas = extras;
    spec.warnings = extras;
    spec.slabTrials = 2;
    const Summary s = makeSummary(spec);

    // The test's own premise: the summary really holds what the row says.
    QCOMPARE(s.hasStates(), bool(parts & PStates));
    QCOMPARE(s.hasMse(), (parts & (POutputs | PTargets)) == (POutputs | PTargets));
    if (s.hasStates()) {
        QCOMPARE(qint64(s.trialSum.size()), batch * nHid);
        QCOMPARE(qint64(s.neuronHistograms.size()), nHid);
        QCOMPARE(int(s.neuronHistograms[0].counts.size()), bins);
    }
    if (parts & PWHid)
        QCOMPARE(qint64(s.weights[1].size()), nHid * nHid);

    const Bytes payload = encodeSummary(s);
    QVERIFY(!payload.empty());
    const Layout L = layoutOf(s);
    QCOMPARE(payload.size(), L.end);

    const auto d = decodeSummary(payload);
    QVERIFY2(d.value.has_value(), d.error.c_str());
    QVERIFY(d.error.empty());
    const QString diff = diffSummaries(s, *d.value);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));

    // Encoding is deterministic: the decoded summary encodes to the same bytes.
    QVERIFY(encodeSummary(*d.value) == payload);

    // The same through a frame and the parser.
    const Bytes frame = encodeSummaryFrame(s);
    QCOMPARE(frame.size(), kFrameHeaderSize + payload.size());
    QVERIFY(std::equal(payload.begin(), payload.end(), frame.begin() + kFrameHeaderSize));
    const auto h = decodeFrameHeader({frame.data(), kFrameHeaderSize});
    QVERIFY2(h.value.has_value(), h.error.c_str());
    QCOMPARE(h.value->type, FrameType::Summary);
    QCOMPARE(h.value->version, kWireVersion);
    QCOMPARE(h.value->length, std::uint64_t(payload.size()));
    FrameParser parser;
    std::vector<FrameParser::Event> events;
    QVERIFY2(parser.feed(frame, events), parser.error().c_str());
    QCOMPARE(events.size(), std::size_t(1));
    QCOMPARE(events[0].type, FrameType::Summary);
    QVERIFY(events[0].summary.has_value());
    const QString diff2 = diffSummaries(s, *events[0].summary);
    QVERIFY2(diff2.isEmpty(), qPrintable(diff2));
    QCOMPARE(parser.pending(), std::size_t(0));
}

void TestCodec::roundTripRandomShapes()
{
    std::mt19937 rng(20240611);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int iter = 0; iter < 60; ++iter) {
        RecordingSpec spec;
        spec.seed = 1000 + iter;
        spec.shape = {pick(1, 6), pick(1, 12), pick(1, 4), pick(1, 12), pick(1, 4)};
        spec.parts = static_cast<unsigned>(pick(0, 127));
        spec.nonFiniteFraction = pick(0, 3) == 0 ? 0.05 : 0.0;
        spec.bins = 4 * pick(1, 24);
        spec.signedStates = pick(0, 1);
        spec.slabTrials = pick(1, 3);
        spec.lambdas = pick(0, 1);
        spec.warnings = pick(0, 1);
        const Summary s = makeSummary(spec);
        const Bytes payload = encodeSummary(s);
        const auto d = decodeSummary(payload);
        QVERIFY2(d.value.has_value(),
                 qPrintable(QStringLiteral("iteration %1: %2").arg(iter).arg(d.error.c_str())));
        const QString diff = diffSummaries(s, *d.value);
        QVERIFY2(diff.isEmpty(), qPrintable(QStringLiteral("iteration %1: %2").arg(iter).arg(diff)));
    }
}

void TestCodec::layoutMatchesPayload()
{
    // Guards the malformed cases below: they patch fields at these offsets.
    for (int base = 0; base <= 4; ++base) {
        const Summary s = makeSummary(baseSpec(base));
        const Bytes p = encodeSummary(s);
        const Layout L = layoutOf(s);
        QCOMPARE(p.size(), L.end);
        QCOMPARE(peek<std::int64_t>(p, L.shape), s.shape.batch);
        QCOMPARE(peek<std::int64_t>(p, L.shape + 24), s.shape.nHid);
        for (int i = 0; i < kDatasetCount; ++i) {
            QCOMPARE(peek<std::uint8_t>(p, L.flag[i]), std::uint8_t(s.datasets[i].present));
            QCOMPARE(peek<std::uint32_t>(p, L.fileLen[i]), std::uint32_t(s.datasets[i].file.size()));
            QCOMPARE(peek<std::uint32_t>(p, L.rank[i]), std::uint32_t(s.datasets[i].dims.size()));
            QCOMPARE(peek<std::int64_t>(p, L.nonFinite[i]), s.datasets[i].nonFinite);
        }
        QCOMPARE(peek<std::uint32_t>(p, L.warningCount), std::uint32_t(s.warnings.size()));
        QCOMPARE(peek<std::uint8_t>(p, L.mseFlag), std::uint8_t(s.hasMse()));
        QCOMPARE(peek<std::uint8_t>(p, L.statesFlag), std::uint8_t(s.hasStates()));
        if (s.hasStates()) {
            QCOMPARE(peek<double>(p, L.trialSum), s.trialSum(0, 0));
            QCOMPARE(peek<std::int64_t>(p, L.neuronActive), s.neuronActive[0]);
            QCOMPARE(peek<std::uint32_t>(p, L.bins), std::uint32_t(s.neuronHistograms[0].counts.size()));
            QCOMPARE(peek<double>(p, L.hist0 + 8), s.neuronHistograms[0].width);
        }
        for (int i = 0; i < 3; ++i)
            QCOMPARE(peek<std::int64_t>(p, L.weight[i] + 8), std::int64_t(s.weights[i].rows()));
    }
}

void TestCodec::frameHeaderRoundTrip()
{
    const Bytes p = encodeProgress({0.25, "states"});
    const auto h = decodeFrameHeader(p);
    QVERIFY2(h.value.has_value(), h.error.c_str());
    QCOMPARE(h.value->type, FrameType::Progress);
    QCOMPARE(h.value->length, std::uint64_t(p.size() - kFrameHeaderSize));

    // The largest allowed claim is still a valid header (the parser then waits).
    const Bytes big = header(kWireVersion, 4, kMaxFramePayload);
    QVERIFY(decodeFrameHeader(big).value.has_value());

    for (FrameType t : {FrameType::Warning, FrameType::Error}) {
        const Bytes m = encodeMessage(t, "a message");
        const auto hm = decodeFrameHeader(m);
        QVERIFY(hm.value.has_value());
        QCOMPARE(hm.value->type, t);
    }
}

namespace {

struct Stream
{
    Bytes bytes;
    std::vector<std::size_t> frameEnds; ///< offset just past each frame
    std::vector<FrameParser::Event> expected;
};

Stream makeStream()
{
    Stream s;
    auto add = [&](const Bytes& frame, FrameParser::Event ev) {
        s.bytes.insert(s.bytes.end(), frame.begin(), frame.end());
        s.frameEnds.push_back(s.bytes.size());
        s.expected.push_back(std::move(ev));
    };
    auto progress = [&](double f, const std::string& stage) {
        FrameParser::Event ev{};
        ev.type = FrameType::Progress;
        ev.progress.fraction = f;
        ev.progress.stage = stage;
        add(encodeProgress({f, stage}), std::move(ev));
    };
    auto message = [&](FrameType t, const std::string& text) {
        FrameParser::Event ev{};
        ev.type = t;
        ev.text = text;
        add(encodeMessage(t, text), std::move(ev));
    };
    auto summary = [&](const Summary& sum) {
        FrameParser::Event ev{};
        ev.type = FrameType::Summary;
        ev.summary = sum;
        add(encodeSummaryFrame(sum), std::move(ev));
    };
    progress(0.0, "opening");
    message(FrameType::Warning, "states: 3 values are NaN");
    progress(0.5, "states");
    message(FrameType::Warning, "");
    progress(1.0, "done \xe2\x9c\x93");
    summary(makeSummary(fullSpec()));
    message(FrameType::Error, "x.h5: something went wrong");
    summary(makeSummary(statesOnlySpec()));
    summary(makeSummary(weightsOnlySpec()));
    progress(0.125, std::string(3000, 's'));
    return s;
}

} // namespace

void TestCodec::frameParserSplits()
{
    const Stream st = makeStream();
    QVERIFY(st.bytes.size() > 2000);

    auto check = [&](const std::vector<std::size_t>& cuts, const QString& how) {
        FrameParser parser;
        std::vector<FrameParser::Event> all;
        std::size_t pos = 0;
        for (std::size_t cut : cuts) {
            std::vector<FrameParser::Event> evs;
            if (!parser.feed({st.bytes.data() + pos, cut - pos}, evs))
                return how + ": refused: " + QString::fromStdString(parser.error());
            for (auto& e : evs)
                all.push_back(std::move(e));
            pos = cut;
        }
        if (parser.pending() != 0)
            return how + QStringLiteral(": %1 bytes pending at the end").arg(parser.pending());
        if (!parser.error().empty())
            return how + ": error set";
        const QString d = diffEvents(st.expected, all);
        return d.isEmpty() ? QString() : how + ": " + d;
    };

    // In one piece.
    QString r = check({st.bytes.size()}, "whole");
    QVERIFY2(r.isEmpty(), qPrintable(r));

    // Byte by byte.
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i <= st.bytes.size(); ++i)
        cuts.push_back(i);
    r = check(cuts, "byte by byte");
    QVERIFY2(r.isEmpty(), qPrintable(r));

    // Exactly at frame boundaries, and one byte either side of them.
    r = check(st.frameEnds, "frame boundaries");
    QVERIFY2(r.isEmpty(), qPrintable(r));
    cuts.clear();
    for (std::size_t e : st.frameEnds) {
        if (e > 1 && (cuts.empty() || cuts.back() < e - 1))
            cuts.push_back(e - 1);
        if (e + 1 < st.bytes.size())
            cuts.push_back(e + 1);
    }
    cuts.push_back(st.bytes.size());
    r = check(cuts, "boundaries +-1");
    QVERIFY2(r.isEmpty(), qPrintable(r));

    // Random splits, including empty feeds.
    std::mt19937 rng(7);
    for (int iter = 0; iter < 300; ++iter) {
        const std::size_t maxChunk = std::size_t(1) << std::uniform_int_distribution<int>(0, 13)(rng);
        cuts.clear();
        std::size_t pos = 0;
        while (pos < st.bytes.size()) {
            pos = std::min(st.bytes.size(),
                           pos + std::uniform_int_distribution<std::size_t>(0, maxChunk)(rng));
            cuts.push_back(pos);
        }
        r = check(cuts, QStringLiteral("random split %1 (chunks <= %2)").arg(iter).arg(maxChunk));
        QVERIFY2(r.isEmpty(), qPrintable(r));
    }
}

void TestCodec::frameParserPrefixes()
{
    // Every prefix of a good stream is a good stream that has not ended yet:
    // accepted, with the complete frames as events and the rest pending.
    const Stream st = makeStream();
    for (std::size_t n = 0; n <= st.bytes.size(); ++n) {
        FrameParser parser;
        std::vector<FrameParser::Event> evs;
        QVERIFY2(parser.feed({st.bytes.data(), n}, evs),
                 qPrintable(QStringLiteral("prefix %1: %2").arg(n).arg(parser.error().c_str())));
        std::size_t complete = 0, done = 0;
        while (complete < st.frameEnds.size() && st.frameEnds[complete] <= n)
            done = st.frameEnds[complete++];
        QCOMPARE(evs.size(), complete);
        QCOMPARE(parser.pending(), n - done);
    }
}

void TestCodec::truncatedPayloads_data()
{
    QTest::addColumn<int>("base");
    QTest::newRow("full") << 0;
    QTest::newRow("states only") << 1;
    QTest::newRow("weights only") << 2;
    QTest::newRow("nothing present") << 3;
    QTest::newRow("hidden weights only") << 4;
}

void TestCodec::truncatedPayloads()
{
    QFETCH(int, base);
    const Summary s = makeSummary(baseSpec(base));
    const Bytes payload = encodeSummary(s);
    QVERIFY(decodeSummary(payload).value.has_value());
    int checked = 0;
    for (std::size_t n = 0; n < payload.size(); ++n) {
        const Bytes prefix(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(n));
        const DecodeOutcome o = decodeTracked(prefix);
        const QString bad = badRefusal(o);
        QVERIFY2(bad.isEmpty(), qPrintable(QStringLiteral("prefix of %1 of %2 bytes: %3")
                                               .arg(n)
                                               .arg(payload.size())
                                               .arg(bad)));

        // The same prefix as a complete summary frame: the parser refuses it.
        FrameParser parser;
        std::vector<FrameParser::Event> evs;
        QVERIFY2(!parser.feed(withHeader(FrameType::Summary, prefix), evs),
                 qPrintable(QStringLiteral("frame with a %1-byte payload accepted").arg(n)));
        QVERIFY(!parser.error().empty());
        QVERIFY(evs.empty());
        ++checked;
    }
    qInfo("%d truncations of a %zu-byte payload refused", checked, payload.size());
}

// ---------------------------------------------------------------------------
// Malformed summaries: one field of a valid payload patched.

namespace {

struct Malformation
{
    const char* name;
    int base; ///< see baseSpec()
    std::function<void(Bytes&, const Layout&, const Summary&)> patch;
    const char* mention = nullptr; ///< a word the error must contain, if any
};

constexpr std::int64_t k2p40 = std::int64_t(1) << 40;

const std::vector<Malformation>& malformations()
{
    using B = Bytes;
    using L = Layout;
    using S = Summary;
    static const std::vector<Malformation> list = {
        {"empty payload", 0, [](B& b, const L&, const S&) { b.clear(); }},
        {"one byte", 0, [](B& b, const L&, const S&) { b.resize(1); }},
        {"trailing byte", 0, [](B& b, const L&, const S&) { b.push_back(0); }, "trailing"},
        {"trailing 8 bytes", 1, [](B& b, const L&, const S&) { b.insert(b.end(), 8, 0xff); },
         "trailing"},
        {"trailing bytes after nothing", 3,
         [](B& b, const L&, const S&) { b.insert(b.end(), 3, 1); }, "trailing"},
        {"negative batch", 0, [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.shape, -1); }},
        {"negative nHid", 2,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.shape + 24, -4); }},
        {"batch 2^40 + 1", 0,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.shape, k2p40 + 1); }},
        {"batch INT64_MIN", 0,
         [](B& b, const L& l, const S&) {
             poke<std::int64_t>(b, l.shape, std::numeric_limits<std::int64_t>::min());
         }},
        {"2^40 trials, short payload (mse block)", 0,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.shape, k2p40); }},
        {"2^40 trials, short payload (states block)", 1,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.shape, k2p40); }},
        {"2^40 time steps, short payload", 1,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.shape + 8, k2p40); }},
        {"2^40 neurons, short payload", 1,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.shape + 24, k2p40); }},
        {"2^40 trials x 2^40 neurons", 1,
         [](B& b, const L& l, const S&) {
             poke<std::int64_t>(b, l.shape, k2p40);
             poke<std::int64_t>(b, l.shape + 24, k2p40);
         }},
        // batch * nHid = 2^61 doubles = 2^64 bytes: the byte count of the first
        // matrix wraps to 0 in 64 bits, so it must be refused by a size check.
        {"2^40 trials x 2^21 neurons (byte count wraps)", 1,
         [](B& b, const L& l, const S&) {
             poke<std::int64_t>(b, l.shape, k2p40);
             poke<std::int64_t>(b, l.shape + 24, std::int64_t(1) << 21);
         }},
        {"2^31 trials x 2^30 neurons (byte count wraps)", 1,
         [](B& b, const L& l, const S&) {
             poke<std::int64_t>(b, l.shape, std::int64_t(1) << 31);
             poke<std::int64_t>(b, l.shape + 24, std::int64_t(1) << 30);
         }},
        {"2^32 neurons, weights only", 2,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.shape + 24, std::int64_t(1) << 32); }},
        {"dataset rank 9", 0,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.rank[0], 9); }, "rank"},
        {"dataset rank 2^32-1", 0,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.rank[2], 0xffffffffu); }, "rank"},
        {"file name of 2^31 bytes", 0,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.fileLen[0], 0x80000000u); }},
        {"file name of 2^32-1 bytes", 0,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.fileLen[3], 0xffffffffu); }},
        {"file name of 1 MiB, short payload", 0,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.fileLen[1], 1u << 20); }},
        {"negative dataset non-finite count", 0,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.nonFinite[2], -1); }},
        {"training lambda NaN", 0,
         [](B& b, const L& l, const S&) {
             poke<std::uint8_t>(b, l.lambdas, 1);
             poke<double>(b, l.lambdas + 1, std::numeric_limits<double>::quiet_NaN());
         }},
        {"training lambda -Inf", 0,
         [](B& b, const L& l, const S&) {
             poke<std::uint8_t>(b, l.lambdas + 9, 1);
             poke<double>(b, l.lambdas + 10, -std::numeric_limits<double>::infinity());
         }},
        {"warning count 10001", 0,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.warningCount, 10001); }},
        {"warning count 2^32-1", 0,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.warningCount, 0xffffffffu); }},
        {"warning count 9999, short payload", 1,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.warningCount, 9999); }},
        {"mse flag cleared", 0,
         [](B& b, const L& l, const S&) { poke<std::uint8_t>(b, l.mseFlag, 0); }},
        {"mse flag set without outputs", 1,
         [](B& b, const L& l, const S&) { poke<std::uint8_t>(b, l.mseFlag, 1); }},
        {"outputs flag cleared", 0,
         [](B& b, const L& l, const S&) { poke<std::uint8_t>(b, l.flag[0], 0); }},
        {"states flag cleared", 1,
         [](B& b, const L& l, const S&) { poke<std::uint8_t>(b, l.statesFlag, 0); }},
        {"states flag set without states", 2,
         [](B& b, const L& l, const S&) { poke<std::uint8_t>(b, l.statesFlag, 1); }},
        {"states dataset flag cleared", 1,
         [](B& b, const L& l, const S&) { poke<std::uint8_t>(b, l.flag[2], 0); }},
        {"states with zero trials", 1,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.shape, 0); }},
        {"negative neuron non-finite count", 1,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.neuronNonFinite, -1); }},
        {"negative neuron active count", 1,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.neuronActive + 8, -5); }},
        {"active count above B*T", 1,
         [](B& b, const L& l, const S& s) {
             poke<std::int64_t>(b, l.neuronActive, s.shape.batch * s.shape.time + 1);
         }},
        {"histogram bins 0", 1,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.bins, 0); }, "bins"},
        {"histogram bins 3", 1,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.bins, 3); }, "bins"},
        {"histogram bins 6", 1,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.bins, 6); }, "bins"},
        {"histogram bins 4100", 1,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.bins, 4100); }, "bins"},
        {"histogram bins 5000", 1,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.bins, 5000); }, "bins"},
        {"histogram bins 2^32-4", 1,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.bins, 0xfffffffcu); }, "bins"},
        {"histogram bins 4096, short payload", 1,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.bins, 4096); }},
        {"histogram bins 4 (misaligned rest)", 1,
         [](B& b, const L& l, const S&) { poke<std::uint32_t>(b, l.bins, 4); }},
        {"histogram width 0", 1,
         [](B& b, const L& l, const S&) { poke<double>(b, l.hist0 + 8, 0.0); }},
        {"histogram width negative", 1,
         [](B& b, const L& l, const S&) { poke<double>(b, l.hist0 + 8, -1.0); }},
        {"histogram width NaN", 1,
         [](B& b, const L& l, const S&) {
             poke<double>(b, l.hist0 + 8, std::numeric_limits<double>::quiet_NaN());
         }},
        {"histogram origin Inf", 1,
         [](B& b, const L& l, const S&) {
             poke<double>(b, l.hist0, std::numeric_limits<double>::infinity());
         }},
        {"negative histogram count", 1,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.hist0 + 16 + 8, -1); }},
        {"histogram count above B*T", 1,
         [](B& b, const L& l, const S& s) {
             poke<std::int64_t>(b, l.hist0 + 16, s.shape.batch * s.shape.time + 1);
         }},
        {"weight rows disagree with the shape", 2,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.weight[1] + 8, 5); }},
        {"weight cols disagree with the shape", 2,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.weight[2] + 16, 3); }},
        {"negative weight rows", 2,
         [](B& b, const L& l, const S&) { poke<std::int64_t>(b, l.weight[0] + 8, -4); }},
        {"weights 2^40 x 2^40", 2,
         [](B& b, const L& l, const S&) {
             poke<std::int64_t>(b, l.weight[0] + 8, k2p40);
             poke<std::int64_t>(b, l.weight[0] + 16, k2p40);
         }},
        {"weights 2^62 x 4", 2,
         [](B& b, const L& l, const S&) {
             poke<std::int64_t>(b, l.weight[2] + 8, std::int64_t(1) << 62);
             poke<std::int64_t>(b, l.weight[2] + 16, 4);
         }},
        {"weights claimed, no data", 3,
         [](B& b, const L& l, const S&) {
             poke<std::int64_t>(b, l.weight[2] + 8, 1);
             poke<std::int64_t>(b, l.weight[2] + 16, 2);
         }},
        // Shape 2^31 x 2^31 hidden weights match the shape; 2^62 floats is 2^64
        // bytes, which wraps to 0: must still be refused by a size check.
        {"hidden weights 2^31 x 2^31 (byte count wraps)", 4,
         [](B& b, const L& l, const S&) {
             poke<std::int64_t>(b, l.shape + 24, std::int64_t(1) << 31);
             poke<std::int64_t>(b, l.weight[1] + 8, std::int64_t(1) << 31);
             poke<std::int64_t>(b, l.weight[1] + 16, std::int64_t(1) << 31);
         }},
    };
    return list;
}

} // namespace

void TestCodec::malformedSummary_data()
{
    QTest::addColumn<int>("which");
    const auto& list = malformations();
    for (std::size_t i = 0; i < list.size(); ++i)
        QTest::newRow(list[i].name) << int(i);
}

void TestCodec::malformedSummary()
{
    QFETCH(int, which);
    const Malformation& m = malformations()[which];
    const Summary s = makeSummary(baseSpec(m.base));
    Bytes payload = encodeSummary(s);
    QVERIFY(decodeSummary(payload).value.has_value());
    m.patch(payload, layoutOf(s), s);
    if (QTest::currentTestFailed())
        return;

    const DecodeOutcome o = decodeTracked(payload);
    const QString bad = badRefusal(o);
    QVERIFY2(bad.isEmpty(), qPrintable(bad));
    QVERIFY2(o.error.rfind("malformed summary", 0) == 0, o.error.c_str());
    if (m.mention)
        QVERIFY2(o.error.find(m.mention) != std::string::npos, o.error.c_str());
    qInfo("%s", o.error.c_str());

    // In a frame, the parser refuses the stream with the same kind of message.
    FrameParser parser;
    std::vector<FrameParser::Event> evs;
    const Bytes stream = concat({encodeProgress({0.5, "states"}), withHeader(FrameType::Summary, payload)});
    QVERIFY(!parser.feed(stream, evs));
    QVERIFY(!parser.error().empty());
    QCOMPARE(evs.size(), std::size_t(1)); // the progress frame before it
    // Once refused, it stays refused.
    QVERIFY(!parser.feed(encodeProgress({0.75, "x"}), evs));
    QVERIFY(!parser.error().empty());
}

// ---------------------------------------------------------------------------

void TestCodec::malformedFrameHeader_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("mention");
    auto hdr = [](std::uint16_t version, std::uint16_t type, std::uint64_t length,
                  const char* magic = "RNLF") {
        Bytes h = header(version, type, length);
        std::memcpy(h.data(), magic, 4);
        return QByteArray(reinterpret_cast<const char*>(h.data()), qsizetype(h.size()));
    };
    const QByteArray payload(12, 'p');
    QTest::newRow("wrong magic RNLX") << hdr(1, 1, 12, "RNLX") + payload << "magic";
    QTest::newRow("wrong magic lower case") << hdr(1, 1, 12, "rnlf") + payload << "magic";
    QTest::newRow("wrong magic zeros") << QByteArray(kFrameHeaderSize + 12, '\0') << "magic";
    QTest::newRow("text instead of frames")
        << QByteArray("HDF5-DIAG: Error detected in HDF5 (1.10.8)\n") << "magic";
    QTest::newRow("version 0") << hdr(0, 1, 12) + payload << "version";
    QTest::newRow("version 2") << hdr(2, 1, 12) + payload << "version";
    QTest::newRow("version 0xffff") << hdr(0xffff, 1, 12) + payload << "version";
    QTest::newRow("version byte-swapped") << hdr(0x0100, 1, 12) + payload << "version";
    QTest::newRow("type 0") << hdr(1, 0, 12) + payload << "type";
    QTest::newRow("type 7") << hdr(1, 7, 12) + payload << "type";
    QTest::newRow("type 0xffff") << hdr(1, 0xffff, 12) + payload << "type";
    QTest::newRow("frame of 2^40 bytes") << hdr(1, 4, std::uint64_t(1) << 40) + payload << "";
    QTest::newRow("frame of 4 GiB + 1") << hdr(1, 2, kMaxFramePayload + 1) << "";
    QTest::newRow("frame of 2^64-1 bytes") << hdr(1, 4, ~std::uint64_t(0)) << "";
}

void TestCodec::malformedFrameHeader()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, mention);
    const Bytes bytes(frame.begin(), frame.end());

    const auto h = decodeFrameHeader(bytes);
    QVERIFY(!h.value.has_value());
    QVERIFY(!h.error.empty());
    if (!mention.isEmpty())
        QVERIFY2(QString::fromStdString(h.error).contains(mention), h.error.c_str());
    qInfo("%s", h.error.c_str());

    // The parser refuses as soon as the header is in, without waiting for (or
    // reserving room for) a payload it claims.
    g_largestNew = 0;
    FrameParser parser;
    std::vector<FrameParser::Event> evs;
    QVERIFY(!parser.feed(bytes, evs));
    QVERIFY(!parser.error().empty());
    QVERIFY(evs.empty());
    QVERIFY(g_largestNew.load() < kAbsurdAllocation);
    QVERIFY(!parser.feed(encodeProgress({0.5, "x"}), evs));

    // Also after a good frame, fed byte by byte.
    FrameParser p2;
    evs.clear();
    const Bytes stream = concat({encodeMessage(FrameType::Warning, "w"), bytes});
    bool refused = false;
    for (std::size_t i = 0; i < stream.size() && !refused; ++i)
        refused = !p2.feed({stream.data() + i, 1}, evs);
    QVERIFY(refused);
    QVERIFY(!p2.error().empty());
    QCOMPARE(evs.size(), std::size_t(1));
}

void TestCodec::malformedSmallFrames_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("payload");
    auto dbl = [](double v) { return QByteArray(reinterpret_cast<const char*>(&v), 8); };
    auto u32 = [](std::uint32_t v) { return QByteArray(reinterpret_cast<const char*>(&v), 4); };
    QTest::newRow("progress, empty payload") << 1 << QByteArray();
    QTest::newRow("progress, fraction only") << 1 << dbl(0.5);
    QTest::newRow("progress 1.5") << 1 << dbl(1.5) + u32(0);
    QTest::newRow("progress -0.1") << 1 << dbl(-0.1) + u32(0);
    QTest::newRow("progress NaN")
        << 1 << dbl(std::numeric_limits<double>::quiet_NaN()) + u32(0);
    QTest::newRow("progress stage longer than the frame") << 1 << dbl(0.5) + u32(100) + "abc";
    QTest::newRow("progress stage of 2^32-1 bytes") << 1 << dbl(0.5) + u32(0xffffffffu) + "abc";
    QTest::newRow("warning, empty payload") << 2 << QByteArray();
    QTest::newRow("warning longer than the frame") << 2 << u32(10) + "abc";
    QTest::newRow("error of 2^31 bytes") << 3 << u32(0x80000000u) + "abc";
    QTest::newRow("summary, empty payload") << 4 << QByteArray();
    QTest::newRow("summary, 40 zero bytes") << 4 << QByteArray(40, '\0');
}

void TestCodec::malformedSmallFrames()
{
    QFETCH(int, type);
    QFETCH(QByteArray, payload);
    const Bytes p(payload.begin(), payload.end());
    g_largestNew = 0;
    FrameParser parser;
    std::vector<FrameParser::Event> evs;
    QVERIFY(!parser.feed(withHeader(static_cast<FrameType>(type), p), evs));
    QVERIFY(!parser.error().empty());
    QVERIFY(evs.empty());
    QVERIFY(g_largestNew.load() < kAbsurdAllocation);
    qInfo("%s", parser.error().c_str());
}

// ---------------------------------------------------------------------------

void TestCodec::randomByteFlips()
{
    // Damaged payloads may decode (to altered numbers) or be refused, but a
    // refusal needs a message and nothing may crash or allocate absurdly.
    const Summary bases[] = {makeSummary(fullSpec()), makeSummary(statesOnlySpec()),
                             makeSummary(weightsOnlySpec())};
    std::vector<Bytes> payloads;
    for (const Summary& s : bases)
        payloads.push_back(encodeSummary(s));

    std::mt19937_64 rng(0x5eed'c0dec);
    auto uniform = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    const std::int64_t extremes[] = {0, -1, 1, std::numeric_limits<std::int64_t>::max(),
                                     std::numeric_limits<std::int64_t>::min(), k2p40,
                                     std::int64_t(1) << 61, std::int64_t(1) << 62, 0x7ff8000000000000};
    int decoded = 0, refused = 0;
    const int iterations = 4000;
    for (int iter = 0; iter < iterations; ++iter) {
        Bytes p = payloads[iter % 3];
        const int mode = int(uniform(4));
        const int edits = 1 + int(uniform(4));
        for (int e = 0; e < edits && p.size() > 8; ++e) {
            if (mode < 2) {                      // flip bits of a byte
                p[uniform(p.size())] ^= std::uint8_t(1 + uniform(255));
            } else if (mode == 2) {              // an extreme 8-byte value, aligned to a field start
                const std::size_t off = uniform(p.size() - 8);
                const std::int64_t v = extremes[uniform(std::size(extremes))];
                std::memcpy(p.data() + off, &v, 8);
            } else {                             // cut or extend
                if (uniform(2))
                    p.resize(uniform(p.size()));
                else
                    p.insert(p.begin() + std::ptrdiff_t(uniform(p.size())), std::uint8_t(uniform(256)));
            }
        }
        const DecodeOutcome o = decodeTracked(p);
        if (o.ok) {
            ++decoded;
            QVERIFY(o.error.empty());
            // What was accepted is a summary like any other: encoded again it
            // decodes to the same values (a decoder that lets through what it
            // cannot represent, or alters it, fails here).
            const auto again = decodeSummary(encodeSummary(*o.summary));
            QVERIFY2(again.value.has_value(),
                     qPrintable(QStringLiteral("iteration %1: re-encoded, refused: %2")
                                    .arg(iter)
                                    .arg(QString::fromStdString(again.error))));
            const QString diff = diffSummaries(*again.value, *o.summary);
            QVERIFY2(diff.isEmpty(), qPrintable(QStringLiteral("iteration %1: %2").arg(iter).arg(diff)));
        } else {
            ++refused;
            const QString bad = badRefusal(o);
            QVERIFY2(bad.isEmpty(), qPrintable(QStringLiteral("iteration %1: %2").arg(iter).arg(bad)));
        }
        QVERIFY2(o.largestNew < kAbsurdAllocation,
                 qPrintable(QStringLiteral("iteration %1 allocated %2 bytes").arg(iter).arg(o.largestNew)));
    }
    qInfo("%d damaged payloads: %d decoded to altered values, %d refused", iterations, decoded,
          refused);
    // Both outcomes occur: flips inside numbers decode (to altered values),
    // flips in counts and flags are refused. A decoder refusing all, or none, fails.
    QVERIFY2(decoded > iterations / 20, qPrintable(QString::number(decoded)));
    QVERIFY2(refused > iterations / 20, qPrintable(QString::number(refused)));
}

void TestCodec::randomStreamDamage()
{
    // Whole streams (headers included) damaged and fed in random pieces.
    const Stream st = makeStream();
    std::mt19937 rng(424242);
    auto uniform = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    int accepted = 0, refused = 0;
    const int iterations = 1500;
    for (int iter = 0; iter < iterations; ++iter) {
        Bytes b = st.bytes;
        const int edits = 1 + int(uniform(3));
        for (int e = 0; e < edits; ++e) {
            // Bias towards the frame headers, where the interesting fields are.
            std::size_t off;
            if (uniform(2)) {
                const std::size_t f = uniform(st.frameEnds.size());
                const std::size_t start = f == 0 ? 0 : st.frameEnds[f - 1];
                off = start + uniform(kFrameHeaderSize);
            } else {
                off = uniform(b.size());
            }
            b[off] ^= std::uint8_t(1 + uniform(255));
        }
        g_largestNew = 0;
        FrameParser parser;
        std::vector<FrameParser::Event> evs;
        bool ok = true;
        std::size_t pos = 0;
        while (ok && pos < b.size()) {
            const std::size_t n = std::min(b.size() - pos, 1 + uniform(4096));
            ok = parser.feed({b.data() + pos, n}, evs);
            pos += n;
        }
        if (ok) {
            ++accepted;
            QVERIFY(parser.error().empty());
        } else {
            ++refused;
            QVERIFY(!parser.error().empty());
            QVERIFY2(parser.error().find(kBadAllocMessage) == std::string::npos, parser.error().c_str());
        }
        // A header may legitimately claim up to 4 GiB; the parser must not
        // reserve it before the bytes arrive.
        QVERIFY2(g_largestNew.load() < kAbsurdAllocation,
                 qPrintable(QStringLiteral("iteration %1 allocated %2 bytes").arg(iter).arg(g_largestNew.load())));
    }
    qInfo("%d damaged streams: %d accepted (possibly incomplete), %d refused", iterations, accepted,
          refused);
}

namespace {

/// A summary with per-trial labels, neuron groups and dt (the labels extension).
Summary labelledSummary()
{
    Summary s = makeSummary(baseSpec(0));
    for (std::int64_t b = 0; b < s.shape.batch; ++b)
        s.trialLabels.push_back(b % 2 ? "left" : "right \xce\xbb");
    for (std::int64_t n = 0; n < s.shape.nHid; ++n)
        s.neuronGroups.push_back(std::to_string(n % 3));
    s.dtMs = 10.0;
    return s;
}

} // namespace

void TestCodec::labelsRoundTrip()
{
    const Summary s = labelledSummary();
    QVERIFY(s.shape.batch > 0 && s.shape.nHid > 0);
    const Bytes payload = encodeSummary(s);
    const auto d = decodeSummary(payload);
    QVERIFY2(d.value, d.error.c_str());
    QCOMPARE(d.value->trialLabels, s.trialLabels);
    QCOMPARE(d.value->neuronGroups, s.neuronGroups);
    QCOMPARE(d.value->dtMs, s.dtMs);
    QVERIFY(encodeSummary(*d.value) == payload);
    // Groups alone, no dt: the empty list and the missing dt survive too.
    Summary g = makeSummary(baseSpec(0));
    g.neuronGroups = s.neuronGroups;
    const auto dg = decodeSummary(encodeSummary(g));
    QVERIFY2(dg.value, dg.error.c_str());
    QVERIFY(dg.value->trialLabels.empty() && !dg.value->dtMs);
    QCOMPARE(dg.value->neuronGroups, g.neuronGroups);
}

void TestCodec::malformedLabels_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("mention");
    QTest::newRow("labels for too few trials") << 0 << "trial labels for";
    QTest::newRow("groups for too many neurons") << 1 << "neuron groups for";
    QTest::newRow("negative dt") << 2 << "dt is not a positive number";
    QTest::newRow("a 300-byte label") << 3 << "a label of 300 bytes";
    QTest::newRow("label count 2^40") << 4 << "ends early";
    QTest::newRow("two labels sections") << 5 << "two labels sections";
}

void TestCodec::malformedLabels()
{
    QFETCH(int, which);
    QFETCH(QString, mention);
    Summary s = labelledSummary();
    switch (which) {
    case 0: s.trialLabels.pop_back(); break;
    case 1: s.neuronGroups.push_back("extra"); break;
    case 2: s.dtMs = -1.0; break;
    case 3: s.trialLabels.front() = std::string(300, 'x'); break;
    default: break;
    }
    Bytes payload = encodeSummary(s);
    // The labels section is the only extension: tag, length, then the trial label count.
    const std::size_t count = layoutOf(s).end + 2 + 8;
    if (which == 4)
        poke<std::uint64_t>(payload, count, std::uint64_t(1) << 40);
    if (which == 5) {
        // The section twice: copy it and fix the extensions' length.
        const std::size_t start = layoutOf(s).end, extLen = payload.size() - 16 - start;
        Bytes twice(payload.begin(), payload.begin() + std::ptrdiff_t(start + extLen));
        twice.insert(twice.end(), payload.begin() + std::ptrdiff_t(start),
                     payload.begin() + std::ptrdiff_t(start + extLen));
        twice.insert(twice.end(), payload.end() - 16, payload.end());
        poke<std::uint64_t>(twice, twice.size() - 16, 2 * extLen);
        payload = twice;
    }
    const DecodeOutcome o = decodeTracked(payload);
    const QString bad = badRefusal(o);
    QVERIFY2(bad.isEmpty(), qPrintable(bad));
    QVERIFY2(o.error.find(mention.toStdString()) != std::string::npos, o.error.c_str());
}

namespace {

/// The full base summary of a run: its name has a space, a quote and a
/// two-byte character, as a user's run names may.
Summary runSummary()
{
    Summary s = makeSummary(baseSpec(0));
    s.run = "fr=0.01 \"seed\" 3 \xce\xbb";
    return s;
}

} // namespace

void TestCodec::runRoundTrip()
{
    const Summary s = runSummary();
    const Bytes payload = encodeSummary(s);
    const auto d = decodeSummary(payload);
    QVERIFY2(d.value, d.error.c_str());
    QCOMPARE(d.value->run.value_or("(none)"), std::string("fr=0.01 \"seed\" 3 \xce\xbb"));
    const QString diff = diffSummaries(s, *d.value);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
    QVERIFY(encodeSummary(*d.value) == payload);
    // An extension: the main part is byte for byte that of the summary
    // without a run, which an older stream holds and which decodes without one.
    Summary plain = s;
    plain.run.reset();
    const Bytes old = encodeSummary(plain);
    QCOMPARE(old.size(), layoutOf(plain).end);
    QVERIFY(std::equal(old.begin(), old.end(), payload.begin()));
    const auto o = decodeSummary(old);
    QVERIFY2(o.value, o.error.c_str());
    QVERIFY(!o.value->run);
    // 1024 bytes, the reader's limit, pass; an empty run is not sent.
    Summary longest = s;
    longest.run = std::string(1024, 'r');
    const auto l = decodeSummary(encodeSummary(longest));
    QVERIFY2(l.value, l.error.c_str());
    QCOMPARE(l.value->run->size(), std::size_t(1024));
    Summary empty = s;
    empty.run = "";
    QCOMPARE(encodeSummary(empty).size(), layoutOf(empty).end);
}

void TestCodec::runTruncatedAndEdited()
{
    // Every prefix of a summary with a run is refused with a message and no
    // absurd allocation; random edits decode to a summary that re-encodes to
    // itself, or are refused the same way.
    const Bytes payload = encodeSummary(runSummary());
    const std::size_t mainPart = layoutOf(runSummary()).end;
    for (std::size_t n = 0; n < payload.size(); ++n) {
        const DecodeOutcome o = decodeTracked(Bytes(payload.begin(), payload.begin() + std::ptrdiff_t(n)));
        if (n == mainPart) { // the summary without its extensions, as an older stream holds it
            QVERIFY2(o.ok && !o.summary->run, o.error.c_str());
            continue;
        }
        const QString bad = badRefusal(o);
        QVERIFY2(bad.isEmpty(), qPrintable(QStringLiteral("prefix of %1: %2").arg(n).arg(bad)));
    }
    std::mt19937_64 rng(0x70e5);
    auto uniform = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    // The run's section lies in the last 16 + 2 + 8 + 4 + its length bytes: edits go there half the time.
    const std::size_t tail = 16 + 2 + 8 + 4 + runSummary().run->size();
    int decoded = 0, refused = 0;
    for (int iter = 0; iter < 2000; ++iter) {
        Bytes p = payload;
        for (int e = 0; e < 1 + int(uniform(3)); ++e) {
            const std::size_t off = uniform(2) ? p.size() - 1 - uniform(tail) : uniform(p.size());
            p[off] ^= std::uint8_t(1 + uniform(255));
        }
        const DecodeOutcome o = decodeTracked(p);
        if (o.ok) {
            ++decoded;
            const auto again = decodeSummary(encodeSummary(*o.summary));
            QVERIFY2(again.value, again.error.c_str());
            const QString diff = diffSummaries(*again.value, *o.summary);
            QVERIFY2(diff.isEmpty(), qPrintable(QStringLiteral("iteration %1: %2").arg(iter).arg(diff)));
        } else {
            ++refused;
            const QString bad = badRefusal(o);
            QVERIFY2(bad.isEmpty(), qPrintable(QStringLiteral("iteration %1: %2").arg(iter).arg(bad)));
        }
        QVERIFY(o.largestNew < kAbsurdAllocation);
    }
    qInfo("2000 edited payloads with a run: %d decoded, %d refused", decoded, refused);
    QVERIFY(decoded > 100 && refused > 100);
}

void TestCodec::malformedRun_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("mention");
    QTest::newRow("empty run") << 0 << "run name of 0 bytes";
    QTest::newRow("1025-byte run") << 1 << "run name of 1025 bytes";
    QTest::newRow("two run sections") << 2 << "two run sections";
    QTest::newRow("trailing byte in the section") << 3 << "run section: 1 trailing bytes";
    QTest::newRow("run length beyond the section") << 4 << "ends early";
}

void TestCodec::malformedRun()
{
    QFETCH(int, which);
    QFETCH(QString, mention);
    // Built by hand: the main part of a summary without a run, then the
    // extensions as summarycodec.h documents them: tag 5, u64 length, u32
    // string length, bytes; u64 length of the sections; "RNLXTND1".
    Summary s = makeSummary(baseSpec(0));
    Bytes payload = encodeSummary(s);
    QCOMPARE(payload.size(), layoutOf(s).end);
    const auto section = [](const std::string& run, std::uint32_t claimed, bool extra) {
        Bytes b(2 + 8 + 4);
        const std::uint16_t tag = 5;
        const std::uint64_t len = 4 + run.size() + (extra ? 1 : 0);
        std::memcpy(b.data(), &tag, 2);
        std::memcpy(b.data() + 2, &len, 8);
        std::memcpy(b.data() + 10, &claimed, 4);
        b.insert(b.end(), run.begin(), run.end());
        if (extra)
            b.push_back(0);
        return b;
    };
    Bytes ext;
    const std::string run = which == 1 ? std::string(1025, 'r') : which == 0 ? "" : "run";
    ext = section(run, std::uint32_t(run.size() + (which == 4 ? 9 : 0)), which == 3);
    if (which == 2) {
        const Bytes again = section("other", 5, false);
        ext.insert(ext.end(), again.begin(), again.end());
    }
    payload.insert(payload.end(), ext.begin(), ext.end());
    const std::uint64_t n = ext.size();
    payload.resize(payload.size() + 8);
    std::memcpy(payload.data() + payload.size() - 8, &n, 8);
    for (char c : std::string("RNLXTND1"))
        payload.push_back(std::uint8_t(c));
    const DecodeOutcome o = decodeTracked(payload);
    const QString bad = badRefusal(o);
    QVERIFY2(bad.isEmpty(), qPrintable(bad));
    QVERIFY2(o.error.find(mention.toStdString()) != std::string::npos, o.error.c_str());
}

// Inputs fuzz_decoder found (tests/fuzz-regressions/README.md), each with
// what it must give: refused with a reason, or decoded into a summary that is
// safe to compute on, with the terms its data back and no others.
void TestCodec::fuzzRegressions_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("refusedWith");   ///< empty: it must decode
    QTest::addColumn<QStringList>("available"); ///< the terms with data behind them
    QTest::addColumn<QString>("totalReason");   ///< with every lambda 1
    // A batch of 1.2 billion trials declared with no data behind it: a valid
    // summary in which every term is unavailable. It once made computeTerms
    // allocate an index list of 9.4 GB; the declared trial count must not
    // matter when no per-trial data back it.
    QTest::newRow("decoder-unbacked-huge-shape.bin")
        << "decoder-unbacked-huge-shape.bin" << QString() << QStringList{}
        << "L_mse is enabled but unavailable";

    // Every decoder input in the folder has a row above.
    const QDir dir(QStringLiteral(RNNLOSS_SOURCE_DIR "/tests/fuzz-regressions"));
    for (const QString& f : dir.entryList({"decoder-*"}, QDir::Files))
        QVERIFY2(f == "decoder-unbacked-huge-shape.bin",
                 qPrintable(f + ": a regression input without an expected outcome"));
}

// ---------------------------------------------------------------------------
// Slice summaries: the slice section at the end of the payload (summarycodec.h).

namespace {

/// A slice of fullSpec()'s recording (3 x 5 x in 2, hid 4, out 2): trials
/// {0, 2}, steps {1, 2, 4}, neurons {1, 3}.
Summary sliceSummary()
{
    const Recording rec = makeRecording(fullSpec());
    Slice sl;
    sl.whole = rec.shape;
    sl.trials = {0, 2};
    sl.steps = {1, 2, 4};
    sl.neurons = {1, 3};
    ReduceConfig cfg;
    cfg.histogramBins = 8;
    return summarizeSlice(rec, sl, cfg);
}

/// Offsets in a slice payload, from the documented format: the sections end
/// 16 bytes before the end (u64 length, "RNLXTND1"); the slice section is
/// u16 tag | u64 length | whole shape 5 x i64 | 3 x (u64 count | count x i64).
struct SliceLayout
{
    std::size_t extLen = 0;      ///< the u64 length of the sections
    std::size_t tag = 0;         ///< u16
    std::size_t sectionLen = 0;  ///< u64
    std::size_t whole = 0;       ///< 5 x i64
    std::size_t trialsCount = 0, trials = 0, stepsCount = 0, steps = 0;
};

SliceLayout sliceLayoutOf(const Summary& s, std::size_t payloadSize)
{
    SliceLayout L;
    const std::size_t section = 40 + 3 * 8 + 8 * (s.slice->trials.size() + s.slice->steps.size() +
                                                  s.slice->neurons.size());
    L.extLen = payloadSize - 16;
    L.tag = L.extLen - (2 + 8 + section);
    L.sectionLen = L.tag + 2;
    L.whole = L.sectionLen + 8;
    L.trialsCount = L.whole + 40;
    L.trials = L.trialsCount + 8;
    L.stepsCount = L.trials + 8 * s.slice->trials.size();
    L.steps = L.stepsCount + 8;
    return L;
}

struct SliceMalformation
{
    const char* name;
    std::function<void(Bytes&, const SliceLayout&)> patch;
    const char* mention;
};

const std::vector<SliceMalformation>& sliceMalformations()
{
    using B = Bytes;
    using L = SliceLayout;
    static const std::vector<SliceMalformation> list = {
        {"sections longer than the payload",
         [](B& b, const L& l) { poke<std::uint64_t>(b, l.extLen, b.size()); }, "extensions claim"},
        {"sections claim 2^63 bytes",
         [](B& b, const L& l) { poke<std::uint64_t>(b, l.extLen, std::uint64_t(1) << 63); },
         "extensions claim"},
        {"unknown section tag", [](B& b, const L& l) { poke<std::uint16_t>(b, l.tag, 7); },
         "unknown extension"},
        {"section longer than the sections",
         [](B& b, const L& l) { poke<std::uint64_t>(b, l.sectionLen, 1u << 20); }, "ends early"},
        {"section shorter than its content",
         [](B& b, const L& l) { poke<std::uint64_t>(b, l.sectionLen, 41); }, "ends early"},
        {"negative whole batch",
         [](B& b, const L& l) { poke<std::int64_t>(b, l.whole, -1); }, "out of range"},
        {"whole batch 2^41",
         [](B& b, const L& l) { poke<std::int64_t>(b, l.whole, std::int64_t(1) << 41); },
         "out of range"},
        {"trial count past the axis",
         [](B& b, const L& l) { poke<std::uint64_t>(b, l.trialsCount, 4); }, "indices on an axis"},
        {"trial count 2^40 on a huge axis",
         [](B& b, const L& l) {
             poke<std::int64_t>(b, l.whole, std::int64_t(1) << 40);
             poke<std::uint64_t>(b, l.trialsCount, std::uint64_t(1) << 40);
         },
         "ends early"},
        {"trials not increasing",
         [](B& b, const L& l) { poke<std::int64_t>(b, l.trials + 8, 0); }, "not increasing"},
        {"trial index past the axis",
         [](B& b, const L& l) { poke<std::int64_t>(b, l.trials + 8, 3); }, "not increasing"},
        {"negative step index",
         [](B& b, const L& l) { poke<std::int64_t>(b, l.steps, -1); }, "not increasing"},
        {"slice of another N_in",
         [](B& b, const L& l) { poke<std::int64_t>(b, l.whole + 16, 3); }, "disagrees"},
        {"fewer steps than the shape",
         [](B& b, const L& l) {
             // Two steps listed, the third index becomes the neuron count: the
             // counts no longer match the shape.
             poke<std::uint64_t>(b, l.stepsCount, 2);
         },
         nullptr},
        {"two slice sections",
         [](B& b, const L& l) {
             const Bytes section(b.begin() + std::ptrdiff_t(l.tag), b.begin() + std::ptrdiff_t(l.extLen));
             b.insert(b.begin() + std::ptrdiff_t(l.extLen), section.begin(), section.end());
             poke<std::uint64_t>(b, b.size() - 16, 2 * section.size());
         },
         "two slice sections"},
        {"weights sized by the slice's N_hid",
         [](B& b, const L& l) {
             // The whole N_hid made equal to the slice's: the weights (4 x 4
             // in the payload) disagree with it.
             poke<std::int64_t>(b, l.whole + 24, 2);
             poke<std::uint64_t>(b, l.steps + 24, 2);
             poke<std::int64_t>(b, l.steps + 32, 0);
             poke<std::int64_t>(b, l.steps + 40, 1);
         },
         "disagree"},
    };
    return list;
}

} // namespace

void TestCodec::sliceRoundTrip()
{
    const Summary s = sliceSummary();
    QVERIFY(s.slice.has_value());
    QCOMPARE(s.shape.batch, std::int64_t(2));
    QCOMPARE(s.shape.nHid, std::int64_t(2));
    const Bytes payload = encodeSummary(s);
    // The slice rides at the end: the main part is a summary's usual layout.
    QCOMPARE(payload.size(), layoutOf(s).end + 16 + 2 + 8 + 40 + 24 + 8 * (2 + 3 + 2));
    QVERIFY(std::memcmp(payload.data() + payload.size() - 8, "RNLXTND1", 8) == 0);
    const auto d = decodeSummary(payload);
    QVERIFY2(d.value, d.error.c_str());
    const QString diff = diffSummaries(s, *d.value);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
    QVERIFY(d.value->slice == s.slice);
    QVERIFY(encodeSummary(*d.value) == payload);
    // The weight terms of the decoded slice use the whole matrices' sizes.
    const TermValues a = computeTerms(s, Convention::Nn4n);
    const TermValues b = computeTerms(*d.value, Convention::Nn4n);
    for (Term t : kAllTerms)
        QVERIFY(a[t].value == b[t].value);
    const Summary whole = makeSummary(fullSpec());
    QVERIFY(a[Term::Hid].value && computeTerms(whole, Convention::Nn4n)[Term::Hid].value);
    QCOMPARE(*a[Term::Hid].value, *computeTerms(whole, Convention::Nn4n)[Term::Hid].value);

    // Every prefix is refused without an absurd allocation.
    for (std::size_t n = 0; n < payload.size(); ++n) {
        const DecodeOutcome o = decodeTracked(Bytes(payload.begin(), payload.begin() + std::ptrdiff_t(n)));
        const QString bad = badRefusal(o);
        QVERIFY2(bad.isEmpty(), qPrintable(QStringLiteral("prefix of %1: %2").arg(n).arg(bad)));
    }
}

void TestCodec::malformedSlice_data()
{
    QTest::addColumn<int>("which");
    const auto& list = sliceMalformations();
    for (std::size_t i = 0; i < list.size(); ++i)
        QTest::newRow(list[i].name) << int(i);
}

void TestCodec::malformedSlice()
{
    QFETCH(int, which);
    const SliceMalformation& m = sliceMalformations()[which];
    const Summary s = sliceSummary();
    Bytes payload = encodeSummary(s);
    QVERIFY(decodeSummary(payload).value.has_value());
    const SliceLayout L = sliceLayoutOf(s, payload.size());
    QCOMPARE(peek<std::uint16_t>(payload, L.tag), std::uint16_t(1));
    QCOMPARE(peek<std::int64_t>(payload, L.whole + 24), std::int64_t(4));
    QCOMPARE(peek<std::uint64_t>(payload, L.stepsCount), std::uint64_t(3));
    m.patch(payload, L);
    if (QTest::currentTestFailed())
        return;
    const DecodeOutcome o = decodeTracked(payload);
    const QString bad = badRefusal(o);
    QVERIFY2(bad.isEmpty(), qPrintable(bad));
    QVERIFY2(o.error.rfind("malformed summary", 0) == 0, o.error.c_str());
    if (m.mention)
        QVERIFY2(o.error.find(m.mention) != std::string::npos, o.error.c_str());
    qInfo("%s", o.error.c_str());
}

// ---------------------------------------------------------------------------
// Raw layouts (Summary::layout): the datasets it lists are absent from the
// summary, their extents in a section at the end.

namespace {

/// fullSpec()'s summary (3 x 5, hid 4, out 2) as a reader asked for raw
/// extents sends it: states (float32, 3 one-trial chunks) and outputs and
/// targets (float64 big-endian, contiguous) left to the caller.
Summary layoutSummary()
{
    Summary s = makeSummary(fullSpec());
    RawLayout l;
    l.file = "/data/r\xc3\xa9c.h5";
    l.fileSize = 1 << 20;
    l.mtimeSec = 1764500000;
    l.mtimeNsec = 123456789;
    l.datasets.push_back({Dataset::States, 4, false, 3, 5, 4, {{4096, 80, 0, 1}, {8192, 80, 1, 1}, {100, 80, 2, 1}}});
    l.datasets.push_back({Dataset::Outputs, 8, true, 3, 5, 2, {{20000, 240, 0, 3}}});
    l.datasets.push_back({Dataset::Targets, 8, true, 3, 5, 2, {{30000, 240, 0, 3}}});
    for (const RawDataset& d : l.datasets)
        s.info(d.which).present = false;
    s.sqErrPerTrial.clear();
    s.sqErrPerTime.clear();
    s.trialSum = s.trialSumSq = s.trialSumAbs = s.timeSum = s.timeSumSq = RowMatrix();
    s.neuronMin.clear();
    s.neuronMax.clear();
    s.neuronNonFinite.clear();
    s.neuronActive.clear();
    s.neuronHistograms.clear();
    s.layout = std::move(l);
    return s;
}

/// Offset of the first extent of the first dataset (states) from the
/// documented format: tag u16, length u64, file (u32 + bytes), size u64,
/// mtime 2 x i64, count u32, then per dataset 3 x u8, 3 x i64, u64 count.
std::size_t firstExtentOffset(const Summary& s, std::size_t payloadSize)
{
    std::size_t section = 4 + s.layout->file.size() + 8 + 16 + 4;
    for (const RawDataset& d : s.layout->datasets)
        section += 3 + 24 + 8 + 32 * d.extents.size();
    const std::size_t tag = payloadSize - 16 - (2 + 8 + section);
    return tag + 2 + 8 + 4 + s.layout->file.size() + 8 + 16 + 4 + 3 + 24 + 8;
}

} // namespace

void TestCodec::layoutRoundTrip()
{
    const Summary s = layoutSummary();
    const Bytes payload = encodeSummary(s);
    const auto d = decodeSummary(payload);
    QVERIFY2(d.value, d.error.c_str());
    QVERIFY(d.value->layout == s.layout);
    const QString diff = diffSummaries(s, *d.value);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
    QVERIFY(encodeSummary(*d.value) == payload);
    QCOMPARE(peek<std::uint64_t>(payload, firstExtentOffset(s, payload.size())), std::uint64_t(4096));
    // What decodes is safe to compute on: the datasets left to the caller are absent.
    const TermValues tv = computeTerms(*d.value, Convention::Nn4n);
    QVERIFY(!tv[Term::Fr].available && !tv[Term::Mse].available && tv[Term::Hid].available);
    // Every prefix is refused, but the main part alone: a summary of its own
    // (the frame's length, not the payload, tells where a payload ends).
    const std::size_t main = layoutOf(s).end;
    for (std::size_t n = 0; n < payload.size(); ++n) {
        const Bytes prefix(payload.begin(), payload.begin() + std::ptrdiff_t(n));
        if (n == main) {
            const auto alone = decodeSummary(prefix);
            QVERIFY2(alone.value && !alone.value->layout, alone.error.c_str());
            continue;
        }
        const DecodeOutcome o = decodeTracked(prefix);
        const QString bad = badRefusal(o);
        QVERIFY2(bad.isEmpty(), qPrintable(QStringLiteral("prefix of %1: %2").arg(n).arg(bad)));
    }
}

void TestCodec::malformedLayout_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("mention");
    QTest::newRow("extent past the end of the file") << 0 << "past the end of the file";
    QTest::newRow("extent not its trials' bytes") << 1 << "not its trials' size";
    QTest::newRow("trials out of order") << 2 << "cover the trials once";
    QTest::newRow("extent count 2^40") << 3 << "extents for 3 trials";
    QTest::newRow("extent count past the bytes") << 4 << "ends early";
    QTest::newRow("states both summarised and in the layout") << 5 << "both in the summary";
    QTest::newRow("4 datasets") << 6 << "layout of 4 datasets";
}

void TestCodec::malformedLayout()
{
    QFETCH(int, which);
    QFETCH(QString, mention);
    Summary s = layoutSummary();
    Bytes payload = encodeSummary(s);
    if (which == 5)
        poke<std::uint8_t>(payload, layoutOf(s).flag[int(Dataset::States)], 1);
    const std::size_t e0 = firstExtentOffset(s, payload.size());
    switch (which) {
    case 0: poke<std::uint64_t>(payload, e0, (1 << 20) - 79); break;
    case 1: poke<std::uint64_t>(payload, e0 + 8, 81); break;
    case 2: poke<std::int64_t>(payload, e0 + 32 + 16, 2); break;
    case 3: poke<std::uint64_t>(payload, e0 - 8, std::uint64_t(1) << 40); break;
    case 4: poke<std::int64_t>(payload, e0 - 32, 1000); poke<std::uint64_t>(payload, e0 - 8, 1000); break;
    case 6: poke<std::uint32_t>(payload, e0 - 8 - 24 - 3 - 4, 4); break;
    default: break;
    }
    const DecodeOutcome o = decodeTracked(payload);
    const QString bad = badRefusal(o);
    QVERIFY2(bad.isEmpty(), qPrintable(bad));
    QVERIFY2(o.error.find(mention.toStdString()) != std::string::npos, o.error.c_str());
    qInfo("%s", o.error.c_str());
}

// Inputs fuzz_decoder found (tests/fuzz-regressions/README.md): each decodes
// or is refused, and whatever decodes is safe to compute on, as in the target.
void TestCodec::fuzzRegressions()
{
    QFETCH(QString, file);
    QFETCH(QString, refusedWith);
    QFETCH(QStringList, available);
    QFETCH(QString, totalReason);
    QFile in(QStringLiteral(RNNLOSS_SOURCE_DIR "/tests/fuzz-regressions/") + file);
    QVERIFY2(in.open(QIODevice::ReadOnly), qPrintable(in.fileName()));
    const QByteArray bytes = in.readAll();
    const auto d = decodeSummary(
        {reinterpret_cast<const std::uint8_t*>(bytes.constData()), std::size_t(bytes.size())});
    if (!refusedWith.isEmpty()) {
        QVERIFY2(!d.value, "decoded, expected to be refused");
        QVERIFY2(QString::fromStdString(d.error).contains(refusedWith), d.error.c_str());
        return;
    }
    QVERIFY2(d.value, qPrintable("refused: " + QString::fromStdString(d.error)));
    if (file == "decoder-unbacked-huge-shape.bin") // still the input it was
        QVERIFY(d.value->shape.batch > 1000000000);
    for (Convention c : {Convention::Spec, Convention::Nn4n}) {
        const TermValues tv = computeTerms(*d.value, c);
        for (Term t : kAllTerms) {
            const QString key = QString::fromUtf8(termKey(t).data(), qsizetype(termKey(t).size()));
            QVERIFY2(tv[t].available == available.contains(key),
                     qPrintable(key + (tv[t].available ? " is available" : " is unavailable") +
                                ": " + QString::fromStdString(tv[t].reason)));
            if (!tv[t].available)
                QVERIFY2(!tv[t].value && !tv[t].reason.empty(), qPrintable(key));
        }
        const LossResult r = evaluate(tv, TermArray{1, 1, 1, 1, 1, 1, 1});
        QVERIFY(!r.total);
        QVERIFY2(QString::fromStdString(r.totalReason).startsWith(totalReason),
                 r.totalReason.c_str());
        QVERIFY(!r.errors.empty()); // enabled but unavailable terms are errors, not zeros
        const NeuronStats st = computeNeuronStats(*d.value, c);
        QCOMPARE(st.size(), std::size_t(d.value->hasStates() ? d.value->shape.nHid : 0));
    }
}

QTEST_APPLESS_MAIN(TestCodec)
#include "test_codec.moc"
