// The `rnnloss` command line, run as a user would run it (QProcess): the
// reference cases against tests/data/reference/expected.json, the table, the
// exit-code contract (0 ok; 2 unusable input with exactly one "error:" line on
// stderr and nothing on stdout), and the HDF5 crasher files, which must end in
// an error naming the file within the reader's watchdog, never a crash or hang
// of the CLI itself.

#include <QtTest>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QProcess>
#include <QTemporaryDir>

#include <cmath>

namespace {

const QString kCli = QStringLiteral(RNNLOSS_CLI);
const QString kTestData = QStringLiteral(RNNLOSS_TESTDATA_DIR);
const QString kReference = kTestData + QStringLiteral("/reference");
const QString kCrashers = kTestData + QStringLiteral("/hdf5-crashers");
constexpr int kProcessTimeoutMs = 60000;
constexpr double kRelTol = 1e-9;

const QStringList kTermKeys = {"mse", "in", "hid", "out", "fr", "fr_sd", "fr_cv"};

struct Run
{
    bool started = false;
    bool finished = false;
    QProcess::ExitStatus status = QProcess::CrashExit;
    int exitCode = -1;
    QByteArray out, err;
    qint64 ms = 0;

    QString describe() const
    {
        return QStringLiteral("started=%1 finished=%2 crashed=%3 exit=%4 after %5 ms\nstdout: %6\nstderr: %7")
            .arg(started)
            .arg(finished)
            .arg(status == QProcess::CrashExit)
            .arg(exitCode)
            .arg(ms)
            .arg(QString::fromUtf8(out.left(2000)), QString::fromUtf8(err.left(2000)));
    }
};

Run runCli(const QStringList& args, int timeoutMs = kProcessTimeoutMs)
{
    Run r;
    QProcess p;
    p.setProgram(kCli);
    p.setArguments(args);
    p.setProcessChannelMode(QProcess::SeparateChannels);
    QElapsedTimer timer;
    timer.start();
    p.start(QIODevice::ReadWrite);
    r.started = p.waitForStarted(10000);
    if (!r.started)
        return r;
    p.closeWriteChannel();
    r.finished = p.waitForFinished(timeoutMs);
    r.ms = timer.elapsed();
    if (!r.finished) {
        p.kill();
        p.waitForFinished(5000);
    }
    r.status = p.exitStatus();
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

/// Empty when `r` is a proper usage error: exit 2, nothing on stdout, exactly
/// one line on stderr starting with "error: " and mentioning every `mention`.
QString usageErrorProblem(const Run& r, const QStringList& mentions)
{
    if (!r.started)
        return "the CLI did not start: " + kCli;
    if (!r.finished)
        return "the CLI did not finish in time\n" + r.describe();
    if (r.status != QProcess::NormalExit)
        return "the CLI crashed\n" + r.describe();
    if (r.exitCode != 2)
        return QStringLiteral("exit code %1, expected 2\n").arg(r.exitCode) + r.describe();
    if (!r.out.isEmpty())
        return "stdout is not empty\n" + r.describe();
    const QString err = QString::fromUtf8(r.err);
    if (!err.startsWith(QLatin1String("error: ")))
        return "stderr does not start with 'error: '\n" + r.describe();
    if (!err.endsWith('\n') || err.count('\n') != 1)
        return "stderr is not exactly one line\n" + r.describe();
    for (const QString& m : mentions)
        if (!err.contains(m))
            return "the error does not mention '" + m + "'\n" + r.describe();
    return {};
}

/// Empty when a and b agree to kRelTol (relative), or are both null.
QString compareNumber(const QString& what, const QJsonValue& actual, const QJsonValue& expected)
{
    if (expected.isNull())
        return actual.isNull() ? QString() : what + ": expected null, got " + QString::number(actual.toDouble(), 'g', 17);
    if (!actual.isDouble())
        return what + QStringLiteral(": expected %1, got a non-number (%2)")
                          .arg(expected.toDouble(), 0, 'g', 17)
                          .arg(actual.isNull() ? "null" : "type " + QString::number(int(actual.type())));
    const double a = actual.toDouble(), e = expected.toDouble();
    const double tol = kRelTol * std::max(std::abs(a), std::abs(e));
    if (!(std::abs(a - e) <= tol))
        return what + QStringLiteral(": got %1, expected %2 (relative error %3)")
                          .arg(a, 0, 'g', 17)
                          .arg(e, 0, 'g', 17)
                          .arg(std::abs(a - e) / std::max(std::abs(a), std::abs(e)), 0, 'g', 3);
    return {};
}

QJsonObject loadExpected()
{
    QFile f(kReference + "/expected.json");
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

/// The arguments that select a case's files.
QStringList caseFiles(const QJsonObject& c)
{
    QStringList args = {QDir(kReference).filePath(c["recording"].toString())};
    if (c["weights"].isString())
        args << "--weights" << QDir(kReference).filePath(c["weights"].toString());
    return args;
}

/// Every one of the seven lambdas given explicitly (a key missing from the set
/// is 0), so that the file's training lambdas cannot leak in.
QStringList lambdaArgs(const QJsonObject& set)
{
    QStringList args;
    for (const QString& key : kTermKeys)
        args << "--lambda"
             << QStringLiteral("lambda_%1=%2").arg(key, QString::number(set[key].toDouble(0.0), 'g', 17));
    return args;
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void reference_data();
    void reference();
    void table_data();
    void table();
    void usageErrors_data();
    void usageErrors();
    void crashers_data();
    void crashers();
    void extremeOptionValues_data();
    void extremeOptionValues();
    void versionAndHelp();

private:
    QJsonObject m_expected;
    QTemporaryDir m_tmp;
};

void TestCli::initTestCase()
{
    QVERIFY2(QFileInfo(kCli).isExecutable(), qPrintable("no CLI at " + kCli));
    m_expected = loadExpected();
    QVERIFY2(!m_expected.isEmpty(), qPrintable("cannot read " + kReference + "/expected.json"));
    QVERIFY(m_expected["cases"].toObject().size() >= 2);
    QVERIFY(m_expected["lambda_sets"].toObject().size() >= 3);
    QVERIFY(m_tmp.isValid());
}

// ---------------------------------------------------------------------------
// (1) The reference cases.

void TestCli::reference_data()
{
    QTest::addColumn<QString>("caseName");
    QTest::addColumn<QString>("convention");
    QTest::addColumn<QString>("set");
    const QJsonObject expected = loadExpected();
    const QJsonObject cases = expected["cases"].toObject();
    for (auto c = cases.begin(); c != cases.end(); ++c) {
        const QJsonObject exp = c.value().toObject()["expected"].toObject();
        for (auto e = exp.begin(); e != exp.end(); ++e) {
            const QStringList parts = e.key().split('/');
            QVERIFY(parts.size() == 2);
            QTest::addRow("%s %s/%s", qPrintable(c.key()), qPrintable(parts[0]), qPrintable(parts[1]))
                << c.key() << parts[0] << parts[1];
        }
    }
}

void TestCli::reference()
{
    QFETCH(QString, caseName);
    QFETCH(QString, convention);
    QFETCH(QString, set);
    const QJsonObject c = m_expected["cases"].toObject()[caseName].toObject();
    const QJsonObject lambdas = m_expected["lambda_sets"].toObject()[set].toObject();
    const QJsonObject exp = c["expected"].toObject()[convention + "/" + set].toObject();
    QVERIFY(!lambdas.isEmpty());
    QVERIFY(!exp.isEmpty());

    const QStringList args = QStringList{"compute"} + caseFiles(c) +
                             QStringList{"--json", "--convention", convention} + lambdaArgs(lambdas);
    const Run r = runCli(args);
    QVERIFY2(r.finished && r.status == QProcess::NormalExit && r.exitCode == 0,
             qPrintable(args.join(' ') + "\n" + r.describe()));

    // stdout is exactly one JSON object.
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out, &perr);
    QVERIFY2(perr.error == QJsonParseError::NoError,
             qPrintable(perr.errorString() + " at " + QString::number(perr.offset) + "\n" + r.describe()));
    QVERIFY(doc.isObject());
    QVERIFY2(r.out.trimmed().startsWith('{') && r.out.trimmed().endsWith('}'), r.out.constData());
    const QJsonObject o = doc.object();

    QCOMPARE(o["convention"].toString(), convention);

    const QJsonObject shape = o["shape"].toObject();
    const QJsonObject eshape = c["shape"].toObject();
    for (const char* k : {"batch", "time", "n_in", "n_hid", "n_out"}) {
        QVERIFY2(shape[k].isDouble(), k);
        QCOMPARE(shape[k].toInteger(), eshape[k].toInteger());
    }

    const QJsonObject terms = o["terms"].toObject();
    const QJsonObject eterms = exp["terms"].toObject();
    QCOMPARE(terms.size(), kTermKeys.size());
    QStringList problems;
    for (const QString& key : kTermKeys) {
        QVERIFY2(terms.contains(key), qPrintable("no term " + key));
        QVERIFY2(eterms.contains(key), qPrintable("expected.json has no term " + key));
        const QJsonObject t = terms[key].toObject(), et = eterms[key].toObject();
        for (const char* field : {"lambda", "value", "weighted"}) {
            const QString p = compareNumber(key + "." + field, t[field], et[field]);
            if (!p.isEmpty())
                problems << p;
        }
        if (!t["available"].isBool())
            problems << key + ".available is not a boolean";
    }
    const QString p = compareNumber("total", o["total"], exp["total"]);
    if (!p.isEmpty())
        problems << p;

    const QJsonArray rate = o["neurons"].toObject()["mean_rate"].toArray();
    const QJsonArray erate = c["mean_rate"].toArray();
    QCOMPARE(rate.size(), erate.size());
    QCOMPARE(qint64(rate.size()), eshape["n_hid"].toInteger());
    for (qsizetype n = 0; n < rate.size(); ++n) {
        const QString q = compareNumber(QStringLiteral("mean_rate[%1]").arg(n), rate[n], erate[n]);
        if (!q.isEmpty())
            problems << q;
    }
    QVERIFY2(o["warnings"].isArray(), "no warnings array");
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
}

// ---------------------------------------------------------------------------
// (2) The table.

void TestCli::table_data()
{
    QTest::addColumn<QString>("caseName");
    QTest::addColumn<QString>("convention");
    const QJsonObject cases = loadExpected()["cases"].toObject();
    for (auto c = cases.begin(); c != cases.end(); ++c)
        for (const char* conv : {"spec", "nn4n"})
            QTest::addRow("%s %s", qPrintable(c.key()), conv) << c.key() << QString(conv);
}

void TestCli::table()
{
    QFETCH(QString, caseName);
    QFETCH(QString, convention);
    const QJsonObject c = m_expected["cases"].toObject()[caseName].toObject();
    const QJsonObject lambdas = m_expected["lambda_sets"].toObject()["all"].toObject();
    const QStringList args = QStringList{"compute"} + caseFiles(c) +
                             QStringList{"--convention", convention} + lambdaArgs(lambdas);
    const Run r = runCli(args);
    QVERIFY2(r.finished && r.status == QProcess::NormalExit && r.exitCode == 0,
             qPrintable(args.join(' ') + "\n" + r.describe()));
    const QStringList lines = QString::fromUtf8(r.out).split('\n');
    // One row per term and a total row, each starting with its key.
    for (const QString& key : kTermKeys + QStringList{"total"}) {
        bool found = false;
        for (const QString& line : lines)
            found = found || line.startsWith(key + ' ');
        QVERIFY2(found, qPrintable("no row for '" + key + "' in\n" + QString::fromUtf8(r.out)));
    }
    QVERIFY2(!r.out.trimmed().startsWith('{'), "the table looks like JSON");
}

// ---------------------------------------------------------------------------
// (3) Unusable input: exit 2, one "error:" line, nothing on stdout.

void TestCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("mentions");

    // Files of our own; m_tmp is created with the test object, before _data().
    const QString dir = m_tmp.path();
    const QString missing = dir + "/does-not-exist.h5";
    const QString text = dir + "/notes.h5";
    {
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is a text file, not HDF5\n");
    }
    const QString empty = dir + "/empty.h5";
    {
        QFile f(empty);
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
    const QString garbage = dir + "/garbage.h5";
    {
        QFile f(garbage);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QByteArray b("\x89HDF\r\n\x1a\n", 8); // the HDF5 signature, then noise
        for (int i = 0; i < 4096; ++i)
            b.append(char((i * 7919) >> 3));
        f.write(b);
    }
    const QString relu = QDir(kReference).filePath("cases/visible_relu.h5");
    const QString weightsOnly = QDir(kReference).filePath("cases/visible_tanh_split_weights.h5");

    auto row = [](const char* name, const QStringList& args, const QStringList& mentions) {
        QTest::newRow(name) << args << mentions;
    };
    row("missing file", {"compute", "--json", missing}, {"does-not-exist.h5"});
    row("missing file, table", {"compute", missing}, {"does-not-exist.h5"});
    row("missing weights file", {"compute", "--json", relu, "--weights", missing},
        {"does-not-exist.h5"});
    row("text file", {"compute", "--json", text}, {"notes.h5"});
    row("empty file", {"compute", "--json", empty}, {"empty.h5"});
    row("HDF5 signature then noise", {"compute", "--json", garbage}, {"garbage.h5"});
    row("a directory", {"compute", "--json", dir}, {dir});
    row("lambda value abc", {"compute", "--json", relu, "--lambda", "lambda_fr=abc"},
        {"lambda_fr=abc"});
    row("lambda value negative", {"compute", "--json", relu, "--lambda", "lambda_fr=-1"},
        {"lambda_fr=-1"});
    row("lambda value -0.001", {"compute", "--json", relu, "--lambda", "lambda_mse=-0.001"},
        {"lambda_mse"});
    row("lambda value inf", {"compute", "--json", relu, "--lambda", "lambda_fr=inf"}, {"inf"});
    row("lambda value nan", {"compute", "--json", relu, "--lambda", "lambda_fr=nan"}, {"nan"});
    row("lambda value empty", {"compute", "--json", relu, "--lambda", "lambda_fr="}, {"lambda_fr"});
    row("lambda value trailing junk", {"compute", "--json", relu, "--lambda", "lambda_fr=1e-3x"},
        {"1e-3x"});
    row("lambda without =", {"compute", "--json", relu, "--lambda", "lambda_fr"}, {"lambda_fr"});
    row("lambda without an argument", {"compute", "--json", relu, "--lambda"}, {"--lambda"});
    row("unknown lambda key", {"compute", "--json", relu, "--lambda", "lambda_foo=1"},
        {"lambda_foo"});
    row("unknown lambda key (=form)", {"compute", "--json", relu, "--lambda=lambda_bar=1"},
        {"lambda_bar"});
    row("unknown convention", {"compute", "--json", relu, "--convention", "pytorch"}, {"pytorch"});
    row("convention without a value", {"compute", "--json", relu, "--convention"},
        {"--convention"});
    row("unknown option", {"compute", "--json", relu, "--frobnicate"}, {"--frobnicate"});
    row("unknown command", {"frobnicate"}, {"frobnicate"});
    row("lambda_mse on a weights-only file",
        {"compute", "--json", weightsOnly, "--lambda", "lambda_mse=1"},
        {"outputs", "visible_tanh_split_weights.h5"});
    row("lambda_mse on a weights-only file, table",
        {"compute", weightsOnly, "--lambda", "lambda_mse=1"}, {"outputs"});
    row("lambda_fr on a weights-only file",
        {"compute", "--json", weightsOnly, "--lambda", "lambda_mse=0", "--lambda", "lambda_fr=0.5"},
        {"states"});
}

void TestCli::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, mentions);
    const Run r = runCli(args);
    const QString problem = usageErrorProblem(r, mentions);
    QVERIFY2(problem.isEmpty(), qPrintable(args.join(' ') + "\n" + problem));
    qInfo("%s", r.err.trimmed().constData());
}

