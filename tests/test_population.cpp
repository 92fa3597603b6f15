// The Population tab: the statistic histogram's bins and per-group counts, d'
// against a brute force, clicking a bar, the panel's numbers from a fake
// raw-data source, and the worker's latest-wins coalescing.

#include "computeworker.h"
#include "mainwindow.h"
#include "populationcontroller.h"
#include "populationview.h"
#include "reducer.h"
#include "statisticview.h"
#include "statsref.h"

#include <QTabWidget>
#include <QtCharts/QBarCategoryAxis>

#include <QApplication>
#include <QChartView>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTest>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QLineSeries>
#include <QtCharts/QStackedBarSeries>

#include <cmath>
#include <future>
#include <limits>

using namespace rnnloss;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

/// B trials x T steps x N neurons with values no formula of the code shares.
Recording tinyRecording(std::int64_t B, std::int64_t T, std::int64_t N)
{
    Recording rec;
    rec.shape = {B, T, 1, N, 2};
    rec.states.resize(B * T * N);
    for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t t = 0; t < T; ++t)
            for (std::int64_t n = 0; n < N; ++n)
                rec.states[(b * T + t) * N + n] =
                    0.5 + 0.4 * std::sin(1.3 * b + 0.7 * t * (n + 1) + n) + (b % 2 ? 0.1 * n : 0.0);
    return rec;
}

ComputeResult resultOf(const Summary& s)
{
    ComputeResult r;
    r.summary = std::make_shared<const Summary>(s);
    r.stats = std::make_shared<const NeuronStats>(computeNeuronStats(s, Convention::Spec));
    return r;
}

/// Wilson score interval written out from Wilson (1927).
std::pair<double, double> wilsonByHand(double k, double n)
{
    const double z = 1.959963984540054, p = k / n;
    const double c = (p + z * z / (2 * n)) / (1 + z * z / n);
    const double h = z / (1 + z * z / n) * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n));
    return {c - h, c + h};
}

} // namespace

class TestPopulation : public QObject
{
    Q_OBJECT
private slots:
    void histogramBinsAndGroups();
    void clickingABarSelectsItsNeurons();
    void dPrimeAgainstBruteForce();
    void panelShowsFakeSource();
    void defaultSourceSaysWhy();
    void windowAsksTheReader();
    void latestRequestWins();
    void chartsFitTheWindow();
};

void TestPopulation::histogramBinsAndGroups()
{
    StatisticView v;
    v.setBinCount(5);
    // 0..9 and one undefined; neurons 0..6 are E, 7..10 I. Bins of width 1.8
    // over [0, 9]: {0,1} {2,3} {4,5} {6,7} {8,9}.
    v.setColumns({{"x", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, kNaN}}});
    v.setGroups({"E", "E", "E", "E", "E", "E", "E", "I", "I", "I", "I"});
    QCOMPARE(v.groupNames(), QStringList({"E", "I"}));
    QVERIFY(std::abs(v.histogram().lo - 0.0) < 1e-12);
    QVERIFY(std::abs(v.histogram().width - 1.8) < 1e-12);
    const std::vector<std::vector<double>> want{{2, 2, 2, 1, 0}, {0, 0, 0, 1, 2}};
    QCOMPARE(v.groupCounts(), want);
    QCOMPARE(v.neuronsInBin(3), QVector<int>({6, 7}));
    QCOMPARE(v.neuronsInBin(3, 1), QVector<int>({7}));
    QVERIFY(v.title().contains("stacked"));
    // The CSV names each neuron's group and leaves the undefined value empty.
    const std::string csv = v.csv({});
    QVERIFY(csv.find("neuron,group,x\n0,E,0\n") == 0);
    QVERIFY(csv.find("\n10,I,\n") != std::string::npos);
}

void TestPopulation::clickingABarSelectsItsNeurons()
{
    StatisticView v;
    v.resize(640, 420);
    v.setBinCount(5);
    v.setColumns({{"x", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}});
    v.setGroups({"E", "E", "E", "E", "E", "E", "E", "I", "I", "I"});
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QSignalSpy spy(&v, &StatisticView::neuronsClicked);
    // The I part of bin 4 (counts 0 of E, 2 of I): its middle, at count 1.
    auto* bars = qobject_cast<QStackedBarSeries*>(v.chartView()->chart()->series().front());
    QVERIFY(bars);
    const QPointF scene = v.chartView()->chart()->mapToPosition(QPointF(4.0, 1.0), bars);
    const QPoint at = v.chartView()->mapFromScene(scene);
    QTest::mouseClick(v.chartView()->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.front().front().value<QVector<int>>(), QVector<int>({8, 9}));
}

