// Issue 9, item 4 (and issue 11's PSTH by trial label): the app's selection
// bar. Trials by range and by trial_labels, a time window typed or dragged on
// the time strip (ms from dt), neurons by range, neuron_groups or the table's
// selection; every view recomputed for the slice off the GUI thread, through
// direct reads (pread) for unfiltered data and the reader process for gzip.
// The numbers are checked against a brute-force re-implementation on the
// sliced arrays (tests/bruteforce.h), never against the engine itself.

#include "balancedialog.h"
#include "bruteforce.h"
#include "lambdapanel.h"
#include "mainwindow.h"
#include "neurondetailview.h"
#include "neurontable.h"
#include "reader.h"
#include "resultviews.h"
#include "selectionbar.h"
#include "writer.h"

#include <QComboBox>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <fstream>

using namespace rnnloss;

namespace {

const QString kCli = QStringLiteral(RNNLOSS_CLI);
const QString kReader = QStringLiteral(RNNLOSS_READER);
const QString kExplorer = QStringLiteral(RNNLOSS_EXPLORER);
constexpr int kTimeoutMs = 60000;
const Shape kShape{12, 30, 3, 10, 2};

bool near(std::optional<double> a, std::optional<double> b, double tol = 1e-9)
{
    if (!a || !b)
        return !a && !b;
    return std::abs(*a - *b) <= tol * std::max({1.0, std::abs(*a), std::abs(*b)});
}

std::vector<std::string> trialLabels()
{
    std::vector<std::string> v;
    for (std::int64_t b = 0; b < kShape.batch; ++b)
        v.push_back(b % 3 == 0 ? "left" : b % 3 == 1 ? "right" : "catch");
    return v;
}

std::vector<std::string> neuronGroups()
{
    std::vector<std::string> v;
    for (std::int64_t n = 0; n < kShape.nHid; ++n)
        v.push_back(n < 8 ? "E" : "I");
    return v;
}

/// Quantile p of v by linear interpolation between order statistics, numpy.quantile's
/// default (Hyndman & Fan type 7): h = (n - 1) p, v[floor h] + (h - floor h) (v[floor h + 1] -
/// v[floor h]) of the sorted values. Written out here, apart from the engine's.
double quantileLinear(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    const double h = (double(v.size()) - 1.0) * p;
    const double lo = std::floor(h);
    const auto i = static_cast<std::size_t>(lo);
    const double next = i + 1 < v.size() ? v[i + 1] : v[i];
    return v[i] + (h - lo) * (next - v[i]);
}

/// Picks band `index` in the PSTH's combo box as a user does (emits bandChanged).
void pickBand(NeuronDetailView* d, int index)
{
    auto* box = d->findChild<QComboBox*>();
    QVERIFY(box);
    box->setCurrentIndex(index);
    emit box->activated(index);
}

std::vector<long> range(long a, long b)
{
    std::vector<long> v;
    for (long i = a; i < b; ++i)
        v.push_back(i);
    return v;
}

} // namespace

class TestSelection : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void readsLabels();
    void sliceMatchesBruteForce_data();
    void sliceMatchesBruteForce();
    void groupAndTableSelection();
    void dragTimeWindow();
    void badChoiceKeepsView();
    void changedFileRefused_data();
    void changedFileRefused();
    void neuronRowsAreRecordingNumbers();
    void labelsThatDoNotFit();
    void psthSplitByLabel();
    void headlessSelection();
    void cliLabelAndGroup();
    void balanceOnSelection();
    void neuronKeptAcrossSelections();
    void everyPdfRenders();
    void exportedNeuron();
    void psthQuantileAndSemBands();
    void psthBandStaysAboveZero();
    void quantilesNeedUncompressedStates();

private:
    bool load(MainWindow& w, const QString& file);
    /// Applies a choice and waits until its slice is shown and computed.
    bool select(MainWindow& w, const SelectionBar::Choice& c);
    bool settle(MainWindow& w);
    void verifyTerms(MainWindow& w, const std::vector<long>& trials,
                     const std::vector<long>& steps, const std::vector<long>& neurons);

    QTemporaryDir m_dir;
    Recording m_rec;
    QString m_chunked, m_contiguous, m_gzip;
};

void TestSelection::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("rnnloss-test-selection");
    QSettings().clear();
    QVERIFY(m_dir.isValid());
    m_rec = bruteforce::random(kShape, 20261130);
    // The files hold float32: the brute force works on the same values.
    for (auto* v : {&m_rec.outputs, &m_rec.targets, &m_rec.states, &m_rec.inputs, &m_rec.wIn,
                    &m_rec.wHid, &m_rec.wOut})
        for (double& x : *v)
            x = static_cast<double>(static_cast<float>(x));
    io::WriteOptions o;
    o.chunkTrials = 1;
    o.trialLabels = trialLabels();
    o.neuronGroups = neuronGroups();
    o.dtText = "10 ms";
    m_chunked = m_dir.filePath("chunked.h5");
    QCOMPARE(io::writeRecording(m_chunked.toStdString(), m_rec, o), std::string());
    o.chunkTrials = 0; // contiguous; integer labels; dt as a number
    o.integerLabels = true;
    o.trialLabels.clear();
    for (std::int64_t b = 0; b < kShape.batch; ++b)
        o.trialLabels.push_back(std::to_string(b % 3));
    o.neuronGroups.clear();
    o.dtText.clear();
    o.dtMs = 10.0;
    o.step = 4200.0;
    m_contiguous = m_dir.filePath("contiguous.h5");
    QCOMPARE(io::writeRecording(m_contiguous.toStdString(), m_rec, o), std::string());
    o = {};
    o.chunkTrials = 2;
    o.gzipLevel = 4;
    o.trialLabels = trialLabels();
    o.neuronGroups = neuronGroups();
    m_gzip = m_dir.filePath("gzip.h5");
    QCOMPARE(io::writeRecording(m_gzip.toStdString(), m_rec, o), std::string());
}

bool TestSelection::load(MainWindow& w, const QString& file)
{
    QSignalSpy finished(&w, &MainWindow::loadFinished);
    w.openFiles(file);
    if (!QTest::qWaitFor([&] { return finished.count() > 0; }, kTimeoutMs))
        return false;
    return finished.first().first().toBool() && settle(w);
}

