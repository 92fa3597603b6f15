// Issue 19 over a set of recordings: Compare's distributions of any per-neuron
// statistic on shared bins, the set's population measures (History's metric
// mode, the runs scatter) and the runs scatter's Pareto front and clicks.
// Every number is held to a brute force over the arrays the stats_*.h5
// fixtures were written from (statsref.h); the front to an O(n^2) dominance
// check written here.

#include "chartlegend.h"
#include "comparestatistics.h"
#include "compareview.h"
#include "historyview.h"
#include "mainwindow.h"
#include "populationsource.h"
#include "populationview.h"
#include "rawh5.h"
#include "reader.h"
#include "reducer.h"
#include "runsscatterview.h"
#include "setmetricsbinding.h"
#include "setpopulation.h"
#include "statsref.h"
#include "writer.h"

#include <QAction>
#include <QApplication>
#include <QFileInfo>
#include <QTableWidget>
#include <QLineEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>

#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>

using namespace rnnloss;

namespace {

const QString kTanh = QStringLiteral(RNNLOSS_FIXTURE_DIR "/stats_tanh.h5");
const QString kSigmoid = QStringLiteral(RNNLOSS_FIXTURE_DIR "/stats_sigmoid.h5");
const QString kRelu = QStringLiteral(RNNLOSS_FIXTURE_DIR "/stats_relu.h5");
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool near(double a, double b, double rel = 1e-9)
{
    return std::abs(a - b) <= rel * std::max({1.0, std::abs(a), std::abs(b)});
}

/// A recording with states (a fake source never looks at them).
Recording tinyRecording()
{
    Recording rec;
    rec.shape = {3, 2, 1, 2, 2};
    rec.states.assign(3 * 2 * 2, 0.25);
    return rec;
}

/// The brute-force arrays of a fixture, as stored.
statsref::Arrays arraysOf(const QString& file)
{
    if (file == kTanh)
        return statsref::arrays(32);
    if (file == kSigmoid)
        return statsref::arrays(64);
    return statsref::arrays(32, true, true);
}

/// Each neuron's population SD over every (trial, step) sample (two
/// passes), or its largest sample.
std::vector<double> statRef(const statsref::Arrays& a, bool sd)
{
    const Eigen::MatrixXd x = statsref::samples(a, statsref::whole());
    std::vector<double> out;
    for (int j = 0; j < x.cols(); ++j) {
        const double m = x.col(j).mean();
        out.push_back(sd ? std::sqrt((x.col(j).array() - m).square().mean()) : x.col(j).maxCoeff());
    }
    return out;
}

/// numpy's argmax of the window sums of trial b (the first of the largest).
int argmaxRef(const statsref::Arrays& a, int b, int t0, int t1, bool target)
{
    std::vector<double> sum(sfx::NOUT, 0.0);
    for (int t = t0; t < t1; ++t)
        for (int k = 0; k < sfx::NOUT; ++k)
            sum[k] += target ? a.y(b, t, k) : a.o(b, t, k);
    return int(std::max_element(sum.begin(), sum.end()) - sum.begin());
}

/// The share of trials whose output's largest unit over the default response
/// window (the steps where any target is not zero) is the target's.
std::optional<double> accuracyRef(const statsref::Arrays& a)
{
    int first = -1, last = -1;
    for (int b = 0; b < sfx::B; ++b)
        for (int t = 0; t < sfx::T; ++t)
            for (int k = 0; k < sfx::NOUT; ++k)
                if (a.y(b, t, k) != 0.0) {
                    first = first < 0 ? t : std::min(first, t);
                    last = std::max(last, t);
                }
    if (first < 0)
        return std::nullopt;
    int correct = 0;
    for (int b = 0; b < sfx::B; ++b)
        correct +=
            argmaxRef(a, b, first, last + 1, false) == argmaxRef(a, b, first, last + 1, true);
    return double(correct) / sfx::B;
}

/// Points no other point dominates, by the definition: q dominates p when it
/// is at least as good on both axes and better on one.
std::set<std::size_t> frontRef(const std::vector<double>& x, const std::vector<double>& y, Goal gx,
                               Goal gy)
{
    auto better = [](double a, double b, Goal g) { return g == Goal::Minimise ? a < b : a > b; };
    std::set<std::size_t> out;
    for (std::size_t p = 0; p < x.size(); ++p) {
        if (!std::isfinite(x[p]) || !std::isfinite(y[p]))
            continue;
        bool dominated = false;
        for (std::size_t q = 0; q < x.size() && !dominated; ++q) {
            if (q == p || !std::isfinite(x[q]) || !std::isfinite(y[q]))
                continue;
            const bool noWorse = !better(x[p], x[q], gx) && !better(y[p], y[q], gy);
            dominated = noWorse && (better(x[q], x[p], gx) || better(y[q], y[p], gy));
        }
        if (!dominated)
            out.insert(p);
    }
    return out;
}

/// Loads `files` into the window's set and waits for their terms.
bool loadSet(MainWindow& w, const QStringList& files)
{
    QSignalSpy loaded(&w, &MainWindow::loadFinished);
    w.addRecordings(files);
    if (!loaded.wait(60000))
        return false;
    return QTest::qWaitFor(
        [&] {
            return int(w.recordings()->entries().size()) == int(files.size()) &&
                   w.recordingSet()->analysis()->complete();
        },
        60000);
}

int entryOf(const MainWindow& w, const QString& file)
{
    const auto& e = w.recordings()->entries();
    for (int i = 0; i < int(e.size()); ++i)
        if (e[std::size_t(i)].files.recording == file)
            return i;
    return -1;
}

/// A checkpoint of the hand-made runs: neuron n's rate at (trial b, step t)
/// is level[n] * (1 + t + b) / 5 (largest, level[n], at b = 1, t = 3); trial
/// b's target is unit b at every step, and its output favours unit early[b]
/// by 0.2 in steps 0-1 and unit late[b] by 1.0 in steps 2-3.
struct Checkpoint
{
    QString run;
    double step;
    std::array<double, 4> level;
    std::array<int, 2> early, late;
};

constexpr int kB = 2, kT = 4, kN = 4, kOut = 2;

const std::vector<Checkpoint>& handRuns()
{
    static const std::vector<Checkpoint> runs = {
        {"runA", 100, {0, 0, 0.05, 0.5}, {1, 0}, {0, 1}},
        {"runA", 200, {0, 0.05, 0.5, 0.5}, {0, 0}, {0, 1}},
        {"runB", 100, {0, 0, 0, 0.5}, {1, 1}, {1, 0}},
        {"runB", 200, {0.05, 0.05, 0.5, 0.5}, {0, 1}, {0, 0}},
        {"runB", 300, {0, 0.5, 0.5, 0.5}, {1, 0}, {0, 1}},
        {"runC", 50, {0.05, 0, 0, 0.5}, {0, 1}, {1, 1}},
        {"runC", 250, {0.5, 0.5, 0.05, 0}, {0, 0}, {0, 1}},
    };
    return runs;
}

double handRate(const Checkpoint& c, int b, int t, int n)
{
    return c.level[std::size_t(n)] * (1.0 + t + b) / 5.0;
}

Recording handRecording(const Checkpoint& c)
{
    Recording rec;
    rec.shape = {kB, kT, 1, kN, kOut};
    std::mt19937 rng(int(c.step));
    std::normal_distribution<double> g(0.0, 0.3);
    for (int b = 0; b < kB; ++b)
        for (int t = 0; t < kT; ++t) {
            for (int n = 0; n < kN; ++n)
                rec.states.push_back(handRate(c, b, t, n));
            const int favoured = t < 2 ? c.early[std::size_t(b)] : c.late[std::size_t(b)];
            for (int k = 0; k < kOut; ++k) {
                rec.outputs.push_back(k == favoured ? (t < 2 ? 0.2 : 1.0) : 0.0);
                rec.targets.push_back(k == b ? 1.0 : 0.0);
            }
            rec.inputs.push_back(1.0);
        }
    for (int i = 0; i < kN; ++i)
        rec.wIn.push_back(g(rng));
    for (int i = 0; i < kN * kN; ++i)
        rec.wHid.push_back(g(rng));
    for (int i = 0; i < kOut * kN; ++i)
        rec.wOut.push_back(g(rng));
    return rec;
}

/// Where writeHandRuns() puts checkpoint `c`: DIR/runX/stepS.h5.
QString handRunFile(const QString& dir, const Checkpoint& c)
{
    return QDir(dir).filePath(QString("%1/step%2.h5").arg(c.run).arg(c.step));
}

/// Writes the runs as DIR/runX/stepS.h5 (float64, the step as the root attribute).
QStringList writeHandRuns(const QString& dir)
{
    QStringList files;
    for (const Checkpoint& c : handRuns()) {
        QDir(dir).mkpath(c.run);
        const QString f = handRunFile(dir, c);
        io::WriteOptions o;
        o.doublePrecision = true;
        o.step = c.step;
        if (io::writeRecording(f.toStdString(), handRecording(c), o) != "")
            return {};
        files << f;
    }
    return files;
}

/// Writes the hand runs into `dir`, opens them as one set in `w` and shows its
/// History; null when a file could not be written or the set not loaded.
HistoryView* openHandRunsInHistory(MainWindow& w, const QString& dir)
{
    const QStringList files = writeHandRuns(dir);
    if (files.size() != int(handRuns().size()))
        return nullptr;
    w.show();
    if (!loadSet(w, files))
        return nullptr;
    HistoryView* h = w.recordingSet()->historyView();
    w.tabs()->setCurrentWidget(h);
    return h;
}

/// By hand: the share of `neurons` whose rates stay within the threshold
/// (their largest is their level: rates are not negative).
double silentByHand(const Checkpoint& c, double threshold, const std::vector<int>& neurons)
{
    int silent = 0;
    for (int n : neurons)
        silent += c.level[std::size_t(n)] <= threshold;
    return double(silent) / double(neurons.size());
}

/// By hand: the share of trials whose output's largest unit summed over steps
/// [t0, t1) is the target's (unit b): the late unit when the window holds a
/// late step, step 2 or later (1.0 beats 2 x 0.2), else the early one.
double accuracyByHand(const Checkpoint& c, int t0, int t1)
{
    const bool holdsLate = t1 > 2 && t0 < t1;
    int correct = 0;
    for (int b = 0; b < kB; ++b)
        correct += (holdsLate ? c.late : c.early)[std::size_t(b)] == b;
    return double(correct) / kB;
}

/// Whether History draws one line per run, named after it, whose points are
/// (step, want(checkpoint)) of its checkpoints in step order; else why not.
QString runLinesDiffer(const HistoryView& h, const std::function<double(const Checkpoint&)>& want)
{
    std::map<QString, QList<QPointF>> expected;
    for (const Checkpoint& c : handRuns())
        expected[c.run] << QPointF(c.step, want(c));
    for (auto& [run, pts] : expected)
        std::sort(pts.begin(), pts.end(), [](auto a, auto b) { return a.x() < b.x(); });
    if (h.runLineCount() != int(expected.size()))
        return QString("%1 run lines").arg(h.runLineCount());
    for (int r = 0; r < h.runLineCount(); ++r) {
        const auto it = expected.find(h.runLineName(r));
        if (it == expected.end())
            return "a line named " + h.runLineName(r);
        const QList<QPointF> got = h.plottedRun(r);
        if (got.size() != it->second.size())
            return QString("%1: %2 points").arg(it->first).arg(got.size());
        for (int k = 0; k < got.size(); ++k)
            if (got[k].x() != it->second[k].x() || !near(got[k].y(), it->second[k].y(), 1e-9))
                return QString("%1: (%2, %3) instead of (%4, %5)")
                    .arg(it->first)
                    .arg(got[k].x())
                    .arg(got[k].y())
                    .arg(it->second[k].x())
                    .arg(it->second[k].y());
    }
    return {};
}

/// Chooses `metric` in History's context menu.
bool chooseMetric(HistoryView* h, const QString& metric)
{
    for (QAction* a : h->actions())
        if (a->isCheckable() && a->data().toString() == metric) {
            a->trigger();
            return h->metric() == metric;
        }
    return false;
}

/// A tiny recording of Compare's selection test: rate(b, t, n) =
/// 0.05 + 0.5 |sin(phase + 1.3 b + 0.7 t + 2.1 n)|; trial labels when given.
struct Tiny
{
    QString file;
    int b, t, n;
    double phase;
    std::vector<std::string> labels;
    bool gzip = false; ///< chunked and compressed: slices go through the reader process
};

double tinyRate(const Tiny& r, int b, int t, int n)
{
    return 0.05 + 0.5 * std::abs(std::sin(r.phase + 1.3 * b + 0.7 * t + 2.1 * n));
}

bool writeTiny(const Tiny& r)
{
    Recording rec;
    rec.shape = {r.b, r.t, 1, r.n, 1};
    for (int b = 0; b < r.b; ++b)
        for (int t = 0; t < r.t; ++t) {
            for (int n = 0; n < r.n; ++n)
                rec.states.push_back(tinyRate(r, b, t, n));
            rec.outputs.push_back(0.1 * t);
            rec.targets.push_back(t % 2);
            rec.inputs.push_back(1.0);
        }
    rec.wIn.assign(std::size_t(r.n), 0.1);
    rec.wHid.assign(std::size_t(r.n * r.n), 0.01);
    rec.wOut.assign(std::size_t(r.n), 0.2);
    io::WriteOptions o;
    o.doublePrecision = true;
    o.trialLabels = r.labels;
    if (r.gzip) {
        o.chunkTrials = 1;
        o.gzipLevel = 4;
    }
    return io::writeRecording(r.file.toStdString(), rec, o).empty();
}

/// By brute force: each of `neurons`' statistic over the samples of
/// `trials` x `steps`: 0 the mean, 1 the population SD, 4 the largest.
std::vector<double> tinyStat(const Tiny& r, int statistic, const std::vector<int>& trials,
                             const std::vector<int>& steps, const std::vector<int>& neurons)
{
    std::vector<double> out;
    for (int n : neurons) {
        std::vector<double> x;
        for (int b : trials)
            for (int t : steps)
                x.push_back(tinyRate(r, b, t, n));
        double m = 0.0, q = 0.0, top = -1e300;
        for (double v : x) {
            m += v / double(x.size());
            top = std::max(top, v);
        }
        for (double v : x)
            q += (v - m) * (v - m) / double(x.size());
        out.push_back(statistic == 0 ? m : statistic == 1 ? std::sqrt(q) : top);
    }
    return out;
}

std::vector<int> upTo(int n)
{
    std::vector<int> out(static_cast<std::size_t>(n), 0);
    std::iota(out.begin(), out.end(), 0);
    return out;
}

/// The trials of `r` labelled `label`.
std::vector<int> trialsLabelled(const Tiny& r, const std::string& label)
{
    std::vector<int> out;
    for (int b = 0; b < r.b; ++b)
        if (r.labels[std::size_t(b)] == label)
            out.push_back(b);
    return out;
}

/// Empty when Compare's shared bins and each recording's counts (the view's
/// and its CSV export's) are those of `want` (per recording of the view;
/// empty: not drawn); else what differs.
QString compareBinsDiffer(const CompareView& v, const std::vector<std::vector<double>>& want)
{
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& w : want)
        for (double x : w) {
            lo = std::min(lo, x);
            hi = std::max(hi, x);
        }
    const int bins = CompareView::kBins;
    const auto& edges = v.binEdges();
    if (int(edges.size()) != bins + 1)
        return QString("%1 edges").arg(edges.size());
    for (int k = 0; k <= bins; ++k)
        if (!near(edges[std::size_t(k)], lo + (hi - lo) * k / bins, 1e-9))
            return QString("edge %1: %2 instead of %3")
                .arg(k)
                .arg(edges[std::size_t(k)])
                .arg(lo + (hi - lo) * k / bins);
    const QStringList rows =
        QString::fromStdString(v.distributionCsv()).split('\n', Qt::SkipEmptyParts);
    for (std::size_t i = 0; i < want.size(); ++i) {
        std::vector<int> counts(bins, 0);
        for (double x : want[i])
            ++counts[std::size_t(std::min(bins - 1, int(std::floor((x - lo) / (hi - lo) * bins))))];
        const QList<double> fr = v.binFractions(int(i));
        if (want[i].empty() != fr.isEmpty())
            return QString("recording %1: %2 fractions").arg(i).arg(fr.size());
        for (int k = 0; k < fr.size(); ++k) {
            const double csvCount = rows.value(k + 1).split(',').value(2 + 2 * int(i)).toDouble();
            if (!near(fr[k], double(counts[std::size_t(k)]) / double(want[i].size()), 1e-12) ||
                csvCount != counts[std::size_t(k)])
                return QString("recording %1 bin %2: %3 (CSV count %4) instead of %5 of %6")
                    .arg(i)
                    .arg(k)
                    .arg(fr[k])
                    .arg(csvCount)
                    .arg(counts[std::size_t(k)])
                    .arg(want[i].size());
        }
    }
    return {};
}

