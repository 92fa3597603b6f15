// The reader's gradient frame (engine/gradcodec.h): round trips of summaries
// made by hand and by the engine, every truncation, every field out of its
// range, random damage, and the frame parser with gradient frames cut
// anywhere. The decoder reads bytes from a process that a hostile file may
// have subverted: a malformed payload gives an error, never a crash and never
// an allocation sized by a number off the wire (newtracker.h).

#include "gradcodec.h"
#include "gradgram.h"
#include "newtracker.h"

#include <QtTest>

#include <cstring>
#include <limits>
#include <random>

using namespace rnnloss;

namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::size_t kAbsurdAllocation = std::size_t(16) << 20;

/// A summary with every kind of field set, its strings empty so that the
/// offsets below hold (kOffsets).
GradientSummary plainSummary()
{
    GradientSummary g;
    g.convention = Convention::Spec;
    g.shape = {3, 5, 2, 6, 2};
    g.activation = Activation::Sigmoid;
    g.alpha = 0.25;
    for (Term t : kAllTerms) {
        TermGradient& tg = g.terms[index(t)];
        tg.available = t != Term::Mse;
        tg.defined = tg.available && t != Term::FrCv;
        if (tg.defined)
            tg.value = 0.1 * (index(t) + 1);
    }
    for (Param p : kAllParams) {
        ParamGram& gram = g.gram[index(p)];
        gram.param = p;
        for (Term k : kAllTerms)
            for (Term l : kAllTerms)
                gram.g[index(k)][index(l)] =
                    g[k].defined && g[l].defined ? 1.0 / (1 + index(k) + index(l) + index(p)) : 0.0;
        for (Term k : kAllTerms)
            gram.defined[index(k)] = g[k].defined;
    }
    g.replayError = 2.5e-7;
    g.maxAbsRate = 1.5;
    g.trainingLambdas = {1.0, std::nullopt, 0.001, 0.0, 0.01, std::nullopt, 0.5};
    g.step = 400.0;
    return g;
}

/// Byte offsets of plainSummary()'s payload (gradcodec.h's layout).
struct Offsets
{
    static constexpr std::size_t version = 4, convention = 6, activation = 7, alpha = 8, shape = 16,
                                 terms = 56, termSize = 13, gram = 56 + 7 * 13,
                                 replayFlag = gram + 6 * 49 * 8, replay = replayFlag + 1,
                                 maxRate = replay + 8, warnings = maxRate + 8,
                                 lambdas = warnings + 4, label = lambdas + 7 * 9, step = label + 4,
                                 epoch = step + 9, end = epoch + 9;
};

template <class T> void poke(Bytes& b, std::size_t at, T v)
{
    std::memcpy(b.data() + at, &v, sizeof v);
}

void compareSummaries(const GradientSummary& a, const GradientSummary& b)
{
    QCOMPARE(a.convention, b.convention);
    QVERIFY(a.shape == b.shape);
    QCOMPARE(a.activation, b.activation);
    QCOMPARE(a.alpha, b.alpha);
    for (Term t : kAllTerms) {
        QCOMPARE(a[t].available, b[t].available);
        QCOMPARE(a[t].defined, b[t].defined);
        QCOMPARE(a[t].value, b[t].value);
        QCOMPARE(a[t].reason, b[t].reason);
    }
    for (Param p : kAllParams) {
        QCOMPARE(a[p].param, b[p].param);
        // Bit for bit: the wire carries the doubles as they are.
        QVERIFY(std::memcmp(&a[p].g, &b[p].g, sizeof a[p].g) == 0);
        QCOMPARE(a[p].defined, b[p].defined);
        for (Term t : kAllTerms)
            QCOMPARE(a[p].reason[index(t)], b[t].reason);
    }
    QCOMPARE(a.replayError, b.replayError);
    QCOMPARE(a.maxAbsRate, b.maxAbsRate);
    QCOMPARE(a.warnings, b.warnings);
    QCOMPARE(a.trainingLambdas, b.trainingLambdas);
    QCOMPARE(a.label, b.label);
    QCOMPARE(a.step, b.step);
    QCOMPARE(a.epoch, b.epoch);
}

/// A small network's gradients, by the engine.
GradientSummary engineSummary(Convention conv)
{
    std::mt19937 rng(7);
    std::normal_distribution<double> g(0.0, 1.0);
    const Shape s{3, 6, 2, 5, 2};
    Network n;
    n.activation = Activation::Tanh;
    n.alpha = 0.3;
    auto random = [&](long r, long c, double scale) {
        WeightMatrix m(r, c);
        for (long i = 0; i < m.size(); ++i)
            m.data()[i] = scale * g(rng);
        return m;
    };
    n.wIn = random(s.nHid, s.nIn, 0.8);
    n.wHid = random(s.nHid, s.nHid, 0.5);
    n.wOut = random(s.nOut, s.nHid, 0.7);
    std::vector<double> u(s.batch * s.time * s.nIn), y(s.batch * s.time * s.nOut);
    for (double& x : u)
        x = g(rng);
    for (double& x : y)
        x = g(rng);
    GradientInput in;
    in.shape = s;
    in.inputs = std::span<const double>(u);
    in.targets = std::span<const double>(y);
    GradientOptions o;
    o.convention = conv;
    const GradientResult r = computeGradients(n, in, o);
    Summary rec;
    rec.shape = s;
    rec.label = "run λ_fr = 0.1"; // UTF-8
    rec.epoch = 3.0;
    rec.warnings = {"first warning", std::string(5000, 'w')};
    rec.trainingLambdas[index(Term::Fr)] = 0.1;
    return summarizeGradients(r, n, rec);
}

} // namespace

