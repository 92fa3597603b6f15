// The stats pass (engine/statspass.h) and its frame (engine/statscodec.h):
// the pass over random recordings and slices against brute force written
// here (saturation counts by the rule, the participation ratio from an Eigen
// eigen-decomposition of a two-pass covariance, each trial's choice and
// answer by numpy's argmax over the window found from every trial), for any
// number of threads; the frame's round trip, and refusal of every truncation,
// of crafted bad payloads and of random damage without ever allocating by a
// count off the wire (a replaced operator new watches the largest request).

#include "popreport.h"
#include "slice.h"
#include "statscodec.h"
#include "statspass.h"
#include "summarycodec.h"

#include <QtTest>

#include <Eigen/Dense>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <random>

// The allocation tracker (the largest operator-new request) of tests/newtracker.h.
#include "newtracker.h"

using namespace rnnloss;

Q_DECLARE_METATYPE(std::vector<std::int64_t>)

namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::size_t kAbsurdAllocation = std::size_t(16) << 20;

/// B x T x N states with saturated stretches (tanh-like, in [-1, 1]), and
/// outputs and targets whose targets are zero outside a random span.
Recording randomRecording(quint32 seed, Shape sh)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    Recording r;
    r.shape = sh;
    for (std::int64_t i = 0; i < sh.batch * sh.time * sh.nHid; ++i) {
        const double u = unit(rng);
        r.states.push_back(u < 0.3 ? 0.995 : u < 0.4 ? -0.995 : std::tanh(normal(rng)));
    }
    const std::int64_t first = 1 + seed % 3, last = sh.time - 1 - seed % 2;
    for (std::int64_t b = 0; b < sh.batch; ++b)
        for (std::int64_t t = 0; t < sh.time; ++t)
            for (std::int64_t k = 0; k < sh.nOut; ++k) {
                r.outputs.push_back(normal(rng));
                const bool on = t >= first + (b % 2) && t < last;
                r.targets.push_back(on ? double(k == b % sh.nOut) : 0.0);
            }
    return r;
}

double at(const Recording& r, std::int64_t b, std::int64_t t, std::int64_t n)
{
    return r.states[(b * r.shape.time + t) * r.shape.nHid + n];
}

Eigen::MatrixXd sliceSamples(const Recording& r, const Slice& s)
{
    Eigen::MatrixXd m(s.trials.size() * s.steps.size(), s.neurons.size());
    Eigen::Index row = 0;
    for (auto b : s.trials)
        for (auto t : s.steps) {
            for (std::size_t j = 0; j < s.neurons.size(); ++j)
                m(row, Eigen::Index(j)) = at(r, b, t, s.neurons[j]);
            ++row;
        }
    return m;
}

double prEigen(const Eigen::MatrixXd& x)
{
    const Eigen::MatrixXd c = x.rowwise() - x.colwise().mean();
    const Eigen::MatrixXd cov = c.transpose() * c / double(x.rows());
    const Eigen::VectorXd ev = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(cov).eigenvalues();
    return ev.sum() * ev.sum() / ev.squaredNorm();
}

/// numpy's argmax of trial b's sums of `v` over [w0, w1).
int argmaxOver(const std::vector<double>& v, const Shape& sh, std::int64_t b, std::int64_t w0,
               std::int64_t w1)
{
    std::vector<double> sum(std::size_t(sh.nOut), 0.0);
    for (std::int64_t t = w0; t < w1; ++t)
        for (std::int64_t k = 0; k < sh.nOut; ++k)
            sum[k] += v[(b * sh.time + t) * sh.nOut + k];
    return int(std::max_element(sum.begin(), sum.end()) - sum.begin());
}

Slice makeSlice(const Shape& sh, std::vector<std::int64_t> trials, std::vector<std::int64_t> steps,
                std::vector<std::int64_t> neurons)
{
    Slice s = wholeSlice(sh);
    if (!trials.empty())
        s.trials = std::move(trials);
    if (!steps.empty())
        s.steps = std::move(steps);
    if (!neurons.empty())
        s.neurons = std::move(neurons);
    return s;
}

/// A PassStats for the codec tests: everything present.
PassStats fullStats(quint32 seed = 7)
{
    const Shape sh{9, 13, 0, 7, 3};
    const Recording r = randomRecording(seed, sh);
    PassInput in;
    in.activation = Activation::Tanh;
    for (int b = 0; b < sh.batch; ++b)
        in.trialValues.push_back(0.1 * (b % 4) - 0.15);
    StatsPassConfig c;
    c.threads = 2;
    return statsOf(r, makeSlice(sh, {0, 2, 3, 4, 8}, {1, 2, 3, 9}, {0, 3, 6}), in, c);
}

