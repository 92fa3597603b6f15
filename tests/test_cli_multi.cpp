// The CLI over several recordings and over the lambdas, run as a user runs it:
// `compute A.h5 B.h5 ...` (table, JSON Lines, labels, a failing file among
// good ones), `sweep`, `balance` and `--lambdas-from`. Expected numbers are
// computed here from the per-term values nn4n gave for the reference cases
// (tests/data/reference/expected.json): the terms do not depend on the
// lambdas, so every total and share follows by hand from them.

#include "report.h"

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <hdf5.h>

#include <cmath>

namespace {

const QString kCli = QStringLiteral(RNNLOSS_CLI);
const QString kReference = QStringLiteral(RNNLOSS_TESTDATA_DIR) + "/reference";
constexpr double kRelTol = 1e-9;
const QStringList kKeys = {"mse", "in", "hid", "out", "fr", "fr_sd", "fr_cv"};

struct Run
{
    int exitCode = -1;
    bool ok = false; ///< started, finished, not crashed
    QByteArray out, err;
    QString describe() const
    {
        return QStringLiteral("exit %1\nstdout: %2\nstderr: %3")
            .arg(exitCode)
            .arg(QString::fromUtf8(out.left(3000)), QString::fromUtf8(err.left(2000)));
    }
};

Run runCli(const QStringList& args)
{
    QProcess p;
    p.start(kCli, args);
    Run r;
    r.ok = p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

bool near(double a, double b, double rel = kRelTol)
{
    return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b));
}

/// Empty when the run is a refusal: exit 2, nothing on stdout, one "error:" line
/// mentioning each of `mentions`.
QString refusalProblem(const Run& r, const QStringList& mentions)
{
    if (!r.ok || r.exitCode != 2 || !r.out.isEmpty())
        return "expected exit 2 with nothing on stdout\n" + r.describe();
    const QString err = QString::fromUtf8(r.err);
    if (!err.startsWith("error: ") || err.count('\n') != 1 || !err.endsWith('\n'))
        return "expected exactly one 'error:' line\n" + r.describe();
    for (const QString& m : mentions)
        if (!err.contains(m))
            return "the error does not mention '" + m + "'\n" + r.describe();
    return {};
}

