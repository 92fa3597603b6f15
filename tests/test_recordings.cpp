// A set of recordings in the real MainWindow, driven offscreen: several files
// loaded in reader processes with per-file failures, labels, the list in the
// History's order, the history and the λ sweep against the brute force
// (bruteforce.h on the arrays read here with the HDF5 C API, rawh5.h), clicking
// a history point, the auto-balance and imported lambdas as one undo step each.

#include "balancedialog.h"
#include "rawh5.h"
#include "compareview.h"
#include "historyview.h"
#include "loss.h"
#include "mainwindow.h"
#include "setcontroller.h"
#include "reader.h"
#include "sweep.h"
#include "sweepview.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace rnnloss;

namespace {

const QString kFixtures = QStringLiteral(RNNLOSS_FIXTURE_DIR);
const QString kCli = QStringLiteral(RNNLOSS_CLI);
const QString kReader = QStringLiteral(RNNLOSS_READER);
constexpr int kLoadTimeoutMs = 120000;
constexpr int kResultTimeoutMs = 60000;

QString fx(const QString& name)
{
    return QDir(kFixtures).filePath(name);
}

bool near(double a, double b, double tol)
{
    return std::abs(a - b) <= tol * std::max({1.0, std::abs(a), std::abs(b)});
}

/// The recording read here, in this process, without the app.
Summary readHere(const QString& path)
{
    io::ReadRequest r;
    r.recording = QFile::encodeName(path).toStdString();
    io::ReadResult out = io::readRecording(r);
    if (!out.summary)
        qFatal("%s", out.error.c_str());
    return std::move(*out.summary);
}

/// Adds `files` and waits for the batch to finish; false when it did not.
bool addAndWait(MainWindow& w, const QStringList& files, bool* ok = nullptr)
{
    QSignalSpy done(&w, &MainWindow::loadFinished);
    w.addRecordings(files);
    if (!done.wait(kLoadTimeoutMs))
        return false;
    if (ok)
        *ok = done.first().at(0).toBool();
    return true;
}

/// True once the window shows a result computed for its current lambdas.
bool resultCurrent(const MainWindow& w)
{
    return w.lastResult() && w.lastResult()->lambdas == w.state().effective() &&
           w.lastResult()->convention == w.state().convention;
}

} // namespace

class TestRecordings : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void perFileFailureLeavesOthers();
    void labelsAndRemoval();
    void listFollowsHistoryOrder();
    void historyEqualsBruteForce();
    void clickingHistoryPointActivates();
    void sweepEqualsBruteForce();
    void balanceIsOneUndoStep();
    void balanceRefusesInfeasible();
    void importLambdasIsOneUndoStep();
    void importLambdasErrorsNameTheFile_data();
    void importLambdasErrorsNameTheFile();
    void batchRedrawsTheSetViewsOnce();
    void setUpdatesCoalescedWhileLoading();
    void measureLargeSet();
};

void TestRecordings::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY2(QFileInfo::exists(fx("history_0.h5")), "run makefixtures first");
}

void TestRecordings::perFileFailureLeavesOthers()
{
    MainWindow w(kReader);
    QSignalSpy loaded(w.recordings(), &RecordingSet::loaded);
    QSignalSpy failed(w.recordings(), &RecordingSet::failed);
    QSignalSpy progress(w.recordings(), &RecordingSet::progress);
    // How many reader processes run at once, seen at every report of the set.
    int maxRunning = 0;
    const auto sample = [&] { maxRunning = std::max(maxRunning, w.recordings()->runningCount()); };
    connect(w.recordings(), &RecordingSet::progress, this, sample);
    connect(w.recordings(), &RecordingSet::loaded, this, sample);
    connect(w.recordings(), &RecordingSet::failed, this, sample);
    bool ok = false;
    QVERIFY(addAndWait(
        w, {fx("history_0.h5"), fx("bad_rank.h5"), fx("history_1.h5"), fx("no_such_file.h5")},
        &ok));
    QVERIFY(ok);
    QCOMPARE(loaded.size(), 2);
    QCOMPARE(failed.size(), 2);
    // Four files, one reader per core at a time (at least two).
    QCOMPARE(maxRunning, std::min(4, RecordingSet::parallelLoads()));
    // One progress bar for the batch: it never runs backwards nor past the end.
    double last = 0.0;
    for (const auto& args : progress) {
        const double f = args.at(0).toDouble();
        QVERIFY2(f >= last - 1e-12 && f <= 1.0 + 1e-12, qPrintable(QString::number(f)));
        last = f;
    }
    QCOMPARE(w.recordings()->runningCount(), 0);
    QStringList failedFiles;
    for (const auto& args : failed) {
        const QString error = args.at(0).toString();
        const QString file = args.at(1).value<LoadRequest>().recording;
        QVERIFY2(error.contains(QFileInfo(file).fileName()),
                 qPrintable(error)); // names its own file
        failedFiles << QFileInfo(file).fileName();
    }
    failedFiles.sort();
    QCOMPARE(failedFiles, (QStringList{"bad_rank.h5", "no_such_file.h5"}));
    QVERIFY(w.lastError().contains("bad_rank.h5"));
    QVERIFY(w.lastError().contains("no_such_file.h5"));

    // The good ones, in the History's order (step 100, then 300), the first one active and shown.
    const auto& e = w.recordings()->entries();
    QCOMPARE(int(e.size()), 2);
    QCOMPARE(QFileInfo(e[0].files.recording).fileName(), QStringLiteral("history_1.h5"));
    QCOMPARE(QFileInfo(e[1].files.recording).fileName(), QStringLiteral("history_0.h5"));
    QCOMPARE(w.recordings()->activeIndex(), 0);
    QCOMPARE(w.summary(), e[0].summary);
    QTRY_VERIFY_WITH_TIMEOUT(resultCurrent(w), kResultTimeoutMs);
    QCOMPARE(w.recordingSet()->list()->count(), 2);

    // A later failure leaves the set as it was.
    QVERIFY(addAndWait(w, {fx("bad_B.h5")}, &ok));
    QVERIFY(!ok);
    QCOMPARE(int(w.recordings()->entries().size()), 2);
    QCOMPARE(w.summary(), e[0].summary);
}