/// Empty when CompareStatistics::compute gives, on the window's entries of
/// `recs` under neurons 0:2, steps 1:3 and trial label 'left', each neuron's
/// SD of the brute force, and the last recording (no trial labels) its reason.
QString selectedValuesDiffer(const MainWindow& w, const std::vector<Tiny>& recs)
{
    std::vector<CompareStatistics::Input> in;
    for (const Tiny& r : recs) {
        const RecordingEntry& e = w.recordings()->entries()[std::size_t(entryOf(w, r.file))];
        in.push_back({QFileInfo(r.file).fileName(), e, {}});
    }
    CompareStatistics::Query q{1, kDefaultConvention, {}, {}, {}, QStringLiteral(RNNLOSS_READER)};
    q.selection = {{}, "1:3", "0:2", std::string("left"), std::nullopt};
    const auto out = CompareStatistics::compute(in, q);
    if (out.values.size() != recs.size())
        return QString("%1 recordings").arg(out.values.size());
    for (std::size_t i = 0; i + 1 < recs.size(); ++i) {
        const auto ref = tinyStat(recs[i], 1, trialsLabelled(recs[i], "left"), {1, 2}, {0, 1});
        if (out.values[i].size() != ref.size() || !out.reasons[int(i)].isEmpty())
            return QString("%1: %2 values (%3)")
                .arg(i)
                .arg(out.values[i].size())
                .arg(out.reasons[int(i)]);
        for (std::size_t n = 0; n < ref.size(); ++n)
            if (!near(out.values[i][n], ref[n], 1e-12))
                return QString("%1 neuron %2: %3 vs %4")
                    .arg(i)
                    .arg(n)
                    .arg(out.values[i][n])
                    .arg(ref[n]);
    }
    if (!out.values.back().empty() || !out.reasons.back().startsWith("the selection does not fit"))
        return "the last: " + out.reasons.back();
    if (!out.note.startsWith(QFileInfo(recs.back().file).fileName() +
                             ": the selection does not fit"))
        return "the note: " + out.note;
    return {};
}

} // namespace

