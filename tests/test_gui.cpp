// The real MainWindow, driven offscreen: loading through the reader process,
// recomputing on the compute thread (with coalescing), errors that keep the
// data, cancel, undo/redo, conventions, neuron selection, exports, settings,
// the app's --screenshot mode, and a measure of the lambda-change latency.

#include "clijson.h"
#include "computeworker.h"
#include "lambdapanel.h"
#include "loadcontroller.h"
#include "loss.h"
#include "lossbreakdownview.h"
#include "mainwindow.h"
#include "neurondetailview.h"
#include "neuronstats.h"
#include "neurontable.h"
#include "ratehistogramview.h"
#include "terms.h"

#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTableView>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QXmlStreamReader>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

using namespace rnnloss;

#if defined(__SANITIZE_THREAD__)
// Under ThreadSanitizer (the tsan preset): this process forks children that only
// exec (QProcess, the reader process), which TSan's default die_after_fork=1
// kills as "starting new threads after multi-threaded fork". TSAN_OPTIONS from
// the environment still override this.
extern "C" const char* __tsan_default_options()
{
    return "die_after_fork=0";
}
constexpr bool kUnderTsan = true;
#else
constexpr bool kUnderTsan = false;
#endif

namespace {

const QString kExample = QStringLiteral(RNNLOSS_SOURCE_DIR "/resources/example.h5");
const QString kFixtures = QStringLiteral(RNNLOSS_FIXTURE_DIR);
const QString kTestData = QStringLiteral(RNNLOSS_TESTDATA_DIR);
const QString kCli = QStringLiteral(RNNLOSS_CLI);
const QString kExplorer = QStringLiteral(RNNLOSS_EXPLORER);

constexpr int kLoadTimeoutMs = 120000; // generous: the suite also runs under TSan
constexpr int kResultTimeoutMs = 60000;

double relDiff(double a, double b)
{
    if (a == b)
        return 0.0;
    if (std::isnan(a) && std::isnan(b))
        return 0.0;
    return std::abs(a - b) / std::max(std::abs(a), std::abs(b));
}

using clijson::qs;

/// Compares two evaluations term by term; an empty string when they agree.
QString lossDiff(const LossResult& got, const LossResult& want, double tol)
{
    QStringList out;
    if (got.convention != want.convention)
        out << "convention differs";
    auto opt = [&](const QString& what, const std::optional<double>& a, const std::optional<double>& b) {
        if (a.has_value() != b.has_value())
            out << QString("%1: %2 vs %3").arg(what, a ? QString::number(*a) : "none",
                                              b ? QString::number(*b) : "none");
        else if (a && relDiff(*a, *b) > tol)
            out << QString("%1: %2 vs %3").arg(what).arg(*a, 0, 'g', 17).arg(*b, 0, 'g', 17);
    };
    for (Term t : kAllTerms) {
        const QString k = qs(termKey(t));
        if (got[t].lambda != want[t].lambda)
            out << QString("%1 lambda: %2 vs %3").arg(k).arg(got[t].lambda).arg(want[t].lambda);
        if (got[t].available != want[t].available)
            out << k + " availability differs";
        opt(k + " value", got[t].value, want[t].value);
        opt(k + " weighted", got[t].weighted, want[t].weighted);
    }
    opt("total", got.total, want.total);
    return out.join("; ");
}

/// The evaluation the window should show for `state` on `summary`.
LossResult engineLoss(const Summary& summary, const LambdaState& state)
{
    return evaluate(computeTerms(summary, state.convention), state.effective());
}

/// `rnnloss compute --json` on `file` with exactly these lambdas.
QJsonObject cliCompute(const QString& file, const TermArray& lambdas, Convention c, QString* error)
{
    return clijson::run(kCli, clijson::computeArgs(file, {}, lambdas, c), kLoadTimeoutMs, error);
}

/// What a failed or cancelled load must leave as it was.
struct Snapshot
{
    std::shared_ptr<const Summary> summary;
    QString recording;
    LambdaState state;
    std::uint64_t resultSequence = 0;
    LossResult shown;
    std::uint64_t submitted = 0;
    QString windowTitle;

    explicit Snapshot(const MainWindow& w)
        : summary(w.summary()), recording(w.recordingFile()), state(w.state()),
          resultSequence(w.lastResult() ? w.lastResult()->sequence : 0),
          shown(w.breakdownView()->result()), submitted(w.worker()->requestsSubmitted()),
          windowTitle(w.windowTitle())
    {
    }
    QString diff(const MainWindow& w) const
    {
        QStringList out;
        if (w.summary() != summary)
            out << "summary replaced";
        if (w.recordingFile() != recording)
            out << "recording file changed to " + w.recordingFile();
        if (!(w.state() == state))
            out << "lambda state changed";
        if (!w.lastResult() || w.lastResult()->sequence != resultSequence)
            out << "last result changed";
        const QString d = lossDiff(w.breakdownView()->result(), shown, 0.0);
        if (!d.isEmpty())
            out << "breakdown changed: " + d;
        if (w.worker()->requestsSubmitted() != submitted)
            out << "a computation was requested";
        if (w.windowTitle() != windowTitle)
            out << "window title changed";
        return out.join("; ");
    }
};

/// The panel's row widgets in term order.
template <class W>
W* panelRow(MainWindow& w, Term t)
{
    const QList<W*> all = w.lambdaPanel()->findChildren<W*>();
    return all.size() == kTermCount ? all[index(t)] : nullptr;
}

} // namespace

class TestGui : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void loadExample();
    void panelEditUpdatesBreakdown();
    void burstIsCoalesced();
    void badFileKeepsData_data();
    void badFileKeepsData();
    void hdf5CrashersGiveErrors();
    void cancelKeepsData();
    void undoRedo();
    void conventionSwitch();
    void neuronSelection();
    void exports();
    void exportFailures();
    void settingsRoundTrip();
    void screenshotMode();
    void responsiveness();

