// The λ sweep and auto-balance (engine/sweep.h, engine/balance.h): against hand
// calculations, and against evaluate() as a brute-force check: set the lambdas
// the code found, evaluate the loss the ordinary way, and read the shares off it.

#include "balance.h"
#include "sweep.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace rnnloss;

namespace {

/// Term values as computeTerms() would give them: every term available, with
/// the values listed (NaN for "undefined").
TermValues valuesOf(std::initializer_list<std::pair<Term, double>> given)
{
    TermValues v;
    for (auto& tv : v.terms) {
        tv.available = true;
        tv.value = 1.0;
    }
    for (auto [t, x] : given) {
        TermValue& tv = v.terms[index(t)];
        if (std::isnan(x)) {
            tv.value.reset();
            tv.reason = "the network mean rate is 0, so SD/mean is undefined";
        } else {
            tv.value = x;
        }
    }
    return v;
}

TermArray lambdasOf(std::initializer_list<std::pair<Term, double>> given)
{
    TermArray l{};
    for (auto [t, x] : given)
        l[index(t)] = x;
    return l;
}

bool near(double a, double b, double rel = 1e-12)
{
    return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b));
}

/// The shares evaluate() implies: weighted / total, computed here.
std::array<double, kTermCount> sharesByEvaluate(const TermValues& v, const TermArray& l,
                                                double* total)
{
    const LossResult r = evaluate(v, l);
    std::array<double, kTermCount> s{};
    *total = r.total.value_or(std::nan(""));
    for (Term t : kAllTerms)
        s[index(t)] = r[t].weighted.value_or(std::nan("")) / *total;
    return s;
}

} // namespace

class TestBalance : public QObject
{
    Q_OBJECT
private slots:
    void balanceByHand_data();
    void balanceByHand();
    void balanceRandomAgainstEvaluate();
    void balanceRefused_data();
    void balanceRefused();
    void logGridEnds();
    void logGridRefusesBadRanges();
    void sweepByHand();
    void sweepAgainstEvaluate();
    void sweepRefused();
    void sharesOfResult();
};

void TestBalance::balanceByHand_data()
{
    // Each row: values, lambdas, targets, and the lambdas and total worked out
    // by hand from T = F / (1 - sum s), lambda_k = s_k T / v_k.
    QTest::addColumn<TermValues>("values");
    QTest::addColumn<TermArray>("lambdas");
    QTest::addColumn<std::vector<ShareTarget>>("targets");
    QTest::addColumn<TermArray>("expected");
    QTest::addColumn<double>("total");

    // F = 2, T = 2 / 0.8 = 2.5, lambda_fr = 0.2 * 2.5 / 0.5 = 1.
    QTest::newRow("one term")
        << valuesOf({{Term::Mse, 2.0}, {Term::Fr, 0.5}}) << lambdasOf({{Term::Mse, 1.0}})
        << std::vector<ShareTarget>{{Term::Fr, 0.2}}
        << lambdasOf({{Term::Mse, 1.0}, {Term::Fr, 1.0}}) << 2.5;
    // F = 3, T = 3 / 0.5 = 6, lambda_fr = 0.25 * 6 / 0.25 = 6, lambda_fr_sd = 0.25 * 6 / 2 = 0.75.
    QTest::newRow("two terms")
        << valuesOf({{Term::Mse, 3.0}, {Term::Fr, 0.25}, {Term::FrSd, 2.0}})
        << lambdasOf({{Term::Mse, 1.0}, {Term::Fr, 0.01}})
        << std::vector<ShareTarget>{{Term::Fr, 0.25}, {Term::FrSd, 0.25}}
        << lambdasOf({{Term::Mse, 1.0}, {Term::Fr, 6.0}, {Term::FrSd, 0.75}}) << 6.0;
    // The fixed part includes another regulariser: F = 1 + 0.1 * 10 = 2, T = 4,
    // lambda_fr_cv = 0.5 * 4 / 0.5 = 4; lambda_in stays as it was.
    QTest::newRow("other regulariser fixed")
        << valuesOf({{Term::Mse, 1.0}, {Term::Hid, 10.0}, {Term::FrCv, 0.5}, {Term::In, 7.0}})
        << lambdasOf({{Term::Mse, 1.0}, {Term::Hid, 0.1}})
        << std::vector<ShareTarget>{{Term::FrCv, 0.5}}
        << lambdasOf({{Term::Mse, 1.0}, {Term::Hid, 0.1}, {Term::FrCv, 4.0}}) << 4.0;
    // A share of 0 turns the term off; the others are unchanged: T = F = 2.
    QTest::newRow("share 0")
        << valuesOf({{Term::Mse, 2.0}, {Term::Fr, 0.5}})
        << lambdasOf({{Term::Mse, 1.0}, {Term::Fr, 3.0}})
        << std::vector<ShareTarget>{{Term::Fr, 0.0}} << lambdasOf({{Term::Mse, 1.0}}) << 2.0;
}