/// Writes root attributes and extra datasets into an existing file with the C API.
class H5Edit
{
public:
    explicit H5Edit(const QString& path)
        : m_file(H5Fopen(QFile::encodeName(path).constData(), H5F_ACC_RDWR, H5P_DEFAULT))
    {
    }
    ~H5Edit()
    {
        if (m_file >= 0)
            H5Fclose(m_file);
    }
    bool ok() const { return m_file >= 0; }
    void variableString(const char* name, const QByteArray& utf8)
    {
        const hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, H5T_VARIABLE);
        H5Tset_cset(type, H5T_CSET_UTF8);
        const hid_t space = H5Screate(H5S_SCALAR);
        const hid_t a = H5Acreate2(m_file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        const char* p = utf8.constData();
        QVERIFY(a >= 0 && H5Awrite(a, type, &p) >= 0);
        H5Aclose(a);
        H5Sclose(space);
        H5Tclose(type);
    }
    void fixedString(const char* name, const QByteArray& text)
    {
        const hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, text.size());
        const hid_t space = H5Screate(H5S_SCALAR);
        const hid_t a = H5Acreate2(m_file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        QVERIFY(a >= 0 && H5Awrite(a, type, text.constData()) >= 0);
        H5Aclose(a);
        H5Sclose(space);
        H5Tclose(type);
    }
    template <class T> void number(const char* name, hid_t type, T v)
    {
        const hid_t space = H5Screate(H5S_SCALAR);
        const hid_t a = H5Acreate2(m_file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        QVERIFY(a >= 0 && H5Awrite(a, type, &v) >= 0);
        H5Aclose(a);
        H5Sclose(space);
    }
    /// An integer dataset of length n (trial_labels, neuron_groups).
    void integers(const char* name, hsize_t n)
    {
        std::vector<long long> v(n);
        for (hsize_t i = 0; i < n; ++i)
            v[i] = static_cast<long long>(i % 2);
        const hid_t space = H5Screate_simple(1, &n, nullptr);
        const hid_t d = H5Dcreate2(m_file, name, H5T_NATIVE_LLONG, space, H5P_DEFAULT, H5P_DEFAULT,
                                   H5P_DEFAULT);
        QVERIFY(d >= 0 &&
                H5Dwrite(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
        H5Dclose(d);
        H5Sclose(space);
    }
    /// A variable-length string dataset of length n ("E"/"I"), as h5py writes str arrays.
    void strings(const char* name, hsize_t n)
    {
        std::vector<const char*> v(n);
        for (hsize_t i = 0; i < n; ++i)
            v[i] = i % 5 == 4 ? "I" : "E";
        const hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, H5T_VARIABLE);
        const hid_t space = H5Screate_simple(1, &n, nullptr);
        const hid_t d =
            H5Dcreate2(m_file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        QVERIFY(d >= 0 && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
        H5Dclose(d);
        H5Sclose(space);
        H5Tclose(type);
    }

private:
    hid_t m_file;
};

} // namespace

class TestCliMulti : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void computeSeveralJsonLines();
    void computeSeveralTable();
    void computeOneIsTodaysObject();
    void namingAttributesOfTheWrongKind();
    void computeFailingFileAmongGood();
    void computeFolderAsRuns();
    void computeSeveralSliced();
    void sweepJson();
    void sweepDefaultGridAndTable();
    void sweepRefused_data();
    void sweepRefused();
    void balanceJson();
    void balanceTable();
    void balanceInfeasible_data();
    void balanceInfeasible();
    void lambdasFromExport();
    void lambdasFromRefusesBadFiles_data();
    void lambdasFromRefusesBadFiles();

private:
    /// Unweighted value of a term of a reference case under a convention.
    double value(const QString& caseName, const QString& conv, const QString& key) const
    {
        return m_expected["cases"][caseName]["expected"][conv + "/all"]["terms"][key]["value"]
            .toDouble();
    }
    QString write(const QString& name, const QByteArray& text)
    {
        QFile f(m_dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly) || f.write(text) != text.size())
            return {};
        return f.fileName();
    }
    QList<QJsonObject> jsonLines(const QByteArray& out)
    {
        QList<QJsonObject> objs;
        for (const QByteArray& line : out.split('\n')) {
            if (line.isEmpty())
                continue;
            QJsonParseError pe;
            const QJsonDocument d = QJsonDocument::fromJson(line, &pe);
            if (pe.error != QJsonParseError::NoError || !d.isObject())
                return {};
            objs << d.object();
        }
        return objs;
    }

    QJsonObject m_expected;
    QTemporaryDir m_dir;
    QString m_relu, m_tanh;                              ///< the reference recordings
    QString m_labelled, m_step, m_epoch, m_fixed, m_odd; ///< copies of relu with naming attributes
};

void TestCliMulti::initTestCase()
{
    QFile f(kReference + "/expected.json");
    QVERIFY(f.open(QIODevice::ReadOnly));
    m_expected = QJsonDocument::fromJson(f.readAll()).object();
    QVERIFY(!m_expected.isEmpty());
    QVERIFY(m_dir.isValid());
    m_relu = kReference + "/cases/visible_relu.h5";
    m_tanh = kReference + "/cases/visible_tanh_split.h5";
    m_labelled = m_dir.filePath("a.h5");
    m_step = m_dir.filePath("b.h5");
    m_epoch = m_dir.filePath("c.h5");
    m_fixed = m_dir.filePath("d.h5");
    m_odd = m_dir.filePath("e.h5");
    for (const QString& p : {m_labelled, m_step, m_epoch, m_fixed, m_odd})
        QVERIFY(QFile::copy(m_relu, p));
    {
        H5Edit e(m_labelled);
        QVERIFY(e.ok());
        e.variableString("label", "\xce\xbb_fr = 0.1 \"b\"");
        e.number("step", H5T_NATIVE_INT, 100); // the label wins over the step
        // The optional datasets of the format: read past, never refused.
        e.integers("trial_labels", 5);
        e.strings("neuron_groups", 24);
    }
    {
        H5Edit e(m_step);
        e.number("step", H5T_NATIVE_LLONG, 400LL);
        e.strings("trial_labels", 5);
        e.integers("neuron_groups", 24);
    }
    {
        H5Edit e(m_epoch);
        e.number("epoch", H5T_NATIVE_DOUBLE, 2.5);
    }
    {
        H5Edit e(m_fixed);
        e.fixedString("label", "fixed-length");
    }
    {
        // Naming attributes of the wrong kind: ignored with a warning, not refused.
        H5Edit e(m_odd);
        e.number("label", H5T_NATIVE_INT, 5);
        e.fixedString("step", "abc");
    }
}

void TestCliMulti::computeSeveralJsonLines()
{
    // Lambdas only for terms both cases have (tanh_split keeps its weights apart).
    const double lMse = 1.0, lFr = 0.4, lSd = 0.5, lCv = 0.6;
    const Run r = runCli({"compute", m_labelled, m_step, m_tanh, m_epoch, m_fixed, m_relu, "--json",
                          "--lambda", "lambda_mse=1", "--lambda", "fr=0.4", "--lambda", "fr_sd=0.5",
                          "--lambda", "fr_cv=0.6"});
    QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
    const auto objs = jsonLines(r.out);
    QCOMPARE(objs.size(), 6);
    const QStringList files = {m_labelled, m_step, m_tanh, m_epoch, m_fixed, m_relu};
    const QStringList labels = {QString::fromUtf8("\xce\xbb_fr = 0.1 \"b\""),
                                "step 400",
                                "visible_tanh_split.h5",
                                "epoch 2.5",
                                "fixed-length",
                                "visible_relu.h5"};
    for (int i = 0; i < 6; ++i) {
        const QJsonObject& o = objs[i];
        QCOMPARE(o["file"].toString(), files[i]);
        QCOMPARE(o["label"].toString(), labels[i]);
        const QString c = i == 2 ? "visible_tanh_split" : "visible_relu";
        QCOMPARE(o["convention"].toString(), QStringLiteral("nn4n"));
        const double expect = lMse * value(c, "nn4n", "mse") + lFr * value(c, "nn4n", "fr") +
                              lSd * value(c, "nn4n", "fr_sd") + lCv * value(c, "nn4n", "fr_cv");
        QVERIFY2(near(o["total"].toDouble(), expect),
                 qPrintable(QStringLiteral("%1: total %2, expected %3")
                                .arg(files[i])
                                .arg(o["total"].toDouble(), 0, 'g', 17)
                                .arg(expect, 0, 'g', 17)));
        for (const QString& k : {"mse", "fr", "fr_sd", "fr_cv"})
            QVERIFY(near(o["terms"][k]["value"].toDouble(), value(c, "nn4n", k)));
        QVERIFY(o.contains("neurons") && o.contains("shape"));
    }
}

// The slice options apply to every recording of a multi-recording compute:
// each line equals nn4n's RNNLoss on that slice of the arrays
// (tests/data/reference/slices.json); a slice that does not fit refuses each
// file on stderr and prints nothing.
void TestCliMulti::computeSeveralSliced()
{
    QFile f(QStringLiteral(RNNLOSS_TESTDATA_DIR "/reference/slices.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonArray slices = QJsonDocument::fromJson(f.readAll())["slices"].toArray();
    int checked = 0;
    for (const QJsonValue& v : slices) {
        const QJsonObject s = v.toObject();
        if (s["case"].toString() != "visible_relu" || !s["weights"].isNull())
            continue;
        QStringList args{"compute", m_relu, m_step, "--json"};
        for (const QString& axis : {"trials", "steps", "neurons"})
            if (!s[axis].isNull())
                args << "--" + axis << s[axis].toString();
        for (const QString& k : kKeys)
            args << "--lambda" << k + "=1";
        const Run r = runCli(args);
        QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
        const auto objs = jsonLines(r.out);
        QCOMPARE(objs.size(), 2);
        for (const QJsonObject& o : objs) { // m_step is a copy of visible_relu
            QVERIFY2(near(o["total"].toDouble(), s["total"].toDouble()),
                     qPrintable(QStringLiteral("%1 %2: total %3, nn4n %4")
                                    .arg(o["file"].toString(), args.join(' '))
                                    .arg(o["total"].toDouble(), 0, 'g', 17)
                                    .arg(s["total"].toDouble(), 0, 'g', 17)));
            // To 1e-9, as test_cli holds the same slices of the same file.
            for (const QString& k : kKeys)
                QVERIFY2(near(o["terms"][k]["value"].toDouble(), s["terms"][k].toDouble()),
                         qPrintable(QStringLiteral("%1 %2: %3, nn4n %4")
                                        .arg(args.join(' '), k)
                                        .arg(o["terms"][k]["value"].toDouble(), 0, 'g', 17)
                                        .arg(s["terms"][k].toDouble(), 0, 'g', 17)));
            QCOMPARE(o["selection"]["trials"]["count"].toInt(), s["count"]["trials"].toInt());
        }
        ++checked;
    }
    QVERIFY(checked >= 2);
    const Run bad = runCli({"compute", m_relu, m_step, "--trials", "0:99"});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY(bad.out.isEmpty());
    QCOMPARE(bad.err.count("error: "), 2);
    QVERIFY2(bad.err.contains("--trials 0:99"), bad.err.constData());
}

void TestCliMulti::computeSeveralTable()
{
    const Run r = runCli({"compute", m_step, m_relu, "--convention", "spec", "--lambda", "mse=1",
                          "--lambda", "hid=0.2"});
    QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
    const QStringList lines = QString::fromUtf8(r.out).split('\n', Qt::SkipEmptyParts);
    // Title, header, one row per recording.
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines[0].contains("spec"));
    QVERIFY(lines[1].startsWith("label") && lines[1].endsWith("total"));
    QVERIFY2(lines[1].split(' ', Qt::SkipEmptyParts).value(1) == "run", qPrintable(lines[1]));
    const double total =
        value("visible_relu", "spec", "mse") + 0.2 * value("visible_relu", "spec", "hid");
    const QStringList labels = {"step 400", "visible_relu.h5"};
    const QStringList runs = {QFileInfo(m_step).dir().dirName(), "cases"};
    for (int i = 0; i < 2; ++i) {
        const QString row = lines[2 + i];
        QVERIFY2(row.startsWith(labels[i]), qPrintable(row));
        // The run (the folder of each: a name without spaces) first.
        QStringList cells = row.mid(labels[i].size()).split(' ', Qt::SkipEmptyParts);
        QCOMPARE(cells.size(), 9);
        QCOMPARE(cells.takeFirst(), runs[i]);
        QCOMPARE(cells.size(), 8);               // seven weighted terms and the total
        QCOMPARE(cells[1], QStringLiteral("-")); // lambda_in is 0
        QVERIFY(near(cells[0].toDouble(), value("visible_relu", "spec", "mse"), 1e-5));
        QVERIFY(near(cells[2].toDouble(), 0.2 * value("visible_relu", "spec", "hid"), 1e-5));
        QVERIFY2(near(cells[7].toDouble(), total, 1e-5), qPrintable(row));
    }
}

void TestCliMulti::computeOneIsTodaysObject()
{
    const Run r = runCli({"compute", m_labelled, "--json"});
    QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QVERIFY(o.contains("terms"));
    QVERIFY(!o.contains("file"));
    QVERIFY(!o.contains("label"));
}

void TestCliMulti::namingAttributesOfTheWrongKind()
{
    // A label longer than the 1024 bytes shown is cut at a character boundary:
    // 1023 ASCII bytes and a 2-byte character lose the character whole.
    const QString longLabel = m_dir.filePath("long.h5");
    QVERIFY(QFile::copy(m_relu, longLabel));
    {
        H5Edit e(longLabel);
        e.variableString("label", QByteArray(1023, 'a') + "\xce\xbb and more");
    }
    const Run l = runCli({"compute", longLabel, m_relu, "--json"});
    QVERIFY2(l.ok && l.exitCode == 0, qPrintable(l.describe()));
    QCOMPARE(jsonLines(l.out).value(0)["label"].toString(), QString(1023, 'a'));

    const Run r = runCli({"compute", m_odd, m_relu, "--json"});
    QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
    const auto objs = jsonLines(r.out);
    QCOMPARE(objs.size(), 2);
    QCOMPARE(objs[0]["label"].toString(), QStringLiteral("e.h5"));
    const QString warnings =
        QString::fromUtf8(QJsonDocument(objs[0]["warnings"].toArray()).toJson());
    QVERIFY2(warnings.contains("attribute 'label' is not a single string"), qPrintable(warnings));
    QVERIFY2(warnings.contains("attribute 'step' is not a single number"), qPrintable(warnings));
}

void TestCliMulti::computeFailingFileAmongGood()
{
    const QString missing = m_dir.filePath("missing.h5");
    const QString notHdf5 = write("text.h5", "not an HDF5 file\n");
    const Run r = runCli({"compute", m_relu, missing, notHdf5, m_step, "--json"});
    QVERIFY2(r.ok && r.exitCode == 2, qPrintable(r.describe()));
    const auto objs = jsonLines(r.out);
    QCOMPARE(objs.size(), 2);
    QCOMPARE(objs[0]["file"].toString(), m_relu);
    QCOMPARE(objs[1]["file"].toString(), m_step);
    const QStringList err = QString::fromUtf8(r.err).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(err.size(), 2);
    QVERIFY(err[0].startsWith("error: ") && err[0].contains(missing));
    QVERIFY(err[1].startsWith("error: ") && err[1].contains(notHdf5));

    // The same in the table: the good rows are printed.
    const Run t = runCli({"compute", m_relu, missing, m_step});
    QCOMPARE(t.exitCode, 2);
    QVERIFY(QString::fromUtf8(t.out).contains("visible_relu.h5"));
    QVERIFY(QString::fromUtf8(t.out).contains("step 400"));
}

// compute DIR: every recording and summary file under the folder, by path,
// a current summary used in its recording's place, each line with its file,
// label and run (the `run` attribute, else the folder). Every recording is a
// copy of visible_relu, so each total is nn4n's under the lambdas given.
void TestCliMulti::computeFolderAsRuns()
{
    const QString root = m_dir.filePath("sweep");
    for (const char* d : {"run2", "run10", "sums", "empty"})
        QVERIFY(QDir().mkpath(root + "/" + d));
    const QString a = root + "/run10/a.h5", b = root + "/run2/b.h5", c = root + "/run2/c.h5",
                  lone = root + "/sums/d.h5";
    for (const QString& p : {a, b, c, lone})
        QVERIFY(QFile::copy(m_relu, p));
    {
        H5Edit e(b);
        e.number("step", H5T_NATIVE_INT, 20);
        e.variableString("run", "fr0.4 \"seed\" 1");
    }
    {
        H5Edit e(c);
        e.number("step", H5T_NATIVE_INT, 10);
        e.variableString("run", ""); // empty: the folder's name
    }
    // c's summary beside it (used while current) and d's summary alone.
    const Run sum = runCli({"summarize", c, lone});
    QVERIFY2(sum.ok && sum.exitCode == 0, qPrintable(sum.describe()));
    QVERIFY(QFile::remove(lone));
    QVERIFY(write("sweep/run2/notes.txt", "not a recording\n").size() > 0);

    const Run r = runCli({"compute", root, "--json", "--verbose", "--lambda", "mse=1", "--lambda",
                          "fr=0.4", "--lambda", "hid=0.2"});
    QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
    const auto objs = jsonLines(r.out);
    QCOMPARE(objs.size(), 4);
    // By path: run2 before run10.
    const QStringList files = {b, c, a, lone + ".rnnsum"};
    const QStringList labels = {"step 20", "step 10", "a.h5", "d.h5"};
    const QStringList runs = {QStringLiteral("fr0.4 \"seed\" 1"), "run2", "run10", "sums"};
    const double total = value("visible_relu", "nn4n", "mse") + 0.4 * value("visible_relu", "nn4n", "fr") +
                         0.2 * value("visible_relu", "nn4n", "hid");
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(objs[i]["file"].toString(), files[i]);
        QCOMPARE(objs[i]["label"].toString(), labels[i]);
        QCOMPARE(objs[i]["run"].toString(), runs[i]);
        QVERIFY2(near(objs[i]["total"].toDouble(), total), qPrintable(QString::number(i)));
        QVERIFY(objs[i].contains("terms") && objs[i].contains("shape"));
    }
    // Summaries preferred: c's beside it, d's alone; a and b were read.
    const QString err = QString::fromUtf8(r.err);
    QVERIFY2(err.contains("using its summary " + c + ".rnnsum"), qPrintable(err));
    QVERIFY2(err.contains("using the summary file " + lone + ".rnnsum"), qPrintable(err));
    QVERIFY2(!err.contains("summary " + a) && !err.contains("error"), qPrintable(err));

    // The table: a run column after the label.
    const Run t = runCli({"compute", root + "/run2", "--lambda", "mse=1"});
    QVERIFY2(t.ok && t.exitCode == 0, qPrintable(t.describe()));
    const QStringList lines = QString::fromUtf8(t.out).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QVERIFY2(lines[1].startsWith("label   run ") && lines[1].endsWith("total"), qPrintable(lines[1]));
    QVERIFY2(lines[2].startsWith(QStringLiteral("step 20 fr0.4 \"seed\" 1 ")), qPrintable(lines[2]));
    QVERIFY2(lines[3].startsWith("step 10 run2 "), qPrintable(lines[3]));

    // A folder with nothing to compute is an error; the others are still computed.
    const Run e = runCli({"compute", root + "/empty", root + "/run10", "--json"});
    QCOMPARE(e.exitCode, 2);
    QCOMPARE(jsonLines(e.out).size(), 1);
    QVERIFY2(e.err.startsWith("error: ") && e.err.contains("empty: no recording"), e.err.constData());
}

void TestCliMulti::sweepJson()
{
    // total(x) = lambda_mse v_mse + lambda_hid v_hid + x v_fr over 1e-3 .. 10, 5 points.
    const Run r = runCli({"sweep", m_relu, "--term", "fr", "--from", "1e-3", "--to", "10",
                          "--points", "5", "--convention", "spec", "--lambda", "mse=1", "--lambda",
                          "hid=0.2", "--lambda", "fr=123", "--json"});
    QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o["term"].toString(), QStringLiteral("fr"));
    const QJsonArray pts = o["points"].toArray();
    QCOMPARE(pts.size(), 5);
    const double vMse = value("visible_relu", "spec", "mse"),
                 vHid = value("visible_relu", "spec", "hid"),
                 vFr = value("visible_relu", "spec", "fr");
    for (int i = 0; i < 5; ++i) {
        const double x = std::pow(10.0, -3 + i);
        const QJsonObject p = pts[i].toObject();
        QVERIFY(near(p["lambda"].toDouble(), x, 1e-12));
        const double total = vMse + 0.2 * vHid + x * vFr;
        QVERIFY2(near(p["total"].toDouble(), total), qPrintable(QString::number(i)));
        const QJsonObject s = p["shares"].toObject();
        QCOMPARE(s.size(), 7);
        QVERIFY(near(s["fr"].toDouble(), x * vFr / total));
        QVERIFY(near(s["mse"].toDouble(), vMse / total));
        QVERIFY(near(s["hid"].toDouble(), 0.2 * vHid / total));
        QCOMPARE(s["fr_cv"].toDouble(), 0.0);
    }
}

