// Runs in the real MainWindow (issue 16), driven offscreen: File ▸ Open
// folder… on a sweep's folder (a folder per run, a `run` attribute that moves
// a checkpoint to another run, a summary file alone), the History's one line
// per run against step with every point the brute-force weighted value of its
// checkpoint under the panel's lambdas (bruteforce.h on the arrays read here
// with the HDF5 C API, rawh5.h), live under a lambda change; the Runs table's
// rows (checkpoints, training lambdas or "mixed", the last checkpoint's total),
// its sorting, and its selection narrowing the History to the runs selected.

#include "comparestatistics.h"
#include "compareview.h"
#include "fixtures/fixturedata.h"
#include "historyview.h"
#include "mainwindow.h"
#include "rawh5.h"
#include "runscontroller.h"
#include "runstable.h"
#include "setcontroller.h"
#include "setmetricsbinding.h"
#include "sweep.h"
#include "sweepview.h"

#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <limits>
#include <map>

using namespace rnnloss;

namespace {

const QString kFixtures = QStringLiteral(RNNLOSS_FIXTURE_DIR);
const QString kCli = QStringLiteral(RNNLOSS_CLI);
const QString kReader = QStringLiteral(RNNLOSS_READER);
constexpr int kTimeoutMs = 120000;

QString fixture(const QString& name)
{
    return QDir(kFixtures).filePath(name);
}

/// One checkpoint of the sweep: where it is, the file its data is that of
/// (for the brute force), its step and run as the test expects them.
struct Checkpoint
{
    QString path;
    QString data;
    double step;
    QString run;
};

/// λ·value summed over the terms with λ ≠ 0 (`only`: that term alone).
double weighted(const std::array<std::optional<double>, kTermCount>& v, const TermArray& l,
                int only = -1)
{
    double sum = 0.0;
    for (int t = 0; t < kTermCount; ++t)
        if (l[std::size_t(t)] != 0.0 && (only < 0 || only == t))
            sum += l[std::size_t(t)] * v[std::size_t(t)].value();
    return sum;
}

} // namespace

class TestRunsApp : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void historyDrawsOneLinePerRun();
    void runsTableRowsAndSorting();
    void selectingRunsNarrowsHistory();
    void historyRunsWithoutSteps();
    void compareAndSweepOnLastCheckpoints();

private:
    /// The expected points of each run's line (runs by name), under `l`.
    std::map<QString, QList<QPointF>> expected(const TermArray& l, int only = -1) const;
    bool openSweep(MainWindow& w);
    void useLambdas(MainWindow& w, double fr);

    QTemporaryDir m_dir;
    std::vector<Checkpoint> m_checkpoints;
};

void TestRunsApp::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString root = m_dir.path();
    for (const char* d : {"runA", "runB", "runD"})
        QVERIFY(QDir().mkpath(root + "/" + d));
    m_checkpoints = {
        {root + "/runA/h1.h5", fixture("history_1.h5"), 100, "runA"},
        {root + "/runA/h0.h5", fixture("history_0.h5"), 300, "runA"},
        {root + "/runB/h2.h5", fixture("history_2.h5"), 200, "runB"},
        {root + "/runB/h1c.h5", fixture("history_1.h5"), 250, "runC"},      // its attribute wins
        {root + "/runD/x.h5.rnnsum", fixture("history_0.h5"), 300, "runD"}, // a summary alone
    };
    for (const Checkpoint& c : m_checkpoints)
        QVERIFY(QFile::copy(c.data, c.path.endsWith(".rnnsum") ? c.path.chopped(7) : c.path));
    // A checkpoint trained with another lambda_fr: its run's λ_fr is "mixed".
    QVERIFY(rawh5::setAttribute(root + "/runA/h0.h5", "lambda_fr", {}, 0.123));
    QVERIFY(rawh5::setAttribute(root + "/runB/h1c.h5", "step", {}, 250.0));
    QVERIFY(rawh5::setAttribute(root + "/runB/h1c.h5", "run", "runC"));
    QProcess p;
    p.start(kCli, {"summarize", root + "/runD/x.h5"});
    QVERIFY(p.waitForFinished(kTimeoutMs) && p.exitCode() == 0);
    QVERIFY(QFile::remove(root + "/runD/x.h5"));
    QFile notes(root + "/runB/notes.txt");
    QVERIFY(notes.open(QIODevice::WriteOnly) && notes.write("not a recording\n") > 0);
}

