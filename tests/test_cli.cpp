// The `rnnloss` command line, run as a user would run it (QProcess): the
// reference cases against tests/data/reference/expected.json, the table, the
// exit-code contract (0 ok; 2 unusable input with exactly one "error:" line on
// stderr and nothing on stdout), and the HDF5 crasher files, which must end in
// an error naming the file and saying how the reader ended (refused, crashed,
// stopped by the watchdog), never a crash or hang of the CLI itself.

#include "rawh5.h"
#include "report.h"

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

Q_DECLARE_METATYPE(rnnloss::TermArray)

namespace {

const QString kCli = QStringLiteral(RNNLOSS_CLI);
const QString kTestData = QStringLiteral(RNNLOSS_TESTDATA_DIR);
const QString kReference = kTestData + QStringLiteral("/reference");
const QString kCrashers = kTestData + QStringLiteral("/hdf5-crashers");
// Only so that a broken watchdog ends as a failure rather than a stuck run.
constexpr int kProcessTimeoutMs = 120000;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif
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

/// How `rnnloss compute --json`'s object `o` differs from a reference case's
/// expected terms, total and mean rates (to kRelTol); empty when it does not.
QStringList referenceProblems(const QJsonObject& o, const QJsonObject& c, const QJsonObject& exp)
{
    QStringList problems;
    const QJsonObject terms = o["terms"].toObject();
    const QJsonObject eterms = exp["terms"].toObject();
    for (const QString& key : kTermKeys) {
        if (!terms.contains(key) || !eterms.contains(key)) {
            problems << "no term " + key + (terms.contains(key) ? " in expected.json" : "");
            continue;
        }
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
    if (rate.size() != erate.size())
        problems << QStringLiteral("%1 mean rates, expected %2").arg(rate.size()).arg(erate.size());
    for (qsizetype n = 0; n < std::min(rate.size(), erate.size()); ++n) {
        const QString q = compareNumber(QStringLiteral("mean_rate[%1]").arg(n), rate[n], erate[n]);
        if (!q.isEmpty())
            problems << q;
    }
    return problems;
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
    void nn4nCallLine_data();
    void nn4nCallLine();
    void sliceReference_data();
    void sliceReference();
    void sliceEcho();
    void sliceRefusals_data();
    void sliceRefusals();
    void weightsMismatchWarns_data();
    void weightsMismatchWarns();
    void pytorchCheckpointRefused();

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

    QCOMPARE(o["terms"].toObject().size(), kTermKeys.size());
    QCOMPARE(qint64(o["neurons"].toObject()["mean_rate"].toArray().size()),
             eshape["n_hid"].toInteger());
    QVERIFY2(o["warnings"].isArray(), "no warnings array");
    const QStringList problems = referenceProblems(o, c, exp);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
}

// ---------------------------------------------------------------------------
// (2) The table.

void TestCli::table_data()
{
    QTest::addColumn<QStringList>("args");
    const QJsonObject expected = loadExpected();
    const QJsonObject cases = expected["cases"].toObject();
    const QJsonObject sets = expected["lambda_sets"].toObject();
    for (auto c = cases.begin(); c != cases.end(); ++c)
        for (const char* conv : {"spec", "nn4n"})
            for (const char* set : {"all", "wide"})
                QTest::addRow("%s %s %s", qPrintable(c.key()), conv, set)
                    << QStringList{"compute"} + caseFiles(c.value().toObject()) +
                           QStringList{"--convention", conv} + lambdaArgs(sets[set].toObject());
    // Terms without data ("missing") beside weighted ones.
    QTest::newRow("weights only") << QStringList{
        "compute",  QDir(kReference).filePath("cases/visible_tanh_split_weights.h5"),
        "--lambda", "lambda_mse=0",
        "--lambda", "lambda_hid=2.5"};
}

namespace {

/// Empty when the table's cell `cell` shows `value` as "%.6g" does (or a
/// marker: "-" for not added, "missing", "undefined").
QString cellProblem(const QString& what, const QString& cell, const QJsonValue& value,
                    double rel = 5e-6)
{
    if (value.isNull())
        return cell == "undefined" ? QString() : what + ": '" + cell + "', expected undefined";
    bool ok = false;
    const double shown = cell.toDouble(&ok);
    const double want = value.toDouble();
    if (!ok)
        return what + ": '" + cell + "' is not a number, expected " +
               QString::number(want, 'g', 17);
    if (!(std::abs(shown - want) <= rel * std::abs(want)))
        return what + QStringLiteral(": '%1', expected %2").arg(cell).arg(want, 0, 'g', 17);
    return {};
}

} // namespace

void TestCli::table()
{
    QFETCH(QStringList, args);
    const Run r = runCli(args);
    QVERIFY2(r.finished && r.status == QProcess::NormalExit && r.exitCode == 0,
             qPrintable(args.join(' ') + "\n" + r.describe()));
    QVERIFY2(!r.out.trimmed().startsWith('{'), "the table looks like JSON");
    // The same run as JSON: the table must show these numbers (to its 6 digits).
    const Run j = runCli(args + QStringList{"--json"});
    QVERIFY2(j.finished && j.status == QProcess::NormalExit && j.exitCode == 0,
             qPrintable(j.describe()));
    const QJsonObject o = QJsonDocument::fromJson(j.out).object();
    QVERIFY2(o["terms"].isObject(), j.out.constData());
    const QJsonObject terms = o["terms"].toObject();

    const QString table = QString::fromUtf8(r.out);
    const QStringList lines = table.split('\n');
    QStringList problems;
    auto row = [&](const QString& key) {
        QStringList found;
        for (const QString& line : lines)
            if (line.startsWith(key + ' '))
                found << line;
        if (found.size() != 1)
            problems << QStringLiteral("%1 rows for '%2'").arg(found.size()).arg(key);
        return found.isEmpty() ? QStringList{} : found.front().split(' ', Qt::SkipEmptyParts);
    };

    const QJsonObject shape = o["shape"].toObject();
    const QString shapeLine = QStringLiteral("shape: B=%1 T=%2 N_in=%3 N_hid=%4 N_out=%5")
                                  .arg(shape["batch"].toInteger())
                                  .arg(shape["time"].toInteger())
                                  .arg(shape["n_in"].toInteger())
                                  .arg(shape["n_hid"].toInteger())
                                  .arg(shape["n_out"].toInteger());
    QVERIFY2(table.contains(shapeLine + "   convention: " + o["convention"].toString() + "\n"),
             qPrintable("no line '" + shapeLine + "' in\n" + table));

    const bool totalDefined = o["total"].isDouble();
    for (const QString& key : kTermKeys) {
        const QJsonObject t = terms[key].toObject();
        const QStringList cells = row(key); // key lambda value weighted [share]
        if (cells.size() < 4) {
            problems << key + ": row too short";
            continue;
        }
        const double lambda = t["lambda"].toDouble();
        problems << cellProblem(key + " lambda", cells[1], t["lambda"]);
        if (!t["available"].toBool())
            problems << (cells[2] == "missing"
                             ? QString()
                             : key + " value: '" + cells[2] + "', expected missing");
        else
            problems << cellProblem(key + " value", cells[2], t["value"]);
        if (lambda == 0.0) {
            problems << (cells[3] == "-"
                             ? QString()
                             : key + " weighted: '" + cells[3] + "', expected - (not added)");
            problems << (cells.size() == 4 ? QString() : key + ": a share for a term not added");
        } else {
            problems << cellProblem(key + " weighted", cells[3], t["weighted"]);
            const double total = o["total"].toDouble();
            if (totalDefined && total != 0.0 && t["weighted"].isDouble()) {
                // The share in percent, 3 digits.
                QString share = cells.value(4);
                if (!share.endsWith('%'))
                    problems << key + ": share '" + share + "' has no %";
                share.chop(1);
                problems << cellProblem(key + " share", share,
                                        100.0 * t["weighted"].toDouble() / total, 5e-3);
            }
        }
    }
    const QStringList total = row("total");
    if (total.size() != 2)
        problems << "total row: '" + total.join(' ') + "'";
    else
        problems << cellProblem("total", total[1], o["total"]);
    problems.removeAll(QString());
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n') + "\nin\n" + table));
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
    // A folder stands for the recordings under it (compute DIR); one with none is refused.
    const QString noRecordings = dir + "/no-recordings";
    QVERIFY(QDir().mkpath(noRecordings + "/sub"));
    row("a directory without recordings", {"compute", "--json", noRecordings},
        {noRecordings, "no recording (*.h5, *.hdf5) or summary file (*.rnnsum)"});
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
    // A decimal comma is named, with the value to type: the panel's message
    // (one parser, parseLambdaValue, for both).
    row("lambda value with a decimal comma",
        {"compute", "--json", relu, "--lambda", "lambda_fr=0,05"},
        {"lambda_fr=0,05", "has a comma: use a point: 0.05, not 0,05"});
    row("lambda value with two commas", {"compute", "--json", relu, "--lambda", "lambda_fr=1,2,3"},
        {"has a comma: use a point for decimals"});
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
    /// What the error must say, how the reader ended: a regular expression.
    QTest::addColumn<QString>("outcome");
    // tests/data/hdf5-crashers/README.md: with HDF5 1.10.8, two crash the
    // reader, the others open and hold no recording.
    const auto exactly = [](const QString& text) { return QRegularExpression::escape(text); };
    const QString refused = exactly("holds none of the datasets of a recording");
    const QString segv = exactly("the reader crashed (signal 11, Segmentation fault)");
    const QString watchdog = exactly("the reader stopped responding (no progress for 5");
    // HDF5 allocating without end: the watchdog stops it, or the reader's
    // address-space limit (4 GiB) does first, on a machine that allocates 4 GiB
    // within the watchdog's 5 s. Either is the reader ending as it should.
    const QString allocLoop = watchdog + "|" + exactly("out of memory while reading");
    const QStringList files = QDir(kCrashers).entryList({"*.h5"}, QDir::Files, QDir::Name);
    QVERIFY2(files.size() == 25,
             qPrintable(QStringLiteral("%1 files in ").arg(files.size()) + kCrashers));
    for (const QString& f : files) {
        const bool crashes = f == "cve-2018-13867.h5" || f == "cve-2025-6269-1.h5";
        QTest::newRow(qPrintable(f)) << QDir(kCrashers).filePath(f) << (crashes ? segv : refused);
    }
    // Inputs fuzz_reader found that crash, hang or exhaust HDF5 itself
    // (tests/fuzz-regressions/README.md, the "now" column).
    const QDir found(QStringLiteral(RNNLOSS_SOURCE_DIR "/tests/fuzz-regressions"));
    const QList<std::pair<const char*, QString>> fuzz = {
        {"hdf5-alloc-loop-local-heap.h5", allocLoop},
        {"hdf5-compact-short.h5",
         exactly("dataset 'outputs' is damaged: its compact storage holds 1 bytes")},
        {"hdf5-hang.h5", watchdog},
        {"hdf5-huge-alloc-object-info.h5",
         exactly("cannot inspect 'states': can't get info for object: "
                 "'states' (memory allocation failed")},
        {"hdf5-huge-alloc-open.h5",
         exactly("cannot open the file: unable to open file (memory allocation failed")},
        {"hdf5-segv-accum-read-1.h5", segv},
        {"hdf5-segv-accum-read-2.h5", segv},
        {"hdf5-segv-memcpyvv.h5",
         exactly("dataset 'states' is damaged: its compact storage holds 0 bytes")},
    };
    QCOMPARE(found.entryList({"*.h5"}, QDir::Files).size(), fuzz.size());
    for (const auto& [f, outcome] : fuzz)
        QTest::newRow(qPrintable(QStringLiteral("fuzz: ") + f)) << found.filePath(f) << outcome;
}

void TestCli::crashers()
{
    QFETCH(QString, file);
    QFETCH(QString, outcome);
    const QStringList args = {"compute", "--json", "--watchdog", "5", file};
    const Run r = runCli(args);
    const QString err = QString::fromUtf8(r.err);
    qInfo("%s: %s", qPrintable(QFileInfo(file).fileName()), qPrintable(err.trimmed()));
    const QString problem = usageErrorProblem(r, {QFileInfo(file).fileName()});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    // How the reader ended, not how long it took: a hang is stopped by the
    // watchdog (5 s without progress), and the error says so.
    const QRegularExpression expected(outcome);
    if (kSanitized && !err.contains(expected)) {
        // Under a sanitizer the reader child is instrumented too and runs
        // without the address-space limit (ASan reserves terabytes): it may stop
        // at a finding inside HDF5 that a release build survives, die on a
        // different signal (ASan aborts on SEGV), see HDF5 refuse the damage
        // itself where the release build crashes, or spend the watchdog's time
        // on an allocation the limit refuses at once. Each is one of the
        // contained ways to end; the usage contract above (exit 2, one error
        // line naming the file) holds in every case.
        static const QRegularExpression contained(
            "the reader crashed \\(|the reader failed \\(exit code|"
            "the reader stopped responding \\(no progress for|"
            ": cannot (open|look up|inspect|read) ");
        QVERIFY2(err.contains(contained),
                 qPrintable("expected '" + outcome + "' or another contained end, got: " + err));
        return;
    }
    QVERIFY2(err.contains(expected), qPrintable("expected '" + outcome + "', got: " + err));
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
    // The reference case's lambdas, so that the numbers can be held to nn4n's.
    const QJsonObject c = m_expected["cases"].toObject()["visible_relu"].toObject();
    const QJsonObject exp = c["expected"].toObject()["nn4n/all"].toObject();
    const QStringList args =
        QStringList{"compute", "--json", option, value, "--convention", "nn4n"} +
        lambdaArgs(m_expected["lambda_sets"].toObject()["all"].toObject()) + caseFiles(c);
    const Run r = runCli(args);
    qInfo("exit %d: %s", r.exitCode, r.err.trimmed().constData());
    QVERIFY2(r.finished && r.status == QProcess::NormalExit, qPrintable(r.describe()));
    if (r.exitCode == 0) {
        QJsonParseError perr;
        const QJsonDocument doc = QJsonDocument::fromJson(r.out, &perr);
        QVERIFY2(perr.error == QJsonParseError::NoError && doc.isObject(), qPrintable(r.describe()));
        QCOMPARE(doc.object()["shape"].toObject()["n_hid"].toInt(), 24);
        // An option that only bounds the reader (a slab of 1 MiB, a watchdog,
        // a memory limit) leaves every number as nn4n gives it.
        const QStringList problems = referenceProblems(doc.object(), c, exp);
        QVERIFY2(problems.isEmpty(), qPrintable(args.join(' ') + "\n" + problems.join('\n')));
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

// ---------------------------------------------------------------------------
// The line File > Copy RNNLoss(...) puts on the clipboard (report.h).

void TestCli::nn4nCallLine_data()
{
    using rnnloss::Convention;
    QTest::addColumn<rnnloss::TermArray>("lambdas");
    QTest::addColumn<int>("convention");
    QTest::addColumn<QString>("call");
    QTest::addColumn<bool>("warns");
    // nn4n's RNNLoss defaults lambda_mse to 1: a 0 must be written out.
    QTest::newRow("mse 0") << rnnloss::TermArray{0, 0, 0, 0, 1e-3, 0, 0} << int(Convention::Nn4n)
                           << "RNNLoss(model, lambda_mse=0, lambda_fr=0.001)" << false;
    QTest::newRow("all 0") << rnnloss::TermArray{} << int(Convention::Nn4n)
                           << "RNNLoss(model, lambda_mse=0)" << false;
    QTest::newRow("mse 1, others") << rnnloss::TermArray{1, 0.5, 0, 2e-5, 0, 0.25, 3}
                                   << int(Convention::Nn4n)
                                   << "RNNLoss(model, lambda_mse=1, lambda_in=0.5, lambda_out=2e-05, "
                                      "lambda_fr_sd=0.25, lambda_fr_cv=3)"
                                   << false;
    QTest::newRow("17 digits") << rnnloss::TermArray{0.1 + 0.2, 0, 0, 0, 0, 0, 0}
                               << int(Convention::Nn4n)
                               << "RNNLoss(model, lambda_mse=0.30000000000000004)" << false;
    // Spec: nn4n would compute other firing-rate terms than the ones tuned.
    QTest::newRow("spec, fr") << rnnloss::TermArray{1, 0, 0, 0, 1e-3, 0, 0} << int(Convention::Spec)
                              << "RNNLoss(model, lambda_mse=1, lambda_fr=0.001)" << true;
    QTest::newRow("spec, fr_cv") << rnnloss::TermArray{1, 0, 0, 0, 0, 0, 0.1}
                                 << int(Convention::Spec)
                                 << "RNNLoss(model, lambda_mse=1, lambda_fr_cv=0.1)" << true;
    // Without a firing-rate term both conventions compute the same loss.
    QTest::newRow("spec, weights only") << rnnloss::TermArray{1, 0.1, 0.1, 0.1, 0, 0, 0}
                                        << int(Convention::Spec)
                                        << "RNNLoss(model, lambda_mse=1, lambda_in=0.1, "
                                           "lambda_hid=0.1, lambda_out=0.1)"
                                        << false;
}

void TestCli::nn4nCallLine()
{
    QFETCH(rnnloss::TermArray, lambdas);
    QFETCH(int, convention);
    QFETCH(QString, call);
    QFETCH(bool, warns);
    const QString line =
        QString::fromStdString(rnnloss::nn4nCall(lambdas, static_cast<rnnloss::Convention>(convention)));
    // The call, then nothing or a Python comment: the line pastes as valid Python.
    QVERIFY2(line.startsWith(call), qPrintable(line));
    const QString rest = line.mid(call.size());
    QVERIFY2(!rest.contains('\n'), qPrintable(line));
    if (warns) {
        QVERIFY2(rest.startsWith("  # "), qPrintable(line));
        QVERIFY2(rest.contains("spec") && rest.contains("nn4n") && rest.contains("differ"),
                 qPrintable(line));
    } else {
        QCOMPARE(rest, QString());
    }
}

QTEST_GUILESS_MAIN(TestCli)
// ---------------------------------------------------------------------------
// (6) Slices: --trials, --steps, --neurons against nn4n's RNNLoss on sliced
// arrays (tests/data/reference/slices.json, tools/make_slice_reference.py).

namespace {

QJsonArray loadSlices()
{
    QFile f(kReference + "/slices.json");
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object()["slices"].toArray();
}

/// The slice options of one slices.json entry (a null spec: not given).
QStringList sliceArgs(const QJsonObject& c)
{
    QStringList args;
    for (const char* axis : {"trials", "steps", "neurons"})
        if (c[axis].isString())
            args << QStringLiteral("--%1").arg(axis) << c[axis].toString();
    return args;
}

} // namespace

void TestCli::sliceReference_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<bool>("viaReader"); ///< the reader cuts the slice, not the direct read
    const QJsonArray slices = loadSlices();
    QVERIFY2(slices.size() >= 8, qPrintable("too few slices in " + kReference + "/slices.json"));
    for (bool via : {false, true})
        for (qsizetype i = 0; i < slices.size(); ++i) {
            const QJsonObject c = slices[i].toObject();
            QTest::addRow("%s %s%s", qPrintable(c["case"].toString()),
                          qPrintable(sliceArgs(c).join(' ')), via ? " --via-reader" : "")
                << int(i) << via;
        }
}

void TestCli::sliceReference()
{
    QFETCH(int, which);
    QFETCH(bool, viaReader);
    const QJsonObject c = loadSlices()[which].toObject();
    QJsonObject ones;
    for (const QString& k : kTermKeys)
        ones[k] = 1.0;
    const QStringList args = QStringList{"compute"} + caseFiles(c) + sliceArgs(c) +
                             QStringList{"--json", "--convention", "nn4n"} + lambdaArgs(ones) +
                             (viaReader ? QStringList{"--via-reader"} : QStringList{});
    const Run r = runCli(args);
    QVERIFY2(r.finished && r.status == QProcess::NormalExit && r.exitCode == 0,
             qPrintable(args.join(' ') + "\n" + r.describe()));
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QVERIFY2(!o.isEmpty(), r.out.constData());

    QStringList problems;
    const QJsonObject terms = o["terms"].toObject(), eterms = c["terms"].toObject();
    for (const QString& key : kTermKeys) {
        const QString p = compareNumber(key + ".value", terms[key].toObject()["value"], eterms[key]);
        if (!p.isEmpty())
            problems << p;
    }
    const QString p = compareNumber("total", o["total"], c["total"]);
    if (!p.isEmpty())
        problems << p;
    const QJsonArray rate = o["neurons"].toObject()["mean_rate"].toArray();
    const QJsonArray erate = c["mean_rate"].toArray();
    QCOMPARE(rate.size(), erate.size());
    for (qsizetype n = 0; n < rate.size(); ++n) {
        const QString q = compareNumber(QStringLiteral("mean_rate[%1]").arg(n), rate[n], erate[n]);
        if (!q.isEmpty())
            problems << q;
    }
    // The selection is echoed with its counts.
    const QJsonObject sel = o["selection"].toObject();
    for (const char* axis : {"trials", "steps", "neurons"})
        if (sel[axis].toObject()["count"].toInteger() != c["count"].toObject()[axis].toInteger())
            problems << QStringLiteral("selection.%1.count: %2, expected %3")
                            .arg(axis)
                            .arg(sel[axis].toObject()["count"].toInteger())
                            .arg(c["count"].toObject()[axis].toInteger());
    QVERIFY2(problems.isEmpty(), qPrintable(args.join(' ') + "\n" + problems.join('\n')));
}

void TestCli::sliceEcho()
{
    const QString rec = QDir(kReference).filePath("cases/visible_relu.h5"); // 5 x 16 x 24
    const Run r = runCli({"compute", rec, "--json", "--trials", "4,0:2", "--steps", "10:",
                          "--neurons", "23,0"});
    QVERIFY2(r.finished && r.exitCode == 0, qPrintable(r.describe()));
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    const QJsonObject sel = o["selection"].toObject();
    QCOMPARE(sel["trials"].toObject()["spec"].toString(), QStringLiteral("0:2,4"));
    QCOMPARE(sel["trials"].toObject()["count"].toInteger(), 3);
    QCOMPARE(sel["steps"].toObject()["spec"].toString(), QStringLiteral("10:16"));
    QCOMPARE(sel["steps"].toObject()["count"].toInteger(), 6);
    QCOMPARE(sel["neurons"].toObject()["spec"].toString(), QStringLiteral("0,23"));
    // "shape" stays the recording's; mean_rate has the two neurons, 0 then 23.
    QCOMPARE(o["shape"].toObject()["n_hid"].toInteger(), 24);
    QCOMPARE(o["shape"].toObject()["batch"].toInteger(), 5);
    QCOMPARE(o["neurons"].toObject()["mean_rate"].toArray().size(), 2);

    // Without slice options: no "selection", and the same output as ever.
    const Run whole = runCli({"compute", rec, "--json"});
    QVERIFY2(whole.finished && whole.exitCode == 0, qPrintable(whole.describe()));
    QVERIFY(!QJsonDocument::fromJson(whole.out).object().contains("selection"));
    // Every index given: the whole recording's numbers, as a slice.
    const Run all = runCli({"compute", rec, "--json", "--trials", ":", "--steps", "0:16",
                            "--neurons", "0:24"});
    QVERIFY2(all.finished && all.exitCode == 0, qPrintable(all.describe()));
    const QJsonObject a = QJsonDocument::fromJson(all.out).object();
    const QJsonObject w = QJsonDocument::fromJson(whole.out).object();
    for (const QString& key : kTermKeys) {
        const QString p = compareNumber(key, a["terms"].toObject()[key].toObject()["value"],
                                        w["terms"].toObject()[key].toObject()["value"]);
        QVERIFY2(p.isEmpty(), qPrintable(p));
    }
    // The table names the slice.
    const Run table = runCli({"compute", rec, "--steps", "3:5"});
    QVERIFY2(table.finished && table.exitCode == 0, qPrintable(table.describe()));
    QVERIFY2(table.out.contains("slice: trials 0:5, steps 3:5, neurons 0:24 (B=5 T=2 N_hid=24)"),
             table.out.constData());
}

void TestCli::sliceRefusals_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("mentions");
    const QString rec = QDir(kReference).filePath("cases/visible_relu.h5"); // 5 x 16 x 24
    const QString weightsOnly = QDir(kReference).filePath("cases/visible_tanh_split_weights.h5");
    auto row = [&](const char* name, const QStringList& opts, const QStringList& mentions) {
        QTest::newRow(name) << (QStringList{"compute", rec, "--json"} + opts) << mentions;
    };
    // Unparsable: refused before reading.
    row("empty spec", {"--trials", ""}, {"--trials", "empty"});
    row("letters", {"--steps", "a:b"}, {"--steps", "a:b", "not an index"});
    row("negative", {"--neurons", "-3"}, {"--neurons", "-3"});
    row("empty item", {"--trials", "0,,2"}, {"--trials"});
    row("two colons", {"--steps", "1:2:3"}, {"--steps", "1:2:3"});
    row("missing value", {"--trials"}, {"--trials", "needs a value"});
    row("given twice", {"--trials", "0", "--trials", "1"}, {"--trials", "twice"});
    // Out of range or empty: refused once the shape is known, naming the file.
    row("trial past the end", {"--trials", "5"}, {"--trials", "out of range", "5 trials", "visible_relu.h5"});
    row("range past the end", {"--steps", "10:17"}, {"--steps", "10:17", "16 steps"});
    row("open range past the end", {"--neurons", "24:"}, {"--neurons", "24:"});
    row("empty range", {"--steps", "3:3"}, {"--steps", "selects no step"});
    row("reversed range", {"--trials", "3:1"}, {"--trials", "selects no trial"});
    row("index twice", {"--neurons", "1:4,2"}, {"--neurons", "neuron 2 is selected twice"});
    row("bad one among good ones", {"--trials", "0:2", "--steps", ":4", "--neurons", "0,99"},
        {"--neurons", "99"});
    QTest::newRow("weights-only file")
        << QStringList{"compute", weightsOnly, "--json", "--lambda", "lambda_mse=0", "--trials", "0"}
        << QStringList{"--trials", "does not hold"};
}

void TestCli::sliceRefusals()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, mentions);
    const Run r = runCli(args);
    const QString problem = usageErrorProblem(r, mentions);
    QVERIFY2(problem.isEmpty(), qPrintable(args.join(' ') + "\n" + problem));
    qInfo("%s", r.err.trimmed().constData());
}