private:
    /// Waits until the window shows the result of the latest request.
    bool settle(MainWindow& w, int timeoutMs = kResultTimeoutMs);
    /// Opens `file` and waits for loadFinished; returns its argument.
    bool load(MainWindow& w, const QString& file, QString* why = nullptr);
    void verifyShownMatchesEngine(MainWindow& w);
    /// The breakdown shown against `rnnloss compute` on the example with the
    /// window's lambdas and convention (to 1e-9); `json` gets the CLI's output.
    void verifyShownMatchesCli(const MainWindow& w, QJsonObject* json = nullptr);

    QTemporaryDir m_tmp;
    QString m_big;
    std::unique_ptr<MainWindow> m_w;
};

bool TestGui::settle(MainWindow& w, int timeoutMs)
{
    return QTest::qWaitFor(
        [&] { return w.lastResult() && w.lastResult()->sequence == w.worker()->requestsSubmitted(); },
        timeoutMs);
}

bool TestGui::load(MainWindow& w, const QString& file, QString* why)
{
    QSignalSpy finished(&w, &MainWindow::loadFinished);
    w.openFiles(file);
    if (!QTest::qWaitFor([&] { return finished.count() > 0; }, kLoadTimeoutMs)) {
        if (why)
            *why = "no loadFinished within the timeout";
        return false;
    }
    if (finished.count() != 1 && why)
        *why = QString("loadFinished emitted %1 times").arg(finished.count());
    const bool ok = finished.first().first().toBool();
    if (!ok && why)
        *why = w.lastError();
    return ok && finished.count() == 1;
}

void TestGui::verifyShownMatchesCli(const MainWindow& w, QJsonObject* json)
{
    QString err;
    const QJsonObject cli = cliCompute(kExample, w.state().effective(), w.state().convention, &err);
    if (json)
        *json = cli;
    QVERIFY2(err.isEmpty(), qPrintable(err));
    const QStringList d = clijson::diff(cli, w.breakdownView()->result(), 1e-9);
    QVERIFY2(d.isEmpty(), qPrintable(d.join("; ")));
}

void TestGui::verifyShownMatchesEngine(MainWindow& w)
{
    QVERIFY(w.summary());
    QVERIFY(w.lastResult());
    const LambdaState st = w.state();
    const LossResult want = engineLoss(*w.summary(), st);
    const QString d = lossDiff(w.breakdownView()->result(), want, 1e-12);
    QVERIFY2(d.isEmpty(), qPrintable(d));
    QCOMPARE(w.lastResult()->lambdas, st.effective());
    QCOMPARE(w.lastResult()->convention, st.convention);
    QCOMPARE(w.lambdaPanel()->rawLambdas(), st.values);
    QCOMPARE(w.lambdaPanel()->enabled(), st.enabled);
    QCOMPARE(w.lambdaPanel()->convention(), st.convention);
    // The bars as plotted.
    const QList<double> bars = w.breakdownView()->weightedBars();
    QCOMPARE(bars.size(), kTermCount + 1);
    for (int i = 0; i < kTermCount; ++i) {
        const double expected = want.terms[i].lambda != 0.0 && want.terms[i].weighted ? *want.terms[i].weighted : 0.0;
        QVERIFY2(relDiff(bars[i], expected) <= 1e-12,
                 qPrintable(QString("bar %1: %2 vs %3").arg(i).arg(bars[i]).arg(expected)));
    }
    if (want.total)
        QVERIFY(relDiff(bars[kTermCount], *want.total) <= 1e-12);
}

void TestGui::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(
        QString("RNNLossExplorerTest-%1").arg(QCoreApplication::applicationPid()));
    QCoreApplication::setApplicationName("test_gui");
    QSettings().clear();
    // Test mode puts the settings under ~/.qttest, away from the user's.
    QVERIFY2(QSettings().fileName().contains("qttest"), qPrintable(QSettings().fileName()));
    QVERIFY(m_tmp.isValid());
    QVERIFY2(QFileInfo::exists(kExample), qPrintable(kExample));
    QVERIFY2(QFileInfo(kCli).isExecutable(), qPrintable(kCli));
    QVERIFY2(QFileInfo::exists(kFixtures + "/bad_nhid.h5"),
             "run the makefixtures test first (ctest's fixtures do)");

    // A large synthetic recording (B=128, T=500, N=512, ~130 MB) for cancel and latency.
    m_big = m_tmp.filePath("big.h5");
    QProcess bench;
    bench.start(kCli, {"bench", "--batch", "128", "--time", "500", "--neurons", "512", "--file", m_big,
                       "--keep", "--reps", "1"});
    QVERIFY(bench.waitForFinished(300000));
    QVERIFY2(bench.exitCode() == 0, bench.readAllStandardError().constData());
    QVERIFY(QFileInfo(m_big).size() > 100'000'000);

    m_w = std::make_unique<MainWindow>(kCli);
    m_w->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_w.get()));
}

void TestGui::cleanupTestCase()
{
    m_w.reset();
    QString file;
    {
        QSettings s;
        file = s.fileName();
        s.clear();
    }
    QFile::remove(file);
    QDir().rmdir(QFileInfo(file).path()); // the per-run organization folder, when empty
}

