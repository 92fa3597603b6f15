// Runs (issue 16) without a window: a recording's run (its `run` attribute,
// else its folder), the grouping of a hand-made set into runs and their
// checkpoints' order, the natural order of run names, the files a folder
// stands for (recursively, a summary beside its recording not listed apart),
// and the run through a summary file. Every expectation is written out by
// hand from the set the test makes.

#include "recordingfiles.h"
#include "runs.h"
#include "sidecar.h"
#include "summaryfiles.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

using namespace rnnloss;

namespace {

Summary checkpoint(std::optional<double> step, std::optional<double> epoch = {},
                   const char* run = nullptr)
{
    Summary s;
    s.step = step;
    s.epoch = epoch;
    if (run)
        s.run = run;
    return s;
}

bool touch(const QString& path)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write("x") == 1;
}

std::vector<std::string> relative(const std::vector<std::string>& files, const QString& root)
{
    std::vector<std::string> out;
    for (const std::string& f : files)
        out.push_back(QDir(root).relativeFilePath(QString::fromStdString(f)).toStdString());
    return out;
}

} // namespace

class TestRuns : public QObject
{
    Q_OBJECT

private slots:
    void runIsAttributeElseFolder();
    void naturalOrder_data();
    void naturalOrder();
    void groupsHandMadeSet();
    void folderFiles();
    void summaryFileCarriesRun();
};

void TestRuns::runIsAttributeElseFolder()
{
    QCOMPARE(runOf(checkpoint(1), "/data/sweep/fr0.1-seed2/ckpt_100.h5"),
             std::string("fr0.1-seed2"));
    QCOMPARE(runOf(checkpoint(1, {}, "named"), "/data/sweep/fr0.1-seed2/ckpt_100.h5"),
             std::string("named"));
    // An empty attribute counts as none.
    QCOMPARE(runOf(checkpoint(1, {}, ""), "/a/b/c.h5"), std::string("b"));
    QCOMPARE(runOf(checkpoint(1), "/a/./b//c.h5"), std::string("b"));
    QCOMPARE(runOf(checkpoint(1), "/a/b/../c/d.h5"), std::string("c"));
    // A summary file's run is its folder's, as its recording's would be.
    QCOMPARE(runOf(checkpoint(1), "/out/data/run3/ckpt.h5.rnnsum"), std::string("run3"));
    // Relative paths: from the working folder.
    QTemporaryDir dir;
    QVERIFY(QDir().mkpath(dir.filePath("here/sub")));
    const QByteArray old = QDir::currentPath().toLocal8Bit();
    QVERIFY(::chdir(QFile::encodeName(dir.filePath("here")).constData()) == 0);
    const std::string bare = runOf(checkpoint(1), "ckpt.h5");
    const std::string sub = runOf(checkpoint(1), "sub/ckpt.h5");
    const std::string up = runOf(checkpoint(1), "../x.h5");
    QVERIFY(::chdir(old.constData()) == 0);
    QCOMPARE(bare, std::string("here"));
    QCOMPARE(sub, std::string("sub"));
    QCOMPARE(up, QFileInfo(dir.path()).fileName().toStdString());
}

void TestRuns::naturalOrder_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::newRow("numbers by value") << "run2"
                                      << "run10";
    QTest::newRow("digits before letters") << "run2"
                                           << "runA";
    QTest::newRow("prefix first") << "run"
                                  << "run1";
    QTest::newRow("in the middle") << "fr0.01-seed2"
                                   << "fr0.01-seed11";
    QTest::newRow("leading zeros: equal value, bytewise") << "s007"
                                                          << "s7";
    QTest::newRow("bytewise otherwise") << "Zeta"
                                        << "alpha";
}

void TestRuns::naturalOrder()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    QVERIFY(naturalLess(a.toStdString(), b.toStdString()));
    QVERIFY(!naturalLess(b.toStdString(), a.toStdString()));
    QVERIFY(!naturalLess(a.toStdString(), a.toStdString()));
}

