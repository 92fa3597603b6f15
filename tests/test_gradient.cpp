// Per-term gradients (engine/gradient.h, engine/gradgram.h) against references
// that share no code with them:
// - central finite differences of a brute-force loss: the network simulated by
//   the naive loops below, the terms by tests/bruteforce.h;
// - nn4n's own CTRNN and PyTorch autograd (tests/data/gradient, made by
//   tools/make_gradient_reference.py);
// - the Gram identities against dot products of the explicit gradients.
// RNNLOSS_GRAD_BENCH=1 times the pass at the size of the recording.

#include "bruteforce.h"
#include "bruteforcenet.h"
#include "gradgram.h"
#include "gradient.h"
#include "gradkernel.h"
#include "slice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <chrono>
#include <cmath>
#include <ctime>
#include <random>

using namespace rnnloss;

namespace {

using bruteforcenet::bruteLoss;
using bruteforcenet::Case;
using bruteforcenet::centralDifferences;
using bruteforcenet::FdGradients;
using bruteforcenet::flat;
using bruteforcenet::Sim;
using bruteforcenet::simulate;
using bruteforcenet::toLong;

Case makeCase(Activation a, unsigned seed, Shape s, bool biases, long initRows)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> g(0.0, 1.0);
    auto random = [&](long rows, long cols, double scale, double shift = 0.0) {
        WeightMatrix m(rows, cols);
        for (long i = 0; i < m.size(); ++i)
            m.data()[i] = shift + scale * g(rng);
        return m;
    };
    Case c;
    c.shape = s;
    Network& n = c.net;
    n.activation = a;
    n.alpha = 0.3;
    n.wIn = random(s.nHid, s.nIn, 0.8);
    n.wHid = random(s.nHid, s.nHid, 1.2 / std::sqrt(double(s.nHid)));
    n.wOut = random(s.nOut, s.nHid, 0.7);
    if (biases) {
        // A positive shift keeps most relu units active, some not.
        n.bIn = random(s.nHid, 1, 0.3, 0.1);
        n.bHid = random(s.nHid, 1, 0.3, 0.1);
        n.bOut = random(s.nOut, 1, 0.3);
    }
    if (initRows)
        n.initState = random(initRows, s.nHid, 0.6, 0.2);
    for (long i = 0; i < s.batch * s.time * s.nIn; ++i)
        c.inputs.push_back(g(rng));
    for (long i = 0; i < s.batch * s.time * s.nOut; ++i)
        c.targets.push_back(g(rng));
    return c;
}

GradientInput inputOf(const Case& c)
{
    GradientInput in;
    in.shape = c.shape;
    in.inputs = std::span<const double>(c.inputs);
    in.targets = std::span<const double>(c.targets);
    return in;
}

GradientResult compute(const Case& c, Convention conv, std::optional<Slice> slice = {},
                       int threads = 2)
{
    GradientOptions o;
    o.convention = conv;
    o.slice = std::move(slice);
    o.keepGradients = true;
    o.threads = threads;
    return computeGradients(c.net, inputOf(c), o);
}

double frobenius(const std::vector<double>& v)
{
    double s = 0.0;
    for (double x : v)
        s += x * x;
    return std::sqrt(s);
}

const Shape kSmall{3, 6, 2, 5, 2};

std::array<bool, kTermCount> allEnabled()
{
    std::array<bool, kTermCount> e;
    e.fill(true);
    return e;
}

} // namespace

class TestGradient : public QObject
{
    Q_OBJECT
private slots:
    void gemmKernelsMatchNaiveProducts();
    void finiteDifferences_data();
    void finiteDifferences();
    void gramAgainstExplicitGradients();
    void balanceByGradientHitsTargets();
    void balanceByGradientRefuses_data();
    void balanceByGradientRefuses();
    void replayError();
    void undefinedTerms();
    void refusals_data();
    void refusals();
    void activationNames();
    void progressAndCancel();
    void nn4nAutogradReference_data();
    void nn4nAutogradReference();
    void benchmark();
};

