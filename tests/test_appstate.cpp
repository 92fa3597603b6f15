// The app's state classes without a window: which lambdas a recording opens
// with (LambdaState precedence, and PendingLambdas using kept and command-line
// lambdas once, for their file only), the undo history of LambdaModel (merging by
// edit id, not by time), and the Exporter's errors as values.

#include "exporter.h"
#include "lambdamodel.h"
#include "lambdastate.h"
#include "pendinglambdas.h"
#include "summarycodec.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

using namespace rnnloss;

namespace {

using Optionals = std::array<std::optional<double>, kTermCount>;
using Flags = std::array<bool, kTermCount>;

LambdaState makeState(TermArray values, Flags enabled, Convention c)
{
    LambdaState s;
    s.values = values;
    s.enabled = enabled;
    s.convention = c;
    return s;
}

Summary withTraining(Optionals training, std::optional<Convention> convention = std::nullopt)
{
    Summary s;
    s.trainingLambdas = training;
    s.lossConvention = convention;
    return s;
}

} // namespace

Q_DECLARE_METATYPE(rnnloss::LambdaState)
Q_DECLARE_METATYPE(rnnloss::Summary)
Q_DECLARE_METATYPE(rnnloss::LossOptions)

class TestAppState : public QObject
{
    Q_OBJECT

private slots:
    void effective();
    void nn4nDefaultsAreNn4ns();
    void precedence_data();
    void precedence();
    void pendingLambdasOnceForTheirFile();

    void editIsOneStep();
    void sameIdMerges();
    void otherIdsDoNotMerge();
    void dragBackToStartLeavesNoStep();
    void resetClearsHistory();

    void conventionCrossesTheWire();

    void exportErrorsAreValues();
    void exportCsvRecordsProvenance();
    void exportAllNamesFiles();
};

void TestAppState::effective()
{
    const LambdaState s = makeState(
        {1, 2, 3, 4, 5, 6, 7}, {true, false, true, false, true, false, true}, Convention::Spec);
    QCOMPARE(s.effective(), (TermArray{1, 0, 3, 0, 5, 0, 7}));
}

void TestAppState::nn4nDefaultsAreNn4ns()
{
    // nn4n 1.2.0 RNNLoss.__init__: lambda_mse=1, every other lambda 0.
    const LambdaState s = nn4nDefaults(Convention::Spec);
    QCOMPARE(s.effective(), (TermArray{1, 0, 0, 0, 0, 0, 0}));
    QCOMPARE(s.enabled, (Flags{true, false, false, false, false, false, false}));
    QCOMPARE(s.convention, Convention::Spec);
    // A recording that cannot compute L_mse keeps it off.
    Summary withMse, withoutMse;
    withMse.info(Dataset::Outputs).present = withMse.info(Dataset::Targets).present = true;
    withoutMse.info(Dataset::Outputs).present = true;
    QVERIFY(nn4nDefaults(Convention::Spec, withMse) == s);
    QCOMPARE(nn4nDefaults(Convention::Nn4n, withoutMse).effective(), (TermArray{}));
    QCOMPARE(nn4nDefaults(Convention::Nn4n, withoutMse).enabled, (Flags{}));
}

