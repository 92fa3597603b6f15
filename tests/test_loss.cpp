// The engine's loss, reduction and per-neuron statistics against hand-checked
// cases and a brute-force re-implementation (bruteforce.h).

#include "bruteforce.h"
#include "loss.h"
#include "neuronstats.h"
#include "reducer.h"
#include "slice.h"

#include <QtTest>

#include <cmath>
#include <limits>
#include <random>

using namespace rnnloss;

namespace {

bool close(double a, double b, double rel = 1e-12)
{
    return std::abs(a - b) <= rel * std::max({std::abs(a), std::abs(b), 1e-300});
}

#define QCOMPARE_REL(a, b, rel)                                                                    \
    QVERIFY2(close((a), (b), (rel)),                                                               \
             qPrintable(QStringLiteral("%1 != %2").arg((a), 0, 'g', 17).arg((b), 0, 'g', 17)))

void compareOpt(const std::optional<double>& got, const std::optional<double>& want,
                const char* what)
{
    QVERIFY2(got.has_value() == want.has_value(), what);
    if (got)
        QVERIFY2(close(*got, *want, 1e-12),
                 qPrintable(QStringLiteral("%1: %2 != %3").arg(what).arg(*got, 0, 'g', 17).arg(*want, 0, 'g', 17)));
}

void compareAll(const TermValues& tv, const bruteforce::Terms& bf)
{
    compareOpt(tv[Term::Mse].value, bf.mse, "mse");
    compareOpt(tv[Term::In].value, bf.in, "in");
    compareOpt(tv[Term::Hid].value, bf.hid, "hid");
    compareOpt(tv[Term::Out].value, bf.out, "out");
    compareOpt(tv[Term::Fr].value, bf.fr, "fr");
    compareOpt(tv[Term::FrSd].value, bf.frSd, "fr_sd");
    compareOpt(tv[Term::FrCv].value, bf.frCv, "fr_cv");
}

} // namespace

class TestLoss : public QObject
{
    Q_OBJECT
private slots:
    void handChecked();
    void bruteForce_data();
    void bruteForce();
    void slabAndThreadInvariance();
    void floatRowKernels();
    void leanTileKernel_data();
    void leanTileKernel();
    void selection();
    void lambdasAndTotal();
    void undefinedCases();
    void missingData();
    void unbackedHugeShape();
    void neuronStats();
    void rateHistograms();
    void indexSpecs_data();
    void indexSpecs();
    void sliceMatchesBruteForce_data();
    void sliceMatchesBruteForce();
    void wholeSliceIsTheRecording();
    void sliceInputOrder();
    void trialSplitMatchesOnePass_data();
    void trialSplitMatchesOnePass();
};

// B=1, T=2, N_hid=2, N_out=1, N_in=1; every number below is worked by hand.
//   states: t0 = (1, 0), t1 = (3, 2)  -> m = (2, 1), mean 1.5
//   outputs (1, 2), targets (0, 0)    -> mse = (1 + 4) / 2 = 2.5
//   W_in = (1, 2)^T: ||.||^2 = 5, / (1*2) = 2.5
//   W_hid = [[1,1],[1,1]]: 4 / 4 = 1;  W_out = (2, 0): 4 / 2 = 2
//   seed: fr = (1 + 0 + 9 + 4) / 4 = 3.5; fr_sd = sqrt(((0.5)^2 + (0.5)^2) / 2) = 0.5;
//         fr_cv = 0.5 / 1.5 = 1/3
//   nn4n: fr = (4 + 1) / 2 = 2.5; fr_sd = sqrt(0.5 / 1) = 0.70710678...;
//         a = m (rates >= 0), fr_cv = 0.70710678 / 1.5
void TestLoss::handChecked()
{
    Recording r;
    r.shape = {1, 2, 1, 2, 1};
    r.states = {1, 0, 3, 2};
    r.outputs = {1, 2};
    r.targets = {0, 0};
    r.wIn = {1, 2};
    r.wHid = {1, 1, 1, 1};
    r.wOut = {2, 0};
    const Summary s = summarize(r);
    const TermValues seed = computeTerms(s, Convention::Spec);
    QCOMPARE_REL(*seed[Term::Mse].value, 2.5, 1e-15);
    QCOMPARE_REL(*seed[Term::In].value, 2.5, 1e-15);
    QCOMPARE_REL(*seed[Term::Hid].value, 1.0, 1e-15);
    QCOMPARE_REL(*seed[Term::Out].value, 2.0, 1e-15);
    QCOMPARE_REL(*seed[Term::Fr].value, 3.5, 1e-15);
    QCOMPARE_REL(*seed[Term::FrSd].value, 0.5, 1e-15);
    QCOMPARE_REL(*seed[Term::FrCv].value, 1.0 / 3.0, 1e-15);
    const TermValues nn = computeTerms(s, Convention::Nn4n);
    QCOMPARE_REL(*nn[Term::Fr].value, 2.5, 1e-15);
    QCOMPARE_REL(*nn[Term::FrSd].value, std::sqrt(0.5), 1e-15);
    QCOMPARE_REL(*nn[Term::FrCv].value, std::sqrt(0.5) / 1.5, 1e-15);

    // Signed rates separate the conventions' CV: states t0 = (-1, 1), t1 = (-1, 3)
    //   m = (-1, 2), mean 0.5; a = (1, 2), mean 1.5, sample SD sqrt(0.5)
    r.states = {-1, 1, -1, 3};
    const Summary s2 = summarize(r);
    const TermValues seed2 = computeTerms(s2, Convention::Spec);
    QCOMPARE_REL(*seed2[Term::FrSd].value, 1.5, 1e-15);
    QCOMPARE_REL(*seed2[Term::FrCv].value, 3.0, 1e-15);
    const TermValues nn2 = computeTerms(s2, Convention::Nn4n);
    QCOMPARE_REL(*nn2[Term::FrCv].value, std::sqrt(0.5) / 1.5, 1e-15);
    QCOMPARE_REL(*nn2[Term::FrSd].value, std::sqrt(4.5), 1e-15);
}