void TestGradient::gemmKernelsMatchNaiveProducts()
{
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    const long m = 37, n = 29, k = 45, pad = 3;
    std::vector<double> a((std::max(m, k)) * (std::max(m, k) + pad)),
        b((std::max(n, k)) * (std::max(n, k) + pad));
    for (double& x : a)
        x = u(rng);
    for (double& x : b)
        x = u(rng);
    int ran = 0;
    for (const auto& kernel : gradkernel::gemms()) {
        if (!kernel.supported)
            continue;
        ++ran;
        for (int mode = 0; mode < 8; ++mode) {
            const bool ta = mode & 1, tb = mode & 2, acc = mode & 4;
            const long lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
            std::vector<double> c(m * ldc, 0.5), want = c;
            for (long i = 0; i < m; ++i)
                for (long j = 0; j < n; ++j) {
                    double s = 0.0;
                    for (long l = 0; l < k; ++l)
                        s += (ta ? a[l * lda + i] : a[i * lda + l]) *
                             (tb ? b[j * ldb + l] : b[l * ldb + j]);
                    want[i * ldc + j] = (acc ? want[i * ldc + j] : 0.0) + s;
                }
            kernel.fn(ta, tb, m, n, k, a.data(), lda, b.data(), ldb, acc, c.data(), ldc);
            for (long i = 0; i < m * ldc; ++i)
                QVERIFY2(std::abs(c[i] - want[i]) < 1e-12,
                         qPrintable(QString("%1 mode %2 at %3").arg(kernel.name).arg(mode).arg(i)));
        }
    }
    QVERIFY(ran >= 1);
    qInfo("products in use: %s", gradkernel::bestGemm().name);
}

void TestGradient::finiteDifferences_data()
{
    QTest::addColumn<int>("activation");
    QTest::addColumn<int>("convention");
    QTest::addColumn<QString>("variant");
    for (Activation a :
         {Activation::Relu, Activation::Tanh, Activation::Sigmoid, Activation::Retanh})
        for (Convention c : {Convention::Nn4n, Convention::Spec})
            for (const char* v : {"whole", "slice", "init1-nobias", "threads1"})
                QTest::addRow("%s/%s/%s", activationName(a).data(), conventionName(c).data(), v)
                    << int(a) << int(c) << QString(v);
}

void TestGradient::finiteDifferences()
{
    QFETCH(int, activation);
    QFETCH(int, convention);
    QFETCH(QString, variant);
    const auto conv = static_cast<Convention>(convention);
    const bool slice = variant == "slice";
    const long initRows = slice ? kSmall.batch : variant == "init1-nobias" ? 1 : 0;
    const Case c = makeCase(static_cast<Activation>(activation), 11 + activation * 7, kSmall,
                            variant != "init1-nobias", initRows);
    Slice s;
    s.whole = kSmall;
    s.trials = {0, 2};
    s.steps = {1, 2, 4};
    s.neurons = {0, 2, 3, 4};
    const GradientResult r =
        compute(c, conv, slice ? std::optional(s) : std::nullopt, variant == "threads1" ? 1 : 2);
    QVERIFY2(r.ok(), r.error.c_str());
    const FdGradients fd = centralDifferences(c, conv, slice ? &s : nullptr, 1e-6);
    const auto values = bruteLoss(c.net, c, conv, slice ? &s : nullptr);
    int compared = 0;
    for (Term k : kAllTerms) {
        const TermGradient& tg = r[k];
        QVERIFY2(tg.defined == values[index(k)].has_value(), termKey(k).data());
        if (!tg.defined)
            continue;
        QVERIFY(std::abs(*tg.value - *values[index(k)]) <= 1e-12 * std::abs(*values[index(k)]));
        double scale = 0.0;
        for (Param p : kAllParams)
            scale = std::max(scale, frobenius(fd[index(k)][index(p)]));
        for (Param p : kAllParams) {
            const WeightMatrix& g = r.gradients[index(k)][index(p)];
            const std::vector<double>& want = fd[index(k)][index(p)];
            QCOMPARE(static_cast<std::size_t>(g.size()), want.size());
            double err = 0.0;
            for (std::size_t i = 0; i < want.size(); ++i)
                err += (g.data()[i] - want[i]) * (g.data()[i] - want[i]);
            err = std::sqrt(err);
            const double norm = frobenius(want);
            QVERIFY2(err <= 1e-6 * norm + 1e-9 * scale,
                     qPrintable(QString("L_%1 d/d%2: |g - fd| = %3, |fd| = %4")
                                    .arg(termKey(k).data(), paramKey(p).data())
                                    .arg(err)
                                    .arg(norm)));
            compared += norm > 1e-9 * scale;
        }
    }
    // Every rate term depends on W_in, b_in, W_hid, b_hid; mse on all six;
    // each weight term on its matrix: 4 * 3 + 6 + 3 pairs with a gradient.
    QVERIFY2(compared >= 18, qPrintable(QString::number(compared)));
}