std::map<QString, QList<QPointF>> TestRunsApp::expected(const TermArray& l, int only) const
{
    std::map<QString, QList<QPointF>> out;
    for (const Checkpoint& c : m_checkpoints) {
        const auto v = rawh5::termValues(c.data, {}, Convention::Nn4n);
        out[c.run] << QPointF(c.step, weighted(v, l, only));
    }
    for (auto& [run, pts] : out)
        std::sort(pts.begin(), pts.end(), [](QPointF a, QPointF b) { return a.x() < b.x(); });
    return out;
}

bool TestRunsApp::openSweep(MainWindow& w)
{
    QSignalSpy done(&w, &MainWindow::loadFinished);
    w.recordingSet()->openFolder(m_dir.path());
    if (!done.wait(kTimeoutMs))
        return false;
    return QTest::qWaitFor([&] { return w.recordingSet()->analysis()->complete(); }, kTimeoutMs);
}

void TestRunsApp::useLambdas(MainWindow& w, double fr)
{
    LambdaState s = w.state();
    s.convention = Convention::Nn4n;
    s.values = {};
    s.enabled.fill(true);
    s.values[index(Term::Mse)] = 1.0;
    s.values[index(Term::Hid)] = 0.2;
    s.values[index(Term::Fr)] = fr;
    s.values[index(Term::FrSd)] = 0.05;
    w.applyState(s);
}

static QString comparePoints(const QList<QPointF>& got, const QList<QPointF>& want)
{
    if (got.size() != want.size())
        return QStringLiteral("%1 points, expected %2").arg(got.size()).arg(want.size());
    for (int i = 0; i < got.size(); ++i)
        if (got[i].x() != want[i].x() || !rawh5::near(got[i].y(), want[i].y(), 1e-9))
            return QStringLiteral("point %1: (%2, %3), expected (%4, %5)")
                .arg(i)
                .arg(got[i].x())
                .arg(got[i].y(), 0, 'g', 17)
                .arg(want[i].x())
                .arg(want[i].y(), 0, 'g', 17);
    return {};
}

void TestRunsApp::historyDrawsOneLinePerRun()
{
    MainWindow w(kReader);
    QVERIFY(openSweep(w));
    useLambdas(w, 0.5);
    QTRY_VERIFY_WITH_TIMEOUT(w.recordingSet()->analysis()->complete(), kTimeoutMs);
    const auto& entries = w.recordings()->entries();
    QCOMPARE(int(entries.size()), 5);
    int fromSummary = 0;
    for (const RecordingEntry& e : entries)
        fromSummary += !e.files.summary.isEmpty();
    QVERIFY(fromSummary >= 1); // the lone summary, at least

    HistoryView* h = w.recordingSet()->historyView();
    QVERIFY(h->perRun());
    QVERIFY(!w.recordingSet()->runs()->dock()->isHidden()); // hidden until there were runs
    QCOMPARE(h->runLineCount(), 4);
    const QStringList runs{"runA", "runB", "runC", "runD"};
    auto check = [&](int only, const char* when) {
        const auto want = expected(w.state().effective(), only);
        for (int r = 0; r < 4; ++r) {
            const QString d = comparePoints(h->plottedRun(r), want.at(runs[r]));
            QVERIFY2(d.isEmpty(), qPrintable(QStringLiteral("%1, %2: %3").arg(when, runs[r], d)));
        }
    };
    check(-1, "the total");
    // The per-term lines are not drawn beside the runs'.
    QVERIFY(h->plottedTotal().isEmpty() && h->plotted(Term::Fr).isEmpty());
    h->setRunQuantity(index(Term::Fr));
    check(index(Term::Fr), "λ_fr · L_fr");
    // Live: a lambda change redraws the runs' lines from the terms already computed.
    const std::uint64_t jobs = w.recordingSet()->analysis()->jobsRun();
    useLambdas(w, 2.0);
    check(index(Term::Fr), "λ_fr · L_fr after a lambda change");
    QCOMPARE(w.recordingSet()->analysis()->jobsRun(), jobs);
    h->setRunQuantity(kTermCount);
    check(-1, "the total after a lambda change");
}

