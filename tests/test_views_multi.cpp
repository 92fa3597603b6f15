// The set views alone, fed hand-made term values: the history (weighted terms
// and total per recording, axes, log scale, picking and clicking a point,
// hover text) and the λ sweep (total, shares, the marker, live lambdas),
// checked against hand calculations.

#include "compareview.h"
#include "historyview.h"
#include "sweepview.h"

#include <QSignalSpy>
#include <QTableWidget>
#include <QtCharts/QChart>
#include <QtTest>

#include <cmath>

using namespace rnnloss;

namespace {

/// Unweighted values per term; nullopt: unavailable.
TermValues makeValues(std::array<std::optional<double>, kTermCount> v)
{
    TermValues out;
    for (int i = 0; i < kTermCount; ++i) {
        out.terms[std::size_t(i)].available = v[std::size_t(i)].has_value();
        out.terms[std::size_t(i)].value = v[std::size_t(i)];
        if (!v[std::size_t(i)])
            out.terms[std::size_t(i)].reason = "no data";
    }
    return out;
}

TermArray lambdas(double mse, double fr, double hid = 0.0)
{
    TermArray l{};
    l[index(Term::Mse)] = mse;
    l[index(Term::Fr)] = fr;
    l[index(Term::Hid)] = hid;
    return l;
}

bool near(double a, double b, double tol = 1e-12)
{
    return std::abs(a - b) <= tol * std::max({1.0, std::abs(a), std::abs(b)});
}

} // namespace

class TestViewsMulti : public QObject
{
    Q_OBJECT

private slots:
    void historyPlotsWeightedTermsAndTotal_data();
    void historyPlotsWeightedTermsAndTotal();
    void historyOrderAxisWithoutPositions();
    void historyLogScaleDropsZeros();
    void historyMissingValuesLeftOut();
    void historyClickPicksRecording();
    void historyHoverText();
    void sweepTotalAndSharesByHand();
    void sweepFollowsOtherLambdas();
    void sweepRefusesUndefinedTerm();
    void sweepMarker_data();
    void sweepMarker();
    void compareRateSummariesAndSharedBins();
    void compareEcdf();
    void compareBarsAndScatter();
};

// Three recordings: mse 2, 1, 0.5 and fr 10, 20, 40 (the others unavailable
// but switched off, so they do not count).
void TestViewsMulti::historyPlotsWeightedTermsAndTotal_data()
{
    QTest::addColumn<double>("lmse");
    QTest::addColumn<double>("lfr");
    QTest::newRow("mse only") << 1.0 << 0.0;
    QTest::newRow("both") << 1.0 << 0.01;
    QTest::newRow("fr heavy") << 0.5 << 2.0;
}

void TestViewsMulti::historyPlotsWeightedTermsAndTotal()
{
    QFETCH(double, lmse);
    QFETCH(double, lfr);
    HistoryView v;
    const double mse[] = {2.0, 1.0, 0.5}, fr[] = {10.0, 20.0, 40.0},
                 steps[] = {300.0, 100.0, 200.0};
    std::vector<std::optional<TermValues>> values;
    for (int i = 0; i < 3; ++i)
        values.push_back(makeValues(
            {mse[i], std::nullopt, 1.0, std::nullopt, fr[i], std::nullopt, std::nullopt}));
    v.setRecordings({"a", "b", "c"}, {300.0, 100.0, 200.0}, "step", values);
    v.setLambdas(lambdas(lmse, lfr));

    // Plotted along x (100, 200, 300): recordings 1, 2, 0.
    const int byStep[] = {1, 2, 0};
    const QList<QPointF> total = v.plottedTotal();
    QCOMPARE(total.size(), 3);
    for (int k = 0; k < 3; ++k) {
        const int i = byStep[k];
        QCOMPARE(total[k].x(), steps[i]);
        QVERIFY2(near(total[k].y(), lmse * mse[i] + lfr * fr[i]),
                 qPrintable(QString::number(total[k].y())));
        QVERIFY(v.results()[std::size_t(i)].has_value());
    }
    const QList<QPointF> pfr = v.plotted(Term::Fr);
    QCOMPARE(pfr.size(), lfr != 0.0 ? 3 : 0); // a term switched off is not drawn
    for (int k = 0; k < pfr.size(); ++k)
        QVERIFY(near(pfr[k].y(), lfr * fr[byStep[k]]));
    QVERIFY(v.plotted(Term::Hid).isEmpty()); // lambda_hid is 0
    QCOMPARE(v.xOf(1), 100.0);
}