// ---------------------------------------------------------------------------
// Issue 18, item 13: a weights file whose step, epoch, label or checkpoint
// attribute differs from the recording's gives one "warning:" line on stderr
// naming both files, the attribute and both values; stdout is byte for byte
// what the same weights under matching attributes give.

void TestCli::weightsMismatchWarns_data()
{
    QTest::addColumn<QString>("attribute");
    QTest::addColumn<QString>("inRecording");
    QTest::addColumn<QString>("inWeights");
    QTest::newRow("step") << "step" << "300" << "0";
    QTest::newRow("epoch") << "epoch" << "3" << "12.5";
    QTest::newRow("label") << "label" << "lambda_fr = 0.1" << "lambda_fr = 0.2";
    QTest::newRow("checkpoint") << "checkpoint" << "step300.pth" << "step0.pth";
}

void TestCli::weightsMismatchWarns()
{
    QFETCH(QString, attribute);
    QFETCH(QString, inRecording);
    QFETCH(QString, inWeights);
    const QString dir = m_tmp.filePath("mismatch-" + attribute);
    QVERIFY(QDir().mkpath(dir));
    const QString rec = dir + "/rec.h5", wts = dir + "/wts.h5", same = dir + "/same.h5";
    const bool number = attribute == "step" || attribute == "epoch";
    for (const auto& [file, value] : {std::pair{rec, inRecording}, std::pair{wts, inWeights},
                                      std::pair{same, inRecording}}) {
        QVERIFY(QFile::copy(QDir(kReference).filePath("cases/visible_relu.h5"), file));
        QVERIFY(rawh5::setAttribute(file, attribute.toLatin1().constData(),
                                    number ? std::string() : value.toStdString(), value.toDouble()));
    }
    for (const QStringList& format : {QStringList{"--json"}, QStringList{}}) {
        const Run warned = runCli(QStringList{"compute", rec, "--weights", wts} + format);
        const Run quiet = runCli(QStringList{"compute", rec, "--weights", same} + format);
        QVERIFY2(warned.finished && warned.exitCode == 0, qPrintable(warned.describe()));
        QVERIFY2(quiet.finished && quiet.exitCode == 0 && quiet.err.isEmpty(), qPrintable(quiet.describe()));
        QCOMPARE(warned.out, quiet.out);
        const QString err = QString::fromUtf8(warned.err);
        QCOMPARE(err.count('\n'), 1);
        QVERIFY2(err.startsWith("warning: ") && err.contains(rec) && err.contains(wts) &&
                     err.contains("'" + attribute + "'") && err.contains(inRecording) &&
                     err.contains(inWeights),
                 qPrintable(err));
    }
}

