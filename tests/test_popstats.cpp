// Population measures and task performance (engine/popstats.h, taskperf.h,
// pareto.h), each against an independent reference: hand calculations,
// textbook numbers (Newcombe 1998's Wilson intervals), brute-force loops over
// the raw arrays written here, Eigen's eigen-decomposition, and the gradient
// of a log-likelihood written out here.

#include "pareto.h"
#include "popstats.h"
#include "slice.h"
#include "taskperf.h"

#include <Eigen/Eigenvalues>
#include <QtTest>

#include <cmath>
#include <random>

using namespace rnnloss;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Uniform in [0, 1) from the generator's raw bits: the same numbers on every
/// standard library (the <random> distributions are not specified bit for bit).
double uniform(std::mt19937_64& g)
{
    return static_cast<double>(g() >> 11) * 0x1.0p-53;
}

bool near(double a, double b, double tol)
{
    return std::abs(a - b) <= tol * std::max({1.0, std::abs(a), std::abs(b)});
}

Recording randomStates(std::int64_t B, std::int64_t T, std::int64_t N, std::uint64_t seed)
{
    Recording rec;
    rec.shape = {B, T, 1, N, 2};
    std::mt19937_64 g(seed);
    rec.states.resize(static_cast<std::size_t>(B * T * N));
    for (double& v : rec.states)
        v = uniform(g) * 2.0;
    return rec;
}

double stateAt(const Recording& r, std::int64_t b, std::int64_t t, std::int64_t n)
{
    return r.states[static_cast<std::size_t>((b * r.shape.time + t) * r.shape.nHid + n)];
}

/// d' by its definition, written out: sample variances by sum of squares.
double dPrimeByHand(const std::vector<double>& a, const std::vector<double>& b)
{
    auto stats = [](const std::vector<double>& x) {
        double s = 0.0, q = 0.0;
        for (double v : x) {
            s += v;
            q += v * v;
        }
        const double n = static_cast<double>(x.size());
        return std::pair{s / n, (q - s * s / n) / (n - 1.0)};
    };
    const auto [ma, va] = stats(a);
    const auto [mb, vb] = stats(b);
    return (ma - mb) / std::sqrt((va + vb) / 2.0);
}

/// Population covariance of rows x N data, two-pass.
Eigen::MatrixXd covarianceByHand(const std::vector<double>& data, std::int64_t rows, std::int64_t N)
{
    Eigen::VectorXd m = Eigen::VectorXd::Zero(N);
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t i = 0; i < N; ++i)
            m[i] += data[r * N + i] / static_cast<double>(rows);
    Eigen::MatrixXd c = Eigen::MatrixXd::Zero(N, N);
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t i = 0; i < N; ++i)
            for (std::int64_t j = 0; j < N; ++j)
                c(i, j) +=
                    (data[r * N + i] - m[i]) * (data[r * N + j] - m[j]) / static_cast<double>(rows);
    return c;
}

double prByEigenvalues(const Eigen::MatrixXd& c)
{
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c, Eigen::EigenvaluesOnly);
    const Eigen::VectorXd l = es.eigenvalues();
    return l.sum() * l.sum() / l.squaredNorm();
}

} // namespace

class TestPopstats : public QObject
{
    Q_OBJECT
private slots:
    void neuronMeasures();
    void dPrimeHand();
    void selectivityBruteForce_data();
    void selectivityBruteForce();
    void selectivityRefused();
    void sharedBinsHand();
    void silentFractionBruteForce();
    void saturatedFractionBruteForce_data();
    void saturatedFractionBruteForce();
    void meanRateByGroupHand();
    void participationRatioEigen();
    void participationRatioHand();
    void participationRatioUndefined();
    void wilsonTextbook_data();
    void wilsonTextbook();
    void stepWindowParse();
    void choiceRuleHand();
    void accuracyBruteForce();
    void psychometricHand();
    void logisticExactSmall();
    void logisticRecoversCurve();
    void logisticRefused();
    void paretoHand();
    void paretoBruteForce();
};

void TestPopstats::neuronMeasures()
{
    NeuronStats st;
    st.mean = {1};
    st.sd = {2};
    st.cv = {3};
    st.min = {4};
    st.max = {5};
    st.fractionActive = {6};
    st.frContribution = {7};
    double expected = 1;
    for (NeuronMeasure m : kAllNeuronMeasures) {
        QCOMPARE(neuronMeasure(st, m).at(0), expected++);
        QCOMPARE(neuronMeasureFromKey(neuronMeasureKey(m)), std::optional(m));
    }
    QCOMPARE(neuronMeasureKey(NeuronMeasure::MeanRate), std::string_view("mean_rate"));
    QVERIFY(!neuronMeasureFromKey("mean"));
}

void TestPopstats::dPrimeHand()
{
    // A: 1, 2, 3 (mean 2, sample variance 1); B: 4, 6 (mean 5, variance 2):
    // d' = -3 / sqrt(1.5) = -sqrt(6).
    const std::vector<double> a{1, 2, 3}, b{4, 6};
    const Measure d = dPrime(a, b);
    QVERIFY(d.value);
    QVERIFY(near(*d.value, -std::sqrt(6.0), 1e-14));
    QVERIFY(near(*dPrime(b, a).value, std::sqrt(6.0), 1e-14));
    // One SD 0 is fine: A constant 2 (var 0), B 4, 6 (var 2): -3 / 1.
    QVERIFY(near(*dPrime(std::vector<double>{2, 2}, b).value, -3.0, 1e-14));
    const Measure flat = dPrime(std::vector<double>{1, 1}, std::vector<double>{2, 2});
    QVERIFY(!flat.value);
    QVERIFY(flat.reason.find("does not vary") != std::string::npos);
    QVERIFY(!dPrime(std::vector<double>{1}, b).value);
    QVERIFY(!dPrime(std::vector<double>{1, kNaN}, b).value);
}