void TestLoss::bruteForce_data()
{
    QTest::addColumn<qint64>("batch");
    QTest::addColumn<qint64>("time");
    QTest::addColumn<qint64>("nHid");
    QTest::addColumn<bool>("signedRates");
    QTest::addColumn<uint>("seed");
    QTest::newRow("small relu") << qint64(2) << qint64(3) << qint64(4) << false << 1u;
    QTest::newRow("small tanh") << qint64(2) << qint64(3) << qint64(4) << true << 2u;
    QTest::newRow("one trial") << qint64(1) << qint64(17) << qint64(9) << false << 3u;
    QTest::newRow("one step") << qint64(7) << qint64(1) << qint64(5) << true << 4u;
    QTest::newRow("medium relu") << qint64(12) << qint64(40) << qint64(33) << false << 5u;
    QTest::newRow("medium tanh") << qint64(9) << qint64(25) << qint64(70) << true << 6u;
}

void TestLoss::bruteForce()
{
    QFETCH(qint64, batch);
    QFETCH(qint64, time);
    QFETCH(qint64, nHid);
    QFETCH(bool, signedRates);
    QFETCH(uint, seed);
    const Recording r = bruteforce::random({batch, time, 3, nHid, 2}, seed, signedRates);
    const Summary s = summarize(r, 2);
    compareAll(computeTerms(s, Convention::Spec), bruteforce::compute(r, false));
    compareAll(computeTerms(s, Convention::Nn4n), bruteforce::compute(r, true));
}

void TestLoss::slabAndThreadInvariance()
{
    const Recording r = bruteforce::random({11, 13, 2, 150, 3}, 7, true);
    const Summary ref = summarize(r, 1);
    for (std::int64_t slab : {2, 3, 5, 11, 100}) {
        for (int threads : {1, 2, 3}) {
            ReduceConfig cfg;
            cfg.threads = threads;
            const Summary s = summarize(r, slab, cfg);
            // The same additions in the same order: the results must be identical.
            QVERIFY((s.trialSum == ref.trialSum).all());
            QVERIFY((s.trialSumSq == ref.trialSumSq).all());
            QVERIFY((s.trialSumAbs == ref.trialSumAbs).all());
            QVERIFY((s.timeSum == ref.timeSum).all());
            QVERIFY((s.timeSumSq == ref.timeSumSq).all());
            QCOMPARE(s.sqErrPerTrial, ref.sqErrPerTrial);
            QCOMPARE(s.sqErrPerTime, ref.sqErrPerTime);
            QCOMPARE(s.neuronMin, ref.neuronMin);
            QCOMPARE(s.neuronMax, ref.neuronMax);
            QCOMPARE(s.neuronActive, ref.neuronActive);
            for (std::int64_t n = 0; n < r.shape.nHid; ++n) {
                QCOMPARE(s.neuronHistograms[n].counts, ref.neuronHistograms[n].counts);
                QCOMPARE(s.neuronHistograms[n].width, ref.neuronHistograms[n].width);
                QCOMPARE(s.neuronHistograms[n].lo, ref.neuronHistograms[n].lo);
            }
        }
    }
}

// Float input, as the reader delivers it, through both builds of the row kernel
// (baseline and AVX2, when the CPU has it), with a neuron count that leaves
// vector remainders, signed values that grow the histograms, and rows holding
// NaN and +-Inf (the slow path). Checked against sums done here element by element.
void TestLoss::floatRowKernels()
{
    const long B = 5, T = 23, N = 37;
    std::mt19937 gen(99);
    std::normal_distribution<float> dist(0.0f, 3.0f);
    std::vector<float> x(B * T * N);
    for (float& v : x)
        v = dist(gen);
    x[(2 * T + 4) * N + 7] = std::numeric_limits<float>::quiet_NaN();
    x[(3 * T + 9) * N + 36] = std::numeric_limits<float>::infinity();
    x[(3 * T + 9) * N + 0] = -std::numeric_limits<float>::infinity();
    x[(4 * T + 22) * N + 20] = 1e30f; // grows one histogram a long way

    auto reduce = [&](bool wide, int threads, long slab) {
        ReduceConfig cfg;
        cfg.wideVectors = wide;
        cfg.threads = threads;
        StatesReducer r(B, T, N, cfg);
        for (long b = 0; b < B; b += slab)
            r.addTrials(x.data() + b * T * N, b, std::min(slab, B - b));
        Summary s;
        r.finish(s);
        return s;
    };
    const Summary ref = reduce(false, 1, 1);
    for (bool wide : {false, true})
        for (int threads : {1, 2})
            for (long slab : {1L, 2L, 5L}) {
                const Summary s = reduce(wide, threads, slab);
                // NaN sums compare unequal to themselves: compare the bits' meaning.
                auto same = [](const RowMatrix& a, const RowMatrix& b) {
                    for (Eigen::Index i = 0; i < a.size(); ++i) {
                        const double p = a.data()[i], q = b.data()[i];
                        if (!(p == q || (std::isnan(p) && std::isnan(q))))
                            return false;
                    }
                    return true;
                };
                QVERIFY(same(s.trialSum, ref.trialSum) && same(s.trialSumSq, ref.trialSumSq));
                QVERIFY(same(s.trialSumAbs, ref.trialSumAbs));
                QVERIFY(same(s.timeSum, ref.timeSum) && same(s.timeSumSq, ref.timeSumSq));
                QCOMPARE(s.neuronMin, ref.neuronMin);
                QCOMPARE(s.neuronMax, ref.neuronMax);
                QCOMPARE(s.neuronActive, ref.neuronActive);
                QCOMPARE(s.neuronNonFinite, ref.neuronNonFinite);
                for (long n = 0; n < N; ++n)
                    QCOMPARE(s.neuronHistograms[n].counts, ref.neuronHistograms[n].counts);
            }

    // The reference against element-by-element sums, extremes and counts.
    for (long n = 0; n < N; ++n) {
        double mn = INFINITY, mx = -INFINITY;
        long active = 0, bad = 0;
        for (long b = 0; b < B; ++b) {
            double ts = 0, tq = 0, ta = 0;
            for (long t = 0; t < T; ++t) {
                const double v = x[(b * T + t) * N + n];
                ts += v;
                tq += v * v;
                ta += std::abs(v);
                if (std::isfinite(v)) {
                    mn = std::min(mn, v);
                    mx = std::max(mx, v);
                    active += v > 0;
                } else {
                    ++bad;
                }
            }
            const double got = ref.trialSum(b, n);
            QVERIFY(got == ts || (std::isnan(got) && std::isnan(ts)));
            QVERIFY(ref.trialSumSq(b, n) == tq || (std::isnan(tq) && std::isnan(ref.trialSumSq(b, n))));
            QVERIFY(ref.trialSumAbs(b, n) == ta || (std::isnan(ta) && std::isnan(ref.trialSumAbs(b, n))));
        }
        QCOMPARE(ref.neuronMin[n], mn);
        QCOMPARE(ref.neuronMax[n], mx);
        QCOMPARE(ref.neuronActive[n], std::int64_t(active));
        QCOMPARE(ref.neuronNonFinite[n], std::int64_t(bad));
        // Histogram: every finite sample in the bin floor(v / width) - lo / width
        // (lo is a whole number of widths; v - lo would round when |lo| >> |v|).
        const NeuronHistogram& h = ref.neuronHistograms[n];
        const long first = std::lround(h.lo / h.width);
        std::vector<std::int64_t> want(h.counts.size(), 0);
        for (long i = 0; i < B * T; ++i) {
            const double v = x[i * N + n];
            if (!std::isfinite(v))
                continue;
            const long k = static_cast<long>(std::floor(v / h.width)) - first;
            QVERIFY(k >= 0 && k < long(want.size()));
            ++want[k];
        }
        QCOMPARE(h.counts, want);
    }
    QCOMPARE(ref.neuronNonFinite[7] + ref.neuronNonFinite[36] + ref.neuronNonFinite[0], std::int64_t(3));
}