void TestCliMulti::sweepDefaultGridAndTable()
{
    const Run r =
        runCli({"sweep", m_relu, "--term", "lambda_fr_sd", "--lambda", "mse=1", "--json"});
    QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
    const QJsonArray pts = QJsonDocument::fromJson(r.out).object()["points"].toArray();
    QCOMPARE(pts.size(), 37);
    QCOMPARE(pts.first().toObject()["lambda"].toDouble(), 1e-6);
    QCOMPARE(pts.last().toObject()["lambda"].toDouble(), 1e3);
    QVERIFY(near(pts[4].toObject()["lambda"].toDouble(), 1e-5, 1e-12));
    const double vMse = value("visible_relu", "nn4n", "mse"),
                 vSd = value("visible_relu", "nn4n", "fr_sd");
    // Every point's total and shares by hand from nn4n's terms, to 1e-9.
    for (const QJsonValue& v : pts) {
        const QJsonObject p = v.toObject();
        const double x = p["lambda"].toDouble(), total = vMse + x * vSd;
        QVERIFY2(near(p["total"].toDouble(), total), qPrintable(QString::number(x)));
        QVERIFY2(near(p["shares"]["fr_sd"].toDouble(), x * vSd / total), qPrintable(QString::number(x)));
        QVERIFY2(near(p["shares"]["mse"].toDouble(), vMse / total), qPrintable(QString::number(x)));
    }

    const Run t =
        runCli({"sweep", m_relu, "--term", "fr_sd", "--lambda", "mse=1", "--points", "3"});
    QVERIFY2(t.ok && t.exitCode == 0, qPrintable(t.describe()));
    const QStringList lines = QString::fromUtf8(t.out).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3 + 3); // file, title, header, three points
    // The last point: lambda 1000, total and the fr_sd share by hand.
    const QStringList cells = lines.last().split(' ', Qt::SkipEmptyParts);
    const double total = vMse + 1000 * vSd;
    QCOMPARE(cells.size(), 4); // lambda, total, mse %, fr_sd %
    // As printed: the total to its %.6g, the shares to their %8.3g (half a unit
    // of the third digit is at most 5e-3 of the value), as test_cli holds them.
    QVERIFY2(near(cells[1].toDouble(), total, 5e-6), qPrintable(lines.last()));
    QVERIFY2(near(cells[2].toDouble(), 100 * vMse / total, 5e-3), qPrintable(lines.last()));
    QVERIFY2(near(cells[3].toDouble(), 100 * 1000 * vSd / total, 5e-3), qPrintable(lines.last()));
}