void TestPopstats::selectivityBruteForce_data()
{
    QTest::addColumn<bool>("sliced");
    QTest::newRow("whole") << false;
    QTest::newRow("slice") << true;
}

void TestPopstats::selectivityBruteForce()
{
    QFETCH(bool, sliced);
    const std::int64_t B = 14, T = 9, N = 6;
    Recording rec = randomStates(B, T, N, 7);
    // Neuron 2 is the same in every trial: no spread, no d'.
    for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t t = 0; t < T; ++t)
            rec.states[(b * T + t) * N + 2] = 0.5 + 0.1 * static_cast<double>(t);
    std::vector<std::string> labels;
    for (std::int64_t b = 0; b < B; ++b)
        labels.push_back(b % 3 == 0 ? "A" : (b % 3 == 1 ? "B" : "C"));
    Slice sl = wholeSlice(rec.shape);
    if (sliced) {
        sl.trials = {0, 1, 2, 3, 4, 6, 7, 9, 10, 13};
        sl.steps = {1, 2, 3, 6, 7};
        sl.neurons = {0, 2, 3, 5};
    }
    Summary s = sliced ? summarizeSlice(rec, sl) : summarize(rec, 4);
    s.trialLabels = labels;
    const Selectivity sel = selectivity(s, "A", "B");
    QVERIFY2(sel.error.empty(), sel.error.c_str());
    QCOMPARE(sel.dPrime.size(), sl.neurons.size());
    for (std::size_t k = 0; k < sl.neurons.size(); ++k) {
        std::vector<double> a, b;
        for (std::int64_t tr : sl.trials) {
            double m = 0.0;
            for (std::int64_t t : sl.steps)
                m += stateAt(rec, tr, t, sl.neurons[k]) / static_cast<double>(sl.steps.size());
            if (labels[tr] == "A")
                a.push_back(m);
            else if (labels[tr] == "B")
                b.push_back(m);
        }
        QCOMPARE(sel.trialsA, static_cast<std::int64_t>(a.size()));
        QCOMPARE(sel.trialsB, static_cast<std::int64_t>(b.size()));
        if (sl.neurons[k] == 2) {
            QVERIFY(std::isnan(sel.dPrime[k]));
            QVERIFY(!sel.reasons[k].empty());
        } else {
            QVERIFY2(near(sel.dPrime[k], dPrimeByHand(a, b), 1e-10),
                     qPrintable(QString::number(k)));
            QVERIFY(sel.reasons[k].empty());
        }
    }
    // A trial selection within the summary: the first 6 of its trials.
    std::vector<bool> first6(sl.trials.size(), false);
    std::fill(first6.begin(), first6.begin() + 6, true);
    const Selectivity part = selectivity(s, "A", "B", first6);
    std::vector<double> a, b;
    for (std::size_t i = 0; i < 6; ++i) {
        const std::int64_t tr = sl.trials[i];
        double m = 0.0;
        for (std::int64_t t : sl.steps)
            m += stateAt(rec, tr, t, sl.neurons[0]) / static_cast<double>(sl.steps.size());
        if (labels[tr] == "A")
            a.push_back(m);
        else if (labels[tr] == "B")
            b.push_back(m);
    }
    QVERIFY(near(part.dPrime[0], dPrimeByHand(a, b), 1e-10));
}

void TestPopstats::selectivityRefused()
{
    const Recording rec = randomStates(5, 3, 2, 1);
    Summary s = summarize(rec);
    QVERIFY(selectivity(s, "A", "B").error.find("no trial_labels") != std::string::npos);
    s.trialLabels = {"A", "A", "B", "C", "C"};
    const Selectivity one = selectivity(s, "A", "B");
    QVERIFY(one.dPrime.empty());
    QVERIFY2(one.error.find("\"B\" has 1") != std::string::npos, one.error.c_str());
    QVERIFY(selectivity(s, "A", "Z").error.find("\"Z\" has 0") != std::string::npos);
    QVERIFY(selectivity(s, "A", "A").error.find("same") != std::string::npos);
    QVERIFY(selectivity(s, "A", "C", std::vector<bool>(4, true)).error.find("4 entries") !=
            std::string::npos);
    QVERIFY(selectivity(s, "A", "C").error.empty());
    // A neuron with a NaN sample has no d'; the others keep theirs.
    Recording bad = rec;
    bad.states[7 * 2 + 1] = kNaN;
    Summary sb = summarize(bad);
    sb.trialLabels = s.trialLabels;
    const Selectivity withNaN = selectivity(sb, "A", "C");
    QVERIFY(std::isfinite(withNaN.dPrime[0]));
    QVERIFY(std::isnan(withNaN.dPrime[1]));
    QVERIFY(withNaN.reasons[1].find("non-finite") != std::string::npos);
}

