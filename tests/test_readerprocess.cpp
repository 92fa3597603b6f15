// The process boundary against readers that misbehave: one that hangs (the
// watchdog), one that writes garbage, one that crashes mid-stream, one that
// exits without a result, one that cannot be executed, and a cancel from
// another thread. Fake readers are shell scripts written at test time; the
// real reader is covered by test_cli and test_gui.

#include "readerprocess.h"

#include <QtTest>

#include <chrono>
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

private:
    QString script(const QString& name, const QByteArray& body);
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
    f.write("#!/bin/sh\n" + body + "\n");
    f.close();
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return path;
}

void TestReaderProcess::misbehavingReader_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("expected");
    // Says nothing and never ends: the watchdog (1 s here) stops it.
    QTest::newRow("hangs") << QByteArray("exec sleep 60")
                           << "the reader stopped responding (no progress for 1";
    // Progress first, then silence: the watchdog is on progress, not total time.
    QTest::newRow("hangs after output") << QByteArray("echo 'reading' >&2; exec sleep 60")
                                        << "the reader stopped responding";
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
    ReaderJob job;
    job.readerExe = script(QTest::currentDataTag() + QStringLiteral(".sh").replace(' ', '_'), body)
                        .toStdString();
    QVERIFY(!job.readerExe.empty());
    job.recording = "/data/some recording.h5";
    job.watchdogMs = 1000;
    ReaderProcess p;
    const auto t0 = std::chrono::steady_clock::now();
    const ReaderOutcome out = p.run(job);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    QVERIFY(!out.summary);
    QVERIFY(!out.cancelled);
    const QString err = QString::fromStdString(out.error);
    QVERIFY2(err.startsWith("some recording.h5: ") || err.contains("/data/some recording.h5"),
             qPrintable(err));
    QVERIFY2(err.contains(expected), qPrintable(err));
    // A hung reader is killed, not waited for (it would sleep 60 s).
    QVERIFY2(s < 30.0, qPrintable(QString::number(s)));

    // The same object runs again afterwards (nothing left armed or open).
    job.readerExe = script("ok_then.sh", "exit 4").toStdString();
    QVERIFY(QString::fromStdString(p.run(job).error).contains("exit code 4"));
}

void TestReaderProcess::cancelFromAnotherThread()
{
    ReaderJob job;
    job.readerExe = script("slow.sh", "exec sleep 60").toStdString();
    job.recording = "slow.h5";
    job.watchdogMs = 60000;
    ReaderProcess p;
    std::thread canceller([&p] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        p.cancel();
    });
    const auto t0 = std::chrono::steady_clock::now();
    const ReaderOutcome out = p.run(job);
    canceller.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    QVERIFY(out.cancelled);
    QVERIFY(!out.summary);
    QVERIFY2(QString::fromStdString(out.error).contains("cancelled"), out.error.c_str());
    QVERIFY2(s < 30.0, qPrintable(QString::number(s)));
}

QTEST_GUILESS_MAIN(TestReaderProcess)
#include "test_readerprocess.moc"