void TestGradient::gramAgainstExplicitGradients()
{
    const Case c = makeCase(Activation::Tanh, 5, Shape{4, 7, 3, 6, 2}, true, 1);
    const GradientResult r = compute(c, Convention::Nn4n);
    QVERIFY(r.ok());
    const TermArray lambdas = {1.0, 0.3, 0.0, 2.0, 0.7, 0.05, 1.5};
    std::array<bool, kTermCount> enabled = allEnabled();
    enabled[index(Term::Out)] = false; // counts as 0 whatever its lambda
    for (Param p : kAllParams) {
        const ParamGram& g = r[p];
        WeightMatrix total =
            WeightMatrix::Zero(r.gradients[0][index(p)].rows(), r.gradients[0][index(p)].cols());
        double sumWeighted = 0.0;
        for (Term k : kAllTerms) {
            const WeightMatrix& gk = r.gradients[index(k)][index(p)];
            for (Term l : kAllTerms) {
                const WeightMatrix& gl = r.gradients[index(l)][index(p)];
                double dot = 0.0;
                for (long i = 0; i < gk.size(); ++i)
                    dot += gk.data()[i] * gl.data()[i];
                QVERIFY(std::abs(g.g[index(k)][index(l)] - dot) <= 1e-12 * (1.0 + std::abs(dot)));
                const double nk = gk.norm(), nl = gl.norm();
                const auto cs = cosine(g, k, l);
                QCOMPARE(cs.has_value(), nk > 0.0 && nl > 0.0);
                if (cs)
                    QVERIFY(std::abs(*cs - dot / (nk * nl)) < 1e-12);
            }
            QVERIFY(std::abs(*gradNorm(g, k) - gk.norm()) <= 1e-12 * (1.0 + gk.norm()));
            if (enabled[index(k)]) {
                total += lambdas[index(k)] * gk;
                sumWeighted += lambdas[index(k)] * gk.norm();
            }
        }
        const double want = total.norm();
        QVERIFY(std::abs(*weightedTotalNorm(g, lambdas, enabled) - want) <= 1e-10 * want);
        const Shares shares = gradShares(g, lambdas, enabled);
        for (Term k : kAllTerms) {
            const double w = enabled[index(k)]
                                 ? lambdas[index(k)] * r.gradients[index(k)][index(p)].norm()
                                 : 0.0;
            QVERIFY(shares[index(k)].has_value());
            QVERIFY(std::abs(*shares[index(k)] - w / sumWeighted) < 1e-12);
        }
    }
}

void TestGradient::balanceByGradientHitsTargets()
{
    const Case c = makeCase(Activation::Relu, 8, Shape{4, 9, 3, 7, 2}, true, 0);
    const GradientResult r = compute(c, Convention::Spec);
    QVERIFY(r.ok());
    const TermArray lambdas = {1.0, 0.01, 0.02, 0.0, 0.5, 0.0, 0.0};
    const std::array<bool, kTermCount> enabled = allEnabled();
    for (Param p : {Param::WHid, Param::WIn, Param::BHid}) {
        // Each weight term has a gradient with respect to its own matrix only.
        const std::vector<ShareTarget> targets = {
            {Term::Fr, 0.3}, {Term::FrCv, 0.15}, {p == Param::WIn ? Term::In : Term::Hid, 0.05}};
        const BalanceResult b = balanceByGradient(r[p], lambdas, enabled, targets);
        if (p == Param::BHid) {
            // L_hid does not depend on b_hid: no lambda gives it a share.
            QVERIFY(!b.lambdas);
            QVERIFY2(b.error.find("gradient of L_hid with respect to b_hid is 0") !=
                         std::string::npos,
                     b.error.c_str());
            continue;
        }
        QVERIFY2(b.lambdas, b.error.c_str());
        // The shares under the solved lambdas, from the explicit gradients.
        double sum = 0.0;
        std::array<double, kTermCount> weighted{};
        for (Term k : kAllTerms) {
            weighted[index(k)] = (*b.lambdas)[index(k)] * r.gradients[index(k)][index(p)].norm();
            sum += weighted[index(k)];
        }
        QVERIFY(std::abs(sum - b.total) <= 1e-12 * sum);
        for (const ShareTarget& t : targets)
            QVERIFY2(std::abs(weighted[index(t.term)] / sum - t.share) < 1e-9,
                     termKey(t.term).data());
        for (Term k : {Term::Mse, Term::Out, Term::FrSd})
            QCOMPARE((*b.lambdas)[index(k)], lambdas[index(k)]);
    }
}

