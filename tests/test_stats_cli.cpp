// `rnnloss stats`, run as a user runs it (QProcess), held to brute force over
// the arrays the recordings were written from (tests/fixtures/statsfixture.h,
// rounded as stored): silent and saturated fractions by their rules, the
// participation ratio from an Eigen eigen-decomposition of a two-pass
// covariance, the mean rate per group, each trial's choice and answer by the
// choice rule with the Wilson interval, the psychometric points and the
// logistic fit (its score equations at the fitted bias and slope, and its
// standard errors from the Fisher information), d' per neuron; on whole
// recordings and on slices (read straight from the file and through the
// reader's gzip path); and the refusal of bad trial_values by every command.

#include "fixtures/fixturedata.h"
#include "fixtures/statsfixture.h"
#include "statsref.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

using namespace statsref;

namespace {

const QString kCli = QStringLiteral(RNNLOSS_CLI);
const QString kFixtures = QStringLiteral(RNNLOSS_FIXTURE_DIR);
constexpr double kZ = 1.959963984540054;

QString fixture(const QString& name)
{
    return kFixtures + "/" + name;
}

struct Run
{
    int exitCode = -1;
    bool crashed = true;
    QByteArray out, err;
    QString describe() const
    {
        return QStringLiteral("exit %1 crashed %2\nstdout: %3\nstderr: %4")
            .arg(exitCode)
            .arg(crashed)
            .arg(QString::fromUtf8(out.left(3000)), QString::fromUtf8(err.left(2000)));
    }
};

Run runCli(const QStringList& args)
{
    QProcess p;
    p.start(kCli, args);
    Run r;
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.crashed = p.exitStatus() != QProcess::NormalExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

/// The JSON lines of a successful `rnnloss stats --json`.
QList<QJsonObject> jsonLines(const Run& r)
{
    QList<QJsonObject> out;
    for (const QByteArray& line : r.out.split('\n')) {
        if (line.isEmpty())
            continue;
        QJsonParseError e;
        const QJsonDocument d = QJsonDocument::fromJson(line, &e);
        if (e.error == QJsonParseError::NoError && d.isObject())
            out << d.object();
    }
    return out;
}

// ---------------------------------------------------------------------------
// The arrays and the brute force


/// Per group of the selected neurons, the mean of their mean rates.
std::map<QString, double> groupRatesRef(const Arrays& a, const Sel& s)
{
    const Eigen::MatrixXd x = samples(a, s);
    std::map<QString, std::pair<double, int>> acc;
    for (std::size_t j = 0; j < s.neurons.size(); ++j) {
        auto& [sum, n] = acc[a.groups[s.neurons[j]]];
        sum += x.col(j).mean();
        ++n;
    }
    std::map<QString, double> out;
    for (const auto& [g, v] : acc)
        out[g] = v.first / v.second;
    return out;
}

/// [first, last + 1) of the steps where any trial's target is not zero.
std::pair<int, int> defaultWindowRef(const Arrays& a)
{
    int first = -1, last = -1;
    for (int b = 0; b < sfx::B; ++b)
        for (int t = 0; t < sfx::T; ++t)
            for (int k = 0; k < sfx::NOUT; ++k)
                if (a.y(b, t, k) != 0.0) {
                    first = first < 0 ? t : std::min(first, t);
                    last = std::max(last, t);
                }
    return {first, last + 1};
}

/// numpy's argmax of the window sums of trial b: the first of the largest.
int argmaxRef(const Arrays& a, int b, std::pair<int, int> w, bool target)
{
    std::vector<double> sum(sfx::NOUT, 0.0);
    for (int t = w.first; t < w.second; ++t)
        for (int k = 0; k < sfx::NOUT; ++k)
            sum[k] += target ? a.y(b, t, k) : a.o(b, t, k);
    return int(std::max_element(sum.begin(), sum.end()) - sum.begin());
}

/// The Wilson score interval, from the textbook formula.
std::pair<double, double> wilsonRef(int k, int n)
{
    const double p = double(k) / n, z2 = kZ * kZ;
    const double centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    const double half = kZ / (1.0 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

QString near(const QString& what, const QJsonValue& got, double want, double tol = 1e-9)
{
    if (!got.isDouble())
        return what + ": not a number but " + QJsonDocument(QJsonArray{got}).toJson();
    const double g = got.toDouble();
    if (!(std::abs(g - want) <= tol * std::max(1.0, std::abs(want))))
        return QStringLiteral("%1: %2, expected %3")
            .arg(what)
            .arg(g, 0, 'g', 17)
            .arg(want, 0, 'g', 17);
    return {};
}

#define CHECK_NEAR(what, got, want)                                                                \
    do {                                                                                           \
        const QString problem_ = near(what, got, want);                                            \
        QVERIFY2(problem_.isEmpty(), qPrintable(problem_));                                        \
    } while (0)

/// {"correct", "trials", "value", "ci95"} against a count.
void checkProportion(const QString& what, const QJsonObject& p, int k, int n)
{
    QCOMPARE(p["correct"].toInt(), k);
    QCOMPARE(p["trials"].toInt(), n);
    CHECK_NEAR(what + " value", p["value"], double(k) / n);
    const auto [lo, hi] = wilsonRef(k, n);
    CHECK_NEAR(what + " ci95 lo", p["ci95"].toArray()[0], lo);
    CHECK_NEAR(what + " ci95 hi", p["ci95"].toArray()[1], hi);
}

/// Accuracy overall and per label of the selection's trials in window `w`.
void checkAccuracy(const QJsonObject& acc, const Arrays& a, const Sel& s, std::pair<int, int> w,
                   bool labelled = true)
{
    QCOMPARE(acc["window"].toArray()[0].toInt(), w.first);
    QCOMPARE(acc["window"].toArray()[1].toInt(), w.second);
    std::map<QString, std::pair<int, int>> byLabel;
    int correct = 0;
    for (int b : s.trials) {
        const bool ok = argmaxRef(a, b, w, false) == argmaxRef(a, b, w, true);
        correct += ok;
        byLabel[a.labels[b]].first += ok;
        byLabel[a.labels[b]].second += 1;
    }
    checkProportion("overall", acc["overall"].toObject(), correct, int(s.trials.size()));
    const QJsonObject labels = acc["by_label"].toObject();
    if (!labelled) {
        QVERIFY(labels.isEmpty());
        return;
    }
    QCOMPARE(labels.size(), int(byLabel.size()));
    for (const auto& [l, kn] : byLabel)
        checkProportion("label " + l, labels[l].toObject(), kn.first, kn.second);
}

using Points = std::map<double, std::pair<int, int>>; ///< value -> (choosing 1, trials)

/// The fit of P(choice = 1): the score equations vanish at the fitted bias
/// and slope, and the standard errors are those of the inverse Fisher
/// information there; for separated data (a value splits the choices of 1
/// from the others, ties at it included) no finite fit exists, and none may
/// be given.
void checkLogisticFit(const QJsonObject& fit, const Points& points)
{
    double maxFail = -1e300, minOne = 1e300, maxOne = -1e300, minFail = 1e300;
    for (const auto& [x, kn] : points) {
        if (kn.first > 0)
            minOne = std::min(minOne, x), maxOne = std::max(maxOne, x);
        if (kn.first < kn.second)
            minFail = std::min(minFail, x), maxFail = std::max(maxFail, x);
    }
    if (maxFail <= minOne || maxOne <= minFail) {
        QVERIFY(fit["bias"].isNull() && fit["slope"].isNull());
        QVERIFY2(fit["error"].toString().contains("separated"),
                 qPrintable(fit["error"].toString()));
        return;
    }
    QVERIFY(fit["bias"].isDouble() && fit["slope"].isDouble());
    const double bias = fit["bias"].toDouble(), slope = fit["slope"].toDouble();
    double g0 = 0, g1 = 0, i00 = 0, i01 = 0, i11 = 0, total = 0;
    for (const auto& [x, kn] : points) {
        const auto [k, n] = kn;
        const double p = 1.0 / (1.0 + std::exp(-(bias + slope * x)));
        g0 += k - n * p;
        g1 += (k - n * p) * x;
        i00 += n * p * (1 - p);
        i01 += n * p * (1 - p) * x;
        i11 += n * p * (1 - p) * x * x;
        total += n;
    }
    QVERIFY2(std::abs(g0) < 1e-7 * total && std::abs(g1) < 1e-7 * total,
             qPrintable(QStringLiteral("score %1 %2").arg(g0).arg(g1)));
    const double det = i00 * i11 - i01 * i01;
    CHECK_NEAR("bias_se", fit["bias_se"], std::sqrt(i11 / det));
    QVERIFY(near("slope_se", fit["slope_se"], std::sqrt(i00 / det), 1e-6).isEmpty());
}

/// The points (each value's trials and share choosing each unit, with its
/// Wilson interval) and the fit, of the selection's trials in the default window.
void checkPsychometric(const QJsonObject& ps, const Arrays& a, const Sel& s)
{
    Points points;
    const auto w = defaultWindowRef(a);
    for (int b : s.trials) {
        auto& [ones, n] = points[a.values[b]];
        ones += argmaxRef(a, b, w, false) == 1;
        ++n;
    }
    const QJsonArray values = ps["values"].toArray(), trials = ps["trials"].toArray();
    const QJsonObject share = ps["p_choice"].toObject(), ci = ps["ci95"].toObject();
    QCOMPARE(values.size(), int(points.size()));
    int i = 0;
    for (const auto& [x, kn] : points) {
        const auto [k, n] = kn;
        CHECK_NEAR("value", values[i], x);
        QCOMPARE(trials[i].toInt(), n);
        for (const auto& [unit, count] : {std::pair{"1", k}, std::pair{"0", n - k}}) {
            CHECK_NEAR(QStringLiteral("p_choice %1 at %2").arg(unit).arg(x),
                       share[unit].toArray()[i], double(count) / n);
            const auto [lo, hi] = wilsonRef(count, n);
            CHECK_NEAR("ci95 lo", ci[unit].toArray()[i].toArray()[0], lo);
            CHECK_NEAR("ci95 hi", ci[unit].toArray()[i].toArray()[1], hi);
        }
        ++i;
    }
    checkLogisticFit(ps["fit"].toObject(), points);
}

/// Every measure of one object against the brute force on selection `s`.
void checkAll(const QJsonObject& j, const Arrays& a, const Sel& s, const QString& activation,
              double silentThreshold = 1e-6)
{
    const Eigen::MatrixXd x = samples(a, s);
    QCOMPARE(j["neurons"].toInt(), int(s.neurons.size()));
    QCOMPARE(j["trials"].toInt(), int(s.trials.size()));
    QCOMPARE(j["steps"].toInt(), int(s.steps.size()));
    CHECK_NEAR("silent_fraction", j["silent_fraction"], silentRef(x, silentThreshold));
    if (activation == "tanh" || activation == "sigmoid")
        CHECK_NEAR("saturated_fraction", j["saturated_fraction"],
                   saturatedRef(x, activation == "tanh"));
    else
        QVERIFY(j["saturated_fraction"].isNull() &&
                !j["reasons"].toObject()["saturated_fraction"].toString().isEmpty());
    CHECK_NEAR("participation_ratio", j["participation_ratio"], participationRef(x));
    const QJsonObject groups = j["mean_rate_by_group"].toObject();
    if (!groups.isEmpty())
        for (const auto& [g, rate] : groupRatesRef(a, s))
            CHECK_NEAR("mean rate of " + g, groups[g], rate);
}

} // namespace

class TestStatsCli : public QObject
{
    Q_OBJECT
private slots:
    void keysOfTheIssue();
    void wholeRecordings_data();
    void wholeRecordings();
    void slices_data();
    void slices();
    void responseWindowGiven();
    void stepsDoNotMoveTheWindow();
    void silentThreshold();
    void dPrime();
    void severalRecordings();
    void table();
    void activationUnknown_data();
    void activationUnknown();
    void badTrialValues_data();
    void badTrialValues();
    void badOptions_data();
    void badOptions();
};

void TestStatsCli::keysOfTheIssue()
{
    const Run r = runCli({"stats", fixture("stats_tanh.h5"), "--json"});
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.describe()));
    const auto lines = jsonLines(r);
    QCOMPARE(lines.size(), 1);
    const QJsonObject j = lines[0];
    for (const char* k :
         {"file", "neurons", "silent_fraction", "saturated_fraction", "participation_ratio",
          "mean_rate_by_group", "accuracy", "psychometric", "rules"})
        QVERIFY2(j.contains(k), k);
    const QJsonObject acc = j["accuracy"].toObject();
    for (const char* k : {"window", "overall", "by_label"})
        QVERIFY2(acc.contains(k), k);
    for (const char* k : {"correct", "trials", "value", "ci95"})
        QVERIFY2(acc["overall"].toObject().contains(k), k);
    const QJsonObject ps = j["psychometric"].toObject();
    for (const char* k : {"values", "p_choice", "fit"})
        QVERIFY2(ps.contains(k), k);
    QVERIFY(ps["fit"].toObject().contains("bias") && ps["fit"].toObject().contains("slope"));
    const QJsonObject rules = j["rules"].toObject();
    for (const char* k : {"silent", "saturated", "participation_ratio", "choice"})
        QVERIFY2(!rules[k].toString().isEmpty(), k);
    QCOMPARE(j["file"].toString(), fixture("stats_tanh.h5"));
    QCOMPARE(j["activation"].toString(), QStringLiteral("tanh"));
}

void TestStatsCli::wholeRecordings_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("bits");
    QTest::addColumn<QString>("activation");
    QTest::addColumn<bool>("intLabels");
    QTest::addColumn<int>("valueBits");
    // Read straight from the file (float32, unfiltered chunks) ...
    QTest::newRow("tanh, float32, direct") << "stats_tanh.h5" << 32 << "tanh" << false << 64;
    // ... and reduced in the reader (float64 gzip), integer labels, float32 values.
    QTest::newRow("sigmoid, float64 gzip") << "stats_sigmoid.h5" << 64 << "sigmoid" << true << 32;
    QTest::newRow("no activation") << "stats_noact.h5" << 32 << "" << false << 64;
}