void TestPopulation::dPrimeAgainstBruteForce()
{
    const std::int64_t B = 10, T = 6, N = 5;
    const Recording rec = tinyRecording(B, T, N);
    Summary s = summarize(rec, 3);
    std::vector<std::string> labels;
    for (std::int64_t b = 0; b < B; ++b)
        labels.push_back(b % 2 ? "left" : (b % 4 == 0 ? "right" : "catch"));
    s.trialLabels = labels;
    const ComputeResult r = resultOf(s);
    PopulationRequest q;
    q.summary = r.summary;
    q.stats = r.stats;
    q.labelA = "left";
    q.labelB = "right";
    const PopulationResult out = PopulationController::compute(q, {}, {});
    QCOMPARE(out.labels, QStringList({"right", "left", "catch"}));
    QVERIFY2(out.selectivity.error.empty(), out.selectivity.error.c_str());
    std::vector<double> brute(N);
    for (std::int64_t n = 0; n < N; ++n) {
        std::vector<double> a, b;
        for (std::int64_t tr = 0; tr < B; ++tr) {
            double m = 0.0;
            for (std::int64_t t = 0; t < T; ++t)
                m += rec.states[(tr * T + t) * N + n] / T;
            if (labels[tr] == "left")
                a.push_back(m);
            else if (labels[tr] == "right")
                b.push_back(m);
        }
        auto meanVar = [](const std::vector<double>& x) {
            double m = 0, v = 0;
            for (double e : x)
                m += e / x.size();
            for (double e : x)
                v += (e - m) * (e - m) / (x.size() - 1);
            return std::pair{m, v};
        };
        const auto [ma, va] = meanVar(a);
        const auto [mb, vb] = meanVar(b);
        brute[n] = (ma - mb) / std::sqrt((va + vb) / 2);
        QVERIFY2(std::abs(out.selectivity.dPrime[n] - brute[n]) < 1e-10,
                 qPrintable(QString("neuron %1: %2 vs %3")
                                .arg(n)
                                .arg(out.selectivity.dPrime[n])
                                .arg(brute[n])));
    }
    // The histogram of d': 2 bins split at the middle of the brute-force range.
    StatisticView v;
    v.setBinCount(2);
    v.setColumns({{"mean rate", r.stats->mean}});
    v.setLabels(out.labels);
    v.setStatistic(1);
    QVERIFY(v.showsDPrime());
    v.setDPrime(out.selectivity.dPrime, {});
    const double lo = *std::min_element(brute.begin(), brute.end());
    const double hi = *std::max_element(brute.begin(), brute.end());
    double low = 0;
    for (double d : brute)
        low += d < (lo + hi) / 2 ? 1 : 0;
    QCOMPARE(v.histogram().counts, std::vector<double>({low, N - low}));
}

