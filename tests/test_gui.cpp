// The real MainWindow, driven offscreen: loading through the reader process,
// recomputing on the compute thread (with coalescing), errors that keep the
// data, cancel, undo/redo, conventions, neuron selection, exports, settings,
// the app's --screenshot mode, and a measure of the lambda-change latency.

#include "clijson.h"
#include "computeworker.h"
#include "lambdapanel.h"
#include "headlessexport.h"
#include "heatmapview.h"
#include "loadcontroller.h"
#include "loss.h"
#include "lossbreakdownview.h"
#include "gradientcontroller.h"
#include "mainwindow.h"
#include "populationcontroller.h"
#include "populationsource.h"
#include "neurondetailview.h"
#include "neuronstats.h"
#include "neurontable.h"
#include "ratehistogramview.h"
#include "rawh5.h"
#include "readerprocess.h"
#include "terms.h"
#include "writer.h"

#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDialog>
#include <QDockWidget>
#include <QMenuBar>
#include <QTextBrowser>
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
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSvgRenderer>
#include <QPainter>
#include <QTableView>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QXmlStreamReader>
#include <QtTest>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <thread>
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
const QString kReader = QStringLiteral(RNNLOSS_READER);
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

/// Why `img` is not the picture of a chart: missing, one colour, or (almost)
/// nothing but white; empty when it is one.
QString blankness(const QImage& img)
{
    if (img.isNull() || img.width() < 50 || img.height() < 50)
        return QStringLiteral("no picture (%1x%2)").arg(img.width()).arg(img.height());
    QSet<QRgb> colours;
    qint64 inked = 0, seen = 0;
    for (int y = 0; y < img.height(); y += 2)
        for (int x = 0; x < img.width(); x += 2, ++seen) {
            const QRgb c = img.pixel(x, y);
            colours.insert(c);
            inked += qGray(c) < 200;
        }
    if (colours.size() < 4)
        return QStringLiteral("%1 colour(s) only").arg(colours.size());
    if (inked < seen / 1000)
        return QStringLiteral("nearly blank: %1 of %2 pixels drawn").arg(inked).arg(seen);
    return {};
}

/// A 48x48 grey thumbnail, to tell pictures apart whatever their size.
QImage thumbnail(const QImage& img)
{
    return img.scaled(48, 48, Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
        .convertToFormat(QImage::Format_Grayscale8);
}

/// Mean absolute difference of two thumbnails, in grey levels (0-255).
double thumbnailDistance(const QImage& a, const QImage& b)
{
    double sum = 0;
    for (int y = 0; y < 48; ++y)
        for (int x = 0; x < 48; ++x)
            sum += std::abs(qGray(a.pixel(x, y)) - qGray(b.pixel(x, y)));
    return sum / (48.0 * 48.0);
}

/// What is wrong with pictures of distinct charts: blank ones, and any two
/// that look the same (one chart written under another's name).
QStringList pictureProblems(const QMap<QString, QImage>& pictures)
{
    QStringList out;
    QMap<QString, QImage> thumbs;
    for (auto it = pictures.begin(); it != pictures.end(); ++it) {
        if (const QString b = blankness(it.value()); !b.isEmpty())
            out << it.key() + ": " + b;
        else
            thumbs[it.key()] = thumbnail(it.value());
    }
    for (auto a = thumbs.begin(); a != thumbs.end(); ++a)
        for (auto b = std::next(a); b != thumbs.end(); ++b)
            if (const double d = thumbnailDistance(a.value(), b.value()); d < 1.0)
                out << QStringLiteral("%1 and %2 look the same (distance %3)")
                           .arg(a.key(), b.key())
                           .arg(d);
    return out;
}

/// An SVG file drawn as a reader's viewer would (Qt's renderer), on white.
QImage renderSvg(const QString& path)
{
    QSvgRenderer r(path);
    if (!r.isValid())
        return {};
    QImage img(r.defaultSize(), QImage::Format_RGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    r.render(&p);
    return img;
}

/// A PDF's first page rendered by pdftoppm (poppler, scripts/deps); null when
/// it cannot be, with pdftoppm's words in `error`.
QImage renderPdf(const QString& path, QString* error)
{
    QProcess p;
    p.start("pdftoppm", {"-r", "48", "-png", "-singlefile", path, path + "-page"});
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        *error = path + ": pdftoppm: " + QString::fromUtf8(p.readAllStandardError());
        return {};
    }
    *error = QString::fromUtf8(p.readAllStandardError()).trimmed();
    return QImage(path + "-page.png");
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
    void secondLoadSupersedes();
    void undoRedo();
    void conventionSwitch();
    void neuronSelection();
    void exports();
    void exportFailures();
    void settingsRoundTrip();
    void restartRestoresSession();
    void redoShortcuts();
    void undoWithFieldFocus();
    void openingUsesTheFilesLambdas_data();
    void openingUsesTheFilesLambdas();
    void statusSaysAbsent();
    void resetButtons();
    void fileConvention_data();
    void fileConvention();
    void helpAndViewMenus();
    void smallWindow();
    void headlessExport();
    void headlessExportSizeAndCaption();
    void headlessExportRunsScatter();
    void lambdasFromFile();
    void helpWithoutDisplay();
    void screenshotMode();
    void weightsMismatchInStatus();
    void responsiveness();

private:
    /// Waits until the window shows the result of the latest request.
    bool settle(MainWindow& w, int timeoutMs = kResultTimeoutMs);
    /// Opens `file` and waits for loadFinished; returns its argument.
    bool load(MainWindow& w, const QString& file, QString* why = nullptr);
    /// The breakdown shown (terms, total, bars, panel) against the brute force
    /// on the arrays of the files shown, weighted by hand (rawh5.h), to 1e-9.
    void verifyShownMatchesBruteForce(MainWindow& w);
    /// `rnnloss compute` on the file shown with the window's lambdas and
    /// convention, against the brute force and against the breakdown shown
    /// (to 1e-9); `json` gets the CLI's output.
    void verifyShownMatchesCli(const MainWindow& w, QJsonObject* json = nullptr);
    /// The environment of an app started for --export (offscreen, own settings).
    QProcessEnvironment headlessEnv() const;

    QTemporaryDir m_tmp;
    /// The Runs scatter's CSV in `dir`: one row per run of `last` (its last
    /// checkpoint's arrays), its participation ratio and MSE by brute force.
    void verifyRunsScatterCsv(const QString& dir, const Shape& shape,
                              const std::map<QString, std::pair<double, Recording>>& last);

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
    const QJsonObject cli = clijson::run(
        kCli, clijson::computeArgs(w.recordingFile(), w.weightsFile(), w.state().effective(),
                                   w.state().convention),
        kLoadTimeoutMs, &err);
    if (json)
        *json = cli;
    QVERIFY2(err.isEmpty(), qPrintable(err));
    const auto want = rawh5::termValues(w.recordingFile(), w.weightsFile(), w.state().convention);
    const QStringList b = rawh5::diff(clijson::lossOf(cli), want, w.state().effective(), 1e-9);
    QVERIFY2(b.isEmpty(), qPrintable("the CLI against the brute force: " + b.join("; ")));
    const QStringList d = clijson::diff(cli, w.breakdownView()->result(), 1e-9);
    QVERIFY2(d.isEmpty(), qPrintable("the CLI against the window: " + d.join("; ")));
}

void TestGui::verifyShownMatchesBruteForce(MainWindow& w)
{
    QVERIFY(w.summary());
    QVERIFY(w.lastResult());
    const LambdaState st = w.state();
    const auto want = rawh5::termValues(w.recordingFile(), w.weightsFile(), st.convention);
    const QStringList d = rawh5::diff(w.breakdownView()->result(), want, st.effective(), 1e-9);
    QVERIFY2(d.isEmpty(), qPrintable(d.join("; ")));
    QCOMPARE(w.lastResult()->lambdas, st.effective());
    QCOMPARE(w.lastResult()->convention, st.convention);
    QCOMPARE(w.lambdaPanel()->rawLambdas(), st.values);
    QCOMPARE(w.lambdaPanel()->enabled(), st.enabled);
    QCOMPARE(w.lambdaPanel()->convention(), st.convention);
    // The bars as plotted: λ × the brute force's value, and their sum.
    const QList<double> bars = w.breakdownView()->weightedBars();
    QCOMPARE(bars.size(), kTermCount + 1);
    double total = 0.0;
    for (int i = 0; i < kTermCount; ++i) {
        const double l = st.effective()[std::size_t(i)];
        // A term of weight 0 stands at the axis' base (on a log axis, its floor: not drawn).
        const double expected = l != 0.0 && want[std::size_t(i)] ? l * *want[std::size_t(i)]
                                                                 : w.breakdownView()->barBase();
        if (l != 0.0 && want[std::size_t(i)])
            total += expected;
        QVERIFY2(relDiff(bars[i], expected) <= 1e-9,
                 qPrintable(QString("bar %1: %2 vs %3").arg(i).arg(bars[i]).arg(expected)));
    }
    if (w.breakdownView()->result().total)
        QVERIFY(relDiff(bars[kTermCount], total) <= 1e-9);
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

    m_w = std::make_unique<MainWindow>(kReader);
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
    // No axis saved: the breakdown picks log, as its bars span more than two
    // decades (MSE 2.9e-2 beside hid 2.7e-5), so no regulariser is invisible.
    QVERIFY(w.breakdownView()->autoLogScale());
    QVERIFY(w.breakdownView()->logScale());
    QVERIFY(w.breakdownView()->barBase() < 2.7e-5);

    // The file's training lambdas became the lambdas.
    const LambdaState st = w.state();
    // The example says how it was trained (loss_convention "seed", the old
    // name of spec): a recording's own convention beats the default (nn4n).
    QVERIFY(w.summary()->lossConvention);
    QCOMPARE(st.convention, Convention::Spec);
    for (Term t : kAllTerms) {
        const auto& tl = w.summary()->trainingLambdas[index(t)];
        QVERIFY(tl);
        QCOMPARE(st.values[index(t)], *tl);
        QCOMPARE(st.enabled[index(t)], *tl != 0.0);
    }
    verifyShownMatchesBruteForce(w);

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
    verifyShownMatchesBruteForce(w);

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
    verifyShownMatchesBruteForce(w);

    // applyState, as the menu actions and undo use it.
    LambdaState s = w.state();
    s.values[index(Term::Out)] = 0.3;
    s.enabled[index(Term::Out)] = true;
    w.applyState(s);
    QVERIFY(w.state() == s);
    QVERIFY(settle(w));
    verifyShownMatchesBruteForce(w);
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
    verifyShownMatchesBruteForce(w);
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
    verifyShownMatchesBruteForce(w);
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
}

// Apart from cancelKeepsData, whose second part may be skipped (a load too
// quick to cancel), so that this runs whatever happened there.
void TestGui::secondLoadSupersedes()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
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
    verifyShownMatchesBruteForce(w);
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
    verifyShownMatchesBruteForce(w);
    QCOMPARE(w.breakdownView()->result()[Term::Fr].lambda, s1.values[index(Term::Fr)]);

    w.undoStack()->undo();
    QVERIFY(w.state() == s0);
    QVERIFY(settle(w));
    verifyShownMatchesBruteForce(w);
    QCOMPARE(w.lambdaPanel()->rawLambdas(), s0.values);

    w.undoStack()->redo();
    QVERIFY(w.state() == s1);
    QVERIFY(settle(w));
    verifyShownMatchesBruteForce(w);

    w.undoStack()->redo();
    QVERIFY(w.state() == s2);
    QVERIFY(settle(w));
    verifyShownMatchesBruteForce(w);
    const QString d = lossDiff(w.breakdownView()->result(), r2, 0.0);
    QVERIFY2(d.isEmpty(), qPrintable(d));
    QVERIFY(shown.count() >= 6);
}