void TestCliMulti::sweepRefused_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("mentions");
    const QString relu = kReference + "/cases/visible_relu.h5";
    const QString tanh = kReference + "/cases/visible_tanh_split.h5";
    QTest::newRow("no term") << QStringList{"sweep", relu} << QStringList{"--term"};
    QTest::newRow("unknown term") << QStringList{"sweep", relu, "--term", "foo"}
                                  << QStringList{"--term foo"};
    QTest::newRow("from above to")
        << QStringList{"sweep", relu, "--term", "fr", "--from", "10", "--to", "1"}
        << QStringList{"--from", "0 < from < to"};
    QTest::newRow("zero from") << QStringList{"sweep", relu, "--term", "fr", "--from", "0"}
                               << QStringList{"0 < from < to"};
    QTest::newRow("one point") << QStringList{"sweep", relu, "--term", "fr", "--points", "1"}
                               << QStringList{"--points 1"};
    QTest::newRow("not a number") << QStringList{"sweep", relu, "--term", "fr", "--to", "x"}
                                  << QStringList{"--to x"};
    QTest::newRow("term without data")
        << QStringList{"sweep", tanh, "--term", "hid", "--lambda", "mse=1"}
        << QStringList{tanh, "L_hid has no value", "weights/hidden"};
    QTest::newRow("two recordings") << QStringList{"sweep", relu, relu, "--term", "fr"}
                                    << QStringList{"more than one recording"};
}