void TestLoss::leanTileKernel_data()
{
    QTest::addColumn<bool>("asDouble");
    QTest::addColumn<double>("threshold");
    QTest::newRow("float") << false << 0.0;
    QTest::newRow("float, threshold 0.5") << false << 0.5;
    QTest::newRow("float, threshold 0.1 (not a float)") << false << 0.1;
    QTest::newRow("float, threshold -1e300") << false << -1e300;
    QTest::newRow("double") << true << 0.0;
}

// The lean pass (no per-time sums, no histograms: what the app and the CLI
// read) through the AVX2 tile kernel (when the CPU has it) and the row
// kernel, against sums, extremes and counts done here element by element: a
// neuron count that leaves a remainder past the 8-neuron blocks, a trial
// length that leaves a part-tile, -0.0, and NaN or Inf in the first row of a
// tile, in its middle, in a later tile of a trial that had one already, in
// the remainder neurons, and a huge double whose square overflows.
void TestLoss::leanTileKernel()
{
    QFETCH(bool, asDouble);
    QFETCH(double, threshold);
    const long B = 6, T = 37, N = 45;
    std::mt19937 gen(123);
    std::normal_distribution<double> dist(0.2, 2.0);
    std::vector<double> x(B * T * N);
    for (double& v : x)
        v = asDouble ? dist(gen) : double(float(dist(gen)));
    const double inf = std::numeric_limits<double>::infinity();
    auto at = [&](long b, long t, long n) -> double& { return x[(b * T + t) * N + n]; };
    at(0, 0, 3) = std::numeric_limits<double>::quiet_NaN(); // first row of a tile
    at(1, 20, 9) = inf;                                      // middle of the second tile
    at(1, 35, 9) = -inf;                                     // a later tile, same neuron
    at(2, 5, 44) = -inf;                                     // the remainder neurons
    at(3, 16, 15) = std::numeric_limits<double>::quiet_NaN();
    at(3, 36, 15) = 7.0;                                     // the part-tile after it
    at(4, 7, 0) = -0.0;
    at(4, 8, 41) = -0.0;
    if (asDouble)
        at(5, 2, 30) = 1e200; // finite, but its square is not
    // Floats at the threshold and either side of it (the kernel tests floats).
    const float near = static_cast<float>(threshold);
    for (long t = 0; t < T; t += 3) {
        at(5, t, t % N) = near;
        at(5, t, (t + 1) % N) = std::nextafter(near, 1e30f);
        at(5, t, (t + 2) % N) = std::nextafter(near, -1e30f);
    }

    auto reduce = [&](bool wide, int threads) {
        ReduceConfig cfg;
        cfg.wideVectors = wide;
        cfg.threads = threads;
        cfg.perTime = cfg.histograms = false;
        cfg.activeThreshold = threshold;
        StatesReducer r(B, T, N, cfg);
        const std::vector<float> f(x.begin(), x.end());
        for (long b = 0; b < B; b += 2) {
            const long n = std::min(2L, B - b);
            asDouble ? r.addTrials(x.data() + b * T * N, b, n)
                     : r.addTrials(f.data() + b * T * N, b, n);
        }
        Summary s;
        r.finish(s);
        return s;
    };
    auto same = [](double p, double q) {
        return (p == q && std::signbit(p) == std::signbit(q)) || (std::isnan(p) && std::isnan(q));
    };
    for (bool wide : {false, true}) {
        for (int threads : {1, 2}) {
            const Summary s = reduce(wide, threads);
            QCOMPARE(s.timeSum.size(), Eigen::Index(0));
            QVERIFY(s.neuronHistograms.empty());
            for (long n = 0; n < N; ++n) {
                double mn = inf, mx = -inf, active = 0;
                std::int64_t bad = 0;
                for (long b = 0; b < B; ++b) {
                    double ts = 0, tq = 0, ta = 0;
                    for (long t = 0; t < T; ++t) {
                        const double v = at(b, t, n);
                        ts += v;
                        tq += v * v;
                        ta += std::abs(v);
                        if (!std::isfinite(v)) {
                            ++bad;
                            continue;
                        }
                        mn = v < mn ? v : mn;
                        mx = mx < v ? v : mx;
                        active += v > threshold;
                    }
                    QVERIFY2(same(s.trialSum(b, n), ts) && same(s.trialSumSq(b, n), tq) &&
                                 same(s.trialSumAbs(b, n), ta),
                             qPrintable(QStringLiteral("wide %1 trial %2 neuron %3")
                                            .arg(wide).arg(b).arg(n)));
                }
                QVERIFY2(same(s.neuronMin[n], mn) && same(s.neuronMax[n], mx),
                         qPrintable(QStringLiteral("extremes of neuron %1").arg(n)));
                QCOMPARE(s.neuronActive[n], std::int64_t(active));
                QCOMPARE(s.neuronNonFinite[n], bad);
            }
        }
    }
}