// 8. ---------------------------------------------------------------------------
void TestGui::conventionSwitch()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    // The example opens in its own convention (spec); switch to the other.
    const Convention start = w.state().convention;
    const Convention other = start == Convention::Spec ? Convention::Nn4n : Convention::Spec;
    const QString otherName = qs(conventionName(other)), startName = qs(conventionName(start));
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
    combo->setCurrentIndex(combo->findText(otherName));
    QCOMPARE(w.state().convention, other);
    QVERIFY(settle(w));
    QCOMPARE(w.lastResult()->convention, other);
    verifyShownMatchesBruteForce(w);
    const LossResult after = w.breakdownView()->result();
    const auto want = rawh5::termValues(kExample, {}, other);
    int differing = 0;
    for (Term t : {Term::Fr, Term::FrSd, Term::FrCv}) {
        QVERIFY(after[t].value && want[std::size_t(index(t))]);
        QVERIFY(relDiff(*after[t].value, *want[std::size_t(index(t))]) <= 1e-9);
        if (relDiff(*after[t].value, *before[t].value) > 1e-9)
            ++differing;
    }
    QVERIFY2(differing >= 2, "the rate terms should differ between the conventions");
    // The other terms do not depend on the convention.
    for (Term t : {Term::Mse, Term::In, Term::Hid, Term::Out})
        QVERIFY(relDiff(after[t].value.value_or(-1), before[t].value.value_or(-1)) <= 1e-12);
    // The per-neuron statistics follow the convention.
    QVERIFY(w.lastResult()->stats != beforeStats);
    const NeuronStats st = computeNeuronStats(*w.summary(), other);
    for (std::size_t n = 0; n < st.size(); ++n)
        QVERIFY(relDiff(w.lastResult()->stats->frContribution[n], st.frContribution[n]) <= 1e-12);
    // The CLI with the same --convention agrees.
    QString err;
    const QJsonObject json = cliCompute(kExample, w.state().effective(), other, &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    const QStringList d = clijson::diff(json, after, 1e-9);
    QVERIFY2(d.isEmpty(), qPrintable(d.join("; ")));

    // Undo switches back.
    w.undoStack()->undo();
    QCOMPARE(w.state().convention, start);
    QCOMPARE(combo->currentText(), startName);
    QVERIFY(settle(w));
    verifyShownMatchesBruteForce(w);
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
    // The window reads a selected neuron's histogram and PSTH from the file on
    // demand; the reference is the reader process's own full pass (HDF5 reads,
    // every neuron's per-time sums and histograms kept), another path.
    ReaderJob full;
    full.readerExe = kReader.toStdString();
    full.recording = kExample.toStdString();
    const ReaderOutcome ref = ReaderProcess().run(full);
    QVERIFY2(ref.summary && !ref.summary->layout, ref.error.c_str());
    const Histogram h = neuronRateHistogram(*ref.summary, 5);
    QVERIFY(!h.counts.empty());
    QCOMPARE(w.lastResult()->neuronHistogram.counts, h.counts);
    QCOMPARE(w.lastResult()->neuronHistogram.lo, h.lo);
    const Psth p = psth(*ref.summary, 5);
    QCOMPARE(w.lastResult()->neuronPsth.mean.size(), std::size_t(100));
    QCOMPARE(w.lastResult()->neuronPsth.mean, p.mean);
    QCOMPARE(w.lastResult()->neuronPsth.sd, p.sd);

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
    // Charts of every tab; each picture drawn (PNG as written, SVG by Qt's
    // renderer, PDF by poppler) is a chart of its own, not blank.
    QMap<QString, QImage> pictures;
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
                pictures[path] = img;
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
                pictures[path] = renderSvg(path);
            } else {
                QVERIFY(bytes.startsWith("%PDF"));
                QString err;
                pictures[path] = renderPdf(path, &err);
                QVERIFY2(err.isEmpty(), qPrintable(err));
            }
        }
    }
    w.setTabIndexForScreenshot(0);
    for (const QString suffix : {"png", "svg", "pdf"}) {
        QMap<QString, QImage> ofFormat;
        for (auto it = pictures.begin(); it != pictures.end(); ++it)
            if (it.key().endsWith(suffix))
                ofFormat[it.key()] = it.value();
        QCOMPARE(ofFormat.size(), 4);
        const QStringList problems = pictureProblems(ofFormat);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
    }

    const ComputeResult& r = *w.lastResult();
    // Breakdown CSV: header, seven terms, total.
    {
        const QString path = m_tmp.filePath("breakdown.csv");
        const ExportOutcome out = w.exporter()->exportTable("breakdown", path);
        QVERIFY2(out.ok(), qPrintable(out.error));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
        QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
        QVERIFY2(lines.value(0).startsWith("# file=example.h5 convention=" +
                                           qs(conventionName(w.state().convention))),
                 qPrintable(lines.value(0)));
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
        // The table's CV is over time; "cv" alone would read as fr_cv (across neurons).
        QVERIFY2(lines[0].contains(",sd,cv_over_time,min,"), qPrintable(lines[0]));
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
        // The call, then under spec (with a firing-rate term on) a comment
        // warning that nn4n computes those terms differently.
        const QString full = w.nn4nLine();
        const qsizetype hash = full.indexOf(QStringLiteral("  #"));
        const QString line = hash < 0 ? full : full.left(hash);
        const TermArray eff = w.state().effective();
        const bool rateOn = eff[index(Term::Fr)] != 0 || eff[index(Term::FrSd)] != 0 ||
                            eff[index(Term::FrCv)] != 0;
        QCOMPARE(hash >= 0, w.state().convention == Convention::Spec && rateOn);
        QVERIFY2(line.startsWith("RNNLoss(model"), qPrintable(line));
        QVERIFY(line.endsWith(")"));
        int nonzero = 0;
        for (Term t : kAllTerms) {
            const double l = w.state().effective()[index(t)];
            const QRegularExpression re(QString("%1=([^,)]+)").arg(qs(lambdaKey(t))));
            const auto m = re.match(line);
            // lambda_mse is always written: nn4n's default for it is 1, not 0.
            if (l != 0.0 || t == Term::Mse) {
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
    MainWindow empty(kReader);
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
    verifyShownMatchesBruteForce(w);
    w.saveSettings();

    MainWindow w2(kReader);
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
    verifyShownMatchesBruteForce(w2);
}

// Issue 11, defect 8: tuned lambdas, the last recording and the view options
// survive a restart; saved lambdas never land on another recording.
void TestGui::restartRestoresSession()
{
    QString why;
    const QString other = kFixtures + "/noweights.h5";
    LambdaState tuned;
    {
        MainWindow w(kReader);
        QVERIFY2(load(w, kExample, &why), qPrintable(why));
        QVERIFY(settle(w));
        tuned = w.state();
        tuned.values[index(Term::Fr)] = 0.0123;
        tuned.enabled[index(Term::Fr)] = true;
        tuned.values[index(Term::Hid)] = 0.5; // kept while disabled
        tuned.enabled[index(Term::Hid)] = false;
        w.applyState(tuned);
        w.breakdownView()->setLogScale(true);
        w.breakdownView()->setShowUnweighted(true);
        w.rateView()->setBinCount(33);
        QVERIFY(settle(w));
        w.saveSettings();
    }
    QCOMPARE(MainWindow::lastSessionRecording(), QFileInfo(kExample).absoluteFilePath());
    {
        // Restarted on the same recording: the tuned lambdas, not the file's.
        MainWindow w(kReader);
        QVERIFY(!w.breakdownView()->logScale());
        w.restoreSettings();
        QVERIFY(w.breakdownView()->logScale());
        QVERIFY(w.breakdownView()->showUnweighted());
        QCOMPARE(w.rateView()->binCount(), 33);
        QVERIFY2(load(w, MainWindow::lastSessionRecording(), &why), qPrintable(why));
        QVERIFY(settle(w));
        QVERIFY(w.state() == tuned);
        w.breakdownView()->setLogScale(false); // verifyShownMatchesBruteForce reads linear bars
        verifyShownMatchesBruteForce(w);
    }
    {
        // Restarted on another recording: that recording's own lambdas, as the CLI takes them.
        MainWindow w(kReader);
        w.restoreSettings();
        QVERIFY2(load(w, other, &why), qPrintable(why));
        QVERIFY(settle(w));
        QString err;
        const QJsonObject cli = clijson::run(kCli, {"compute", "--json", other}, kLoadTimeoutMs, &err);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        for (Term t : kAllTerms)
            QCOMPARE(w.state().effective()[index(t)],
                     cli["terms"].toObject()[qs(termKey(t))].toObject()["lambda"].toDouble());
    }
}

// Issue 11, defect 1: Redo from the keyboard (Ctrl+Shift+Z and Ctrl+Y), no
// shortcut bound twice.
void TestGui::redoShortcuts()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    QMap<QString, QString> owner;
    for (QAction* a : w.findChildren<QAction*>())
        for (const QKeySequence& k : a->shortcuts()) {
            const QString key = k.toString(QKeySequence::PortableText);
            QVERIFY2(!owner.contains(key),
                     qPrintable(QString("%1 bound to '%2' and '%3'").arg(key, owner.value(key), a->text())));
            owner.insert(key, a->text());
        }
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    const LambdaState s0 = w.state();
    for (const QKeyCombination redoKey : {QKeyCombination(Qt::ControlModifier | Qt::ShiftModifier, Qt::Key_Z),
                                          QKeyCombination(Qt::ControlModifier, Qt::Key_Y)}) {
        LambdaState s = s0;
        s.values[index(Term::Out)] = s0.values[index(Term::Out)] + 0.25;
        s.enabled[index(Term::Out)] = true;
        w.applyState(s);
        QTest::keyClick(&w, Qt::Key_Z, Qt::ControlModifier);
        QVERIFY(w.state() == s0);
        QTest::keyClick(&w, redoKey.key(), redoKey.keyboardModifiers());
        QVERIFY2(w.state() == s, qPrintable(QKeySequence(redoKey).toString()));
        w.applyState(s0);
    }
    QVERIFY(settle(w));
}

// Issue 11, defect 2: Ctrl+Z in a lambda field undoes the last change in the
// window's history; it is not recorded as a new change.
void TestGui::undoWithFieldFocus()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    QLineEdit* fr = panelRow<QLineEdit>(w, Term::Fr);
    QVERIFY(fr && fr->isEnabled());
    const LambdaState s0 = w.state();
    fr->setFocus();
    fr->selectAll();
    QTest::keyClicks(fr, "0.5");
    QTest::keyClick(fr, Qt::Key_Return);
    QCOMPARE(w.state().values[index(Term::Fr)], 0.5);
    const int steps = w.undoStack()->count();
    QVERIFY(fr->hasFocus());
    QTest::keyClick(fr, Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(w.state() == s0);
    QCOMPARE(w.undoStack()->count(), steps); // nothing new recorded
    QVERIFY(w.undoStack()->canRedo());
    QCOMPARE(fr->text(), LambdaPanel::formatLambda(s0.values[index(Term::Fr)]));
    QTest::keyClick(fr, Qt::Key_Y, Qt::ControlModifier);
    QCOMPARE(w.state().values[index(Term::Fr)], 0.5);
    QCOMPARE(fr->text(), QStringLiteral("0.5"));
    QVERIFY(!w.undoStack()->canRedo());
    w.undoStack()->undo();
    QVERIFY(settle(w));
    verifyShownMatchesBruteForce(w);
}

// Issue 11, defect 7: a recording opens with its own lambdas (unlisted terms
// 0), the same lambdas and total as `rnnloss compute` on it, whatever was shown before.
void TestGui::openingUsesTheFilesLambdas_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("no lambda attributes") << "noweights.h5";
    QTest::newRow("some lambdas, some unusable") << "attrs_odd.h5";
    QTest::newRow("all seven") << "good_f64.h5";
}