void TestGradient::balanceByGradientRefuses_data()
{
    QTest::addColumn<QString>("why");
    QTest::addColumn<QString>("message");
    QTest::newRow("sum") << "sum"
                         << "sum to 110%";
    QTest::newRow("twice") << "twice"
                           << "given twice";
    QTest::newRow("negative") << "negative"
                              << "a share is a fraction";
    QTest::newRow("no gradient") << "nograd"
                                 << "L_mse has no gradient: needs 'targets'";
    QTest::newRow("zero gradient") << "zero"
                                   << "L_in with respect to W_hid is 0";
    QTest::newRow("nothing else") << "alone"
                                  << "the other enabled terms have no gradient";
    QTest::newRow("other undefined") << "otherundefined"
                                     << "L_mse is enabled but has no gradient";
}

void TestGradient::balanceByGradientRefuses()
{
    QFETCH(QString, why);
    QFETCH(QString, message);
    Case c = makeCase(Activation::Tanh, 4, kSmall, true, 0);
    if (why == "nograd" || why == "otherundefined")
        c.targets.clear();
    const GradientResult r = compute(c, Convention::Nn4n);
    QVERIFY(r.ok());
    TermArray lambdas = {1.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1};
    std::array<bool, kTermCount> enabled = allEnabled();
    std::vector<ShareTarget> targets = {{Term::Fr, 0.4}};
    if (why == "sum")
        targets = {{Term::Fr, 0.6}, {Term::Hid, 0.5}};
    else if (why == "twice")
        targets = {{Term::Fr, 0.1}, {Term::Fr, 0.2}};
    else if (why == "negative")
        targets = {{Term::Fr, -0.1}};
    else if (why == "nograd")
        targets = {{Term::Mse, 0.5}};
    else if (why == "zero")
        targets = {{Term::In, 0.5}};
    else if (why == "alone")
        enabled = {false, true, false, false, true, false, false}; // L_in: 0 for W_hid
    const BalanceResult b = balanceByGradient(r[Param::WHid], lambdas, enabled, targets);
    QVERIFY(!b.lambdas);
    QVERIFY2(QString::fromStdString(b.error).contains(message), b.error.c_str());
}

void TestGradient::replayError()
{
    const Case c = makeCase(Activation::Tanh, 21, Shape{4, 12, 3, 8, 2}, true, 4);
    const Sim sim = simulate(c.net, c.inputs, c.shape);
    GradientInput in = inputOf(c);
    in.states = std::span<const double>(sim.r);
    GradientResult r = computeGradients(c.net, in);
    QVERIFY(r.ok());
    QVERIFY(r.replayError);
    QVERIFY2(*r.replayError < 1e-14 * r.maxAbsRate, qPrintable(QString::number(*r.replayError)));
    QVERIFY(r.warnings.empty());
    double maxAbs = 0.0;
    for (double x : sim.r)
        maxAbs = std::max(maxAbs, std::abs(x));
    QVERIFY(std::abs(r.maxAbsRate - maxAbs) < 1e-14);

    // Stored as float32 the recording is still the network's trajectory.
    const std::vector<float> single(sim.r.begin(), sim.r.end());
    in.states = std::span<const float>(single);
    r = computeGradients(c.net, in);
    QVERIFY(*r.replayError < 1e-6 * r.maxAbsRate && r.warnings.empty());

    // States recorded with noise (as a training-mode forward pass makes them).
    std::mt19937 rng(1);
    std::normal_distribution<double> noise(0.0, 0.01);
    std::vector<double> noisy = sim.r;
    for (double& x : noisy)
        x += noise(rng);
    in.states = std::span<const double>(noisy);
    r = computeGradients(c.net, in);
    double worst = 0.0;
    for (std::size_t i = 0; i < noisy.size(); ++i)
        worst = std::max(worst, std::abs(noisy[i] - sim.r[i]));
    QVERIFY(std::abs(*r.replayError - worst) < 1e-15);
    QVERIFY(*r.replayError > kReplayTolerance * r.maxAbsRate);
    QCOMPARE(r.warnings.size(), std::size_t(1));
    QVERIFY2(r.warnings[0].find("not this network's noise-free trajectory") != std::string::npos,
             r.warnings[0].c_str());
    // Only the simulated steps are compared: noise after the slice's last step is not seen.
    Slice s = wholeSlice(c.shape);
    s.steps = {0, 1, 2};
    for (long b = 0; b < c.shape.batch; ++b)
        for (long t = 3; t < c.shape.time; ++t)
            for (long n = 0; n < c.shape.nHid; ++n)
                noisy[(b * c.shape.time + t) * c.shape.nHid + n] =
                    sim.r[(b * c.shape.time + t) * c.shape.nHid + n] + 1.0;
    for (long i = 0; i < c.shape.batch * c.shape.time * c.shape.nHid; ++i)
        if ((i / c.shape.nHid) % c.shape.time < 3)
            noisy[i] = sim.r[i];
    GradientOptions o;
    o.slice = s;
    r = computeGradients(c.net, in, o);
    QVERIFY(*r.replayError < 1e-14);
}