void TestRunsApp::runsTableRowsAndSorting()
{
    MainWindow w(kReader);
    QVERIFY(openSweep(w));
    useLambdas(w, 0.5);
    RunsTable* t = w.recordingSet()->runs()->table();
    QCOMPARE(t->rowCount(), 4);
    const auto want = expected(w.state().effective());
    const std::map<QString, int> count{{"runA", 2}, {"runB", 1}, {"runC", 1}, {"runD", 1}};
    const int fr = RunsTable::kFirstLambdaColumn + index(Term::Fr);
    const int hid = RunsTable::kFirstLambdaColumn + index(Term::Hid);
    for (int r = 0; r < 4; ++r) {
        const QString run = t->item(r, RunsTable::kRunColumn)->text();
        QCOMPARE(t->item(r, RunsTable::kCheckpointsColumn)->text().toInt(), count.at(run));
        // The fixtures' training lambdas (fixturedata.h), but runA's two λ_fr differ.
        if (run == "runA")
            QCOMPARE(t->item(r, fr)->text(), QStringLiteral("mixed"));
        else
            QCOMPARE(t->sortKey(r, fr), fx::kLambdas[std::size_t(index(Term::Fr))]);
        QCOMPARE(t->sortKey(r, hid), fx::kLambdas[std::size_t(index(Term::Hid))]);
        // The last checkpoint's total under the panel's lambdas.
        QVERIFY2(rawh5::near(t->sortKey(r, RunsTable::kTotalColumn), want.at(run).back().y(), 1e-9),
                 qPrintable(run));
        QVERIFY(rawh5::near(
            t->sortKey(r, RunsTable::kFirstTermColumn + index(Term::Fr)),
            0.5 * rawh5::termValues(run == "runA" || run == "runD" ? fixture("history_0.h5")
                                    : run == "runB"                ? fixture("history_2.h5")
                                                                   : fixture("history_1.h5"),
                                    {}, Convention::Nn4n)[std::size_t(index(Term::Fr))]
                      .value(),
            1e-9));
    }
    // Sorted by the total, largest first; again after a lambda change.
    for (double l : {0.5, 40.0}) {
        useLambdas(w, l);
        t->sortItems(RunsTable::kTotalColumn, Qt::DescendingOrder);
        for (int r = 1; r < 4; ++r)
            QVERIFY(t->sortKey(r - 1, RunsTable::kTotalColumn) >=
                    t->sortKey(r, RunsTable::kTotalColumn));
        const auto now = expected(w.state().effective());
        for (int r = 0; r < 4; ++r)
            QVERIFY(rawh5::near(t->sortKey(r, RunsTable::kTotalColumn),
                                now.at(t->item(r, RunsTable::kRunColumn)->text()).back().y(),
                                1e-9));
    }
    // By checkpoints, fewest first; by name as a person would.
    t->sortItems(RunsTable::kCheckpointsColumn, Qt::AscendingOrder);
    QCOMPARE(t->item(3, RunsTable::kRunColumn)->text(), QStringLiteral("runA"));
}

