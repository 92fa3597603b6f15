// The Gradients tab's views alone, offscreen: the bars (each term's weighted
// gradient norm, its share, the total's norm) and the conflict matrix (the
// cosines) against a Gram matrix built in the test from explicit gradient
// vectors, with the norms, shares, total and cosines computed from those
// vectors by brute force (and a few by hand); a lambda change that only
// replaces values; the log-axis rule shared with the loss breakdown; the
// reason shown when there are no gradients; PNG and PDF exports.

#include "chartexport.h"
#include "conflictmatrixview.h"
#include "gradientbarsview.h"
#include "gradientfake.h"
#include "gradientview.h"
#include "heatmapview.h"
#include "historyview.h"
#include "lambdapanel.h"
#include "lossbreakdownview.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QCheckBox>
#include <QComboBox>
#include <QImage>
#include <QLogValueAxis>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <optional>
#include <vector>

using namespace rnnloss;

namespace {

using namespace gradientfake;

bool near(double a, double b, double tol = 1e-12)
{
    return std::abs(a - b) <= tol * std::max(1.0, std::abs(b));
}

// mse 1, in 0.3 (counts, gradient 0), hid 0, out 0.5, fr 0.1, fr_sd off, fr_cv off.
const TermArray kLambdas{1.0, 0.3, 0.0, 0.5, 0.1, 0.2, 0.0};
const Flags kOn{true, true, true, true, true, false, false};

} // namespace

class TestGradientView : public QObject
{
    Q_OBJECT

private slots:
    void barsAgainstBruteForce();
    void barsByHand();
    void undefinedTermMakesTotalUndefined();
    void conflictMatrixCells();
    void lambdaChangeRepaintsInPlace();
    void logAxisRuleIsTheBreakdowns();
    void paramChoiceAndBiases();
    void reasonWhenNoGradients();
    void statusAndButton();
    void panelShowsGradientShares();
    void historyPlotsGradientShares();
    void exportsRender();
    void lambdaRepaintBenchmark();

private:
    QTemporaryDir m_tmp;
};

void TestGradientView::barsAgainstBruteForce()
{
    const Gradients x = example();
    GradientView v;
    v.setResult(resultOf(x));
    v.setLambdas(kLambdas, kOn);
    const Expected e = bruteForce(x, kLambdas, kOn);
    const auto& got = v.barsView()->values();
    for (int i = 0; i <= kTermCount; ++i)
        QVERIFY2(near(got[i], e.bars[i]),
                 qPrintable(QString("bar %1: %2 vs %3").arg(i).arg(got[i]).arg(e.bars[i])));
    for (int k = 0; k < kTermCount; ++k) {
        QVERIFY(v.barsView()->shares()[k].has_value());
        QVERIFY2(near(*v.barsView()->shares()[k], e.shares[k]), qPrintable(QString::number(k)));
    }
    // The bars as plotted: a linear axis here (5.25 over 0.5: one decade), 0 at its base.
    QVERIFY(!v.barsView()->logScale());
    const QList<double> bars = v.barsView()->bars();
    for (int i = 0; i <= kTermCount; ++i)
        QVERIFY(near(bars[i], e.bars[i]));
}