void TestGradient::undefinedTerms()
{
    // A relu network whose units never fire: every rate is exactly 0.
    Case dead = makeCase(Activation::Relu, 2, kSmall, true, 0);
    dead.net.bIn.setConstant(-50.0);
    GradientResult r = compute(dead, Convention::Spec);
    QVERIFY(r.ok());
    QVERIFY(!r[Term::FrCv].defined && !r[Term::FrCv].value);
    QVERIFY2(r[Term::FrCv].reason.find("mean rate is 0") != std::string::npos,
             r[Term::FrCv].reason.c_str());
    QVERIFY(r[Term::FrSd].value && *r[Term::FrSd].value == 0.0 && !r[Term::FrSd].defined);
    QVERIFY(r[Term::FrSd].reason.find("SD is 0") != std::string::npos);
    QVERIFY(r[Term::Fr].defined && *r[Term::Fr].value == 0.0);
    QCOMPARE(r[Param::WHid].g[index(Term::Fr)][index(Term::Fr)], 0.0);
    QVERIFY(!cosine(r[Param::WHid], Term::Fr, Term::Mse));
    QVERIFY(!weightedTotalNorm(r[Param::WHid], {1, 0, 0, 0, 0, 0, 1}, allEnabled()));
    QVERIFY(weightedTotalNorm(r[Param::WHid], {1, 0, 0, 0, 1, 0, 0}, allEnabled()));
    r = compute(dead, Convention::Nn4n);
    QVERIFY(r[Term::FrCv].reason.find("mean of |r| is 0") != std::string::npos);

    // mse without targets; the sample SD of one neuron.
    Case c = makeCase(Activation::Tanh, 2, kSmall, true, 0);
    c.targets.clear();
    Slice s = wholeSlice(kSmall);
    s.neurons = {3};
    r = compute(c, Convention::Nn4n, s);
    QVERIFY(!r[Term::Mse].available && !r[Term::Mse].defined);
    QVERIFY(r[Term::Mse].reason.find("'targets'") != std::string::npos);
    QVERIFY(!r[Term::FrSd].defined && !r[Term::FrSd].value);
    QVERIFY(r[Term::FrSd].reason.find("at least 2 neurons") != std::string::npos);
    QVERIFY(r[Term::Fr].defined && r[Term::Hid].defined);
    QVERIFY(r.gradients[index(Term::Mse)][index(Param::WHid)].isZero(0.0));

    // A target that is not a number, in the slice and outside it.
    c = makeCase(Activation::Tanh, 2, kSmall, true, 0);
    c.targets[(1 * kSmall.time + 4) * kSmall.nOut + 1] = NAN;
    r = compute(c, Convention::Nn4n);
    QVERIFY(!r[Term::Mse].defined && r[Term::Mse].available);
    QVERIFY2(r[Term::Mse].reason.find("'targets' holds 1 non-finite value(s)") != std::string::npos,
             r[Term::Mse].reason.c_str());
    QVERIFY(r[Term::Fr].defined);
    s = wholeSlice(kSmall);
    s.steps = {0, 1, 2, 3, 5};
    r = compute(c, Convention::Nn4n, s);
    QVERIFY(r[Term::Mse].defined);

    // A network that diverges.
    Case wild = makeCase(Activation::Relu, 2, kSmall, true, 0);
    wild.net.wHid *= 1e200;
    wild.net.alpha = 1.0;
    r = compute(wild, Convention::Nn4n);
    QVERIFY(r.ok());
    QVERIFY(!r[Term::Fr].defined && r[Term::Fr].reason.find("diverges") != std::string::npos);
    QVERIFY(!r[Term::Mse].defined && r[Term::In].defined);
    QVERIFY(!r[Term::Hid].defined && r[Term::Hid].reason == "the value is not finite");
}