void TestRunsApp::selectingRunsNarrowsHistory()
{
    MainWindow w(kReader);
    QVERIFY(openSweep(w));
    useLambdas(w, 0.5);
    RunsTable* t = w.recordingSet()->runs()->table();
    HistoryView* h = w.recordingSet()->historyView();
    const auto want = expected(w.state().effective());
    t->selectRuns({"runA", "runC"});
    QCOMPARE(int(w.recordingSet()->shownRecordings().size()), 3);
    QCOMPARE(h->runLineCount(), 2);
    QVERIFY(comparePoints(h->plottedRun(0), want.at("runA")).isEmpty());
    QVERIFY(comparePoints(h->plottedRun(1), want.at("runC")).isEmpty());
    // Compare, shown, has the same three: runA's checkpoints and runC's.
    w.show();
    w.tabs()->setCurrentWidget(w.recordingSet()->compareView());
    QTRY_COMPARE(int(w.recordingSet()->compareView()->rateSummaries().size()), 3);
    // One run: the History as before, its terms and total per checkpoint.
    t->selectRuns({"runB"});
    QVERIFY(!h->perRun());
    QCOMPARE(h->runLineCount(), 0);
    QVERIFY(comparePoints(h->plottedTotal(), want.at("runB")).isEmpty());
    // Clicking its point makes that recording the active one.
    QSignalSpy active(w.recordings(), &RecordingSet::activeChanged);
    emit h->recordingClicked(0);
    QCOMPARE(w.recordings()->active()->files.recording, m_checkpoints[2].path);
    // None selected: every run again.
    t->selectRuns({});
    QCOMPARE(int(w.recordingSet()->shownRecordings().size()), 5);
    QCOMPARE(h->runLineCount(), 4);
}

// The History alone, fed hand-made terms: two runs of recordings without a
// step are placed at their order in their run (1, 2, ...), each point λ·value
// by hand; hovering names the run, clicking a run's point picks its recording;
// one run draws the terms as before.
void TestRunsApp::historyRunsWithoutSteps()
{
    HistoryView v;
    v.resize(640, 420);
    std::vector<std::optional<TermValues>> values;
    for (double m : {1.0, 3.0, 2.0, 5.0}) {
        TermValues t;
        t.terms[std::size_t(index(Term::Mse))].available = true;
        t.terms[std::size_t(index(Term::Mse))].value = m;
        t.terms[std::size_t(index(Term::Fr))].available = true;
        t.terms[std::size_t(index(Term::Fr))].value = 10 * m;
        values.push_back(t);
    }
    v.setRecordings({"a1", "b1", "a2", "b2"}, {}, "recording", values);
    TermArray l{};
    l[index(Term::Mse)] = 2.0;
    l[index(Term::Fr)] = 0.1;
    v.setLambdas(l);
    v.setRuns({0, 1, 0, 1}, {"run a", "run b"});
    QCOMPARE(v.runLineCount(), 2);
    // total = 2 m + 0.1 * 10 m = 3 m
    QCOMPARE(v.plottedRun(0), (QList<QPointF>{{1, 3.0}, {2, 6.0}}));
    QCOMPARE(v.plottedRun(1), (QList<QPointF>{{1, 9.0}, {2, 15.0}}));
    v.setRunQuantity(index(Term::Mse));
    QCOMPARE(v.plottedRun(1), (QList<QPointF>{{1, 6.0}, {2, 10.0}}));
    QVERIFY2(v.hoverText(3).contains("run run b"), qPrintable(v.hoverText(3)));
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    for (int i : {3, 0, 2, 1}) {
        const auto pos = v.pointPosition(i);
        QVERIFY(pos.has_value());
        QCOMPARE(v.recordingAt(*pos), i);
    }
    // One run: no run lines, the terms per recording.
    v.setRuns({0, 0, 0, 0}, {"only"});
    QVERIFY(!v.perRun());
    QCOMPARE(v.plottedRun(0), QList<QPointF>{});
    QCOMPARE(v.plottedTotal().size(), 4);
}