void TestCliMulti::sweepRefused()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, mentions);
    const QString problem = refusalProblem(runCli(args), mentions);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestCliMulti::balanceJson()
{
    // T = F / (1 - 0.05 - 0.01) with F = lambda_mse v_mse + lambda_hid v_hid;
    // lambda_fr = 0.05 T / v_fr, lambda_fr_sd = 0.01 T / v_fr_sd.
    const Run r =
        runCli({"balance", m_relu, "--share", "fr=0.05", "--share", "lambda_fr_sd=0.01", "--lambda",
                "mse=1", "--lambda", "hid=0.2", "--lambda", "fr=3", "--json"});
    QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    const auto v = [&](const char* k) { return value("visible_relu", "nn4n", k); };
    const double F = v("mse") + 0.2 * v("hid");
    const double T = F / 0.94;
    const QJsonObject l = o["lambdas"].toObject();
    QCOMPARE(l.size(), 7);
    QVERIFY(near(l["lambda_fr"].toDouble(), 0.05 * T / v("fr")));
    QVERIFY(near(l["lambda_fr_sd"].toDouble(), 0.01 * T / v("fr_sd")));
    QCOMPARE(l["lambda_mse"].toDouble(), 1.0);
    QCOMPARE(l["lambda_hid"].toDouble(), 0.2);
    QCOMPARE(l["lambda_in"].toDouble(), 0.0);
    QVERIFY(near(o["total"].toDouble(), T));
    const QJsonObject s = o["shares"].toObject();
    QVERIFY(near(s["fr"].toDouble(), 0.05));
    QVERIFY(near(s["fr_sd"].toDouble(), 0.01));
    QVERIFY(near(s["mse"].toDouble(), v("mse") / T));

    // The lambdas found give those shares in an ordinary compute too.
    const Run c =
        runCli({"compute", m_relu, "--json", "--lambda", "mse=1", "--lambda", "hid=0.2", "--lambda",
                "fr=" + QString::number(l["lambda_fr"].toDouble(), 'g', 17), "--lambda",
                "fr_sd=" + QString::number(l["lambda_fr_sd"].toDouble(), 'g', 17)});
    const QJsonObject co = QJsonDocument::fromJson(c.out).object();
    QVERIFY(near(co["terms"]["fr"]["weighted"].toDouble() / co["total"].toDouble(), 0.05));
}

