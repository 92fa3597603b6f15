// The process boundary against readers that misbehave: one that hangs (the
// watchdog), one that writes garbage, one that crashes mid-stream, one that
// exits without a result, one that cannot be executed, and a cancel from
// another thread; the memory limit reaching the reader; and gradient jobs: the
// arguments they pass, the result they take, and a reader that sends the other
// kind of result. Fake readers are shell scripts written at test time; the real
// reader is covered by test_cli, test_grad_cli and test_gui (and here, for its
// memory limit).

#include "gradcodec.h"
#include "popreport.h"
#include "readerprocess.h"
#include "statsjob.h"
#include "summarycodec.h"

#include <QDir>
#include <QFileInfo>
#include <QtTest>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <thread>

using namespace rnnloss;

class TestReaderProcess : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void misbehavingReader_data();
    void misbehavingReader();
    void cancelFromAnotherThread();
    void limitsReachTheReader();
    void weightNormsOnly();
    void gradientJob();
    void wrongKindOfResult_data();
    void wrongKindOfResult();
    void statsJob();

private:
    /// `bytes` written to NAME, for a fake reader to `cat`.
    QString data(const QString& name, const std::vector<std::uint8_t>& bytes);
    /// A fake reader that first writes its pid to NAME.pid, then runs `body`.
    QString script(const QString& name, const QByteArray& body);
    /// Empty when the process that wrote NAME.pid no longer exists (killed or
    /// ended, and reaped: not even a zombie is left).
    QString survivor(const QString& name) const;
    QTemporaryDir m_dir;
};

void TestReaderProcess::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

QString TestReaderProcess::script(const QString& name, const QByteArray& body)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write("#!/bin/sh\necho $$ > '" + (path + ".pid").toUtf8() + "'\n" + body + "\n");
    f.close();
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return path;
}

QString TestReaderProcess::survivor(const QString& name) const
{
    QFile f(m_dir.filePath(name) + ".pid");
    if (!f.open(QIODevice::ReadOnly))
        return "the reader never ran (no " + f.fileName() + ")";
    bool ok = false;
    const pid_t pid = f.readAll().trimmed().toInt(&ok);
    if (!ok || pid <= 0)
        return "no pid in " + f.fileName();
    if (::kill(pid, 0) == 0 || errno != ESRCH)
        return QStringLiteral("the reader (pid %1) is still there").arg(pid);
    return {};
}

void TestReaderProcess::misbehavingReader_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("expected");
    // Says nothing and never ends: only the watchdog (1 s here) can stop it,
    // so run() returning at all shows it did.
    QTest::newRow("hangs") << QByteArray("exec sleep infinity")
                           << "the reader stopped responding (no progress for 1";
    // Progress first, then silence: the watchdog is on progress, not total time.
    QTest::newRow("hangs after output")
        << QByteArray("echo 'reading' >&2; exec sleep infinity") << "the reader stopped responding";
    QTest::newRow("garbage") << QByteArray("printf 'this is not a frame stream at all, no'")
                             << "the reader sent a malformed result";
    QTest::newRow("crashes") << QByteArray("kill -SEGV $$") << "the reader crashed (signal 11";
    QTest::newRow("aborts") << QByteArray("echo 'std::bad_alloc' >&2; kill -ABRT $$")
                            << "the reader crashed (signal 6";
    QTest::newRow("exits silently") << QByteArray("exit 3") << "the reader failed (exit code 3)";
    QTest::newRow("exits 0 without a result")
        << QByteArray("exit 0") << "the reader failed (exit code 0)";
}