void TestLoss::selection()
{
    const Recording r = bruteforce::random({6, 8, 2, 10, 2}, 11, false);
    const Summary s = summarize(r, 4);
    Selection sel;
    sel.trials = {true, false, true, true, false, true};
    sel.neurons = {false, true, true, false, true, true, true, false, true, false};
    const std::vector<long> trials = {0, 2, 3, 5}, neurons = {1, 2, 4, 5, 6, 8};
    compareAll(computeTerms(s, Convention::Spec, sel), bruteforce::compute(r, false, trials, neurons));
    compareAll(computeTerms(s, Convention::Nn4n, sel), bruteforce::compute(r, true, trials, neurons));

    Selection bad;
    bad.trials = {true, false};
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, computeTerms(s, Convention::Spec, bad));
    Selection none;
    none.neurons.assign(10, false);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, computeTerms(s, Convention::Spec, none));
}

void TestLoss::lambdasAndTotal()
{
    const Recording r = bruteforce::random({4, 6, 2, 8, 2}, 21, false);
    const TermValues tv = computeTerms(summarize(r), Convention::Spec);
    const bruteforce::Terms bf = bruteforce::compute(r, false);
    const TermArray lambdas = {1.0, 0.0, 1e-3, 0.0, 2.5, 0.0, 1e2};
    const LossResult res = evaluate(tv, lambdas);
    QVERIFY(res.errors.empty());
    const double want = *bf.mse + 1e-3 * *bf.hid + 2.5 * *bf.fr + 1e2 * *bf.frCv;
    QCOMPARE_REL(*res.total, want, 1e-12);
    QCOMPARE(*res[Term::In].weighted, 0.0);       // lambda 0: not added
    QVERIFY(res[Term::In].value.has_value());     // but its value is still shown
    QCOMPARE_REL(*res[Term::FrCv].weighted, 1e2 * *bf.frCv, 1e-12);

    const LossResult zero = evaluate(tv, TermArray{});
    QCOMPARE(*zero.total, 0.0); // every lambda 0 (the spec's default): nothing is added
}

void TestLoss::undefinedCases()
{
    // All rates 0: the CV (SD / mean) is undefined in both conventions.
    Recording r = bruteforce::random({3, 4, 2, 5, 2}, 31, false);
    std::fill(r.states.begin(), r.states.end(), 0.0);
    Summary s = summarize(r);
    for (Convention c : {Convention::Spec, Convention::Nn4n}) {
        const TermValues tv = computeTerms(s, c);
        QCOMPARE(*tv[Term::Fr].value, 0.0);
        QCOMPARE(*tv[Term::FrSd].value, 0.0);
        QVERIFY(!tv[Term::FrCv].value);
        QVERIFY(tv[Term::FrCv].reason.find("0") != std::string::npos);
        TermArray l{};
        l[index(Term::FrCv)] = 1.0;
        const LossResult res = evaluate(tv, l);
        QVERIFY(!res.total);
        QVERIFY(res.totalReason.find("fr_cv") != std::string::npos);
        QVERIFY(!res[Term::FrCv].weighted);
        l[index(Term::FrCv)] = 0.0; // disabled: an undefined term does not spoil the total
        QVERIFY(evaluate(tv, l).total.has_value());
    }

    // One neuron: the sample SD (N-1) is undefined; the population SD is 0.
    r = bruteforce::random({3, 4, 2, 1, 2}, 32, false);
    s = summarize(r);
    QVERIFY(!computeTerms(s, Convention::Nn4n)[Term::FrSd].value);
    QVERIFY(!computeTerms(s, Convention::Nn4n)[Term::FrCv].value);
    QVERIFY(computeTerms(s, Convention::Nn4n)[Term::FrSd].reason.find("N-1") != std::string::npos);
    QCOMPARE(*computeTerms(s, Convention::Spec)[Term::FrSd].value, 0.0);

    // Non-finite data: every term that depends on the dataset is undefined.
    r = bruteforce::random({3, 4, 2, 5, 2}, 33, false);
    r.states[7] = std::numeric_limits<double>::quiet_NaN();
    r.outputs[2] = std::numeric_limits<double>::infinity();
    r.wHid[0] = std::numeric_limits<double>::quiet_NaN();
    s = summarize(r);
    for (Convention c : {Convention::Spec, Convention::Nn4n}) {
        const TermValues tv = computeTerms(s, c);
        for (Term t : {Term::Mse, Term::Hid, Term::Fr, Term::FrSd, Term::FrCv}) {
            QVERIFY2(tv[t].available && !tv[t].value, termKey(t).data());
            QVERIFY(tv[t].reason.find("non-finite") != std::string::npos);
        }
        QVERIFY(tv[Term::In].value && tv[Term::Out].value);
    }
    QCOMPARE(s.info(Dataset::States).nonFinite, 1);
    QCOMPARE(s.info(Dataset::Outputs).nonFinite, 1);
    // A selection without the bad neuron is defined again.
    Selection sel;
    sel.neurons.assign(5, true);
    sel.neurons[7 % 5] = false;
    QVERIFY(computeTerms(s, Convention::Spec, sel)[Term::Fr].value.has_value());
}