class TestSetMetrics : public QObject
{
    Q_OBJECT
private slots:
    void compareSharedBins_data();
    void compareSharedBins();
    void compareDPrime();
    void setPopulationAgainstBruteForce();
    void setPopulationOnlyWhileWanted();
    void historyPlotsAMetric();
    void paretoFrontAgainstBruteForce_data();
    void paretoFrontAgainstBruteForce();
    void clickActivatesRecording();
    void scatterHasOnePointPerRun();
    void historyMetricOneLinePerRun();
    void metricsFollowPopulationSettings();
    void compareFollowsSelection();
    void compareSummaryOnly();
};

// Compare in the window: SD over time of two recordings on one set of bins
// spanning both, counts per bin, against edges and counts computed here from
// the fixtures' arrays.
void TestSetMetrics::compareSharedBins_data()
{
    QTest::addColumn<int>("statistic");
    QTest::newRow("SD over time") << 1;
    QTest::newRow("max") << 4; // relu's and tanh's span different ranges
}

void TestSetMetrics::compareSharedBins()
{
    QFETCH(int, statistic);
    MainWindow w(QStringLiteral(RNNLOSS_READER));
    w.show();
    QVERIFY(loadSet(w, {kTanh, kRelu}));
    CompareView* v = w.recordingSet()->compareView();
    w.tabs()->setCurrentWidget(v);
    QSignalSpy ready(w.setMetrics()->compareStatistics(), &CompareStatistics::ready);
    v->setStatistic(statistic);
    QVERIFY(ready.wait(30000));

    std::vector<std::vector<double>> ref(2);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const QString& f : {kTanh, kRelu}) {
        const int i = entryOf(w, f);
        QVERIFY(i >= 0);
        ref[std::size_t(i)] = statRef(arraysOf(f), statistic == 1);
        for (double s : ref[std::size_t(i)]) {
            lo = std::min(lo, s);
            hi = std::max(hi, s);
        }
    }
    const int bins = CompareView::kBins;
    const auto& edges = v->binEdges();
    QCOMPARE(int(edges.size()), bins + 1);
    for (int k = 0; k <= bins; ++k)
        QVERIFY2(near(edges[std::size_t(k)], lo + (hi - lo) * k / bins, 1e-9),
                 qPrintable(QString("edge %1: %2 vs %3")
                                .arg(k)
                                .arg(edges[std::size_t(k)])
                                .arg(lo + (hi - lo) * k / bins)));
    for (int i = 0; i < 2; ++i) {
        std::vector<int> counts(bins, 0);
        for (double s : ref[std::size_t(i)])
            ++counts[std::size_t(std::min(bins - 1, int(std::floor((s - lo) / (hi - lo) * bins))))];
        const QList<double> fr = v->binFractions(i);
        for (int k = 0; k < bins; ++k)
            QVERIFY2(near(fr[k], double(counts[std::size_t(k)]) / sfx::N, 1e-12),
                     qPrintable(QString("recording %1 bin %2: %3 vs %4")
                                    .arg(i)
                                    .arg(k)
                                    .arg(fr[k])
                                    .arg(counts[std::size_t(k)])));
    }
    // Drawn: one line per recording, in its own colour, stepping through the shared edges.
    const auto series = v->distributionView()->chart()->series();
    QCOMPARE(series.size(), 2);
    QVERIFY(v->colorOf(0) != v->colorOf(1));
    for (int i = 0; i < 2; ++i) {
        auto* line = static_cast<QLineSeries*>(series[i]);
        QCOMPARE(line->pen().color(), v->colorOf(i));
        QCOMPARE(line->points().front().x(), edges.front());
        QCOMPARE(line->points().back().x(), edges.back());
    }
    QVERIFY(v->distributionView()->chart()->title().contains(QTest::currentDataTag()));
    // The CSV export holds the same edges and counts.
    const QStringList rows =
        QString::fromStdString(v->distributionCsv()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), bins + 1);
    QVERIFY(near(rows[1].split(',')[1].toDouble(), edges[1], 1e-15));
}