void TestCliMulti::balanceTable()
{
    const Run r = runCli({"balance", m_relu, "--share", "fr_cv=0.1", "--lambda", "mse=1"});
    QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
    const QString out = QString::fromUtf8(r.out);
    const double T = value("visible_relu", "nn4n", "mse") / 0.9;
    QString cvLine;
    for (const QString& line : out.split('\n'))
        if (line.startsWith("fr_cv "))
            cvLine = line;
    const QStringList cells = cvLine.split(' ', Qt::SkipEmptyParts);
    QCOMPARE(cells.size(), 6); // term, was, lambda, weighted, share, target
    QVERIFY(near(cells[2].toDouble(), 0.1 * T / value("visible_relu", "nn4n", "fr_cv"), 1e-5));
    QCOMPARE(cells[4], QStringLiteral("10%"));
    QCOMPARE(cells[5], QStringLiteral("10%"));
}

void TestCliMulti::balanceInfeasible_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("mentions");
    const QString relu = kReference + "/cases/visible_relu.h5";
    const QString tanh = kReference + "/cases/visible_tanh_split.h5";
    QTest::newRow("sum 100%") << QStringList{"balance", relu,     "--lambda", "mse=1",
                                             "--share", "fr=0.7", "--share",  "fr_sd=0.3"}
                              << QStringList{relu, "sum to 100%"};
    QTest::newRow("nothing else") << QStringList{"balance", relu, "--share", "fr=0.05"}
                                  << QStringList{"nothing else contributes"};
    QTest::newRow("negative") << QStringList{"balance", relu,      "--lambda",
                                             "mse=1",   "--share", "fr=-0.1"}
                              << QStringList{"share of fr is -0.1"};
    QTest::newRow("no data") << QStringList{"balance", tanh,      "--lambda",
                                            "mse=1",   "--share", "out=0.1"}
                             << QStringList{"L_out is unavailable", "weights/readout"};
    QTest::newRow("no share") << QStringList{"balance", relu} << QStringList{"--share"};
    QTest::newRow("bad share") << QStringList{"balance", relu, "--share", "fr"}
                               << QStringList{"KEY=FRACTION"};
    QTest::newRow("percent") << QStringList{"balance", relu, "--share", "fr=5%"}
                             << QStringList{"--share fr=5%", "'5%' is not a number"};
    QTest::newRow("NaN share") << QStringList{"balance", relu,      "--lambda",
                                              "mse=1",   "--share", "fr=nan"}
                               << QStringList{"share of fr is nan"};
    QTest::newRow("unknown term") << QStringList{"balance", relu, "--share", "xx=0.1"}
                                  << QStringList{"unknown term 'xx'"};
}