void TestStatsCli::wholeRecordings()
{
    QFETCH(QString, file);
    QFETCH(int, bits);
    QFETCH(QString, activation);
    QFETCH(bool, intLabels);
    QFETCH(int, valueBits);
    const Run r = runCli({"stats", fixture(file), "--json"});
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.describe()));
    const QJsonObject j = jsonLines(r).value(0);
    const Arrays a = arrays(bits, false, false, intLabels, valueBits);
    checkAll(j, a, whole(), activation);
    const bool bare = file == "stats_noact.h5"; // no labels, no trial values
    checkAccuracy(j["accuracy"].toObject(), a, whole(), defaultWindowRef(a), !bare);
    if (bare) {
        QVERIFY(j["psychometric"].isNull());
        QVERIFY(j["reasons"].toObject()["psychometric"].toString().contains("trial_values"));
    } else {
        checkPsychometric(j["psychometric"].toObject(), a, whole());
    }
}

void TestStatsCli::slices_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<std::vector<int>>("trials");
    QTest::addColumn<std::vector<int>>("steps");
    QTest::addColumn<std::vector<int>>("neurons");
    std::vector<int> odd;
    for (int b = 1; b < sfx::B; b += 2)
        odd.push_back(b);
    std::vector<int> left, eNeurons = range(0, 8);
    for (int b = 0; b < sfx::B; ++b)
        if (sfx::label(b) == "left")
            left.push_back(b);
    const QString oddSpec = [&] {
        QStringList l;
        for (int b : odd)
            l << QString::number(b);
        return l.join(',');
    }();
    QTest::newRow("trials, steps, neurons")
        << "stats_tanh.h5" << QStringList{"--trials", "3:25", "--steps", "5:18", "--neurons", "1:9"}
        << range(3, 25) << range(5, 18) << range(1, 9);
    QTest::newRow("odd trials, scattered neurons")
        << "stats_tanh.h5" << QStringList{"--trials", oddSpec, "--neurons", "0,2,5,6,9"} << odd
        << range(0, sfx::T) << std::vector<int>{0, 2, 5, 6, 9};
    QTest::newRow("a label and a group")
        << "stats_tanh.h5" << QStringList{"--trial-label", "left", "--neuron-group", "E"} << left
        << range(0, sfx::T) << eNeurons;
    QTest::newRow("gzip in the reader: trials, steps, neurons")
        << "stats_sigmoid.h5"
        << QStringList{"--trials", "0:7,10:28", "--steps", ":15", "--neurons", "4:"} <<
        [] {
            auto v = range(0, 7);
            auto w = range(10, 28);
            v.insert(v.end(), w.begin(), w.end());
            return v;
        }()
        << range(0, 15) << range(4, sfx::N);
}