// Compare and the λ sweep on the last checkpoint of each run (the Runs dock's
// box) against the recordings picked: which recordings they are given (by
// hand: runA's step 300, runB's 200, runC's 250 and runD's summary), Compare's
// weighted terms and total of each, and each one's swept total at every grid
// point, λ_fr·L_fr + Σ others λ·L, from the brute force of its data here.
void TestRunsApp::compareAndSweepOnLastCheckpoints()
{
    MainWindow w(kReader);
    QVERIFY(openSweep(w));
    useLambdas(w, 0.5);
    SetController* set = w.recordingSet();
    SweepView* sweep = set->sweepView();
    CompareView* compare = set->compareView();
    const auto& entries = w.recordings()->entries();
    auto filesOf = [&](const std::vector<int>& idx) {
        QStringList out;
        for (int i : idx)
            out << entries[std::size_t(i)].files.recording;
        return out;
    };
    // The recordings picked (the default): Compare has every one, the sweep the active one.
    QCOMPARE(set->scope(), SetController::Scope::Picked);
    QCOMPARE(int(set->compareRecordings().size()), 5);
    QCOMPARE(sweep->recordingCount(), 1);

    // The last checkpoint of each run, chosen as the user does.
    set->runs()->scopeBox()->setCurrentIndex(1);
    QCOMPARE(set->scope(), SetController::Scope::LastCheckpoints);
    const QStringList last{m_checkpoints[1].path, m_checkpoints[2].path, m_checkpoints[3].path,
                           m_checkpoints[4].path};
    QCOMPARE(filesOf(set->compareRecordings()), last);
    QCOMPARE(set->compareLabels(), (QStringList{"runA · step 300", "runB · step 200",
                                                "runC · step 250", "runD · step 300"}));
    const QStringList data{m_checkpoints[1].data, m_checkpoints[2].data, m_checkpoints[3].data,
                           m_checkpoints[4].data};
    w.show();
    w.tabs()->setCurrentWidget(compare);
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QCOMPARE(compare->legendTable()->rowCount(), 4);
    const TermArray l = w.state().effective();
    for (int r = 0; r < 4; ++r) {
        QCOMPARE(compare->legendTable()->item(r, 0)->text(), set->compareLabels()[r]);
        const auto v = rawh5::termValues(data[r], {}, Convention::Nn4n);
        const QList<double> bars = compare->bars(r);
        QCOMPARE(bars.size(), kTermCount + 1);
        for (int t = 0; t < kTermCount; ++t)
            QVERIFY2(rawh5::near(bars[t], weighted(v, l, t), 1e-9),
                     qPrintable(QStringLiteral("run %1, term %2").arg(r).arg(t)));
        QVERIFY(rawh5::near(bars[kTermCount], weighted(v, l), 1e-9));
    }

    // Another statistic (each neuron's max rate) is computed for the same
    // four: every one's distribution has all its neurons, on bins that span
    // the max rates of the four checkpoints' data read here.
    QSignalSpy ready(w.setMetrics()->compareStatistics(), &CompareStatistics::ready);
    compare->setStatistic(int(NeuronMeasure::Max));
    QVERIFY(ready.wait(kTimeoutMs));
    double lowest = std::numeric_limits<double>::infinity(), highest = -lowest;
    for (const QString& file : data) {
        const auto r = rawh5::read(file);
        for (long n = 0; n < r.shape.nHid; ++n) {
            double most = -std::numeric_limits<double>::infinity();
            for (long b = 0; b < r.shape.batch; ++b)
                for (long t = 0; t < r.shape.time; ++t)
                    most = std::max(most, bruteforce::at(r.states, r.shape, b, t, n, r.shape.nHid));
            lowest = std::min(lowest, most);
            highest = std::max(highest, most);
        }
    }
    const auto& edges = compare->binEdges();
    QVERIFY(!edges.empty());
    QVERIFY2(edges.front() <= lowest + 1e-12 && edges.back() >= highest - 1e-12,
             qPrintable(QStringLiteral("bins %1..%2, max rates %3..%4")
                            .arg(edges.front())
                            .arg(edges.back())
                            .arg(lowest)
                            .arg(highest)));
    for (int r = 0; r < 4; ++r) {
        double sum = 0.0;
        for (double f : compare->binFractions(r))
            sum += f;
        QVERIFY2(rawh5::near(sum, 1.0, 1e-12), qPrintable(QString::number(sum)));
    }
    compare->setStatistic(0);

    // The sweep: one total per run's last checkpoint, each λ_fr·L_fr + the others.
    w.tabs()->setCurrentWidget(sweep);
    QCOMPARE(sweep->recordingCount(), 4);
    auto checkSweep = [&](int r, const SweepResult& got, const QString& file) {
        const auto v = rawh5::termValues(file, {}, Convention::Nn4n);
        const double others = weighted(v, l) - weighted(v, l, index(Term::Fr));
        if (got.points.size() != 91)
            return QStringLiteral("%1 points").arg(got.points.size());
        for (const SweepPoint& p : got.points) {
            const double want = p.lambda * v[std::size_t(index(Term::Fr))].value() + others;
            if (!rawh5::near(p.total, want, 1e-9))
                return QStringLiteral("run %1 at λ %2: %3, expected %4")
                    .arg(r)
                    .arg(p.lambda)
                    .arg(p.total, 0, 'g', 17)
                    .arg(want, 0, 'g', 17);
        }
        return QString();
    };
    for (int r = 0; r < 4; ++r) {
        QCOMPARE(sweep->recordingName(r), set->compareLabels()[r]);
        const QString d = checkSweep(r, sweep->sweep(r), data[r]);
        QVERIFY2(d.isEmpty(), qPrintable(d));
        QCOMPARE(sweep->totalPoints(r).size(), 91);
    }
    // Live: a lambda change sweeps them again.
    useLambdas(w, 2.0);
    const TermArray l2 = w.state().effective();
    QCOMPARE(l2[std::size_t(index(Term::Fr))], 2.0);
    for (int r = 0; r < 4; ++r) {
        const auto v = rawh5::termValues(data[r], {}, Convention::Nn4n);
        const double at = sweep->sweep(r).points.back().lambda;
        QVERIFY(rawh5::near(sweep->sweep(r).points.back().total,
                            at * v[std::size_t(index(Term::Fr))].value() + weighted(v, l2) -
                                weighted(v, l2, index(Term::Fr)),
                            1e-9));
    }
    useLambdas(w, 0.5);

    // Runs selected: their last checkpoints alone; one run: its last, swept alone.
    set->runs()->table()->selectRuns({"runA", "runC"});
    QCOMPARE(filesOf(set->compareRecordings()), (QStringList{last[0], last[2]}));
    QCOMPARE(sweep->recordingCount(), 2);
    set->runs()->table()->selectRuns({"runA"});
    QCOMPARE(filesOf(set->compareRecordings()), QStringList{last[0]});
    QCOMPARE(sweep->recordingCount(), 1);
    const QString d = checkSweep(0, sweep->sweep(), data[0]);
    QVERIFY2(d.isEmpty(), qPrintable(d));

    // The recordings picked again: the run's two checkpoints; the sweep the active one.
    set->runs()->scopeBox()->setCurrentIndex(0);
    QCOMPARE(filesOf(set->compareRecordings()),
             (QStringList{m_checkpoints[0].path, m_checkpoints[1].path}));
    QCOMPARE(sweep->recordingCount(), 1);
    const RecordingEntry* active = w.recordings()->active();
    QVERIFY(active);
    QString activeData;
    for (const Checkpoint& c : m_checkpoints)
        if (c.path == active->files.recording)
            activeData = c.data;
    const QString da = checkSweep(0, sweep->sweep(), activeData);
    QVERIFY2(da.isEmpty(), qPrintable(da));
}

QTEST_MAIN(TestRunsApp)
#include "test_runsapp.moc"