void TestPopstats::sharedBinsHand()
{
    // Finite values of both sets span [-1, 5]: 4 bins of width 1.5.
    const std::vector<std::vector<double>> sets{{1, 2, 3}, {-1, 5, kNaN, 0.5}};
    const Histogram bins = sharedBins(sets, 4);
    QVERIFY(near(bins.lo, -1.0, 1e-15));
    QVERIFY(near(bins.width, 1.5, 1e-15));
    QCOMPARE(bins.counts, std::vector<double>(4, 0.0));
    // Bins [-1, .5), [.5, 2), [2, 3.5), [3.5, 5]: 1 -> 1; 2, 3 -> 2.
    QCOMPARE(countOnBins(bins, sets[0]).counts, (std::vector<double>{0, 1, 2, 0}));
    QCOMPARE(countOnBins(bins, sets[1]).counts, (std::vector<double>{1, 1, 0, 1}));
    QCOMPARE(countOnBins(bins, std::vector<double>{-2, 6}).counts, std::vector<double>(4, 0.0));
    QVERIFY(sharedBins({{kNaN}, {}}, 4).counts.empty());
    // All equal: padded by 5 % either side, as one set's histogram is.
    const Histogram one = sharedBins({{2.0}, {2.0, 2.0}}, 2);
    QVERIFY(near(one.lo, 1.9, 1e-14));
    QVERIFY(near(one.hi(), 2.1, 1e-14));
}

void TestPopstats::silentFractionBruteForce()
{
    const std::int64_t B = 4, T = 5, N = 8;
    Recording rec = randomStates(B, T, N, 3);
    // 0: all zero; 1: tiny positive; 2: tiny negative and positive (tanh-like);
    // 3: one sample just above the threshold; 4: one sample well below -thr;
    // 5: one NaN, else zero; 6: all NaN; 7: random.
    for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t t = 0; t < T; ++t) {
            double* r = &rec.states[(b * T + t) * N];
            r[0] = 0.0;
            r[1] = 5e-7;
            r[2] = (t % 2 ? -1.0 : 1.0) * 9e-7;
            r[3] = 0.0;
            r[4] = 0.0;
            r[5] = 0.0;
            r[6] = kNaN;
        }
    rec.states[(2 * T + 3) * N + 3] = 1.5e-6;
    rec.states[(1 * T + 1) * N + 4] = -0.2;
    rec.states[(3 * T + 4) * N + 5] = kNaN;
    const Summary s = summarize(rec, 3);
    const NeuronStats st = computeNeuronStats(s, Convention::Nn4n);
    for (double thr : {1e-6, 2e-6, 0.0, 10.0}) {
        std::int64_t silent = 0, of = 0, excluded = 0;
        for (std::int64_t n = 0; n < N; ++n) {
            double maxAbs = -1.0;
            for (std::int64_t i = 0; i < B * T; ++i) {
                const double v = rec.states[i * N + n];
                if (std::isfinite(v))
                    maxAbs = std::max(maxAbs, std::abs(v));
            }
            if (maxAbs < 0.0) {
                ++excluded;
                continue;
            }
            ++of;
            silent += maxAbs <= thr;
        }
        const Fraction f = silentFraction(st, thr);
        QCOMPARE(f.count, silent);
        QCOMPARE(f.of, of);
        QCOMPARE(f.excluded, excluded);
        QVERIFY(near(*f.value, static_cast<double>(silent) / static_cast<double>(of), 1e-15));
    }
    QCOMPARE(silentFraction(st).count, std::int64_t(4)); // 0, 1, 2, 5
    std::vector<bool> pick(N, false);
    pick[0] = pick[3] = pick[6] = true;
    const Fraction some = silentFraction(st, kSilentThreshold, pick);
    QCOMPARE(some.count, std::int64_t(1));
    QCOMPARE(some.of, std::int64_t(2));
    QVERIFY(!silentFraction(st, -1.0).value);
    QVERIFY(!silentFraction(st, kNaN).value);
}

void TestPopstats::saturatedFractionBruteForce_data()
{
    QTest::addColumn<int>("activation");
    QTest::addColumn<bool>("single");
    for (Activation a : {Activation::Sigmoid, Activation::Tanh, Activation::Retanh}) {
        QTest::newRow(std::string(activationName(a)).append(" double").c_str())
            << static_cast<int>(a) << false;
        QTest::newRow(std::string(activationName(a)).append(" float").c_str())
            << static_cast<int>(a) << true;
    }
}

void TestPopstats::saturatedFractionBruteForce()
{
    QFETCH(int, activation);
    QFETCH(bool, single);
    const auto act = static_cast<Activation>(activation);
    const std::int64_t rows = 60, N = 9;
    std::mt19937_64 g(11);
    std::vector<double> data(static_cast<std::size_t>(rows * N));
    // Neuron n is near a bound with probability n / 8; neuron 8 sits exactly
    // at 0.99 (not above it) and, in the first half of the rows, at 0.995.
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t n = 0; n < N; ++n) {
            const bool high = uniform(g) < static_cast<double>(n) / 8.0;
            const double sign = uniform(g) < 0.5 ? -1.0 : 1.0;
            data[r * N + n] = high ? sign * (0.99 + 0.01 * uniform(g)) : sign * 0.5 * uniform(g);
            if (n == 8)
                data[r * N + n] = r < rows / 2 ? 0.995 : 0.99;
        }
    const std::vector<float> dataF(data.begin(), data.end());
    SaturationCounter c(act, N), part(act, N);
    // Uneven chunks, and a second counter merged in.
    const std::int64_t cuts[] = {0, 7, 8, 31, 45, rows};
    for (int i = 0; i + 1 < 6; ++i) {
        SaturationCounter& into = i == 3 ? part : c;
        const std::int64_t a = cuts[i], n = cuts[i + 1] - cuts[i];
        if (single)
            into.add(dataF.data() + a * N, n);
        else
            into.add(data.data() + a * N, n);
    }
    c.merge(part);
    QCOMPARE(c.samples(), rows);
    std::int64_t saturated = 0;
    for (std::int64_t n = 0; n < N; ++n) {
        std::int64_t count = 0;
        for (std::int64_t r = 0; r < rows; ++r) {
            const double v = single ? static_cast<double>(dataF[r * N + n]) : data[r * N + n];
            count += v > 0.99 || (act == Activation::Tanh && v < -0.99);
        }
        QCOMPARE(c.count(n), count);
        saturated += count * 2 > rows;
    }
    QCOMPARE(c.count(8), single ? rows : rows / 2); // 0.99f is above 0.99 in double
    const Fraction f = saturatedFraction(c);
    QCOMPARE(f.count, saturated);
    QCOMPARE(f.of, N);
    QVERIFY(near(*f.value, static_cast<double>(saturated) / static_cast<double>(N), 1e-15));

    SaturationCounter relu(Activation::Relu, N);
    relu.add(data.data(), rows);
    QVERIFY(!saturatedFraction(relu).value);
    QVERIFY(saturatedFraction(relu).reason.find("relu") != std::string::npos);
    QCOMPARE(parseActivation("retanh").value, std::optional(Activation::Retanh));
    QVERIFY(!parseActivation("softplus").value);
}