// ---------------------------------------------------------------------------
// (4) Files that crash or hang HDF5 1.10: an error naming the file, from the
// isolated reader, within the watchdog.

void TestCli::crashers_data()
{
    QTest::addColumn<QString>("file");
    const QStringList files = QDir(kCrashers).entryList({"*.h5"}, QDir::Files, QDir::Name);
    QVERIFY2(files.size() >= 20, qPrintable(QStringLiteral("only %1 files in ").arg(files.size()) + kCrashers));
    for (const QString& f : files)
        QTest::newRow(qPrintable(f)) << QDir(kCrashers).filePath(f);
    // Inputs fuzz_reader found that crash, hang or exhaust HDF5 itself
    // (tests/fuzz-regressions/README.md).
    const QDir found(QStringLiteral(RNNLOSS_SOURCE_DIR "/tests/fuzz-regressions"));
    const QStringList images = found.entryList({"*.h5"}, QDir::Files, QDir::Name);
    QVERIFY2(images.size() >= 7, qPrintable(found.path()));
    for (const QString& f : images)
        QTest::newRow(qPrintable("fuzz: " + f)) << found.filePath(f);
}

void TestCli::crashers()
{
    QFETCH(QString, file);
    const QStringList args = {"compute", "--json", "--watchdog", "5", file};
    const Run r = runCli(args);
    qInfo("%s (%lld ms): %s", qPrintable(QFileInfo(file).fileName()), r.ms, r.err.trimmed().constData());
    const QString problem = usageErrorProblem(r, {QFileInfo(file).fileName()});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    // The watchdog is on progress (5 s without any); the whole run may not
    // take much longer than one watchdog period plus process start-up.
    QVERIFY2(r.ms < 20000, qPrintable(QStringLiteral("took %1 ms").arg(r.ms)));
}