void TestGradient::refusals_data()
{
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("message");
    QTest::newRow("no inputs") << "noinputs"
                               << "need the recording's 'inputs'";
    QTest::newRow("inputs size") << "inputsize"
                                 << "'inputs' holds 35 values";
    QTest::newRow("inputs NaN") << "inputsnan"
                                << "'inputs' holds 1 non-finite";
    QTest::newRow("targets size") << "targetsize"
                                  << "'targets' holds";
    QTest::newRow("states size") << "statesize"
                                 << "'states' holds";
    QTest::newRow("W_in columns") << "win"
                                  << "N_in (W_in's columns) is 3 but 'inputs' has 2";
    QTest::newRow("W_hid not square") << "whid"
                                      << "W_hid has shape (5, 4)";
    QTest::newRow("W_out") << "wout"
                           << "W_out has shape (2, 4)";
    QTest::newRow("b_hid size") << "bhid"
                                << "b_hid has 4 entries";
    QTest::newRow("b_out NaN") << "bout"
                               << "b_out holds 1 non-finite";
    QTest::newRow("alpha 0") << "alpha0"
                             << "alpha (dt / tau) is 0";
    QTest::newRow("alpha > 1") << "alpha2"
                               << "alpha (dt / tau) is 1.5";
    QTest::newRow("alpha NaN") << "alphanan"
                               << "alpha (dt / tau) is nan";
    QTest::newRow("init state rows") << "initrows"
                                     << "init_state has shape (2, 5), expected (5) or (3, 5)";
    QTest::newRow("init state NaN") << "initnan"
                                    << "init_state holds 1 non-finite";
    QTest::newRow("slice of another") << "sliceshape"
                                      << "slice is of a recording of another shape";
    QTest::newRow("bad slice") << "slice"
                               << "not increasing";
}

void TestGradient::refusals()
{
    QFETCH(QString, what);
    QFETCH(QString, message);
    Case c = makeCase(Activation::Tanh, 1, kSmall, true, 0);
    GradientInput in = inputOf(c);
    GradientOptions o;
    std::vector<double> bad = c.inputs;
    if (what == "noinputs")
        in.inputs = std::span<const double>();
    else if (what == "inputsize")
        in.inputs = std::span<const double>(c.inputs).first(35);
    else if (what == "inputsnan") {
        bad[7] = NAN;
        in.inputs = std::span<const double>(bad);
    } else if (what == "targetsize")
        in.targets = std::span<const double>(c.targets).first(3);
    else if (what == "statesize")
        in.states = std::span<const double>(c.targets);
    else if (what == "win")
        c.net.wIn = WeightMatrix::Ones(5, 3);
    else if (what == "whid")
        c.net.wHid = WeightMatrix::Ones(5, 4);
    else if (what == "wout")
        c.net.wOut = WeightMatrix::Ones(2, 4);
    else if (what == "bhid")
        c.net.bHid = Eigen::VectorXd::Ones(4);
    else if (what == "bout")
        c.net.bOut[1] = INFINITY;
    else if (what == "alpha0")
        c.net.alpha = 0.0;
    else if (what == "alpha2")
        c.net.alpha = 1.5;
    else if (what == "alphanan")
        c.net.alpha = NAN;
    else if (what == "initrows")
        c.net.initState = WeightMatrix::Zero(2, 5);
    else if (what == "initnan") {
        c.net.initState = WeightMatrix::Zero(3, 5);
        c.net.initState(2, 1) = NAN;
    } else if (what == "sliceshape") {
        o.slice = wholeSlice(Shape{3, 7, 2, 5, 2});
    } else if (what == "slice") {
        o.slice = wholeSlice(kSmall);
        o.slice->steps = {2, 1};
    }
    const GradientResult r = computeGradients(c.net, in, o);
    QVERIFY(!r.ok());
    QVERIFY2(QString::fromStdString(r.error).contains(message), r.error.c_str());
}

void TestGradient::activationNames()
{
    for (const char* name : {"relu", "tanh", "sigmoid", "retanh"}) {
        const ActivationParse p = parseActivation(name);
        QVERIFY(p.value && p.error.empty());
        QCOMPARE(activationName(*p.value), std::string_view(name));
    }
    for (const char* name : {"ReLU", "gelu", "", " relu", "softplus"}) {
        const ActivationParse p = parseActivation(name);
        QVERIFY(!p.value);
        QVERIFY2(
            p.error.find("is not one of nn4n 1.2's activations: relu, tanh, sigmoid, retanh") !=
                std::string::npos,
            p.error.c_str());
        QVERIFY(p.error.find(std::string("'") + name + "'") == 0);
    }
    QVERIFY(parseActivation(std::string(1000, 'x')).error.size() < 200);
}