void TestViewsMulti::historyOrderAxisWithoutPositions()
{
    HistoryView v;
    std::vector<std::optional<TermValues>> values(2, makeValues({1.0, {}, {}, {}, {}, {}, {}}));
    v.setRecordings({"x.h5", "x.h5"}, {}, "recording", values); // duplicate labels are allowed
    v.setLambdas(lambdas(3.0, 0.0));
    const QList<QPointF> total = v.plottedTotal();
    QCOMPARE(total.size(), 2);
    QCOMPARE(total[0], QPointF(1.0, 3.0));
    QCOMPARE(total[1], QPointF(2.0, 3.0));
}

void TestViewsMulti::historyLogScaleDropsZeros()
{
    HistoryView v;
    std::vector<std::optional<TermValues>> values{makeValues({0.0, {}, {}, {}, 5.0, {}, {}}),
                                                  makeValues({2.0, {}, {}, {}, 5.0, {}, {}})};
    v.setRecordings({"a", "b"}, {1.0, 2.0}, "step", values);
    v.setLambdas(lambdas(1.0, 0.1));
    QCOMPARE(v.plotted(Term::Mse).size(), 2);
    v.setLogScale(true);
    QVERIFY(v.logScaleAction()->isChecked());
    const QList<QPointF> mse = v.plotted(Term::Mse);
    QCOMPARE(mse.size(), 1); // 0 has no place on a log axis
    QCOMPARE(mse[0], QPointF(2.0, 2.0));
    QCOMPARE(v.plottedTotal().size(), 2);
    v.setLogScale(false);
    QCOMPARE(v.plotted(Term::Mse).size(), 2);
}

void TestViewsMulti::historyMissingValuesLeftOut()
{
    HistoryView v;
    std::vector<std::optional<TermValues>> values{makeValues({1.0, {}, {}, {}, {}, {}, {}}),
                                                  std::nullopt};
    v.setRecordings({"a", "b"}, {1.0, 2.0}, "step", values);
    v.setLambdas(lambdas(1.0, 0.0));
    QCOMPARE(v.plottedTotal().size(), 1);
    QVERIFY(!v.results()[1].has_value());
    QVERIFY(!v.pointPosition(1).has_value());
    // An enabled term without data leaves the total undefined: no point.
    v.setRecordings({"a"}, {1.0}, "step", {makeValues({1.0, {}, {}, {}, {}, {}, {}})});
    v.setLambdas(lambdas(1.0, 0.5));
    QVERIFY(v.plottedTotal().isEmpty());
}

void TestViewsMulti::historyClickPicksRecording()
{
    HistoryView v;
    v.resize(640, 420);
    std::vector<std::optional<TermValues>> values;
    for (double m : {1.0, 3.0, 2.0})
        values.push_back(makeValues({m, {}, {}, {}, {}, {}, {}}));
    v.setRecordings({"a", "b", "c"}, {10.0, 20.0, 30.0}, "epoch", values);
    v.setLambdas(lambdas(1.0, 0.0));
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QSignalSpy clicked(&v, &HistoryView::recordingClicked);
    for (int i : {2, 0, 1}) {
        const auto pos = v.pointPosition(i);
        QVERIFY(pos.has_value());
        QCOMPARE(v.recordingAt(*pos), i);
        QTest::mouseClick(v.viewport(), Qt::LeftButton, {}, *pos);
        QCOMPARE(clicked.size(), 1);
        QCOMPARE(clicked.takeFirst().at(0).toInt(), i);
    }
    // Far from every point: nothing picked, nothing emitted.
    QCOMPARE(v.recordingAt(QPoint(2, 2)), -1);
    QTest::mouseClick(v.viewport(), Qt::LeftButton, {}, QPoint(2, 2));
    QCOMPARE(clicked.size(), 0);
    v.setActive(1);
    QCOMPARE(v.active(), 1);
}

void TestViewsMulti::historyHoverText()
{
    HistoryView v;
    v.setRecordings({"step 100"}, {100.0}, "step", {makeValues({2.0, {}, {}, {}, 10.0, {}, {}})});
    v.setLambdas(lambdas(1.0, 0.25));
    const QString t = v.hoverText(0);
    QVERIFY2(t.contains("step 100"), qPrintable(t));
    QVERIFY2(t.contains("fr = 2.5"), qPrintable(t)); // 0.25 * 10
    QVERIFY2(t.contains("mse = 2"), qPrintable(t));
    QVERIFY2(t.contains("total = 4.5"), qPrintable(t)); // 2 + 2.5
}

