// io::readNetwork (engine/io/reader_network.cpp) on makefixtures' network
// recordings: the network and arrays it returns against the values the
// fixtures were written from (fx::net in tests/fixtures/fixturedata.h, rounded
// to the stored type), the weights file's biases, the slice, slabs of any
// size, progress and cancel, and the in-memory path the fuzzer takes. The
// refusals are in test_grad_cli (through the CLI).

#include "reader.h"

#include <QFile>
#include <QtTest>

#include <cmath>

#include "fixtures/fixturedata.h"

using namespace rnnloss;

namespace {

QString fixture(const char* name)
{
    return QStringLiteral(RNNLOSS_FIXTURE_DIR "/") + name;
}

io::NetworkRead readNet(const char* file, const char* weights = nullptr,
                        std::size_t slabBytes = std::size_t(64) << 20,
                        const io::ProgressFn& progress = {})
{
    io::ReadRequest r;
    r.recording = fixture(file).toStdString();
    if (weights)
        r.weights = fixture(weights).toStdString();
    r.slabBytes = slabBytes;
    return io::readNetwork(r, progress);
}

/// The fixture's object as stored in `bits`-bit floats, row-major.
std::vector<double> stored(int obj, int rows, int cols, int bits)
{
    std::vector<double> v = fx::net::values(obj, rows, cols);
    for (double& x : v)
        x = fx::roundTo(x, bits);
    return v;
}

template <class M> std::vector<double> flat(const M& m)
{
    return std::vector<double>(m.data(), m.data() + m.size());
}

template <class T> std::vector<double> asDoubles(const io::RealData& d)
{
    const auto& v = std::get<std::vector<T>>(d);
    return std::vector<double>(v.begin(), v.end());
}

} // namespace

class TestReaderNetwork : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void tanhWithEverything();
    void stateDictFloat32();
    void noBiasesNoInitState();
    void biasesFromTheWeightsFile();
    void sliceAndSlabs();
    void progressAndCancel();
    void inMemoryImage();
};

void TestReaderNetwork::initTestCase()
{
    QVERIFY2(QFile::exists(fixture("net_tanh.h5")), "run makefixtures first");
}

void TestReaderNetwork::tanhWithEverything()
{
    const io::NetworkRead r = readNet("net_tanh.h5");
    QVERIFY2(r.network, r.error.c_str());
    const Network& n = *r.network;
    QCOMPARE(n.activation, Activation::Tanh);
    QVERIFY(std::abs(n.alpha - 0.2) < 1e-15); // "0.02 s" / "100 ms"
    using namespace fx::net;
    QCOMPARE(flat(n.wIn), stored(WInNet, fx::NHID, fx::NIN, 64));
    QCOMPARE(flat(n.wHid), stored(WHidNet, fx::NHID, fx::NHID, 64));
    QCOMPARE(flat(n.wOut), stored(WOutNet, fx::NOUT, fx::NHID, 64));
    QCOMPARE(flat(n.bIn), stored(BIn, fx::NHID, 1, 64));
    QCOMPARE(flat(n.bHid), stored(BHid, fx::NHID, 1, 64));
    QCOMPARE(flat(n.bOut), stored(BOut, fx::NOUT, 1, 64));
    QCOMPARE(n.initState.rows(), Eigen::Index(fx::B));
    QCOMPARE(flat(n.initState), stored(Init, fx::B, fx::NHID, 64));
    QCOMPARE(asDoubles<double>(r.inputs), fx::values(fx::Inputs, 64));
    QCOMPARE(asDoubles<double>(r.targets), fx::values(fx::Targets, 64));
    QCOMPARE(std::get<std::vector<double>>(r.states).size(), std::size_t(fx::B * fx::T * fx::NHID));
    QVERIFY(!r.slice);
    // What the CLI and the app name it by and start from.
    QCOMPARE(r.recording.label, std::string("net tanh"));
    QCOMPARE(r.recording.trainingLambdas[0], std::optional<double>(fx::kLambdas[0]));
    QVERIFY(r.recording.shape == (Shape{fx::B, fx::T, fx::NIN, fx::NHID, fx::NOUT}));
    const GradientInput in = r.gradientInput();
    QVERIFY(in.shape == r.recording.shape);
    QCOMPARE(std::get<std::span<const double>>(in.states).size(),
             std::size_t(fx::B * fx::T * fx::NHID));
}