// 1. ---------------------------------------------------------------------------
void TestGui::loadExample()
{
    MainWindow& w = *m_w;
    QSignalSpy shown(&w, &MainWindow::resultShown);
    QString why;
    QVERIFY2(load(w, kExample, &why), qPrintable(why));
    QVERIFY(w.summary());
    QCOMPARE(w.recordingFile(), kExample);
    QVERIFY(w.lastError().isEmpty());
    QCOMPARE(w.summary()->shape.batch, 32);
    QCOMPARE(w.summary()->shape.time, 100);
    QCOMPARE(w.summary()->shape.nHid, 64);
    QVERIFY(settle(w));
    QVERIFY(shown.count() >= 1);

    // The file's training lambdas became the lambdas.
    const LambdaState st = w.state();
    QCOMPARE(st.convention, Convention::Nn4n); // the default
    for (Term t : kAllTerms) {
        const auto& tl = w.summary()->trainingLambdas[index(t)];
        QVERIFY(tl);
        QCOMPARE(st.values[index(t)], *tl);
        QCOMPARE(st.enabled[index(t)], *tl != 0.0);
    }
    verifyShownMatchesEngine(w);

    // The same numbers as a fresh CLI run.
    QJsonObject json;
    verifyShownMatchesCli(w, &json);
    if (QTest::currentTestFailed())
        return;
    // And the neuron table holds the CLI's per-neuron means.
    const QJsonArray mean = json["neurons"].toObject()["mean_rate"].toArray();
    QCOMPARE(mean.size(), 64);
    QCOMPARE(w.neuronTable()->model()->rowCount(), 64);
    for (int n = 0; n < 64; ++n)
        QVERIFY(relDiff(w.neuronTable()->model()->value(n, NeuronTableModel::ColMean), mean[n].toDouble()) <= 1e-9);
}

// 2. ---------------------------------------------------------------------------
void TestGui::panelEditUpdatesBreakdown()
{
    MainWindow& w = *m_w;
    QVERIFY(w.summary());
    QLineEdit* fr = panelRow<QLineEdit>(w, Term::Fr);
    QSlider* mse = panelRow<QSlider>(w, Term::Mse);
    QVERIFY(fr && mse);
    QVERIFY(fr->isEnabled() && mse->isEnabled());

    // Typing in a field.
    QSignalSpy shown(&w, &MainWindow::resultShown);
    const LossResult before = w.breakdownView()->result();
    fr->selectAll();
    QTest::keyClicks(fr, "0.02");
    QCOMPARE(w.state().values[index(Term::Fr)], 0.02);
    QVERIFY(settle(w));
    QVERIFY(shown.count() >= 1);
    QCOMPARE(w.breakdownView()->result()[Term::Fr].lambda, 0.02);
    QVERIFY(*w.breakdownView()->result().total != *before.total);
    verifyShownMatchesEngine(w);

    // Moving a slider.
    const int pos = LambdaPanel::valueToSlider(0.5);
    QVERIFY(mse->value() != pos);
    shown.clear();
    mse->setValue(pos);
    double expected = 0.0;
    QVERIFY(LambdaPanel::parseLambda(LambdaPanel::formatLambda(LambdaPanel::sliderToValue(pos)), &expected));
    QCOMPARE(w.state().values[index(Term::Mse)], expected);
    QVERIFY(settle(w));
    QVERIFY(shown.count() >= 1);
    QCOMPARE(w.breakdownView()->result()[Term::Mse].lambda, expected);
    verifyShownMatchesEngine(w);

    // applyState, as the menu actions and undo use it.
    LambdaState s = w.state();
    s.values[index(Term::Out)] = 0.3;
    s.enabled[index(Term::Out)] = true;
    w.applyState(s);
    QVERIFY(w.state() == s);
    QVERIFY(settle(w));
    verifyShownMatchesEngine(w);
    verifyShownMatchesCli(w);
}

// 3. ---------------------------------------------------------------------------
void TestGui::burstIsCoalesced()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    QSlider* slider = panelRow<QSlider>(w, Term::FrSd);
    QVERIFY(slider && slider->isEnabled());
    const std::uint64_t submitted0 = w.worker()->requestsSubmitted();
    const std::uint64_t jobs0 = w.worker()->jobsRun();
    const int undoSteps0 = w.undoStack()->count();
    int pos = slider->value();
    QElapsedTimer t;
    t.start();
    // Steps in a band away from the start, so the burst never returns to the
    // starting value (its merged undo step would then change nothing).
    const int start = pos;
    const int lo = start < 450 ? 460 : 10;
    pos = lo;
    // One drag: pressed, a thousand moves, released.
    slider->setSliderDown(true);
    for (int i = 0; i < 1000; ++i) {
        pos = lo + (pos - lo + 7) % 430; // always a different step, in [lo, lo + 430)
        slider->setValue(pos);
    }
    slider->setSliderDown(false);
    QVERIFY(pos != start);
    const qint64 loopMs = t.elapsed();
    const std::uint64_t submitted = w.worker()->requestsSubmitted() - submitted0;
    QVERIFY(settle(w));
    const std::uint64_t jobs = w.worker()->jobsRun() - jobs0;
    qInfo("burst: 1000 slider changes in %lld ms on the GUI thread; %llu requests, %llu jobs run",
          loopMs, (unsigned long long)submitted, (unsigned long long)jobs);
    QVERIFY2(submitted >= 1000, qPrintable(QString::number(submitted)));
    QVERIFY2(jobs < 100, qPrintable(QString("%1 jobs for a burst of 1000").arg(jobs)));
    QVERIFY(jobs >= 1);

    double expected = 0.0;
    QVERIFY(LambdaPanel::parseLambda(LambdaPanel::formatLambda(LambdaPanel::sliderToValue(pos)), &expected));
    QCOMPARE(w.state().values[index(Term::FrSd)], expected);
    QCOMPARE(w.lastResult()->sequence, w.worker()->requestsSubmitted());
    QCOMPARE(w.breakdownView()->result()[Term::FrSd].lambda, expected);
    verifyShownMatchesEngine(w);
    // The drag is one undo step, however long it took.
    QCOMPARE(w.undoStack()->count() - undoSteps0, 1);
}