void TestRecordings::labelsAndRemoval()
{
    MainWindow w(kReader);
    QVERIFY(addAndWait(w, {fx("history_labelled.h5"), fx("good_f64.h5"), fx("history_2.h5")}));
    QListWidget* list = w.recordingSet()->list();
    QCOMPARE(list->count(), 3);
    // label, else step, else the file name (engine/summary.h recordingLabel, as
    // the CLI); good_f64.h5 has no step, so the History (and the list) order by name.
    QCOMPARE(list->item(0)->text(), QStringLiteral("good_f64.h5"));
    QCOMPARE(list->item(1)->text(), QStringLiteral("run fr=0.1"));
    QCOMPARE(list->item(2)->text(), QStringLiteral("step 200"));
    QCOMPARE(list->currentRow(), 0);

    // Not every recording has a step: the history places them in the list's order.
    HistoryView* h = w.recordingSet()->historyView();
    QTRY_VERIFY_WITH_TIMEOUT(w.recordingSet()->analysis()->complete(), kResultTimeoutMs);
    QCOMPARE(h->xOf(0), 1.0);
    QCOMPARE(h->xOf(2), 3.0);
    QCOMPARE(h->plottedTotal().size(), 3);

    const auto removed = w.recordings()->entries()[1].summary;
    w.recordings()->remove(1);
    QCOMPARE(list->count(), 2);
    QCOMPARE(list->item(1)->text(), QStringLiteral("step 200"));
    QCOMPARE(h->plottedTotal().size(), 2);
    for (const auto& e : w.recordings()->entries())
        QVERIFY(e.summary != removed);
}