void TestReaderProcess::misbehavingReader()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, expected);
    const QString name = QString(QTest::currentDataTag() + QStringLiteral(".sh")).replace(' ', '_');
    ReaderJob job;
    job.readerExe = script(name, body).toStdString();
    QVERIFY(!job.readerExe.empty());
    job.recording = "/data/some recording.h5";
    job.watchdogMs = 1000;
    ReaderProcess p;
    const ReaderOutcome out = p.run(job);
    QVERIFY(!out.summary);
    QVERIFY(!out.cancelled);
    const QString err = QString::fromStdString(out.error);
    QVERIFY2(err.startsWith("some recording.h5: ") || err.contains("/data/some recording.h5"),
             qPrintable(err));
    QVERIFY2(err.contains(expected), qPrintable(err));
    // Whatever it did, the reader is gone when run() returns: a hung one was
    // killed (it would never end by itself) and every one was reaped.
    const QString left = survivor(name);
    QVERIFY2(left.isEmpty(), qPrintable(left));

    // The same object runs again afterwards (nothing left armed or open).
    job.readerExe = script("ok_then.sh", "exit 4").toStdString();
    QVERIFY(QString::fromStdString(p.run(job).error).contains("exit code 4"));
}

void TestReaderProcess::cancelFromAnotherThread()
{
    // A reader that never ends and a watchdog that never fires (a day): only
    // the cancel can end run(), and then the reader must be gone.
    ReaderJob job;
    job.readerExe = script("slow.sh", "exec sleep infinity").toStdString();
    job.recording = "slow.h5";
    job.watchdogMs = 24 * 3600 * 1000;
    ReaderProcess p;
    std::thread canceller([&p] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        p.cancel();
    });
    const ReaderOutcome out = p.run(job);
    canceller.join();
    QVERIFY(out.cancelled);
    QVERIFY(!out.summary);
    QVERIFY2(QString::fromStdString(out.error).contains("cancelled"), out.error.c_str());
    const QString left = survivor("slow.sh");
    QVERIFY2(left.isEmpty(), qPrintable(left));
}

// The reader is started with posix_spawn, which cannot set limits in the
// child; the client passes the address-space limit as the reader's first
// argument and the reader sets it before it reads anything. A fake reader
// shows what it is given; the real one, under a limit far below what it
// needs, fails to read the bundled example that it reads without one.
void TestReaderProcess::limitsReachTheReader()
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    QSKIP("sanitizer runtimes need more address space than any limit allows");
#endif
    ReaderJob job;
    job.readerExe = script("args.sh", "echo \"args: $*\" >&2; exit 3").toStdString();
    job.recording = "/data/a.h5";
    job.memoryLimitBytes = std::uint64_t(300) << 20;
    const ReaderOutcome shown = ReaderProcess().run(job);
    QVERIFY2(QString::fromStdString(shown.error)
                 .contains("args: --memory-limit 314572800 --recording"),
             shown.error.c_str());

    job.readerExe = RNNLOSS_READER;
    job.recording =
        QFileInfo(QStringLiteral(RNNLOSS_CLI)).dir().filePath("example.h5").toStdString();
    job.memoryLimitBytes = 0; // none
    const ReaderOutcome free = ReaderProcess().run(job);
    QVERIFY2(free.summary, free.error.c_str());
    // Less than the reader has mapped at start: its first allocations fail
    // (it may then crash inside HDF5 rather than report them).
    job.memoryLimitBytes = std::uint64_t(8) << 20;
    const ReaderOutcome limited = ReaderProcess().run(job);
    QVERIFY(!limited.summary);
    QVERIFY2(limited.error.find("cannot") == std::string::npos, limited.error.c_str());
}

// What the CLI asks for: the weights' norms without the matrices. The norms
// are those of the matrices the full summary carries (Σ w², summed here from
// them: they are the reader's doubles rounded to float, hence the tolerance).
void TestReaderProcess::weightNormsOnly()
{
    ReaderJob job;
    job.readerExe = RNNLOSS_READER;
    job.recording =
        QFileInfo(QStringLiteral(RNNLOSS_CLI)).dir().filePath("example.h5").toStdString();
    const ReaderOutcome full = ReaderProcess().run(job);
    QVERIFY2(full.summary, full.error.c_str());
    job.weightMatrices = false;
    const ReaderOutcome norms = ReaderProcess().run(job);
    QVERIFY2(norms.summary, norms.error.c_str());
    for (int i = 0; i < 3; ++i) {
        const RowMatrixF& w = full.summary->weights[std::size_t(i)];
        QVERIFY(w.size() > 0);
        QCOMPARE(norms.summary->weights[std::size_t(i)].size(), Eigen::Index(0));
        double sq = 0.0;
        for (Eigen::Index k = 0; k < w.size(); ++k)
            sq += double(w.data()[k]) * double(w.data()[k]);
        const double got = norms.summary->weightNormSq[std::size_t(i)];
        QVERIFY2(std::abs(got - sq) <= 1e-6 * sq, qPrintable(QString::number(got - sq)));
        QCOMPARE(got, full.summary->weightNormSq[std::size_t(i)]);
    }
    QCOMPARE(norms.summary->shape.nHid, full.summary->shape.nHid);
}