// 4. ---------------------------------------------------------------------------
void TestGui::badFileKeepsData_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("problem");
    QTest::newRow("bad_nhid") << "bad_nhid.h5" << "N_hid";
    QTest::newRow("not_hdf5") << "not_hdf5.h5" << "not an HDF5 file";
    QTest::newRow("bad_int") << "bad_int.h5" << "";
    QTest::newRow("bad_rank") << "bad_rank.h5" << "";
    QTest::newRow("truncated_data") << "truncated_data.h5" << "";
    QTest::newRow("missing") << "does-not-exist.h5" << "";
}

void TestGui::badFileKeepsData()
{
    QFETCH(QString, file);
    QFETCH(QString, problem);
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    const Snapshot before(w);
    QVERIFY(before.summary);
    const QString path = kFixtures + "/" + file;
    QSignalSpy shown(&w, &MainWindow::resultShown);
    QString why;
    QVERIFY(!load(w, path, &why));
    QVERIFY2(why != "no loadFinished within the timeout", qPrintable(why));
    QVERIFY(!w.lastError().isEmpty());
    QVERIFY2(w.lastError().contains(file), qPrintable(w.lastError()));
    if (!problem.isEmpty())
        QVERIFY2(w.lastError().contains(problem), qPrintable(w.lastError()));
    qInfo("%s: %s", qPrintable(file), qPrintable(w.lastError()));
    const QString d = before.diff(w);
    QVERIFY2(d.isEmpty(), qPrintable(d));
    QCOMPARE(shown.count(), 0);
    QVERIFY(!w.loader()->isLoading());
}

// 5. ---------------------------------------------------------------------------
void TestGui::hdf5CrashersGiveErrors()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    const QDir dir(kTestData + "/hdf5-crashers");
    const QStringList files = dir.entryList({"*.h5"}, QDir::Files, QDir::Name);
    QVERIFY2(!files.isEmpty(), qPrintable(dir.path()));
    w.loader()->setWatchdogMs(5000);
    const Snapshot before(w);
    for (const QString& f : files) {
        QElapsedTimer t;
        t.start();
        QString why;
        const bool ok = load(w, dir.filePath(f), &why);
        QVERIFY2(!ok, qPrintable(f + " loaded"));
        QVERIFY2(why != "no loadFinished within the timeout", qPrintable(f + ": " + why));
        QVERIFY2(!w.lastError().isEmpty(), qPrintable(f));
        QVERIFY2(w.lastError().contains(f), qPrintable(f + ": " + w.lastError()));
        const QString d = before.diff(w);
        QVERIFY2(d.isEmpty(), qPrintable(f + ": " + d));
        qInfo("%s (%lld ms): %s", qPrintable(f), t.elapsed(), qPrintable(w.lastError().left(160)));
    }
    w.loader()->setWatchdogMs(30000);
    // Still alive and computing.
    LambdaState s = w.state();
    s.values[index(Term::Hid)] *= 2;
    w.applyState(s);
    QVERIFY(settle(w));
    verifyShownMatchesEngine(w);
}

// 6. ---------------------------------------------------------------------------
void TestGui::cancelKeepsData()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    {
        // Cancel right away.
        const Snapshot before(w);
        QSignalSpy finished(&w, &MainWindow::loadFinished);
        QSignalSpy shown(&w, &MainWindow::resultShown);
        w.openFiles(m_big);
        QVERIFY(w.loader()->isLoading());
        w.loader()->cancel();
        QVERIFY(QTest::qWaitFor([&] { return finished.count() > 0; }, kLoadTimeoutMs));
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.first().first().toBool(), false);
        QVERIFY(!w.loader()->isLoading());
        const QString d = before.diff(w);
        QVERIFY2(d.isEmpty(), qPrintable(d));
        QCOMPARE(shown.count(), 0);
    }
    {
        // Cancel while the reader is working (after its first progress report).
        const Snapshot before(w);
        QSignalSpy finished(&w, &MainWindow::loadFinished);
        QSignalSpy progress(w.loader(), &LoadController::progress);
        QElapsedTimer t;
        t.start();
        w.openFiles(m_big);
        QVERIFY(QTest::qWaitFor([&] { return progress.count() > 0 || finished.count() > 0; }, kLoadTimeoutMs));
        if (finished.count() > 0)
            QSKIP("the large file loaded before its first progress report; cannot cancel mid-load");
        w.loader()->cancel();
        const qint64 cancelledAt = t.elapsed();
        QVERIFY(QTest::qWaitFor([&] { return finished.count() > 0; }, kLoadTimeoutMs));
        qInfo("cancel mid-load: requested after %lld ms, loadFinished(false) %lld ms later",
              cancelledAt, t.elapsed() - cancelledAt);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.first().first().toBool(), false);
        const QString d = before.diff(w);
        QVERIFY2(d.isEmpty(), qPrintable(d));
    }
    {
        // A second load supersedes the first: only the second reports.
        QSignalSpy finished(&w, &MainWindow::loadFinished);
        w.openFiles(m_big);
        w.openFiles(kExample);
        QVERIFY(QTest::qWaitFor([&] { return finished.count() > 0; }, kLoadTimeoutMs));
        QVERIFY(settle(w));
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.first().first().toBool(), true);
        QCOMPARE(w.recordingFile(), kExample);
        QCOMPARE(w.summary()->shape.nHid, 64);
        verifyShownMatchesEngine(w);
    }
}

