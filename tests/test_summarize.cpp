// Summary files through the `rnnloss` command line, run as a user runs it
// (QProcess): `summarize` writes them, and `compute`, `sweep` and `balance`
// give the same numbers from a recording's summary file as from the
// recording, in both conventions and for trial and neuron selections, each
// checked against a brute-force computation over the arrays written here
// (tests/bruteforce.h and the per-neuron loops below); a summary whose
// recording changed is not used; `--list` fails per file with broken
// recordings among good ones; `--check` reports done, stale, missing, failed.

#include "bruteforce.h"
#include "writer.h"

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <cmath>
#include <optional>

#include <sys/stat.h>
#include <utime.h>

using namespace rnnloss;

namespace {

const QString kCli = QStringLiteral(RNNLOSS_CLI);
constexpr double kBruteTol = 1e-9; ///< summation order only: the data is float32 either way
constexpr double kSameTol = 1e-13; ///< summary against recording: the same sums
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
            .arg(QString::fromUtf8(out.left(3000)), QString::fromUtf8(err.left(3000)));
    }
};

Run runCli(const QStringList& args, const QString& dir = {})
{
    QProcess p;
    if (!dir.isEmpty())
        p.setWorkingDirectory(dir);
    p.start(kCli, args);
    Run r;
    r.ok = p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

bool near(double a, double b, double rel)
{
    return std::abs(a - b) <= rel * std::max({std::abs(a), std::abs(b), 1e-300});
}

/// Empty when `a` and `b` are the same JSON but for numbers within kSameTol.
QString sameJson(const QJsonValue& a, const QJsonValue& b, const QString& where)
{
    if (a.type() != b.type())
        return where + ": of another type";
    if (a.isDouble())
        return near(a.toDouble(), b.toDouble(), kSameTol) ? QString() : where + ": differs";
    if (a.isArray()) {
        const QJsonArray x = a.toArray(), y = b.toArray();
        if (x.size() != y.size())
            return where + ": of another length";
        for (qsizetype i = 0; i < x.size(); ++i)
            if (QString why = sameJson(x[i], y[i], where + "/" + QString::number(i));
                !why.isEmpty())
                return why;
        return {};
    }
    if (a.isObject()) {
        const QJsonObject x = a.toObject(), y = b.toObject();
        if (x.keys() != y.keys())
            return where + ": other keys";
        for (const QString& k : x.keys())
            if (QString why = sameJson(x[k], y[k], where + "/" + k); !why.isEmpty())
                return why;
        return {};
    }
    return a == b ? QString() : where + ": differs";
}

QJsonObject jsonOf(const Run& r)
{
    return QJsonDocument::fromJson(r.out).object();
}

double termValue(const Run& r, const char* key)
{
    const QJsonObject terms = jsonOf(r).value("terms").toObject();
    return terms.value(QLatin1String(key)).toObject().value("value").toDouble(qQNaN());
}

/// A recording's arrays as float32, so that the file and the brute force
/// hold the same values.
Recording asFloat(Recording r)
{
    for (auto* v : {&r.outputs, &r.targets, &r.states, &r.inputs, &r.wIn, &r.wHid, &r.wOut})
        for (double& x : *v)
            x = static_cast<double>(static_cast<float>(x));
    return r;
}

/// The per-neuron statistics of the CLI's JSON, straight from the arrays.
struct NeuronRef
{
    std::vector<double> mean, sd, cv, contribution;
};

NeuronRef neuronRef(const Recording& r, bool nn4n, const std::vector<long>& trials,
                    const std::vector<long>& neurons)
{
    NeuronRef ref;
    const Shape& s = r.shape;
    const double n = static_cast<double>(neurons.size());
    for (long k : neurons) {
        double sum = 0, sq = 0, c = 0;
        for (long b : trials)
            for (long t = 0; t < s.time; ++t) {
                const double x = bruteforce::at(r.states, s, b, t, k, s.nHid);
                sum += x;
                sq += x * x;
                ++c;
            }
        const double m = sum / c, sd = std::sqrt(std::max(0.0, sq / c - m * m));
        ref.mean.push_back(m);
        ref.sd.push_back(sd);
        ref.cv.push_back(sd / m);
        ref.contribution.push_back(nn4n ? m * m / n : sq / c / n);
    }
    return ref;
}

std::vector<long> allOf(std::int64_t n)
{
    std::vector<long> v;
    for (long i = 0; i < n; ++i)
        v.push_back(i);
    return v;
}

/// One recording written for the tests, with what the brute force needs.
struct Written
{
    QString path;
    Recording rec;
    std::vector<std::string> trialLabels, neuronGroups;
};

const std::vector<std::string> kTrialLabels = {"left", "right", "left", "left", "right", "left"};
const std::vector<std::string> kGroups = {"E", "E", "I", "E", "I"};

/// A selection on the command line and the indices it means.
struct Pick
{
    QStringList args;
    std::vector<long> trials, neurons; ///< empty: all
};

Pick pickOf(const QString& name, const Written& w)
{
    const Shape& s = w.rec.shape;
    auto labelled = [](const std::vector<std::string>& labels, const std::string& value) {
        std::vector<long> v;
        for (std::size_t i = 0; i < labels.size(); ++i)
            if (labels[i] == value)
                v.push_back(long(i));
        return v;
    };
    if (name == "trials")
        return {{"--trials", "0:2,4"}, {0, 1, 4}, allOf(s.nHid)};
    if (name == "trial-label")
        return {{"--trial-label", "right"}, labelled(kTrialLabels, "right"), allOf(s.nHid)};
    if (name == "neurons")
        return {{"--neurons", "1:4"}, allOf(s.batch), {1, 2, 3}};
    if (name == "neuron-group")
        return {{"--neuron-group", "E"}, allOf(s.batch), labelled(kGroups, "E")};
    if (name == "both")
        return {{"--trials", "1:5", "--neuron-group", "I"}, {1, 2, 3, 4}, labelled(kGroups, "I")};
    return {{}, allOf(s.batch), allOf(s.nHid)};
}

} // namespace