// mse 2, fr 4, λ_mse 1: total(x) = 2 + 4x, share_fr = 4x / (2 + 4x).
void TestViewsMulti::sweepTotalAndSharesByHand()
{
    SweepView v;
    v.setValues(makeValues({2.0, {}, {}, {}, 4.0, {}, {}}));
    v.setLambdas(lambdas(1.0, 0.5));
    v.setTerm(Term::Fr);
    v.setRange(1e-2, 1e2, 5);
    const SweepResult& s = v.sweep();
    QVERIFY2(s.error.empty(), s.error.c_str());
    QCOMPARE(int(s.points.size()), 5);
    const double grid[] = {1e-2, 1e-1, 1.0, 10.0, 100.0};
    const QList<QPointF> total = v.totalPoints();
    const QList<QPointF> share = v.sharePoints(Term::Fr);
    const QList<QPointF> mse = v.sharePoints(Term::Mse);
    QCOMPARE(total.size(), 5);
    for (int i = 0; i < 5; ++i) {
        const double x = grid[i], t = 2.0 + 4.0 * x;
        QVERIFY(near(s.points[std::size_t(i)].lambda, x, 1e-12));
        QVERIFY(near(total[i].y(), t));
        QVERIFY(near(share[i].y(), 100.0 * 4.0 * x / t));
        QVERIFY(near(mse[i].y(), 100.0 * 2.0 / t));
    }
    QCOMPARE(v.markedLambda().value_or(-1.0), 0.5);
}

void TestViewsMulti::sweepFollowsOtherLambdas()
{
    SweepView v;
    v.setValues(makeValues({2.0, {}, 3.0, {}, 4.0, {}, {}}));
    v.setRange(1.0, 10.0, 2);
    v.setTerm(Term::Fr);
    v.setLambdas(lambdas(1.0, 0.5, 0.0));
    QVERIFY(near(v.totalPoints()[0].y(), 2.0 + 4.0));
    QVERIFY(v.sharePoints(Term::Hid).isEmpty());
    v.setLambdas(lambdas(1.0, 0.5, 2.0)); // λ_hid moves: every point follows
    QVERIFY(near(v.totalPoints()[0].y(), 2.0 + 6.0 + 4.0));
    QVERIFY(near(v.totalPoints()[1].y(), 2.0 + 6.0 + 40.0));
    QVERIFY(near(v.sharePoints(Term::Hid)[1].y(), 100.0 * 6.0 / 48.0));
    QSignalSpy changed(&v, &SweepView::termChanged);
    v.setTerm(Term::Hid);
    QCOMPARE(changed.size(), 1);
    // Sweeping λ_hid: total(x) = 2 + 3x + 0.5 * 4.
    QVERIFY(near(v.totalPoints()[1].y(), 2.0 + 30.0 + 2.0));
}

void TestViewsMulti::sweepRefusesUndefinedTerm()
{
    SweepView v;
    v.setValues(makeValues({2.0, {}, {}, {}, std::nullopt, {}, {}}));
    v.setLambdas(lambdas(1.0, 0.0));
    v.setTerm(Term::Fr);
    QVERIFY(!v.sweep().error.empty());
    QVERIFY(v.totalPoints().isEmpty());
    v.setValues(std::nullopt);
    QVERIFY(!v.sweep().error.empty());
}

void TestViewsMulti::sweepMarker_data()
{
    QTest::addColumn<double>("lambda");
    QTest::addColumn<bool>("marked");
    QTest::newRow("inside") << 0.3 << true;
    QTest::newRow("lower end") << 1e-6 << true;
    QTest::newRow("off") << 0.0 << false;
    QTest::newRow("above") << 1e4 << false;
}

void TestViewsMulti::sweepMarker()
{
    QFETCH(double, lambda);
    QFETCH(bool, marked);
    SweepView v;
    v.setValues(makeValues({2.0, {}, {}, {}, 4.0, {}, {}}));
    v.setRange(1e-6, 1e3);
    v.setTerm(Term::Fr);
    v.setLambdas(lambdas(1.0, lambda));
    QCOMPARE(v.markedLambda().has_value(), marked);
    if (marked)
        QCOMPARE(*v.markedLambda(), lambda);
}