// 7. ---------------------------------------------------------------------------
void TestGui::undoRedo()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    const LambdaState s0 = w.state();
    QSignalSpy shown(&w, &MainWindow::resultShown);

    // Edit 1: a field; edit 2: another row's slider.
    QLineEdit* hid = panelRow<QLineEdit>(w, Term::Hid);
    QVERIFY(hid && hid->isEnabled());
    hid->selectAll();
    QTest::keyClicks(hid, "0.005");
    QVERIFY(settle(w));
    const LambdaState s1 = w.state();
    QCOMPARE(s1.values[index(Term::Hid)], 0.005);
    QSlider* fr = panelRow<QSlider>(w, Term::Fr);
    fr->setValue(LambdaPanel::valueToSlider(0.07));
    QVERIFY(settle(w));
    const LambdaState s2 = w.state();
    QVERIFY(!(s2 == s1) && !(s1 == s0));
    const LossResult r2 = w.breakdownView()->result();
    QVERIFY(w.undoStack()->canUndo());

    w.undoStack()->undo();
    QVERIFY(w.state() == s1);
    QVERIFY(settle(w));
    verifyShownMatchesEngine(w);
    QCOMPARE(w.breakdownView()->result()[Term::Fr].lambda, s1.values[index(Term::Fr)]);

    w.undoStack()->undo();
    QVERIFY(w.state() == s0);
    QVERIFY(settle(w));
    verifyShownMatchesEngine(w);
    QCOMPARE(w.lambdaPanel()->rawLambdas(), s0.values);

    w.undoStack()->redo();
    QVERIFY(w.state() == s1);
    QVERIFY(settle(w));
    verifyShownMatchesEngine(w);

    w.undoStack()->redo();
    QVERIFY(w.state() == s2);
    QVERIFY(settle(w));
    verifyShownMatchesEngine(w);
    const QString d = lossDiff(w.breakdownView()->result(), r2, 0.0);
    QVERIFY2(d.isEmpty(), qPrintable(d));
    QVERIFY(shown.count() >= 6);
}

// 8. ---------------------------------------------------------------------------
void TestGui::conventionSwitch()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    QCOMPARE(w.state().convention, Convention::Nn4n); // the default
    // Make the rate terms count so that their weighted values show too.
    LambdaState s = w.state();
    for (Term t : {Term::Fr, Term::FrSd, Term::FrCv}) {
        s.values[index(t)] = 0.01;
        s.enabled[index(t)] = true;
    }
    w.applyState(s);
    QVERIFY(settle(w));
    const LossResult before = w.breakdownView()->result();
    const auto beforeStats = w.lastResult()->stats;

    auto* combo = w.lambdaPanel()->findChild<QComboBox*>();
    QVERIFY(combo);
    combo->setCurrentIndex(combo->findText("spec"));
    QCOMPARE(w.state().convention, Convention::Spec);
    QVERIFY(settle(w));
    QCOMPARE(w.lastResult()->convention, Convention::Spec);
    verifyShownMatchesEngine(w);
    const LossResult after = w.breakdownView()->result();
    const TermValues want = computeTerms(*w.summary(), Convention::Spec);
    int differing = 0;
    for (Term t : {Term::Fr, Term::FrSd, Term::FrCv}) {
        QVERIFY(after[t].value && want[t].value);
        QVERIFY(relDiff(*after[t].value, *want[t].value) <= 1e-12);
        if (relDiff(*after[t].value, *before[t].value) > 1e-9)
            ++differing;
    }
    QVERIFY2(differing >= 2, "the spec rate terms should differ from the nn4n ones");
    // The other terms do not depend on the convention.
    for (Term t : {Term::Mse, Term::In, Term::Hid, Term::Out})
        QVERIFY(relDiff(after[t].value.value_or(-1), before[t].value.value_or(-1)) <= 1e-12);
    // The per-neuron statistics follow the convention.
    QVERIFY(w.lastResult()->stats != beforeStats);
    const NeuronStats st = computeNeuronStats(*w.summary(), Convention::Spec);
    for (std::size_t n = 0; n < st.size(); ++n)
        QVERIFY(relDiff(w.lastResult()->stats->frContribution[n], st.frContribution[n]) <= 1e-12);
    // The CLI with --convention spec agrees.
    QString err;
    const QJsonObject json = cliCompute(kExample, w.state().effective(), Convention::Spec, &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    const QStringList d = clijson::diff(json, after, 1e-9);
    QVERIFY2(d.isEmpty(), qPrintable(d.join("; ")));

    // Undo switches back.
    w.undoStack()->undo();
    QCOMPARE(w.state().convention, Convention::Nn4n);
    QCOMPARE(combo->currentText(), QStringLiteral("nn4n"));
    QVERIFY(settle(w));
    verifyShownMatchesEngine(w);
    QVERIFY(lossDiff(w.breakdownView()->result(), before, 1e-15).isEmpty());
}