// d' between 'left' and 'right' over the trials' time-mean rates, per neuron,
// against the formula on the arrays.
void TestSetMetrics::compareDPrime()
{
    io::ReadRequest req;
    req.recording = kTanh.toStdString();
    const io::ReadResult r = io::readRecording(req);
    QVERIFY2(r.summary, r.error.c_str());
    const auto s = std::make_shared<const Summary>(*r.summary);
    RecordingEntry e;
    e.files.recording = kTanh;
    e.summary = s;
    const std::vector<CompareStatistics::Input> in{{"tanh", e, {}}};
    CompareStatistics::Query q{CompareStatistics::kDPrime, kDefaultConvention, "left", "right"};
    const auto out = CompareStatistics::compute(in, q);
    QCOMPARE(out.values.size(), std::size_t(1));
    const statsref::Arrays a = arraysOf(kTanh);
    for (int n = 0; n < sfx::N; ++n) {
        std::vector<double> l, rr;
        for (int b = 0; b < sfx::B; ++b) {
            double m = 0.0;
            for (int t = 0; t < sfx::T; ++t)
                m += a.s(b, t, n) / sfx::T;
            (a.labels[b] == "left" ? l : rr).push_back(m);
        }
        auto ms = [](const std::vector<double>& v) {
            double m = 0.0, q = 0.0;
            for (double x : v)
                m += x / v.size();
            for (double x : v)
                q += (x - m) * (x - m) / (v.size() - 1);
            return std::pair(m, q);
        };
        const auto [ma, va] = ms(l);
        const auto [mb, vb] = ms(rr);
        const double want = va + vb > 0 ? (ma - mb) / std::sqrt((va + vb) / 2) : kNaN;
        const double got = out.values[0][std::size_t(n)];
        if (std::isnan(want))
            QVERIFY2(std::isnan(got), qPrintable(QString("neuron %1: %2").arg(n).arg(got)));
        else
            QVERIFY2(near(got, want, 1e-6),
                     qPrintable(QString("neuron %1: %2 vs %3").arg(n).arg(got).arg(want)));
    }
    // A recording without the labels says so, by name.
    q.labelB = "up";
    const auto none = CompareStatistics::compute(in, q);
    QVERIFY2(none.note.startsWith("tanh: "), qPrintable(none.note));
}

// The set's population measures through the reader process, for three
// recordings (tanh, sigmoid, relu), against the brute force of statsref.h.
void TestSetMetrics::setPopulationAgainstBruteForce()
{
    const PopulationSource source = readerPopulationSource(QStringLiteral(RNNLOSS_READER));
    for (const QString& f : {kTanh, kSigmoid, kRelu}) {
        io::ReadRequest req;
        req.recording = f.toStdString();
        const io::ReadResult r = io::readRecording(req);
        QVERIFY2(r.summary, r.error.c_str());
        RecordingEntry e;
        e.files.recording = f;
        e.summary = std::make_shared<const Summary>(*r.summary);
        const RecordingMetrics m = SetPopulation::compute(e, source);
        const statsref::Arrays a = arraysOf(f);
        const Eigen::MatrixXd x = statsref::samples(a, statsref::whole());
        const QByteArray what = f.toUtf8();
        QVERIFY2(m[SetMetric::SilentFraction], what);
        QVERIFY(near(*m[SetMetric::SilentFraction], statsref::silentRef(x, kSilentThreshold)));
        if (f == kRelu) {
            QVERIFY(!m[SetMetric::SaturatedFraction]);
            QVERIFY(!m.reasons[std::size_t(SetMetric::SaturatedFraction)].empty());
        } else {
            QVERIFY2(m[SetMetric::SaturatedFraction],
                     m.reasons[std::size_t(SetMetric::SaturatedFraction)].c_str());
            QVERIFY(near(*m[SetMetric::SaturatedFraction], statsref::saturatedRef(x, f == kTanh)));
        }
        QVERIFY2(m[SetMetric::ParticipationRatio],
                 m.reasons[std::size_t(SetMetric::ParticipationRatio)].c_str());
        QVERIFY(near(*m[SetMetric::ParticipationRatio], statsref::participationRef(x), 1e-8));
        QVERIFY(near(*m[SetMetric::MeanRate], x.mean(), 1e-12));
        const auto acc = accuracyRef(a);
        QCOMPARE(bool(m[SetMetric::Accuracy]), bool(acc));
        if (acc)
            QVERIFY2(near(*m[SetMetric::Accuracy], *acc, 1e-12),
                     qPrintable(QString("%1 vs %2").arg(*m[SetMetric::Accuracy]).arg(*acc)));
        else
            QVERIFY(!m.reasons[std::size_t(SetMetric::Accuracy)].empty());
    }
}