void TestPopstats::meanRateByGroupHand()
{
    NeuronStats st;
    st.mean = {1.0, 2.0, 4.0, kNaN, 8.0};
    const auto groups = meanRateByGroup(st, {"E", "I", "E", "X", "I"});
    QCOMPARE(groups.size(), std::size_t(3));
    QCOMPARE(groups[0].group, std::string("E"));
    QCOMPARE(groups[0].neurons, std::int64_t(2));
    QVERIFY(near(*groups[0].meanRate.value, 2.5, 1e-15));
    QCOMPARE(groups[1].group, std::string("I"));
    QVERIFY(near(*groups[1].meanRate.value, 5.0, 1e-15));
    QVERIFY(!groups[2].meanRate.value);
    QVERIFY(meanRateByGroup(st, {}).empty());

    // Through a sliced summary: the groups of the slice's neurons.
    Recording rec = randomStates(3, 4, 4, 5);
    Slice sl = wholeSlice(rec.shape);
    sl.neurons = {1, 2, 3};
    Summary s = summarizeSlice(rec, sl);
    s.neuronGroups = {"E", "E", "I", "E"};
    QCOMPARE(summaryNeuronGroups(s), (std::vector<std::string>{"E", "I", "E"}));
    const auto viaSummary =
        meanRateByGroup(computeNeuronStats(s, Convention::Spec), summaryNeuronGroups(s));
    double e = 0.0;
    for (std::int64_t i = 0; i < 12; ++i)
        e += (rec.states[i * 4 + 1] + rec.states[i * 4 + 3]) / 24.0;
    QVERIFY(near(*viaSummary[0].meanRate.value, e, 1e-13));
}

void TestPopstats::participationRatioEigen()
{
    // Correlated rates far from 0 (mean ~1000, spread ~1): the streaming sums
    // must not cancel.
    const std::int64_t rows = 1500, N = 7;
    std::mt19937_64 g(5);
    Eigen::MatrixXd mix(N, 3);
    for (std::int64_t i = 0; i < mix.size(); ++i)
        mix.data()[i] = uniform(g) - 0.5;
    std::vector<double> data(static_cast<std::size_t>(rows * N));
    for (std::int64_t r = 0; r < rows; ++r) {
        Eigen::Vector3d z(uniform(g) - 0.5, 2.0 * (uniform(g) - 0.5), uniform(g) - 0.5);
        const Eigen::VectorXd x = mix * z;
        for (std::int64_t n = 0; n < N; ++n)
            data[r * N + n] = 1000.0 + x[n] + 0.01 * uniform(g);
    }
    // One full block and 191 rows pending, merged with another accumulator
    // that has one full block and 285 rows pending.
    CovarianceAccumulator acc(N), part(N);
    acc.add(data.data(), 3);
    acc.add(data.data() + 3 * N, 700);
    part.add(data.data() + 703 * N, rows - 703);
    acc.merge(part);
    QCOMPARE(acc.samples(), rows);
    const Eigen::MatrixXd ref = covarianceByHand(data, rows, N);
    QVERIFY2((acc.covariance() - ref).cwiseAbs().maxCoeff() < 1e-9 * ref.cwiseAbs().maxCoeff(),
             "covariance");
    const double pr = *acc.participationRatio().value;
    QVERIFY(near(pr, prByEigenvalues(ref), 1e-9));
    QVERIFY(pr > 1.5 && pr < 3.5);
    // A subset of neurons: the eigenvalues of that block of the covariance.
    std::vector<bool> pick(N, false);
    pick[0] = pick[2] = pick[5] = true;
    Eigen::MatrixXd sub(3, 3);
    const int idx[] = {0, 2, 5};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            sub(i, j) = ref(idx[i], idx[j]);
    QVERIFY(near(*acc.participationRatio(pick).value, prByEigenvalues(sub), 1e-9));

    // The promise that chunking does not matter, bit for bit: one call against
    // row by row.
    CovarianceAccumulator whole(N), byRow(N);
    whole.add(data.data(), rows);
    for (std::int64_t r = 0; r < rows; ++r)
        byRow.add(data.data() + r * N, 1);
    QVERIFY(whole.covariance() == byRow.covariance());
    QVERIFY((whole.covariance() - ref).cwiseAbs().maxCoeff() < 1e-9 * ref.cwiseAbs().maxCoeff());

    // Single-precision input: the same numbers as the doubles of those floats.
    const std::vector<float> f(data.begin(), data.end());
    CovarianceAccumulator accF(N);
    accF.add(f.data(), rows);
    const Eigen::MatrixXd refF = covarianceByHand(std::vector<double>(f.begin(), f.end()), rows, N);
    QVERIFY(near(*accF.participationRatio().value, prByEigenvalues(refF), 1e-8));
}