void TestBalance::balanceByHand()
{
    QFETCH(TermValues, values);
    QFETCH(TermArray, lambdas);
    QFETCH(std::vector<ShareTarget>, targets);
    QFETCH(TermArray, expected);
    QFETCH(double, total);
    const BalanceResult r = balanceShares(values, lambdas, targets);
    QVERIFY2(r.lambdas.has_value(), r.error.c_str());
    QVERIFY(r.error.empty());
    for (Term t : kAllTerms)
        QVERIFY2(near((*r.lambdas)[index(t)], expected[index(t)]),
                 qPrintable(QStringLiteral("%1: got %2, expected %3")
                                .arg(QString::fromUtf8(termKey(t).data(), termKey(t).size()))
                                .arg((*r.lambdas)[index(t)], 0, 'g', 17)
                                .arg(expected[index(t)], 0, 'g', 17)));
    QVERIFY(near(r.total, total));
    // And the loss really has that total and those shares.
    double evTotal = 0.0;
    const auto shares = sharesByEvaluate(values, *r.lambdas, &evTotal);
    QVERIFY(near(evTotal, total));
    for (const ShareTarget& t : targets)
        QVERIFY(std::abs(shares[index(t.term)] - t.share) <= 1e-12);
}

void TestBalance::balanceRandomAgainstEvaluate()
{
    std::mt19937 rng(1010);
    std::uniform_real_distribution<double> logU(-6.0, 2.0), unit(0.0, 1.0);
    const std::array<Term, 6> regs = {Term::In, Term::Hid, Term::Out,
                                      Term::Fr, Term::FrSd, Term::FrCv};
    for (int iter = 0; iter < 500; ++iter) {
        TermValues v = valuesOf({});
        TermArray l{};
        for (Term t : kAllTerms) {
            v.terms[index(t)].value = std::pow(10.0, logU(rng));
            l[index(t)] = unit(rng) < 0.4 ? 0.0 : std::pow(10.0, logU(rng));
        }
        l[index(Term::Mse)] = 1.0; // something else always contributes
        std::vector<ShareTarget> targets;
        double budget = 0.95;
        for (Term t : regs)
            if (unit(rng) < 0.4) {
                const double s = budget * unit(rng) * 0.8;
                budget -= s;
                targets.push_back({t, s});
            }
        if (targets.empty())
            targets.push_back({Term::Fr, 0.05});
        const BalanceResult r = balanceShares(v, l, targets);
        QVERIFY2(r.lambdas.has_value(), r.error.c_str());
        double total = 0.0;
        const auto shares = sharesByEvaluate(v, *r.lambdas, &total);
        QVERIFY2(near(total, r.total, 1e-12), qPrintable(QString::number(iter)));
        std::array<bool, kTermCount> solved{};
        for (const ShareTarget& t : targets) {
            solved[index(t.term)] = true;
            QVERIFY2(std::abs(shares[index(t.term)] - t.share) <= 1e-12,
                     qPrintable(QStringLiteral("iteration %1: share %2, target %3")
                                    .arg(iter)
                                    .arg(shares[index(t.term)], 0, 'g', 17)
                                    .arg(t.share, 0, 'g', 17)));
            QVERIFY((*r.lambdas)[index(t.term)] >= 0.0);
        }
        for (Term t : kAllTerms)
            if (!solved[index(t)])
                QCOMPARE((*r.lambdas)[index(t)], l[index(t)]); // copied, not recomputed
    }
}