void TestPopulation::panelShowsFakeSource()
{
    const Summary s = summarize(tinyRecording(4, 3, 2));
    const ComputeResult r = resultOf(s);
    PopulationController c;
    QWidget* tab = c.createTab();
    c.setRawSource([](const PopulationRequest& q, const PopulationProgress&) {
        PopulationRaw raw;
        Accuracy a;
        a.window = q.window.value_or(StepWindow{1, 3});
        a.overall = wilson(97, 128);
        a.byLabel = {{"choice A", wilson(50, 64)}, {"choice B", wilson(47, 64)}};
        raw.accuracy = a;
        raw.participationRatio = Measure{7.25, {}};
        Psychometric p;
        for (double x : {-1.0, 0.0, 1.0}) {
            PsychometricPoint pt;
            pt.value = x;
            pt.trials = 10;
            const std::int64_t k = x < 0 ? 2 : x == 0 ? 5 : 9;
            pt.choice = {wilson(10 - k, 10), wilson(k, 10)};
            p.points.push_back(pt);
        }
        LogisticFit f;
        f.bias = 0.5;
        f.slope = 2.0;
        p.fits = {LogisticFit{}, f};
        raw.psychometric = p;
        return raw;
    });
    QSignalSpy spy(&c, &PopulationController::ready);
    c.setResult(r, true, {});
    QVERIFY(spy.wait(5000));
    PopulationView* v = c.populationView();
    const QString text = v->performanceText();
    const auto [lo, hi] = wilsonByHand(97, 128);
    QVERIFY2(text.contains(QString("0.758 [%1, %2] (97 of 128)")
                               .arg(QString::number(lo, 'g', 3), QString::number(hi, 'g', 3))),
             qPrintable(text));
    QVERIFY(text.contains("Accuracy in steps 1:3"));
    QVERIFY(text.contains("choice A: 0.781"));
    QVERIFY(text.contains("bias 0.5"));
    QVERIFY(text.contains("slope 2"));
    QVERIFY(v->measuresText().contains("Participation ratio: 7.25"));
    QVERIFY(v->rulesText().contains(QString::fromUtf8(kSilentRule.data(), kSilentRule.size())));
    QVERIFY(v->rulesText().contains(
        QString::fromUtf8(kParticipationRatioRule.data(), kParticipationRatioRule.size())));
    QVERIFY(v->rulesText().contains(QString::fromUtf8(kChoiceRule.data(), kChoiceRule.size())));
    // The fitted curve: the logistic of the fake fit, at x = 0 1/(1+e^-0.5).
    QLineSeries* fit = nullptr;
    for (QAbstractSeries* ser : v->psychometricChart()->series())
        if (ser->name().startsWith("logistic fit"))
            fit = qobject_cast<QLineSeries*>(ser);
    QVERIFY(fit);
    const QList<QPointF> pts = fit->points();
    const QPointF mid = pts[pts.size() / 2];
    QVERIFY(std::abs(mid.y() - 1.0 / (1.0 + std::exp(-(0.5 + 2.0 * mid.x())))) < 1e-12);
    // A response window is handed to the source; a bad one is said, not used.
    v->windowField()->setText("1:2");
    emit v->windowField()->editingFinished();
    QVERIFY(spy.wait(5000));
    QVERIFY(v->performanceText().contains("Accuracy in steps 1:2"));
    v->windowField()->setText("2:1");
    emit v->windowField()->editingFinished();
    QVERIFY(spy.wait(5000));
    QVERIFY(v->performanceText().startsWith("Response window: "));
    QVERIFY(v->performanceText().contains("Accuracy: —"));
    delete tab;
}

void TestPopulation::defaultSourceSaysWhy()
{
    const Summary s = summarize(tinyRecording(4, 3, 2));
    PopulationController c;
    QWidget* tab = c.createTab();
    QSignalSpy spy(&c, &PopulationController::ready);
    c.setResult(resultOf(s), true, {});
    QVERIFY(spy.wait(5000));
    QVERIFY(c.populationView()->measuresText().contains(
        "Saturated fraction: — (no source of the raw-data statistics (the window gives the "
        "reader process))"));
    QVERIFY(c.populationView()->measuresText().contains(
        "Silent fraction (threshold 1e-06): 0 (0 of 2)"));
    delete tab;
}

// The window's own source: the reader process's stats pass over the shown
// recording (a stats fixture of float32 tanh rates), held to brute force over
// the arrays it was written from: the saturated fraction by its rule, the
// participation ratio from the eigenvalues of a two-pass covariance.
void TestPopulation::windowAsksTheReader()
{
    MainWindow w(QStringLiteral(RNNLOSS_READER));
    QSignalSpy loaded(&w, &MainWindow::loadFinished);
    QSignalSpy ready(w.population(), &PopulationController::ready);
    w.openFiles(QStringLiteral(RNNLOSS_FIXTURE_DIR "/stats_tanh.h5"));
    QVERIFY(loaded.wait(60000));
    QVERIFY(loaded.first().first().toBool());
    QVERIFY(QTest::qWaitFor(
        [&] {
            const auto& r = w.population()->last();
            return r && r->measures.saturated && !w.population()->busy();
        },
        60000));
    const PopulationMeasures& m = w.population()->last()->measures;
    QVERIFY2(m.rawReason.empty(), m.rawReason.c_str());
    const statsref::Arrays a = statsref::arrays(32);
    const Eigen::MatrixXd x = statsref::samples(a, statsref::whole());
    QVERIFY(m.saturated->value);
    QCOMPARE(*m.saturated->value, statsref::saturatedRef(x, true));
    QVERIFY(m.participationRatio && m.participationRatio->value);
    const double pr = statsref::participationRef(x);
    QVERIFY2(
        std::abs(*m.participationRatio->value - pr) <= 1e-9 * pr,
        qPrintable(
            QString("%1 vs %2").arg(*m.participationRatio->value, 0, 'g', 17).arg(pr, 0, 'g', 17)));
    QVERIFY(m.accuracy && m.accuracy->error.empty());
    // And the panel shows them.
    QVERIFY2(w.population()->populationView()->measuresText().contains(
                 QString("Saturated fraction: %1 (%2 of %3)")
                     .arg(QString::number(*m.saturated->value, 'g', 3))
                     .arg(m.saturated->count)
                     .arg(sfx::N)),
             qPrintable(w.population()->populationView()->measuresText()));
}