void TestGradient::progressAndCancel()
{
    const Case c = makeCase(Activation::Relu, 9, Shape{4, 40, 3, 6, 2}, true, 0);
    std::vector<double> seen;
    std::vector<std::string> stages;
    GradientOptions o;
    o.progress = [&](double f, const std::string& stage) {
        seen.push_back(f);
        stages.push_back(stage);
        return true;
    };
    GradientResult r = computeGradients(c.net, inputOf(c), o);
    QVERIFY(r.ok());
    QVERIFY(seen.size() >= 2);
    QVERIFY(std::is_sorted(seen.begin(), seen.end()));
    QVERIFY(std::abs(seen.back() - 1.0) < 1e-12);
    QCOMPARE(stages.front(), std::string("simulating"));
    QCOMPARE(stages.back(), std::string("backpropagating"));
    int calls = 0;
    o.progress = [&](double, const std::string&) { return ++calls < 2; };
    r = computeGradients(c.net, inputOf(c), o);
    QVERIFY(r.cancelled && !r.ok());
    QCOMPARE(calls, 2);
}

namespace {

QJsonObject referenceFile()
{
    QFile f(RNNLOSS_TESTDATA_DIR "/gradient/reference.json");
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

WeightMatrix matrixOf(const QJsonValue& v)
{
    const QJsonArray rows = v.toArray();
    WeightMatrix m(rows.size(), rows.isEmpty() ? 0 : rows[0].toArray().size());
    for (long i = 0; i < m.rows(); ++i)
        for (long j = 0; j < m.cols(); ++j)
            m(i, j) = rows[i].toArray()[j].toDouble();
    return m;
}

std::vector<double> numbersOf(const QJsonValue& v)
{
    std::vector<double> out;
    for (const QJsonValue& x : v.toArray())
        out.push_back(x.toDouble());
    return out;
}

std::vector<std::int64_t> indicesOf(const QJsonValue& v)
{
    std::vector<std::int64_t> out;
    for (const QJsonValue& x : v.toArray())
        out.push_back(x.toInteger());
    return out;
}

Eigen::VectorXd vectorOf(const QJsonValue& v)
{
    const std::vector<double> x = numbersOf(v);
    return Eigen::Map<const Eigen::VectorXd>(x.data(), static_cast<long>(x.size()));
}

/// The case's network, data and slice as the reader will hand them over.
Case referenceCase(const QJsonObject& j, std::optional<Slice>& slice)
{
    Case c;
    const QJsonObject s = j["shape"].toObject();
    c.shape = {s["batch"].toInteger(), s["time"].toInteger(), s["n_in"].toInteger(),
               s["n_hid"].toInteger(), s["n_out"].toInteger()};
    Network& n = c.net;
    n.activation = *parseActivation(j["activation"].toString().toStdString()).value;
    n.alpha = j["dt"].toDouble() / j["tau"].toDouble();
    const QJsonObject w = j["weights"].toObject();
    n.wIn = matrixOf(w["W_in"]);
    n.wHid = matrixOf(w["W_hid"]);
    n.wOut = matrixOf(w["W_out"]);
    if (j["biases"].isObject()) {
        const QJsonObject b = j["biases"].toObject();
        n.bIn = vectorOf(b["b_in"]);
        n.bHid = vectorOf(b["b_hid"]);
        n.bOut = vectorOf(b["b_out"]);
    }
    const QJsonValue init = j["init_state"];
    if (init.isArray())
        n.initState =
            init.toArray()[0].isArray() ? matrixOf(init) : WeightMatrix(vectorOf(init).transpose());
    c.inputs = numbersOf(j["inputs"]);
    c.targets = numbersOf(j["targets"]);
    if (j["slice"].isObject()) {
        const QJsonObject o = j["slice"].toObject();
        slice =
            Slice{c.shape, indicesOf(o["trials"]), indicesOf(o["steps"]), indicesOf(o["neurons"])};
    }
    return c;
}

} // namespace

void TestGradient::nn4nAutogradReference_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("convention");
    const QJsonObject cases = referenceFile()["cases"].toObject();
    for (const QString& name : cases.keys())
        for (const char* conv : {"nn4n", "spec"})
            QTest::addRow("%s/%s", qPrintable(name), conv) << name << QString(conv);
}