void TestPopstats::participationRatioHand()
{
    // Rates = 3 + a u1 + b u2 with u1 = (1, 1, 0, 0)/sqrt2, u2 = (0, 0, 1, -1)/sqrt2
    // and (a, b) running over (+-2, +-1) evenly: the covariance has eigenvalues
    // 4, 1, 0, 0, so PR = (4 + 1)^2 / (16 + 1) = 25 / 17.
    const double s = 1.0 / std::sqrt(2.0);
    std::vector<double> data;
    for (int rep = 0; rep < 50; ++rep)
        for (double a : {2.0, -2.0})
            for (double b : {1.0, -1.0})
                for (double v : {3 + a * s, 3 + a * s, 3 + b * s, 3 - b * s})
                    data.push_back(v);
    CovarianceAccumulator acc(4);
    acc.add(data.data(), 200);
    QVERIFY(near(*acc.participationRatio().value, 25.0 / 17.0, 1e-12));
    QVERIFY(near(acc.covariance()(0, 1), 2.0, 1e-12)); // 4 * s * s
    QVERIFY(near(acc.covariance()(2, 3), -0.5, 1e-12));
    // k independent neurons of equal variance: PR = k.
    std::vector<double> iso;
    for (int r = 0; r < 8; ++r)
        for (int n = 0; n < 3; ++n)
            iso.push_back(((r >> n) & 1) ? 1.0 : -1.0);
    CovarianceAccumulator three(3);
    three.add(iso.data(), 8);
    QVERIFY(near(*three.participationRatio().value, 3.0, 1e-12));
}

void TestPopstats::participationRatioUndefined()
{
    CovarianceAccumulator acc(2);
    QVERIFY(!acc.participationRatio().value);
    const std::vector<double> flat{1, 2, 1, 2, 1, 2};
    acc.add(flat.data(), 3);
    const Measure m = acc.participationRatio();
    QVERIFY(!m.value);
    QVERIFY(m.reason.find("varies") != std::string::npos);
    const std::vector<double> bad{1, kNaN, 3, 4};
    acc.add(bad.data(), 2);
    QCOMPARE(acc.nonFiniteRows(), std::int64_t(1));
    QVERIFY(acc.participationRatio().reason.find("non-finite") != std::string::npos);
}

void TestPopstats::wilsonTextbook_data()
{
    // Newcombe (1998), Statistics in Medicine 17:857, Table II, method 3
    // (score interval without continuity correction), to 4 decimals.
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("n");
    QTest::addColumn<double>("lo");
    QTest::addColumn<double>("hi");
    QTest::newRow("81/263") << 81 << 263 << 0.2553 << 0.3662;
    QTest::newRow("15/148") << 15 << 148 << 0.0624 << 0.1605;
    QTest::newRow("0/20") << 0 << 20 << 0.0 << 0.1611;
    QTest::newRow("1/29") << 1 << 29 << 0.0061 << 0.1718;
    QTest::newRow("29/29") << 29 << 29 << 0.8830 << 1.0;
    QTest::newRow("0/10") << 0 << 10 << 0.0 << 0.2775;
}

void TestPopstats::wilsonTextbook()
{
    QFETCH(int, k);
    QFETCH(int, n);
    QFETCH(double, lo);
    QFETCH(double, hi);
    const Proportion p = wilson(k, n);
    QCOMPARE(p.successes, std::int64_t(k));
    QVERIFY(near(*p.value, static_cast<double>(k) / n, 1e-15));
    QVERIFY2(std::abs(p.lo - lo) < 5.1e-5, qPrintable(QString::number(p.lo, 'f', 6)));
    QVERIFY2(std::abs(p.hi - hi) < 5.1e-5, qPrintable(QString::number(p.hi, 'f', 6)));
    QVERIFY(!wilson(0, 0).value);
}

void TestPopstats::stepWindowParse()
{
    QCOMPARE(parseStepWindow("10:20", 50).window, std::optional(StepWindow{10, 20}));
    QCOMPARE(parseStepWindow("10:", 50).window, std::optional(StepWindow{10, 50}));
    QCOMPARE(parseStepWindow(":5", 50).window, std::optional(StepWindow{0, 5}));
    for (const char* bad : {"5", "1:3,5:6", "40:60", "7:7", "a:b", ""})
        QVERIFY2(!parseStepWindow(bad, 50).error.empty(), bad);
    QVERIFY(parseStepWindow("40:60", 50).error.find("50 steps") != std::string::npos);
}