// ---------------------------------------------------------------------------
// Numeric options at their limits, on a good file: the run either works or is
// refused as a usage error about that option. It must not fail in a way that
// blames the file (a wrapped-around watchdog or memory limit does).

void TestCli::extremeOptionValues_data()
{
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("value");
    auto row = [](const char* option, const char* value) {
        QTest::addRow("%s %s", option, value) << QString(option) << QString(value);
    };
    row("--watchdog", "5");
    row("--watchdog", "2147483");             // the largest whose milliseconds fit in an int
    row("--watchdog", "2147484");             // ~25 days: 2147484000 ms does not
    row("--watchdog", "3000000");
    row("--watchdog", "9223372036854775807"); // LLONG_MAX: * 1000 overflows
    row("--watchdog", "99999999999999999999"); // beyond long long
    row("--watchdog", "0");
    row("--memory-limit", "0");                // documented: no limit
    row("--memory-limit", "17592186044417");   // (2^44 + 1) MiB: << 20 wraps to 1 MiB
    row("--slab-mb", "1");
    row("--slab-mb", "17592186044416");        // 2^44 MiB: << 20 wraps to 0
}

void TestCli::extremeOptionValues()
{
    QFETCH(QString, option);
    QFETCH(QString, value);
    const QStringList args = {"compute", "--json", option, value,
                              QDir(kReference).filePath("cases/visible_relu.h5")};
    const Run r = runCli(args);
    qInfo("exit %d: %s", r.exitCode, r.err.trimmed().constData());
    QVERIFY2(r.finished && r.status == QProcess::NormalExit, qPrintable(r.describe()));
    if (r.exitCode == 0) {
        QJsonParseError perr;
        const QJsonDocument doc = QJsonDocument::fromJson(r.out, &perr);
        QVERIFY2(perr.error == QJsonParseError::NoError && doc.isObject(), qPrintable(r.describe()));
        QCOMPARE(doc.object()["shape"].toObject()["n_hid"].toInt(), 24);
    } else {
        const QString problem = usageErrorProblem(r, {option});
        QVERIFY2(problem.isEmpty(),
                 qPrintable(args.join(' ') + ": neither a result nor a usage error about " + option +
                            "\n" + problem));
    }
}