void TestBalance::balanceRefused_data()
{
    QTest::addColumn<TermValues>("values");
    QTest::addColumn<TermArray>("lambdas");
    QTest::addColumn<std::vector<ShareTarget>>("targets");
    QTest::addColumn<QString>("mention");

    const TermValues ok = valuesOf({{Term::Mse, 2.0}, {Term::Fr, 0.5}, {Term::FrSd, 0.1}});
    const TermArray mseOnly = lambdasOf({{Term::Mse, 1.0}});
    QTest::newRow("sum is 100%") << ok << mseOnly
                                 << std::vector<ShareTarget>{{Term::Fr, 0.6}, {Term::FrSd, 0.4}}
                                 << "sum to 100%";
    QTest::newRow("sum above 100%") << ok << mseOnly
                                    << std::vector<ShareTarget>{{Term::Fr, 1.5}} << "sum to 150%";
    QTest::newRow("negative share") << ok << mseOnly
                                    << std::vector<ShareTarget>{{Term::Fr, -0.1}} << "fr is -0.1";
    QTest::newRow("NaN share") << ok << mseOnly
                               << std::vector<ShareTarget>{{Term::Fr, std::nan("")}} << "fr is nan";
    QTest::newRow("twice") << ok << mseOnly
                           << std::vector<ShareTarget>{{Term::Fr, 0.1}, {Term::Fr, 0.2}}
                           << "given twice";
    QTest::newRow("none") << ok << mseOnly << std::vector<ShareTarget>{} << "no target";
    QTest::newRow("value 0") << valuesOf({{Term::Mse, 2.0}, {Term::Fr, 0.0}}) << mseOnly
                             << std::vector<ShareTarget>{{Term::Fr, 0.1}} << "L_fr is 0";
    QTest::newRow("value undefined")
        << valuesOf({{Term::Mse, 2.0}, {Term::FrCv, std::nan("")}}) << mseOnly
        << std::vector<ShareTarget>{{Term::FrCv, 0.1}} << "L_fr_cv is undefined: the network mean";
    TermValues missing = ok;
    missing.terms[index(Term::Hid)] = {false, std::nullopt, "needs 'weights/hidden'"};
    QTest::newRow("value unavailable") << missing << mseOnly
                                       << std::vector<ShareTarget>{{Term::Hid, 0.1}}
                                       << "L_hid is unavailable: needs 'weights/hidden'";
    QTest::newRow("negative value")
        << valuesOf({{Term::Mse, 2.0}, {Term::FrCv, -0.3}}) << mseOnly
        << std::vector<ShareTarget>{{Term::FrCv, 0.1}} << "negative";
    QTest::newRow("nothing else") << ok << lambdasOf({{Term::Fr, 1.0}})
                                  << std::vector<ShareTarget>{{Term::Fr, 0.1}}
                                  << "nothing else contributes";
    QTest::newRow("others sum to 0") << valuesOf({{Term::Mse, 0.0}, {Term::Fr, 0.5}}) << mseOnly
                                     << std::vector<ShareTarget>{{Term::Fr, 0.1}}
                                     << "nothing else contributes";
    QTest::newRow("other enabled term undefined")
        << valuesOf({{Term::Mse, 2.0}, {Term::FrCv, std::nan("")}})
        << lambdasOf({{Term::Mse, 1.0}, {Term::FrCv, 1.0}})
        << std::vector<ShareTarget>{{Term::Fr, 0.1}} << "L_fr_cv is enabled but undefined";
}

void TestBalance::balanceRefused()
{
    QFETCH(TermValues, values);
    QFETCH(TermArray, lambdas);
    QFETCH(std::vector<ShareTarget>, targets);
    QFETCH(QString, mention);
    const BalanceResult r = balanceShares(values, lambdas, targets);
    QVERIFY(!r.lambdas.has_value());
    QVERIFY2(QString::fromStdString(r.error).contains(mention), r.error.c_str());
}

void TestBalance::logGridEnds()
{
    const std::vector<double> g = logGrid(1e-6, 1e3, 37);
    QCOMPARE(g.size(), std::size_t(37));
    QCOMPARE(g.front(), 1e-6);
    QCOMPARE(g.back(), 1e3);
    // 4 points per decade: every 4th is a power of ten, neighbours a constant ratio apart.
    for (int i = 0; i < 37; i += 4)
        QVERIFY2(near(g[i], std::pow(10.0, -6 + i / 4), 1e-12), qPrintable(QString::number(i)));
    for (int i = 1; i < 37; ++i)
        QVERIFY(near(g[i] / g[i - 1], std::pow(10.0, 0.25), 1e-12));
    const std::vector<double> two = logGrid(0.5, 8.0, 2);
    QCOMPARE(two, (std::vector<double>{0.5, 8.0}));
}

void TestBalance::logGridRefusesBadRanges()
{
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, logGrid(0.0, 1.0, 5));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, logGrid(-1.0, 1.0, 5));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, logGrid(1.0, 1.0, 5));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, logGrid(2.0, 1.0, 5));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, logGrid(1.0, INFINITY, 5));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, logGrid(1.0, 2.0, 1));
}