void TestAppState::precedence_data()
{
    QTest::addColumn<Summary>("file");
    QTest::addColumn<std::optional<LambdaState>>("restored");
    QTest::addColumn<LossOptions>("commandLine");
    QTest::addColumn<LambdaState>("expected");

    const Summary partial = withTraining(
        {1.0, std::nullopt, std::nullopt, std::nullopt, 0.01, std::nullopt, std::nullopt});
    const LambdaState fromPartial =
        makeState({1, 0, 0, 0, 0.01, 0, 0}, {true, false, false, false, true, false, false},
                  Convention::Nn4n);
    QTest::newRow("the file's own: unlisted terms 0 and off")
        << partial << std::optional<LambdaState>() << LossOptions{} << fromPartial;

    QTest::newRow("a file without lambdas: all 0, as the CLI")
        << withTraining({}) << std::optional<LambdaState>() << LossOptions{}
        << makeState({}, {}, Convention::Nn4n);

    QTest::newRow("a listed 0 is off")
        << withTraining({0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0}) << std::optional<LambdaState>()
        << LossOptions{}
        << makeState({0, 0.5, 0, 0, 0, 0, 0}, {false, true, false, false, false, false, false},
                     Convention::Nn4n);

    QTest::newRow("the file's loss_convention")
        << withTraining({1.0}, Convention::Spec) << std::optional<LambdaState>() << LossOptions{}
        << makeState({1, 0, 0, 0, 0, 0, 0}, {true, false, false, false, false, false, false},
                     Convention::Spec);

    const LambdaState tuned =
        makeState({0.5, 0, 0.2, 0.003, 0.04, 0, 0.6}, {true, false, false, true, true, false, true},
                  Convention::Spec);
    QTest::newRow("restored wins over the file, disabled values kept")
        << withTraining({1.0, std::nullopt, std::nullopt, std::nullopt, 0.01}, Convention::Nn4n)
        << std::optional<LambdaState>(tuned) << LossOptions{} << tuned;

    LossOptions cli;
    cli.lambdas[index(Term::Hid)] = 0.7; // a disabled restored row, switched on
    cli.lambdas[index(Term::Fr)] = 0.0;  // switched off
    cli.convention = Convention::Nn4n;
    QTest::newRow("command line wins over restored, term by term")
        << partial << std::optional<LambdaState>(tuned) << cli
        << makeState({0.5, 0, 0.7, 0.003, 0, 0, 0.6}, {true, false, true, true, false, false, true},
                     Convention::Nn4n);

    LossOptions cliConv;
    cliConv.convention = Convention::Spec;
    cliConv.lambdas[index(Term::FrSd)] = 2e-3;
    QTest::newRow("command line over the file")
        << partial << std::optional<LambdaState>() << cliConv
        << makeState({1, 0, 0, 0, 0.01, 2e-3, 0}, {true, false, false, false, true, true, false},
                     Convention::Spec);
}

void TestAppState::precedence()
{
    QFETCH(Summary, file);
    QFETCH(std::optional<LambdaState>, restored);
    QFETCH(LossOptions, commandLine);
    QFETCH(LambdaState, expected);
    const LambdaState got = resolveLambdas(file, restored, commandLine);
    QCOMPARE(got.values, expected.values);
    QCOMPARE(got.enabled, expected.enabled);
    QCOMPARE(got.convention, expected.convention);
    if (!restored && !commandLine.convention &&
        !std::any_of(commandLine.lambdas.begin(), commandLine.lambdas.end(),
                     [](auto& l) { return l.has_value(); }))
        QVERIFY(fileLambdas(file) == got);
}

void TestAppState::pendingLambdasOnceForTheirFile()
{
    // The file's own: lambda_mse 1 and lambda_fr 0.01, nn4n (hand-written).
    const Summary file = withTraining({1.0, std::nullopt, std::nullopt, std::nullopt, 0.01});
    const LambdaState own =
        makeState({1, 0, 0, 0, 0.01, 0, 0}, {true, false, false, false, true, false, false},
                  Convention::Nn4n);
    const LambdaState tuned =
        makeState({0.5, 0, 0.2, 0.003, 0.04, 0, 0.6}, {true, false, false, true, true, false, true},
                  Convention::Spec);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString a = dir.filePath("a.h5"), b = dir.filePath("b.h5");
    for (const QString& f : {a, b}) { // files compare by what they are, and must be there
        QFile touch(f);
        QVERIFY(touch.open(QIODevice::WriteOnly));
    }

    PendingLambdas p;
    // Kept for a.h5: another recording opens with its own, and the kept ones
    // are used up all the same (the set started with b.h5).
    p.keepFor(a, tuned);
    QVERIFY(p.take(file, b) == own);
    QVERIFY(p.take(file, a) == own);

    // Kept for a.h5, asked for with another spelling of the same path: they
    // come back once.
    p.keepFor(a, tuned);
    QVERIFY(p.take(file, dir.path() + "/./a.h5") == tuned);
    QVERIFY(p.take(file, a) == own);

    // The command line wins over the kept ones, term by term, and is used once.
    LossOptions cli;
    cli.lambdas[index(Term::Hid)] = 0.7;
    cli.convention = Convention::Nn4n;
    p.keepFor(a, tuned);
    p.setCommandLine(cli);
    QVERIFY(p.take(file, a) == makeState({0.5, 0, 0.7, 0.003, 0.04, 0, 0.6},
                                         {true, false, true, true, true, false, true},
                                         Convention::Nn4n));
    QVERIFY(p.take(file, a) == own);

    // Forgotten (a file named on the command line): the file's own.
    p.keepFor(a, tuned);
    p.forgetKept();
    QVERIFY(p.take(file, a) == own);
}

