// The process boundary against readers that misbehave: one that hangs (the
// watchdog), one that writes garbage, one that crashes mid-stream, one that
// exits without a result, one that cannot be executed, and a cancel from
// another thread. Fake readers are shell scripts written at test time; the
// real reader is covered by test_cli and test_gui.

#include "popreport.h"
#include "readerprocess.h"
#include "statsjob.h"

#include <QtTest>

#include <cerrno>
#include <chrono>
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
    void statsJob();

private:
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
    QTest::newRow("exits 0 without a result") << QByteArray("exit 0")
                                              << "the reader failed (exit code 0)";
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