QString samePass(const PassStats& a, const PassStats& b)
{
    auto bad = [](const char* what) { return QString::fromLatin1(what); };
    if (a.trials != b.trials || a.steps != b.steps || a.neurons != b.neurons ||
        a.recordingSteps != b.recordingSteps)
        return bad("shape");
    if (a.activation != b.activation || a.activationNote != b.activationNote)
        return bad("activation");
    if (a.saturation.has_value() != b.saturation.has_value())
        return bad("saturation presence");
    if (a.saturation) {
        if (a.saturation->samples() != b.saturation->samples() ||
            a.saturation->activation() != b.saturation->activation())
            return bad("saturation samples");
        for (std::int64_t n = 0; n < a.neurons; ++n)
            if (a.saturation->count(n) != b.saturation->count(n))
                return bad("saturation count");
    }
    if (a.participationRatio.value != b.participationRatio.value ||
        a.participationRatio.reason != b.participationRatio.reason ||
        a.covarianceSamples != b.covarianceSamples)
        return bad("participation ratio");
    if (a.choices.has_value() != b.choices.has_value() || a.choicesError != b.choicesError)
        return bad("choices presence");
    if (a.choices &&
        (a.choices->window != b.choices->window || a.choices->nOut != b.choices->nOut ||
         a.choices->choice != b.choices->choice || a.choices->target != b.choices->target ||
         a.choices->targetTies != b.choices->targetTies))
        return bad("choices");
    if (a.trialValues != b.trialValues)
        return bad("trial values");
    return {};
}

template <class T> void poke(Bytes& b, std::size_t off, T v)
{
    std::memcpy(b.data() + off, &v, sizeof v);
}

// Offsets of the payload of fullStats() (statscodec.h's layout).
constexpr std::size_t kActivationAt = 32;

} // namespace

class TestStatsPass : public QObject
{
    Q_OBJECT
private slots:
    void againstBruteForce_data();
    void againstBruteForce();
    void threadsAgree();
    void windowGivenAndRefused();
    void covarianceMemoryCap();
    void withoutStatesOrOutputs();
    void reportJoinsTheSummary();
    void roundTrip();
    void truncations();
    void malformed_data();
    void malformed();
    void randomDamage();
    void frameParser();
    void fuzzRegression();
    void psychometricBounded();
};

void TestStatsPass::againstBruteForce_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<std::vector<std::int64_t>>("trials");
    QTest::addColumn<std::vector<std::int64_t>>("steps");
    QTest::addColumn<std::vector<std::int64_t>>("neurons");
    QTest::addColumn<int>("threads");
    using V = std::vector<std::int64_t>;
    QTest::newRow("whole, 1 thread") << 1u << V{} << V{} << V{} << 1;
    QTest::newRow("whole, 3 threads") << 2u << V{} << V{} << V{} << 3;
    QTest::newRow("a run of steps, all neurons") << 3u << V{} << V{2, 3, 4, 5} << V{} << 2;
    QTest::newRow("scattered everything")
        << 4u << V{0, 3, 4, 10} << V{0, 5, 6, 11} << V{1, 2, 6} << 4;
    QTest::newRow("one trial, one neuron") << 5u << V{7} << V{} << V{3} << 2;
}