void TestAppState::editIsOneStep()
{
    LambdaModel m;
    QSignalSpy changed(&m, &LambdaModel::changed);
    const LambdaState s0 = m.state();
    LambdaState s1 = s0;
    s1.values[index(Term::Fr)] = 0.5;
    s1.enabled[index(Term::Fr)] = true;
    m.edit(s1);
    QVERIFY(m.state() == s1);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m.undoStack()->count(), 1);
    m.edit(s1); // no change: no step, no signal
    QCOMPARE(m.undoStack()->count(), 1);
    QCOMPARE(changed.count(), 1);
    m.undoStack()->undo();
    QVERIFY(m.state() == s0);
    QCOMPARE(changed.count(), 2);
    QVERIFY(m.undoStack()->canRedo());
    m.undoStack()->redo();
    QVERIFY(m.state() == s1);
    QCOMPARE(changed.count(), 3);
}

void TestAppState::sameIdMerges()
{
    LambdaModel m;
    const LambdaState s0 = m.state();
    LambdaState s = s0;
    // A drag over a hundred values, id 42.
    for (int i = 1; i <= 100; ++i) {
        s.values[index(Term::Mse)] = i * 0.01;
        m.edit(s, 42);
    }
    QCOMPARE(m.undoStack()->count(), 1);
    QCOMPARE(m.state().values[index(Term::Mse)], 1.0);
    m.undoStack()->undo();
    QVERIFY(m.state() == s0);
    m.undoStack()->redo();
    QCOMPARE(m.state().values[index(Term::Mse)], 1.0);
}

void TestAppState::otherIdsDoNotMerge()
{
    LambdaModel m;
    LambdaState s = m.state();
    s.values[index(Term::Fr)] = 0.1;
    m.edit(s, 7);
    s.values[index(Term::Fr)] = 0.2;
    m.edit(s, 8); // the next gesture on the same row
    s.values[index(Term::Hid)] = 0.3;
    m.edit(s, 0); // id 0: never merges...
    s.values[index(Term::Hid)] = 0.4;
    m.edit(s, 0); // ...not even with another 0
    QCOMPARE(m.undoStack()->count(), 4);
    m.undoStack()->undo();
    QCOMPARE(m.state().values[index(Term::Hid)], 0.3);
    m.undoStack()->undo();
    m.undoStack()->undo();
    QCOMPARE(m.state().values[index(Term::Fr)], 0.1);
    // After an undo, an edit with the undone step's id starts a new step.
    s = m.state();
    s.values[index(Term::Fr)] = 0.9;
    m.edit(s, 8);
    QCOMPARE(m.undoStack()->count(), 2);
    QVERIFY(!m.undoStack()->canRedo());
}

void TestAppState::dragBackToStartLeavesNoStep()
{
    LambdaModel m;
    const LambdaState s0 = m.state();
    LambdaState s = s0;
    s.values[index(Term::Out)] = 0.5;
    m.edit(s, 3);
    m.edit(s0, 3);
    QVERIFY(m.state() == s0);
    QCOMPARE(m.undoStack()->count(), 0);
}

void TestAppState::resetClearsHistory()
{
    LambdaModel m;
    QSignalSpy changed(&m, &LambdaModel::changed);
    LambdaState s = m.state();
    s.values[index(Term::Fr)] = 0.1;
    m.edit(s);
    const LambdaState loaded = makeState({1, 0, 0, 0, 0, 0, 0}, {true}, Convention::Spec);
    m.reset(loaded);
    QVERIFY(m.state() == loaded);
    QCOMPARE(m.undoStack()->count(), 0);
    QCOMPARE(changed.count(), 2);
    // reset always reports, even to an equal state (the recording changed).
    m.reset(loaded);
    QCOMPARE(changed.count(), 3);
}

void TestAppState::conventionCrossesTheWire()
{
    // The reader process sends the recording's loss_convention with the summary.
    for (std::optional<Convention> c :
         {std::optional<Convention>(), std::optional(Convention::Spec),
          std::optional(Convention::Nn4n)}) {
        Summary s;
        s.lossConvention = c;
        const std::vector<std::uint8_t> bytes = encodeSummary(s);
        const Decoded<Summary> d = decodeSummary(bytes);
        QVERIFY2(d.value, d.error.c_str());
        QCOMPARE(d.value->lossConvention, c);
    }
    // Its byte follows the weights, before the recording's label (u32 length,
    // empty here) and its step and epoch (flag + double each); a value out of
    // range is refused.
    std::vector<std::uint8_t> bytes = encodeSummary(Summary{});
    bytes[bytes.size() - 1 - (4 + 2 * 9)] = 3;
    const Decoded<Summary> d = decodeSummary(bytes);
    QVERIFY(!d.value);
    QVERIFY2(d.error.find("loss convention") != std::string::npos, d.error.c_str());
}