void TestGui::openingUsesTheFilesLambdas()
{
    QFETCH(QString, file);
    const QString path = kFixtures + "/" + file;
    MainWindow w(kReader);
    QString why;
    QVERIFY2(load(w, kExample, &why), qPrintable(why));
    LambdaState s = w.state();
    s.values.fill(0.001);
    s.enabled.fill(true);
    w.applyState(s); // every lambda set by hand before the next file
    QVERIFY(settle(w));
    QVERIFY2(load(w, path, &why), qPrintable(why));
    QVERIFY(settle(w));
    QString err;
    const QJsonObject cli = clijson::run(kCli, {"compute", "--json", path}, kLoadTimeoutMs, &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    for (Term t : kAllTerms)
        QVERIFY2(w.state().effective()[index(t)] ==
                     cli["terms"].toObject()[qs(termKey(t))].toObject()["lambda"].toDouble(),
                 qPrintable(qs(termKey(t))));
    const QStringList d = clijson::diff(cli, w.breakdownView()->result(), 1e-9);
    QVERIFY2(d.isEmpty(), qPrintable(d.join("; ")));
    QCOMPARE(w.undoStack()->count(), 0);
}

// Issue 11, defect 15.
void TestGui::statusSaysAbsent()
{
    MainWindow w(kReader);
    QString why;
    QVERIFY2(load(w, kFixtures + "/only_states.h5", &why), qPrintable(why));
    QVERIFY2(w.statusText().contains("N_in absent"), qPrintable(w.statusText()));
    QVERIFY2(w.statusText().contains("N_out absent"), qPrintable(w.statusText()));
    QVERIFY2(!w.statusText().contains("N_in=0"), qPrintable(w.statusText()));
    QVERIFY2(w.statusText().contains(QString("N_hid=%1").arg(w.summary()->shape.nHid)),
             qPrintable(w.statusText()));
}

// Issue 11, item 2: a recording's loss_convention attribute sets its convention
// in the app and in the CLI; an unknown name is ignored with a warning.
void TestGui::fileConvention_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("convention");
    QTest::addColumn<bool>("warned");
    QTest::newRow("fixed-length string") << "convention_spec.h5" << "spec" << false;
    QTest::newRow("variable-length UTF-8") << "convention_spec_vlen.h5" << "spec" << false;
    QTest::newRow("unknown name") << "convention_bad.h5" << "nn4n" << true;
    QTest::newRow("none") << "good_f64.h5" << "nn4n" << false;
}