void TestGradientView::barsByHand()
{
    // By hand: counted mse, in, out, fr; weighted norms 5, 0, 1, 0.5 (sum 6.5);
    // total (3.2, 4.1, 0.5, 0.5), norm sqrt(27.55).
    GradientView v;
    v.setResult(resultOf(example()));
    v.setLambdas(kLambdas, kOn);
    const auto& b = v.barsView()->values();
    QVERIFY(near(b[index(Term::Mse)], 5.0));
    QVERIFY(near(b[index(Term::In)], 0.0));
    QVERIFY(near(b[index(Term::Out)], 1.0));
    QVERIFY(near(b[index(Term::Fr)], 0.5));
    QVERIFY(near(b[kTermCount], std::sqrt(27.55)));
    const Shares& s = v.barsView()->shares();
    QVERIFY(near(*s[index(Term::Mse)], 10.0 / 13.0));
    QVERIFY(near(*s[index(Term::Out)], 2.0 / 13.0));
    QVERIFY(near(*s[index(Term::Fr)], 1.0 / 13.0));
    QVERIFY(near(*s[index(Term::FrSd)], 0.0));
    const QStringList labels = v.barsView()->categoryLabels();
    QCOMPARE(labels[index(Term::Mse)], QStringLiteral("mse\n76.9 %"));
    QCOMPARE(labels[index(Term::In)], QStringLiteral("in\n0.0 %"));
    QCOMPARE(labels[index(Term::Hid)], QStringLiteral("hid\nλ = 0"));
    QCOMPARE(labels[index(Term::Out)], QStringLiteral("out\n15.4 %"));
    QCOMPARE(labels[index(Term::Fr)], QStringLiteral("fr\n7.7 %"));
    QCOMPARE(labels[index(Term::FrSd)], QStringLiteral("fr_sd\noff"));
    QCOMPARE(labels[kTermCount], QStringLiteral("total"));
    QCOMPARE(v.barsView()->valueLabels()[kTermCount], QStringLiteral("5.25"));
    QCOMPARE(v.barsView()->chart()->title(),
             QStringLiteral("∂/∂W_hid per term (nn4n): ‖total‖ = 5.25"));
}

void TestGradientView::undefinedTermMakesTotalUndefined()
{
    const Gradients x = example();
    GradientView v;
    v.setResult(resultOf(x));
    TermArray l = kLambdas;
    Flags on = kOn;
    l[index(Term::FrCv)] = 0.01;
    on[index(Term::FrCv)] = true;
    v.setLambdas(l, on);
    QVERIFY(!bruteForce(x, l, on).defined);
    QVERIFY(std::isnan(v.barsView()->values()[index(Term::FrCv)]));
    QVERIFY(std::isnan(v.barsView()->values()[kTermCount]));
    for (const auto& s : v.barsView()->shares())
        QVERIFY(!s.has_value());
    QCOMPARE(v.barsView()->categoryLabels()[index(Term::FrCv)], QStringLiteral("fr_cv\nundefined"));
    QCOMPARE(v.barsView()->categoryLabels()[kTermCount], QStringLiteral("total\nundefined"));
    // The other bars are still drawn; an undefined one stands at the base.
    QVERIFY(near(v.barsView()->values()[index(Term::Mse)], 5.0));
    QCOMPARE(v.barsView()->bars()[index(Term::FrCv)], v.barsView()->barBase());
    QVERIFY(v.barsView()->barText(index(Term::FrCv)).contains("the mean rate is 0"));
}

void TestGradientView::conflictMatrixCells()
{
    const Gradients x = example();
    GradientView v;
    v.setResult(resultOf(x));
    v.setLambdas(kLambdas, kOn);
    const ConflictMatrixView* m = v.matrixView();
    QCOMPARE(m->size(), kTermCount);
    for (int k = 0; k < kTermCount; ++k)
        for (int l = 0; l < kTermCount; ++l) {
            const auto got = m->valueAt(k, l);
            const bool defined = x.g[k] && x.g[l] && norm(*x.g[k]) > 0 && norm(*x.g[l]) > 0;
            QCOMPARE(got.has_value(), defined);
            if (defined)
                QVERIFY2(near(*got, dot(*x.g[k], *x.g[l]) / (norm(*x.g[k]) * norm(*x.g[l]))),
                         qPrintable(QString("%1,%2").arg(k).arg(l)));
        }
    // By hand.
    QVERIFY(near(*m->valueAt(index(Term::Mse), index(Term::Fr)), -1.0));
    QVERIFY(near(*m->valueAt(index(Term::Mse), index(Term::FrSd)), 0.64));
    QVERIFY(near(*m->valueAt(index(Term::Fr), index(Term::Out)), -0.7));
    QVERIFY(near(*m->valueAt(index(Term::Hid), index(Term::Out)), 0.5));
    QVERIFY(near(*m->valueAt(index(Term::Mse), index(Term::Hid)), 0.0));
    // Undefined cells say why; the hover text names the pair and the value.
    QVERIFY(m->cellText(index(Term::In), index(Term::Mse)).contains("is 0"));
    QVERIFY(m->cellText(index(Term::FrCv), index(Term::Mse)).contains("the mean rate is 0"));
    const QString t = m->cellText(index(Term::Mse), index(Term::Fr));
    QVERIFY2(t.contains("cos(mse, fr)") && t.contains("-1.0000") && t.contains("against"),
             qPrintable(t));
    // The terms that do not count now are faded: hid (λ 0), fr_sd and fr_cv (off).
    for (int k = 0; k < kTermCount; ++k)
        QCOMPARE(m->isFaded(k), !kOn[k] || kLambdas[k] == 0.0);
}