void TestStatsCli::slices()
{
    QFETCH(QString, file);
    QFETCH(QStringList, args);
    QFETCH(std::vector<int>, trials);
    QFETCH(std::vector<int>, steps);
    QFETCH(std::vector<int>, neurons);
    const bool sigmoid = file == "stats_sigmoid.h5";
    const Run r = runCli(QStringList{"stats", fixture(file), "--json"} + args);
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.describe()));
    const QJsonObject j = jsonLines(r).value(0);
    const Arrays a = arrays(sigmoid ? 64 : 32, false, false, sigmoid, sigmoid ? 32 : 64);
    const Sel s{trials, steps, neurons};
    QVERIFY(j.contains("selection"));
    checkAll(j, a, s, sigmoid ? "sigmoid" : "tanh");
    // The window is the recording's (found from every trial), whatever the slice.
    checkAccuracy(j["accuracy"].toObject(), a, s, defaultWindowRef(a));
    checkPsychometric(j["psychometric"].toObject(), a, s);
}

void TestStatsCli::responseWindowGiven()
{
    // A window inside the default one ...
    Run r = runCli({"stats", fixture("stats_tanh.h5"), "--json", "--response-window", "14:18"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    const Arrays a = arrays(32);
    checkAccuracy(jsonLines(r).value(0)["accuracy"].toObject(), a, whole(), {14, 18});
    // ... and one for a recording whose targets are all zero: every answer is
    // a tie, which the rule gives to unit 0.
    r = runCli({"stats", fixture("stats_relu.h5"), "--json", "--response-window", "12:20"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    const QJsonObject j = jsonLines(r).value(0);
    const Arrays z = arrays(32, true, true);
    checkAll(j, z, whole(), "relu");
    int zeros = 0;
    for (int b = 0; b < sfx::B; ++b)
        zeros += argmaxRef(z, b, {12, 20}, false) == 0;
    checkProportion("all ties", j["accuracy"].toObject()["overall"].toObject(), zeros, sfx::B);
    // Without the window there is none to find.
    r = runCli({"stats", fixture("stats_relu.h5"), "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    QVERIFY(jsonLines(r).value(0)["accuracy"].isNull());
    QVERIFY(jsonLines(r).value(0)["reasons"].toObject()["accuracy"].toString().contains("zero"));
}

void TestStatsCli::stepsDoNotMoveTheWindow()
{
    // --steps 0:5 chooses the samples of the population measures; the choice
    // is still made in the recording's default window 11:20.
    const Run r = runCli({"stats", fixture("stats_tanh.h5"), "--json", "--steps", "0:5"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    const QJsonObject j = jsonLines(r).value(0);
    const Arrays a = arrays(32);
    const Sel s{range(0, sfx::B), range(0, 5), range(0, sfx::N)};
    checkAll(j, a, s, "tanh");
    QCOMPARE(defaultWindowRef(a), std::pair(sfx::kWindowBegin - 1, sfx::kWindowEnd));
    checkAccuracy(j["accuracy"].toObject(), a, s, {sfx::kWindowBegin - 1, sfx::kWindowEnd});
}

void TestStatsCli::silentThreshold()
{
    const Arrays a = arrays(32);
    const Eigen::MatrixXd x = samples(a, whole());
    for (double thr : {1e-7, 1e-6, 0.0, 0.5}) {
        const Run r = runCli({"stats", fixture("stats_tanh.h5"), "--json", "--silent-threshold",
                              QString::number(thr, 'g', 17)});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        CHECK_NEAR(QStringLiteral("silent at %1").arg(thr),
                   jsonLines(r).value(0)["silent_fraction"], silentRef(x, thr));
    }
    // The edges of the fixture: neuron 4 (within 5e-7) is silent at 1e-6 only.
    QCOMPARE(silentRef(x, 1e-6), 0.2);
    QCOMPARE(silentRef(x, 1e-7), 0.1);
}

void TestStatsCli::dPrime()
{
    const Run r = runCli({"stats", fixture("stats_tanh.h5"), "--json", "--dprime", "left,right",
                          "--neurons", "2:10", "--steps", "4:"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    const QJsonObject d = jsonLines(r).value(0)["selectivity"].toObject();
    const QJsonArray dp = d["d_prime"].toArray();
    const Arrays a = arrays(32);
    QCOMPARE(dp.size(), 8);
    for (int j = 0; j < 8; ++j) {
        const int n = 2 + j;
        std::vector<double> l, rr;
        for (int b = 0; b < sfx::B; ++b) {
            double m = 0;
            for (int t = 4; t < sfx::T; ++t)
                m += a.s(b, t, n);
            (a.labels[b] == "left" ? l : rr).push_back(m / (sfx::T - 4));
        }
        auto mv = [](const std::vector<double>& v) {
            double m = 0, q = 0;
            for (double x : v)
                m += x;
            m /= v.size();
            for (double x : v)
                q += (x - m) * (x - m);
            return std::pair{m, q / (v.size() - 1)};
        };
        const auto [ml, vl] = mv(l);
        const auto [mr, vr] = mv(rr);
        if (vl == 0 && vr == 0) {
            QVERIFY2(dp[j].isNull(), qPrintable(QString::number(n))); // the constant neuron 3
            continue;
        }
        CHECK_NEAR(QStringLiteral("d' of neuron %1").arg(n), dp[j],
                   (ml - mr) / std::sqrt((vl + vr) / 2));
    }
    QCOMPARE(d["trials"].toArray()[0].toInt(), 12);
    QCOMPARE(d["trials"].toArray()[1].toInt(), 16);
}

void TestStatsCli::severalRecordings()
{
    const QStringList files = {fixture("stats_tanh.h5"), fixture("bad_tv_nan.h5"),
                               fixture("stats_sigmoid.h5")};
    const Run r = runCli(QStringList{"stats", "--json"} + files);
    // The bad one is refused on stderr; the others still come, one line each.
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains("bad_tv_nan.h5") && r.err.count('\n') == 1);
    const auto lines = jsonLines(r);
    QCOMPARE(r.out.count('\n'), 2);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines[0]["file"].toString(), files[0]);
    QCOMPARE(lines[1]["file"].toString(), files[2]);
    checkAll(lines[1], arrays(64, false, false, true, 32), whole(), "sigmoid");
}

void TestStatsCli::table()
{
    const Run r = runCli({"stats", fixture("stats_tanh.h5"), fixture("stats_relu.h5")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    const QString out = QString::fromUtf8(r.out);
    for (const char* s :
         {"stats_tanh.h5: 10 neurons, 28 trials x 20 steps, activation tanh",
          "silent fraction         0.2 (2 of 10", "saturated fraction      0.4 (4 of 10",
          "stats_relu.h5", "relu has no upper bound", "rules:", "choice: "})
        QVERIFY2(out.contains(s), s);
    QCOMPARE(out.count("rules:"), 1);
}

void TestStatsCli::activationUnknown_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("mention");
    QTest::newRow("absent") << "stats_noact.h5"
                            << "no 'activation' attribute";
    QTest::newRow("not nn4n's") << "stats_gelu.h5"
                                << "'gelu' is not one of nn4n";
    QTest::newRow("a number") << "stats_actnum.h5"
                              << "not a single string";
}

void TestStatsCli::activationUnknown()
{
    QFETCH(QString, file);
    QFETCH(QString, mention);
    const Run r = runCli({"stats", fixture(file), "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    const QJsonObject j = jsonLines(r).value(0);
    QVERIFY(j["activation"].isNull());
    QVERIFY(j["saturated_fraction"].isNull());
    QVERIFY2(j["reasons"].toObject()["saturated_fraction"].toString().contains(mention),
             qPrintable(r.describe()));
    QVERIFY(j["activation_note"].toString().contains(mention));
    // Everything else is there.
    checkAll(j, arrays(32), whole(), "");
}

void TestStatsCli::badTrialValues_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("mention");
    QTest::newRow("one too many") << "bad_tv_long.h5"
                                  << "holds 29 values for 28 trials";
    QTest::newRow("one too few") << "bad_tv_short.h5"
                                 << "holds 27 values for 28 trials";
    QTest::newRow("two dimensions") << "bad_tv_2d.h5"
                                    << "has 2 dimension(s)";
    QTest::newRow("scalar") << "bad_tv_scalar.h5"
                            << "has 0 dimension(s)";
    QTest::newRow("NaN") << "bad_tv_nan.h5"
                         << "NaN at trial 5";
    QTest::newRow("-Inf") << "bad_tv_inf.h5"
                          << "infinity at trial 3";
    QTest::newRow("integers") << "bad_tv_int.h5"
                              << "holds integer data";
    QTest::newRow("strings") << "bad_tv_string.h5"
                             << "holds string data";
    QTest::newRow("a group") << "bad_tv_group.h5"
                             << "is a group";
    QTest::newRow("external storage") << "bad_tv_external.h5"
                                      << "external file";
}

void TestStatsCli::badTrialValues()
{
    QFETCH(QString, file);
    QFETCH(QString, mention);
    // Refused by every read, not only the statistics: like every dataset.
    for (const QStringList& args :
         {QStringList{"stats", fixture(file)},
          QStringList{"stats", fixture(file), "--json", "--trials", "0:4"},
          QStringList{"compute", fixture(file)},
          QStringList{"compute", fixture(file), "--via-reader"}}) {
        const Run r = runCli(args);
        QVERIFY2(r.exitCode == 2 && !r.crashed && r.out.isEmpty(), qPrintable(r.describe()));
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(err.startsWith("error: " + fixture(file) + ": ") && err.count('\n') == 1,
                 qPrintable(err));
        QVERIFY2(err.contains("trial_values") && err.contains(mention), qPrintable(err));
    }
}

void TestStatsCli::badOptions_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mention");
    const QString rec = fixture("stats_tanh.h5");
    QTest::newRow("window past the end")
        << QStringList{"stats", rec, "--response-window", "15:30"} << "response window";
    QTest::newRow("window not a range")
        << QStringList{"stats", rec, "--response-window", "3"} << "not one range";
    QTest::newRow("window empty") << QStringList{"stats", rec, "--response-window", "5:5"}
                                  << "response window";
    QTest::newRow("window syntax")
        << QStringList{"stats", rec, "--response-window", "a:b"} << "--response-window";
    QTest::newRow("threshold negative")
        << QStringList{"stats", rec, "--silent-threshold", "-1"} << "--silent-threshold";
    QTest::newRow("threshold NaN")
        << QStringList{"stats", rec, "--silent-threshold", "nan"} << "--silent-threshold";
    QTest::newRow("dprime one label")
        << QStringList{"stats", rec, "--dprime", "left"} << "--dprime";
    QTest::newRow("unknown option") << QStringList{"stats", rec, "--bogus"} << "--bogus";
}

void TestStatsCli::badOptions()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mention);
    const Run r = runCli(args);
    QVERIFY2(r.exitCode == 2 && !r.crashed && r.out.isEmpty(), qPrintable(r.describe()));
    QVERIFY2(r.err.startsWith("error: ") && r.err.count('\n') == 1, qPrintable(r.describe()));
    QVERIFY2(QString::fromUtf8(r.err).contains(mention), qPrintable(r.describe()));
}

QTEST_GUILESS_MAIN(TestStatsCli)
#include "test_stats_cli.moc"