// 9. ---------------------------------------------------------------------------
void TestGui::neuronSelection()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    w.selectNeuron(5);
    QVERIFY(settle(w));
    QCOMPARE(w.neuronDetail()->neuron(), 5);
    QCOMPARE(w.lastResult()->neuron, 5);
    const Histogram h = neuronRateHistogram(*w.summary(), 5);
    QCOMPARE(w.lastResult()->neuronHistogram.counts, h.counts);
    const Psth p = psth(*w.summary(), 5);
    QCOMPARE(w.lastResult()->neuronPsth.mean.size(), std::size_t(100));
    QCOMPARE(w.lastResult()->neuronPsth.mean, p.mean);

    // A lambda change keeps the neuron.
    LambdaState s = w.state();
    s.values[index(Term::Mse)] = 0.25;
    w.applyState(s);
    QVERIFY(settle(w));
    QCOMPARE(w.neuronDetail()->neuron(), 5);
    QCOMPARE(w.lastResult()->neuron, 5);

    // Clicking a histogram bar selects its neurons in the table.
    RateHistogramView* rates = w.rateView();
    auto* series = qobject_cast<QBarSeries*>(rates->chartView()->chart()->series().value(0));
    QVERIFY(series && !series->barSets().isEmpty());
    QBarSet* set = series->barSets().front();
    int bin = -1;
    for (int b = 0; b < int(rates->histogram().counts.size()); ++b)
        if (rates->histogram().counts[b] >= 2 && !rates->neuronsInBin(b).contains(5)) {
            bin = b;
            break;
        }
    QVERIFY(bin >= 0);
    const QVector<int> expected = rates->neuronsInBin(bin);
    QCOMPARE(double(expected.size()), rates->histogram().counts[bin]);
    emit set->clicked(bin);
    QCOMPARE(w.neuronTable()->selectedNeurons(), expected);
    QVERIFY(rates->highlightedBins().contains(bin));
    QVERIFY(settle(w));
    QCOMPARE(w.neuronDetail()->neuron(), expected.front());
    QCOMPARE(w.lastResult()->neuron, expected.front());
    // Each selected neuron's mean rate lies in the bin.
    for (int n : expected)
        QCOMPARE(rates->histogram().binOf(w.lastResult()->stats->mean[n]), bin);

    // Selecting in the table shows the neuron.
    QTableView* table = w.neuronTable()->tableView();
    const QModelIndex idx = w.neuronTable()->proxy()->mapFromSource(w.neuronTable()->model()->index(9, 0));
    table->selectionModel()->setCurrentIndex(idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QVERIFY(settle(w));
    QCOMPARE(w.neuronDetail()->neuron(), 9);
    QCOMPARE(rates->highlightedBins(), QVector<int>{rates->histogram().binOf(w.lastResult()->stats->mean[9])});
}

// 10. --------------------------------------------------------------------------
void TestGui::exports()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    // Charts of every tab.
    for (int tab = 0; tab < 4; ++tab) {
        w.setTabIndexForScreenshot(tab);
        QCoreApplication::processEvents(); // let the shown tab lay out
        for (const QString suffix : {"png", "svg", "pdf"}) {
            const QString path = m_tmp.filePath(QString("tab%1.%2").arg(tab).arg(suffix));
            const ExportOutcome out = w.exporter()->exportChart(MainWindow::chartOfTab(tab), path);
            QVERIFY2(out.ok(), qPrintable(out.error));
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            if (suffix == "png") {
                QImage img;
                QVERIFY(img.loadFromData(bytes, "PNG"));
                QVERIFY2(img.width() > 200 && img.height() > 200,
                         qPrintable(QString("tab %1: %2x%3").arg(tab).arg(img.width()).arg(img.height())));
            } else if (suffix == "svg") {
                QXmlStreamReader xml(bytes);
                QString root;
                while (!xml.atEnd()) {
                    xml.readNext();
                    if (xml.isStartElement() && root.isEmpty())
                        root = xml.name().toString();
                }
                QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
                QCOMPARE(root, QStringLiteral("svg"));
            } else {
                QVERIFY(bytes.startsWith("%PDF"));
            }
        }
    }
    w.setTabIndexForScreenshot(0);

    const ComputeResult& r = *w.lastResult();
    // Breakdown CSV: header, seven terms, total.
    {
        const QString path = m_tmp.filePath("breakdown.csv");
        const ExportOutcome out = w.exporter()->exportTable("breakdown", path);
        QVERIFY2(out.ok(), qPrintable(out.error));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
        QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
        QVERIFY2(lines.value(0).startsWith("# file=example.h5 convention=nn4n"), qPrintable(lines.value(0)));
        lines.removeFirst();
        QCOMPARE(lines.size(), 1 + kTermCount + 1);
        QCOMPARE(lines[0], QStringLiteral("term,lambda,value,weighted,share"));
        for (Term t : kAllTerms) {
            const QStringList c = lines[1 + index(t)].split(',');
            QCOMPARE(c.size(), 5);
            QCOMPARE(c[0], qs(termKey(t)));
            QCOMPARE(c[1].toDouble(), r.loss[t].lambda);
            QVERIFY(r.loss[t].value);
            QVERIFY(relDiff(c[2].toDouble(), *r.loss[t].value) <= 1e-15);
            QVERIFY(r.loss[t].weighted);
            QVERIFY(relDiff(c[3].toDouble(), *r.loss[t].weighted) <= 1e-15);
            if (r.loss[t].lambda != 0.0 && *r.loss.total != 0.0)
                QVERIFY(relDiff(c[4].toDouble(), *r.loss[t].weighted / *r.loss.total) <= 1e-15);
        }
        const QStringList total = lines.last().split(',');
        QCOMPARE(total.value(0), QStringLiteral("total"));
        QVERIFY(r.loss.total);
        QVERIFY(relDiff(total.value(3).toDouble(), *r.loss.total) <= 1e-15);
        QVERIFY(relDiff(total.value(3).toDouble(), *w.breakdownView()->result().total) <= 1e-15);
    }
    // Neuron CSV: header and one row per neuron.
    {
        const QString path = m_tmp.filePath("neurons.csv");
        const ExportOutcome out = w.exporter()->exportTable("neurons", path);
        QVERIFY2(out.ok(), qPrintable(out.error));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
        QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
        QVERIFY(lines.value(0).startsWith("# file=example.h5"));
        lines.removeFirst();
        QCOMPARE(lines.size(), int(w.summary()->shape.nHid) + 1);
        QVERIFY(lines[0].startsWith("neuron,mean_rate"));
        for (int n = 0; n < int(w.summary()->shape.nHid); ++n) {
            const QStringList c = lines[1 + n].split(',');
            QCOMPARE(c.value(0).toInt(), n);
            QVERIFY(relDiff(c.value(1).toDouble(), r.stats->mean[n]) <= 1e-15);
        }
    }
    // Lambdas JSON.
    {
        const QString path = m_tmp.filePath("lambdas.json");
        const ExportOutcome out = w.exporter()->exportTable("lambdas", path);
        QVERIFY2(out.ok(), qPrintable(out.error));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError, qPrintable(pe.errorString()));
        const QJsonObject o = doc.object();
        QCOMPARE(o.size(), kTermCount + 1);
        QCOMPARE(o["convention"].toString(), qs(conventionName(w.state().convention)));
        for (Term t : kAllTerms) {
            const QString k = qs(lambdaKey(t));
            QVERIFY2(o.contains(k), qPrintable(k));
            QCOMPARE(o[k].toDouble(), w.state().effective()[index(t)]);
        }
    }
    // The nn4n call.
    {
        const QString line = w.nn4nLine();
        QVERIFY2(line.startsWith("RNNLoss(model"), qPrintable(line));
        QVERIFY(line.endsWith(")"));
        int nonzero = 0;
        for (Term t : kAllTerms) {
            const double l = w.state().effective()[index(t)];
            const QRegularExpression re(QString("%1=([^,)]+)").arg(qs(lambdaKey(t))));
            const auto m = re.match(line);
            if (l != 0.0) {
                ++nonzero;
                QVERIFY2(m.hasMatch(), qPrintable(line + " lacks " + qs(lambdaKey(t))));
                QCOMPARE(m.captured(1).toDouble(), l);
            } else {
                QVERIFY2(!m.hasMatch(), qPrintable(line));
            }
        }
        QVERIFY(nonzero >= 2);
        QCOMPARE(line.count('='), nonzero);
    }
}