// Issue 18, item 9: the list is in the History's order (step, else epoch,
// else label), whatever the order of the command line or of the loads'
// completion, and stays so as recordings join or leave; the shown one stays.
void TestRecordings::listFollowsHistoryOrder()
{
    MainWindow w(kReader);
    QVERIFY(addAndWait(w, {fx("history_0.h5"), fx("history_1.h5"), fx("history_2.h5")}));
    QListWidget* list = w.recordingSet()->list();
    const auto texts = [&] {
        QStringList t;
        for (int i = 0; i < list->count(); ++i)
            t << list->item(i)->text();
        return t;
    };
    QCOMPARE(texts(), (QStringList{"step 100", "step 200", "step 300"}));
    QCOMPARE(w.recordings()->activeIndex(), 0);
    QCOMPARE(list->currentRow(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(w.recordingSet()->analysis()->complete(), kResultTimeoutMs);
    HistoryView* h = w.recordingSet()->historyView();
    for (int i = 0; i < 3; ++i)
        QCOMPARE(h->xOf(i), 100.0 * (i + 1)); // the list's rows left to right

    // Step 300 shown; a recording that sorts first joins: the same one stays shown.
    w.recordings()->setActive(2);
    QVERIFY(addAndWait(w, {fx("history_labelled.h5")})); // step 5
    QCOMPARE(texts(), (QStringList{"run fr=0.1", "step 100", "step 200", "step 300"}));
    QCOMPARE(w.recordings()->activeIndex(), 3);
    QCOMPARE(QFileInfo(w.recordingFile()).fileName(), QStringLiteral("history_0.h5"));
    QCOMPARE(list->currentRow(), 3);

    // By step, not by name: a step-400 recording named to sort first by name comes last.
    QTemporaryDir dir;
    const QString late = dir.filePath("late.h5");
    QVERIFY(QFile::copy(fx("history_2.h5"), late));
    QVERIFY(rawh5::setAttribute(late, "step", {}, 400.0));
    QVERIFY(rawh5::setAttribute(late, "label", "a late one"));
    QVERIFY(addAndWait(w, {late}));
    QCOMPARE(texts(), (QStringList{"run fr=0.1", "step 100", "step 200", "step 300", "a late one"}));
    w.recordings()->remove(4);

    // One without a step: no step axis, so all by label, in natural order.
    QVERIFY(addAndWait(w, {fx("good_f64.h5")}));
    QCOMPARE(texts(), (QStringList{"good_f64.h5", "run fr=0.1", "step 100", "step 200", "step 300"}));
    QCOMPARE(QFileInfo(w.recordingFile()).fileName(), QStringLiteral("history_0.h5"));
    // Without it, by step again.
    w.recordings()->remove(0);
    QCOMPARE(texts(), (QStringList{"run fr=0.1", "step 100", "step 200", "step 300"}));
    QCOMPARE(QFileInfo(w.recordingFile()).fileName(), QStringLiteral("history_0.h5"));

    // Recordings with epochs and no steps: by epoch (2 before 10), not by label.
    MainWindow e(kReader);
    QStringList files;
    for (const auto& [epoch, label] : {std::pair{10.0, "a"}, std::pair{2.0, "b"}, std::pair{7.0, "c"}}) {
        files << dir.filePath(QStringLiteral("epoch%1.h5").arg(epoch));
        QVERIFY(QFile::copy(fx("good_f64.h5"), files.back()));
        QVERIFY(rawh5::setAttribute(files.back(), "epoch", {}, epoch));
        QVERIFY(rawh5::setAttribute(files.back(), "label", label));
    }
    QVERIFY(addAndWait(e, files));
    QListWidget* elist = e.recordingSet()->list();
    QCOMPARE(elist->count(), 3);
    QCOMPARE(elist->item(0)->text() + elist->item(1)->text() + elist->item(2)->text(),
             QStringLiteral("bca"));
    QTRY_VERIFY_WITH_TIMEOUT(e.recordingSet()->analysis()->complete(), kResultTimeoutMs);
    const double epochs[] = {2.0, 7.0, 10.0};
    for (int i = 0; i < 3; ++i)
        QCOMPARE(e.recordingSet()->historyView()->xOf(i), epochs[i]);

    // A selection given on the command line with several files applies to the
    // recording shown once they are in order (step 100: history_1.h5),
    // whichever arrived first: it is given last.
    MainWindow c(kReader);
    c.setCommandLineSelection({"0:2", {}, "0:4", {}, {}}, false);
    QVERIFY(addAndWait(c, {fx("history_0.h5"), fx("history_2.h5"), fx("history_1.h5")}));
    QCOMPARE(QFileInfo(c.recordingFile()).fileName(), QStringLiteral("history_1.h5"));
    QTRY_VERIFY_WITH_TIMEOUT(c.selectionSettled(), kResultTimeoutMs);
    QCOMPARE(c.selectionBar()->choice(), (SelectionBar::Choice{"0:2", {}, "0:4", {}, {}}));
    QCOMPARE(c.summary()->shape.batch, std::int64_t(2)); // the views show the selection
    QCOMPARE(c.summary()->shape.nHid, std::int64_t(4));

    // Neither step nor epoch: by label, numbers as numbers ("ckpt 20" before
    // "ckpt 100"), whatever the locale (QCollator's numeric mode is a no-op
    // under LANG=C.UTF-8).
    MainWindow n(kReader);
    QStringList named;
    for (const char* label : {"ckpt 100", "ckpt 20", "ckpt 3", "ckpt 020b"}) {
        named << dir.filePath(QStringLiteral("%1.h5").arg(named.size()));
        QVERIFY(QFile::copy(fx("good_f64.h5"), named.back()));
        QVERIFY(rawh5::setAttribute(named.back(), "label", label));
    }
    QVERIFY(addAndWait(n, named));
    QListWidget* nlist = n.recordingSet()->list();
    QStringList shown;
    for (int i = 0; i < nlist->count(); ++i)
        shown << nlist->item(i)->text();
    QCOMPARE(shown, (QStringList{"ckpt 3", "ckpt 20", "ckpt 020b", "ckpt 100"}));
}

void TestRecordings::historyEqualsBruteForce()
{
    MainWindow w(kReader);
    const QStringList names{"history_0.h5", "history_1.h5", "history_2.h5"};
    QStringList files;
    for (const QString& n : names)
        files << fx(n);
    QVERIFY(addAndWait(w, files));
    QTRY_VERIFY_WITH_TIMEOUT(w.recordingSet()->analysis()->complete(), kResultTimeoutMs);
    HistoryView* h = w.recordingSet()->historyView();
    // In the History's order: history_1 (step 100), history_2 (200), history_0 (300).
    const QString inOrder[] = {fx("history_1.h5"), fx("history_2.h5"), fx("history_0.h5")};
    const double steps[] = {100.0, 200.0, 300.0};

    auto check = [&](const char* when) {
        const LambdaState s = w.state();
        const QList<QPointF> total = h->plottedTotal();
        QCOMPARE(int(h->results().size()), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(w.recordings()->entries()[std::size_t(i)].files.recording, inOrder[i]);
            const auto want = rawh5::termValues(inOrder[i], {}, s.convention);
            const auto& got = h->results()[std::size_t(i)];
            QVERIFY2(got.has_value(), when);
            const QStringList d = rawh5::diff(*got, want, s.effective(), 1e-9);
            QVERIFY2(d.isEmpty(), qPrintable(QStringLiteral("%1, %2: %3").arg(when, inOrder[i], d.join("; "))));
            QCOMPARE(h->xOf(i), steps[i]);
            QCOMPARE(total[i].x(), steps[i]);
            QVERIFY2(near(total[i].y(), *got->total, 1e-12), when);
        }
    };
    check("training lambdas");
    // The recordings differ, so the check above tells them apart.
    QVERIFY(!near(*h->results()[0]->total, *h->results()[1]->total, 1e-6));

    // Live: a lambda change is reflected at once (no recomputation of the terms).
    const std::uint64_t jobs = w.recordingSet()->analysis()->jobsRun();
    LambdaState s = w.state();
    s.values[index(Term::Fr)] = 0.5;
    s.enabled[index(Term::Hid)] = false;
    w.applyState(s);
    check("after a lambda edit");
    QCOMPARE(w.recordingSet()->analysis()->jobsRun(), jobs);

    // Another convention: the terms are recomputed once per recording.
    s.convention = s.convention == Convention::Nn4n ? Convention::Spec : Convention::Nn4n;
    w.applyState(s);
    QTRY_VERIFY_WITH_TIMEOUT(w.recordingSet()->analysis()->complete(), kResultTimeoutMs);
    QCOMPARE(w.recordingSet()->analysis()->jobsRun(), jobs + 3);
    check("other convention");
}

void TestRecordings::clickingHistoryPointActivates()
{
    MainWindow w(kReader);
    QVERIFY(addAndWait(w, {fx("history_0.h5"), fx("history_1.h5"), fx("history_2.h5")}));
    QTRY_VERIFY_WITH_TIMEOUT(w.recordingSet()->analysis()->complete(), kResultTimeoutMs);
    HistoryView* h = w.recordingSet()->historyView();
    w.tabs()->setCurrentWidget(h);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QCOMPARE(w.recordings()->activeIndex(), 0); // step 100

    const auto pos = h->pointPosition(2); // step 300
    QVERIFY(pos.has_value());
    QSignalSpy active(w.recordings(), &RecordingSet::activeChanged);
    QTest::mouseClick(h->viewport(), Qt::LeftButton, {}, *pos);
    QCOMPARE(active.size(), 1);
    QCOMPARE(w.recordings()->activeIndex(), 2);
    QCOMPARE(h->active(), 2);
    QCOMPARE(w.recordingSet()->list()->currentRow(), 2);
    QCOMPARE(QFileInfo(w.recordingFile()).fileName(), QStringLiteral("history_0.h5"));

    // The single-recording views now show recording 2, lambdas unchanged.
    QTRY_VERIFY_WITH_TIMEOUT(
        resultCurrent(w) && w.summary() == w.recordings()->entries()[2].summary, kResultTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(w.lastResult()->generation == w.recordings()->entries()[2].generation,
                             kResultTimeoutMs);
    const QStringList d =
        rawh5::diff(w.lastResult()->loss, rawh5::termValues(fx("history_0.h5"), {}, w.state().convention),
                    w.state().effective(), 1e-9);
    QVERIFY2(d.isEmpty(), qPrintable(d.join("; ")));
}

void TestRecordings::sweepEqualsBruteForce()
{
    MainWindow w(kReader);
    QVERIFY(addAndWait(w, {fx("history_1.h5")}));
    QTRY_VERIFY_WITH_TIMEOUT(w.recordingSet()->analysis()->complete(), kResultTimeoutMs);
    SweepView* v = w.recordingSet()->sweepView();
    v->setTerm(Term::Fr);
    auto terms = rawh5::termValues(fx("history_1.h5"), {}, w.state().convention);

    auto check = [&] {
        const SweepResult& s = v->sweep();
        QVERIFY2(s.error.empty(), s.error.c_str());
        QCOMPARE(int(s.points.size()), 91);
        QCOMPARE(s.points.front().lambda, 1e-6);
        QVERIFY(near(s.points.back().lambda, 1e3, 1e-12));
        for (std::size_t i : {std::size_t(0), std::size_t(30), std::size_t(57), std::size_t(90)}) {
            const SweepPoint& p = s.points[i];
            TermArray l = w.state().effective();
            l[index(Term::Fr)] = p.lambda;
            // Brute force: the weighted terms summed by hand.
            double total = 0.0;
            std::array<double, kTermCount> weighted{};
            for (Term t : kAllTerms)
                if (l[std::size_t(index(t))] != 0.0) {
                    weighted[std::size_t(index(t))] = l[std::size_t(index(t))] * *terms[std::size_t(index(t))];
                    total += weighted[std::size_t(index(t))];
                }
            QVERIFY2(near(p.total, total, 1e-9),
                     qPrintable(QStringLiteral("λ_fr %1: total %2, brute force %3")
                                    .arg(p.lambda).arg(p.total, 0, 'g', 17).arg(total, 0, 'g', 17)));
            for (Term t : kAllTerms)
                if (l[std::size_t(index(t))] != 0.0) {
                    QVERIFY(p.shares[std::size_t(index(t))].has_value());
                    QVERIFY(near(*p.shares[std::size_t(index(t))],
                                 weighted[std::size_t(index(t))] / total, 1e-9));
                }
        }
        QCOMPARE(v->markedLambda().value_or(-1.0), w.state().effective()[index(Term::Fr)]);
    };
    check();
    // Another slider moves: the sweep follows.
    LambdaState s = w.state();
    s.values[index(Term::Hid)] *= 10.0;
    s.values[index(Term::Fr)] = 0.2;
    w.applyState(s);
    check();
    // The other convention: other terms, the sweep of those.
    s.convention = s.convention == Convention::Nn4n ? Convention::Spec : Convention::Nn4n;
    s.enabled[index(Term::FrSd)] = true;
    s.values[index(Term::FrSd)] = 0.3;
    w.applyState(s);
    QTRY_VERIFY_WITH_TIMEOUT(w.recordingSet()->analysis()->complete(), kResultTimeoutMs);
    terms = rawh5::termValues(fx("history_1.h5"), {}, s.convention);
    check();
}

void TestRecordings::balanceIsOneUndoStep()
{
    MainWindow w(kReader);
    QVERIFY(addAndWait(w, {fx("history_2.h5")}));
    QTRY_VERIFY_WITH_TIMEOUT(w.recordingSet()->analysis()->complete() && resultCurrent(w),
                             kResultTimeoutMs);
    const LambdaState before = w.state();
    QVERIFY(before.enabled[index(Term::Fr)] && before.enabled[index(Term::FrSd)]);
    const int steps = w.undoStack()->count();

    BalanceDialog* d = w.recordingSet()->openBalance();
    QVERIFY(d);
    d->setTarget(Term::Fr, 0.05);
    d->setTarget(Term::FrSd, 0.01);
    QVERIFY2(d->applyButton()->isEnabled(), qPrintable(d->errorText()));
    d->applyButton()->click();
    QCOMPARE(w.undoStack()->count(), steps + 1);
    QVERIFY(w.state() != before);

    // The shares of the applied lambdas on the brute force's terms, weighted by hand.
    const auto v = rawh5::termValues(fx("history_2.h5"), {}, w.state().convention);
    const TermArray l = w.state().effective();
    double total = 0.0;
    for (int i = 0; i < kTermCount; ++i)
        total += l[std::size_t(i)] != 0.0 ? l[std::size_t(i)] * v[std::size_t(i)].value() : 0.0;
    QVERIFY(near(l[index(Term::Fr)] * *v[index(Term::Fr)] / total, 0.05, 1e-9));
    QVERIFY(near(l[index(Term::FrSd)] * *v[index(Term::FrSd)] / total, 0.01, 1e-9));
    // And the window shows the same.
    QTRY_VERIFY_WITH_TIMEOUT(resultCurrent(w), kResultTimeoutMs);
    const LossResult& shown = w.lastResult()->loss;
    QVERIFY(std::abs(*shown[Term::Fr].weighted / *shown.total - 0.05) < 1e-9);
    QVERIFY(std::abs(*shown[Term::FrSd].weighted / *shown.total - 0.01) < 1e-9);
    // The other lambdas stayed.
    for (Term t : {Term::Mse, Term::In, Term::Hid, Term::Out, Term::FrCv})
        QCOMPARE(w.state().values[std::size_t(index(t))], before.values[std::size_t(index(t))]);

    w.undoStack()->undo();
    QCOMPARE(w.state(), before);
    QCOMPARE(w.undoStack()->index(), steps);
}

void TestRecordings::balanceRefusesInfeasible()
{
    MainWindow w(kReader);
    QVERIFY(addAndWait(w, {fx("history_2.h5")}));
    QTRY_VERIFY_WITH_TIMEOUT(w.recordingSet()->analysis()->complete(), kResultTimeoutMs);
    LambdaState s = w.state();
    s.enabled[index(Term::Hid)] = false;
    w.applyState(s);
    // The dialog balances the terms the views show, so it opens once those
    // are computed (before, openBalance() says they are still being computed).
    QTRY_VERIFY_WITH_TIMEOUT(resultCurrent(w), kResultTimeoutMs);
    const int steps = w.undoStack()->count();
    BalanceDialog* d = w.recordingSet()->openBalance();
    QVERIFY(d);
    QVERIFY(!d->canTarget(Term::Hid));       // switched off
    QVERIFY(!d->applyButton()->isEnabled()); // no target yet
    QVERIFY(!d->errorText().isEmpty());

    d->setTarget(Term::Fr, 0.6);
    d->setTarget(Term::FrSd, 0.4); // 100 %: nothing left for the rest
    QVERIFY(!d->applyButton()->isEnabled());
    QVERIFY(!d->solvedState().has_value());
    const std::vector<ShareTarget> targets{{Term::Fr, 0.6}, {Term::FrSd, 0.4}};
    const BalanceResult engine = balanceShares(
        computeTerms(readHere(fx("history_2.h5")), s.convention), s.effective(), targets);
    QVERIFY(!engine.lambdas.has_value());
    QCOMPARE(d->errorText(), QString::fromStdString(engine.error));
    QVERIFY(d->findChild<QLabel*>("balanceMessage")
                ->text()
                .contains(QString::fromStdString(engine.error)));
    d->accept(); // even forced, nothing is applied
    QCOMPARE(w.undoStack()->count(), steps);
    QCOMPARE(w.state(), s);
}

void TestRecordings::importLambdasIsOneUndoStep()
{
    MainWindow w(kReader);
    QVERIFY(addAndWait(w, {fx("history_0.h5")}));
    const LambdaState before = w.state();
    QVERIFY(before.enabled[index(Term::Hid)]);
    const int steps = w.undoStack()->count();
    QTemporaryDir dir;
    const QString path = dir.filePath("tuned.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    const Convention other =
        before.convention == Convention::Nn4n ? Convention::Spec : Convention::Nn4n;
    f.write(
        QStringLiteral(
            "{\"convention\": \"%1\", \"lambda_fr\": 0.02, \"lambda_hid\": 0, \"comment\": \"x\"}")
            .arg(QString::fromUtf8(conventionName(other).data()))
            .toUtf8());
    f.close();

    QCOMPARE(w.recordingSet()->importLambdas(path), QString());
    QCOMPARE(w.undoStack()->count(), steps + 1);
    const LambdaState s = w.state();
    QCOMPARE(s.convention, other);
    QCOMPARE(s.values[index(Term::Fr)], 0.02);
    QVERIFY(s.enabled[index(Term::Fr)]);
    QVERIFY(!s.enabled[index(Term::Hid)]);                                 // 0 in the file: off
    QCOMPARE(s.values[index(Term::Mse)], before.values[index(Term::Mse)]); // not in the file: kept
    QCOMPARE(s.enabled[index(Term::Mse)], before.enabled[index(Term::Mse)]);
    w.undoStack()->undo();
    QCOMPARE(w.state(), before);
}

void TestRecordings::importLambdasErrorsNameTheFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("what");
    QTest::newRow("negative") << QByteArray(R"({"lambda_fr": -1})") << "lambda_fr";
    QTest::newRow("unknown key") << QByteArray(R"({"lambda_xyz": 1})") << "lambda_xyz";
    QTest::newRow("convention") << QByteArray(R"({"convention": "pytorch"})") << "pytorch";
    QTest::newRow("not json") << QByteArray("lambda_fr = 1") << "";
    QTest::newRow("missing") << QByteArray() << "";
}

void TestRecordings::importLambdasErrorsNameTheFile()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, what);
    MainWindow w(kReader);
    QVERIFY(addAndWait(w, {fx("history_0.h5")}));
    const LambdaState before = w.state();
    const int steps = w.undoStack()->count();
    QTemporaryDir dir;
    const QString path = dir.filePath("bad-lambdas.json");
    if (!content.isEmpty()) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    const QString error = w.recordingSet()->importLambdas(path);
    QVERIFY2(error.contains("bad-lambdas.json"), qPrintable(error));
    QVERIFY2(error.contains(what), qPrintable(error));
    QCOMPARE(w.state(), before);
    QCOMPARE(w.undoStack()->count(), steps);
}

// Not a check: prints the figures of docs/performance.md for a folder of
// recordings (RNNLOSS_SET_DIR): load time with the progress reports it gave,
// and the time from a lambda edit to the history redrawn and to the active
// recording's result shown.
// Each redraw of the set's views costs O(recordings): a batch must not redraw
// them once per recording (that made N recordings cost O(N^2)). With no
// redraw in between, a batch of 40 draws the list and the term views once
// each when it is done; with redraws in between every 20 ms, 40 ms, 80 ms, ...
// their count stays logarithmic in the batch's duration. Either way the views
// end up showing every recording.
void TestRecordings::batchRedrawsTheSetViewsOnce()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QStringList files;
    for (int i = 0; i < 40; ++i) {
        const QString f = dir.filePath(QStringLiteral("copy_%1.h5").arg(i, 2, 10, QLatin1Char('0')));
        QVERIFY(QFile::copy(fx(QStringLiteral("history_%1.h5").arg(i % 3)), f));
        files << f;
    }
    for (const int firstDelayMs : {600000, 20}) {
        MainWindow w(kReader);
        SetController* set = w.recordingSet();
        set->setBatchRedrawDelay(firstDelayMs);
        const int lists = set->listRedraws(), terms = set->termRedraws();
        QSignalSpy redrawn(set, &SetController::termViewsRedrawn);
        QElapsedTimer clock;
        clock.start();
        QVERIFY(addAndWait(w, files));
        QTRY_VERIFY_WITH_TIMEOUT(set->analysis()->complete(), kResultTimeoutMs);
        const double elapsedMs = double(clock.elapsed());
        const int termDraws = set->termRedraws() - terms;
        const int listDraws = set->listRedraws() - lists;
        QCOMPARE(redrawn.size(), termDraws);
        // Redraws in between at 1, 3, 7, ... times the first delay, then one at the end.
        const int bound = 1 + int(std::ceil(std::log2(elapsedMs / firstDelayMs + 1.0)));
        QVERIFY2(termDraws >= 1 && termDraws <= bound,
                 qPrintable(QStringLiteral("%1 term redraws for 40 recordings in %2 ms")
                                .arg(termDraws).arg(elapsedMs)));
        QVERIFY2(listDraws >= 1 && listDraws <= bound,
                 qPrintable(QStringLiteral("%1 list redraws").arg(listDraws)));
        if (firstDelayMs > elapsedMs) {
            QCOMPARE(termDraws, 1);
            QCOMPARE(listDraws, 1);
        }
        QCOMPARE(set->list()->count(), 40);
        QCOMPARE(set->historyView()->plottedTotal().size(), 40);
        QCOMPARE(int(set->historyView()->results().size()), 40);

        // Outside a batch a change is drawn at once.
        w.recordings()->remove(3);
        QCOMPARE(set->list()->count(), 39);
        QCOMPARE(set->historyView()->plottedTotal().size(), 39);
        QCOMPARE(set->listRedraws() - lists, listDraws + 1);

        // Compare (a chart series per recording) is given the set when it is shown.
        QCOMPARE(int(set->compareView()->rateSummaries().size()), 0);
        w.tabs()->setCurrentWidget(set->compareView());
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QCOMPARE(int(set->compareView()->rateSummaries().size()), 39);
        QCOMPARE(set->compareView()->legendTable()->rowCount(), 39);
        // A readable few are shown until the user picks others (issue 18): the
        // first of them is drawn, the 39th is listed but not drawn.
        QCOMPARE(set->compareView()->shown().size(), 6);
        QCOMPARE(set->compareView()->plottedBars(5), set->compareView()->bars(5));
        QVERIFY(!set->compareView()->bars(5).isEmpty());
        QVERIFY(set->compareView()->plottedBars(38).isEmpty());
    }
}