void TestPopstats::choiceRuleHand()
{
    // 5 trials, 5 steps, 3 output units. The targets are non-zero at steps 1
    // and 3 only (step 2 zero in every trial), so the default window is 1:4.
    const std::int64_t B = 5, T = 5, U = 3;
    std::vector<double> o(B * T * U, 0.0), y(B * T * U, 0.0);
    auto set = [&](std::vector<double>& a, int b, int t, std::vector<double> v) {
        for (int u = 0; u < U; ++u)
            a[(b * T + t) * U + u] = v[u];
    };
    set(y, 0, 1, {0, 0, 1});
    set(y, 1, 3, {0, 1, 0});
    set(y, 2, 3, {1, 0, 1}); // tie in the target: unit 0 by the rule
    set(y, 3, 1, {0, 0, 0.5});
    // Trial 0: unit 2 wins inside the window although unit 0 wins overall.
    set(o, 0, 0, {9, 0, 0});
    set(o, 0, 2, {0, 0, 1});
    // Trial 1: units 0 and 1 tie in the window: unit 0 (wrong).
    set(o, 1, 1, {1, 1, 0});
    set(o, 1, 4, {0, 5, 0});
    // Trial 2: unit 0 (right, by the target's tie rule); a NaN outside the window.
    set(o, 2, 3, {2, 1, 1});
    set(o, 2, 0, {kNaN, 0, 0});
    // Trial 3: a NaN inside the window: undefined.
    set(o, 3, 2, {0, kNaN, 3});
    // Trial 4: a NaN target inside the window: no answer, undefined.
    set(y, 4, 3, {0, kNaN, 0});
    set(o, 4, 1, {1, 0, 0});
    const ChoicesResult r = trialChoices(o.data(), y.data(), B, T, U);
    QVERIFY2(r.error.empty(), r.error.c_str());
    QCOMPARE(r.choices.window, (StepWindow{1, 4}));
    QCOMPARE(r.choices.choice, (std::vector<int>{2, 0, 0, -1, 0}));
    QCOMPARE(r.choices.target, (std::vector<int>{2, 1, 0, 2, -1}));
    QCOMPARE(r.choices.targetTies, std::int64_t(1));
    const Accuracy a = accuracy(r.choices, {"x", "y", "x", "y", "x"});
    QCOMPARE(a.overall.successes, std::int64_t(2));
    QCOMPARE(a.overall.trials, std::int64_t(3));
    QCOMPARE(a.undefined, std::int64_t(2));
    QCOMPARE(a.byLabel.size(), std::size_t(2));
    QCOMPARE(a.byLabel[0].label, std::string("x"));
    QCOMPARE(a.byLabel[0].correct.successes, std::int64_t(2));
    QCOMPARE(a.byLabel[0].correct.trials, std::int64_t(2));
    QCOMPARE(a.byLabel[1].correct.successes, std::int64_t(0));
    QCOMPARE(a.byLabel[1].correct.trials, std::int64_t(1));
    // 2 of 3: Wilson 95 % (0.2077, 0.9385), the formula evaluated apart in Python.
    QVERIFY(std::abs(a.overall.lo - 0.2077) < 1e-4 && std::abs(a.overall.hi - 0.9385) < 1e-4);
    // The whole trial as the window: trial 0 now chooses unit 0, trial 1 unit 1.
    const ChoicesResult whole = trialChoices(o.data(), y.data(), B, T, U, StepWindow{0, 5});
    QCOMPARE(whole.choices.choice, (std::vector<int>{0, 1, -1, -1, 0}));
    QVERIFY(!trialChoices(o.data(), y.data(), B, T, U, StepWindow{3, 6}).error.empty());
    const std::vector<double> zeros(B * T * U, 0.0);
    QVERIFY(trialChoices(o.data(), zeros.data(), B, T, U).error.find("zero") != std::string::npos);
    QVERIFY(trialChoices(o.data(), y.data(), B * U, T, 1).error.find("at least 2") !=
            std::string::npos);
    QVERIFY(!accuracy(r.choices, {"x"}).error.empty());
}

void TestPopstats::accuracyBruteForce()
{
    // Random outputs and one-hot targets in a response period, fed in chunks
    // of float trials, against argmax loops written here.
    const std::int64_t B = 40, T = 12, U = 3;
    std::mt19937_64 g(19);
    std::vector<float> o(B * T * U), y(B * T * U, 0.0f);
    std::vector<std::string> labels;
    for (std::int64_t b = 0; b < B; ++b) {
        const int answer = static_cast<int>(uniform(g) * U);
        labels.push_back(answer == 2 ? "two" : "other");
        for (std::int64_t t = 0; t < T; ++t)
            for (std::int64_t u = 0; u < U; ++u) {
                o[(b * T + t) * U + u] = static_cast<float>(uniform(g));
                if (t >= 6 && t < 10)
                    y[(b * T + t) * U + u] = u == answer ? 1.0f : 0.0f;
            }
    }
    TargetSpan span(T, U);
    span.add(y.data(), 25);
    span.add(y.data() + 25 * T * U, B - 25);
    QCOMPARE(span.window(), std::optional(StepWindow{6, 10}));
    ChoiceAccumulator acc(B, T, U, *span.window());
    acc.add(o.data() + 10 * T * U, y.data() + 10 * T * U, 10, B - 10);
    acc.add(o.data(), y.data(), 0, 10);
    const Accuracy a = accuracy(acc.choices(), labels);
    std::map<std::string, std::pair<int, int>> byHand;
    for (std::int64_t b = 0; b < B; ++b) {
        double best = -1.0, bestY = -1.0;
        int choice = -1, answer = -1;
        for (int u = 0; u < U; ++u) {
            double m = 0.0, my = 0.0;
            for (std::int64_t t = 6; t < 10; ++t) {
                m += o[(b * T + t) * U + u] / 4.0;
                my += y[(b * T + t) * U + u] / 4.0;
            }
            if (m > best)
                best = m, choice = u;
            if (my > bestY)
                bestY = my, answer = u;
        }
        byHand[labels[b]].first += choice == answer;
        byHand[labels[b]].second += 1;
    }
    int correct = 0;
    for (const LabelAccuracy& l : a.byLabel) {
        QCOMPARE(l.correct.successes, std::int64_t(byHand[l.label].first));
        QCOMPARE(l.correct.trials, std::int64_t(byHand[l.label].second));
        correct += byHand[l.label].first;
    }
    QCOMPARE(a.overall.successes, std::int64_t(correct));
    QCOMPARE(a.overall.trials, B);
    QVERIFY(correct > 5 && correct < 25); // chance is a third
}