void TestGui::fileConvention()
{
    QFETCH(QString, file);
    QFETCH(QString, convention);
    QFETCH(bool, warned);
    const QString path = kFixtures + "/" + file;
    MainWindow w(kReader);
    QString why;
    QVERIFY2(load(w, path, &why), qPrintable(why));
    QVERIFY(settle(w));
    QCOMPARE(qs(conventionName(w.state().convention)), convention);
    QCOMPARE(w.lambdaPanel()->convention(), w.state().convention);
    const bool hasWarning = std::any_of(w.summary()->warnings.begin(), w.summary()->warnings.end(),
                                        [](const std::string& m) { return m.find("loss_convention") != std::string::npos; });
    QCOMPARE(hasWarning, warned);
    QString err;
    const QJsonObject cli = clijson::run(kCli, {"compute", "--json", path}, kLoadTimeoutMs, &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    QCOMPARE(cli["convention"].toString(), convention);
    // The command line still wins.
    const QJsonObject forced = clijson::run(kCli, {"compute", "--json", path, "--convention", "nn4n"},
                                            kLoadTimeoutMs, &err);
    QCOMPARE(forced["convention"].toString(), QStringLiteral("nn4n"));
}

// Issue 11, item 2: Reset offers nn4n's defaults and the file's training lambdas.
void TestGui::resetButtons()
{
    MainWindow w(kReader);
    QString why;
    QVERIFY2(load(w, kExample, &why), qPrintable(why));
    QVERIFY(settle(w));
    QPushButton *defaults = nullptr, *training = nullptr;
    for (QPushButton* b : w.lambdaPanel()->findChildren<QPushButton*>()) {
        if (b->text().contains("nn4n defaults"))
            defaults = b;
        else if (b->text().contains("training"))
            training = b;
    }
    QVERIFY(defaults && training && training->isEnabled());
    LambdaState s = w.state();
    s.values.fill(0.3);
    s.enabled.fill(true);
    w.applyState(s);
    const int steps = w.undoStack()->count();
    QTest::mouseClick(defaults, Qt::LeftButton);
    // nn4n 1.2.0, RNNLoss.__init__: lambda_mse=1, every other lambda 0.
    QCOMPARE(w.state().effective(), (TermArray{1, 0, 0, 0, 0, 0, 0}));
    QCOMPARE(w.undoStack()->count(), steps + 1);
    w.undoStack()->undo();
    QVERIFY(w.state() == s);
    QTest::mouseClick(training, Qt::LeftButton);
    QString err;
    const QJsonObject cli = clijson::run(kCli, {"compute", "--json", kExample}, kLoadTimeoutMs, &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    for (Term t : kAllTerms)
        QCOMPARE(w.state().effective()[index(t)],
                 cli["terms"].toObject()[qs(termKey(t))].toObject()["lambda"].toDouble());
    QVERIFY(settle(w));
    verifyShownMatchesBruteForce(w);
}

// Issue 11, item 5: Help, tab and export shortcuts, reload, the Lambdas panel toggle.
void TestGui::helpAndViewMenus()
{
    MainWindow& w = *m_w;
    QVERIFY(settle(w));
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    // Ctrl+1..4 switch tabs.
    for (int tab : {2, 0, 3, 1}) {
        QTest::keyClick(&w, Qt::Key(Qt::Key_1 + tab), Qt::ControlModifier);
        QCOMPARE(w.tabs()->currentIndex(), tab);
    }
    w.setTabIndexForScreenshot(0);
    auto action = [&](const QString& text) -> QAction* {
        for (QAction* a : w.findChildren<QAction*>())
            if (QString(a->text()).remove('&') == text)
                return a;
        return nullptr;
    };
    QAction* exportCurrent = w.findChild<QAction*>("exportCurrent");
    QVERIFY(exportCurrent);
    QCOMPARE(exportCurrent->shortcut(), QKeySequence("Ctrl+E"));
    QVERIFY(action("Open recording…"));
    QCOMPARE(action("Open recording…")->shortcut(), QKeySequence(QKeySequence::Open));

    // F5 reloads the recording shown (a new load of the same file).
    const auto before = w.summary();
    QSignalSpy finished(&w, &MainWindow::loadFinished);
    QTest::keyClick(&w, Qt::Key_F5);
    QVERIFY(QTest::qWaitFor([&] { return finished.count() > 0; }, kLoadTimeoutMs));
    QCOMPARE(finished.first().first().toBool(), true);
    QVERIFY(w.summary() != before);
    QCOMPARE(w.recordingFile(), kExample);
    QVERIFY(settle(w));

    // View > Lambdas panel brings the dock back.
    QAction* dock = action("Lambdas panel");
    QVERIFY(dock);
    QVERIFY(w.lambdaDock()->isVisible());
    dock->trigger();
    QVERIFY(!w.lambdaDock()->isVisible());
    dock->trigger();
    QVERIFY(w.lambdaDock()->isVisible());

    // Help > Formulas shows docs/loss.md.
    QAction* formulas = action("Formulas");
    QVERIFY(formulas);
    formulas->trigger();
    auto* dialog = w.findChild<QDialog*>("formulasDialog");
    QVERIFY(dialog);
    auto* browser = dialog->findChild<QTextBrowser*>();
    QVERIFY(browser);
    QFile md(RNNLOSS_SOURCE_DIR "/docs/loss.md");
    if (md.open(QIODevice::ReadOnly)) {
        // Its first heading, as text.
        const QString first = QString::fromUtf8(md.readLine()).remove('#').trimmed();
        QVERIFY2(browser->toPlainText().contains(first), qPrintable(browser->toPlainText().left(200)));
    } else {
        qWarning("docs/loss.md absent from the source tree: only the fallback text is checked");
        QVERIFY(!browser->toPlainText().isEmpty());
    }
    dialog->close();

    // Help > Keyboard shortcuts lists them; Help > About names the versions.
    QVERIFY(action("Keyboard shortcuts"));
    const QString keys = w.shortcutsHtml();
    for (const char* k : {"Ctrl+1", "Ctrl+4", "Ctrl+E", "F5", "Ctrl+Z", "Ctrl+Y", "Ctrl+Shift+Z", "Ctrl+O"})
        QVERIFY2(keys.contains(QKeySequence(k).toString(QKeySequence::NativeText)), k);
    QVERIFY(action("About"));
    const QString about = MainWindow::aboutText();
    QVERIFY2(about.contains(qVersion()), qPrintable(about));
    QVERIFY2(about.contains(QString("Eigen %1.%2.%3").arg(EIGEN_WORLD_VERSION).arg(EIGEN_MAJOR_VERSION).arg(EIGEN_MINOR_VERSION)),
             qPrintable(about));
    // The HDF5 version the reader reports.
    QProcess cli;
    cli.start(kCli, {"--version"});
    QVERIFY(cli.waitForFinished(30000));
    const QRegularExpression hdf5Re("HDF5 ([0-9.]+)");
    const auto m = hdf5Re.match(QString::fromUtf8(cli.readAllStandardOutput()));
    QVERIFY(m.hasMatch());
    QVERIFY2(about.contains("HDF5 " + m.captured(1)), qPrintable(about));
}

// Issue 11, item 5 / defect 9: usable at 1024x640, no field squeezed.
void TestGui::smallWindow()
{
    MainWindow w(kReader);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QString why;
    QVERIFY2(load(w, kExample, &why), qPrintable(why));
    QVERIFY(settle(w));
    w.resize(1024, 640);
    QTRY_VERIFY(w.width() <= 1024 && w.height() <= 640);
    QVERIFY2(w.minimumSizeHint().width() <= 1024 && w.minimumSizeHint().height() <= 640,
             qPrintable(QString("%1x%2").arg(w.minimumSizeHint().width()).arg(w.minimumSizeHint().height())));
    QCoreApplication::sendPostedEvents(); // pending layouts of the resize
    for (QLineEdit* e : w.lambdaPanel()->findChildren<QLineEdit*>()) {
        const int need = e->fontMetrics().horizontalAdvance(e->text());
        QVERIFY2(need <= e->contentsRect().width() - 4,
                 qPrintable(QString("field '%1' is %2 px wide, needs %3").arg(e->text()).arg(e->contentsRect().width()).arg(need)));
    }
    // Growing again keeps them whole.
    w.resize(1400, 900);
    QCoreApplication::sendPostedEvents();
    for (QLineEdit* e : w.lambdaPanel()->findChildren<QLineEdit*>())
        QVERIFY(e->fontMetrics().horizontalAdvance(e->text()) <= e->contentsRect().width() - 4);
}

// Issue 11, item 3: rnnloss-explorer REC.h5... --export DIR writes every chart
// and table; a recording that fails to load writes nothing and makes the exit non-zero.
// The app started on its own for --export: offscreen, away from the user's
// settings, and (under TSan) not stopping at what an uninstrumented Qt reports.
QProcessEnvironment TestGui::headlessEnv() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("XDG_CONFIG_HOME", m_tmp.filePath("config"));
    if (kUnderTsan)
        env.insert("TSAN_OPTIONS", "report_bugs=0 die_after_fork=0");
    return env;
}

// --figure-size and --caption reach every figure; their metadata records the
// file, convention and lambdas; a size that is not one is refused.
void TestGui::headlessExportSizeAndCaption()
{
    const QString dir = m_tmp.filePath("export-sized");
    QVERIFY(QDir().mkpath(dir));
    const QProcessEnvironment env = headlessEnv();
    QProcess p;
    p.setProcessEnvironment(env);
    // Without a caption the figure is exactly the size asked for.
    p.start(kExplorer, {kExample, "--export", dir, "--formats", "png,svg", "--figure-size", "400x300"});
    QVERIFY(p.waitForFinished(180000));
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
             p.readAllStandardError().constData());
    for (const QString c : {"breakdown", "w_hid", "psth"}) {
        QCOMPARE(QImage(dir + "/example-" + c + ".png").size(), QSize(800, 600)); // pixel ratio 2
        QFile svg(dir + "/example-" + c + ".svg");
        QVERIFY(svg.open(QIODevice::ReadOnly));
        QVERIFY2(svg.readAll().contains("viewBox=\"0 0 400 300\""), qPrintable(c));
    }
    // With one, the caption's line is added below the figure.
    p.start(kExplorer, {kExample, "--export", dir, "--formats", "png,svg", "--figure-size", "400x300",
                        "--caption", "--lambda", "lambda_fr=0.02", "--convention", "spec"});
    QVERIFY(p.waitForFinished(180000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, qPrintable(err));
    for (const QString c : {"breakdown", "w_hid", "psth"}) {
        const QImage png(dir + "/example-" + c + ".png");
        QCOMPARE(png.width(), 800);
        QVERIFY2(png.height() > 600, qPrintable(c + ": no room for the caption"));
        QFile svg(dir + "/example-" + c + ".svg");
        QVERIFY(svg.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(svg.readAll());
        QVERIFY2(text.contains(QRegularExpression("viewBox=\"0 0 400 3\\d\\d\"")), qPrintable(c));
        // The metadata names the file, the convention and the lambda given.
        const auto desc = QRegularExpression("<desc>([^<]*)</desc>").match(text);
        QVERIFY2(desc.hasMatch(), qPrintable(c));
        for (const QString want : {"example.h5", "spec", "lambda_fr=0.02"})
            QVERIFY2(desc.captured(1).contains(want), qPrintable(c + ": " + desc.captured(1)));
        // The caption is drawn: its words appear as text in the figure too.
        QVERIFY2(text.count("example.h5") >= 2, qPrintable(c + ": no caption drawn"));
    }
    QProcess bad;
    bad.setProcessEnvironment(env);
    bad.start(kExplorer, {kExample, "--export", dir, "--figure-size", "400by300"});
    QVERIFY(bad.waitForFinished(60000));
    QCOMPARE(bad.exitCode(), 2);
    QVERIFY(QString::fromUtf8(bad.readAllStandardError()).contains("--figure-size 400by300"));
}

// --lambdas-from FILE.json (the lambda export's format) sets the lambdas and
// the convention; --lambda wins over it; a bad file is refused naming it.
void TestGui::lambdasFromFile()
{
    const QString dir = m_tmp.filePath("export-lambdas");
    QVERIFY(QDir().mkpath(dir));
    const QString file = m_tmp.filePath("tuned.json");
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"convention": "nn4n", "lambda_mse": 0.5, "lambda_in": 0, "lambda_hid": 0.25,
                    "lambda_out": 0, "lambda_fr": 0.125, "lambda_fr_sd": 0, "lambda_fr_cv": 0.75})");
    }
    const QProcessEnvironment env = headlessEnv();
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(kExplorer, {kExample, "--export", dir, "--formats", "json", "--lambdas-from", file,
                        "--lambda", "lambda_hid=2"});
    QVERIFY(p.waitForFinished(180000));
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
             p.readAllStandardError().constData());
    QFile out(dir + "/example-lambdas.json");
    QVERIFY(out.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(out.readAll()).object();
    QCOMPARE(o["convention"].toString(), QStringLiteral("nn4n")); // the file's, not the example's spec
    QCOMPARE(o["lambda_mse"].toDouble(), 0.5);
    QCOMPARE(o["lambda_hid"].toDouble(), 2.0); // --lambda wins
    QCOMPARE(o["lambda_fr"].toDouble(), 0.125);
    QCOMPARE(o["lambda_fr_sd"].toDouble(), 0.0); // the file says 0, the example 0.001
    QCOMPARE(o["lambda_fr_cv"].toDouble(), 0.75);

    QProcess bad;
    bad.setProcessEnvironment(env);
    bad.start(kExplorer, {kExample, "--export", dir, "--lambdas-from", m_tmp.filePath("missing.json")});
    QVERIFY(bad.waitForFinished(60000));
    QCOMPARE(bad.exitCode(), 2);
    QVERIFY(QString::fromUtf8(bad.readAllStandardError()).contains("missing.json"));
}