class TestSummarize : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void roundTrip_data();
    void roundTrip();
    void sweepAndBalance();
    void several();
    void timeWindow();
    void staleness();
    void damagedSummary();
    void skipAndForce();
    void noWeights();
    void outDir();
    void listWithFailures();
    void check();

private:
    Written write(const QString& name, unsigned seed, bool tanhRates, io::WriteOptions o);
    QString copyOf(const Written& w, const QString& name);
    QString summarize(const QStringList& files, const QStringList& more = {});

    QTemporaryDir m_dir;
    std::vector<Written> m_recs;
};

Written TestSummarize::write(const QString& name, unsigned seed, bool tanhRates, io::WriteOptions o)
{
    Written w;
    w.path = m_dir.filePath(name);
    w.rec = asFloat(bruteforce::random({6, 7, 3, 5, 2}, seed, tanhRates));
    w.trialLabels = o.trialLabels = kTrialLabels;
    w.neuronGroups = o.neuronGroups = kGroups;
    const std::string err = io::writeRecording(w.path.toStdString(), w.rec, o);
    if (!err.empty())
        qFatal("cannot write %s: %s", qPrintable(w.path), err.c_str());
    return w;
}

QString TestSummarize::copyOf(const Written& w, const QString& name)
{
    const QString to = m_dir.filePath(name);
    QFile::remove(to);
    return QFile::copy(w.path, to) ? to : QString();
}

/// Runs summarize; empty when it exits 0.
QString TestSummarize::summarize(const QStringList& files, const QStringList& more)
{
    const Run r = runCli(QStringList{"summarize"} + files + more);
    return r.ok && r.exitCode == 0 ? QString() : r.describe();
}

void TestSummarize::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // One per way the CLI reads data: unfiltered chunks of a trial (pread
    // here), contiguous doubles with tanh rates (|r| sums of their own), and
    // gzip (reduced in the reader process).
    io::WriteOptions chunked, doubles, gzip;
    chunked.chunkTrials = 1;
    doubles.doublePrecision = true;
    gzip.chunkTrials = 2;
    gzip.gzipLevel = 4;
    m_recs.push_back(write("chunked.h5", 11, false, chunked));
    m_recs.push_back(write("tanh.h5", 12, true, doubles));
    m_recs.push_back(write("gzip.h5", 13, false, gzip));
    QStringList all;
    for (const Written& w : m_recs)
        all << w.path;
    QCOMPARE(summarize(all), QString());
    for (const QString& f : all)
        QVERIFY2(QFileInfo::exists(f + ".rnnsum"), qPrintable(f));
}