bool TestSelection::settle(MainWindow& w)
{
    return QTest::qWaitFor(
        [&] {
            return !w.selection()->slices()->busy() && w.lastResult() &&
                   w.lastResult()->summary == w.summary() &&
                   w.lastResult()->sequence == w.worker()->requestsSubmitted();
        },
        kTimeoutMs);
}

bool TestSelection::select(MainWindow& w, const SelectionBar::Choice& c)
{
    QSignalSpy shown(w.selection(), &SelectionController::selectionShown);
    w.selection()->apply(c);
    return QTest::qWaitFor([&] { return shown.count() > 0; }, kTimeoutMs) && settle(w);
}

void TestSelection::verifyTerms(MainWindow& w, const std::vector<long>& trials,
                                const std::vector<long>& steps, const std::vector<long>& neurons)
{
    for (Convention c : {Convention::Nn4n, Convention::Spec}) {
        LambdaState st = w.state();
        st.convention = c;
        w.applyState(st);
        QVERIFY(settle(w));
        const bruteforce::Terms want =
            bruteforce::compute(m_rec, c == Convention::Nn4n, trials, neurons, steps);
        const LossResult& got = w.lastResult()->loss;
        const std::pair<Term, std::optional<double>> rows[] = {
            {Term::Mse, want.mse}, {Term::Fr, want.fr}, {Term::FrSd, want.frSd},
            {Term::FrCv, want.frCv}, {Term::Hid, want.hid}};
        for (auto [t, v] : rows)
            QVERIFY2(near(got[t].value, v),
                     qPrintable(QString("%1 %2: shown %3, brute force %4")
                                    .arg(QString::fromUtf8(conventionName(c).data()))
                                    .arg(QString::fromUtf8(termKey(t).data()))
                                    .arg(got[t].value.value_or(NAN), 0, 'g', 17)
                                    .arg(v.value_or(NAN), 0, 'g', 17)));
        // Per-neuron mean rates of the slice, in the slice's neuron order.
        const NeuronStats& stats = *w.lastResult()->stats;
        QCOMPARE(stats.size(), neurons.size());
        for (std::size_t i = 0; i < neurons.size(); ++i) {
            double sum = 0;
            for (long b : trials)
                for (long t : steps)
                    sum += bruteforce::at(m_rec.states, kShape, b, t, neurons[i], kShape.nHid);
            QVERIFY(near(stats.mean[i], sum / double(trials.size() * steps.size())));
        }
    }
}

void TestSelection::readsLabels()
{
    io::ReadRequest req;
    req.recording = m_chunked.toStdString();
    io::ReadResult r = io::readRecording(req);
    QVERIFY2(r.summary.has_value(), r.error.c_str());
    QCOMPARE(r.summary->trialLabels, trialLabels());
    QCOMPARE(r.summary->neuronGroups, neuronGroups());
    QVERIFY(r.summary->dtMs && *r.summary->dtMs == 10.0); // from the text "10 ms"
    QVERIFY(!r.summary->step);
    QVERIFY(r.summary->warnings.empty());

    req.recording = m_contiguous.toStdString();
    r = io::readRecording(req);
    QVERIFY(r.summary.has_value());
    QCOMPARE(r.summary->trialLabels.front(), std::string("0"));
    QCOMPARE(r.summary->trialLabels.at(2), std::string("2"));
    QVERIFY(r.summary->neuronGroups.empty());
    QVERIFY(r.summary->dtMs && *r.summary->dtMs == 10.0);
    QVERIFY(r.summary->step && *r.summary->step == 4200.0); // WriteOptions::step
}

void TestSelection::sliceMatchesBruteForce_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("path");
    QTest::newRow("chunked, pread") << m_chunked << "file";
    QTest::newRow("contiguous, pread") << m_contiguous << "file";
    QTest::newRow("gzip, reader process") << m_gzip << "reader";
}

void TestSelection::sliceMatchesBruteForce()
{
    QFETCH(QString, file);
    QFETCH(QString, path);
    MainWindow w(kReader);
    QVERIFY(load(w, file));
    QCOMPARE(w.selection()->slices()->path(), path);
    const auto whole = w.summary();
    QCOMPARE(w.selectionStatus(), QStringLiteral("whole recording"));

    // Ranges on all three axes.
    QVERIFY(select(w, {"0:8,10", "5:25", "1:7", {}, {}}));
    QVERIFY(w.summary() != whole);
    verifyTerms(w, {0, 1, 2, 3, 4, 5, 6, 7, 10}, range(5, 25), range(1, 7));
    QVERIFY2(w.selectionStatus().contains("9 of 12 trials") &&
                 w.selectionStatus().contains("steps 5:25") &&
                 w.selectionStatus().contains("6 of 10 neurons"),
             qPrintable(w.selectionStatus()));
    if (file != m_gzip) // dt in ms only where the file has it
        QVERIFY2(w.selectionStatus().contains("50–250 ms"), qPrintable(w.selectionStatus()));
    // The table lists the recording's neuron numbers, not the slice's rows.
    QCOMPARE(w.neuronTable()->model()->neuronId(0), std::int64_t(1));

    // By trial label, within a range.
    const QString label = file == m_contiguous ? "1" : "right";
    QVERIFY(select(w, {"2:", {}, {}, label, {}}));
    verifyTerms(w, {4, 7, 10}, range(0, 30), range(0, 10));
    QVERIFY2(w.selectionStatus().contains("label '" + label + "'"), qPrintable(w.selectionStatus()));

    // One click back to the whole recording: the loaded summary itself.
    QTest::mouseClick(w.selectionBar()->resetButton(), Qt::LeftButton);
    QVERIFY(settle(w));
    QCOMPARE(w.summary(), whole);
    QCOMPARE(w.selectionStatus(), QStringLiteral("whole recording"));
    QVERIFY(w.selectionBar()->trialsEdit()->text().isEmpty());
}