void TestBalance::sweepByHand()
{
    // mse 2 (lambda 1), hid 10 (lambda 0.1), fr 0.5 swept over 0.01, 1, 100:
    // totals 3 + 0.005, 3 + 0.5, 3 + 50.
    const TermValues v = valuesOf({{Term::Mse, 2.0}, {Term::Hid, 10.0}, {Term::Fr, 0.5}});
    const TermArray l = lambdasOf({{Term::Mse, 1.0}, {Term::Hid, 0.1}, {Term::Fr, 7.0}});
    const std::vector<double> grid = {0.01, 1.0, 100.0};
    const SweepResult r = sweepLambda(v, l, Term::Fr, grid);
    QVERIFY2(r.error.empty(), r.error.c_str());
    QCOMPARE(r.term, Term::Fr);
    QCOMPARE(r.points.size(), std::size_t(3));
    const double totals[] = {3.005, 3.5, 53.0};
    const double fr[] = {0.005 / 3.005, 0.5 / 3.5, 50.0 / 53.0};
    for (int i = 0; i < 3; ++i) {
        const SweepPoint& p = r.points[i];
        QCOMPARE(p.lambda, grid[i]);
        QVERIFY(near(p.total, totals[i]));
        QVERIFY(near(*p.shares[index(Term::Fr)], fr[i]));
        QVERIFY(near(*p.shares[index(Term::Mse)], 2.0 / totals[i]));
        QVERIFY(near(*p.shares[index(Term::Hid)], 1.0 / totals[i]));
        QCOMPARE(*p.shares[index(Term::In)], 0.0);
    }
}

void TestBalance::sweepAgainstEvaluate()
{
    std::mt19937 rng(77);
    std::uniform_real_distribution<double> logU(-4.0, 1.0), unit(0.0, 1.0);
    const std::vector<double> grid = logGrid(1e-6, 1e3, 37);
    for (int iter = 0; iter < 50; ++iter) {
        TermValues v = valuesOf({});
        TermArray l{};
        for (Term t : kAllTerms) {
            v.terms[index(t)].value = std::pow(10.0, logU(rng));
            l[index(t)] = unit(rng) < 0.5 ? 0.0 : std::pow(10.0, logU(rng));
        }
        const Term swept = kAllTerms[iter % kTermCount];
        const SweepResult r = sweepLambda(v, l, swept, grid);
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(r.points.size(), grid.size());
        for (std::size_t i = 0; i < grid.size(); ++i) {
            TermArray li = l;
            li[index(swept)] = grid[i];
            double total = 0.0;
            const auto shares = sharesByEvaluate(v, li, &total);
            QVERIFY(near(r.points[i].total, total, 1e-12));
            for (Term t : kAllTerms)
                QVERIFY(std::abs(*r.points[i].shares[index(t)] - shares[index(t)]) <= 1e-12);
        }
    }
}

void TestBalance::sweepRefused()
{
    const std::vector<double> grid = {0.1, 1.0};
    TermValues v = valuesOf({{Term::FrCv, std::nan("")}});
    SweepResult r = sweepLambda(v, lambdasOf({{Term::Mse, 1.0}}), Term::FrCv, grid);
    QVERIFY(r.points.empty());
    QVERIFY2(r.error.find("L_fr_cv has no value") != std::string::npos, r.error.c_str());
    r = sweepLambda(v, lambdasOf({{Term::Mse, 1.0}, {Term::FrCv, 0.5}}), Term::Fr, grid);
    QVERIFY(r.points.empty());
    QVERIFY2(r.error.find("L_fr_cv is enabled but undefined") != std::string::npos,
             r.error.c_str());
    // A disabled undefined term is no obstacle.
    r = sweepLambda(v, lambdasOf({{Term::Mse, 1.0}}), Term::Fr, grid);
    QVERIFY2(r.error.empty(), r.error.c_str());
}

void TestBalance::sharesOfResult()
{
    const TermValues v = valuesOf({{Term::Mse, 3.0}, {Term::Fr, 0.5}});
    const Shares s = termShares(evaluate(v, lambdasOf({{Term::Mse, 1.0}, {Term::Fr, 2.0}})));
    QVERIFY(near(*s[index(Term::Mse)], 0.75));
    QVERIFY(near(*s[index(Term::Fr)], 0.25));
    QCOMPARE(*s[index(Term::Hid)], 0.0);
    // A total of 0 has no shares.
    const Shares none = termShares(evaluate(valuesOf({{Term::Mse, 0.0}}), lambdasOf({{Term::Mse, 1.0}})));
    for (const auto& x : none)
        QVERIFY(!x.has_value());
}

QTEST_APPLESS_MAIN(TestBalance)
#include "test_balance.moc"