// Nothing runs until wanted; once wanted, every recording once, kept.
void TestSetMetrics::setPopulationOnlyWhileWanted()
{
    std::atomic<int> calls{0};
    SetPopulation p([&calls](const PopulationRequest&, const PopulationProgress&) {
        ++calls;
        PopulationRaw raw;
        raw.participationRatio = Measure{2.5, {}};
        return raw;
    });
    std::vector<RecordingEntry> entries(3);
    for (int i = 0; i < 3; ++i) {
        entries[std::size_t(i)].generation = std::uint64_t(i + 1);
        entries[std::size_t(i)].summary =
            std::make_shared<const Summary>(summarize(tinyRecording()));
    }
    p.setEntries(entries);
    QTest::qWait(50);
    QCOMPARE(p.jobsRun(), std::uint64_t(0));
    QVERIFY(!p.complete());
    p.setWanted(true);
    QTRY_VERIFY_WITH_TIMEOUT(p.complete(), 10000);
    QCOMPARE(calls.load(), 3);
    QCOMPARE(*(*p.result(2))[SetMetric::ParticipationRatio], 2.5);
    p.setEntries(entries); // kept: nothing again
    QTest::qWait(50);
    QCOMPARE(calls.load(), 3);
}

// History's metric mode in the window: one line, the participation ratio of
// each recording at its position, against the eigen-decomposition.
void TestSetMetrics::historyPlotsAMetric()
{
    MainWindow w(QStringLiteral(RNNLOSS_READER));
    w.show();
    QVERIFY(loadSet(w, {kTanh, kSigmoid}));
    HistoryView* h = w.recordingSet()->historyView();
    w.tabs()->setCurrentWidget(h);
    QAction* choice = nullptr;
    for (QAction* a : h->actions())
        if (a->data().toString() == setMetricName(SetMetric::ParticipationRatio))
            choice = a;
    QVERIFY(choice);
    choice->trigger();
    QCOMPARE(h->metric(), setMetricName(SetMetric::ParticipationRatio));
    QTRY_COMPARE_WITH_TIMEOUT(h->plottedMetric().size(), 2, 60000);
    const QList<QPointF> pts = h->plottedMetric();
    for (const QString& f : {kTanh, kSigmoid}) {
        const int i = entryOf(w, f);
        const double want =
            statsref::participationRef(statsref::samples(arraysOf(f), statsref::whole()));
        const QPointF& p = pts[0].x() == h->xOf(i) ? pts[0] : pts[1];
        QCOMPARE(p.x(), h->xOf(i));
        QVERIFY2(near(p.y(), want, 1e-8), qPrintable(QString("%1 vs %2").arg(p.y()).arg(want)));
    }
    // The terms are gone from the chart while the metric is shown, and back after.
    QVERIFY(h->plottedTotal().isEmpty());
    for (QAction* a : h->actions())
        if (a->isCheckable() && a->data().toString().isEmpty() && a->text().contains("loss terms"))
            a->trigger();
    QVERIFY(h->metric().isEmpty());
    QTRY_COMPARE(h->plottedTotal().size(), 2);
}

void TestSetMetrics::paretoFrontAgainstBruteForce_data()
{
    QTest::addColumn<int>("gx");
    QTest::addColumn<int>("gy");
    for (int gx : {0, 1})
        for (int gy : {0, 1})
            QTest::newRow(qPrintable(QString("%1/%2").arg(gx ? "max" : "min", gy ? "max" : "min")))
                << gx << gy;
}

// The scatter's front against the definition of dominance, on points with
// ties, duplicates and a NaN; the drawn line steps only horizontally or
// vertically through exactly the front's points.
void TestSetMetrics::paretoFrontAgainstBruteForce()
{
    QFETCH(int, gx);
    QFETCH(int, gy);
    const Goal goalX = gx ? Goal::Maximise : Goal::Minimise;
    const Goal goalY = gy ? Goal::Maximise : Goal::Minimise;
    std::mt19937 rng(19);
    std::uniform_int_distribution<int> coarse(0, 12); // ties on each axis
    RunsScatterView v;
    v.resize(640, 480);
    for (int round = 0; round < 20; ++round) {
        const int n = 2 + round * 3;
        QStringList names;
        std::vector<double> x, y;
        for (int i = 0; i < n; ++i) {
            names << QString("run %1").arg(i);
            x.push_back(coarse(rng) * 0.5);
            y.push_back(coarse(rng) * 0.25);
        }
        x[0] = kNaN;
        x.push_back(x[1]); // a duplicate point
        y.push_back(y[1]);
        names << "copy of run 1";
        v.setGoals(goalX, goalY);
        v.setPoints(names, x, y);
        const std::set<std::size_t> want = frontRef(x, y, goalX, goalY);
        const std::set<std::size_t> got(v.front().begin(), v.front().end());
        QCOMPARE(got, want);
        QCOMPARE(v.plottedPoints().size(), int(names.size()) - 1);
        const QList<QPointF> line = v.frontLine();
        std::set<std::pair<double, double>> frontPts, vertices;
        for (std::size_t i : want)
            frontPts.insert({x[i], y[i]});
        for (int k = 0; k < line.size(); ++k) {
            vertices.insert({line[k].x(), line[k].y()});
            if (k > 0)
                QVERIFY(line[k].x() == line[k - 1].x() || line[k].y() == line[k - 1].y());
        }
        for (const auto& p : frontPts)
            QVERIFY(vertices.count(p));
        // Every corner is dominated by (or equal to) both its neighbours: the
        // line bounds what the front dominates.
        for (int k = 1; k + 1 < line.size(); k += 2) {
            const QPointF c = line[k];
            for (const QPointF& p : {line[k - 1], line[k + 1]}) {
                QVERIFY(goalX == Goal::Minimise ? c.x() >= p.x() : c.x() <= p.x());
                QVERIFY(goalY == Goal::Minimise ? c.y() >= p.y() : c.y() <= p.y());
            }
        }
    }
}