void TestSummarize::roundTrip_data()
{
    QTest::addColumn<int>("rec");
    QTest::addColumn<QString>("convention");
    QTest::addColumn<QString>("selection");
    for (int i = 0; i < 3; ++i)
        for (const char* conv : {"nn4n", "spec"})
            for (const char* sel :
                 {"whole", "trials", "trial-label", "neurons", "neuron-group", "both"}) {
                const QString name = QFileInfo(m_recs[std::size_t(i)].path).fileName();
                QTest::addRow("%s %s %s", qPrintable(name), conv, sel) << i << conv << sel;
            }
}

/// compute --json from the summary file (found beside the recording, and
/// named itself) against the recording read, and both against the brute force.
void TestSummarize::roundTrip()
{
    QFETCH(int, rec);
    QFETCH(QString, convention);
    QFETCH(QString, selection);
    const Written& w = m_recs[std::size_t(rec)];
    const Pick pick = pickOf(selection, w);
    const QStringList common = QStringList{"--json", "--convention", convention} + pick.args;

    const Run viaRecording = runCli(QStringList{"compute", w.path, "--no-summaries"} + common);
    QVERIFY2(viaRecording.ok && viaRecording.exitCode == 0, qPrintable(viaRecording.describe()));
    const Run beside = runCli(QStringList{"compute", w.path, "--verbose"} + common);
    QVERIFY2(beside.ok && beside.exitCode == 0, qPrintable(beside.describe()));
    QVERIFY2(beside.err.contains("using its summary " + w.path.toUtf8() + ".rnnsum"),
             qPrintable(beside.describe()));
    const Run named = runCli(QStringList{"compute", w.path + ".rnnsum"} + common);
    QVERIFY2(named.ok && named.exitCode == 0, qPrintable(named.describe()));

    const bool nn4n = convention == "nn4n";
    const bruteforce::Terms bf = bruteforce::compute(w.rec, nn4n, pick.trials, pick.neurons);
    const std::optional<double> want[] = {bf.mse, bf.in, bf.hid, bf.out, bf.fr, bf.frSd, bf.frCv};
    const NeuronRef ref = neuronRef(w.rec, nn4n, pick.trials, pick.neurons);
    const bool someTrials = pick.trials.size() != std::size_t(w.rec.shape.batch);
    const QJsonObject r = jsonOf(viaRecording);
    for (const Run* run : {&beside, &named}) {
        const QJsonObject s = jsonOf(*run);
        for (int k = 0; k < kKeys.size(); ++k) {
            const QJsonValue v = s["terms"][kKeys[k]]["value"];
            QVERIFY2(want[k].has_value() && v.isDouble(), qPrintable(kKeys[k]));
            QVERIFY2(near(v.toDouble(), *want[k], kBruteTol),
                     qPrintable(QStringLiteral("%1: %2 from the summary, %3 brute force")
                                    .arg(kKeys[k])
                                    .arg(v.toDouble(), 0, 'g', 17)
                                    .arg(*want[k], 0, 'g', 17)));
            QVERIFY(near(v.toDouble(), r["terms"][kKeys[k]]["value"].toDouble(), kSameTol));
        }
        const QJsonObject n = s["neurons"].toObject();
        const std::pair<const char*, const std::vector<double>*> cols[] = {
            {"mean_rate", &ref.mean},
            {"sd", &ref.sd},
            {"cv", &ref.cv},
            {"fr_contribution", &ref.contribution}};
        for (const auto& [name, values] : cols) {
            const QJsonArray got = n[name].toArray();
            QCOMPARE(got.size(), qsizetype(values->size()));
            for (qsizetype i = 0; i < got.size(); ++i)
                QVERIFY2(near(got[i].toDouble(), (*values)[std::size_t(i)], kBruteTol),
                         qPrintable(QStringLiteral("%1[%2]").arg(name).arg(i)));
        }
        // What only the samples give: the recording's for every trial, left
        // out (and said) for some.
        for (const char* col : {"max", "fraction_active"}) {
            const QJsonArray got = n[col].toArray(), full = r["neurons"][col].toArray();
            QCOMPARE(got.size(), full.size());
            for (qsizetype i = 0; i < got.size(); ++i)
                QVERIFY(someTrials ? got[i].isNull() : got[i] == full[i]);
        }
        QCOMPARE(s["warnings"].toArray().size(), someTrials ? 1 : 0);
        QCOMPARE(s["selection"], r["selection"]);
        QCOMPARE(s["shape"], r["shape"]);
    }
}

