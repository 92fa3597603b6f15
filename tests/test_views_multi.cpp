// The set views alone, fed hand-made term values: the history (weighted terms
// and total per recording, axes, log scale, picking and clicking a point,
// hover text) and the λ sweep (total, shares, the marker, live lambdas),
// checked against hand calculations.

#include "chartlegend.h"
#include "chartutil.h"
#include "compareview.h"
#include "historyview.h"
#include "lossbreakdownview.h"
#include "sweepview.h"

#include <QHeaderView>
#include <QLabel>
#include <QSignalSpy>
#include <QTableWidget>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>
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

/// CIELAB of an sRGB colour (D65), written out here from the standard's formulas.
std::array<double, 3> lab(const QColor& c)
{
    auto lin = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    const double r = lin(c.redF()), g = lin(c.greenF()), b = lin(c.blueF());
    const double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    const double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    auto f = [](double t) {
        return t > 216.0 / 24389.0 ? std::cbrt(t) : (24389.0 / 27.0 * t + 16.0) / 116.0;
    };
    return {116.0 * f(y) - 16.0, 500.0 * (f(x) - f(y)), 200.0 * (f(y) - f(z))};
}

double deltaE(const QColor& a, const QColor& b)
{
    const auto p = lab(a), q = lab(b);
    return std::hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/// n recordings named "<prefix>NNN.h5", with rates and terms.
struct Recordings
{
    QStringList labels;
    std::vector<std::vector<double>> rates;
    std::vector<std::optional<TermValues>> values;
};

Recordings someRecordings(int n, const QString& prefix = QStringLiteral("step"))
{
    Recordings r;
    for (int i = 0; i < n; ++i) {
        r.labels << QStringLiteral("%1%2.h5").arg(prefix).arg(i * 50, 3, 10, QLatin1Char('0'));
        r.rates.push_back({0.01 * (i + 1), 0.02 * (i + 1), 0.05, 0.1});
        r.values.push_back(makeValues({0.03, {}, {}, {}, 0.04 * (1 + i), {}, {}}));
    }
    return r;
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
    void historyStepAxisIsTight();
    void historyTakesTheBreakdownsLogRule();
    void setViewsTicksNeverOverlap();
    void sweepTotalAndSharesByHand();
    void sweepFollowsOtherLambdas();
    void sweepRefusesUndefinedTerm();
    void sweepMarker_data();
    void sweepMarker();
    void sweepSaysWhatItIs();
    void sweepLowestDecadesLabelled();
    void compareRateSummariesAndSharedBins();
    void compareEcdf();
    void compareBarsAndScatter();
    void compareShowsAReadableFewByDefault();
    void compareColoursPairwiseDistinct_data();
    void compareColoursPairwiseDistinct();
    void compareFullNames();
    void compareTableChoosesShown();
    void compareBarsTakeTheBreakdownsLogRule();
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

void TestViewsMulti::historyStepAxisIsTight()
{
    HistoryView v;
    v.resize(640, 420);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    auto xAxis = [&] {
        return qobject_cast<QValueAxis*>(v.chart()->axes(Qt::Horizontal).value(0));
    };
    std::vector<std::optional<TermValues>> five(5, makeValues({1.0, {}, {}, {}, {}, {}, {}}));
    v.setRecordings({"a", "b", "c", "d", "e"}, {400, 0, 100, 300, 200}, "step", five);
    v.setLambdas(lambdas(1.0, 0.0));
    QVERIFY(xAxis());
    QCOMPARE(xAxis()->min(), 0.0);   // not -200
    QCOMPARE(xAxis()->max(), 400.0); // not 600
    v.setRecordings({"a", "b"}, {25, 375}, "step", {five[0], five[1]});
    QCOMPARE(xAxis()->min(), 25.0);
    QCOMPARE(xAxis()->max(), 375.0);
    // One step: a small span around it, the point inside.
    v.setRecordings({"a"}, {300}, "step", {five[0]});
    QVERIFY(xAxis()->min() < 300.0 && xAxis()->max() > 300.0);
    QVERIFY2(xAxis()->max() - xAxis()->min() <= 0.1 * 300 + 1e-9,
             qPrintable(QString("%1 … %2").arg(xAxis()->min()).arg(xAxis()->max())));
    v.setRecordings({"a"}, {0}, "step", {five[0]});
    QVERIFY(xAxis()->min() < 0.0 && xAxis()->max() > 0.0);
    QVERIFY(xAxis()->max() - xAxis()->min() <= 2.0 + 1e-9);
}

void TestViewsMulti::historyTakesTheBreakdownsLogRule()
{
    // mse 0.03 and fr 0.04 per recording: λ_fr 2.5e-3 makes them 300 apart.
    std::vector<std::optional<TermValues>> values{makeValues({0.03, {}, {}, {}, 0.04, {}, {}}),
                                                  makeValues({0.02, {}, {}, {}, 0.05, {}, {}})};
    for (const auto& [lfr, log] : {std::pair{2.5e-3, true}, std::pair{0.05, false}}) {
        HistoryView v;
        QVERIFY(v.autoLogScale()); // no choice made yet
        v.setRecordings({"a", "b"}, {0, 100}, "step", values);
        v.setLambdas(lambdas(1.0, lfr));
        QCOMPARE(v.logScale(), log);
        QCOMPARE(v.logScaleAction()->isChecked(), log);
        QVERIFY(v.autoLogScale());
        // The breakdown of the first recording, left to choose, agrees.
        LossBreakdownView b;
        b.setAutoLogScale(true);
        b.setResult(evaluate(*values[0], lambdas(1.0, lfr)));
        QCOMPARE(b.logScale(), log);
        if (log) {
            QLogValueAxis* axis = nullptr;
            for (QAbstractAxis* a : v.chart()->axes(Qt::Vertical))
                if (auto* l = qobject_cast<QLogValueAxis*>(a); l && l->isVisible())
                    axis = l;
            QVERIFY(axis);
            const int decades = int(std::lround(std::log10(axis->max() / axis->min())));
            QCOMPARE(axis->tickCount(), decades + 1); // the lowest decade labelled too
        }
    }
    // The user's pick ends the automatic choice.
    HistoryView v;
    v.setRecordings({"a", "b"}, {0, 100}, "step", values);
    v.setLambdas(lambdas(1.0, 2.5e-3));
    QVERIFY(v.logScale());
    v.logScaleAction()->trigger();
    QVERIFY(!v.logScale());
    QVERIFY(!v.autoLogScale());
    v.setLambdas(lambdas(1.0, 1e-4));
    QVERIFY(!v.logScale());
}

namespace {

/// The label rectangles of a horizontal value axis as Qt places them: centred
/// on each tick, as wide as the label's text in the axis' font.
QList<QRectF> labelRects(const QChart* chart, const QValueAxis* axis)
{
    const QRectF plot = chart->plotArea();
    const QFontMetricsF fm(axis->labelsFont());
    QList<QRectF> out;
    for (double v : tickValues(axis)) {
        const double x = plot.left() + (v - axis->min()) / (axis->max() - axis->min()) * plot.width();
        const double w = fm.horizontalAdvance(tickLabel(axis, v));
        out.append(QRectF(x - w / 2.0, plot.bottom(), w, fm.height()));
    }
    return out;
}

bool apart(const QList<QRectF>& rects, QString* why)
{
    for (int i = 1; i < rects.size(); ++i)
        if (rects[i - 1].right() >= rects[i].left()) {
            *why = QStringLiteral("label %1 ends at %2, %3 starts at %4")
                       .arg(i - 1)
                       .arg(rects[i - 1].right())
                       .arg(i)
                       .arg(rects[i].left());
            return false;
        }
    return rects.size() >= 2;
}

} // namespace

void TestViewsMulti::setViewsTicksNeverOverlap()
{
    // Wide labels (steps up to 123456, rates like 0.000123) on narrow charts.
    std::vector<std::optional<TermValues>> values;
    std::vector<double> steps;
    QStringList labels;
    for (int i = 0; i < 9; ++i) {
        values.push_back(makeValues({1.0 + i, {}, {}, {}, {}, {}, {}}));
        steps.push_back(1234.0 + i * 15277.75);
        labels << QStringLiteral("r%1").arg(i);
    }
    for (int width : {360, 420, 600, 1000}) {
        HistoryView h;
        h.resize(width, 300);
        h.show();
        QVERIFY(QTest::qWaitForWindowExposed(&h));
        h.setRecordings(labels, steps, "step", values);
        h.setLambdas(lambdas(1.0, 0.0));
        QCoreApplication::processEvents();
        auto* x = qobject_cast<QValueAxis*>(h.chart()->axes(Qt::Horizontal).value(0));
        QVERIFY(x && x->isVisible());
        QString why;
        QVERIFY2(apart(labelRects(h.chart(), x), &why),
                 qPrintable(QString("history, %1 px: %2").arg(width).arg(why)));

        CompareView c;
        c.resize(width * 2, 500);
        c.show();
        QVERIFY(QTest::qWaitForWindowExposed(&c));
        c.setRecordings({"a", "b"}, {{0.000123, 0.000456, 0.00123}, {0.0001, 0.0009, 0.00111}},
                        {std::nullopt, std::nullopt});
        QCoreApplication::processEvents();
        for (QChartView* view : {c.distributionView(), c.scatterView()}) {
            auto* cx = qobject_cast<QValueAxis*>(view->chart()->axes(Qt::Horizontal).value(0));
            QVERIFY(cx);
            QVERIFY2(apart(labelRects(view->chart(), cx), &why),
                     qPrintable(QString("compare, %1 px: %2").arg(width).arg(why)));
        }
    }
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

void TestViewsMulti::sweepSaysWhatItIs()
{
    SweepView v;
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    auto* what = v.findChild<QLabel*>("sweepExplanation");
    QVERIFY(what);
    QVERIFY(what->isVisible());
    QCOMPARE(what->text(), QStringLiteral("Rescales the terms of this recording; it does not "
                                          "predict what training with that λ would give."));
    // Above the chart, where it is read before the curves.
    QVERIFY(what->geometry().bottom() <= v.chartView()->geometry().top());
}

void TestViewsMulti::sweepLowestDecadesLabelled()
{
    // Qt starts a log axis' labels at ceil(ln min / ln 10): for 1e-6 that is
    // -5.999… -> -5, and 1e-6 went unlabelled. Each decade of the range has a tick.
    SweepView v;
    v.setValues(makeValues({2.0, {}, {}, {}, 4.0, {}, {}}));
    v.setLambdas(lambdas(1.0, 0.5));
    for (const auto& [from, to] : {std::pair{1e-6, 1e3}, std::pair{1e-3, 1.0}, std::pair{1e-4, 1e2}}) {
        v.setRange(from, to, 19);
        auto* x = qobject_cast<QLogValueAxis*>(v.chartView()->chart()->axes(Qt::Horizontal).value(0));
        QVERIFY(x);
        QCOMPARE(x->tickCount(), int(std::lround(std::log10(to / from))) + 1);
        for (QAbstractAxis* a : v.chartView()->chart()->axes(Qt::Vertical))
            if (auto* y = qobject_cast<QLogValueAxis*>(a))
                QCOMPARE(y->tickCount(), int(std::lround(std::log10(y->max() / y->min()))) + 1);
    }
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
    QVERIFY(!v.scatterMessage().contains("whole"));
    // Distributions of a selection: the scatter (of the set's whole-recording
    // rates) says it is not of the selection.
    v.setMeanRatesGiven(true);
    QVERIFY2(v.scatterMessage().contains("over the whole recordings (not the selection)"),
             qPrintable(v.scatterMessage()));
    v.setMeanRatesGiven(false);
    QVERIFY(!v.scatterMessage().contains("whole"));
    v.setPair(0, 2); // 3 neurons against 2: no scatter, and why
    QVERIFY(v.scatterPoints().isEmpty());
    QVERIFY2(v.scatterMessage().contains("N_hid differs"), qPrintable(v.scatterMessage()));
}

void TestViewsMulti::compareShowsAReadableFewByDefault()
{
    CompareView v;
    const Recordings r = someRecordings(200);
    v.setRecordings(r.labels, r.rates, r.values);
    v.setLambdas(lambdas(1.0, 0.5));
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QCOMPARE(v.shown(), (QList<int>{0, 1, 2, 3, 4, 5}));
    QCOMPARE(v.distributionView()->chart()->series().size(), CompareView::kDefaultShown);
    QCOMPARE(v.distributionLegend()->entries().size(), CompareView::kDefaultShown);
    QCOMPARE(v.barsLegend()->entries().size(), CompareView::kDefaultShown);
    QVERIFY(v.plottedBars(6).isEmpty());
    QVERIFY(v.distributionPoints(6).isEmpty());
    QCOMPARE(v.legendTable()->rowCount(), 200); // every one can be picked
    QCOMPARE(v.legendTable()->item(0, 0)->checkState(), Qt::Checked);
    QCOMPARE(v.legendTable()->item(6, 0)->checkState(), Qt::Unchecked);
    // A choice: in any order, out-of-range ignored, quiet.
    QSignalSpy changed(&v, &CompareView::shownChanged);
    v.setShown({150, 3, 7, 999, -1});
    QCOMPARE(changed.size(), 0);
    QCOMPARE(v.shown(), (QList<int>{3, 7, 150}));
    const QList<double> drawn = v.plottedBars(150), want = v.bars(150);
    QCOMPARE(drawn.size(), kTermCount + 1);
    for (int k = 0; k <= kTermCount; ++k)
        if (want[k] > 0.0)
            QCOMPARE(drawn[k], want[k]); // zeros stand on the axis' floor
    QVERIFY(v.plottedBars(0).isEmpty());
    QCOMPARE(v.distributionLegend()->entries()[2].name, QStringLiteral("step7500.h5"));
    // Given again (terms arriving): kept. With one more in front: kept by label.
    v.setRecordings(r.labels, r.rates, r.values);
    QCOMPARE(v.shown(), (QList<int>{3, 7, 150}));
    Recordings more = r;
    more.labels.prepend(QStringLiteral("first.h5"));
    more.rates.insert(more.rates.begin(), {0.1, 0.2});
    more.values.insert(more.values.begin(), std::nullopt);
    v.setRecordings(more.labels, more.rates, more.values);
    QCOMPARE(v.shown(), (QList<int>{4, 8, 151}));
}

void TestViewsMulti::compareColoursPairwiseDistinct_data()
{
    QTest::addColumn<int>("n");
    QTest::addColumn<double>("minDeltaE");
    QTest::newRow("7") << 7 << 20.0;
    QTest::newRow("12") << 12 << 20.0;
    QTest::newRow("30") << 30 << 0.0; // beyond the palette: at least all different
}

void TestViewsMulti::compareColoursPairwiseDistinct()
{
    QFETCH(int, n);
    QFETCH(double, minDeltaE);
    CompareView v;
    const Recordings r = someRecordings(n);
    v.setRecordings(r.labels, r.rates, r.values);
    v.setLambdas(lambdas(1.0, 0.5));
    QList<int> all;
    for (int i = 0; i < n; ++i)
        all << i;
    v.setShown(all);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    const auto lines = v.distributionView()->chart()->series();
    const auto* bars = qobject_cast<QBarSeries*>(v.barsView()->chart()->series().value(0));
    QVERIFY(bars);
    QCOMPARE(lines.size(), n);
    QCOMPARE(bars->barSets().size(), n);
    for (int i = 0; i < n; ++i) {
        const QColor c = v.colorOf(i);
        QVERIFY(c.isValid());
        // The same colour in each chart and its legend.
        QCOMPARE(static_cast<QLineSeries*>(lines[i])->pen().color(), c);
        QCOMPARE(bars->barSets()[i]->color(), c);
        QCOMPARE(v.distributionLegend()->entries()[i].pen.color(), c);
        QCOMPARE(v.barsLegend()->entries()[i].brush.color(), c);
        for (int j = 0; j < i; ++j) {
            QVERIFY2(c != v.colorOf(j), qPrintable(QString("%1 and %2").arg(i).arg(j)));
            QVERIFY2(deltaE(c, v.colorOf(j)) > minDeltaE,
                     qPrintable(QString("%1 and %2: ΔE %3").arg(i).arg(j).arg(deltaE(c, v.colorOf(j)))));
        }
    }
    QVERIFY(!v.colorOf(n).isValid());
}

void TestViewsMulti::compareFullNames()
{
    CompareView v;
    Recordings r = someRecordings(7, QStringLiteral("ctrnn_relu_64_context_integration_seed1234_step"));
    v.setRecordings(r.labels, r.rates, r.values);
    v.setLambdas(lambdas(1.0, 0.5));
    v.setShown({0, 1, 2, 3, 4, 5, 6});
    v.resize(1100, 700);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QCoreApplication::processEvents();
    for (ChartLegend* legend : {v.distributionLegend(), v.barsLegend()}) {
        const QFontMetricsF fm(legend->font());
        const QChart* chart = qobject_cast<QChart*>(legend->parentObject());
        QVERIFY(chart);
        QCOMPARE(legend->entries().size(), 7);
        const QList<QRectF> rects = legend->entryRects();
        for (int i = 0; i < 7; ++i) {
            QCOMPARE(legend->entries()[i].name, r.labels[i]); // never "ctrnn…"
            QVERIFY(rects[i].width() > fm.horizontalAdvance(r.labels[i]));
            QVERIFY(rects[i].left() >= 0.0 && rects[i].right() <= chart->size().width());
            QVERIFY(rects[i].top() > chart->plotArea().bottom());
            for (int j = 0; j < i; ++j)
                QVERIFY(!rects[i].intersects(rects[j]));
        }
    }
    // The table names each in full, its column as wide as the name.
    QTableWidget* t = v.legendTable();
    const QFontMetrics fm(t->font());
    for (int i = 0; i < 7; ++i) {
        QCOMPARE(t->item(i, 0)->text(), r.labels[i]);
        QVERIFY2(t->horizontalHeader()->sectionSize(0) >= fm.horizontalAdvance(r.labels[i]),
                 qPrintable(QString::number(t->horizontalHeader()->sectionSize(0))));
    }
}

void TestViewsMulti::compareTableChoosesShown()
{
    CompareView v;
    const Recordings r = someRecordings(9);
    v.setRecordings(r.labels, r.rates, r.values);
    QSignalSpy changed(&v, &CompareView::shownChanged);
    v.legendTable()->item(8, 0)->setCheckState(Qt::Checked); // what a click on the box does
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.last().at(0).value<QList<int>>(), (QList<int>{0, 1, 2, 3, 4, 5, 8}));
    QCOMPARE(v.shown(), (QList<int>{0, 1, 2, 3, 4, 5, 8}));
    QVERIFY(v.colorOf(8).isValid());
    v.legendTable()->item(0, 0)->setCheckState(Qt::Unchecked);
    QCOMPARE(v.shown(), (QList<int>{1, 2, 3, 4, 5, 8}));
    QVERIFY(!v.colorOf(0).isValid());
    QCOMPARE(v.distributionLegend()->entries().size(), 6);
    QCOMPARE(changed.size(), 2);
}

void TestViewsMulti::compareBarsTakeTheBreakdownsLogRule()
{
    // mse 0.03 and fr: the weighted bars span 0.03 / (λ_fr 0.04): more than
    // 100 apart from λ_fr = 2.5e-3 down (ratio 300), within 100 above.
    struct Case
    {
        double lfr;
        bool log;
    };
    for (const Case c : {Case{1e-4, true}, Case{2.5e-3, true}, Case{0.05, false}, Case{1.0, false}}) {
        CompareView v;
        v.setRecordings({"a"}, {{0.1, 0.2}}, {makeValues({0.03, {}, {}, {}, 0.04, {}, {}})});
        v.setLambdas(lambdas(1.0, c.lfr));
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        QCOMPARE(v.barsLogScale(), c.log);
        const auto axes = v.barsView()->chart()->axes(Qt::Vertical);
        QCOMPARE(axes.size(), 1);
        QCOMPARE(qobject_cast<QLogValueAxis*>(axes[0]) != nullptr, c.log);
        // The breakdown, left to choose, picks the same for the same terms.
        LossBreakdownView b;
        b.setAutoLogScale(true);
        b.setResult(evaluate(makeValues({0.03, {}, {}, {}, 0.04, {}, {}}), lambdas(1.0, c.lfr)));
        QCOMPARE(b.logScale(), c.log);
        if (c.log) {
            auto* log = static_cast<QLogValueAxis*>(axes[0]);
            // Every bar drawn above the floor; the lowest decade labelled.
            QVERIFY(log->min() < 0.04 * c.lfr);
            const int decades = int(std::lround(std::log10(log->max() / log->min())));
            QCOMPARE(log->tickCount(), decades + 1);
            QCOMPARE(v.plottedBars(0)[index(Term::Fr)], 0.04 * c.lfr);
        }
    }
}

QTEST_MAIN(TestViewsMulti)
#include "test_views_multi.moc"