// Rates A = {0, 1.5, 3, 6}, B = {3, 3, 3, 3}: shared bins over [0, 6], width 0.2.
void TestViewsMulti::compareRateSummariesAndSharedBins()
{
    CompareView v;
    v.setRecordings({"A", "B"}, {{0.0, 1.5, 3.0, 6.0}, {3.0, 3.0, 3.0, 3.0}},
                    {std::nullopt, std::nullopt});
    const auto& s = v.rateSummaries();
    QCOMPARE(int(s.size()), 2);
    const double muA = (0.0 + 1.5 + 3.0 + 6.0) / 4.0;
    const double sdA = std::sqrt((muA * muA + (1.5 - muA) * (1.5 - muA) +
                                  (3.0 - muA) * (3.0 - muA) + (6.0 - muA) * (6.0 - muA)) /
                                 4.0);
    QCOMPARE(s[0].n, 4);
    QVERIFY(near(s[0].mean, muA));
    QVERIFY(near(s[0].sd, sdA));
    QVERIFY(near(s[0].cv, sdA / muA));
    QVERIFY(near(s[1].mean, 3.0));
    QCOMPARE(s[1].sd, 0.0);
    QCOMPARE(s[1].cv, 0.0);
    QCOMPARE(v.legendTable()->rowCount(), 2);
    QCOMPARE(v.legendTable()->item(0, 0)->text(), QStringLiteral("A"));
    // With the terms in, SD and CV are the convention's L_fr_sd and L_fr_cv
    // (as the Firing rates tab shows them), not the population figures.
    v.setRecordings({"A", "B"}, {{0.0, 1.5, 3.0, 6.0}, {3.0, 3.0, 3.0, 3.0}},
                    {makeValues({1.0, {}, {}, {}, {}, 0.25, 0.75}), std::nullopt});
    QCOMPARE(v.rateSummaries()[0].sd, 0.25);
    QCOMPARE(v.rateSummaries()[0].cv, 0.75);
    QVERIFY(near(v.rateSummaries()[0].mean, muA));
    QVERIFY(near(v.rateSummaries()[1].mean, 3.0));
    QCOMPARE(v.legendTable()->item(0, 3)->text().toDouble(), 0.25);
    v.setRecordings({"A", "B"}, {{0.0, 1.5, 3.0, 6.0}, {3.0, 3.0, 3.0, 3.0}},
                    {std::nullopt, std::nullopt});

    const auto& edges = v.binEdges();
    QCOMPARE(int(edges.size()), CompareView::kBins + 1);
    QCOMPARE(edges.front(), 0.0);
    QCOMPARE(edges.back(), 6.0);
    const QList<double> a = v.binFractions(0), b = v.binFractions(1);
    // 0 -> bin 0, 1.5 -> bin 7, 3 -> bin 15, 6 (the top edge) -> the last bin.
    for (int i = 0; i < CompareView::kBins; ++i) {
        const double wantA =
            (i == 0 || i == 7 || i == 15 || i == CompareView::kBins - 1) ? 0.25 : 0.0;
        QCOMPARE(a[i], wantA);
        QCOMPARE(b[i], i == 15 ? 1.0 : 0.0);
    }
    QVERIFY(!v.distributionPoints(1).isEmpty());
}

void TestViewsMulti::compareEcdf()
{
    CompareView v;
    v.setRecordings({"A", "B"}, {{0.0, 1.5, 3.0, 6.0}, {3.0, 3.0, 3.0, 3.0}},
                    {std::nullopt, std::nullopt});
    v.setEcdf(true);
    const QList<double> a = v.binFractions(0);
    QCOMPARE(a[0], 0.25);
    QCOMPARE(a[6], 0.25);
    QCOMPARE(a[7], 0.5);
    QCOMPARE(a[15], 0.75);
    QCOMPARE(a[CompareView::kBins - 1], 1.0);
    QCOMPARE(v.binFractions(1)[14], 0.0);
    QCOMPARE(v.binFractions(1)[15], 1.0);
}

void TestViewsMulti::compareBarsAndScatter()
{
    CompareView v;
    v.setRecordings({"A", "B", "C"}, {{1.0, 2.0, 3.0}, {2.0, 4.0, 8.0}, {1.0, 1.0}},
                    {makeValues({2.0, {}, {}, {}, 4.0, {}, {}}),
                     makeValues({1.0, {}, {}, {}, 8.0, {}, {}}), std::nullopt});
    v.setLambdas(lambdas(1.0, 0.5));
    // Weighted terms in kAllTerms order, then the total.
    QCOMPARE(v.bars(0), (QList<double>{2.0, 0, 0, 0, 2.0, 0, 0, 4.0}));
    QCOMPARE(v.bars(1), (QList<double>{1.0, 0, 0, 0, 4.0, 0, 0, 5.0}));
    QVERIFY(v.bars(2).isEmpty());
    v.setLambdas(lambdas(2.0, 0.0));
    QCOMPARE(v.bars(1), (QList<double>{2.0, 0, 0, 0, 0, 0, 0, 2.0}));

    // Hidden, the drawn bars wait; shown, they catch up.
    QCOMPARE(v.plottedBars(1), (QList<double>(kTermCount + 1, 0.0)));
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QCOMPARE(v.plottedBars(1), v.bars(1));
    v.setLambdas(lambdas(1.0, 0.5));
    QCOMPARE(v.plottedBars(0), (QList<double>{2.0, 0, 0, 0, 2.0, 0, 0, 4.0}));

    v.setPair(0, 1);
    QCOMPARE(v.scatterPoints(), (QList<QPointF>{{1.0, 2.0}, {2.0, 4.0}, {3.0, 8.0}}));
    v.setPair(0, 2); // 3 neurons against 2: no scatter, and why
    QVERIFY(v.scatterPoints().isEmpty());
    QVERIFY2(v.scatterMessage().contains("N_hid differs"), qPrintable(v.scatterMessage()));
}

QTEST_MAIN(TestViewsMulti)
#include "test_views_multi.moc"