void TestSummarize::sweepAndBalance()
{
    const Written& w = m_recs[1];
    for (const QStringList& cmd :
         {QStringList{"sweep", w.path, "--term", "fr", "--points", "5", "--json"},
          QStringList{"balance", w.path, "--share", "fr=0.1", "--share", "hid=0.05", "--json",
                      "--lambda", "mse=1", "--trials", "2:6"}}) {
        const Run a = runCli(cmd + QStringList{"--verbose"});
        const Run b = runCli(cmd + QStringList{"--no-summaries"});
        QVERIFY2(a.ok && a.exitCode == 0 && b.ok && b.exitCode == 0, qPrintable(a.describe()));
        QVERIFY2(a.err.contains("using its summary"), qPrintable(a.describe()));
        const QString why = sameJson(QJsonDocument::fromJson(a.out).object(),
                                     QJsonDocument::fromJson(b.out).object(), "");
        QVERIFY2(why.isEmpty(), qPrintable(why + "\n" + a.describe() + "\n" + b.describe()));
    }
}

void TestSummarize::several()
{
    // compute over several: summary files named themselves and recordings
    // with theirs, each labelled as its recording.
    const QStringList files{m_recs[0].path + ".rnnsum", m_recs[1].path, m_recs[2].path + ".rnnsum"};
    const Run a = runCli(QStringList{"compute"} + files + QStringList{"--json"});
    QStringList recs;
    for (const Written& w : m_recs)
        recs << w.path;
    const Run b = runCli(QStringList{"compute"} + recs + QStringList{"--json", "--no-summaries"});
    QVERIFY2(a.ok && a.exitCode == 0 && b.ok && b.exitCode == 0, qPrintable(a.describe()));
    const QList<QByteArray> la = a.out.trimmed().split('\n'), lb = b.out.trimmed().split('\n');
    QCOMPARE(la.size(), 3);
    QCOMPARE(lb.size(), 3);
    for (int i = 0; i < 3; ++i) {
        QJsonObject x = QJsonDocument::fromJson(la[i]).object();
        QJsonObject y = QJsonDocument::fromJson(lb[i]).object();
        QCOMPARE(x["file"].toString(), files[i]);
        QCOMPARE(x["label"].toString(), QFileInfo(m_recs[std::size_t(i)].path).fileName());
        x.remove("file");
        y.remove("file");
        const QString why = sameJson(x, y, "");
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }
}

void TestSummarize::timeWindow()
{
    // A time window needs the raw data: read from the recording when it is
    // there, refused with a clear message when only the summary is.
    const Written& w = m_recs[0];
    const QStringList win{"--json", "--steps", "2:5"};
    const Run a = runCli(QStringList{"compute", w.path, "--verbose"} + win);
    const Run b = runCli(QStringList{"compute", w.path, "--no-summaries"} + win);
    QVERIFY2(a.ok && a.exitCode == 0, qPrintable(a.describe()));
    QVERIFY2(a.err.contains("reading the recording: a time window"), qPrintable(a.describe()));
    QCOMPARE(a.out, b.out);
    const bruteforce::Terms bf = bruteforce::compute(w.rec, true, {}, {}, {2, 3, 4});
    QVERIFY(near(termValue(a, "fr"), *bf.fr, kBruteTol));

    QTemporaryDir alone;
    const QString only = alone.filePath("chunked.h5.rnnsum");
    QVERIFY(QFile::copy(w.path + ".rnnsum", only));
    const Run c = runCli(QStringList{"compute", only} + win);
    QCOMPARE(c.exitCode, 2);
    QVERIFY(c.out.isEmpty());
    QVERIFY2(c.err.startsWith("error: " + only.toUtf8()) && c.err.contains("time window") &&
                 c.err.contains("only its summary"),
             qPrintable(c.describe()));
    // The same summary answers what needs no raw data.
    const Run d = runCli({"compute", only, "--json", "--trials", "0:3"});
    QVERIFY2(d.ok && d.exitCode == 0, qPrintable(d.describe()));
    const bruteforce::Terms t = bruteforce::compute(w.rec, true, {0, 1, 2});
    QVERIFY(near(termValue(d, "mse"), *t.mse, kBruteTol));
}