void TestSelection::groupAndTableSelection()
{
    MainWindow w(kReader);
    QVERIFY(load(w, m_chunked));
    QVERIFY(select(w, {{}, {}, {}, {}, "I"}));
    verifyTerms(w, range(0, 12), range(0, 30), {8, 9});
    QCOMPARE(w.neuronTable()->model()->data(w.neuronTable()->model()->index(0, 0)).toString(),
             QStringLiteral("8 · I"));

    // The whole again, then the table's selection (rows 2 and 5) as the neurons.
    QVERIFY(select(w, {}));
    w.neuronTable()->selectNeurons({2, 5});
    QSignalSpy shown(w.selection(), &SelectionController::selectionShown);
    QTest::mouseClick(w.selectionBar()->fromTableButton(), Qt::LeftButton);
    QVERIFY(QTest::qWaitFor([&] { return shown.count() > 0; }, kTimeoutMs) && settle(w));
    QCOMPARE(w.selectionBar()->neuronsEdit()->text(), QStringLiteral("2,5"));
    verifyTerms(w, range(0, 12), range(0, 30), {2, 5});
}

void TestSelection::dragTimeWindow()
{
    MainWindow w(kReader);
    w.resize(1280, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(load(w, m_chunked));
    TimeWindowStrip* strip = w.selectionBar()->timeStrip();
    QVERIFY(strip->isVisible() && strip->width() > 100);
    // Press at one step, move through several others, release: every move
    // asks for a slice, the controller computes fewer (coalesced), and the
    // views end on the released window.
    auto xOfStep = [&](int step) {
        for (int x = 0; x < strip->width(); ++x)
            if (strip->stepAt(x) >= step)
                return x;
        return strip->width() - 1;
    };
    const std::uint64_t jobsBefore = w.selection()->slices()->jobsRun();
    QTest::mousePress(strip, Qt::LeftButton, {}, QPoint(xOfStep(3), strip->height() / 2));
    int moves = 0;
    for (int step = 6; step <= 24; ++step, ++moves) {
        QMouseEvent move(QEvent::MouseMove, QPointF(xOfStep(step), strip->height() / 2),
                         strip->mapToGlobal(QPointF(xOfStep(step), strip->height() / 2)),
                         Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(strip, &move);
    }
    const int end = int(strip->stepAt(xOfStep(20)));
    QTest::mouseRelease(strip, Qt::LeftButton, {}, QPoint(xOfStep(20), strip->height() / 2));
    QVERIFY(QTest::qWaitFor([&] { return w.selection()->slice().has_value() &&
                                         w.selection()->slice()->steps.back() == end - 1; },
                            kTimeoutMs));
    QVERIFY(settle(w));
    QCOMPARE(w.selectionBar()->stepsEdit()->text(), QStringLiteral("3:%1").arg(end));
    const std::uint64_t jobs = w.selection()->slices()->jobsRun() - jobsBefore;
    QVERIFY2(jobs >= 1 && jobs < std::uint64_t(moves + 1),
             qPrintable(QString("%1 slices computed for %2 drag positions").arg(jobs).arg(moves + 1)));
    verifyTerms(w, range(0, 12), range(3, end), range(0, 10));
    QVERIFY(w.selectionStatus().contains(QStringLiteral("steps 3:%1").arg(end)));
    // The PSTH's time axis is in ms (dt) and starts at the window.
    w.selectNeuron(4);
    QVERIFY(settle(w));
    QCOMPARE(w.neuronDetail()->psthTimeAxisTitle(), QStringLiteral("time (ms)"));
}

void TestSelection::badChoiceKeepsView()
{
    MainWindow w(kReader);
    QVERIFY(load(w, m_chunked));
    const auto shown = w.summary();
    const std::uint64_t jobs = w.selection()->slices()->jobsRun();
    for (const SelectionBar::Choice& c :
         {SelectionBar::Choice{"5:3", {}, {}, {}, {}}, SelectionBar::Choice{{}, "0:99", {}, {}, {}},
          SelectionBar::Choice{{}, {}, "x", {}, {}},
          SelectionBar::Choice{"1,2", {}, {}, "left", {}}}) {
        w.selection()->apply(c);
        QCOMPARE(w.summary(), shown); // nothing recomputed, nothing replaced
        QVERIFY2(!w.selectionBar()->summary().isEmpty(), "no message for a bad selection");
    }
    QCOMPARE(w.selection()->slices()->jobsRun(), jobs);
    QVERIFY(w.selectionBar()->summary().contains("no trial of 1,2 has label 'left'"));
}

void TestSelection::changedFileRefused_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("direct reads") << m_chunked;
    QTest::newRow("reader process (gzip)") << m_gzip;
}

void TestSelection::changedFileRefused()
{
    QFETCH(QString, file);
    const QString copy = m_dir.filePath("changing.h5");
    QFile::remove(copy);
    QVERIFY(QFile::copy(file, copy));
    MainWindow w(kReader);
    QVERIFY(load(w, copy));
    const auto shown = w.summary();
    {
        std::ofstream f(copy.toStdString(), std::ios::app | std::ios::binary);
        f << "appended";
    }
    QSignalSpy failed(w.selection(), &SelectionController::failed);
    w.selection()->apply({"0:4", {}, {}, {}, {}});
    QVERIFY(QTest::qWaitFor([&] { return failed.count() > 0; }, kTimeoutMs));
    QVERIFY(failed.first().at(1).toBool()); // stale: a reload helps
    const QString error = failed.first().first().toString();
    QVERIFY2(error.contains(copy) && error.contains("changed since it was read"), qPrintable(error));
    QVERIFY2(w.lastError().contains("Reload (F5)"), qPrintable(w.lastError()));
    QCOMPARE(w.summary(), shown);
}

void TestSelection::psthSplitByLabel()
{
    MainWindow w(kReader);
    QVERIFY(load(w, m_chunked));
    QVERIFY(select(w, {{}, "10:20", {}, {}, {}}));
    w.selectNeuron(3);
    QVERIFY(settle(w));
    w.analysis()->setSplitByLabel(true);
    QVERIFY(settle(w));
    const ComputeResult& r = *w.lastResult();
    QVERIFY(r.detailNote.empty());
    QCOMPARE(r.labelPsths.size(), std::size_t(3));
    const std::vector<std::string> order{"left", "right", "catch"};
    for (std::size_t l = 0; l < 3; ++l) {
        QCOMPARE(r.labelPsths[l].label, order[l]);
        const Psth& p = r.labelPsths[l].psth;
        QCOMPARE(p.mean.size(), std::size_t(10));
        for (long t = 10; t < 20; ++t) {
            double sum = 0, sq = 0;
            int n = 0;
            for (long b = 0; b < kShape.batch; ++b)
                if (trialLabels()[std::size_t(b)] == order[l]) {
                    const double x = bruteforce::at(m_rec.states, kShape, b, t, 3, kShape.nHid);
                    sum += x;
                    sq += x * x;
                    ++n;
                }
            const double mean = sum / n;
            QVERIFY(near(p.mean[std::size_t(t - 10)], mean));
            QVERIFY(near(p.sd[std::size_t(t - 10)], std::sqrt(std::max(0.0, sq / n - mean * mean)), 1e-7));
        }
    }
    QCOMPARE(w.neuronDetail()->psthTraceCount(), 3);
    QVERIFY2(w.neuronDetail()->psthTitle().contains("of neuron 3 by trial label"),
             qPrintable(w.neuronDetail()->psthTitle()));
}

// A slice renumbers the rows: the table, the PSTH, the title and the neurons
// CSV name the recording's neurons, and the numbers are those neurons'.
void TestSelection::neuronRowsAreRecordingNumbers()
{
    MainWindow w(kReader);
    QVERIFY(load(w, m_chunked));
    QVERIFY(select(w, {"1:9", {}, "4:10", {}, {}}));
    w.selectNeuron(2); // row 2: neuron 6
    QVERIFY(settle(w));
    QCOMPARE(w.neuronDetail()->neuron(), 6);
    QCOMPARE(w.neuronTable()->model()->neuronId(2), std::int64_t(6));
    QVERIFY(w.neuronDetail()->psthTitle().contains("neuron 6"));
    const Psth& p = w.lastResult()->neuronPsth;
    QCOMPARE(p.mean.size(), std::size_t(kShape.time));
    for (long t = 0; t < kShape.time; ++t) {
        double sum = 0;
        for (long b = 1; b < 9; ++b)
            sum += bruteforce::at(m_rec.states, kShape, b, t, 6, kShape.nHid);
        QVERIFY(near(p.mean[std::size_t(t)], sum / 8));
    }
    const QString csv = m_dir.filePath("rows.csv");
    const ExportOutcome out = w.exporter()->exportTable("neurons", csv);
    QVERIFY2(out.ok(), qPrintable(out.error));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QVERIFY2(lines.value(1).startsWith("neuron,group,"), qPrintable(lines.value(1)));
    QVERIFY2(lines.value(2).startsWith("4,\"E\","), qPrintable(lines.value(2)));
    QVERIFY2(lines.value(7).startsWith("9,\"I\","), qPrintable(lines.value(7)));
    // A row of the old table clicked after a slice of fewer neurons: ignored.
    QVERIFY(select(w, {{}, {}, "0:2", {}, {}}));
    w.selectNeuron(5);
    QVERIFY(settle(w));
    QCOMPARE(w.lastResult()->neuron, -1);
}

// trial_labels / neuron_groups that do not fit are ignored with a warning
// naming the file and the dataset; ones stored in another file refuse the file.
void TestSelection::labelsThatDoNotFit()
{
    io::WriteOptions o;
    o.chunkTrials = 1;
    o.trialLabels = trialLabels();
    o.trialLabels.pop_back();      // B - 1 labels
    o.neuronGroups = {"E", "I"};   // not N_hid
    o.dtMs = 1e300;                // not a time step
    const QString odd = m_dir.filePath("odd-labels.h5");
    QCOMPARE(io::writeRecording(odd.toStdString(), m_rec, o), std::string());
    io::ReadRequest req;
    req.recording = odd.toStdString();
    const io::ReadResult r = io::readRecording(req);
    QVERIFY2(r.summary.has_value(), r.error.c_str());
    QVERIFY(r.summary->trialLabels.empty() && r.summary->neuronGroups.empty() && !r.summary->dtMs);
    QString all;
    for (const std::string& wmsg : r.summary->warnings)
        all += QString::fromStdString(wmsg) + "\n";
    QVERIFY2(all.contains(odd + ": dataset 'trial_labels' should hold one entry per trial (B = 12)"),
             qPrintable(all));
    QVERIFY2(all.contains("dataset 'neuron_groups' should hold one entry per hidden unit (N_hid = 10)"),
             qPrintable(all));
    QVERIFY2(all.contains("attribute 'dt'"), qPrintable(all));

    // Labels whose bytes live in another file (here /etc/hostname): refused.
    const QString ext = m_dir.filePath("external-labels.h5");
    QCOMPARE(io::writeRecording(ext.toStdString(), m_rec, {.chunkTrials = 1}), std::string());
    {
        const hid_t f = H5Fopen(ext.toLocal8Bit().constData(), H5F_ACC_RDWR, H5P_DEFAULT);
        QVERIFY(f >= 0);
        const hsize_t n = kShape.batch;
        const hid_t space = H5Screate_simple(1, &n, nullptr);
        const hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, 1);
        const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        QVERIFY(H5Pset_external(dcpl, "/etc/hostname", 0, n) >= 0);
        const hid_t d = H5Dcreate2(f, "trial_labels", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        QVERIFY(d >= 0);
        H5Dclose(d);
        H5Pclose(dcpl);
        H5Tclose(type);
        H5Sclose(space);
        H5Fclose(f);
    }
    req.recording = ext.toStdString();
    const io::ReadResult e = io::readRecording(req);
    QVERIFY(!e.summary);
    QVERIFY2(QString::fromStdString(e.error).contains(ext + ": dataset 'trial_labels' keeps its raw data in external file(s); refused"),
             e.error.c_str());
}

// rnnloss-explorer REC --trials ... --trial-label ... --export DIR: the figures
// and tables of that slice, each recording what it shows; a selection that does
// not fit the recording exits 2 and writes nothing.
void TestSelection::headlessSelection()
{
    auto run = [&](const QStringList& args, QString* err = nullptr) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        env.insert("XDG_CONFIG_HOME", m_dir.filePath("config"));
        p.setProcessEnvironment(env);
        p.start(kExplorer, args);
        if (!p.waitForFinished(kTimeoutMs))
            return -1;
        if (err)
            *err = QString::fromUtf8(p.readAllStandardError());
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    };
    const QString out = m_dir.filePath("export-left");
    QString err;
    QCOMPARE(run({m_chunked, "--trials", "0:8", "--trial-label", "left", "--steps", "10:",
                  "--export", out, "--formats", "csv,svg"}, &err), 0);
    QFile csv(QDir(out).filePath("chunked-breakdown.csv"));
    QVERIFY2(csv.open(QIODevice::ReadOnly), qPrintable(err));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n');
    QVERIFY2(lines.value(0).contains("selection=\"selection: 3 of 12 trials (label 'left') · steps 10:30"),
             qPrintable(lines.value(0)));
    // The MSE row against the brute force on trials 0, 3, 6 and steps 10-29.
    const bruteforce::Terms want = bruteforce::compute(m_rec, true, {0, 3, 6}, {}, range(10, 30));
    bool found = false;
    for (const QString& l : lines)
        if (l.startsWith("mse,")) {
            found = true;
            QVERIFY2(near(l.split(',').value(2).toDouble(), want.mse, 1e-12), qPrintable(l));
        }
    QVERIFY(found);
    // The PSTH's figure names the neuron (neuron 9, the most active: its rates
    // are the largest by construction); the breakdown's does not.
    QFile psth(QDir(out).filePath("chunked-psth.svg")), bars(QDir(out).filePath("chunked-breakdown.svg"));
    QVERIFY(psth.open(QIODevice::ReadOnly) && bars.open(QIODevice::ReadOnly));
    QVERIFY(psth.readAll().contains("neuron 9"));
    QVERIFY(!bars.readAll().contains("neuron 9"));

    // Refused: a label the file lacks, a range that selects nothing (both
    // known only once the file is read), a spec that does not parse.
    int i = 0;
    for (const QStringList& bad : {QStringList{"--trial-label", "up"}, QStringList{"--trials", "5:3"},
                                   QStringList{"--steps", "abc"}}) {
        const QString dir = m_dir.filePath(QStringLiteral("export-bad-%1").arg(i++));
        QCOMPARE(run(QStringList{m_chunked} + bad + QStringList{"--export", dir, "--formats", "csv"}, &err), 2);
        QVERIFY2(err.contains("error:"), qPrintable(err));
        QVERIFY2(QDir(dir).entryList(QDir::Files).isEmpty(), qPrintable(dir));
    }
    QVERIFY2(err.contains("--steps abc"), qPrintable(err));
    const QString shot = m_dir.filePath("bad.png");
    QCOMPARE(run({m_chunked, "--neuron-group", "X", "--screenshot", shot}, &err), 2);
    QVERIFY2(err.contains("no neuron") && err.contains("group 'X'"), qPrintable(err));
    QVERIFY(!QFile::exists(shot));
}