void TestGui::exportFailures()
{
    MainWindow& w = *m_w;
    const Exporter& e = *w.exporter();
    const QString nowhere = "/nonexistent-dir-rnnloss/x";
    ExportOutcome out = e.exportChart("breakdown", m_tmp.filePath("chart.bmp"));
    QVERIFY(!out.ok());
    QVERIFY2(out.error.contains("chart.bmp"), qPrintable(out.error));
    out = e.exportChart("rates", nowhere + ".png");
    QVERIFY(!out.ok());
    QVERIFY2(out.error.contains(nowhere), qPrintable(out.error));
    out = e.exportTable("breakdown", nowhere + ".csv");
    QVERIFY(!out.ok());
    QVERIFY2(out.error.contains(nowhere), qPrintable(out.error));
    out = e.exportTable("neurons", nowhere + ".csv");
    QVERIFY(!out.ok());
    QVERIFY(!out.error.isEmpty());
    out = e.exportTable("lambdas", nowhere + ".json");
    QVERIFY(!out.ok());
    QVERIFY2(out.error.contains(nowhere), qPrintable(out.error));
    // Nothing to export before a load.
    MainWindow empty(kCli);
    out = empty.exporter()->exportTable("breakdown", m_tmp.filePath("empty.csv"));
    QVERIFY(!out.ok());
    QVERIFY2(out.error.contains("empty.csv"), qPrintable(out.error));
    QVERIFY(!QFileInfo::exists(m_tmp.filePath("empty.csv")));
}

// 11. --------------------------------------------------------------------------
void TestGui::settingsRoundTrip()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    LambdaState s = w.state();
    s.values = {0.75, 0.002, 3.3e-4, 0.0, 0.04, 1e-3, 0.6};
    s.enabled = {true, true, false, false, true, true, true};
    s.convention = Convention::Nn4n;
    w.applyState(s);
    QVERIFY(w.state() == s);
    QVERIFY(settle(w));
    verifyShownMatchesEngine(w);
    w.saveSettings();

    MainWindow w2(kCli);
    QVERIFY(!(w2.state() == s));
    w2.restoreSettings();
    QVERIFY(w2.state() == s);
    QCOMPARE(w2.lambdaPanel()->rawLambdas(), s.values);
    QCOMPARE(w2.lambdaPanel()->enabled(), s.enabled);
    QCOMPARE(w2.lambdaPanel()->convention(), Convention::Nn4n);
    const QString abs = QFileInfo(kExample).absoluteFilePath();
    QVERIFY2(w2.recentFiles().contains(abs), qPrintable(w2.recentFiles().join(", ")));
    QCOMPARE(w2.recentFiles(), w.recentFiles());
    QCOMPARE(w2.recentFiles().front(), abs); // the latest load first
    // Failed loads are not recent files.
    for (const QString& f : w2.recentFiles())
        QVERIFY2(!f.contains("crashers") && !f.contains("bad_"), qPrintable(f));

    // The restored lambdas win over the next file's training lambdas.
    QString why;
    QVERIFY2(load(w2, kExample, &why), qPrintable(why));
    QVERIFY(settle(w2));
    QCOMPARE(w2.state().effective(), s.effective());
    QCOMPARE(w2.state().convention, Convention::Nn4n);
    verifyShownMatchesEngine(w2);
}