void TestCliMulti::balanceInfeasible()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, mentions);
    const QString problem = refusalProblem(runCli(args), mentions);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestCliMulti::lambdasFromExport()
{
    // The file exactly as the app's File > Export lambdas writes it.
    const rnnloss::TermArray lambdas = {1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    const QString file =
        write("lambdas.json",
              QByteArray::fromStdString(rnnloss::lambdasJson(lambdas, rnnloss::Convention::Spec)));
    QVERIFY(!file.isEmpty());
    const QJsonObject ref =
        std::as_const(m_expected)["cases"]["visible_relu"]["expected"]["spec/all"].toObject();

    // compute: the file's lambdas and its convention.
    Run r = runCli({"compute", m_relu, "--lambdas-from", file, "--json"});
    QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
    QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o["convention"].toString(), QStringLiteral("spec"));
    QVERIFY(near(o["total"].toDouble(), ref["total"].toDouble()));

    // --lambda and --convention win over the file, whatever their order.
    r = runCli({"compute", m_relu, "--lambda", "fr_cv=0", "--lambdas-from", file, "--convention",
                "nn4n", "--json"});
    o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o["convention"].toString(), QStringLiteral("nn4n"));
    double expect = 0;
    for (int i = 0; i < 6; ++i)
        expect += lambdas[i] * value("visible_relu", "nn4n", kKeys[i]);
    QVERIFY2(near(o["total"].toDouble(), expect), qPrintable(r.describe()));

    // Several recordings, sweep and balance take it too.
    r = runCli({"compute", m_relu, m_step, "--lambdas-from", file, "--json"});
    const auto objs = jsonLines(r.out);
    QCOMPARE(objs.size(), 2);
    for (const QJsonObject& x : objs)
        QVERIFY(near(x["total"].toDouble(), ref["total"].toDouble()));
    r = runCli({"sweep", m_relu, "--term", "fr", "--points", "2", "--from", "0.4", "--to", "1",
                "--lambdas-from", file, "--json"});
    const QJsonObject first = QJsonDocument::fromJson(r.out).object()["points"][0].toObject();
    QVERIFY2(near(first["total"].toDouble(), ref["total"].toDouble()), qPrintable(r.describe()));
    r = runCli({"balance", m_relu, "--share", "fr=0.1", "--lambdas-from", file, "--json"});
    o = QJsonDocument::fromJson(r.out).object();
    const double F = ref["total"].toDouble() - ref["terms"]["fr"]["weighted"].toDouble();
    QVERIFY2(near(o["total"].toDouble(), F / 0.9), qPrintable(r.describe()));
    QCOMPARE(o["lambdas"].toObject()["lambda_hid"].toDouble(), 0.2);

    // A hand-written file with some keys: the others keep the recording's (none: 0).
    const QString partial = write("partial.json", "{ \"lambda_mse\": 2, \"note\": \"ignored\" }");
    r = runCli({"compute", m_relu, "--lambdas-from", partial, "--json"});
    o = QJsonDocument::fromJson(r.out).object();
    QVERIFY(near(o["total"].toDouble(), 2 * value("visible_relu", "nn4n", "mse")));
}