void TestSummarize::staleness()
{
    // A copy summarised, then changed: its summary is not used, and --verbose says why.
    const QString rec = copyOf(m_recs[0], "stale.h5");
    QCOMPARE(summarize({rec}), QString());
    const Run fresh = runCli({"compute", rec, "--json", "--verbose"});
    QVERIFY2(fresh.err.contains("using its summary"), qPrintable(fresh.describe()));

    struct stat st
    {
    };
    QCOMPARE(::stat(rec.toLocal8Bit().constData(), &st), 0);
    const utimbuf later{st.st_atime, st.st_mtime + 5};
    QCOMPARE(::utime(rec.toLocal8Bit().constData(), &later), 0);
    const Run touched = runCli({"compute", rec, "--json", "--verbose"});
    QVERIFY2(touched.ok && touched.exitCode == 0, qPrintable(touched.describe()));
    QVERIFY2(touched.err.contains("stale.h5.rnnsum is stale (the recording's modification time "
                                  "changed"),
             qPrintable(touched.describe()));
    QVERIFY(!touched.err.contains("using its summary"));
    QVERIFY(touched.err.contains("reading " + rec.toUtf8()));
    // Named itself, a stale summary gives way to its recording, with a warning.
    const Run named = runCli({"compute", rec + ".rnnsum", "--json"});
    QVERIFY2(named.ok && named.exitCode == 0, qPrintable(named.describe()));
    QVERIFY2(named.err.startsWith("warning: " + rec.toUtf8() + ".rnnsum is stale"),
             qPrintable(named.describe()));
    QCOMPARE(named.out, runCli({"compute", rec, "--json", "--no-summaries"}).out);

    // A summary of another recording under this one's name is not used either.
    const QString other = copyOf(m_recs[1], "other.h5");
    QVERIFY(QFile::copy(m_recs[0].path + ".rnnsum", other + ".rnnsum"));
    const Run swapped = runCli({"compute", other, "--verbose"});
    QVERIFY2(swapped.err.contains("it summarises chunked.h5, not other.h5"),
             qPrintable(swapped.describe()));
}

void TestSummarize::damagedSummary()
{
    // A damaged summary beside a good recording: said on stderr, the
    // recording read; named itself: an error naming it.
    const QString rec = copyOf(m_recs[0], "damaged.h5");
    QCOMPARE(summarize({rec}), QString());
    QFile f(rec + ".rnnsum");
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.resize(f.size() - 9));
    f.close();
    const Run r = runCli({"compute", rec, "--json"});
    QVERIFY2(r.ok && r.exitCode == 0, qPrintable(r.describe()));
    QVERIFY2(r.err.startsWith("warning: " + rec.toUtf8() + ".rnnsum: truncated"),
             qPrintable(r.describe()));
    QCOMPARE(r.out, runCli({"compute", rec, "--json", "--no-summaries"}).out);
    const Run named = runCli({"compute", rec + ".rnnsum"});
    QCOMPARE(named.exitCode, 2);
    QVERIFY2(named.err.startsWith("error: " + rec.toUtf8() + ".rnnsum: truncated"),
             qPrintable(named.describe()));
    // summarize makes it again: it is not current.
    const Run again = runCli({"summarize", rec});
    QCOMPARE(again.out, rec.toUtf8() + ": written\n1 recording: 1 written, 0 current, 0 failed\n");
}

void TestSummarize::skipAndForce()
{
    const QString rec = copyOf(m_recs[2], "again.h5");
    const Run first = runCli({"summarize", rec});
    QCOMPARE(first.out, rec.toUtf8() + ": written\n1 recording: 1 written, 0 current, 0 failed\n");
    QFile f(rec + ".rnnsum");
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    f.close();
    const QDateTime written = QFileInfo(f).lastModified();
    const Run second = runCli({"summarize", rec});
    QCOMPARE(second.exitCode, 0);
    QCOMPARE(second.out, rec.toUtf8() + ": current\n1 recording: 0 written, 1 current, 0 failed\n");
    QCOMPARE(QFileInfo(rec + ".rnnsum").lastModified(), written);
    const Run forced = runCli({"summarize", rec, "--force"});
    QCOMPARE(forced.out, rec.toUtf8() + ": written\n1 recording: 1 written, 0 current, 0 failed\n");
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), bytes); // nothing in it says when it was made
    // Named by another path, the same recording gives the same bytes.
    const Run relative = runCli({"summarize", "again.h5", "--force"}, m_dir.path());
    QCOMPARE(relative.exitCode, 0);
    f.close();
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), bytes);
}