void TestStatsPass::againstBruteForce()
{
    QFETCH(quint32, seed);
    QFETCH(std::vector<std::int64_t>, trials);
    QFETCH(std::vector<std::int64_t>, steps);
    QFETCH(std::vector<std::int64_t>, neurons);
    QFETCH(int, threads);
    const Shape sh{11, 12, 0, 7, 3};
    const Recording r = randomRecording(seed, sh);
    const Slice s = makeSlice(sh, trials, steps, neurons);
    PassInput in;
    in.activation = Activation::Tanh;
    for (int b = 0; b < sh.batch; ++b)
        in.trialValues.push_back(b * 0.5);
    StatsPassConfig c;
    c.threads = threads;
    const PassStats p = statsOf(r, s, in, c);

    const Eigen::MatrixXd x = sliceSamples(r, s);
    QCOMPARE(p.trials, std::int64_t(s.trials.size()));
    QCOMPARE(p.steps, std::int64_t(s.steps.size()));
    QCOMPARE(p.neurons, std::int64_t(s.neurons.size()));
    QVERIFY(p.saturation);
    QCOMPARE(p.saturation->samples(), std::int64_t(x.rows()));
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
        std::int64_t high = 0;
        for (Eigen::Index i = 0; i < x.rows(); ++i)
            high += x(i, j) > 0.99 || x(i, j) < -0.99;
        QCOMPARE(p.saturation->count(j), high);
    }
    QCOMPARE(p.covarianceSamples, std::int64_t(x.rows()));
    if (x.cols() == 1)
        QCOMPARE(*p.participationRatio.value, 1.0);
    else
        QVERIFY(std::abs(*p.participationRatio.value - prEigen(x)) < 1e-10 * prEigen(x));
    // The window from every trial's targets, whatever the slice.
    std::int64_t w0 = sh.time, w1 = 0;
    for (std::int64_t i = 0; i < std::int64_t(r.targets.size()); ++i)
        if (r.targets[i] != 0.0) {
            const std::int64_t t = (i / sh.nOut) % sh.time;
            w0 = std::min(w0, t);
            w1 = std::max(w1, t + 1);
        }
    QVERIFY(p.choices);
    QCOMPARE(p.choices->window, (StepWindow{w0, w1}));
    for (std::size_t i = 0; i < s.trials.size(); ++i) {
        QCOMPARE(p.choices->choice[i], argmaxOver(r.outputs, sh, s.trials[i], w0, w1));
        QCOMPARE(p.choices->target[i], argmaxOver(r.targets, sh, s.trials[i], w0, w1));
        QCOMPARE(p.trialValues[i], s.trials[i] * 0.5);
    }
}

void TestStatsPass::threadsAgree()
{
    const Shape sh{13, 9, 0, 6, 2};
    const Recording r = randomRecording(11, sh);
    PassInput in;
    in.activation = Activation::Sigmoid;
    std::optional<double> pr;
    for (int threads : {1, 2, 3, 5, 16}) {
        StatsPassConfig c;
        c.threads = threads;
        const PassStats p = statsOf(r, wholeSlice(sh), in, c);
        if (!pr)
            pr = p.participationRatio.value;
        QVERIFY2(std::abs(*p.participationRatio.value - *pr) < 1e-12 * *pr,
                 qPrintable(QString::number(threads)));
        QCOMPARE(p.covarianceSamples, sh.batch * sh.time);
    }
}

void TestStatsPass::windowGivenAndRefused()
{
    const Shape sh{5, 10, 0, 3, 2};
    const Recording r = randomRecording(3, sh);
    StatsPassConfig c;
    c.responseWindow = StepWindow{4, 7};
    PassStats p = statsOf(r, wholeSlice(sh), {}, c);
    QCOMPARE(p.choices->window, (StepWindow{4, 7}));
    for (std::int64_t b = 0; b < sh.batch; ++b)
        QCOMPARE(p.choices->choice[b], argmaxOver(r.outputs, sh, b, 4, 7));
    c.responseWindow = StepWindow{8, 11};
    p = statsOf(r, wholeSlice(sh), {}, c);
    QVERIFY(!p.choices);
    QVERIFY(p.choicesError.find("does not fit") != std::string::npos);
    Recording zero = r;
    std::fill(zero.targets.begin(), zero.targets.end(), 0.0);
    p = statsOf(zero, wholeSlice(sh), {});
    QVERIFY(!p.choices);
    QVERIFY(p.choicesError.find("every target is zero") != std::string::npos);
    Recording one = randomRecording(3, Shape{5, 10, 0, 3, 1});
    p = statsOf(one, wholeSlice(one.shape), {});
    QVERIFY(p.choicesError.find("at least 2") != std::string::npos);
}

void TestStatsPass::covarianceMemoryCap()
{
    const Shape sh{6, 8, 0, 20, 2};
    const Recording r = randomRecording(5, sh);
    StatsPassConfig c;
    c.threads = 4;
    const double full = *statsOf(r, wholeSlice(sh), {}, c).participationRatio.value;
    // Room for one accumulator of 20 neurons only: the threads share it.
    c.covarianceBytes = 8 * (2 * 20 * 20 + 512 * 20) + 100;
    QVERIFY(std::abs(*statsOf(r, wholeSlice(sh), {}, c).participationRatio.value - full) <
            1e-12 * full);
    c.covarianceBytes = 1000;
    const PassStats p = statsOf(r, wholeSlice(sh), {}, c);
    QVERIFY(!p.participationRatio.value);
    QVERIFY(p.participationRatio.reason.find("select fewer neurons") != std::string::npos);
}