// 12. --------------------------------------------------------------------------
void TestGui::screenshotMode()
{
    QVERIFY2(QFileInfo(kExplorer).isExecutable(), qPrintable(kExplorer));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    // Keep the app away from the user's settings.
    const QString config = m_tmp.filePath("config");
    QDir().mkpath(config);
    env.insert("XDG_CONFIG_HOME", config);
    if (kUnderTsan) {
        // The app's own threads run in this process under TSan; in the child,
        // uninstrumented Qt (raster thread pool) only gives false reports, and
        // TSan's exit code 66 would hide the one this test checks.
        env.insert("TSAN_OPTIONS", "report_bugs=0 die_after_fork=0");
    }

    struct Run
    {
        int code = -1;
        QString err;
    };
    auto run = [&](const QStringList& args) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(kExplorer, args);
        Run r;
        if (!p.waitForFinished(180000)) {
            p.kill();
            p.waitForFinished();
            r.err = "timed out";
            return r;
        }
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    };

    for (int tab : {0, 2}) {
        const QString png = m_tmp.filePath(QString("shot%1.png").arg(tab));
        const Run r = run({kExample, "--screenshot", png, "--tab", QString::number(tab),
                           "--lambda", "lambda_fr_cv=0.5", "--convention", "nn4n"});
        QVERIFY2(r.code == 0, qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));
        QImage img(png);
        QVERIFY2(!img.isNull(), qPrintable(png));
        QVERIFY(img.width() > 0 && img.height() > 0);
        QVERIFY(img.width() >= 640 && img.height() >= 400);
    }

    // A bad file: exit 2 and one error line naming it.
    {
        const QString png = m_tmp.filePath("bad.png");
        const QString bad = kFixtures + "/bad_nhid.h5";
        const Run r = run({bad, "--screenshot", png});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("error:") && r.err.contains("bad_nhid.h5"), qPrintable(r.err));
        const QStringList errorLines = r.err.split('\n').filter(QRegularExpression("^error:"));
        QCOMPARE(errorLines.size(), 1);
        QVERIFY2(!QFileInfo::exists(png), "a failed load must not leave a picture (issue 11, defect 16)");
    }
    // A bad command line: exit 2 before any window.
    {
        const Run r = run({kExample, "--screenshot", m_tmp.filePath("x.png"), "--lambda", "lambda_fr=abc"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.split('\n').filter(QRegularExpression("^error: --lambda lambda_fr=abc")).size() == 1,
                 qPrintable(r.err));
    }
}

// 13. --------------------------------------------------------------------------
void TestGui::responsiveness()
{
    // Not a timed assertion: the figures go to docs/performance.md.
    MainWindow w(kCli);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QElapsedTimer loadTimer;
    loadTimer.start();
    QString why;
    QVERIFY2(load(w, m_big, &why), qPrintable(why));
    const qint64 loadMs = loadTimer.elapsed();
    QVERIFY(settle(w));
    const qint64 firstResultMs = loadTimer.elapsed();
    QCOMPARE(w.summary()->shape.batch, 128);
    QCOMPARE(w.summary()->shape.time, 500);
    QCOMPARE(w.summary()->shape.nHid, 512);

    LambdaState s = w.state();
    s.values[index(Term::Mse)] = 1.0;
    s.enabled[index(Term::Mse)] = true;
    s.values[index(Term::Fr)] = 1e-3;
    s.enabled[index(Term::Fr)] = true;
    w.applyState(s);
    QVERIFY(settle(w));
    QSlider* slider = panelRow<QSlider>(w, Term::Fr);
    QVERIFY(slider && slider->isEnabled());

    // Two figures per change: until the new numbers are in every view
    // (resultShown), and until the window has also been repainted with them
    // (a synchronous repaint of the whole window, charts included, on the
    // offscreen raster backend).
    QElapsedTimer t;
    qint64 shownNs = -1, paintedNs = -1;
    std::uint64_t target = 0;
    QObject ctx;
    connect(&w, &MainWindow::resultShown, &ctx, [&] {
        if (shownNs < 0 && w.lastResult()->sequence == target) {
            shownNs = t.nsecsElapsed();
            w.repaint();
            paintedNs = t.nsecsElapsed();
        }
    });
    std::vector<double> paintedMs;
    auto measure = [&](auto change, std::vector<double>& out) {
        QSignalSpy shown(&w, &MainWindow::resultShown);
        shownNs = paintedNs = -1;
        t.start();
        change();
        target = w.worker()->requestsSubmitted();
        while (shownNs < 0 && shown.wait(kResultTimeoutMs)) {
        }
        if (shownNs < 0)
            return false;
        out.push_back(shownNs / 1e6);
        paintedMs.push_back(paintedNs / 1e6);
        return true;
    };
    auto report = [](const char* what, std::vector<double> v) {
        std::sort(v.begin(), v.end());
        const double median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
        qInfo("%s: n=%zu median %.3f ms, max %.3f ms (min %.3f ms)", what, v.size(), median, v.back(),
              v.front());
    };

    std::vector<double> lambdaMs;
    int pos = slider->value();
    for (int i = 0; i < 200; ++i) {
        pos = 100 + (pos - 100 + 37) % 700;
        QVERIFY2(measure([&] { slider->setValue(pos); }, lambdaMs), "no result for a lambda change");
        verifyShownMatchesEngine(w);
        if (QTest::currentTestFailed())
            return;
    }
    std::vector<double> lambdaPaintedMs;
    lambdaPaintedMs.swap(paintedMs);
    std::vector<double> convMs;
    auto* combo = w.lambdaPanel()->findChild<QComboBox*>();
    QVERIFY(combo);
    for (int i = 0; i < 20; ++i)
        QVERIFY2(measure([&] { combo->setCurrentIndex(1 - combo->currentIndex()); }, convMs),
                 "no result for a convention change");
    verifyShownMatchesEngine(w);

    qInfo("synthetic recording B=128 T=500 N=512 (%lld MB): loaded in %lld ms, first result shown at %lld ms",
          QFileInfo(m_big).size() >> 20, loadMs, firstResultMs);
    report("lambda change -> resultShown (slider, one at a time)", lambdaMs);
    report("lambda change -> resultShown + window repainted", lambdaPaintedMs);
    report("convention change -> resultShown", convMs);
    report("convention change -> resultShown + window repainted", paintedMs);
}

QTEST_MAIN(TestGui)
#include "test_gui.moc"