// Issue 18, item 14: a PyTorch checkpoint given as a recording is refused as
// not HDF5, saying what it looks like and which recorder command makes a
// recording of it; another file that is not HDF5 gets no such hint.
void TestCli::pytorchCheckpointRefused()
{
    const QString zip = m_tmp.filePath("model.pth"), pickle = m_tmp.filePath("old.pt"),
                  text = m_tmp.filePath("notes.h5");
    auto write = [](const QString& path, const QByteArray& bytes) {
        QFile f(path);
        return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
    };
    // torch.save's zip: a local file header (signature, version, flags, method,
    // time, date, crc, sizes, name length 14, extra length 0) and its name.
    QByteArray header("PK\x03\x04", 4);
    header += QByteArray(22, '\0') + QByteArray("\x0e\x00\x00\x00", 4) + "model/data.pkl";
    QVERIFY(write(zip, header + QByteArray(64, 'Z')));
    QVERIFY(write(pickle, QByteArray("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8", 12)));
    QVERIFY(write(text, "just some notes\n"));
    for (const auto& [path, kind] : {std::pair{zip, QString("a zip archive holding data.pkl")},
                                     std::pair{pickle, QString("a Python pickle")}}) {
        const Run r = runCli({"compute", path});
        const QString problem = usageErrorProblem(
            r, {path + ": not an HDF5 file", "PyTorch checkpoint (" + kind + ")",
                "python3 tools/rnnloss_record.py nn4n " + path});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }
    const Run r = runCli({"compute", text});
    QVERIFY2(usageErrorProblem(r, {text + ": not an HDF5 file"}).isEmpty(), qPrintable(r.describe()));
    QVERIFY2(!r.err.contains("PyTorch"), r.err.constData());
}

#include "test_cli.moc"