// rnnloss compute --trial-label / --neuron-group (with and without ranges), on
// the direct path and through the reader process (gzip), against the brute
// force; a label the file lacks is refused naming the option.
void TestSelection::cliLabelAndGroup()
{
    auto compute = [&](const QStringList& args, QString* err = nullptr) {
        QProcess p;
        p.start(kCli, QStringList{"compute"} + args + QStringList{"--json", "--lambda", "mse=1",
                                                                "--lambda", "fr=1", "--lambda",
                                                                "fr_sd=1"});
        p.waitForFinished(kTimeoutMs);
        if (err)
            *err = QString::fromUtf8(p.readAllStandardError());
        return std::pair{p.exitCode(), QJsonDocument::fromJson(p.readAllStandardOutput()).object()};
    };
    for (const QString& file : {m_chunked, m_gzip}) {
        const auto [code, j] = compute({file, "--trials", "2:", "--trial-label", "right",
                                        "--neuron-group", "E", "--steps", ":20"});
        QCOMPARE(code, 0);
        const bruteforce::Terms want =
            bruteforce::compute(m_rec, true, {4, 7, 10}, range(0, 8), range(0, 20));
        QVERIFY2(near(j["total"].toDouble(), *want.mse + *want.fr + *want.frSd),
                 qPrintable(QString("%1: total %2").arg(file).arg(j["total"].toDouble(), 0, 'g', 17)));
        QCOMPARE(j["selection"]["trials"]["count"].toInt(), 3);
        QCOMPARE(j["selection"]["neurons"]["count"].toInt(), 8);
        QString err;
        const auto bad = compute({file, "--trial-label", "up"}, &err);
        QCOMPARE(bad.first, 2);
        QVERIFY2(err.contains("--trial-label up: no trial has it"), qPrintable(err));
    }
}