void TestGradientView::lambdaChangeRepaintsInPlace()
{
    const Gradients x = example();
    GradientView v;
    v.resize(900, 420);
    v.show();
    v.setResult(resultOf(x));
    v.setLambdas(kLambdas, kOn);
    QChart* chart = v.barsView()->chart();
    const auto series = chart->series();
    const auto axes = chart->axes();
    QBarSet* set = v.barsView()->barSet();
    const int builds = v.barsView()->chartBuilds();
    QCOMPARE(builds, 1);
    TermArray l = kLambdas;
    for (int step = 0; step < 20; ++step) {
        l[index(Term::Fr)] = 0.01 * (step + 1);
        l[index(Term::Out)] = 0.05 * (20 - step);
        v.setLambdas(l, kOn);
        const Expected e = bruteForce(x, l, kOn);
        for (int i = 0; i <= kTermCount; ++i)
            QVERIFY(near(v.barsView()->values()[i], e.bars[i]));
        QVERIFY(near(*v.barsView()->shares()[index(Term::Fr)], e.shares[index(Term::Fr)]));
    }
    QCOMPARE(v.barsView()->chart(), chart);
    QCOMPARE(chart->series(), series);
    QCOMPARE(chart->axes().size(), axes.size());
    QCOMPARE(v.barsView()->barSet(), set);
    QCOMPARE(set->count(), kTermCount + 1);
    QCOMPARE(v.barsView()->chartBuilds(), builds);
    // Switching off a term fades its row and column in the matrix; nothing else changes there.
    Flags on = kOn;
    on[index(Term::Out)] = false;
    v.setLambdas(l, on);
    QVERIFY(v.matrixView()->isFaded(index(Term::Out)));
    QVERIFY(near(*v.matrixView()->valueAt(index(Term::Out), index(Term::Hid)), 0.5));
}

void TestGradientView::logAxisRuleIsTheBreakdowns()
{
    // Weighted terms spanning more than two decades: the breakdown and the
    // gradient bars both switch to a log axis; within two decades both stay linear.
    Gradients x = example();
    for (double frLambda : {1e-4, 0.05}) {
        TermArray l{1.0, 0.0, 0.0, 0.0, frLambda, 0.0, 0.0};
        Flags on{true, false, false, false, true, false, false};
        GradientBarsView bars;
        bars.setGram(gramOf(x, Param::WHid), Convention::Nn4n);
        bars.setLambdas(l, on);
        LossBreakdownView breakdown;
        breakdown.setAutoLogScale(true);
        LossResult r;
        r.terms[index(Term::Mse)] = {1.0, true, 5.0, 5.0, ""};
        r.terms[index(Term::Fr)] = {frLambda, true, 5.0, 5.0 * frLambda, ""};
        r.total = 5.0 + 5.0 * frLambda;
        breakdown.setResult(r);
        const bool wantLog = frLambda < 1e-3;
        QCOMPARE(bars.logScale(), wantLog);
        QCOMPARE(breakdown.logScale(), wantLog);
        if (wantLog) {
            // The floor half a decade or more below the smallest bar (5e-4): 1e-4.
            QVERIFY2(near(bars.barBase(), 1e-4, 1e-8), qPrintable(QString::number(bars.barBase())));
            QVERIFY(bars.bars()[index(Term::Fr)] > bars.barBase());
        }
    }
}