void TestLoss::missingData()
{
    Recording r = bruteforce::random({3, 4, 2, 5, 2}, 41, false);
    r.states.clear();
    r.wIn.clear();
    Summary s = summarize(r);
    s.info(Dataset::States).path = "/states";
    s.info(Dataset::States).file = "rec.h5";
    const TermValues tv = computeTerms(s, Convention::Spec);
    QVERIFY(!tv[Term::Fr].available);
    QVERIFY(!tv[Term::In].available);
    QVERIFY(tv[Term::Mse].available);
    TermArray l{};
    l[index(Term::Fr)] = 0.5;
    const LossResult res = evaluate(tv, l);
    QCOMPARE(res.errors.size(), std::size_t(1));
    const std::string& e = res.errors.front();
    QVERIFY2(e.find("lambda_fr") != std::string::npos && e.find("'states'") != std::string::npos &&
                 e.find("/states in rec.h5") != std::string::npos,
             e.c_str());
    QVERIFY(!res.total);
    l[index(Term::Fr)] = 0.0;
    QVERIFY(evaluate(tv, l).errors.empty()); // missing data with lambda 0 is fine
}

// Found by fuzz_decoder: a summary of weights alone may declare a batch and a
// time of 2^40 (nothing in it has a value per trial). Computing on it must not
// allocate by those numbers.
void TestLoss::unbackedHugeShape()
{
    Recording r;
    r.shape = {1, 1, 2, 3, 1};
    r.wIn = {1, 2, 3, 4, 5, 6};
    r.wHid = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    r.wOut = {1, 1, 1};
    Summary s = summarize(r);
    s.shape.batch = s.shape.time = std::int64_t(1) << 40;
    const TermValues tv = computeTerms(s, Convention::Nn4n);
    QVERIFY(!tv[Term::Mse].available && !tv[Term::Fr].available);
    QCOMPARE_REL(*tv[Term::Hid].value, 3.0 / 9.0, 1e-15);
    QCOMPARE_REL(*tv[Term::In].value, 91.0 / 6.0, 1e-15);
    QVERIFY(computeNeuronStats(s, Convention::Spec).mean.empty());
}

void TestLoss::neuronStats()
{
    const Recording r = bruteforce::random({5, 7, 2, 9, 2}, 51, true);
    const Summary s = summarize(r, 2);
    const auto& sh = r.shape;
    for (Convention c : {Convention::Spec, Convention::Nn4n}) {
        const NeuronStats st = computeNeuronStats(s, c);
        double contrib = 0.0;
        for (long n = 0; n < sh.nHid; ++n) {
            double sum = 0, sq = 0, mx = -1e300, mn = 1e300;
            long active = 0;
            for (long b = 0; b < sh.batch; ++b)
                for (long t = 0; t < sh.time; ++t) {
                    const double x = r.states[(b * sh.time + t) * sh.nHid + n];
                    sum += x;
                    sq += x * x;
                    mx = std::max(mx, x);
                    mn = std::min(mn, x);
                    active += x > 0.0;
                }
            const double K = double(sh.batch * sh.time);
            const double m = sum / K;
            double var = 0;
            for (long b = 0; b < sh.batch; ++b)
                for (long t = 0; t < sh.time; ++t) {
                    const double x = r.states[(b * sh.time + t) * sh.nHid + n];
                    var += (x - m) * (x - m);
                }
            QCOMPARE_REL(st.mean[n], m, 1e-12);
            QCOMPARE_REL(st.sd[n], std::sqrt(var / K), 1e-9);
            QCOMPARE_REL(st.cv[n], std::sqrt(var / K) / m, 1e-9);
            QCOMPARE(st.max[n], mx);
            QCOMPARE(st.min[n], mn);
            QCOMPARE_REL(st.fractionActive[n], active / K, 1e-15);
            contrib += st.frContribution[n];

            // PSTH: mean and population SD across trials at each step.
            const Psth p = psth(s, n);
            for (long t = 0; t < sh.time; ++t) {
                double ms = 0, vs = 0;
                for (long b = 0; b < sh.batch; ++b)
                    ms += r.states[(b * sh.time + t) * sh.nHid + n];
                ms /= double(sh.batch);
                for (long b = 0; b < sh.batch; ++b) {
                    const double d = r.states[(b * sh.time + t) * sh.nHid + n] - ms;
                    vs += d * d;
                }
                QCOMPARE_REL(p.mean[t], ms, 1e-12);
                QVERIFY(std::abs(p.sd[t] - std::sqrt(vs / double(sh.batch))) < 1e-7);
            }
        }
        QCOMPARE_REL(contrib, *bruteforce::compute(r, c == Convention::Nn4n).fr, 1e-12);
    }
}