// Issue 18, item 2: auto-balance solves on the data the views show. With
// trials 0:6 and neurons 6: selected, fr at 5 % gives the λ_fr `rnnloss
// balance --trials 0:6 --neurons 6:` gives, and that λ gives fr 5 % of the
// brute force's total on that slice (not on the whole recording); the dialog
// says which data it balances.
void TestSelection::balanceOnSelection()
{
    MainWindow w(kReader);
    QVERIFY(load(w, m_chunked));
    LambdaState st = w.state();
    st.convention = Convention::Nn4n;
    st.values = {1.0, 0.0, 0.01, 0.0, 0.1, 0.0, 0.0};
    st.enabled = {true, false, true, false, true, false, false};
    w.applyState(st);
    QVERIFY(settle(w));
    QVERIFY(select(w, {"0:6", {}, "6:", {}, {}}));

    BalanceDialog* d = w.recordingSet()->openBalance();
    QVERIFY(d);
    const QString said = d->dataText();
    d->setTarget(Term::Fr, 0.05);
    QVERIFY2(d->applyButton()->isEnabled(), qPrintable(d->errorText()));
    d->applyButton()->click();
    QVERIFY(settle(w));
    const double lambdaFr = w.state().values[index(Term::Fr)];

    QProcess p;
    p.start(kCli, {"balance", m_chunked, "--trials", "0:6", "--neurons", "6:", "--share", "fr=0.05", "--json",
                   "--convention", "nn4n", "--lambda", "mse=1", "--lambda", "hid=0.01",
                   "--lambda", "fr=0.1"});
    QVERIFY(p.waitForFinished(kTimeoutMs));
    QCOMPARE(p.exitCode(), 0);
    const QJsonObject cli = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    const double cliFr = cli["lambdas"].toObject()["lambda_fr"].toDouble();
    QVERIFY2(near(lambdaFr, cliFr), qPrintable(QString("app λ_fr %1, CLI %2").arg(lambdaFr, 0, 'g', 17).arg(cliFr, 0, 'g', 17)));

    // The share by hand on the brute force's terms of the selection and of the whole.
    auto share = [&](const bruteforce::Terms& v) {
        const double fr = lambdaFr * *v.fr;
        return fr / (*v.mse + 0.01 * *v.hid + fr);
    };
    const double onSlice = share(bruteforce::compute(m_rec, true, range(0, 6), range(6, 10)));
    QVERIFY2(near(onSlice, 0.05), qPrintable(QString::number(onSlice, 'g', 17)));
    const double onWhole = share(bruteforce::compute(m_rec, true));
    QVERIFY2(std::abs(onWhole - 0.05) > 1e-3, "the selection does not tell the balances apart");
    QVERIFY2(said.contains("trials 0:6, neurons 6:10 of chunked.h5"), qPrintable(said));
    // Whole again: the dialog says so.
    QVERIFY(select(w, {}));
    BalanceDialog* whole = w.recordingSet()->openBalance();
    QVERIFY(whole);
    QVERIFY2(whole->dataText().contains("the whole of chunked.h5"), qPrintable(whole->dataText()));
}