void TestGui::headlessExport()
{
    QVERIFY2(QFileInfo(kExplorer).isExecutable(), qPrintable(kExplorer));
    const QString dir = m_tmp.filePath("export");
    QVERIFY(QDir().mkpath(dir));
    const QProcessEnvironment env = headlessEnv();
    const QString bad = kFixtures + "/bad_nhid.h5";
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(kExplorer, {kExample, bad, "--export", dir, "--formats", "png,svg,pdf,csv,json", "--lambda",
                        "lambda_fr=0.02", "--convention", "spec"});
    QVERIFY(p.waitForFinished(180000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY2(p.exitCode() == 2, qPrintable(QString("exit %1: %2").arg(p.exitCode()).arg(err)));
    const QStringList errors = err.split('\n').filter(QRegularExpression("^error:"));
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.front().contains("bad_nhid.h5"), qPrintable(err));

    const QStringList files = QDir(dir).entryList(QDir::Files);
    for (const QString& f : files)
        QVERIFY2(f.startsWith("example-"), qPrintable(f + " written for a recording that failed"));
    const QStringList charts{"breakdown", "rates", "neuron-histogram", "psth", "w_in", "w_hid", "w_out",
                             "w_in-histogram", "w_hid-histogram", "w_out-histogram", "history",
                             "sweep", "compare-rates", "compare-breakdown", "compare-scatter",
                             "statistic", "gradients", "gradient-conflicts", "runs-scatter"};
    // Each chart's picture in each format: drawn, and unlike every other chart's.
    QMap<QString, QImage> png, svg, pdf;
    for (const QString& c : charts) {
        const QString base = dir + "/example-" + c;
        png[c] = QImage(base + ".png");
        QFile pdfFile(base + ".pdf");
        QVERIFY2(pdfFile.open(QIODevice::ReadOnly) && pdfFile.read(4) == "%PDF", qPrintable(c));
        QString pdfErr;
        pdf[c] = renderPdf(base + ".pdf", &pdfErr);
        QVERIFY2(pdfErr.isEmpty(), qPrintable(pdfErr));
        QFile svgFile(base + ".svg");
        QVERIFY2(svgFile.open(QIODevice::ReadOnly) && svgFile.readAll().contains("<svg"), qPrintable(c));
        svg[c] = renderSvg(base + ".svg");
    }
    for (const auto* pictures : {&png, &svg, &pdf}) {
        const QStringList problems = pictureProblems(*pictures);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
    }
    // The charts, accuracy and psychometric (alike: both "not available" until the reader
    // computes task performance), and ten tables: breakdown, neurons, psth,
    // neuron-histogram, statistic, gradients, compare-statistic, runs-scatter
    // (CSV), loss, lambdas (JSON).
    for (const QString& c : {"accuracy", "psychometric"})
        for (const QString& f : {"png", "svg", "pdf"})
            QVERIFY2(files.contains(QString("example-%1.%2").arg(c, f)), qPrintable(c + "." + f));
    QCOMPARE(files.size(), (charts.size() + 2) * 3 + 10);
    // The gradients' CSV holds the reader's gradients: a row per parameter and
    // term. MSE's on W_out has a closed form, 2/(B T O) sum_bt (y^ - y) r^T,
    // brute-forced here from the recorded outputs, targets and rates (the
    // reader re-simulates the rates: they differ from the recorded ones by
    // the replay error, ~1e-6).
    QFile gradients(dir + "/example-gradients.csv");
    QVERIFY(gradients.open(QIODevice::ReadOnly));
    const QStringList gradientLines = QString::fromUtf8(gradients.readAll()).split('\n');
    QVERIFY2(gradientLines.value(1).startsWith("param,term,lambda,enabled,grad_norm,"),
             qPrintable(gradientLines.value(1)));
    QCOMPARE(gradientLines.filter(QRegularExpression("^W_out,")).size(), kTermCount + 1);
    const QStringList mseOut = gradientLines.filter(QRegularExpression("^W_out,mse,")).value(0).split(',');
    {
        const auto rec = rawh5::read(kExample);
        const auto& sh = rec.shape;
        double sq = 0.0;
        for (long o = 0; o < sh.nOut; ++o)
            for (long n = 0; n < sh.nHid; ++n) {
                double g = 0.0;
                for (long bt = 0; bt < sh.batch * sh.time; ++bt)
                    g += (rec.outputs[std::size_t(bt * sh.nOut + o)] - rec.targets[std::size_t(bt * sh.nOut + o)]) *
                         rec.states[std::size_t(bt * sh.nHid + n)];
                g *= 2.0 / double(sh.batch * sh.time * sh.nOut);
                sq += g * g;
            }
        const double shown = mseOut.value(4).toDouble();
        QVERIFY2(std::abs(shown - std::sqrt(sq)) <= 1e-4 * std::sqrt(sq),
                 qPrintable(QString("CSV %1, brute force %2").arg(shown, 0, 'g', 17).arg(std::sqrt(sq), 0, 'g', 17)));
    }

    // The CSV's first line: file, convention, every lambda in effect.
    QString cliErr;
    const QJsonObject example = clijson::run(kCli, {"compute", "--json", kExample}, kLoadTimeoutMs, &cliErr);
    QVERIFY2(cliErr.isEmpty(), qPrintable(cliErr));
    for (const QString csv : {"breakdown", "neurons"}) {
        QFile f(dir + "/example-" + csv + ".csv");
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString first = QString::fromUtf8(f.readLine()).trimmed();
        QVERIFY2(first.startsWith("# file=example.h5 convention=spec "), qPrintable(first));
        for (Term t : kAllTerms) {
            const double want = t == Term::Fr ? 0.02
                                              : example["terms"].toObject()[qs(termKey(t))].toObject()["lambda"].toDouble();
            const QRegularExpression re(QString(" %1=([^ ]+)").arg(qs(lambdaKey(t))));
            const auto m = re.match(first);
            QVERIFY2(m.hasMatch(), qPrintable(first));
            QCOMPARE(m.captured(1).toDouble(), want);
        }
    }
    QFile json(dir + "/example-loss.json");
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject loss = QJsonDocument::fromJson(json.readAll()).object();
    QCOMPARE(loss["convention"].toString(), QStringLiteral("spec"));
    QCOMPARE(loss["terms"].toObject()["fr"].toObject()["lambda"].toDouble(), 0.02);

    // All good: exit 0.
    const QString dir2 = m_tmp.filePath("export2");
    QVERIFY(QDir().mkpath(dir2));
    QProcess ok;
    ok.setProcessEnvironment(env);
    ok.start(kExplorer, {kExample, "--export", dir2, "--formats", "csv"});
    QVERIFY(ok.waitForFinished(180000));
    QVERIFY2(ok.exitCode() == 0, ok.readAllStandardError().constData());
    QCOMPARE(QDir(dir2).entryList(QDir::Files),
             (QStringList{"example-breakdown.csv", "example-compare-statistic.csv",
                          "example-gradients.csv", "example-neuron-histogram.csv",
                          "example-neurons.csv", "example-psth.csv", "example-runs-scatter.csv",
                          "example-statistic.csv"}));
}

// rnnloss-explorer FOLDER --export DIR: the folder is one set (three runs in
// subfolders, steps given); the Runs scatter's CSV, whose default x axis is a
// population measure computed on a worker, waits for it: one row per run (its
// last checkpoint) with the participation ratio from an Eigen
// eigen-decomposition of the states' covariance and the MSE, both from the
// arrays written here.
void TestGui::headlessExportRunsScatter()
{
    const QString root = m_tmp.filePath("export-runs");
    const Shape shape{3, 5, 2, 6, 2};
    struct Checkpoint
    {
        QString run;
        double step;
    };
    const Checkpoint checkpoints[] = {
        {"runA", 100}, {"runA", 200}, {"runB", 100}, {"runB", 300}, {"runC", 200}};
    std::map<QString, std::pair<double, Recording>> last; // per run: its last step's arrays
    for (const auto& [run, step] : checkpoints) {
        QVERIFY(QDir(root).mkpath(run));
        const Recording rec = bruteforce::random(shape, unsigned(step) + run.back().unicode());
        io::WriteOptions o;
        o.doublePrecision = true;
        o.step = step;
        const QString file = QDir(root).filePath(QString("%1/ckpt%2.h5").arg(run).arg(step));
        QCOMPARE(io::writeRecording(file.toStdString(), rec, o), std::string());
        if (!last.count(run) || last[run].first < step)
            last[run] = {step, rec};
    }
    // The app, and in here a window whose population measures arrive late
    // (each held back 400 ms on its worker): the export waits for them either way.
    for (const bool inProcess : {false, true}) {
        const QString dir = m_tmp.filePath(inProcess ? "export-runs-late" : "export-runs-out");
        if (!inProcess) {
            QProcess p;
            p.setProcessEnvironment(headlessEnv());
            p.start(kExplorer, {root, "--export", dir, "--formats", "csv"});
            QVERIFY(p.waitForFinished(180000));
            QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                     p.readAllStandardError().constData());
        } else {
            QVERIFY(QDir().mkpath(dir));
            MainWindow w(kReader);
            const PopulationSource real = readerPopulationSource(kReader);
            w.setMetrics()->setPopulationSource(
                [real](const PopulationRequest& q, const PopulationProgress& progress) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(400));
                    return real(q, progress);
                });
            HeadlessExport job(w, {root}, {}, dir, {"csv"});
            QSignalSpy finished(&job, &HeadlessExport::finished);
            w.resize(1280, 800);
            w.show();
            job.start();
            QVERIFY(finished.wait(120000));
            QCOMPARE(finished.front().front().toInt(), 0);
        }
        verifyRunsScatterCsv(dir, shape, last);
    }
}