void TestPopstats::psychometricHand()
{
    TrialChoices c;
    c.nOut = 2;
    //            value: -1  -1  1  0  -1  1  0  1  -1  1
    c.choice = {0, 0, 1, 0, 0, 1, 1, 0, 1, -1};
    c.target = std::vector<int>(10, 0);
    const std::vector<double> values{-1, -1, 1, 0, -1, 1, 0, 1, -1, 1};
    const Psychometric p = psychometric(c, values);
    QVERIFY2(p.error.empty(), p.error.c_str());
    QCOMPARE(p.undefined, std::int64_t(1));
    QCOMPARE(p.points.size(), std::size_t(3));
    // -1: 3 of 4 chose 0; 0: 1 of 2; 1: 2 of 3 chose 1 (one undefined).
    const double expected[3][3] = {{-1, 4, 1}, {0, 2, 1}, {1, 3, 2}};
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(p.points[i].value, expected[i][0]);
        QCOMPARE(p.points[i].trials, std::int64_t(expected[i][1]));
        QCOMPARE(p.points[i].choice[1].successes, std::int64_t(expected[i][2]));
        QCOMPARE(p.points[i].choice[0].successes, std::int64_t(expected[i][1] - expected[i][2]));
    }
    // 1 of 4: Wilson 95 % (0.0456, 0.6994), the formula evaluated apart in Python.
    QVERIFY(std::abs(p.points[0].choice[1].lo - 0.0456) < 1e-4);
    QVERIFY(std::abs(p.points[0].choice[1].hi - 0.6994) < 1e-4);
    // Unit 0's curve mirrors unit 1's.
    QCOMPARE(p.fits.size(), std::size_t(2));
    QVERIFY(near(*p.fits[0].slope, -*p.fits[1].slope, 1e-9));
    QVERIFY(near(*p.fits[0].bias, -*p.fits[1].bias, 1e-9));
    QVERIFY(*p.fits[1].slope > 0.0);

    QVERIFY(psychometric(c, std::vector<double>(9, 0.0)).error.find("9 values") !=
            std::string::npos);
    std::vector<double> bad = values;
    bad[4] = kNaN;
    QVERIFY(psychometric(c, bad).error.find("trial_values[4]") != std::string::npos);
}

void TestPopstats::logisticExactSmall()
{
    // Two levels: the fit is saturated and reproduces the observed shares,
    // 1/4 at x = 0 and 3/4 at x = 1: bias = logit(1/4) = -ln 3, slope = 2 ln 3.
    const LogisticFit two = fitLogistic(std::vector<double>{0, 1}, std::vector<double>{1, 3},
                                        std::vector<double>{4, 4});
    QVERIFY2(two.error.empty(), two.error.c_str());
    QVERIFY(near(*two.bias, -std::log(3.0), 1e-10));
    QVERIFY(near(*two.slope, 2.0 * std::log(3.0), 1e-10));
    // Four levels, not saturated: the gradient of the log-likelihood, written
    // out here, vanishes at the fit, and nearby points are worse.
    const std::vector<double> x{-3, 0.5, 2, 7}, k{1, 1, 4, 5}, n{4, 2, 6, 5.5};
    const LogisticFit f = fitLogistic(x, k, n);
    QVERIFY2(f.error.empty(), f.error.c_str());
    auto loglik = [&](double b, double s, double* g0, double* g1) {
        double ll = 0.0;
        *g0 = *g1 = 0.0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double p = 1.0 / (1.0 + std::exp(-(b + s * x[i])));
            ll += k[i] * std::log(p) + (n[i] - k[i]) * std::log(1.0 - p);
            *g0 += k[i] - n[i] * p;
            *g1 += (k[i] - n[i] * p) * x[i];
        }
        return ll;
    };
    double g0 = 0.0, g1 = 0.0;
    const double ll = loglik(*f.bias, *f.slope, &g0, &g1);
    QVERIFY2(std::abs(g0) < 1e-9 && std::abs(g1) < 1e-9,
             qPrintable(QString("%1 %2").arg(g0).arg(g1)));
    QVERIFY(near(f.logLikelihood, ll, 1e-10));
    double d0 = 0.0, d1 = 0.0;
    for (double db : {-1e-3, 1e-3})
        for (double ds : {-1e-3, 1e-3})
            QVERIFY(loglik(*f.bias + db, *f.slope + ds, &d0, &d1) < ll);
    // The standard errors: the inverse of the information matrix written out.
    double i00 = 0, i01 = 0, i11 = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double p = 1.0 / (1.0 + std::exp(-(*f.bias + *f.slope * x[i])));
        const double w = n[i] * p * (1 - p);
        i00 += w;
        i01 += w * x[i];
        i11 += w * x[i] * x[i];
    }
    const double det = i00 * i11 - i01 * i01;
    QVERIFY(near(f.biasSe, std::sqrt(i11 / det), 1e-7));
    QVERIFY(near(f.slopeSe, std::sqrt(i00 / det), 1e-7));
}