// Issue 18, item 12: a selection that still has the neuron shown keeps it (in
// its new row), its table row selected and its PSTH that neuron's; one that
// does not have it clears it.
void TestSelection::neuronKeptAcrossSelections()
{
    MainWindow w(kReader);
    QVERIFY(load(w, m_chunked));
    w.selectNeuron(3);
    w.neuronTable()->selectNeurons({3});
    QVERIFY(settle(w));
    QCOMPARE(w.neuronDetail()->neuron(), 3);

    auto verifyNeuron3 = [&](int row, const std::vector<long>& trials) {
        QCOMPARE(w.lastResult()->neuron, row);
        QCOMPARE(w.neuronDetail()->neuron(), 3);
        QVERIFY2(w.neuronDetail()->psthTitle().contains("neuron 3"),
                 qPrintable(w.neuronDetail()->psthTitle()));
        QTRY_COMPARE(w.neuronTable()->selectedNeurons(), QVector<int>{row});
        const Psth& p = w.lastResult()->neuronPsth;
        QCOMPARE(p.mean.size(), std::size_t(kShape.time));
        for (long t = 0; t < kShape.time; ++t) {
            double sum = 0;
            for (long b : trials)
                sum += bruteforce::at(m_rec.states, kShape, b, t, 3, kShape.nHid);
            QVERIFY(near(p.mean[std::size_t(t)], sum / double(trials.size())));
        }
    };
    QVERIFY(select(w, {{}, {}, {}, {}, "E"})); // neurons 0-7: neuron 3 in row 3
    verifyNeuron3(3, range(0, 12));
    QVERIFY(select(w, {"0:4", {}, "2:6", {}, {}})); // neuron 3 in row 1
    verifyNeuron3(1, range(0, 4));
    QVERIFY(select(w, {}));
    verifyNeuron3(3, range(0, 12));
    QVERIFY(select(w, {{}, {}, {}, {}, "I"})); // neurons 8, 9: not neuron 3
    QCOMPARE(w.lastResult()->neuron, -1);
    QVERIFY(w.neuronTable()->selectedNeurons().isEmpty());
}

namespace {

/// What pdftoppm says of each PDF in `dir` (a reader's viewer: any message is
/// a defect of the file); empty when every one renders silently. `count` gets
/// how many there were.
QStringList pdfProblems(const QString& dir, int* count)
{
    QStringList problems;
    const QStringList pdfs = QDir(dir).entryList({"*.pdf"}, QDir::Files);
    *count = int(pdfs.size());
    for (const QString& name : pdfs) {
        QProcess p;
        p.start("pdftoppm", {"-r", "24", "-png", QDir(dir).filePath(name),
                             QDir(dir).filePath(name + "-render")});
        if (!p.waitForFinished(kTimeoutMs))
            problems << name + ": pdftoppm did not finish";
        const QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
        if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0 || !err.isEmpty())
            problems << QStringLiteral("%1: exit %2: %3").arg(name).arg(p.exitCode()).arg(err);
    }
    return problems;
}

} // namespace

