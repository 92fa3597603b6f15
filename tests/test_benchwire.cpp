// The requests rnnloss-bench sends to `rnnloss-reader --bench-helper`
// (app/common/benchhelperwire.h): a round trip of a request made by hand,
// every truncation, a count off the wire that would allocate far more than
// the message holds, the codes out of range, and the framing over a real
// pipe. The helper trusts its parent, but a malformed request is refused
// with a message, never read past and never sized from an unchecked count.

#include "benchhelperwire.h"
#include "newtracker.h"

#include <QtTest>

#include <cstring>
#include <unistd.h>

using namespace rnnloss;
using namespace rnnloss::benchwire;

namespace {

using Bytes = std::vector<std::uint8_t>;

/// A write request with every field set to a value chosen here.
Request handMade()
{
    Request q;
    q.op = Op::Write;
    q.path = "/tmp/x.h5";
    q.chunkTrials = 3;
    q.step = 250.0;
    Network n;
    n.wIn = WeightMatrix{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}; // 3 x 2
    n.wHid = WeightMatrix::Identity(3, 3) * 0.5;
    n.wOut = WeightMatrix{{-1.0, 0.0, 1.0}};
    n.bHid = Eigen::Vector3d(0.1, 0.2, 0.3);
    n.activation = Activation::Retanh;
    n.alpha = 0.2;
    n.initState = WeightMatrix{{7.0, 8.0, 9.0}};
    q.network = n;
    q.recording.shape = {2, 1, 2, 3, 1};
    q.recording.outputs = {0.5, -0.5};
    q.recording.targets = {1.0, 0.0};
    q.recording.states = {1, 2, 3, 4, 5, 6};
    q.recording.wHid = {9.0};
    q.recording.trainingLambdas[2] = 1e-3;
    q.dataset = "states";
    q.slabBytes = 12345;
    q.threads = 4;
    q.generator = "test";
    return q;
}

/// The byte offset of the first array count (outputs) in a request without a
/// network whose path has `pathLength` bytes: magic, op, path, chunk trials,
/// step flag and value, network flag, the five extents.
std::size_t outputsCountAt(std::size_t pathLength)
{
    return 4 + 1 + 4 + pathLength + 8 + 1 + 8 + 1 + 5 * 8;
}

} // namespace

class TestBenchWire : public QObject
{
    Q_OBJECT
private slots:
    void roundTrip()
    {
        const Request q = decodeRequest(encodeRequest(handMade()));
        QCOMPARE(q.op, Op::Write);
        QCOMPARE(q.path, std::string("/tmp/x.h5"));
        QCOMPARE(q.chunkTrials, std::int64_t(3));
        QVERIFY(q.step && *q.step == 250.0);
        QVERIFY(q.network.has_value());
        const Network& n = *q.network;
        QCOMPARE(n.wIn.rows(), Eigen::Index(3));
        QCOMPARE(n.wIn.cols(), Eigen::Index(2));
        QCOMPARE(n.wIn(2, 1), 6.0); // row-major order kept
        QCOMPARE(n.wIn(1, 0), 3.0);
        QCOMPARE(n.wHid(1, 1), 0.5);
        QCOMPARE(n.wHid(0, 1), 0.0);
        QCOMPARE(n.wOut(0, 2), 1.0);
        QCOMPARE(n.bIn.size(), Eigen::Index(0)); // absent bias stays absent
        QCOMPARE(n.bHid(2), 0.3);
        QCOMPARE(n.activation, Activation::Retanh);
        QCOMPARE(n.alpha, 0.2);
        QCOMPARE(n.initState(0, 1), 8.0);
        QCOMPARE(q.recording.shape, (Shape{2, 1, 2, 3, 1}));
        QCOMPARE(q.recording.outputs, (std::vector<double>{0.5, -0.5}));
        QCOMPARE(q.recording.states, (std::vector<double>{1, 2, 3, 4, 5, 6}));
        QVERIFY(q.recording.inputs.empty());
        QCOMPARE(q.recording.wHid, std::vector<double>{9.0});
        QVERIFY(!q.recording.trainingLambdas[0]);
        QVERIFY(q.recording.trainingLambdas[2] && *q.recording.trainingLambdas[2] == 1e-3);
        QCOMPARE(q.dataset, std::string("states"));
        QCOMPARE(q.slabBytes, std::uint64_t(12345));
        QCOMPARE(q.threads, 4);
        QCOMPARE(q.generator, std::string("test"));
        const Answer a = decodeAnswer(encodeAnswer({"x.h5: no such file", 2.5}));
        QCOMPARE(a.error, std::string("x.h5: no such file"));
        QCOMPARE(a.value, 2.5);
    }