void TestRuns::groupsHandMadeSet()
{
    // Seven recordings, given out of order; the expected runs written out by hand.
    const std::vector<Summary> s = {
        checkpoint(300),             // 0 /s/runB/c3.h5
        checkpoint(20),              // 1 /s/runA/c1.h5
        checkpoint(5, {}, "seed 2"), // 2 /s/run10/x.h5: the attribute wins
        checkpoint(10),              // 3 /s/runA/c0.h5
        checkpoint({}, 3.0),         // 4 /s/run2/y.h5: by epoch
        checkpoint({}, 1.0),         // 5 /s/run2/z.h5
        checkpoint(15, {}, "runA"),  // 6 /s/other/k.h5: joins runA by its attribute
        checkpoint({}),              // 7 /s/runA/nostep.h5: last in its run
    };
    const char* paths[] = {"/s/runB/c3.h5", "/s/runA/c1.h5", "/s/run10/x.h5", "/s/runA/c0.h5",
                           "/s/run2/y.h5",  "/s/run2/z.h5",  "/s/other/k.h5", "/s/runA/nostep.h5"};
    std::vector<RunMember> members;
    for (std::size_t i = 0; i < s.size(); ++i)
        members.push_back({&s[i], paths[i]});
    const std::vector<Run> runs = groupRuns(members);
    QCOMPARE(runs.size(), std::size_t(4));
    QCOMPARE(runs[0].name, std::string("run2"));
    QCOMPARE(runs[0].checkpoints, (std::vector<std::size_t>{5, 4}));
    QCOMPARE(runs[1].name, std::string("runA"));
    QCOMPARE(runs[1].checkpoints, (std::vector<std::size_t>{3, 6, 1, 7}));
    QCOMPARE(runs[2].name, std::string("runB"));
    QCOMPARE(runs[2].checkpoints, (std::vector<std::size_t>{0}));
    QCOMPARE(runs[3].name, std::string("seed 2"));
    QCOMPARE(runs[3].checkpoints, (std::vector<std::size_t>{2}));
    QVERIFY(groupRuns(std::span<const RunMember>{}).empty());
}

void TestRuns::folderFiles()
{
    QTemporaryDir dir;
    const QString root = dir.path();
    for (const char* f : {"run10/a.h5", "run2/b.h5", "run2/b.h5.rnnsum", "run2/c.hdf5",
                          "sums/d.h5.rnnsum", "notes.txt", "run2/deeper/e.h5", "x.h5.tmp"})
        QVERIFY(touch(dir.filePath(f)));
    // A link back up is not followed: no cycle, no duplicate.
    QVERIFY(QFile::link(root, dir.filePath("run2/loop")));
    const FolderFiles got = filesUnder(root.toStdString());
    QVERIFY2(got.errors.empty(), got.errors.empty() ? "" : got.errors.front().c_str());
    const std::vector<std::string> want = {"run2/b.h5", "run2/c.hdf5", "run2/deeper/e.h5",
                                           "run10/a.h5", "sums/d.h5.rnnsum"};
    QCOMPARE(relative(got.files, root), want);

    // Files stay as given, folders expand in place.
    const FolderFiles mixed = expandFolders({dir.filePath("x.h5.tmp").toStdString(),
                                             dir.filePath("run10").toStdString(), "missing.h5"});
    QCOMPARE(mixed.files.size(), std::size_t(3));
    QCOMPARE(relative({mixed.files[0], mixed.files[1]}, root),
             (std::vector<std::string>{"x.h5.tmp", "run10/a.h5"}));
    QCOMPARE(mixed.files[2], std::string("missing.h5"));

    // A folder that cannot be listed is named; the others are still found.
    if (::geteuid() != 0) {
        QVERIFY(QDir().mkpath(dir.filePath("locked/in")));
        QVERIFY(touch(dir.filePath("locked/in/g.h5")));
        QFile::setPermissions(dir.filePath("locked"), QFileDevice::WriteOwner);
        const FolderFiles partial = filesUnder(root.toStdString());
        QFile::setPermissions(dir.filePath("locked"), QFileDevice::ReadOwner |
                                                          QFileDevice::WriteOwner |
                                                          QFileDevice::ExeOwner);
        QCOMPARE(partial.files.size(), want.size());
        QCOMPARE(partial.errors.size(), std::size_t(1));
        QVERIFY2(partial.errors[0].find("locked: cannot list") != std::string::npos,
                 partial.errors[0].c_str());
    }
    const FolderFiles none = filesUnder(dir.filePath("nowhere").toStdString());
    QVERIFY(none.files.empty());
    QCOMPARE(none.errors.size(), std::size_t(1));
    QVERIFY(none.errors[0].find("nowhere: cannot list") != std::string::npos);
}

void TestRuns::summaryFileCarriesRun()
{
    Summary s;
    s.label = "checkpoint 7";
    s.step = 700;
    s.run = "fr0.01-seed3";
    const FileStamp stamp{1234, 5678};
    const std::vector<std::uint8_t> bytes =
        summaryFileBytes(s, "/data/run/ckpt.h5", stamp, true, "test");
    const SidecarDecodeResult d = decodeSidecar(bytes, "ckpt.h5.rnnsum");
    QVERIFY2(d.value, d.error.c_str());
    QCOMPARE(d.value->summary.run.value_or("(none)"), std::string("fr0.01-seed3"));
    QCOMPARE(d.value->summary.step, std::optional<double>(700));
    // The run is part of the recording's metadata: another run, another fingerprint;
    // none at all, the fingerprint of a summary that never had the field.
    Summary other = s;
    other.run = "fr0.01-seed4";
    Summary none = s;
    none.run.reset();
    QVERIFY(metadataFingerprint(other) != metadataFingerprint(s));
    QVERIFY(metadataFingerprint(none) != metadataFingerprint(s));
    QCOMPARE(d.value->header.fingerprint, metadataFingerprint(s));
}

QTEST_GUILESS_MAIN(TestRuns)
#include "test_runs.moc"