// Issue 18, item 6: every chart exported to PDF renders without a message from
// pdftoppm: the whole recording, slices, the PSTH split by trial label (its
// band then empty: it was written as a closepath with no current point) and
// several neurons overlaid, headless and from the window.
void TestSelection::everyPdfRenders()
{
    QProcess probe;
    probe.start("pdftoppm", {"-v"});
    if (!probe.waitForFinished(kTimeoutMs) || probe.exitStatus() != QProcess::NormalExit)
        QFAIL("pdftoppm (poppler-utils, scripts/deps) is needed to render the PDFs");
    const QString example = QStringLiteral(RNNLOSS_SOURCE_DIR "/resources/example.h5");
    const QList<QStringList> runs = {
        {example, "--neurons", "19,20", "--split-by-label"}, // the case
        {m_chunked},
        {m_chunked, "--neurons", "2,3", "--split-by-label"},
        {m_chunked, "--trials", "0:4", "--steps", "5:20", "--neurons", "6:"},
        {m_chunked, "--trial-label", "left", "--neuron-group", "I", "--split-by-label"},
        {m_contiguous, "--neuron", "5", "--split-by-label"},
    };
    int i = 0;
    for (const QStringList& run : runs) {
        const QString dir = m_dir.filePath(QStringLiteral("pdf-%1").arg(i++));
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        env.insert("XDG_CONFIG_HOME", m_dir.filePath("config"));
        p.setProcessEnvironment(env);
        p.start(kExplorer, run + QStringList{"--export", dir, "--formats", "pdf"});
        QVERIFY(p.waitForFinished(kTimeoutMs));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        int count = 0;
        const QStringList problems = pdfProblems(dir, &count);
        QVERIFY2(count >= 15, qPrintable(QStringLiteral("%1 PDFs for %2").arg(count).arg(run.join(' '))));
        QVERIFY2(problems.isEmpty(), qPrintable(run.join(' ') + ":\n" + problems.join('\n')));
    }

    // From the window: several neurons' PSTHs overlaid with the population mean.
    MainWindow w(kReader);
    QVERIFY(load(w, m_chunked));
    w.selectNeuron(1);
    w.setPsthNeurons({1, 2, 5});
    QVERIFY(settle(w));
    QCOMPARE(w.neuronDetail()->psthTraceCount(), 3);
    const QString dir = m_dir.filePath("pdf-window");
    QVERIFY(QDir().mkpath(dir));
    for (const ExportOutcome& o : w.exporter()->exportAll(dir, {"pdf"}))
        QVERIFY2(o.ok(), qPrintable(o.error));
    int count = 0;
    const QStringList problems = pdfProblems(dir, &count);
    QVERIFY(count >= 15);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
}

// Issue 18, item 4: the headless export's PSTH and rate histogram are of the
// neuron asked for with --neuron, else of the most active neuron of the
// selection (not neuron 0); the PSTH CSV, its header and the figure's title
// name it, and its values are that neuron's PSTH by brute force.
void TestSelection::exportedNeuron()
{
    auto run = [&](const QStringList& args, QString* err) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        env.insert("XDG_CONFIG_HOME", m_dir.filePath("config"));
        p.setProcessEnvironment(env);
        p.start(kExplorer, args);
        if (!p.waitForFinished(kTimeoutMs))
            return -1;
        *err = QString::fromUtf8(p.readAllStandardError());
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    };
    // The PSTH of neuron `n` over `trials` and `steps` against the CSV's rows.
    auto verifyCsv = [&](const QString& dir, long n, const std::vector<long>& trials,
                         const std::vector<long>& steps) {
        QFile f(QDir(dir).filePath("chunked-psth.csv"));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(dir));
        const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
        const QString name = QStringLiteral("neuron %1").arg(n);
        QVERIFY2(lines.value(0).contains("neuron=\"" + name + "\""), qPrintable(lines.value(0)));
        QCOMPARE(lines.value(1), QStringLiteral("step,time_ms,\"mean (%1)\",\"sd (%1)\"").arg(name));
        QCOMPARE(lines.size(), int(steps.size()) + 2);
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const QStringList cells = lines[int(i) + 2].split(',');
            QCOMPARE(cells.value(0).toLong(), steps[i]);
            QVERIFY(near(cells.value(1).toDouble(), 10.0 * double(steps[i])));
            double sum = 0, sq = 0;
            for (long b : trials) {
                const double x = bruteforce::at(m_rec.states, kShape, b, steps[i], n, kShape.nHid);
                sum += x;
                sq += x * x;
            }
            const double mean = sum / double(trials.size());
            QVERIFY2(near(cells.value(2).toDouble(), mean), qPrintable(lines[int(i) + 2]));
            QVERIFY2(near(cells.value(3).toDouble(),
                          std::sqrt(std::max(0.0, sq / double(trials.size()) - mean * mean)), 1e-7),
                     qPrintable(lines[int(i) + 2]));
        }
        QFile svg(QDir(dir).filePath("chunked-psth.svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        QVERIFY2(svg.readAll().contains("PSTH of " + name.toUtf8()), qPrintable(dir));
        QFile hist(QDir(dir).filePath("chunked-neuron-histogram.csv"));
        QVERIFY(hist.open(QIODevice::ReadOnly));
        QVERIFY(hist.readLine().contains("neuron=\"" + name.toUtf8() + "\""));
    };
    // Without --neuron: the most active of the selection, by the brute force's mean rates.
    const std::vector<long> trials{1, 4, 7, 10}, steps = range(5, 25); // label "right"
    long best = -1;
    double bestRate = -1;
    for (long n = 0; n < 8; ++n) { // group E
        double sum = 0;
        for (long b : trials)
            for (long t : steps)
                sum += bruteforce::at(m_rec.states, kShape, b, t, n, kShape.nHid);
        if (sum > bestRate) {
            bestRate = sum;
            best = n;
        }
    }
    QString err;
    const QString dir = m_dir.filePath("export-neuron-auto");
    QCOMPARE(run({m_chunked, "--trial-label", "right", "--steps", "5:25", "--neuron-group", "E",
                  "--export", dir, "--formats", "csv,svg"}, &err), 0);
    verifyCsv(dir, best, trials, steps);
    // --neuron: that one, by the recording's number, within a selection of neurons.
    const QString four = m_dir.filePath("export-neuron-4");
    QCOMPARE(run({m_chunked, "--neurons", "2:6", "--neuron", "4", "--export", four, "--formats",
                  "csv,svg"}, &err), 0);
    verifyCsv(four, 4, range(0, 12), range(0, 30));
    // A neuron the selection does not have, or no number: refused, nothing written.
    const QString none = m_dir.filePath("export-neuron-none");
    QCOMPARE(run({m_chunked, "--neuron-group", "E", "--neuron", "8", "--export", none}, &err), 2);
    QVERIFY2(err.contains(m_chunked + ": --neuron 8: not among the 8 neurons shown"), qPrintable(err));
    QVERIFY(QDir(none).entryList(QDir::Files).isEmpty());
    QCOMPARE(run({m_chunked, "--neuron", "x", "--export", none}, &err), 2);
    QVERIFY2(err.contains("--neuron x"), qPrintable(err));
}