void TestPopulation::latestRequestWins()
{
    const Summary s = summarize(tinyRecording(4, 3, 2));
    PopulationController c;
    std::promise<void> release;
    std::shared_future<void> gate = release.get_future().share();
    std::atomic<int> calls{0};
    c.setRawSource([gate, &calls](const PopulationRequest&, const PopulationProgress&) {
        if (calls++ == 0)
            gate.wait(); // the first job holds the worker while requests pile up
        return PopulationRaw{};
    });
    QSignalSpy spy(&c, &PopulationController::ready);
    c.setResult(resultOf(s), true, {});
    for (double t : {0.1, 0.2, 0.3})
        c.setSilentThreshold(t);
    QVERIFY(c.busy());
    release.set_value();
    QVERIFY(spy.wait(5000));
    QTRY_VERIFY(!c.busy());
    QCOMPARE(spy.count(), 1); // the first job's result was of an old request: dropped
    QCOMPARE(c.jobsRun(), std::uint64_t(2));
    QCOMPARE(calls.load(), 2);
    QCOMPARE(spy.front().front().value<PopulationResult>().measures.silentThreshold, 0.3);
}

// At the window's default size (1280 x 800, the docs' screenshot), the
// accuracy and psychometric charts' titles fit their width (Qt elides what
// does not: "Accuracy, steps 70:100,..."), and the accuracy's label names
// fit under their bars or stand upright ("ov...", "ch...").
void TestPopulation::chartsFitTheWindow()
{
    MainWindow w(QStringLiteral(RNNLOSS_READER));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QCOMPARE(w.size(), QSize(1280, 800));
    QSignalSpy loaded(&w, &MainWindow::loadFinished);
    w.openFiles(QStringLiteral(RNNLOSS_SOURCE_DIR "/resources/example.h5"));
    QVERIFY(loaded.wait(60000));
    w.tabs()->setCurrentWidget(w.population()->populationView()->parentWidget());
    PopulationView* v = w.population()->populationView();
    QTRY_VERIFY_WITH_TIMEOUT(v->accuracyChart()->title().startsWith("Accuracy, steps"), 60000);
    for (QChart* c : {v->accuracyChart(), v->psychometricChart()}) {
        const int need = QFontMetrics(c->titleFont()).horizontalAdvance(c->title());
        const QMargins m = c->margins();
        QVERIFY2(need <= c->size().width() - m.left() - m.right(),
                 qPrintable(QString("'%1' needs %2 px of %3")
                                .arg(c->title())
                                .arg(need)
                                .arg(c->size().width())));
    }
    auto* cats = qobject_cast<QBarCategoryAxis*>(v->accuracyChart()->axes(Qt::Horizontal).front());
    QVERIFY(cats && cats->count() == 3); // overall, choice A, choice B
    const QFontMetrics fm(cats->labelsFont());
    auto fits = [&] {
        const double slot = v->accuracyChart()->plotArea().width() / cats->count();
        for (const QString& c : cats->categories()) {
            const bool upright = std::abs(cats->labelsAngle()) == 90;
            if ((upright ? fm.height() : fm.horizontalAdvance(c)) > slot)
                return false;
        }
        return true;
    };
    QTRY_VERIFY2(fits(), qPrintable(QString("angle %1").arg(cats->labelsAngle())));
}

QTEST_MAIN(TestPopulation)
#include "test_population.moc"