void TestStatsPass::withoutStatesOrOutputs()
{
    const Shape sh{4, 6, 0, 3, 2};
    Recording r = randomRecording(9, sh);
    r.states.clear();
    PassInput in;
    in.activation = Activation::Tanh;
    PassStats p = statsOf(r, wholeSlice(sh), in);
    QVERIFY(!p.saturation);
    QCOMPARE(p.participationRatio.reason, std::string("the recording has no states"));
    QVERIFY(p.choices);
    r = randomRecording(9, sh);
    r.outputs.clear();
    p = statsOf(r, wholeSlice(sh), in);
    QVERIFY(p.saturation && p.participationRatio.value);
    QCOMPARE(p.choicesError, std::string("the recording has no outputs and targets"));
}

void TestStatsPass::reportJoinsTheSummary()
{
    const Shape sh{8, 10, 0, 5, 2};
    const Recording r = randomRecording(21, sh);
    const Slice s = makeSlice(sh, {1, 2, 5}, {0, 1, 2, 3}, {0, 4});
    const Summary sum = summarizeSlice(r, s);
    PassInput in;
    in.activation = Activation::Tanh;
    const PassStats p = statsOf(r, s, in);
    QVERIFY(statsMismatch(sum, p).empty());
    const PopulationReport rep = populationReport(sum, p);
    QCOMPARE(rep.saturated.of, std::int64_t(2));
    QVERIFY(rep.accuracy);
    QCOMPARE(rep.accuracy->overall.trials, std::int64_t(3));
    QCOMPARE(rep.psychometricReason, std::string("the recording has no trial_values"));
    // Stats of another slice are refused.
    const PassStats other = statsOf(r, wholeSlice(sh), in);
    QVERIFY(statsMismatch(sum, other).find("the statistics cover 8 trials") != std::string::npos);
}

void TestStatsPass::roundTrip()
{
    std::vector<PassStats> cases = {fullStats(), fullStats(8)};
    PassStats bare;
    bare.trials = 3;
    bare.steps = 2;
    bare.neurons = 4;
    bare.recordingSteps = 9;
    bare.activationNote = "the recording has no 'activation' attribute";
    bare.participationRatio.reason = "the recording has no states";
    bare.choicesError = "the recording has no outputs and targets";
    cases.push_back(bare);
    PassStats relu = fullStats(9);
    relu.saturation = SaturationCounter::fromCounts(Activation::Relu, relu.trials * relu.steps,
                                                    std::vector<std::int64_t>(relu.neurons, 0));
    relu.activation = Activation::Relu;
    cases.push_back(relu);
    for (const PassStats& p : cases) {
        const Bytes bytes = encodeStats(p);
        const auto d = decodeStats(bytes);
        QVERIFY2(d.value, d.error.c_str());
        const QString diff = samePass(p, *d.value);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        QCOMPARE(encodeStats(*d.value), bytes);
    }
}

void TestStatsPass::truncations()
{
    const Bytes bytes = encodeStats(fullStats());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        g_largestNew = 0;
        const auto d = decodeStats({bytes.data(), n});
        QVERIFY2(!d.value, qPrintable(QString::number(n)));
        QVERIFY(d.error.rfind("malformed stats: ", 0) == 0);
        QVERIFY(g_largestNew.load() < kAbsurdAllocation);
    }
    Bytes longer = bytes;
    longer.push_back(0);
    QVERIFY(decodeStats(longer).error.find("trailing") != std::string::npos);
}