class TestGradCodec : public QObject
{
    Q_OBJECT
private slots:
    void offsetsHold();
    void roundTrip();
    void roundTripFromEngine();
    void everyTruncation();
    void malformed_data();
    void malformed();
    void randomByteFlips();
    void frameParser();
};

void TestGradCodec::offsetsHold()
{
    const Bytes b = encodeGradients(plainSummary());
    QCOMPARE(b.size(), Offsets::end);
    QCOMPARE(std::memcmp(b.data(), "RNLG", 4), 0);
    double step = 0.0;
    std::memcpy(&step, b.data() + Offsets::step + 1, 8);
    QCOMPARE(step, 400.0);
}

void TestGradCodec::roundTrip()
{
    GradientSummary g = plainSummary();
    g.terms[index(Term::FrCv)].reason = "the network mean rate is 0, so SD/mean is undefined";
    g.terms[index(Term::Mse)].reason = "needs 'targets'";
    for (Param p : kAllParams)
        for (Term t : kAllTerms)
            g.gram[index(p)].reason[index(t)] = g[t].reason;
    g.warnings = {"a", "", std::string(100000, 'x'), "é ✓"};
    g.label = "checkpoint \"1\"\n";
    g.epoch = 2.0;
    g.gram[1].g[2][3] = std::numeric_limits<double>::infinity(); // an overflowed product survives
    const auto d = decodeGradients(encodeGradients(g));
    QVERIFY2(d.value, d.error.c_str());
    compareSummaries(*d.value, g);

    GradientSummary none = plainSummary();
    none.replayError.reset();
    none.step.reset();
    const auto e = decodeGradients(encodeGradients(none));
    QVERIFY2(e.value, e.error.c_str());
    compareSummaries(*e.value, none);
}

void TestGradCodec::roundTripFromEngine()
{
    for (Convention c : {Convention::Nn4n, Convention::Spec}) {
        const GradientSummary g = engineSummary(c);
        QVERIFY(g[Term::Mse].defined && g[Term::FrCv].defined);
        const auto d = decodeGradients(encodeGradients(g));
        QVERIFY2(d.value, d.error.c_str());
        compareSummaries(*d.value, g);
        // What the views compute from it is what they compute from the original.
        const TermArray lambdas = {1.0, 0.1, 0.01, 0.2, 0.5, 0.05, 0.3};
        std::array<bool, kTermCount> on;
        on.fill(true);
        for (Param p : kAllParams)
            QCOMPARE(weightedTotalNorm((*d.value)[p], lambdas, on),
                     weightedTotalNorm(g[p], lambdas, on));
        QCOMPARE(d.value->label, std::string("run λ_fr = 0.1"));
        QCOMPARE(d.value->warnings.size(), std::size_t(2));
    }
}

void TestGradCodec::everyTruncation()
{
    GradientSummary g = engineSummary(Convention::Nn4n);
    g.label = "label";
    const Bytes whole = encodeGradients(g);
    for (std::size_t n = 0; n < whole.size(); ++n) {
        g_largestNew = 0;
        const auto d = decodeGradients({whole.data(), n});
        QVERIFY2(!d.value, qPrintable(QString("a prefix of %1 bytes decoded").arg(n)));
        QVERIFY(d.error.rfind("malformed gradients: ", 0) == 0);
        QVERIFY(g_largestNew.load() < kAbsurdAllocation);
    }
    Bytes longer = whole;
    longer.push_back(0);
    const auto d = decodeGradients(longer);
    QVERIFY(!d.value && d.error.find("trailing") != std::string::npos);
}