// A click on a point of the runs scatter (at its position on screen) makes
// its recording the active one; the point is drawn there.
void TestSetMetrics::clickActivatesRecording()
{
    MainWindow w(QStringLiteral(RNNLOSS_READER));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(loadSet(w, {kTanh, kRelu}));
    SetMetricsBinding* b = w.setMetrics();
    const QStringList choices = SetMetricsBinding::axisChoices();
    b->setAxes(int(choices.indexOf("MSE (unweighted)")),
               int(choices.indexOf("total loss (the panel's λ)")));
    w.tabs()->setCurrentWidget(b->tab());
    RunsScatterView* v = b->scatter();
    // Axes without a population measure need no stats pass: none ran.
    QCOMPARE(b->population()->jobsRun(), std::uint64_t(0));
    QTRY_COMPARE(v->plottedPoints().size(), 2);
    // x is each recording's MSE: the mean of (output - target)^2 over every
    // trial, step and output unit of its arrays.
    for (const QString& f : {kTanh, kRelu}) {
        const statsref::Arrays a = arraysOf(f);
        double sq = 0.0;
        for (std::size_t i = 0; i < a.outputs.size(); ++i)
            sq += (a.outputs[i] - a.targets[i]) * (a.outputs[i] - a.targets[i]);
        const double want = sq / double(a.outputs.size());
        const auto p = v->pointPosition(entryOf(w, f));
        QVERIFY(p);
        bool found = false;
        for (const QPointF& q : v->plottedPoints())
            found |= near(q.x(), want, 1e-9);
        QVERIFY2(found, qPrintable(QString("%1: MSE %2 not plotted").arg(f).arg(want)));
    }
    const int active = w.recordings()->activeIndex();
    const int other = 1 - active;
    QTest::qWait(100); // the chart lays out its plot area when shown
    const auto pos = v->pointPosition(other);
    QVERIFY(pos);
    QVERIFY(v->viewport()->rect().contains(*pos));
    // The point's pixels are the marker's colour, not the background.
    const QImage img = v->viewport()->grab().toImage();
    const QColor c = img.pixelColor(*pos * img.devicePixelRatio());
    const bool onFront =
        std::find(v->front().begin(), v->front().end(), std::size_t(other)) != v->front().end();
    // The front's points are drawn over the others, in its colour.
    const QColor want = onFront ? QColor(0xd0, 0x50, 0x20) : QColor(0x2a, 0x6f, 0xb5);
    QVERIFY2(std::abs(c.red() - want.red()) + std::abs(c.green() - want.green()) +
                     std::abs(c.blue() - want.blue()) <
                 40,
             qPrintable(c.name() + " vs " + want.name()));
    QCOMPARE(v->pointAt(*pos), other);
    QVERIFY(v->hoverText(other).contains(w.recordings()->entries()[std::size_t(other)].label()));
    QTest::mouseClick(v->viewport(), Qt::LeftButton, {}, *pos);
    QCOMPARE(w.recordings()->activeIndex(), other);
}

// With several runs the scatter has one point per run, at its last
// checkpoint: runA ends with the tanh recording, runB with the relu one (two
// folders, steps 100 and 200, the same two files in opposite order). Each
// point's x is that checkpoint's MSE from its arrays; clicking runB's point
// makes runB's last checkpoint the active recording.
void TestSetMetrics::scatterHasOnePointPerRun()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("runA") && QDir(dir.path()).mkpath("runB"));
    const QString a1 = dir.filePath("runA/c1.h5"), a2 = dir.filePath("runA/c2.h5");
    const QString b1 = dir.filePath("runB/c1.h5"), b2 = dir.filePath("runB/c2.h5");
    for (const auto& [from, to, step] :
         {std::tuple{kRelu, a1, 100.0}, std::tuple{kTanh, a2, 200.0}, std::tuple{kTanh, b1, 100.0},
          std::tuple{kRelu, b2, 200.0}}) {
        QVERIFY(QFile::copy(from, to));
        QVERIFY(QFile::setPermissions(to, QFile::ReadOwner | QFile::WriteOwner));
        QVERIFY(rawh5::setAttribute(to, "step", {}, step));
    }
    MainWindow w(QStringLiteral(RNNLOSS_READER));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(loadSet(w, {a1, a2, b1, b2}));
    SetMetricsBinding* b = w.setMetrics();
    const QStringList choices = SetMetricsBinding::axisChoices();
    b->setAxes(int(choices.indexOf("MSE (unweighted)")),
               int(choices.indexOf("total loss (the panel's λ)")));
    w.tabs()->setCurrentWidget(b->tab());
    RunsScatterView* v = b->scatter();
    QTRY_COMPARE(v->plottedPoints().size(), 2);
    auto mse = [](const QString& f) {
        const statsref::Arrays a = arraysOf(f);
        double sq = 0.0;
        for (std::size_t i = 0; i < a.outputs.size(); ++i)
            sq += (a.outputs[i] - a.targets[i]) * (a.outputs[i] - a.targets[i]);
        return sq / double(a.outputs.size());
    };
    QVERIFY(std::abs(mse(kTanh) - mse(kRelu)) > 1e-6); // the runs are told apart
    // Points in run order: runA (last: tanh), runB (last: relu).
    QVERIFY(near(v->plottedPoints()[0].x(), mse(kTanh), 1e-9));
    QVERIFY(near(v->plottedPoints()[1].x(), mse(kRelu), 1e-9));
    QVERIFY2(v->hoverText(0).contains("runA"), qPrintable(v->hoverText(0)));
    QVERIFY2(v->hoverText(1).contains("runB"), qPrintable(v->hoverText(1)));
    QCOMPARE(b->recordingOfPoint(1), entryOf(w, b2));
    w.recordings()->setActive(entryOf(w, a1));
    QTest::qWait(100); // the chart lays out its plot area when shown
    const auto pos = v->pointPosition(1);
    QVERIFY(pos && v->viewport()->rect().contains(*pos));
    QCOMPARE(v->pointAt(*pos), 1);
    QTest::mouseClick(v->viewport(), Qt::LeftButton, {}, *pos);
    QCOMPARE(w.recordings()->activeIndex(), entryOf(w, b2));
}