QString TestReaderProcess::data(const QString& name, const std::vector<std::uint8_t>& bytes)
{
    QFile f(m_dir.filePath(name));
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(reinterpret_cast<const char*>(bytes.data()), qint64(bytes.size()));
    return f.fileName();
}

namespace {

GradientSummary someGradients()
{
    GradientSummary g;
    g.shape = {2, 3, 1, 4, 1};
    g.convention = Convention::Spec;
    g.terms[index(Term::Fr)] = {true, true, 0.5, {}};
    g.gram[index(Param::WHid)].g[index(Term::Fr)][index(Term::Fr)] = 4.0;
    g.warnings = {"from the pass"};
    g.label = "run 1";
    return g;
}

} // namespace

void TestReaderProcess::gradientJob()
{
    const QString frames = data("gradients.bin", [] {
        std::vector<std::uint8_t> s = encodeMessage(FrameType::Warning, "from the reader");
        const auto g = encodeGradientsFrame(someGradients());
        s.insert(s.end(), g.begin(), g.end());
        return s;
    }());
    const QString args = m_dir.filePath("gradient-args.txt");
    ReaderJob job;
    job.readerExe =
        script("grad.sh", "echo \"$@\" > '" + args.toUtf8() + "'; cat '" + frames.toUtf8() + "'")
            .toStdString();
    job.recording = "rec.h5";
    job.gradients = true;
    job.convention = Convention::Spec;
    job.gradientThreads = 3;
    job.trials = "0:2";
    ReaderProcess p;
    const ReaderOutcome out = p.run(job);
    QVERIFY2(out.gradients && !out.summary, out.error.c_str());
    QCOMPARE(out.gradients->label, std::string("run 1"));
    QCOMPARE(out.gradients->gram[index(Param::WHid)].g[index(Term::Fr)][index(Term::Fr)], 4.0);
    // The reader's warning frames follow the pass's own warnings.
    QCOMPARE(out.gradients->warnings,
             std::vector<std::string>({"from the pass", "from the reader"}));
    QFile f(args);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString line = QString::fromUtf8(f.readAll());
    for (const char* want : {"--recording rec.h5", "--trials 0:2", "--gradients",
                             "--gradient-threads 3", "--convention spec"})
        QVERIFY2(line.contains(want), qPrintable(line));
    QVERIFY2(!line.contains("--raw-layout"), qPrintable(line));

    // Without a convention the reader takes the recording's: none is passed.
    job.convention.reset();
    QVERIFY(p.run(job).gradients);
    QVERIFY(f.seek(0));
    QVERIFY(!QString::fromUtf8(f.readAll()).contains("--convention"));
}

void TestReaderProcess::wrongKindOfResult_data()
{
    QTest::addColumn<bool>("gradientJob");
    QTest::addColumn<bool>("sendSummary");
    QTest::addColumn<bool>("sendGradients");
    QTest::addColumn<QString>("expected");
    QTest::newRow("summary for gradients")
        << true << true << false << "sent a summary, but gradients alone were asked for";
    QTest::newRow("gradients for a summary")
        << false << false << true << "sent gradients, but a summary alone was asked for";
    QTest::newRow("both for gradients")
        << true << true << true << "sent a summary and gradients, but gradients alone";
}