void TestGradientView::paramChoiceAndBiases()
{
    Gradients x = example();
    GradientResult r = resultOf(x);
    // Another gradient for W_out: its bars must be the ones shown when chosen.
    Gradients y = x;
    y.g[index(Term::Mse)] = Vec{0, 0, 0, 7};
    r.gram[index(Param::WOut)] = gramOf(y, Param::WOut);
    GradientView v;
    v.setResult(r);
    v.setLambdas(kLambdas, kOn);
    QCOMPARE(v.param(), Param::WHid);
    QCOMPARE(v.paramBox()->count(), 3);
    QSignalSpy changed(&v, &GradientView::paramChanged);
    v.paramBox()->setCurrentIndex(v.paramBox()->findText("W_out"));
    emit v.paramBox()->activated(v.paramBox()->currentIndex());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(v.param(), Param::WOut);
    QVERIFY(near(v.barsView()->values()[index(Term::Mse)], 7.0));
    QVERIFY(v.barsView()->chart()->title().contains("W_out"));
    v.setParam(Param::BHid); // a bias turns the biases on
    QVERIFY(v.showBiases());
    QCOMPARE(v.paramBox()->count(), 6);
    QCOMPARE(v.paramBox()->currentText(), QStringLiteral("b_hid"));
    v.setShowBiases(false); // and off again shows its weight matrix
    QCOMPARE(v.param(), Param::WHid);
    QCOMPARE(v.paramBox()->count(), 3);
    QCOMPARE(changed.count(), 3);
}

void TestGradientView::reasonWhenNoGradients()
{
    GradientView v;
    v.setResult(resultOf(example()));
    GradientResult bad;
    bad.error = "run.h5: the recording has no 'inputs': gradients need the network's inputs";
    v.setResult(bad);
    QVERIFY(!v.result());
    QCOMPARE(v.matrixView()->size(), 0);
    QCOMPARE(v.matrixView()->emptyText(), QString::fromStdString(bad.error));
    QCOMPARE(v.barsView()->chart()->title(), QStringLiteral("No gradients"));
    for (double b : v.barsView()->values())
        QVERIFY(std::isnan(b));
    // A replay warning is shown above the charts.
    GradientResult warned = resultOf(example());
    warned.warnings = {"the recorded states are not this network's noise-free trajectory"};
    v.setResult(warned);
    QCOMPARE(v.warningText(), QString::fromStdString(warned.warnings[0]));
}

void TestGradientView::statusAndButton()
{
    GradientView v;
    QSignalSpy cancel(&v, &GradientView::cancelRequested);
    QSignalSpy compute(&v, &GradientView::computeRequested);
    v.setStatus("computing gradients… 40 %");
    QCOMPARE(v.status(), QStringLiteral("computing gradients… 40 %"));
    v.setComputing(true);
    v.actionButton()->click();
    QCOMPARE(cancel.count(), 1);
    v.setComputing(false);
    v.actionButton()->click();
    QCOMPARE(compute.count(), 1);
    QCOMPARE(cancel.count(), 1);
}