void TestCliMulti::lambdasFromRefusesBadFiles_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("mention");
    QTest::newRow("not json") << QByteArray("lambda_fr = 1\n") << "not a lambda file";
    QTest::newRow("truncated") << QByteArray("{\"lambda_fr\": 1") << "not a lambda file";
    QTest::newRow("unknown lambda")
        << QByteArray("{\"lambda_xx\": 1}") << "unknown key \"lambda_xx\"";
    QTest::newRow("negative") << QByteArray("{\"lambda_fr\": -1}") << "\"lambda_fr\" is -1";
    QTest::newRow("string value") << QByteArray("{\"lambda_fr\": \"1\"}")
                                  << "\"lambda_fr\" is \"1\"";
    QTest::newRow("null") << QByteArray("{\"lambda_fr\": null}") << "\"lambda_fr\"'s value null";
    QTest::newRow("convention") << QByteArray("{\"convention\": \"other\"}")
                                << "\"convention\" is \"other\"";
    QTest::newRow("empty file") << QByteArray() << "not a lambda file";
}

void TestCliMulti::lambdasFromRefusesBadFiles()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, mention);
    const QString file = write("bad.json", text);
    QVERIFY(!file.isEmpty());
    for (const QStringList& args :
         {QStringList{"compute", m_relu}, QStringList{"compute", m_relu, m_step},
          QStringList{"sweep", m_relu, "--term", "fr"},
          QStringList{"balance", m_relu, "--share", "fr=0.1"}}) {
        const QString problem =
            refusalProblem(runCli(args + QStringList{"--lambdas-from", file}), {file, mention});
        QVERIFY2(problem.isEmpty(), qPrintable(args.join(' ') + ": " + problem));
    }
    const QString missing = m_dir.filePath("nothere.json");
    const QString problem = refusalProblem(runCli({"compute", m_relu, "--lambdas-from", missing}),
                                           {missing, "cannot open"});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

QTEST_GUILESS_MAIN(TestCliMulti)
#include "test_cli_multi.moc"