void TestReaderProcess::wrongKindOfResult()
{
    QFETCH(bool, gradientJob);
    QFETCH(bool, sendSummary);
    QFETCH(bool, sendGradients);
    QFETCH(QString, expected);
    std::vector<std::uint8_t> stream;
    if (sendSummary) {
        Summary s;
        s.shape = {1, 1, 1, 1, 1};
        stream = encodeSummaryFrame(s);
    }
    if (sendGradients) {
        const auto g = encodeGradientsFrame(someGradients());
        stream.insert(stream.end(), g.begin(), g.end());
    }
    const QString frames = data("wrong.bin", stream);
    ReaderJob job;
    job.readerExe = script("wrong.sh", "cat '" + frames.toUtf8() + "'").toStdString();
    job.recording = "rec.h5";
    job.gradients = gradientJob;
    ReaderProcess p;
    const ReaderOutcome out = p.run(job);
    QVERIFY(!out.summary && !out.gradients);
    QVERIFY2(QString::fromStdString(out.error).contains(expected), out.error.c_str());
}

void TestReaderProcess::statsJob()
{
    // The real reader, asked for the stats pass: the outcome has the stats and
    // no summary, of the job's slice and window; the arguments reach it.
    ReaderJob job;
    job.readerExe = RNNLOSS_READER;
    job.recording = RNNLOSS_SOURCE_DIR "/resources/example.h5";
    job.stats = true;
    job.reduce.threads = 2;
    ReaderProcess p;
    ReaderOutcome out = p.run(job);
    QVERIFY2(out.stats && !out.summary, out.error.c_str());
    QCOMPARE(out.stats->trials, std::int64_t(32));
    QCOMPARE(out.stats->neurons, std::int64_t(64));
    QCOMPARE(out.stats->activation, std::optional(Activation::Relu));
    QVERIFY(out.stats->choices);
    QCOMPARE(out.stats->choices->window, (StepWindow{70, 100})); // where the targets are not zero
    job.responseWindow = "80:90";
    job.trials = "0:10";
    job.neurons = "5:";
    out = p.run(job);
    QVERIFY2(out.stats, out.error.c_str());
    QCOMPARE(out.stats->trials, std::int64_t(10));
    QCOMPARE(out.stats->neurons, std::int64_t(59));
    QCOMPARE(out.stats->choices->window, (StepWindow{80, 90}));
    // A window that does not fit is the reader's error, naming the file.
    job.responseWindow = "90:101";
    out = p.run(job);
    QVERIFY(!out.stats && !out.summary);
    QVERIFY2(out.error.find("example.h5: response window") != std::string::npos, out.error.c_str());

    // statsJob: the pass over exactly what a summary covers, however it was
    // chosen (here a trial label and a neuron range).
    ReaderJob read;
    read.readerExe = RNNLOSS_READER;
    read.recording = job.recording;
    read.trialLabel = "choice A";
    read.neurons = "3:9";
    const ReaderOutcome shown = p.run(read);
    QVERIFY2(shown.summary && shown.summary->slice, shown.error.c_str());
    const ReaderJob sj = rnnloss::statsJob(read, *shown.summary, "");
    QVERIFY(sj.stats && !sj.trialLabel && sj.neurons == "3:9" && sj.steps == "0:100");
    out = p.run(sj);
    QVERIFY2(out.stats, out.error.c_str());
    QCOMPARE(out.stats->trials, std::int64_t(shown.summary->slice->trials.size()));
    QCOMPARE(out.stats->neurons, std::int64_t(6));
    QVERIFY(statsMismatch(*shown.summary, *out.stats).empty());
    // A whole recording's summary asks for the whole recording.
    read.trialLabel.reset();
    read.neurons.clear();
    const ReaderOutcome whole = p.run(read);
    QVERIFY(whole.summary && !whole.summary->slice);
    const ReaderJob wj = rnnloss::statsJob(read, *whole.summary, "70:80");
    QVERIFY(wj.trials.empty() && wj.steps.empty() && wj.neurons.empty());
    QCOMPARE(wj.responseWindow, std::string("70:80"));
}

QTEST_GUILESS_MAIN(TestReaderProcess)
#include "test_readerprocess.moc"