void TestSummarize::noWeights()
{
    const QString rec = copyOf(m_recs[0], "light.h5");
    QCOMPARE(summarize({rec}), QString());
    const qint64 full = QFileInfo(rec + ".rnnsum").size();
    QCOMPARE(summarize({rec}, {"--no-weights", "--force"}), QString());
    const qint64 light = QFileInfo(rec + ".rnnsum").size();
    const Shape& s = m_recs[0].rec.shape;
    // Only the three float32 matrices go.
    QCOMPARE(full - light, qint64(4 * (s.nHid * s.nIn + s.nHid * s.nHid + s.nOut * s.nHid)));
    const Run a = runCli({"compute", rec, "--json", "--verbose"});
    QVERIFY2(a.err.contains("using its summary"), qPrintable(a.describe()));
    const bruteforce::Terms bf = bruteforce::compute(m_recs[0].rec, true);
    QVERIFY(near(termValue(a, "in"), *bf.in, kBruteTol));
    QVERIFY(near(termValue(a, "hid"), *bf.hid, kBruteTol));
    QVERIFY(near(termValue(a, "out"), *bf.out, kBruteTol));
    // Without --no-weights it is not what was asked for: made again.
    const Run again = runCli({"summarize", rec});
    QVERIFY2(again.out.startsWith(rec.toUtf8() + ": written"), qPrintable(again.describe()));
    QCOMPARE(QFileInfo(rec + ".rnnsum").size(), full);
}

void TestSummarize::outDir()
{
    QTemporaryDir out;
    const QString rec = copyOf(m_recs[1], "elsewhere.h5");
    QCOMPARE(summarize({rec}, {"--out-dir", out.path()}), QString());
    const QString file = out.path() + QFileInfo(rec).absoluteFilePath() + ".rnnsum";
    QVERIFY2(QFileInfo::exists(file), qPrintable(file));
    QVERIFY(!QFileInfo::exists(rec + ".rnnsum"));
    const Run found = runCli({"compute", rec, "--verbose", "--summary-dir", out.path()});
    QVERIFY2(found.err.contains("using its summary " + file.toUtf8()),
             qPrintable(found.describe()));
    const Run notLooked = runCli({"compute", rec, "--verbose"});
    QVERIFY(!notLooked.err.contains("using its summary"));
    const Run checked = runCli({"summarize", "--check", rec, "--out-dir", out.path()});
    QCOMPARE(checked.exitCode, 0);
    QVERIFY(checked.out.startsWith(rec.toUtf8() + ": done\n"));
}