void TestGradientView::panelShowsGradientShares()
{
    LambdaPanel p;
    p.setLambdas(kLambdas, kOn);
    QCOMPARE(p.gradientShareText(Term::Mse), QStringLiteral("—"));
    QVERIFY(p.gradientShareTip(Term::Mse).contains("no gradients yet"));
    const Expected e = bruteForce(example(), kLambdas, kOn);
    Shares shares;
    for (int k = 0; k < kTermCount; ++k)
        shares[k] = e.shares[k];
    p.setGradientShares(shares, "W_hid");
    QCOMPARE(p.gradientHeader(), QStringLiteral("∇W_hid"));
    // By hand: 10/13, 2/13, 1/13 of the summed weighted norms 5, 1, 0.5.
    QCOMPARE(p.gradientShareText(Term::Mse), QStringLiteral("76.9 %"));
    QCOMPARE(p.gradientShareText(Term::Out), QStringLiteral("15.4 %"));
    QCOMPARE(p.gradientShareText(Term::Fr), QStringLiteral("7.7 %"));
    QCOMPARE(p.gradientShareText(Term::In), QStringLiteral("0.0 %"));
    QCOMPARE(p.gradientShareText(Term::Hid), QStringLiteral("λ = 0"));
    QCOMPARE(p.gradientShareText(Term::FrSd), QStringLiteral("off"));
    // Beside the loss share: the tooltip says both.
    LossResult r;
    r.total = 2.0;
    for (int k = 0; k < kTermCount; ++k)
        r.terms[k] = {kOn[k] ? kLambdas[k] : 0.0, true, 1.0, kOn[k] ? kLambdas[k] : 0.0, ""};
    p.showResult(r); // mse: 1 / 2 of the loss
    QCOMPARE(p.gradientShareTip(Term::Mse), QStringLiteral("50.0 % of loss · 76.9 % of ∇W_hid"));
    // No shares (an enabled term without a gradient): a dash, and why.
    p.setGradientShares({}, "W_hid");
    QCOMPARE(p.gradientShareText(Term::Mse), QStringLiteral("—"));
    QVERIFY(p.gradientShareTip(Term::Mse).contains("undefined"));
}

void TestGradientView::historyPlotsGradientShares()
{
    // Three checkpoints; fr's gradient grows 1x, 2x, 3x; the second has no gradients yet.
    std::vector<std::optional<ParamGram>> grams;
    std::vector<Gradients> xs;
    for (int i = 0; i < 3; ++i) {
        Gradients x = example();
        for (double& v : *x.g[index(Term::Fr)])
            v *= i + 1;
        xs.push_back(x);
        grams.push_back(i == 1 ? std::nullopt : std::optional<ParamGram>(gramOf(x, Param::WHid)));
    }
    TermValues tv;
    for (int k = 0; k < kTermCount; ++k)
        tv.terms[k] = {true, 1.0 + k, ""};
    HistoryView h;
    h.resize(700, 400);
    h.setRecordings({"a", "b", "c"}, {100, 200, 300}, "step", {tv, tv, tv});
    const TermArray effective{1.0, 0.3, 0.0, 0.5, 0.1, 0.0, 0.0}; // kLambdas with fr_sd off
    h.setLambdas(effective);
    h.setGradients(grams, "W_hid", "computing the gradients of b");
    QVERIFY(!h.gradientShares());
    QCOMPARE(h.plottedTotal().size(), 3); // loss values until asked
    QSignalSpy toggled(&h, &HistoryView::gradientSharesToggled);
    h.gradientSharesAction()->trigger();
    QCOMPARE(toggled.count(), 1);
    QVERIFY(h.gradientShares());
    QVERIFY(h.plottedTotal().isEmpty());
    for (Term t : {Term::Mse, Term::Out, Term::Fr}) {
        const QList<QPointF> pts = h.plotted(t);
        QCOMPARE(pts.size(), 2); // b has none
        for (const QPointF& p : pts) {
            const int i = int(p.x() / 100) - 1;
            QVERIFY(i != 1);
            const Expected e = bruteForce(xs[std::size_t(i)], effective,
                                          Flags{true, true, true, true, true, true, true});
            QVERIFY2(near(p.y(), 100.0 * e.shares[index(t)]), qPrintable(QString::number(p.y())));
        }
    }
    // By hand for a (fr 1x): 10/13, 2/13, 1/13; for c (fr 3x: 15 · 0.1 = 1.5): 5/7.5,
    // 1/7.5, 1.5/7.5.
    QVERIFY(near(h.plotted(Term::Fr)[0].y(), 100.0 / 13.0));
    QVERIFY(near(h.plotted(Term::Fr)[1].y(), 20.0));
    QVERIFY(h.plotted(Term::Hid).isEmpty()); // λ 0
    QVERIFY2(h.chart()->title().contains("W_hid") && h.chart()->title().contains("computing"),
             qPrintable(h.chart()->title()));
    QVERIFY(h.hoverText(1).contains("no gradient shares"));
    QVERIFY(h.hoverText(2).contains("fr: 20.0 % of ∇W_hid"));
    h.setGradientShares(false);
    QCOMPARE(h.plottedTotal().size(), 3);
    QVERIFY(h.chart()->title().isEmpty());
}