void TestLoss::rateHistograms()
{
    for (bool signedRates : {false, true}) {
        const Recording r = bruteforce::random({4, 30, 2, 6, 2}, 61, signedRates);
        const Summary s = summarize(r, 3);
        const auto& sh = r.shape;
        for (long n = 0; n < sh.nHid; ++n) {
            const NeuronHistogram& nh = s.neuronHistograms[n];
            // The final layout is a power-of-two width covering every sample;
            // count into it directly and compare.
            QCOMPARE(std::exp2(std::round(std::log2(nh.width))), nh.width);
            std::vector<std::int64_t> want(nh.counts.size(), 0);
            for (long b = 0; b < sh.batch; ++b)
                for (long t = 0; t < sh.time; ++t) {
                    const double x = r.states[(b * sh.time + t) * sh.nHid + n];
                    const auto k = static_cast<long>(std::floor((x - nh.lo) / nh.width));
                    QVERIFY(k >= 0 && k < long(want.size()));
                    ++want[k];
                }
            QCOMPARE(nh.counts, want);
            // At least half of the range is needed (the width is the smallest that fits).
            const double extent = std::max(std::abs(s.neuronMax[n]), std::abs(s.neuronMin[n]));
            const double range = signedRates && nh.lo < 0 ? -nh.lo : nh.width * nh.counts.size();
            QVERIFY(extent < range && (extent >= range / 2 || extent < 1e-6));

            const Histogram h = neuronRateHistogram(s, n);
            double total = 0;
            for (double c : h.counts)
                total += c;
            QCOMPARE(total, double(sh.batch * sh.time));
            QVERIFY(h.lo <= s.neuronMin[n] && h.hi() > s.neuronMax[n]);
        }
    }
    // Mean-rate histogram: every finite value lands in a bin; the maximum in the last.
    const std::vector<double> v = {0.0, 0.1, 0.25, 0.5, std::nan(""), 1.0};
    const Histogram h = histogramOf(v, 4);
    QCOMPARE(h.counts, (std::vector<double>{2, 1, 1, 1}));
    QCOMPARE(h.binOf(1.0), 3);
    QCOMPARE(h.binOf(-0.1), -1);
}

// ---------------------------------------------------------------------------
// Slices (engine/slice.h).

namespace {

/// The slice of `r` cut out element by element: what nn4n's RNNLoss gets as
/// pred[tr][:, st], target[tr][:, st], states[tr][:, st][..., ne]. Weights
/// and inputs are kept whole.
Recording cutOut(const Recording& r, const std::vector<long>& tr, const std::vector<long>& st,
                 const std::vector<long>& ne)
{
    const Shape& w = r.shape;
    Recording c = r;
    c.shape.batch = static_cast<std::int64_t>(tr.size());
    c.shape.time = static_cast<std::int64_t>(st.size());
    c.shape.nHid = static_cast<std::int64_t>(ne.size());
    c.outputs.clear();
    c.targets.clear();
    c.states.clear();
    for (long b : tr)
        for (long t : st) {
            for (long o = 0; o < w.nOut; ++o) {
                c.outputs.push_back(r.outputs[(b * w.time + t) * w.nOut + o]);
                c.targets.push_back(r.targets[(b * w.time + t) * w.nOut + o]);
            }
            for (long n : ne)
                c.states.push_back(r.states[(b * w.time + t) * w.nHid + n]);
        }
    return c;
}

std::vector<long> asLong(const std::vector<std::int64_t>& v)
{
    return {v.begin(), v.end()};
}

} // namespace

void TestLoss::indexSpecs_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<QString>("expected"); ///< indices, or "error: <part of the message>"
    QTest::newRow("one index") << "3" << qint64(10) << "3";
    QTest::newRow("range") << "2:5" << qint64(10) << "2,3,4";
    QTest::newRow("open end") << "7:" << qint64(10) << "7,8,9";
    QTest::newRow("open start") << ":3" << qint64(10) << "0,1,2";
    QTest::newRow("everything") << ":" << qint64(4) << "0,1,2,3";
    QTest::newRow("mixed, sorted") << "8,0:2,5" << qint64(10) << "0,1,5,8";
    QTest::newRow("issue example") << "0:16,20" << qint64(128)
                                   << "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,20";
    QTest::newRow("last index") << "9" << qint64(10) << "9";
    QTest::newRow("range to the end") << "0:10" << qint64(10) << "0,1,2,3,4,5,6,7,8,9";
    QTest::newRow("past the end") << "10" << qint64(10) << "error: out of range";
    QTest::newRow("range past the end") << "5:11" << qint64(10) << "error: ends past the last";
    QTest::newRow("open range past the end") << "12:" << qint64(10) << "error: ends past the last";
    QTest::newRow("empty range") << "4:4" << qint64(10) << "error: selects no";
    QTest::newRow("reversed range") << "5:2" << qint64(10) << "error: selects no";
    QTest::newRow("twice") << "1,0:3" << qint64(10) << "error: selected twice";
    QTest::newRow("empty") << "" << qint64(10) << "error: empty";
    QTest::newRow("empty item") << "1,,2" << qint64(10) << "error: '' is not an index";
    QTest::newRow("trailing comma") << "1," << qint64(10) << "error: '' is not an index";
    QTest::newRow("negative") << "-1" << qint64(10) << "error: '-1' is not an index";
    QTest::newRow("sign") << "+1" << qint64(10) << "error: '+1' is not an index";
    QTest::newRow("space") << "1, 2" << qint64(10) << "error: ' 2' is not an index";
    QTest::newRow("two colons") << "1:2:3" << qint64(10) << "error: '1:2:3' is not an index";
    QTest::newRow("letters") << "a:b" << qint64(10) << "error: 'a:b' is not an index";
    QTest::newRow("too many digits") << "99999999999999999999" << qint64(10)
                                     << "error: is not an index";
    QTest::newRow("huge but parsable") << "1099511627776" << qint64(10) << "error: out of range";
}

void TestLoss::indexSpecs()
{
    QFETCH(QString, spec);
    QFETCH(qint64, size);
    QFETCH(QString, expected);
    const ResolvedIndices r = resolveIndices(parseIndexSpec(spec.toStdString()), size, "trial");
    if (expected.startsWith("error: ")) {
        QVERIFY2(r.indices.empty(), "indices despite an error");
        QVERIFY2(r.error.find(expected.mid(7).toStdString()) != std::string::npos, r.error.c_str());
        return;
    }
    QVERIFY2(r.error.empty(), r.error.c_str());
    QStringList got;
    for (auto i : r.indices)
        got << QString::number(i);
    QCOMPARE(got.join(','), expected);
    // The shortest spec of the same indices selects them again.
    const ResolvedIndices again = resolveIndices(parseIndexSpec(indexSpecText(r.indices)), size, "trial");
    QCOMPARE(again.indices, r.indices);
}