void TestStatsPass::malformed_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("mention");
    const PassStats p = fullStats();
    const Bytes good = encodeStats(p);
    auto qb = [](const Bytes& b) {
        return QByteArray(reinterpret_cast<const char*>(b.data()), b.size());
    };
    auto edit = [&](auto f) {
        Bytes b = good;
        f(b);
        return qb(b);
    };
    const std::size_t note = kActivationAt + 1;
    const std::size_t satFlag = note + 4 + p.activationNote.size();
    const std::size_t samples = satFlag + 1, counts = samples + 8;
    const std::size_t prFlag = counts + 8 * p.neurons, prValue = prFlag + 1;
    QTest::newRow("negative trials")
        << edit([](Bytes& b) { poke<std::int64_t>(b, 0, -1); }) << "trials";
    QTest::newRow("2^41 neurons") << edit([](Bytes& b) { poke<std::int64_t>(b, 16, 1LL << 41); })
                                  << "neurons";
    QTest::newRow("2^40 neurons: counts claimed, not there")
        << edit([](Bytes& b) { poke<std::int64_t>(b, 16, 1LL << 40); }) << "ends early";
    QTest::newRow("more steps than the recording")
        << edit([](Bytes& b) { poke<std::int64_t>(b, 24, 2); }) << "more steps";
    QTest::newRow("activation 9") << edit([&](Bytes& b) { b[kActivationAt] = 9; }) << "activation";
    QTest::newRow("counts without activation")
        << edit([&](Bytes& b) { b[kActivationAt] = 0; }) << "without an activation";
    QTest::newRow("samples not trials x steps")
        << edit([&](Bytes& b) { poke<std::int64_t>(b, samples, 19); }) << "samples of";
    QTest::newRow("a count above the samples")
        << edit([&](Bytes& b) { poke<std::int64_t>(b, counts, 21); }) << "out of range";
    QTest::newRow("a negative count")
        << edit([&](Bytes& b) { poke<std::int64_t>(b, counts + 8, -1); }) << "out of range";
    QTest::newRow("participation ratio 0.5")
        << edit([&](Bytes& b) { poke<double>(b, prValue, 0.5); }) << "participation ratio";
    QTest::newRow("participation ratio above N")
        << edit([&](Bytes& b) { poke<double>(b, prValue, 3.5); }) << "participation ratio";
    QTest::newRow("participation ratio NaN")
        << edit([&](Bytes& b) { poke<double>(b, prValue, std::nan("")); }) << "participation";
    const std::size_t reason = prValue + 8, covSamples = reason + 4;
    const std::size_t choicesFlag = covSamples + 8, window = choicesFlag + 1;
    QTest::newRow("covariance samples above trials x steps")
        << edit([&](Bytes& b) { poke<std::int64_t>(b, covSamples, 21); }) << "covariance";
    QTest::newRow("window past the recording")
        << edit([&](Bytes& b) { poke<std::int64_t>(b, window + 8, 14); }) << "window";
    QTest::newRow("window empty") << edit([&](Bytes& b) { poke<std::int64_t>(b, window, 12); })
                                  << "window";
    QTest::newRow("one output unit")
        << edit([&](Bytes& b) { poke<std::int64_t>(b, window + 16, 1); }) << "output units";
    QTest::newRow("257 output units")
        << edit([&](Bytes& b) { poke<std::int64_t>(b, window + 16, 257); }) << "output units";
    QTest::newRow("ties above the trials")
        << edit([&](Bytes& b) { poke<std::int64_t>(b, window + 24, 6); }) << "ties";
    QTest::newRow("a choice of unit 3 of 3")
        << edit([&](Bytes& b) { poke<std::int32_t>(b, window + 32, 3); }) << "choice";
    QTest::newRow("a target of -2")
        << edit([&](Bytes& b) { poke<std::int32_t>(b, window + 32 + 4 * 5, -2); }) << "target";
    const std::size_t values = good.size() - 8 * p.trials - 8;
    QTest::newRow("trial values for 4 trials")
        << edit([&](Bytes& b) { poke<std::uint64_t>(b, values, 4); }) << "trial values for";
    QTest::newRow("a NaN trial value")
        << edit([&](Bytes& b) { poke<double>(b, values + 8 + 16, std::nan("")); }) << "not finite";
    QTest::newRow("2^62 trial values claimed")
        << edit([&](Bytes& b) { poke<std::uint64_t>(b, values, 1ULL << 62); }) << "trial values";
    QTest::newRow("empty") << QByteArray() << "ends early";
}

void TestStatsPass::malformed()
{
    QFETCH(QByteArray, payload);
    QFETCH(QString, mention);
    const Bytes b(payload.begin(), payload.end());
    g_largestNew = 0;
    const auto d = decodeStats(b);
    QVERIFY(!d.value);
    QVERIFY2(QString::fromStdString(d.error).contains(mention), d.error.c_str());
    QVERIFY(g_largestNew.load() < kAbsurdAllocation);
}