void TestGradient::nn4nAutogradReference()
{
    QFETCH(QString, name);
    QFETCH(QString, convention);
    const QJsonObject j = referenceFile()["cases"].toObject()[name].toObject();
    QVERIFY2(!j.isEmpty(), "tests/data/gradient/reference.json is missing or unreadable");
    std::optional<Slice> slice;
    const Case c = referenceCase(j, slice);
    const std::vector<double> states = numbersOf(j["states"]);
    GradientInput in = inputOf(c);
    in.states = std::span<const double>(states);
    GradientOptions o;
    o.convention = *conventionFromName(convention.toStdString());
    o.slice = slice;
    o.keepGradients = true;
    const GradientResult r = computeGradients(c.net, in, o);
    QVERIFY2(r.ok(), r.error.c_str());
    // nn4n's own forward pass gave these states: the re-simulation is the same network.
    QVERIFY2(*r.replayError < 1e-13 * r.maxAbsRate, qPrintable(QString::number(*r.replayError)));
    const QJsonObject expected = j["expected"].toObject()[convention].toObject();
    for (Term k : kAllTerms) {
        const QJsonObject e = expected[QString(termKey(k).data())].toObject();
        QVERIFY(r[k].defined);
        const double value = e["value"].toDouble();
        QVERIFY2(std::abs(*r[k].value - value) <= 1e-12 * std::abs(value), termKey(k).data());
        const QJsonObject norms = e["grad_norm"].toObject();
        const QJsonObject entries = e["entries"].toObject();
        double largest = 0.0;
        for (Param p : kAllParams)
            largest = std::max(largest, norms[QString(paramKey(p).data())].toDouble());
        for (Param p : kAllParams) {
            const QString key(paramKey(p).data());
            const WeightMatrix& g = r.gradients[index(k)][index(p)];
            const double want = norms[key].toDouble();
            const auto got = gradNorm(r[p], k);
            const QString where = QString("L_%1 d/d%2").arg(termKey(k).data(), key);
            QVERIFY2(std::abs(*got - want) <= 1e-9 * want + 1e-15 * largest,
                     qPrintable(where + QString(": %1 vs %2").arg(*got).arg(want)));
            for (const QJsonValue& pair : entries[key].toArray()) {
                const long i = pair.toArray()[0].toInteger();
                const double x = pair.toArray()[1].toDouble();
                QVERIFY2(
                    std::abs(g.data()[i] - x) <= 1e-9 * std::abs(x) + 1e-12 * want,
                    qPrintable(where + QString("[%1]: %2 vs %3").arg(i).arg(g.data()[i]).arg(x)));
            }
        }
    }
}

void TestGradient::benchmark()
{
    if (qEnvironmentVariableIsEmpty("RNNLOSS_GRAD_BENCH"))
        QSKIP("set RNNLOSS_GRAD_BENCH=1 to time the pass at B=128, T=500, N=512");
    // The 134 MB recording, and the 64-neuron one of its latency goal.
    for (const auto& [s, a] : {std::pair{Shape{128, 500, 6, 512, 2}, Activation::Relu},
                               std::pair{Shape{128, 500, 6, 512, 2}, Activation::Tanh},
                               std::pair{Shape{64, 200, 6, 64, 2}, Activation::Relu}}) {
        const Case c = makeCase(a, 42, s, true, 0);
        GradientOptions o;
        o.convention = Convention::Nn4n;
        o.threads = qEnvironmentVariableIntValue("RNNLOSS_GRAD_THREADS") > 0
                        ? qEnvironmentVariableIntValue("RNNLOSS_GRAD_THREADS")
                        : 2;
        double simulated = 0.0;
        const std::clock_t cpu0 = std::clock();
        const auto t0 = std::chrono::steady_clock::now();
        o.progress = [&](double, const std::string& stage) {
            if (stage == "simulating")
                simulated =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            return true;
        };
        const GradientResult r = computeGradients(c.net, inputOf(c), o);
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double cpu = double(std::clock() - cpu0) / CLOCKS_PER_SEC;
        QVERIFY2(r.ok(), r.error.c_str());
        int backprop = 0;
        for (Term k : {Term::Mse, Term::Fr, Term::FrSd, Term::FrCv})
            backprop += r[k].defined;
        // CPU time too: on a shared machine the wall time also counts others' work.
        qInfo("B=%lld T=%lld N=%lld %s, %s products, %d threads: %.3f s (simulation %.3f s), "
              "CPU %.3f s, %d terms through time",
              static_cast<long long>(s.batch), static_cast<long long>(s.time),
              static_cast<long long>(s.nHid), activationName(a).data(), gradkernel::bestGemm().name,
              o.threads, secs, simulated, cpu, backprop);
    }
}

QTEST_GUILESS_MAIN(TestGradient)
#include "test_gradient.moc"