void TestGui::verifyRunsScatterCsv(const QString& dir, const Shape& shape,
                                   const std::map<QString, std::pair<double, Recording>>& last)
{
    const QStringList csvs = QDir(dir).entryList({"*-runs-scatter.csv"}, QDir::Files);
    QCOMPARE(csvs.size(), 1);
    QFile f(QDir(dir).filePath(csvs.front()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QStringList rows;
    for (const QString& line : QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts))
        if (!line.startsWith('#'))
            rows << line;
    QCOMPARE(rows.size(), 1 + int(last.size()));
    QVERIFY2(rows[0].startsWith("name,participation ratio,MSE (unweighted),"), qPrintable(rows[0]));
    std::set<QString> seen;
    for (int i = 1; i < rows.size(); ++i) {
        const QStringList cells = rows[i].split(',');
        QCOMPARE(cells.size(), 4);
        const QString run = QString(cells[0]).remove(QLatin1Char('"'));
        QVERIFY2(last.count(run) && seen.insert(run).second, qPrintable(rows[i]));
        const Recording& r = last.at(run).second;
        // The participation ratio of the states' covariance over every (trial, step) sample.
        const long n = long(shape.batch * shape.time);
        Eigen::MatrixXd x(n, shape.nHid);
        for (long b = 0; b < shape.batch; ++b)
            for (long t = 0; t < shape.time; ++t)
                for (long j = 0; j < shape.nHid; ++j)
                    x(b * shape.time + t, j) =
                        bruteforce::at(r.states, shape, b, t, j, shape.nHid);
        const Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
        const Eigen::VectorXd ev =
            Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(centred.transpose() * centred / n)
                .eigenvalues();
        const double pr = ev.sum() * ev.sum() / ev.squaredNorm();
        double sq = 0.0;
        for (std::size_t k = 0; k < r.outputs.size(); ++k)
            sq += (r.outputs[k] - r.targets[k]) * (r.outputs[k] - r.targets[k]);
        const double mse = sq / double(r.outputs.size());
        QVERIFY2(std::abs(cells[1].toDouble() - pr) <= 1e-8 * pr,
                 qPrintable(QString("%1: PR %2 vs %3").arg(run, cells[1]).arg(pr, 0, 'g', 17)));
        QVERIFY2(std::abs(cells[2].toDouble() - mse) <= 1e-12 * mse,
                 qPrintable(QString("%1: MSE %2 vs %3").arg(run, cells[2]).arg(mse, 0, 'g', 17)));
    }
}

// --help and --version answer without a display.
void TestGui::helpWithoutDisplay()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* v : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"})
        env.remove(v);
    for (const QStringList& args : {QStringList{"--help"}, QStringList{"--version"}}) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(kExplorer, args);
        QVERIFY(p.waitForFinished(60000));
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                 qPrintable(args.front() + ": " + QString::fromUtf8(p.readAllStandardError())));
        QVERIFY2(args.front() == "--help" ? out.contains("--export")
                                          : out.contains(QRegularExpression("^RNNLossExplorer \\d+\\.\\d+\\.\\d+\n$")),
                 qPrintable(out));
    }
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

    // The options must be applied, not only accepted: each run asks for
    // something other than the defaults (the file's lambdas: fr_cv 0, hid
    // 0.001; the default convention nn4n), and the app's --verbose line of
    // what it showed must match, and match `rnnloss compute` with the same
    // options.
    struct Shot
    {
        int tab;
        QString convention;
        QStringList lambdas;
    };
    // The same window drawn here on each tab, to tell which tab a picture shows.
    MainWindow ref(kReader);
    ref.resize(1280, 800);
    ref.show();
    QVERIFY(QTest::qWaitForWindowExposed(&ref));
    QString why;
    QVERIFY2(load(ref, kExample, &why), qPrintable(why));
    QVERIFY(settle(ref));
    ref.selectNeuron(0); // as --screenshot does
    QVERIFY(settle(ref));
    auto tabPictures = [&](const QSize& size) {
        ref.resize(size);
        std::vector<QImage> out;
        for (int t = 0; t < ref.tabs()->count(); ++t) {
            ref.setTabIndexForScreenshot(t);
            QCoreApplication::processEvents(); // lay out and paint the tab once
            out.push_back(ref.grab().toImage().scaled(320, 200, Qt::IgnoreAspectRatio,
                                                      Qt::SmoothTransformation));
        }
        return out;
    };
    auto distance = [](const QImage& a, const QImage& b) {
        double sum = 0;
        for (int y = 0; y < a.height(); ++y)
            for (int x = 0; x < a.width(); ++x)
                sum += std::abs(qGray(a.pixel(x, y)) - qGray(b.pixel(x, y)));
        return sum / (a.width() * a.height());
    };
    for (const Shot& shot : {Shot{0, "spec", {"lambda_fr_cv=0.5"}},
                             Shot{2, "nn4n", {"lambda_fr_cv=0.25", "lambda_hid=0"}}}) {
        const QString png = m_tmp.filePath(QString("shot%1.png").arg(shot.tab));
        QStringList args = {kExample, "--screenshot", png, "--tab", QString::number(shot.tab)};
        args << "--convention" << shot.convention << "--verbose";
        QStringList cliArgs = {"compute", "--json", kExample, "--convention", shot.convention};
        for (const QString& l : shot.lambdas) {
            args << "--lambda" << l;
            cliArgs << "--lambda" << l;
        }
        const Run r = run(args);
        QVERIFY2(r.code == 0, qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));
        QImage img(png);
        QVERIFY2(!img.isNull(), qPrintable(png));
        QVERIFY(img.width() >= 640 && img.height() >= 400);
        // A picture of the window, not of one colour, and of the tab asked for:
        // nearer to this window drawn on that tab than on any other.
        QVERIFY2(blankness(img).isEmpty(), qPrintable(png + ": " + blankness(img)));
        const std::vector<QImage> tabs = tabPictures(img.size());
        const QImage small = img.scaled(320, 200, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
        QStringList distances;
        int nearest = -1;
        for (int t = 0; t < int(tabs.size()); ++t) {
            const double d = distance(small, tabs[std::size_t(t)]);
            distances << QStringLiteral("tab %1: %2").arg(t).arg(d, 0, 'f', 1);
            if (nearest < 0 || d < distance(small, tabs[std::size_t(nearest)]))
                nearest = t;
        }
        qInfo("--tab %d: grey-level distance to this window's tabs: %s", shot.tab,
              qPrintable(distances.join(", ")));
        QVERIFY2(nearest == shot.tab, qPrintable(QStringLiteral("--tab %1 shows tab %2 (%3)")
                                                     .arg(shot.tab)
                                                     .arg(nearest)
                                                     .arg(distances.join(", "))));

        // "rnnloss-explorer: shown: convention C lambda_mse=V ... total=V"
        const QStringList shownLines =
            r.err.split('\n').filter(QRegularExpression("^rnnloss-explorer: shown: "));
        QVERIFY2(shownLines.size() == 1, qPrintable(r.err));
        const QStringList fields = shownLines.front().split(' ', Qt::SkipEmptyParts).mid(2);
        QMap<QString, QString> shown;
        if (fields.size() >= 2 && fields[0] == "convention")
            shown["convention"] = fields[1];
        for (const QString& f : fields)
            if (f.contains('='))
                shown[f.section('=', 0, 0)] = f.section('=', 1);
        QCOMPARE(shown.value("convention"), shot.convention);
        for (const QString& l : shot.lambdas) {
            QVERIFY2(shown.contains(l.section('=', 0, 0)), qPrintable(shownLines.front()));
            QCOMPARE(shown.value(l.section('=', 0, 0)).toDouble(), l.section('=', 1).toDouble());
        }

        QString err;
        const QJsonObject cli = clijson::run(kCli, cliArgs, kLoadTimeoutMs, &err);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        QCOMPARE(shown.value("convention"), cli["convention"].toString());
        const QJsonObject terms = cli["terms"].toObject();
        for (Term t : kAllTerms) {
            const QString key = clijson::qs(termKey(t));
            const QString lambdaKeyName = clijson::qs(lambdaKey(t));
            QVERIFY2(shown.contains(lambdaKeyName), qPrintable(shownLines.front()));
            QCOMPARE(shown.value(lambdaKeyName).toDouble(),
                     terms[key].toObject()["lambda"].toDouble());
        }
        const QString d = clijson::compareNumber(
            "total", QJsonValue(shown.value("total").toDouble()), cli["total"], 1e-9);
        QVERIFY2(d.isEmpty(), qPrintable(d));
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

// Issue 18, item 13: a weights file of another checkpoint (its step differs)
// is said in the status bar, naming both files; the numbers are still those
// of the files given (the brute force on the recording with those weights).
void TestGui::weightsMismatchInStatus()
{
    const QString rec = m_tmp.filePath("step300.h5"), wts = m_tmp.filePath("step0.h5");
    for (const auto& [file, step] : {std::pair{rec, 300.0}, std::pair{wts, 0.0}}) {
        QVERIFY(QFile::copy(kTestData + "/reference/cases/visible_relu.h5", file));
        QVERIFY(rawh5::setAttribute(file, "step", {}, step));
    }
    MainWindow w(kReader);
    QSignalSpy finished(&w, &MainWindow::loadFinished);
    w.openFiles(rec, wts);
    QVERIFY(QTest::qWaitFor([&] { return finished.count() > 0; }, kLoadTimeoutMs));
    QVERIFY(finished.first().first().toBool());
    QVERIFY(settle(w));
    const QString status = w.statusText();
    QVERIFY2(status.contains("the weights may be of another checkpoint: 'step' is 0 in the "
                             "weights file " + wts + " and 300 in the recording " + rec),
             qPrintable(status));
    verifyShownMatchesBruteForce(w);
    // Matching files: no such word. The file is changed once no reader
    // process (the gradients' pass, the population's stats pass, which follow
    // every load) holds it open: HDF5 locks a file it reads against writers.
    QVERIFY(QTest::qWaitFor([&] { return !w.gradients()->busy() && !w.population()->busy(); },
                            kLoadTimeoutMs));
    QVERIFY(rawh5::setAttribute(wts, "step", {}, 300.0));
    finished.clear();
    w.openFiles(rec, wts);
    QVERIFY(QTest::qWaitFor([&] { return finished.count() > 0; }, kLoadTimeoutMs));
    QVERIFY2(!w.statusText().contains("another checkpoint"), qPrintable(w.statusText()));
}

// 13. --------------------------------------------------------------------------
void TestGui::responsiveness()
{
    // Not a timed assertion: the figures go to docs/performance.md.
    MainWindow w(kReader);
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
        verifyShownMatchesBruteForce(w);
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
    verifyShownMatchesBruteForce(w);

    qInfo("synthetic recording B=128 T=500 N=512 (%lld MB): loaded in %lld ms, first result shown at %lld ms",
          QFileInfo(m_big).size() >> 20, loadMs, firstResultMs);
    report("lambda change -> resultShown (slider, one at a time)", lambdaMs);
    report("lambda change -> resultShown + window repainted", lambdaPaintedMs);
    report("convention change -> resultShown", convMs);
    report("convention change -> resultShown + window repainted", paintedMs);
}

QTEST_MAIN(TestGui)
#include "test_gui.moc"