void TestRecordings::setUpdatesCoalescedWhileLoading()
{
    // 30 checkpoints whose steps arrive in no order (step = 100 + 10 * (7i mod 30):
    // three digits each, so that their labels sort as their steps in any locale).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QStringList files;
    std::vector<std::pair<double, QString>> expected; // (step, file), in the History's order
    for (int i = 0; i < 30; ++i) {
        const QString f = dir.filePath(QStringLiteral("c%1.h5").arg(i, 2, 10, QLatin1Char('0')));
        QVERIFY(QFile::copy(fx(QStringLiteral("history_%1.h5").arg(i % 3)), f));
        const double step = 100.0 + 10.0 * ((7 * i) % 30);
        QVERIFY(rawh5::setAttribute(f, "step", {}, step));
        files << f;
        expected.emplace_back(step, QFileInfo(f).fileName());
    }
    std::sort(expected.begin(), expected.end());
    const auto order = [](const RecordingSet* set) {
        QStringList names;
        for (const RecordingEntry& e : set->entries())
            names << e.name();
        return names;
    };
    QStringList expectedNames;
    for (const auto& [step, name] : expected)
        expectedNames << name;

    // interval: the set's updates at most once per interval while loading.
    // A day: the first arrival (into a quiet set) and the end of the batch
    // only; 0: one per arrival, what every arrival cost before.
    for (const int intervalMs : {24 * 3600 * 1000, 0}) {
        MainWindow w(kReader);
        RecordingSet* set = w.recordings();
        SetAnalysis* analysis = w.recordingSet()->analysis();
        set->setFlushInterval(intervalMs);
        analysis->setChangeInterval(24 * 3600 * 1000);
        const int rebuilds = analysis->rebuilds();
        QSignalSpy changed(set, &RecordingSet::entriesChanged);
        QSignalSpy loaded(set, &RecordingSet::loaded);
        QSignalSpy terms(analysis, &SetAnalysis::termsChanged);
        QVERIFY(addAndWait(w, files));
        QTRY_VERIFY_WITH_TIMEOUT(analysis->complete(), kResultTimeoutMs);
        QCOMPARE(loaded.size(), 30);
        const int updates = intervalMs > 0 ? 2 : 30;
        QCOMPARE(changed.size(), updates);
        QCOMPARE(set->flushes(), updates);
        // Every update walks the whole set once in SetAnalysis, no more.
        QCOMPARE(analysis->rebuilds() - rebuilds, updates);
        // One termsChanged per update and at most one more when the set's
        // terms are complete again: not one per recording's terms.
        QVERIFY2(terms.size() <= 2 * updates,
                 qPrintable(QStringLiteral("%1 termsChanged").arg(terms.size())));
        // Merged in as they came, the set is in the order one sort gives.
        QCOMPARE(order(set), expectedNames);
        QCOMPARE(set->activeIndex(), 0); // into an empty set: the first of the order
        QCOMPARE(w.recordingSet()->list()->count(), 30);
        QCOMPARE(w.recordingSet()->historyView()->plottedTotal().size(), 30);

        // One without a step: the History orders by label ("good_f64.h5"
        // before "step 100"), all sorted again.
        QVERIFY(addAndWait(w, {fx("good_f64.h5")}));
        QStringList byLabel{QStringLiteral("good_f64.h5")};
        byLabel << expectedNames;
        QCOMPARE(order(set), byLabel);
    }
}