void TestLoss::sliceMatchesBruteForce_data()
{
    QTest::addColumn<QString>("trials");
    QTest::addColumn<QString>("steps");
    QTest::addColumn<QString>("neurons");
    QTest::addColumn<bool>("signedRates");
    // Recording 9 trials x 25 steps x 33 neurons.
    QTest::newRow("all") << ":" << ":" << ":" << false;
    QTest::newRow("window, all neurons (no copy)") << ":" << "5:17" << ":" << true;
    QTest::newRow("trials and window") << "0:4,7" << "10:" << ":" << false;
    QTest::newRow("neurons only") << ":" << ":" << "3,5:9,32" << true;
    QTest::newRow("everything scattered") << "1,3,8" << "0,2,4,24" << "0:2,17,30:" << false;
    QTest::newRow("one trial one step") << "4" << "12" << ":" << true;
    QTest::newRow("one neuron (nn4n SD undefined)") << "2:6" << ":20" << "11" << false;
    QTest::newRow("two neurons") << ":" << "3:4" << "0,32" << true;
}

void TestLoss::sliceMatchesBruteForce()
{
    QFETCH(QString, trials);
    QFETCH(QString, steps);
    QFETCH(QString, neurons);
    QFETCH(bool, signedRates);
    const Recording r = bruteforce::random({9, 25, 3, 33, 2}, 61, signedRates);
    Slice sl;
    sl.whole = r.shape;
    sl.trials = resolveIndices(parseIndexSpec(trials.toStdString()), 9, "trial").indices;
    sl.steps = resolveIndices(parseIndexSpec(steps.toStdString()), 25, "step").indices;
    sl.neurons = resolveIndices(parseIndexSpec(neurons.toStdString()), 33, "neuron").indices;
    QVERIFY(checkSlice(sl).empty());
    const Recording cut = cutOut(r, asLong(sl.trials), asLong(sl.steps), asLong(sl.neurons));
    for (int threads : {1, 2}) {
        ReduceConfig cfg;
        cfg.threads = threads;
        const Summary s = summarizeSlice(r, sl, cfg);
        QCOMPARE(s.shape, cut.shape);
        QVERIFY(s.slice && *s.slice == sl);
        QCOMPARE(s.recordingShape(), r.shape);
        compareAll(computeTerms(s, Convention::Spec), bruteforce::compute(cut, false));
        compareAll(computeTerms(s, Convention::Nn4n), bruteforce::compute(cut, true));

        // Per-neuron statistics of the slice, in the slice's neuron order.
        const auto& sh = cut.shape;
        const NeuronStats st = computeNeuronStats(s, Convention::Nn4n);
        QCOMPARE(st.size(), std::size_t(sl.neurons.size()));
        for (long k = 0; k < sh.nHid; ++k) {
            double sum = 0, mx = -1e300;
            long active = 0;
            for (long i = 0; i < sh.batch * sh.time; ++i) {
                const double x = cut.states[i * sh.nHid + k];
                sum += x;
                mx = std::max(mx, x);
                active += x > 0.0;
            }
            const double K = double(sh.batch * sh.time);
            QCOMPARE_REL(st.mean[k], sum / K, 1e-12);
            QCOMPARE(st.max[k], mx);
            QCOMPARE_REL(st.fractionActive[k], active / K, 1e-15);
        }
        // PSTH of the first selected neuron over the window.
        const Psth p = psth(s, 0);
        QCOMPARE(p.mean.size(), std::size_t(sh.time));
        for (long t = 0; t < sh.time; ++t) {
            double m = 0;
            for (long b = 0; b < sh.batch; ++b)
                m += cut.states[(b * sh.time + t) * sh.nHid];
            QCOMPARE_REL(p.mean[t], m / double(sh.batch), 1e-12);
        }
    }
}

void TestLoss::wholeSliceIsTheRecording()
{
    // The slice of everything is the recording: the same reducers adding the
    // same values in the same order, so the same bits.
    const Recording r = bruteforce::random({7, 19, 2, 40, 3}, 71, true);
    const Summary whole = summarize(r, 1);
    const Summary s = summarizeSlice(r, wholeSlice(r.shape));
    QCOMPARE(s.shape, whole.shape);
    QVERIFY((s.trialSum == whole.trialSum).all());
    QVERIFY((s.trialSumSq == whole.trialSumSq).all());
    QVERIFY((s.trialSumAbs == whole.trialSumAbs).all());
    QVERIFY((s.timeSum == whole.timeSum).all());
    QCOMPARE(s.sqErrPerTrial, whole.sqErrPerTrial);
    QCOMPARE(s.sqErrPerTime, whole.sqErrPerTime);
    QCOMPARE(s.neuronMax, whole.neuronMax);
    QCOMPARE(s.neuronActive, whole.neuronActive);
    for (Convention c : {Convention::Spec, Convention::Nn4n})
        for (Term t : kAllTerms)
            QVERIFY(computeTerms(s, c)[t].value == computeTerms(whole, c)[t].value);
}

