// The process boundary against readers that misbehave: one that hangs (the
// watchdog), one that writes garbage, one that crashes mid-stream, one that
// exits without a result, one that cannot be executed, and a cancel from
// another thread; the memory limit reaching the reader. Fake readers are shell
// scripts written at test time; the real reader is covered by test_cli and
// test_gui (and here, for its memory limit).

#include "readerprocess.h"

#include <QDir>
#include <QFileInfo>
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
    void limitsReachTheReader();

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

QTEST_GUILESS_MAIN(TestReaderProcess)
#include "test_readerprocess.moc"