// History's metric mode with three runs (folders runA, runB, runC; steps
// given): one line per run, named and coloured as the loss terms' run lines,
// each point (step, silent fraction) against the count by hand of the
// neurons whose level is 0.
void TestSetMetrics::historyMetricOneLinePerRun()
{
    QTemporaryDir dir;
    MainWindow w(QStringLiteral(RNNLOSS_READER));
    HistoryView* h = openHandRunsInHistory(w, dir.path());
    QVERIFY(h);
    QTRY_COMPARE(h->runLineCount(), 3); // the loss terms, per run
    QMap<QString, QColor> colours;
    for (int r = 0; r < 3; ++r)
        for (QAbstractSeries* s : h->chart()->series())
            if (s->name() == h->runLineName(r))
                colours[s->name()] = static_cast<QLineSeries*>(s)->pen().color();
    QVERIFY(chooseMetric(h, setMetricName(SetMetric::SilentFraction)));
    const std::vector<int> all{0, 1, 2, 3};
    const auto want = [&](const Checkpoint& c) { return silentByHand(c, kSilentThreshold, all); };
    QString why;
    QVERIFY2(QTest::qWaitFor([&] { return (why = runLinesDiffer(*h, want)).isEmpty(); }, 60000),
             qPrintable(why));
    // What is drawn: exactly the three run lines, in the colours they had,
    // each with its legend entry; no single metric line.
    int drawn = 0;
    for (QAbstractSeries* s : h->chart()->series()) {
        auto* line = qobject_cast<QLineSeries*>(s);
        if (!line || !line->isVisible() || line->points().isEmpty())
            continue;
        ++drawn;
        QVERIFY2(colours.contains(line->name()), qPrintable(line->name()));
        QCOMPARE(line->pen().color(), colours[line->name()]);
        const auto markers = h->chart()->legend()->markers(line);
        QVERIFY(!markers.isEmpty() && markers.front()->isVisible());
    }
    QCOMPARE(drawn, 3);
    QVERIFY(h->plottedMetric().isEmpty());
    QVERIFY2(h->chart()->title().contains("one line per run"), qPrintable(h->chart()->title()));
    // A set of one run: one line, as before (runA's two checkpoints).
    MainWindow one(QStringLiteral(RNNLOSS_READER));
    one.show();
    QVERIFY(loadSet(one, {handRunFile(dir.path(), handRuns()[0]),
                          handRunFile(dir.path(), handRuns()[1])}));
    HistoryView* h1 = one.recordingSet()->historyView();
    QVERIFY(chooseMetric(h1, setMetricName(SetMetric::SilentFraction)));
    QTRY_COMPARE_WITH_TIMEOUT(h1->plottedMetric().size(), 2, 60000);
    QCOMPARE(h1->runLineCount(), 0);
    for (int k = 0; k < 2; ++k) {
        const Checkpoint& c = handRuns()[std::size_t(k)];
        QCOMPARE(h1->plottedMetric()[k].x(), c.step);
        QVERIFY(near(h1->plottedMetric()[k].y(), silentByHand(c, kSilentThreshold, all)));
    }
}

// The set's measures follow the Population tab: its silent threshold and
// response window (typed into its fields) and the selection of the data it
// shows (neurons 0:2, applied to every recording), each time recomputed and
// checked against the hand values; the Runs scatter's points too.
void TestSetMetrics::metricsFollowPopulationSettings()
{
    QTemporaryDir dir;
    MainWindow w(QStringLiteral(RNNLOSS_READER));
    HistoryView* h = openHandRunsInHistory(w, dir.path());
    QVERIFY(h);
    QVERIFY(chooseMetric(h, setMetricName(SetMetric::SilentFraction)));
    const std::vector<int> all{0, 1, 2, 3}, firstTwo{0, 1};
    QString why;
    auto expect = [&](const std::function<double(const Checkpoint&)>& want) {
        return QTest::qWaitFor([&] { return (why = runLinesDiffer(*h, want)).isEmpty(); }, 60000);
    };
    QVERIFY2(expect([&](auto& c) { return silentByHand(c, kSilentThreshold, all); }),
             qPrintable(why));
    PopulationView* tab = w.population()->populationView();
    tab->thresholdField()->setText("0.1");
    emit tab->thresholdField()->editingFinished();
    QCOMPARE(w.setMetrics()->population()->settings().silentThreshold, 0.1);
    QVERIFY2(expect([&](auto& c) { return silentByHand(c, 0.1, all); }), qPrintable(why));
    // The selection: neurons 0 and 1 of every recording.
    QSignalSpy shown(w.selection(), &SelectionController::selectionShown);
    QVERIFY(w.selection()->apply({{}, {}, "0:2", {}, {}}).isEmpty());
    QVERIFY(shown.wait(30000));
    QVERIFY2(expect([&](auto& c) { return silentByHand(c, 0.1, firstTwo); }), qPrintable(why));
    QVERIFY(w.selection()->apply({}).isEmpty());
    QVERIFY2(expect([&](auto& c) { return silentByHand(c, 0.1, all); }), qPrintable(why));
    // Accuracy: over every step by default (each step has a target), then over steps 0-1.
    QVERIFY(chooseMetric(h, setMetricName(SetMetric::Accuracy)));
    QVERIFY2(expect([](auto& c) { return accuracyByHand(c, 0, kT); }), qPrintable(why));
    tab->windowField()->setText("0:2");
    emit tab->windowField()->editingFinished();
    QVERIFY2(expect([](auto& c) { return accuracyByHand(c, 0, 2); }), qPrintable(why));
    // The scatter: each run's last checkpoint, its accuracy over steps 0-1 against its mean rate.
    SetMetricsBinding* b = w.setMetrics();
    b->setAxes(int(SetMetric::MeanRate), int(SetMetric::Accuracy));
    w.tabs()->setCurrentWidget(b->tab());
    RunsScatterView* v = b->scatter();
    std::map<QString, Checkpoint> last;
    for (const Checkpoint& c : handRuns())
        if (!last.count(c.run) || last[c.run].step < c.step)
            last[c.run] = c;
    QTRY_COMPARE_WITH_TIMEOUT(v->plottedPoints().size(), 3, 60000);
    for (int p = 0; p < 3; ++p) {
        const QString hover = v->hoverText(p);
        const auto it = std::find_if(last.begin(), last.end(),
                                     [&](auto& kv) { return hover.contains(kv.first); });
        QVERIFY2(it != last.end(), qPrintable(hover));
        const Checkpoint& c = it->second;
        double sum = 0.0; // the mean over neurons and samples, by brute force
        for (int b2 = 0; b2 < kB; ++b2)
            for (int t = 0; t < kT; ++t)
                for (int n = 0; n < kN; ++n)
                    sum += handRate(c, b2, t, n);
        QVERIFY(near(v->plottedPoints()[p].x(), sum / (kB * kT * kN), 1e-12));
        QVERIFY(near(v->plottedPoints()[p].y(), accuracyByHand(c, 0, 2)));
    }
}