void TestStatsPass::randomDamage()
{
    std::mt19937 rng(42);
    const Bytes good = encodeStats(fullStats());
    int decoded = 0, refused = 0;
    for (int i = 0; i < 4000; ++i) {
        Bytes b = good;
        const int flips = 1 + int(rng() % 4);
        for (int f = 0; f < flips; ++f)
            b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
        g_largestNew = 0;
        const auto d = decodeStats(b);
        QVERIFY(g_largestNew.load() < kAbsurdAllocation);
        if (!d.value) {
            ++refused;
            continue;
        }
        ++decoded;
        // What decodes is what it encodes to.
        const auto again = decodeStats(encodeStats(*d.value));
        QVERIFY(again.value);
        QVERIFY(samePass(*d.value, *again.value).isEmpty());
    }
    QVERIFY2(decoded > 200 && refused > 200,
             qPrintable(QStringLiteral("%1 decoded, %2 refused").arg(decoded).arg(refused)));
}

void TestStatsPass::frameParser()
{
    const PassStats p = fullStats();
    Bytes stream = encodeProgress({0.5, "states"});
    const Bytes frame = encodeStatsFrame(p);
    stream.insert(stream.end(), frame.begin(), frame.end());
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        FrameParser parser;
        std::vector<FrameParser::Event> events;
        QVERIFY(parser.feed({stream.data(), cut}, events));
        QVERIFY(parser.feed({stream.data() + cut, stream.size() - cut}, events));
        QCOMPARE(events.size(), std::size_t(2));
        QCOMPARE(events[1].type, FrameType::Stats);
        QVERIFY(events[1].stats && samePass(p, *events[1].stats).isEmpty());
        QCOMPARE(parser.pending(), std::size_t(0));
    }
    // A stats frame whose payload is bad breaks the stream.
    Bytes bad = frame;
    bad[kFrameHeaderSize + 16] = 0xff;
    FrameParser parser;
    std::vector<FrameParser::Event> events;
    QVERIFY(!parser.feed(bad, events));
    QVERIFY(parser.error().rfind("malformed stats", 0) == 0);
    QVERIFY(decodeFrameHeader({frame.data(), kFrameHeaderSize}).value->type == FrameType::Stats);
}

void TestStatsPass::fuzzRegression()
{
    // fuzz_decoder's out-of-memory: 16,777,218 output units claimed for 17
    // trials, which the psychometric curve then tabulated (3.5 GB).
    QFile in(QStringLiteral(RNNLOSS_SOURCE_DIR
                            "/tests/fuzz-regressions/stats-frame-huge-output-units.bin"));
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray bytes = in.readAll();
    g_largestNew = 0;
    const auto d = decodeStats(
        {reinterpret_cast<const std::uint8_t*>(bytes.constData()), std::size_t(bytes.size())});
    QVERIFY(!d.value);
    QVERIFY2(d.error.find("output units 16777218 out of range") != std::string::npos,
             d.error.c_str());
    QVERIFY(g_largestNew.load() < kAbsurdAllocation);
}

void TestStatsPass::psychometricBounded()
{
    // Every trial its own value (a continuous stimulus) for many units: more
    // cells than the table holds is an error before anything is tabulated.
    TrialChoices c;
    c.nOut = 256;
    c.window = {0, 1};
    const std::size_t B = 5000;
    std::vector<double> values;
    for (std::size_t b = 0; b < B; ++b) {
        c.choice.push_back(int(b % 256));
        c.target.push_back(0);
        values.push_back(double(b));
    }
    g_largestNew = 0;
    const Psychometric p = psychometric(c, values);
    QVERIFY(p.points.empty() && p.fits.empty());
    QVERIFY2(p.error.find("bin the values") != std::string::npos, p.error.c_str());
    QVERIFY(g_largestNew.load() < kAbsurdAllocation);
    // Two units: the same trials are tabulated.
    c.nOut = 2;
    for (int& k : c.choice)
        k %= 2;
    QCOMPARE(psychometric(c, values).points.size(), B);
    // And the pass says why it makes no choices among 257 units.
    Recording r = randomRecording(4, Shape{3, 4, 0, 2, 257});
    QCOMPARE(statsOf(r, wholeSlice(r.shape), {}).choicesError,
             std::string("the recording has 257 output units; choices are made among at most 256"));
}

QTEST_GUILESS_MAIN(TestStatsPass)
#include "test_statspass.moc"