void TestSummarize::listWithFailures()
{
    // Five good recordings and three bad ones, shared by two tasks.
    QTemporaryDir d;
    QStringList entries;
    for (int i = 0; i < 5; ++i) {
        const QString p = d.filePath(QStringLiteral("good%1.h5").arg(i));
        QVERIFY(QFile::copy(m_recs[std::size_t(i % 3)].path, p));
        entries << p;
    }
    QFile src(m_recs[0].path);
    QVERIFY(src.open(QIODevice::ReadOnly));
    QFile cut(d.filePath("truncated.h5"));
    QVERIFY(cut.open(QIODevice::WriteOnly));
    cut.write(src.read(src.size() / 2));
    cut.close();
    QFile text(d.filePath("text.h5"));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("not a recording\n");
    text.close();
    entries.insert(1, d.filePath("truncated.h5"));
    entries.insert(4, d.filePath("text.h5"));
    entries.insert(6, d.filePath("gone.h5"));
    QFile list(d.filePath("list.txt"));
    QVERIFY(list.open(QIODevice::WriteOnly));
    list.write("# the sweep\n\n" + entries.join('\n').toUtf8() + "\n");
    list.close();

    QSet<QString> seen;
    for (int task = 0; task < 2; ++task) {
        const Run r = runCli({"summarize", "--list", list.fileName(), "--task-index",
                              QString::number(task), "--tasks", "2"});
        QVERIFY(r.ok);
        const QStringList out = QString::fromUtf8(r.out).split('\n', Qt::SkipEmptyParts);
        const QStringList err = QString::fromUtf8(r.err).split('\n', Qt::SkipEmptyParts);
        int failed = 0;
        for (int i = task; i < entries.size(); i += 2) {
            const QString& e = entries[i];
            seen.insert(e);
            if (e.contains("good")) {
                QVERIFY2(out.contains(e + ": written"), qPrintable(r.describe()));
                QVERIFY(QFileInfo::exists(e + ".rnnsum"));
                continue;
            }
            ++failed;
            const QStringList lines =
                err.filter(QRegularExpression("^" + QRegularExpression::escape(e) + ": .+"));
            QVERIFY2(lines.size() == 1, qPrintable(r.describe()));
            QVERIFY(!QFileInfo::exists(e + ".rnnsum"));
            QFile marker(e + ".rnnsum.failed");
            QVERIFY2(marker.open(QIODevice::ReadOnly), qPrintable(e));
            QCOMPARE(QString::fromUtf8(marker.readAll()), lines.front() + "\n");
        }
        QCOMPARE(err.size(), failed);
        QCOMPARE(r.exitCode, failed ? 2 : 0);
        QCOMPARE(out.size(), (entries.size() - task + 1) / 2 - failed + 1);
    }
    QCOMPARE(seen.size(), entries.size()); // every entry in exactly one share

    // --check agrees; a failed one made good is summarised on the next run
    // and its marker goes.
    const Run c = runCli({"summarize", "--check", "--list", list.fileName()});
    QCOMPARE(c.exitCode, 3);
    const QString cs = QString::fromUtf8(c.out);
    QVERIFY2(cs.contains(entries[1] + ": failed: ") && cs.contains(entries[4] + ": failed: ") &&
                 cs.contains(entries[6] + ": failed: ") && cs.contains(entries[0] + ": done\n"),
             qPrintable(cs));
    QVERIFY(cs.endsWith("8 recordings: 5 done, 0 stale, 0 missing, 3 failed\n"));
    QVERIFY(QFile::remove(entries[1]));
    QVERIFY(QFile::copy(m_recs[0].path, entries[1]));
    const Run again = runCli({"summarize", "--list", list.fileName()});
    QCOMPARE(again.exitCode, 2);
    QVERIFY2(again.out.contains(entries[1].toUtf8() + ": written\n") &&
                 again.out.contains(entries[0].toUtf8() + ": current\n") &&
                 again.out.endsWith("8 recordings: 1 written, 5 current, 2 failed\n"),
             qPrintable(again.describe()));
    QVERIFY(!QFileInfo::exists(entries[1] + ".rnnsum.failed"));
}

void TestSummarize::check()
{
    QTemporaryDir d;
    const QString done = d.filePath("done.h5"), stale = d.filePath("stale.h5"),
                  missing = d.filePath("missing.h5");
    for (const QString& p : {done, stale, missing})
        QVERIFY(QFile::copy(m_recs[0].path, p));
    QCOMPARE(summarize({done, stale}), QString());
    QFile f(stale);
    QVERIFY(f.open(QIODevice::Append));
    f.write("x"); // a recording that grew
    f.close();
    const Run c = runCli({"summarize", "--check", done, stale, missing});
    QCOMPARE(c.exitCode, 3);
    const QString want = done + ": done\n" + stale + ": stale: the recording's size changed (" +
                         QString::number(QFileInfo(done).size()) + " bytes when summarised, " +
                         QString::number(QFileInfo(stale).size()) + " now)\n" + missing +
                         ": missing\n3 recordings: 1 done, 1 stale, 1 missing, 0 failed\n";
    QCOMPARE(QString::fromUtf8(c.out), want);
    const Run all = runCli({"summarize", "--check", done});
    QCOMPARE(all.exitCode, 0);
    QCOMPARE(all.out,
             done.toUtf8() + ": done\n1 recording: 1 done, 0 stale, 0 missing, 0 failed\n");
    // Usage errors: one line, exit 2.
    for (const QStringList& bad :
         {QStringList{"summarize"}, QStringList{"summarize", done, "--tasks", "2"},
          QStringList{"summarize", done, "--task-index", "2", "--tasks", "2"},
          QStringList{"summarize", "--list", d.filePath("nolist.txt")}}) {
        const Run r = runCli(bad);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.startsWith("error: ") && r.err.count('\n') == 1, qPrintable(r.describe()));
    }
}

QTEST_GUILESS_MAIN(TestSummarize)
#include "test_summarize.moc"