void TestAppState::exportErrorsAreValues()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QLabel chart("chart");
    chart.resize(200, 120);
    bool haveText = false;
    Exporter e([] { return Provenance{"/data/run7.h5", nn4nDefaults(Convention::Nn4n)}; });
    e.addChart("view", &chart);
    e.addTable("table", "csv", [&]() -> std::optional<std::string> {
        if (!haveText)
            return std::nullopt;
        return "a,b\n1,2\n";
    });

    struct Case
    {
        ExportOutcome out;
        QString mentions;
    };
    const QString nowhere = "/nonexistent-dir-rnnloss/x";
    const Case cases[] = {
        {e.exportChart("nope", tmp.filePath("a.png")), "nope"},
        {e.exportChart("view", tmp.filePath("a.bmp")), "a.bmp"},
        {e.exportChart("view", nowhere + ".png"), nowhere},
        {e.exportTable("table", tmp.filePath("t.csv")), "t.csv"},   // nothing to export yet
        {e.exportTable("table", tmp.filePath("t.json")), "t.json"}, // no JSON of it
        {e.exportTable("other", tmp.filePath("o.csv")), "o.csv"},
    };
    for (const Case& c : cases) {
        QVERIFY2(!c.out.ok(), qPrintable(c.out.path));
        QVERIFY2(c.out.error.contains(c.mentions), qPrintable(c.out.error));
        QVERIFY2(!QFileInfo::exists(c.out.path), qPrintable(c.out.path));
    }
    haveText = true;
    ExportOutcome out = e.exportTable("table", nowhere + ".csv");
    QVERIFY(!out.ok());
    QVERIFY2(out.error.contains(nowhere), qPrintable(out.error));
    // The same exporter still works: no error state is kept between calls.
    out = e.exportTable("table", tmp.filePath("t.csv"));
    QVERIFY2(out.ok(), qPrintable(out.error));
    out = e.exportChart("view", tmp.filePath("v.png"));
    QVERIFY2(out.ok(), qPrintable(out.error));
    QVERIFY(!QImage(tmp.filePath("v.png")).isNull());
}

void TestAppState::exportCsvRecordsProvenance()
{
    QTemporaryDir tmp;
    LambdaState s = makeState({1, 0, 0.25, 0, 1e-3, 0, 0},
                              {true, false, false, false, true, false, false}, Convention::Spec);
    Exporter e([&] { return Provenance{"/data/run7.h5", s}; });
    e.addTable("table", "csv", []() -> std::optional<std::string> { return "a,b\n1,2\n"; });
    const QString path = tmp.filePath("t.csv");
    QVERIFY(e.exportTable("table", path).ok());
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n');
    // lambda_hid is disabled: the export records the lambdas in effect.
    QCOMPARE(lines.value(0),
             QStringLiteral("# file=run7.h5 convention=spec lambda_mse=1 lambda_in=0 "
                            "lambda_hid=0 lambda_out=0 lambda_fr=0.001 lambda_fr_sd=0 "
                            "lambda_fr_cv=0"));
    QCOMPARE(lines.value(1), QStringLiteral("a,b"));
    QCOMPARE(lines.value(2), QStringLiteral("1,2"));
}

void TestAppState::exportAllNamesFiles()
{
    QTemporaryDir tmp;
    QLabel a("a"), b("b");
    a.resize(100, 80);
    b.resize(100, 80);
    Exporter e([] { return Provenance{"/x/ckpt_400.h5", nn4nDefaults(Convention::Nn4n)}; });
    e.addChart("breakdown", &a);
    e.addChart("rates", &b);
    e.addTable("breakdown", "csv", []() -> std::optional<std::string> { return "x\n"; });
    e.addTable("lambdas", "json", []() -> std::optional<std::string> { return "{}"; });
    QCOMPARE(e.defaultFileName("rates", "svg"), QStringLiteral("ckpt_400-rates.svg"));
    const auto outs = e.exportAll(tmp.path(), {"png", "csv"});
    QStringList written;
    for (const ExportOutcome& o : outs) {
        QVERIFY2(o.ok(), qPrintable(o.error));
        written << QFileInfo(o.path).fileName();
    }
    written.sort();
    QCOMPARE(written, (QStringList{"ckpt_400-breakdown.csv", "ckpt_400-breakdown.png",
                                   "ckpt_400-rates.png"}));
    QStringList onDisk = QDir(tmp.path()).entryList(QDir::Files);
    onDisk.sort();
    QCOMPARE(onDisk, written);
}

QTEST_MAIN(TestAppState)
#include "test_appstate.moc"