void TestLoss::sliceInputOrder()
{
    // The reader hands trials over in slabs of any size; trials outside the
    // slice are skipped; a slice that is not increasing is refused.
    const Recording r = bruteforce::random({6, 8, 2, 10, 2}, 81, false);
    Slice sl;
    sl.whole = r.shape;
    sl.trials = {1, 2, 4};
    sl.steps = {0, 3, 7};
    sl.neurons = {2, 9};
    const Summary ref = summarizeSlice(r, sl);
    SliceReducer red(sl, true, true);
    QVERIFY(!red.wants(0) && red.wants(1) && red.wants(4) && !red.wants(5) && !red.wants(6));
    red.addStates(r.states.data(), 0, 3);                        // trials 0..2
    red.addStates(r.states.data() + 3 * 8 * 10, 3, 3);           // trials 3..5
    red.addErrors(r.outputs.data(), r.targets.data(), 0, 6);     // all at once
    Summary s = summarizeSlice(r, sl); // for the datasets' flags; its parts are replaced
    red.finish(s);
    QVERIFY((s.trialSum == ref.trialSum).all());
    QVERIFY((s.timeSumSq == ref.timeSumSq).all());
    QCOMPARE(s.sqErrPerTrial, ref.sqErrPerTrial);
    QCOMPARE(s.sqErrPerTime, ref.sqErrPerTime);

    Slice bad = sl;
    bad.steps = {3, 0};
    QVERIFY(!checkSlice(bad).empty());
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, SliceReducer(bad, true, true));
    bad = sl;
    bad.neurons = {10};
    QVERIFY(!checkSlice(bad).empty());
    bad = sl;
    bad.trials.clear();
    QVERIFY(!checkSlice(bad).empty());
}

void TestLoss::trialSplitMatchesOnePass_data()
{
    QTest::addColumn<bool>("perTime");
    QTest::addColumn<bool>("histograms");
    QTest::newRow("everything") << true << true;
    QTest::newRow("no per-time sums") << false << true;
    QTest::newRow("terms and table only") << false << false;
}

void TestLoss::trialSplitMatchesOnePass()
{
    // Threads that each own a run of trials, merged in order: per-trial sums,
    // extremes, counts and histograms are those of one pass (the histograms of
    // the parts grow to different widths and signs: tanh rates scaled by the
    // neuron; some rows hold NaN and Inf); the per-time sums agree to rounding.
    QFETCH(bool, perTime);
    QFETCH(bool, histograms);
    Recording r = bruteforce::random({13, 9, 2, 37, 2}, 91, true);
    const auto& sh = r.shape;
    for (std::int64_t b = 0; b < sh.batch; ++b)
        for (std::int64_t i = 0; i < sh.time * sh.nHid; ++i)
            r.states[b * sh.time * sh.nHid + i] *= b < 5 ? 0.01 : double(1 + b);
    r.states[(2 * sh.time + 3) * sh.nHid + 5] = std::numeric_limits<double>::quiet_NaN();
    r.states[(9 * sh.time + 1) * sh.nHid + 6] = -std::numeric_limits<double>::infinity();
    ReduceConfig cfg;
    cfg.perTime = perTime;
    cfg.histograms = histograms;
    cfg.histogramBins = 16;
    StatesReducer one(sh.batch, sh.time, sh.nHid, cfg);
    one.addTrials(r.states.data(), 0, sh.batch);
    Summary ref;
    one.finish(ref);

    const std::vector<std::int64_t> cuts = {0, 4, 5, 11, 13};
    StatesReducer merged(sh.batch, sh.time, sh.nHid, cfg);
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
        const std::int64_t n = cuts[k + 1] - cuts[k];
        StatesReducer part(n, sh.time, sh.nHid, cfg);
        part.addTrials(r.states.data() + cuts[k] * sh.time * sh.nHid, 0, n);
        merged.merge(std::move(part), cuts[k]);
    }
    Summary s;
    merged.finish(s);
    // Equal, NaN (the trial with the NaN) included.
    auto same = [](const RowMatrix& a, const RowMatrix& b) {
        return a.rows() == b.rows() && a.cols() == b.cols() &&
               (a == b || (a.isNaN() && b.isNaN())).all();
    };
    QVERIFY(same(s.trialSum, ref.trialSum));
    QVERIFY(same(s.trialSumSq, ref.trialSumSq));
    QVERIFY(same(s.trialSumAbs, ref.trialSumAbs));
    QVERIFY(std::isnan(s.trialSum(2, 5)) && std::isinf(s.trialSum(9, 6)));
    QCOMPARE(s.neuronMin, ref.neuronMin);
    QCOMPARE(s.neuronMax, ref.neuronMax);
    QCOMPARE(s.neuronActive, ref.neuronActive);
    QCOMPARE(s.neuronNonFinite, ref.neuronNonFinite);
    QCOMPARE(s.neuronNonFinite[5], std::int64_t(1));
    QCOMPARE(s.neuronNonFinite[6], std::int64_t(1));
    QCOMPARE(s.neuronHistograms.size(), histograms ? std::size_t(sh.nHid) : std::size_t(0));
    bool grew = false;
    for (std::size_t n = 0; n < s.neuronHistograms.size(); ++n) {
        QCOMPARE(s.neuronHistograms[n].counts, ref.neuronHistograms[n].counts);
        QCOMPARE(s.neuronHistograms[n].width, ref.neuronHistograms[n].width);
        QCOMPARE(s.neuronHistograms[n].lo, ref.neuronHistograms[n].lo);
        grew = grew || s.neuronHistograms[n].lo < 0;
    }
    QVERIFY(grew || !histograms);
    QCOMPARE(s.timeSum.rows(), perTime ? sh.time : 0);
    for (std::int64_t t = 0; t < s.timeSum.rows(); ++t)
        for (std::int64_t n = 0; n < sh.nHid; ++n)
            if (std::isfinite(ref.timeSum(t, n)))
                QCOMPARE_REL(s.timeSum(t, n), ref.timeSum(t, n), 1e-12);
    if (!perTime)
        QVERIFY(psth(s, 0).mean.empty());
    if (!histograms)
        QVERIFY(neuronRateHistogram(s, 0).counts.empty());

    // A part that does not fit is refused.
    StatesReducer other(3, sh.time + 1, sh.nHid, cfg);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, merged.merge(std::move(other), 0));
}

QTEST_APPLESS_MAIN(TestLoss)
#include "test_loss.moc"