void TestReaderNetwork::stateDictFloat32()
{
    const io::NetworkRead r = readNet("net_statedict.h5");
    QVERIFY2(r.network, r.error.c_str());
    const Network& n = *r.network;
    QCOMPARE(n.activation, Activation::Relu);
    QCOMPARE(n.alpha, 0.25);
    using namespace fx::net;
    QCOMPARE(flat(n.wHid), stored(WHidNet, fx::NHID, fx::NHID, 32));
    QCOMPARE(flat(n.bOut), stored(BOut, fx::NOUT, 1, 32));
    QCOMPARE(n.initState.rows(), Eigen::Index(1)); // (N_hid): every trial's
    QCOMPARE(flat(n.initState), stored(Init, 1, fx::NHID, 32));
    // Kept in their stored precision.
    QVERIFY(std::holds_alternative<std::vector<float>>(r.inputs));
    QCOMPARE(asDoubles<float>(r.inputs), fx::values(fx::Inputs, 32));
}

void TestReaderNetwork::noBiasesNoInitState()
{
    const io::NetworkRead r = readNet("net_notargets.h5");
    QVERIFY2(r.network, r.error.c_str());
    QCOMPARE(r.network->bIn.size(), Eigen::Index(0));
    QCOMPARE(r.network->bOut.size(), Eigen::Index(0));
    QCOMPARE(r.network->initState.size(), Eigen::Index(0));
    QCOMPARE(r.network->activation, Activation::Sigmoid);
    QVERIFY(std::get<std::vector<double>>(r.targets).empty());
}

void TestReaderNetwork::biasesFromTheWeightsFile()
{
    // net_tanh's data with net_statedict's float32 weights and biases.
    const io::NetworkRead r = readNet("net_tanh.h5", "net_statedict.h5");
    QVERIFY2(r.network, r.error.c_str());
    using namespace fx::net;
    QCOMPARE(flat(r.network->bHid), stored(BHid, fx::NHID, 1, 32));
    QCOMPARE(flat(r.network->wIn), stored(WInNet, fx::NHID, fx::NIN, 32));
    QCOMPARE(flat(r.network->initState), stored(Init, fx::B, fx::NHID, 64)); // the recording's
    QCOMPARE(r.network->activation, Activation::Tanh);                       // the recording's
}

void TestReaderNetwork::sliceAndSlabs()
{
    io::ReadRequest req;
    req.recording = fixture("net_tanh.h5").toStdString();
    req.slabBytes = 1; // one trial per slab
    req.slice = [](const Summary& whole, std::string&) {
        Slice s = wholeSlice(whole.shape);
        s.trials = {0, 2};
        return std::optional(s);
    };
    const io::NetworkRead r = io::readNetwork(req);
    QVERIFY2(r.network, r.error.c_str());
    QVERIFY(r.slice);
    QCOMPARE(r.slice->trials, (std::vector<std::int64_t>{0, 2}));
    // Sliced or not, the arrays are whole: the simulation runs every trial asked.
    QCOMPARE(asDoubles<double>(r.inputs), fx::values(fx::Inputs, 64));
    req.slice = [](const Summary&, std::string& error) {
        error = "no such label";
        return std::optional<Slice>();
    };
    const io::NetworkRead bad = io::readNetwork(req);
    QVERIFY(!bad.network);
    QVERIFY2(bad.error.find("net_tanh.h5: no such label") != std::string::npos, bad.error.c_str());
}

void TestReaderNetwork::progressAndCancel()
{
    std::vector<std::string> stages;
    double last = -1.0;
    bool monotone = true;
    const io::NetworkRead r =
        readNet("net_tanh.h5", nullptr, 1, [&](double f, const std::string& s) {
            monotone = monotone && f >= last && f <= 1.0;
            last = f;
            stages.push_back(s);
            return true;
        });
    QVERIFY2(r.network, r.error.c_str());
    QVERIFY(monotone);
    QCOMPARE(last, 1.0);
    QVERIFY(std::find(stages.begin(), stages.end(), "states") != stages.end());
    int calls = 0;
    const io::NetworkRead cancelled =
        readNet("net_tanh.h5", nullptr, 1, [&](double, const std::string&) { return ++calls < 3; });
    QVERIFY(!cancelled.network);
    QVERIFY2(cancelled.error.find("cancelled") != std::string::npos, cancelled.error.c_str());
}

void TestReaderNetwork::inMemoryImage()
{
    QFile f(fixture("net_statedict.h5"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    io::ReadRequest req;
    req.recording = "image.h5";
    req.recordingImage = {reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                          std::size_t(bytes.size())};
    const io::NetworkRead r = io::readNetwork(req);
    QVERIFY2(r.network, r.error.c_str());
    QCOMPARE(r.network->alpha, 0.25);
    // Cut short, it is refused naming the name it was given.
    req.recordingImage = req.recordingImage.first(req.recordingImage.size() / 2);
    const io::NetworkRead cut = io::readNetwork(req);
    QVERIFY(!cut.network);
    QVERIFY2(cut.error.rfind("image.h5", 0) == 0, cut.error.c_str());
}

QTEST_GUILESS_MAIN(TestReaderNetwork)
#include "test_reader_network.moc"