void TestPopstats::logisticRecoversCurve()
{
    // Choices drawn from p = 1 / (1 + exp(-(b + s x))), 3000 trials at each of
    // 9 levels: the fit lands within 4 standard errors of the truth, and its
    // standard errors match those of the true curve to 10 %.
    const double b = -0.4, s = 1.7;
    std::mt19937_64 g(2024);
    std::vector<double> x, k, n;
    double i00 = 0, i01 = 0, i11 = 0;
    for (int level = 0; level < 9; ++level) {
        const double v = -2.0 + 0.5 * level;
        const double p = 1.0 / (1.0 + std::exp(-(b + s * v)));
        double hits = 0.0;
        for (int t = 0; t < 3000; ++t)
            hits += uniform(g) < p;
        x.push_back(v);
        k.push_back(hits);
        n.push_back(3000);
        const double w = 3000 * p * (1 - p);
        i00 += w;
        i01 += w * v;
        i11 += w * v * v;
    }
    const LogisticFit f = fitLogistic(x, k, n);
    QVERIFY2(f.error.empty(), f.error.c_str());
    const double det = i00 * i11 - i01 * i01;
    const double seB = std::sqrt(i11 / det), seS = std::sqrt(i00 / det);
    QVERIFY2(std::abs(*f.bias - b) < 4 * seB, qPrintable(QString::number(*f.bias)));
    QVERIFY2(std::abs(*f.slope - s) < 4 * seS, qPrintable(QString::number(*f.slope)));
    QVERIFY(std::abs(f.biasSe / seB - 1.0) < 0.1);
    QVERIFY(std::abs(f.slopeSe / seS - 1.0) < 0.1);
    // The same data one trial at a time: the same fit.
    std::vector<double> x1, k1, n1;
    for (std::size_t i = 0; i < x.size(); ++i)
        for (int t = 0; t < 3000; ++t) {
            x1.push_back(x[i]);
            k1.push_back(t < k[i] ? 1 : 0);
            n1.push_back(1);
        }
    const LogisticFit f1 = fitLogistic(x1, k1, n1);
    QVERIFY(near(*f1.slope, *f.slope, 1e-8));
    QVERIFY(near(*f1.bias, *f.bias, 1e-8));
}

void TestPopstats::logisticRefused()
{
    auto error = [](std::vector<double> x, std::vector<double> k, std::vector<double> n) {
        const LogisticFit f = fitLogistic(x, k, n);
        if (f.error.empty() || f.bias || f.slope)
            return std::string("fitted");
        return f.error;
    };
    // Completely separated, either way round.
    QVERIFY(error({0, 1, 2, 3}, {0, 0, 1, 1}, {1, 1, 1, 1}).find("separated") != std::string::npos);
    QVERIFY(error({0, 1, 2, 3}, {2, 2, 0, 0}, {2, 2, 2, 2}).find("separated") != std::string::npos);
    // Quasi-complete: a mixed level at the boundary only.
    QVERIFY(error({0, 1, 2}, {0, 1, 3}, {3, 2, 3}).find("separated") != std::string::npos);
    QVERIFY(error({0, 1, 2}, {0, 0, 0}, {3, 2, 3}).find("no trial") != std::string::npos);
    QVERIFY(error({0, 1, 2}, {3, 2, 3}, {3, 2, 3}).find("every trial") != std::string::npos);
    QVERIFY(error({1, 1}, {1, 2}, {3, 3}).find("single level") != std::string::npos);
    QVERIFY(error({0, 1}, {3, 1}, {2, 2}).find("0 <= successes") != std::string::npos);
    // Overlap at both ends: fits.
    QCOMPARE(error({0, 1, 2}, {1, 1, 2}, {3, 2, 3}), std::string("fitted"));
}

void TestPopstats::paretoHand()
{
    //            0  1  2  3  4  5    6
    const std::vector<double> x{1, 2, 3, 2, 4, 1, kNaN};
    const std::vector<double> y{5, 2, 1, 3, 0, 5, 0};
    // Minimising both: 0 and 5 (equal, so both), 1, 2, 4; 3 is beaten by 1.
    QCOMPARE(paretoFront(x, y), (std::vector<std::size_t>{0, 5, 1, 2, 4}));
    // x minimised, y maximised: (1, 5), twice, beats everything else.
    QCOMPARE(paretoFront(x, y, Goal::Minimise, Goal::Maximise), (std::vector<std::size_t>{0, 5}));
    QCOMPARE(paretoFront(x, y, Goal::Maximise, Goal::Maximise),
             (std::vector<std::size_t>{0, 5, 3, 2, 4}));
    QVERIFY(paretoFront(std::vector<double>{}, std::vector<double>{}).empty());
}

void TestPopstats::paretoBruteForce()
{
    std::mt19937_64 g(3);
    for (int round = 0; round < 20; ++round) {
        const int n = 5 + round * 10;
        std::vector<double> x(n), y(n);
        for (int i = 0; i < n; ++i) {
            // Coarse integers: many ties and duplicates; a few NaN.
            x[i] = std::floor(uniform(g) * 12);
            y[i] = uniform(g) < 0.03 ? kNaN : std::floor(uniform(g) * 12);
        }
        for (Goal gx : {Goal::Minimise, Goal::Maximise})
            for (Goal gy : {Goal::Minimise, Goal::Maximise}) {
                const double sx = gx == Goal::Minimise ? 1 : -1;
                const double sy = gy == Goal::Minimise ? 1 : -1;
                std::vector<std::size_t> ref;
                for (int p = 0; p < n; ++p) {
                    if (std::isnan(y[p]))
                        continue;
                    bool dominated = false;
                    for (int q = 0; q < n && !dominated; ++q)
                        dominated = !std::isnan(y[q]) && sx * x[q] <= sx * x[p] &&
                                    sy * y[q] <= sy * y[p] &&
                                    (sx * x[q] < sx * x[p] || sy * y[q] < sy * y[p]);
                    if (!dominated)
                        ref.push_back(p);
                }
                std::vector<std::size_t> got = paretoFront(x, y, gx, gy);
                for (std::size_t i = 1; i < got.size(); ++i)
                    QVERIFY(x[got[i - 1]] < x[got[i]] ||
                            (x[got[i - 1]] == x[got[i]] && y[got[i - 1]] <= y[got[i]]));
                std::sort(got.begin(), got.end());
                QCOMPARE(got, ref);
            }
    }
}

QTEST_GUILESS_MAIN(TestPopstats)
#include "test_popstats.moc"