    void everyTruncationIsRefused()
    {
        const Bytes whole = encodeRequest(handMade());
        g_largestNew = 0;
        for (std::size_t n = 0; n < whole.size(); ++n) {
            const Bytes part(whole.begin(), whole.begin() + std::ptrdiff_t(n));
            bool refused = false;
            try {
                decodeRequest(part);
            } catch (const std::runtime_error&) {
                refused = true;
            }
            QVERIFY2(refused, qPrintable(QString("a request cut at %1 bytes was accepted").arg(n)));
        }
        QVERIFY(g_largestNew < whole.size() + 1024);
        Bytes longer = whole;
        longer.push_back(0);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, decodeRequest(longer));
    }

    void hugeCountIsRefusedBeforeItsAllocation()
    {
        Request q;
        q.op = Op::ReadRaw;
        q.path = "p";
        q.recording.outputs = {1.0, 2.0};
        Bytes b = encodeRequest(q);
        const std::size_t at = outputsCountAt(1);
        std::uint64_t count = 0;
        std::memcpy(&count, b.data() + at, 8);
        QCOMPARE(count, std::uint64_t(2)); // the offset is the outputs' count
        count = std::uint64_t(1) << 60;
        std::memcpy(b.data() + at, &count, 8);
        g_largestNew = 0;
        try {
            decodeRequest(b);
            QFAIL("a count of 2^60 values was accepted");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::strstr(e.what(), "ends early"), e.what());
        }
        QVERIFY2(g_largestNew < 4096, qPrintable(QString::number(g_largestNew)));
    }

    void codesOutOfRange()
    {
        Bytes b = encodeRequest(handMade());
        b[0] ^= 0xff;
        try {
            decodeRequest(b);
            QFAIL("a wrong magic was accepted");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::strstr(e.what(), "magic"), e.what());
        }
        b = encodeRequest(handMade());
        b[4] = 99; // the op
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, decodeRequest(b));
    }

    void framingOverAPipe()
    {
        int fds[2];
        QVERIFY(::pipe(fds) == 0);
        const Bytes msg = {1, 2, 3, 4, 5};
        QVERIFY(sendMessage(fds[1], msg));
        QVERIFY(sendMessage(fds[1], Bytes(100, 7)));
        auto got = receiveMessage(fds[0], 16);
        QVERIFY(got && *got == msg);
        QVERIFY(!receiveMessage(fds[0], 16)); // announces 100 bytes, more than allowed
        // A message cut short by the writer's end: no message.
        const std::uint8_t head[8] = {10, 0, 0, 0, 0, 0, 0, 0};
        QVERIFY(::write(fds[1], head, 8) == 8);
        QVERIFY(::write(fds[1], "abc", 3) == 3);
        ::close(fds[1]);
        QVERIFY(!receiveMessage(fds[0], 16));
        int rest[2];
        QVERIFY(::pipe(rest) == 0);
        ::close(rest[1]);
        QVERIFY(!receiveMessage(rest[0], 16)); // end of file
        ::close(rest[0]);
        ::close(fds[0]);
    }
};

QTEST_APPLESS_MAIN(TestBenchWire)
#include "test_benchwire.moc"