// Compare follows the selection bar (neurons 0:2, steps 1:3, trial label
// 'left'), resolved against each recording: each its own 'left' trials; one
// without trial labels has its reason in the legend instead of a line. The
// bins and counts (and the CSV export's) against brute force over the arrays
// written; back to the whole recordings, the numbers of before.
void TestSetMetrics::compareFollowsSelection()
{
    QTemporaryDir dir;
    const std::vector<Tiny> recs = {
        {dir.filePath("a.h5"), 4, 4, 4, 0.3, {"left", "right", "left", "right"}},
        {dir.filePath("b.h5"), 3, 5, 3, 1.1, {"right", "left", "left"}, true},
        {dir.filePath("c.h5"), 2, 4, 4, 2.0, {}},
    };
    QStringList files;
    for (const Tiny& r : recs) {
        QVERIFY(writeTiny(r));
        files << r.file;
    }
    MainWindow w(QStringLiteral(RNNLOSS_READER));
    w.show();
    QVERIFY(loadSet(w, files));
    CompareView* v = w.recordingSet()->compareView();
    w.tabs()->setCurrentWidget(v);
    CompareStatistics* stats = w.setMetrics()->compareStatistics();
    // Per recording of the view: the brute force of `statistic` (whole: every sample).
    auto want = [&](int statistic, bool whole) {
        std::vector<std::vector<double>> out(recs.size());
        for (const Tiny& r : recs) {
            const int i = entryOf(w, r.file);
            if (whole)
                out[std::size_t(i)] = tinyStat(r, statistic, upTo(r.b), upTo(r.t), upTo(r.n));
            else if (!r.labels.empty())
                out[std::size_t(i)] =
                    tinyStat(r, statistic, trialsLabelled(r, "left"), {1, 2}, {0, 1});
        }
        return out;
    };
    QString why;
    auto expect = [&](int statistic, bool whole) {
        return QTest::qWaitFor(
            [&] {
                return !stats->busy() &&
                       (why = compareBinsDiffer(*v, want(statistic, whole))).isEmpty();
            },
            60000);
    };
    v->setStatistic(1); // SD over time
    QVERIFY2(expect(1, true), qPrintable(why));
    QVERIFY(w.selection()->apply({{}, "1:3", "0:2", "left", {}}).isEmpty());
    QVERIFY2(expect(1, false), qPrintable(why));
    QVERIFY(v->distributionView()->chart()->title().contains("neurons 0:2"));
    // The recording without trial labels: named with its reason, no line.
    const QString c = w.recordings()->entries()[std::size_t(entryOf(w, recs[2].file))].label();
    QStringList legend;
    for (const auto& e : v->distributionLegend()->entries())
        legend << e.name;
    QCOMPARE(legend.size(), 3);
    QVERIFY2(legend.filter(c + ": the selection does not fit").size() == 1,
             qPrintable(legend.join(" | ")));
    QCOMPARE(v->distributionView()->chart()->series().size(), 2);
    // The mean rate follows it too (the set's own mean rates are of whole recordings).
    v->setStatistic(0);
    QVERIFY2(expect(0, false), qPrintable(why));
    QVERIFY(v->distributionView()->chart()->title().contains("neurons 0:2"));
    // The table stays of the whole recordings, and says so.
    QCOMPARE(v->legendTable()->horizontalHeaderItem(2)->text(), QStringLiteral("μ (whole)"));
    // Back to the whole recordings: the mean rate from the set's terms, no job.
    const std::uint64_t jobs = stats->jobsRun();
    QVERIFY(w.selection()->apply({}).isEmpty());
    QVERIFY2(expect(0, true), qPrintable(why));
    QCOMPARE(v->legendTable()->horizontalHeaderItem(2)->text(), QStringLiteral("μ"));
    QCOMPARE(stats->jobsRun(), jobs);
    v->setStatistic(4); // max
    QVERIFY2(expect(4, true), qPrintable(why));
    QCOMPARE(v->distributionView()->chart()->series().size(), 3);

    // The computation itself, per neuron, on a worker's inputs.
    QCOMPARE(selectedValuesDiffer(w, recs), QString());
}

// A recording opened only as its summary file beside one with raw data: a
// selection of trials (by label) and neurons from its per-trial sums (the SD
// over time against brute force); the max of some trials and a time window
// need samples, and its legend entry says that only its summary is here;
// the whole recording from the summary as before.
void TestSetMetrics::compareSummaryOnly()
{
    QTemporaryDir dir;
    const Tiny a{dir.filePath("a.h5"), 4, 4, 4, 0.3, {"left", "right", "left", "right"}};
    const Tiny d{dir.filePath("d.h5"), 3, 5, 3, 1.1, {"right", "left", "left"}};
    QVERIFY(writeTiny(a) && writeTiny(d));
    QProcess p;
    p.start(QStringLiteral(RNNLOSS_CLI), {"summarize", d.file});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(QDir(dir.path()).mkdir("alone"));
    const QString alone = dir.filePath("alone/d.h5.rnnsum");
    QVERIFY(QFile::copy(d.file + ".rnnsum", alone));
    MainWindow w(QStringLiteral(RNNLOSS_READER));
    w.show();
    QVERIFY(loadSet(w, {a.file, alone}));
    const int ia = entryOf(w, a.file), id = 1 - ia;
    QVERIFY(ia >= 0);
    QCOMPARE(w.recordings()->entries()[std::size_t(id)].files.summary, alone);
    QVERIFY(!w.recordings()->entries()[std::size_t(id)].summary->layout);
    CompareView* v = w.recordingSet()->compareView();
    w.tabs()->setCurrentWidget(v);
    CompareStatistics* stats = w.setMetrics()->compareStatistics();
    QString why;
    auto expect = [&](const std::vector<double>& inA, const std::vector<double>& inD) {
        std::vector<std::vector<double>> want(2);
        want[std::size_t(ia)] = inA;
        want[std::size_t(id)] = inD;
        return QTest::qWaitFor(
            [&] { return !stats->busy() && (why = compareBinsDiffer(*v, want)).isEmpty(); }, 60000);
    };
    auto legendOfD = [&] {
        const QString label = w.recordings()->entries()[std::size_t(id)].label();
        for (const auto& e : v->distributionLegend()->entries())
            if (e.name.startsWith(label + ": "))
                return e.name;
        return QString();
    };
    v->setStatistic(1); // SD over time
    QVERIFY2(expect(tinyStat(a, 1, upTo(4), upTo(4), upTo(4)),
                    tinyStat(d, 1, upTo(3), upTo(5), upTo(3))),
             qPrintable(why));
    QVERIFY(w.selection()->apply({{}, {}, "0:2", "left", {}}).isEmpty());
    const std::vector<int> leftA{0, 2}, leftD{1, 2};
    QVERIFY2(expect(tinyStat(a, 1, leftA, upTo(4), {0, 1}), tinyStat(d, 1, leftD, upTo(5), {0, 1})),
             qPrintable(why));
    v->setStatistic(4); // max: the summary has it per neuron over every trial, not over some
    QVERIFY2(expect(tinyStat(a, 4, leftA, upTo(4), {0, 1}), {}), qPrintable(why));
    QVERIFY2(legendOfD().endsWith("only its summary is here"), qPrintable(legendOfD()));
    v->setStatistic(1);
    QVERIFY(w.selection()->apply({{}, "1:3", "0:2", "left", {}}).isEmpty());
    QVERIFY2(expect(tinyStat(a, 1, leftA, {1, 2}, {0, 1}), {}), qPrintable(why));
    QVERIFY2(legendOfD().contains("time window") &&
                 legendOfD().endsWith("only its summary is here"),
             qPrintable(legendOfD()));
    QVERIFY(w.selection()->apply({}).isEmpty());
    QVERIFY2(expect(tinyStat(a, 1, upTo(4), upTo(4), upTo(4)),
                    tinyStat(d, 1, upTo(3), upTo(5), upTo(3))),
             qPrintable(why));
}

QTEST_MAIN(TestSetMetrics)
#include "test_setmetrics.moc"