void TestRecordings::measureLargeSet()
{
    const QString dir = qEnvironmentVariable("RNNLOSS_SET_DIR");
    if (dir.isEmpty())
        QSKIP("RNNLOSS_SET_DIR is not set: a measurement run by hand, not a check");
    MainWindow w(kReader);
    w.show();
    QSignalSpy progress(w.recordings(), &RecordingSet::progress);
    QSignalSpy done(&w, &MainWindow::loadFinished);
    QElapsedTimer clock;
    clock.start();
    w.addRecordings({dir});
    QVERIFY(done.wait(60 * 60 * 1000));
    const qint64 loadMs = clock.elapsed();
    QTRY_VERIFY_WITH_TIMEOUT(w.recordingSet()->analysis()->complete() && resultCurrent(w), 600000);
    const qint64 termsMs = clock.elapsed();
    double last = -1.0;
    bool monotonic = true;
    for (const auto& args : progress) {
        monotonic &= args.at(0).toDouble() >= last - 1e-12;
        last = args.at(0).toDouble();
    }
    std::vector<double> historyUs, resultMs;
    LambdaState s = w.state();
    for (int i = 0; i < 21; ++i) {
        s.values[index(Term::Fr)] = 1e-3 * (i + 1);
        s.enabled[index(Term::Fr)] = true;
        QSignalSpy shown(&w, &MainWindow::resultShown);
        clock.restart();
        w.applyState(s); // the history is redrawn inside this call
        historyUs.push_back(clock.nsecsElapsed() / 1e3);
        while (!resultCurrent(w))
            QVERIFY(shown.wait(kResultTimeoutMs)); // returns at the signal, not on a poll
        resultMs.push_back(clock.nsecsElapsed() / 1e6);
    }
    // Each set view on its own, for the same kind of edit.
    auto median = [&](auto&& update) {
        std::vector<double> us;
        for (int i = 0; i < 21; ++i) {
            s.values[index(Term::Fr)] = 2e-3 * (i + 1);
            clock.restart();
            update(s.effective());
            us.push_back(clock.nsecsElapsed() / 1e3);
        }
        std::sort(us.begin(), us.end());
        return us[us.size() / 2];
    };
    SetController* set = w.recordingSet();
    qInfo("alone: history %.0f us, compare %.0f us, sweep %.0f us",
          median([&](const TermArray& l) { set->historyView()->setLambdas(l); }),
          median([&](const TermArray& l) { set->compareView()->setLambdas(l); }),
          median([&](const TermArray& l) { set->sweepView()->setLambdas(l); }));
    w.tabs()->setCurrentWidget(set->compareView());
    QVERIFY(QTest::qWaitForWindowExposed(set->compareView()));
    qInfo("compare shown: %.0f us",
          median([&](const TermArray& l) { set->compareView()->setLambdas(l); }));
    w.tabs()->setCurrentIndex(0);
    QFile status("/proc/self/status");
    if (status.open(QIODevice::ReadOnly))
        for (const QByteArray& line : status.readAll().split('\n'))
            if (line.startsWith("VmHWM") || line.startsWith("VmRSS"))
                qInfo("%s", line.simplified().constData());
    std::sort(historyUs.begin(), historyUs.end());
    std::sort(resultMs.begin(), resultMs.end());
    qInfo("recordings: %d loaded; %lld progress reports (monotonic: %s); all read in %lld ms, "
          "terms of all in %lld ms",
          int(w.recordings()->entries().size()), qlonglong(progress.size()),
          monotonic ? "yes" : "no", qlonglong(loadMs), qlonglong(termsMs));
    qInfo("lambda edit -> every set view updated: median %.0f us, max %.0f us; -> active result "
          "shown: "
          "median %.1f ms, max %.1f ms (21 edits)",
          historyUs[historyUs.size() / 2], historyUs.back(), resultMs[resultMs.size() / 2],
          resultMs.back());
}

QTEST_MAIN(TestRecordings)
#include "test_recordings.moc"