// Issue 18, item 11: the band of a single PSTH. The 10–90 % band holds the
// quantiles across the selected trials (against quantileLinear on the test's
// own arrays), per label when split; the SEM band divides by the selection's
// trial count.
void TestSelection::psthQuantileAndSemBands()
{
    MainWindow w(kReader);
    QVERIFY(load(w, m_chunked));
    QVERIFY(select(w, {"1:11", "10:20", {}, {}, {}}));
    const std::vector<long> trials = range(1, 11), steps = range(10, 20);
    QVERIFY(w.summary()->slice);
    QCOMPARE(w.summary()->slice->trials.size(), trials.size());
    w.selectNeuron(3);
    QVERIFY(settle(w));
    NeuronDetailView* d = w.neuronDetail();
    auto column = [&](long t, const std::vector<long>& bs) {
        std::vector<double> v;
        for (long b : bs)
            v.push_back(bruteforce::at(m_rec.states, kShape, b, t, 3, kShape.nHid));
        return v;
    };

    // SEM: the sample SD over the root of the 10 trials.
    pickBand(d, 1);
    QVERIFY(settle(w));
    QCOMPARE(w.lastResult()->trials, 10);
    QList<QPointF> upper = d->bandUpper();
    QCOMPARE(upper.size(), qsizetype(steps.size()));
    for (std::size_t k = 0; k < steps.size(); ++k) {
        const std::vector<double> v = column(steps[k], trials);
        double mean = 0, ss = 0;
        for (double x : v)
            mean += x / double(v.size());
        for (double x : v)
            ss += (x - mean) * (x - mean);
        const double sem = std::sqrt(ss / double(v.size() - 1)) / std::sqrt(double(v.size()));
        QVERIFY2(near(upper[qsizetype(k)].y(), mean + sem, 1e-6),
                 qPrintable(QString("step %1: band %2, mean + SEM %3")
                                .arg(steps[k])
                                .arg(upper[qsizetype(k)].y())
                                .arg(mean + sem)));
    }

    // The 10–90 % band: computed on the worker once asked for.
    QVERIFY(w.lastResult()->neuronQ10.empty());
    pickBand(d, 2);
    QVERIFY(settle(w));
    const ComputeResult& r = *w.lastResult();
    QVERIFY2(r.detailNote.empty(), r.detailNote.c_str());
    QCOMPARE(r.neuronQ10.size(), steps.size());
    const QList<QPointF> lower = d->bandLower();
    upper = d->bandUpper();
    QCOMPARE(lower.size(), qsizetype(steps.size()));
    for (std::size_t k = 0; k < steps.size(); ++k) {
        const std::vector<double> v = column(steps[k], trials);
        QVERIFY(near(r.neuronQ10[k], quantileLinear(v, 0.1), 1e-12));
        QVERIFY(near(r.neuronQ90[k], quantileLinear(v, 0.9), 1e-12));
        QVERIFY(near(lower[qsizetype(k)].y(), quantileLinear(v, 0.1), 1e-12));
        QVERIFY(near(upper[qsizetype(k)].y(), quantileLinear(v, 0.9), 1e-12));
    }

    // Split by label: each label's trial count and quantiles over its trials.
    w.analysis()->setSplitByLabel(true);
    QVERIFY(settle(w));
    const ComputeResult& s = *w.lastResult();
    QCOMPARE(s.labelPsths.size(), std::size_t(3));
    for (const LabelPsth& l : s.labelPsths) {
        std::vector<long> own;
        for (long b : trials)
            if (trialLabels()[std::size_t(b)] == l.label)
                own.push_back(b);
        QCOMPARE(l.trials, int(own.size()));
        QCOMPARE(l.q90.size(), steps.size());
        for (std::size_t k = 0; k < steps.size(); ++k) {
            QVERIFY(near(l.q10[k], quantileLinear(column(steps[k], own), 0.1), 1e-12));
            QVERIFY(near(l.q90[k], quantileLinear(column(steps[k], own), 0.9), 1e-12));
        }
    }
}

// Issue 18, item 11: no rate of this recording is below 0 (rectified), so
// the SD band, whose mean - SD does go below 0 here, is clipped at 0.
void TestSelection::psthBandStaysAboveZero()
{
    MainWindow w(kReader);
    QVERIFY(load(w, m_chunked));
    w.selectNeuron(2);
    QVERIFY(settle(w));
    pickBand(w.neuronDetail(), 0);
    QVERIFY(settle(w));
    const Psth& p = w.lastResult()->neuronPsth;
    bool wouldCross = false;
    for (std::size_t t = 0; t < p.mean.size(); ++t)
        wouldCross = wouldCross || p.mean[t] - p.sd[t] < 0;
    QVERIFY2(wouldCross, "the test needs a neuron whose mean - SD goes below 0");
    const QList<QPointF> lower = w.neuronDetail()->bandLower();
    QCOMPARE(lower.size(), qsizetype(kShape.time));
    for (const QPointF& q : lower)
        QVERIFY2(q.y() >= 0.0, qPrintable(QString("band at %1 is %2").arg(q.x()).arg(q.y())));

    // A recording with negative rates is not clipped: the range is open.
    Summary neg;
    neg.neuronMin = {0.0, -0.5, 1.0};
    const auto [lo, hi] = rateRange(&neg);
    QVERIFY(std::isinf(lo) && lo < 0 && std::isinf(hi));
    neg.neuronMin = {0.0, 0.5, 1.0};
    QCOMPARE(rateRange(&neg).first, 0.0);
}

// The gzip file has no raw layout: the quantile band says what it needs.
void TestSelection::quantilesNeedUncompressedStates()
{
    MainWindow w(kReader);
    QVERIFY(load(w, m_gzip));
    w.selectNeuron(1);
    QVERIFY(settle(w));
    pickBand(w.neuronDetail(), 2);
    QVERIFY(settle(w));
    QVERIFY(w.lastResult()->neuronQ10.empty());
    QVERIFY2(w.neuronDetail()->note().contains("uncompressed recording"),
             qPrintable(w.neuronDetail()->note()));
    QVERIFY(w.neuronDetail()->bandLower().isEmpty());
}

QTEST_MAIN(TestSelection)
#include "test_selection.moc"