// ---------------------------------------------------------------------------
// (5) --version, --help, no arguments.

void TestCli::versionAndHelp()
{
    Run r = runCli({"--version"});
    QVERIFY2(r.finished && r.status == QProcess::NormalExit && r.exitCode == 0, qPrintable(r.describe()));
    QVERIFY2(r.out.startsWith("rnnloss "), r.out.constData());
    QVERIFY(r.out.endsWith('\n'));

    for (const QStringList& args : {QStringList{"--help"}, QStringList{"compute", "--help"}}) {
        r = runCli(args);
        QVERIFY2(r.finished && r.status == QProcess::NormalExit && r.exitCode == 0,
                 qPrintable(args.join(' ') + "\n" + r.describe()));
        const QString help = QString::fromUtf8(r.out);
        for (const QString& key : kTermKeys)
            QVERIFY2(help.contains("lambda_" + key), qPrintable(args.join(' ') + ": no lambda_" + key));
        for (const char* word : {"compute", "--json", "--convention", "--weights", "--lambda"})
            QVERIFY2(help.contains(word), word);
    }

    r = runCli({});
    QVERIFY2(r.finished && r.status == QProcess::NormalExit, qPrintable(r.describe()));
    QVERIFY2(r.exitCode != 0, qPrintable(r.describe()));
}

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