void TestGradientView::exportsRender()
{
    const QString pdftoppm = QStandardPaths::findExecutable("pdftoppm");
    QVERIFY2(!pdftoppm.isEmpty(), "pdftoppm is missing (poppler-utils, scripts/deps)");
    GradientView v;
    v.resize(1000, 460);
    v.show();
    v.setResult(resultOf(example()));
    v.setLambdas(kLambdas, kOn);
    QTest::qWait(0);
    const QList<ExportableChart> charts = v.exportableCharts();
    QCOMPARE(charts.size(), 2);
    for (const ExportableChart& c : charts) {
        ExportInfo info;
        info.file = "run.h5";
        info.size = QSize(600, 420);
        for (const QString suffix : {"png", "pdf"}) {
            const QString path = m_tmp.filePath(c.id + "." + suffix);
            const QString err = exportChart(c, path, info);
            QVERIFY2(err.isEmpty(), qPrintable(err));
        }
        QProcess p;
        const QString out = m_tmp.filePath(c.id + "-pdf");
        p.start(pdftoppm, {"-r", "96", "-png", "-singlefile", m_tmp.filePath(c.id + ".pdf"), out});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(err.isEmpty(), err.constData());
        QVERIFY(!QImage(out + ".png").isNull());
    }
    if (qEnvironmentVariableIsSet("RNNLOSS_KEEP_EXPORTS")) // to look at them
        v.grab().save(qEnvironmentVariable("RNNLOSS_KEEP_EXPORTS") + "/gradientview.png");
    // The matrix's cells in the PDF have the diverging colours of their cosines.
    const ConflictMatrixView* m = v.matrixView();
    const QImage img(m_tmp.filePath("gradient-conflicts-pdf.png"));
    const QRect grid = m->gridRect(QRect(QPoint(0, 0), QSize(600, 420)));
    const int cell = grid.width() / kTermCount;
    // (Cells of terms that count: fr_sd's are faded.)
    const std::pair<Term, Term> cells[] = {{Term::Mse, Term::Out}, {Term::Fr, Term::Out}};
    for (const auto& [k, l] : cells) {
        // A point in the cell's corner: its middle holds the value's text.
        const QPoint at(grid.left() + index(l) * cell + 4, grid.top() + index(k) * cell + 4);
        const QColor got = img.pixelColor(at * img.width() / 600);
        const QColor want = HeatmapView::colorFor(*m->valueAt(index(k), index(l)));
        QVERIFY2(std::abs(got.red() - want.red()) <= 6 &&
                     std::abs(got.green() - want.green()) <= 6 &&
                     std::abs(got.blue() - want.blue()) <= 6,
                 qPrintable(QString("%1 vs %2").arg(got.name(), want.name())));
    }
}

void TestGradientView::lambdaRepaintBenchmark()
{
    // A lambda change to a repainted tab (issue 15 aims at 16 ms); measured, not asserted.
    GradientView v;
    v.resize(1100, 500);
    v.show();
    v.setResult(resultOf(example()));
    v.setLambdas(kLambdas, kOn);
    TermArray l = kLambdas;
    int step = 0;
    QBENCHMARK
    {
        l[index(Term::Fr)] = 0.01 * (1 + (++step % 50));
        v.setLambdas(l, kOn);
        v.repaint();
    }
}

QTEST_MAIN(TestGradientView)
#include "test_gradientview.moc"