void TestGradCodec::malformed_data()
{
    QTest::addColumn<int>("at");
    QTest::addColumn<QByteArray>("bytes"); ///< written at `at`
    QTest::addColumn<QString>("mention");
    auto u8 = [](std::uint8_t v) { return QByteArray(1, char(v)); };
    auto raw = [](auto v) { return QByteArray(reinterpret_cast<const char*>(&v), sizeof v); };
    using O = Offsets;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    QTest::newRow("magic") << 0 << QByteArray("RNLF") << "magic";
    QTest::newRow("version 2") << int(O::version) << raw(std::uint16_t(2)) << "version";
    QTest::newRow("convention 2") << int(O::convention) << u8(2) << "convention";
    QTest::newRow("activation 4") << int(O::activation) << u8(4) << "activation";
    QTest::newRow("alpha 0") << int(O::alpha) << raw(0.0) << "alpha";
    QTest::newRow("alpha 1.5") << int(O::alpha) << raw(1.5) << "alpha";
    QTest::newRow("alpha NaN") << int(O::alpha) << raw(nan) << "alpha";
    QTest::newRow("B = 0") << int(O::shape) << raw(std::int64_t(0)) << "shape";
    QTest::newRow("N_hid < 0") << int(O::shape + 24) << raw(std::int64_t(-6)) << "shape";
    QTest::newRow("T = 2^41") << int(O::shape + 8) << raw(std::int64_t(1) << 41) << "shape";
    QTest::newRow("term flags 8") << int(O::terms) << u8(8) << "flags";
    QTest::newRow("defined, not available") << int(O::terms) << u8(2) << "defined";
    QTest::newRow("reason of 5000 bytes")
        << int(O::terms + 9) << raw(std::uint32_t(5000)) << "reason";
    QTest::newRow("reason of 4 GiB")
        << int(O::terms + 9) << raw(std::uint32_t(0xffffffff)) << "reason";
    QTest::newRow("replay flag 2") << int(O::replayFlag) << u8(2) << "replay";
    QTest::newRow("replay error NaN") << int(O::replay) << raw(nan) << "replay";
    QTest::newRow("replay error < 0") << int(O::replay) << raw(-1.0) << "replay";
    QTest::newRow("max |r| inf") << int(O::maxRate) << raw(inf) << "max |r|";
    QTest::newRow("10001 warnings") << int(O::warnings) << raw(std::uint32_t(10001)) << "warnings";
    QTest::newRow("9999 warnings, no bytes")
        << int(O::warnings) << raw(std::uint32_t(9999)) << "warning";
    QTest::newRow("lambda flag 2") << int(O::lambdas) << u8(2) << "training lambda";
    QTest::newRow("lambda < 0") << int(O::lambdas + 1) << raw(-1.0) << "negative";
    QTest::newRow("lambda inf") << int(O::lambdas + 1) << raw(inf) << "not finite";
    QTest::newRow("label of 2000 bytes") << int(O::label) << raw(std::uint32_t(2000)) << "label";
    QTest::newRow("step NaN") << int(O::step + 1) << raw(nan) << "step";
    QTest::newRow("epoch flag 7") << int(O::epoch) << u8(7) << "epoch";
}

void TestGradCodec::malformed()
{
    QFETCH(int, at);
    QFETCH(QByteArray, bytes);
    QFETCH(QString, mention);
    Bytes b = encodeGradients(plainSummary());
    QVERIFY(std::size_t(at) + std::size_t(bytes.size()) <= b.size());
    std::memcpy(b.data() + at, bytes.constData(), std::size_t(bytes.size()));
    g_largestNew = 0;
    const auto d = decodeGradients(b);
    QVERIFY2(!d.value, "the damaged payload decoded");
    QVERIFY2(QString::fromStdString(d.error).contains(mention), d.error.c_str());
    QVERIFY(g_largestNew.load() < kAbsurdAllocation);
    // And as a frame in a stream: the parser refuses it, naming the payload.
    FrameParser parser;
    std::vector<FrameParser::Event> events;
    QVERIFY(!parser.feed(encodeFrame(FrameType::Gradients, b), events));
    QVERIFY2(parser.error().find("malformed gradients") != std::string::npos,
             parser.error().c_str());
}

void TestGradCodec::randomByteFlips()
{
    const Bytes base = encodeGradients(engineSummary(Convention::Spec));
    std::mt19937 rng(42);
    int refused = 0;
    for (int i = 0; i < 3000; ++i) {
        Bytes b = base;
        const int flips = 1 + int(rng() % 4);
        for (int f = 0; f < flips; ++f)
            b[rng() % b.size()] ^= std::uint8_t(1u << (rng() % 8));
        g_largestNew = 0;
        const auto d = decodeGradients(b);
        QVERIFY(d.value || !d.error.empty());
        refused += !d.value;
        QVERIFY(g_largestNew.load() < kAbsurdAllocation);
    }
    QVERIFY(refused > 0);
}

void TestGradCodec::frameParser()
{
    const GradientSummary g = engineSummary(Convention::Nn4n);
    Bytes stream;
    for (const Bytes& f : {encodeProgress({0.5, "backpropagating"}), encodeGradientsFrame(g),
                           encodeMessage(FrameType::Warning, "after")})
        stream.insert(stream.end(), f.begin(), f.end());
    for (std::size_t cut = 0; cut <= stream.size(); cut += 7) {
        FrameParser parser;
        std::vector<FrameParser::Event> events;
        QVERIFY(parser.feed({stream.data(), cut}, events));
        QVERIFY(parser.feed({stream.data() + cut, stream.size() - cut}, events));
        QCOMPARE(parser.pending(), std::size_t(0));
        QCOMPARE(events.size(), std::size_t(3));
        QCOMPARE(events[1].type, FrameType::Gradients);
        QVERIFY(events[1].gradients && !events[1].summary);
        compareSummaries(*events[1].gradients, g);
        QVERIFY(!events[0].gradients && !events[2].gradients);
    }
}

QTEST_GUILESS_MAIN(TestGradCodec)
#include "test_gradcodec.moc"
