// `rnnloss grad`, run as a user runs it (QProcess), end to end through the
// reader process, against references that share no code with the engine:
// - nn4n's CTRNN and PyTorch autograd (tests/data/gradient/reference.json),
//   each case written here into a recording with the HDF5 C API;
// - central finite differences of a brute-force simulation of the network
//   (tests/bruteforcenet.h) on makefixtures' network fixtures, whose values
//   this test reads back itself with HDF5;
// and the replay warning, the refusals of malformed network objects (exit 2,
// one "error:" line naming the file and the object), several recordings; and
// grad answered from a summary file (summarize --gradients) against the same
// command on the recording and against nn4n/autograd.

#include "bruteforcenet.h"
#include "gradientref.h"

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
#include <cstdlib>

using namespace rnnloss;
using namespace bruteforcenet;
using namespace gradientref;

Q_DECLARE_METATYPE(rnnloss::TermArray)

namespace {

const QString kCli = QStringLiteral(RNNLOSS_CLI);
const QString kFixtures = QStringLiteral(RNNLOSS_FIXTURE_DIR);

struct Run
{
    int exitCode = -1;
    bool crashed = true;
    QByteArray out, err;
    QString describe() const
    {
        return QString("exit %1%2\nstdout: %3\nstderr: %4")
            .arg(exitCode)
            .arg(crashed ? " (crashed or timed out)" : "")
            .arg(QString::fromUtf8(out.left(3000)), QString::fromUtf8(err.left(3000)));
    }
};

Run runCli(const QStringList& args)
{
    QProcess p;
    p.start(kCli, args);
    Run r;
    if (!p.waitForStarted(10000))
        return r;
    p.closeWriteChannel();
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished(5000);
        return r;
    }
    r.crashed = p.exitStatus() != QProcess::NormalExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QList<QJsonObject> jsonLines(const QByteArray& out)
{
    QList<QJsonObject> objects;
    for (const QByteArray& line : out.split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        QJsonParseError e;
        const QJsonDocument d = QJsonDocument::fromJson(line, &e);
        if (e.error != QJsonParseError::NoError || !d.isObject())
            return {};
        objects.push_back(d.object());
    }
    return objects;
}

// ---- HDF5, written and read here without the reader ------------------------------

/// Reads whole datasets and root attributes of an existing file.
class H5Reader
{
public:
    explicit H5Reader(const QString& path)
        : m_file(H5Fopen(QFile::encodeName(path).constData(), H5F_ACC_RDONLY, H5P_DEFAULT))
    {
    }
    ~H5Reader()
    {
        if (m_file >= 0)
            H5Fclose(m_file);
    }
    bool has(const char* path) const { return H5Lexists(m_file, path, H5P_DEFAULT) > 0; }
    /// The values as double, and the dimensions.
    std::vector<double> data(const char* path, std::vector<hsize_t>* dims = nullptr) const
    {
        const hid_t d = H5Dopen2(m_file, path, H5P_DEFAULT);
        const hid_t sp = H5Dget_space(d);
        std::vector<hsize_t> ext(H5Sget_simple_extent_ndims(sp));
        H5Sget_simple_extent_dims(sp, ext.data(), nullptr);
        std::vector<double> v(H5Sget_simple_extent_npoints(sp));
        H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
        H5Sclose(sp);
        H5Dclose(d);
        if (dims)
            *dims = ext;
        return v;
    }
    bool isText(const char* name) const
    {
        const hid_t a = H5Aopen(m_file, name, H5P_DEFAULT);
        const hid_t t = H5Aget_type(a);
        const bool text = H5Tget_class(t) == H5T_STRING;
        H5Tclose(t);
        H5Aclose(a);
        return text;
    }
    double number(const char* name) const
    {
        double v = NAN;
        const hid_t a = H5Aopen(m_file, name, H5P_DEFAULT);
        H5Aread(a, H5T_NATIVE_DOUBLE, &v);
        H5Aclose(a);
        return v;
    }
    std::string text(const char* name) const
    {
        const hid_t a = H5Aopen(m_file, name, H5P_DEFAULT);
        const hid_t t = H5Aget_type(a);
        std::string s(H5Tget_size(t), '\0');
        H5Aread(a, t, s.data());
        H5Tclose(t);
        H5Aclose(a);
        return s.c_str();
    }
    bool hasAttr(const char* name) const { return H5Aexists(m_file, name) > 0; }

private:
    hid_t m_file;
};

/// "100 ms", "0.02 s" or a number attribute, in milliseconds.
double milliseconds(const H5Reader& f, const char* name)
{
    if (!f.isText(name))
        return f.number(name);
    const std::string t = f.text(name);
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    return std::string(end).find(" s") == 0 ? 1000.0 * v : v;
}

WeightMatrix matrix(const std::vector<double>& v, long rows, long cols)
{
    return Eigen::Map<const WeightMatrix>(v.data(), rows, cols);
}

/// A network fixture as this test reads it: the network and its data.
Case readFixture(const QString& path, std::vector<double>* states = nullptr)
{
    const H5Reader f(path);
    Case c;
    std::vector<hsize_t> dIn, dHid, dOut, dU;
    auto pick = [&](const char* v1, const char* dict) { return f.has(v1) ? v1 : dict; };
    const auto wIn = f.data(pick("weights/input", "recurrent_layer.input_layer.weight"), &dIn);
    const auto wHid = f.data(pick("weights/hidden", "recurrent_layer.hidden_layer.weight"), &dHid);
    const auto wOut = f.data(pick("weights/readout", "readout_layer.weight"), &dOut);
    c.inputs = f.data("inputs", &dU);
    if (f.has("targets"))
        c.targets = f.data("targets");
    if (states)
        *states = f.data("states");
    c.shape = {long(dU[0]), long(dU[1]), long(dU[2]), long(dHid[0]), long(dOut[0])};
    Network& n = c.net;
    n.wIn = matrix(wIn, long(dIn[0]), long(dIn[1]));
    n.wHid = matrix(wHid, long(dHid[0]), long(dHid[1]));
    n.wOut = matrix(wOut, long(dOut[0]), long(dOut[1]));
    const std::pair<Eigen::VectorXd*, std::pair<const char*, const char*>> biases[] = {
        {&n.bIn, {"biases/input", "recurrent_layer.input_layer.bias"}},
        {&n.bHid, {"biases/hidden", "recurrent_layer.hidden_layer.bias"}},
        {&n.bOut, {"biases/readout", "readout_layer.bias"}}};
    for (const auto& [slot, names] : biases) {
        const char* p = pick(names.first, names.second);
        if (f.has(p)) {
            const auto v = f.data(p);
            *slot = Eigen::Map<const Eigen::VectorXd>(v.data(), long(v.size()));
        }
    }
    if (f.has("init_state")) {
        std::vector<hsize_t> d;
        const auto v = f.data("init_state", &d);
        n.initState = matrix(v, d.size() == 2 ? long(d[0]) : 1, c.shape.nHid);
    }
    n.activation = *parseActivation(f.text("activation")).value;
    n.alpha =
        f.hasAttr("alpha") ? f.number("alpha") : milliseconds(f, "dt") / milliseconds(f, "tau");
    return c;
}

double frobenius(const std::vector<double>& v)
{
    double s = 0.0;
    for (double x : v)
        s += x * x;
    return std::sqrt(s);
}

double dot(const std::vector<double>& a, const std::vector<double>& b)
{
    double s = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
        s += a[i] * b[i];
    return s;
}

QJsonValue at(const QJsonObject& o, std::initializer_list<QString> path)
{
    QJsonValue v = o;
    for (const QString& k : path)
        v = v.toObject()[k];
    return v;
}

bool close(double got, double want, double rel, double abs)
{
    return std::abs(got - want) <= rel * std::abs(want) + abs;
}

QStringList lambdaArgs(const TermArray& lambdas)
{
    QStringList args;
    for (Term t : kAllTerms)
        args << "--lambda"
             << QString("%1=%2").arg(termKey(t).data()).arg(lambdas[index(t)], 0, 'g', 17);
    return args;
}

QString spec(const QJsonValue& v)
{
    QStringList parts;
    for (const QJsonValue& x : v.toArray())
        parts << QString::number(x.toInteger());
    return parts.join(',');
}

} // namespace

class TestGradCli : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    } // absent paths are asked for
    void nn4nAutogradReference_data();
    void nn4nAutogradReference();
    void bruteForce_data();
    void bruteForce();
    void replayWarning();
    void refusals_data();
    void refusals();
    void severalRecordings();
    void trialLabelIsItsTrials();
    void tableAndUsage();
    void fromSummaryFile_data();
    void fromSummaryFile();
    void summaryWithoutNetwork();

private:
    QTemporaryDir m_dir;
};

void TestGradCli::nn4nAutogradReference_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("convention");
    QTest::addColumn<bool>("stateDict");
    for (const QString& name : referenceCases().keys())
        for (const char* conv : {"nn4n", "spec"})
            for (bool dict : {false, true})
                QTest::addRow("%s/%s/%s", qPrintable(name), conv, dict ? "state_dict" : "v1")
                    << name << QString(conv) << dict;
}

void TestGradCli::nn4nAutogradReference()
{
    QFETCH(QString, name);
    QFETCH(QString, convention);
    QFETCH(bool, stateDict);
    const QJsonObject j = referenceCases()[name].toObject();
    QVERIFY2(!j.isEmpty(), "tests/data/gradient/reference.json is missing or unreadable");
    const QString file = m_dir.filePath(name + (stateDict ? "_dict.h5" : ".h5"));
    QVERIFY(writeReferenceCase(j, file, stateDict));
    // Lambdas of every size, one 0: weighted_grad_norm is lambda x grad_norm, 0 for lambda 0.
    const TermArray lambdas = {0.5, 2.0, 0.0, 0.25, 3.0, 0.125, 1.5};
    QStringList args = {"grad", file, "--json", "--convention", convention};
    args << lambdaArgs(lambdas);
    if (j["slice"].isObject()) {
        const QJsonObject s = j["slice"].toObject();
        args << "--trials" << spec(s["trials"]) << "--steps" << spec(s["steps"]) << "--neurons"
             << spec(s["neurons"]);
    }
    const Run r = runCli(args);
    QVERIFY2(!r.crashed && r.exitCode == 0, qPrintable(r.describe()));
    QVERIFY2(r.err.isEmpty(), qPrintable(r.describe())); // no replay warning: nn4n's own states
    const QList<QJsonObject> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), 1);
    const QJsonObject& out = lines[0];
    QCOMPARE(out.keys(), QStringList({"convention", "cosine", "file", "parameters", "replay_error",
                                      "terms", "total"}));
    QCOMPARE(out["file"].toString(), file);
    QCOMPARE(out["convention"].toString(), convention);
    QVERIFY2(out["replay_error"].toDouble() < 1e-12, qPrintable(r.describe()));
    const QJsonObject shape = j["shape"].toObject();
    QCOMPARE(at(out, {"parameters", "W_in"}).toArray(),
             QJsonArray({shape["n_hid"], shape["n_in"]}));
    QCOMPARE(at(out, {"parameters", "b_out"}).toArray(), QJsonArray({shape["n_out"]}));
    const QJsonObject expected = j["expected"].toObject()[convention].toObject();
    for (Term k : kAllTerms) {
        const QString key(termKey(k).data());
        const QJsonObject want = expected[key].toObject()["grad_norm"].toObject();
        double largest = 0.0;
        for (Param p : kAllParams)
            largest = std::max(largest, want[paramKey(p).data()].toDouble());
        QCOMPARE(at(out, {"terms", key, "lambda"}).toDouble(), lambdas[index(k)]);
        for (Param p : kAllParams) {
            const QString pk(paramKey(p).data());
            const double got = at(out, {"terms", key, "grad_norm", pk}).toDouble();
            const double w = want[pk].toDouble();
            QVERIFY2(close(got, w, 1e-9, 1e-15 * largest),
                     qPrintable(QString("L_%1 d/d%2: %3 vs nn4n %4").arg(key, pk).arg(got).arg(w)));
            const double weighted = at(out, {"terms", key, "weighted_grad_norm", pk}).toDouble();
            QVERIFY(close(weighted, lambdas[index(k)] * w, 1e-9, 1e-15 * largest));
        }
    }
}

void TestGradCli::bruteForce_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("convention");
    QTest::addColumn<QStringList>("slice");
    // The same slice written out (empty: the whole axis).
    QTest::addColumn<QList<int>>("trials");
    QTest::addColumn<QList<int>>("steps");
    QTest::addColumn<QList<int>>("neurons");
    QTest::addColumn<TermArray>("lambdas");
    const TermArray all = {1.0, 0.3, 0.02, 2.0, 0.7, 0.05, 1.5};
    const TermArray noMse = {0.0, 0.3, 0.02, 2.0, 0.7, 0.05, 1.5};
    const QList<int> none;
    for (const char* conv : {"nn4n", "spec"}) {
        // biases, one init_state per trial, tau and dt as text
        QTest::addRow("net_tanh %s", conv)
            << "net_tanh.h5" << conv << QStringList() << none << none << none << all;
        QTest::addRow("net_tanh slice %s", conv)
            << "net_tanh.h5" << conv
            << QStringList({"--trials", "0,2", "--steps", "1:4", "--neurons", "0:4"})
            << QList<int>({0, 2}) << QList<int>({1, 2, 3}) << QList<int>({0, 1, 2, 3}) << all;
        // float32, chunked, state_dict names, alpha, one init_state for all trials
        QTest::addRow("net_statedict %s", conv)
            << "net_statedict.h5" << conv << QStringList() << none << none << none << all;
        // no biases, no init_state, no targets (mse left out)
        QTest::addRow("net_notargets %s", conv)
            << "net_notargets.h5" << conv << QStringList({"--steps", "2:"}) << none
            << QList<int>({2, 3, 4}) << none << noMse;
    }
}

void TestGradCli::bruteForce()
{
    QFETCH(QString, file);
    QFETCH(QString, convention);
    QFETCH(QStringList, slice);
    QFETCH(QList<int>, trials);
    QFETCH(QList<int>, steps);
    QFETCH(QList<int>, neurons);
    QFETCH(TermArray, lambdas);
    const QString path = kFixtures + "/" + file;
    QVERIFY2(QFile::exists(path), "run makefixtures first (ctest -R 'makefixtures|test_grad_cli')");
    const Case c = readFixture(path);
    std::optional<Slice> s;
    if (!slice.isEmpty()) {
        auto indices = [](const QList<int>& given, std::int64_t size) {
            std::vector<std::int64_t> v(given.begin(), given.end());
            if (given.isEmpty())
                for (std::int64_t i = 0; i < size; ++i)
                    v.push_back(i);
            return v;
        };
        s = Slice{c.shape, indices(trials, c.shape.batch), indices(steps, c.shape.time),
                  indices(neurons, c.shape.nHid)};
    }
    const Convention conv = *conventionFromName(convention.toStdString());
    const FdGradients fd = centralDifferences(c, conv, s ? &*s : nullptr, 1e-6);
    const auto values = bruteLoss(c.net, c, conv, s ? &*s : nullptr);

    const Run r = runCli(QStringList({"grad", path, "--json", "--convention", convention}) +
                         lambdaArgs(lambdas) + slice);
    QVERIFY2(!r.crashed && r.exitCode == 0, qPrintable(r.describe()));
    const QList<QJsonObject> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), 1);
    const QJsonObject& out = lines[0];
    int compared = 0;
    for (Param p : kAllParams) {
        const QString pk(paramKey(p).data());
        double largest = 0.0;
        std::vector<double> total;
        for (Term k : kAllTerms) {
            const auto& g = fd[index(k)][index(p)];
            largest = std::max(largest, frobenius(g));
            if (total.empty())
                total.assign(g.size(), 0.0);
            if (lambdas[index(k)] != 0.0)
                for (std::size_t i = 0; i < g.size(); ++i)
                    total[i] += lambdas[index(k)] * g[i];
        }
        for (Term k : kAllTerms) {
            const QString key(termKey(k).data());
            const QJsonValue norm = at(out, {"terms", key, "grad_norm", pk});
            if (!values[index(k)]) { // no term, no gradient: null with its reason
                QVERIFY2(at(out, {"terms", key, "grad_norm"}).isNull(), qPrintable(key));
                QVERIFY(!at(out, {"terms", key, "reason"}).toString().isEmpty());
                continue;
            }
            const double want = frobenius(fd[index(k)][index(p)]);
            QVERIFY2(close(norm.toDouble(), want, 1e-6, 1e-9 * largest),
                     qPrintable(QString("L_%1 d/d%2: %3 vs brute force %4")
                                    .arg(key, pk)
                                    .arg(norm.toDouble())
                                    .arg(want)));
            compared += want > 0.0;
            for (Term l : kAllTerms) {
                const QJsonValue cs = at(out, {"cosine", pk, key, QString(termKey(l).data())});
                const auto& gk = fd[index(k)][index(p)];
                const auto& gl = fd[index(l)][index(p)];
                const double nk = frobenius(gk), nl = values[index(l)] ? frobenius(gl) : 0.0;
                QCOMPARE(cs.isNull(), nk == 0.0 || nl == 0.0);
                if (!cs.isNull())
                    QVERIFY2(std::abs(cs.toDouble() - dot(gk, gl) / (nk * nl)) < 1e-6,
                             qPrintable(pk + " " + key + " " + termKey(l).data()));
            }
        }
        const double wantTotal = frobenius(total);
        const double gotTotal = at(out, {"total", "grad_norm", pk}).toDouble();
        QVERIFY2(close(gotTotal, wantTotal, 1e-6, 1e-9 * largest),
                 qPrintable(QString("total d/d%1: %2 vs %3").arg(pk).arg(gotTotal).arg(wantTotal)));
    }
    // Each rate term depends on W_in, b_in, W_hid, b_hid, mse on all six, each
    // weight term on its matrix.
    QVERIFY2(compared >= (values[index(Term::Mse)] ? 18 : 15),
             qPrintable(QString::number(compared)));
}

void TestGradCli::replayWarning()
{
    // net_noisy.h5's states are its network's trajectory plus up to 0.05.
    std::vector<double> states;
    const Case c = readFixture(kFixtures + "/net_noisy.h5", &states);
    const Sim sim = simulate(c.net, c.inputs, c.shape);
    double worst = 0.0, maxRate = 0.0;
    for (std::size_t i = 0; i < states.size(); ++i) {
        worst = std::max(worst, std::abs(states[i] - sim.r[i]));
        maxRate = std::max(maxRate, std::abs(sim.r[i]));
    }
    QVERIFY(worst > 1e-3 * maxRate);
    const Run noisy = runCli({"grad", kFixtures + "/net_noisy.h5", "--json"});
    QVERIFY2(!noisy.crashed && noisy.exitCode == 0, qPrintable(noisy.describe()));
    const QString err = QString::fromUtf8(noisy.err);
    QVERIFY2(err.startsWith("warning: ") &&
                 err.contains("not this network's noise-free trajectory"),
             qPrintable(noisy.describe()));
    const QList<QJsonObject> lines = jsonLines(noisy.out);
    QCOMPARE(lines.size(), 1);
    QVERIFY(close(lines[0]["replay_error"].toDouble(), worst, 1e-9, 0.0));
    // The gradients are still given.
    QVERIFY(at(lines[0], {"total", "grad_norm", "W_hid"}).toDouble() > 0.0);

    // The noise-free fixture: no warning, the replay error at rounding level.
    const Run clean = runCli({"grad", kFixtures + "/net_tanh.h5", "--json"});
    QVERIFY2(!clean.crashed && clean.exitCode == 0 && clean.err.isEmpty(),
             qPrintable(clean.describe()));
    QVERIFY(jsonLines(clean.out)[0]["replay_error"].toDouble() < 1e-12);
}

void TestGradCli::refusals_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("mentions");
    QTest::newRow("missing, all named at once")
        << "net_missing.h5"
        << QStringList({"net_missing.h5", "'inputs'", "'activation'", "'tau'", "alpha"});
    QTest::newRow("missing tau") << "net_no_tau.h5" << QStringList({"net_no_tau.h5", "'tau'"});
    QTest::newRow("bad activation")
        << "net_bad_activation.h5"
        << QStringList({"net_bad_activation.h5", "'activation'", "'gelu'", "relu, tanh"});
    QTest::newRow("long activation")
        << "net_long_activation.h5"
        << QStringList({"net_long_activation.h5", "'activation'", "..."});
    QTest::newRow("alpha above 1")
        << "net_bad_alpha.h5" << QStringList({"net_bad_alpha.h5", "'alpha'", "1.5", "(0, 1]"});
    QTest::newRow("dt above tau") << "net_bad_dt.h5"
                                  << QStringList({"net_bad_dt.h5", "dt / tau", "20 / 10"});
    QTest::newRow("init_state of 2 trials")
        << "net_bad_init_state.h5"
        << QStringList({"net_bad_init_state.h5", "'init_state'", "2x6", "(3, 6)"});
    QTest::newRow("NaN in a bias")
        << "net_nan_bias.h5" << QStringList({"net_nan_bias.h5", "'biases/hidden'", "non-finite"});
    QTest::newRow("bias of the wrong length")
        << "net_bias_length.h5"
        << QStringList({"net_bias_length.h5", "'biases/readout'", "3 entries", "N_out = 2"});
    QTest::newRow("bias of rank 2")
        << "net_bias_rank.h5" << QStringList({"net_bias_rank.h5", "'biases/hidden'", "dimension"});
    QTest::newRow("integer bias") << "net_int_bias.h5"
                                  << QStringList({"net_int_bias.h5", "'biases/input'", "integer"});
    QTest::newRow("external storage")
        << "net_external_bias.h5"
        << QStringList({"net_external_bias.h5", "'biases/hidden'", "external file"});
    QTest::newRow("no targets but lambda_mse")
        << "net_notargets.h5" << QStringList({"net_notargets.h5", "lambda_mse", "'targets'"});
    QTest::newRow("weights only") << "only_weights.h5"
                                  << QStringList({"only_weights.h5", "'inputs'", "'activation'"});
}

void TestGradCli::refusals()
{
    QFETCH(QString, file);
    QFETCH(QStringList, mentions);
    const Run r = runCli({"grad", kFixtures + "/" + file, "--json"});
    QVERIFY2(!r.crashed && r.exitCode == 2 && r.out.isEmpty(), qPrintable(r.describe()));
    const QString err = QString::fromUtf8(r.err);
    QVERIFY2(err.startsWith("error: ") && err.count('\n') == 1 && err.endsWith('\n'),
             qPrintable(r.describe()));
    for (const QString& m : mentions)
        QVERIFY2(err.contains(m), qPrintable("no '" + m + "' in: " + err));
}

void TestGradCli::severalRecordings()
{
    const QString tanh = kFixtures + "/net_tanh.h5", dict = kFixtures + "/net_statedict.h5",
                  bad = kFixtures + "/net_nan_bias.h5";
    const Run r = runCli({"grad", tanh, bad, dict, "--json"});
    QVERIFY2(!r.crashed && r.exitCode == 2, qPrintable(r.describe()));
    const QString err = QString::fromUtf8(r.err);
    QVERIFY2(err.count("error: ") == 1 && err.contains("net_nan_bias.h5"),
             qPrintable(r.describe()));
    const QList<QJsonObject> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines[0]["file"].toString(), tanh);
    QCOMPARE(lines[0]["label"].toString(), QString("net tanh")); // its label attribute
    QCOMPARE(lines[1]["file"].toString(), dict);
    QCOMPARE(lines[1]["label"].toString(), QString("net_statedict.h5")); // its file name
    QCOMPARE(lines[1].keys(), QStringList({"convention", "cosine", "file", "label", "parameters",
                                           "replay_error", "terms", "total"}));
    // The same numbers as each alone.
    const Run alone = runCli({"grad", dict, "--json"});
    QJsonObject one = jsonLines(alone.out).value(0);
    QJsonObject two = lines[1];
    two.remove("label");
    QCOMPARE(two, one);
}

void TestGradCli::trialLabelIsItsTrials()
{
    // The bundled example's trial_labels, read here with HDF5: the trials of
    // "choice A" given as indices must give what --trial-label gives.
    const QString example = QStringLiteral(RNNLOSS_SOURCE_DIR "/resources/example.h5");
    const hid_t f = H5Fopen(QFile::encodeName(example).constData(), H5F_ACC_RDONLY, H5P_DEFAULT);
    QVERIFY(f >= 0);
    const hid_t d = H5Dopen2(f, "trial_labels", H5P_DEFAULT);
    const hid_t stored = H5Dget_type(d);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5Tget_cset(stored)); // h5py writes UTF-8
    H5Tclose(stored);
    const hid_t space = H5Dget_space(d);
    std::vector<char*> labels(H5Sget_simple_extent_npoints(space));
    QVERIFY(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels.data()) >= 0);
    QStringList trials;
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (QString(labels[i]) == "choice A")
            trials << QString::number(i);
    H5Dvlen_reclaim(type, space, H5P_DEFAULT, labels.data());
    H5Sclose(space);
    H5Tclose(type);
    H5Dclose(d);
    H5Fclose(f);
    QVERIFY(trials.size() > 1 && trials.size() < int(labels.size()));
    const Run byLabel = runCli({"grad", example, "--json", "--trial-label", "choice A"});
    const Run byIndex = runCli({"grad", example, "--json", "--trials", trials.join(',')});
    QVERIFY2(byLabel.exitCode == 0 && byIndex.exitCode == 0, qPrintable(byLabel.describe()));
    QCOMPARE(jsonLines(byLabel.out), jsonLines(byIndex.out));
    // The example holds its network: no replay warning, a replay at float32 rounding.
    QVERIFY2(byLabel.err.isEmpty(), qPrintable(byLabel.describe()));
    QVERIFY(jsonLines(byLabel.out)[0]["replay_error"].toDouble() < 1e-5);
    const Run all = runCli({"grad", example, "--json"});
    QVERIFY(jsonLines(all.out) != jsonLines(byLabel.out));
}

void TestGradCli::tableAndUsage()
{
    const Run t = runCli({"grad", kFixtures + "/net_tanh.h5", "--lambda", "fr_cv=0"});
    QVERIFY2(!t.crashed && t.exitCode == 0, qPrintable(t.describe()));
    const QString table = QString::fromUtf8(t.out);
    for (const char* s : {"net_tanh.h5", "tanh, alpha 0.2", "W_hid", "total", "cosine", "fr_sd"})
        QVERIFY2(table.contains(s), qPrintable(table));
    for (const QStringList& args :
         {QStringList({"grad", "--threads", "0"}), QStringList({"grad", "--bogus"}),
          QStringList({"grad", "--convention", "pytorch"})}) {
        const Run r = runCli(args);
        QVERIFY2(r.exitCode == 2 && r.out.isEmpty() && QString(r.err).startsWith("error: ") &&
                     r.err.count('\n') == 1,
                 qPrintable(args.join(' ') + "\n" + r.describe()));
    }
    const Run help = runCli({"grad", "--help"});
    QVERIFY(help.exitCode == 0 && help.out.contains("grad [RECORDING...]"));
}

// ---- From summary files (summarize --gradients) -----------------------------------

/// Empty when `got` and `want` have the same keys and types, texts and
/// booleans equal and numbers within `rel` relative; else where they differ.
QString jsonDifference(const QJsonValue& got, const QJsonValue& want, double rel,
                       const QString& where = "$")
{
    if (got.type() != want.type())
        return where + ": of another type";
    if (got.isDouble()) {
        const double a = got.toDouble(), b = want.toDouble();
        return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b))
                   ? QString()
                   : where + QString(": %1 vs %2").arg(a, 0, 'g', 17).arg(b, 0, 'g', 17);
    }
    if (got.isArray()) {
        const QJsonArray a = got.toArray(), b = want.toArray();
        if (a.size() != b.size())
            return where + ": arrays of other sizes";
        for (qsizetype i = 0; i < a.size(); ++i)
            if (QString d = jsonDifference(a[i], b[i], rel, where + QString("[%1]").arg(i));
                !d.isEmpty())
                return d;
        return {};
    }
    if (got.isObject()) {
        const QJsonObject a = got.toObject(), b = want.toObject();
        if (a.keys() != b.keys())
            return where + ": keys " + a.keys().join(',') + " vs " + b.keys().join(',');
        for (const QString& k : a.keys())
            if (QString d = jsonDifference(a[k], b[k], rel, where + "." + k); !d.isEmpty())
                return d;
        return {};
    }
    return got == want ? QString() : where + ": differs";
}

void TestGradCli::fromSummaryFile_data()
{
    QTest::addColumn<QString>("name");
    for (const QString& name : referenceCases().keys())
        QTest::addRow("%s", qPrintable(name)) << name;
}

void TestGradCli::fromSummaryFile()
{
    // summarize --gradients keeps both conventions' Gram matrices; grad then
    // answers from them, the same JSON as computed from the recording, and
    // (on the whole recording) nn4n + autograd's norms.
    QFETCH(QString, name);
    const QJsonObject j = referenceCases()[name].toObject();
    QVERIFY2(!j.isEmpty(), "tests/data/gradient/reference.json is missing or unreadable");
    const QString dir = m_dir.filePath("summaries_" + name);
    QVERIFY(QDir().mkpath(dir) && QDir().mkpath(dir + "/moved"));
    const QString file = dir + "/rec.h5", summary = file + ".rnnsum";
    QVERIFY(writeReferenceCase(j, file, false));
    const Run made = runCli({"summarize", file, "--gradients"});
    QVERIFY2(made.exitCode == 0 && made.out.startsWith((file + ": written\n").toUtf8()) &&
                 made.err.isEmpty(),
             qPrintable(made.describe()));
    // Staleness as before: current for a plain summarize and for --gradients;
    // one made without gradients gets them added, the bytes of one made with.
    QFile made1(summary);
    QVERIFY(made1.open(QIODevice::ReadOnly));
    const QByteArray withGradients = made1.readAll();
    made1.close();
    for (const QStringList& args :
         {QStringList({"summarize", file}), QStringList({"summarize", file, "--gradients"})}) {
        const Run again = runCli(args);
        QVERIFY2(again.exitCode == 0 && again.out.startsWith((file + ": current\n").toUtf8()),
                 qPrintable(again.describe()));
    }
    const Run plain = runCli({"summarize", file, "--force"});
    QVERIFY2(plain.exitCode == 0, qPrintable(plain.describe()));
    QVERIFY(QFileInfo(summary).size() < withGradients.size());
    const Run added = runCli({"summarize", file, "--gradients"});
    QVERIFY2(added.exitCode == 0 && added.out.startsWith((file + ": written\n").toUtf8()),
             qPrintable(added.describe()));
    QVERIFY(made1.open(QIODevice::ReadOnly));
    QVERIFY(made1.readAll() == withGradients);
    made1.close();

    const TermArray lambdas = {0.5, 2.0, 0.0, 0.25, 3.0, 0.125, 1.5};
    const QJsonObject shape = j["shape"].toObject();
    for (const QString convention : {"nn4n", "spec"}) {
        const QStringList args =
            QStringList({"grad", file, "--json", "--convention", convention}) + lambdaArgs(lambdas);
        const Run used = runCli(args + QStringList({"--verbose"}));
        QVERIFY2(used.exitCode == 0 && used.err.contains("using its summary"),
                 qPrintable(used.describe()));
        QVERIFY2(!used.err.contains("gradients in"), qPrintable(used.describe())); // no reader
        const Run read = runCli(args + QStringList({"--no-summaries"}));
        QVERIFY2(read.exitCode == 0, qPrintable(read.describe()));
        const QJsonObject fromSummary = jsonLines(used.out).value(0);
        const QJsonObject fromRecording = jsonLines(read.out).value(0);
        QVERIFY(!fromRecording.isEmpty());
        const QString d = jsonDifference(fromSummary, fromRecording, 1e-12);
        QVERIFY2(d.isEmpty(), qPrintable(d));
        QCOMPARE(fromSummary["file"].toString(), file);

        // The summary file alone, named itself: the same numbers.
        QFile::remove(dir + "/moved/rec.h5.rnnsum");
        QVERIFY(QFile::copy(summary, dir + "/moved/rec.h5.rnnsum"));
        const Run alone = runCli(QStringList({"grad", dir + "/moved/rec.h5.rnnsum", "--json",
                                              "--convention", convention}) +
                                 lambdaArgs(lambdas));
        QVERIFY2(alone.exitCode == 0, qPrintable(alone.describe()));
        QJsonObject a = jsonLines(alone.out).value(0);
        QCOMPARE(a["file"].toString(), dir + "/moved/rec.h5.rnnsum");
        a["file"] = file;
        QVERIFY2(jsonDifference(a, fromRecording, 1e-12).isEmpty(),
                 qPrintable(jsonDifference(a, fromRecording, 1e-12)));
        if (j["slice"].isObject())
            continue; // nn4n's numbers are of a slice: the next test's
        // Against nn4n + autograd, independently of the reader.
        const QJsonObject expected = j["expected"].toObject()[convention].toObject();
        for (Term k : kAllTerms) {
            const QString key(termKey(k).data());
            const QJsonObject want = expected[key].toObject()["grad_norm"].toObject();
            double largest = 0.0;
            for (Param p : kAllParams)
                largest = std::max(largest, want[paramKey(p).data()].toDouble());
            for (Param p : kAllParams) {
                const QString pk(paramKey(p).data());
                const double got = at(fromSummary, {"terms", key, "grad_norm", pk}).toDouble();
                QVERIFY2(close(got, want[pk].toDouble(), 1e-9, 1e-15 * largest),
                         qPrintable(QString("L_%1 d/d%2: %3 vs nn4n %4")
                                        .arg(key, pk)
                                        .arg(got)
                                        .arg(want[pk].toDouble())));
            }
        }
        QCOMPARE(at(fromSummary, {"parameters", "W_in"}).toArray(),
                 QJsonArray({shape["n_hid"], shape["n_in"]}));
    }
    if (!j["slice"].isObject())
        return;
    // A selection needs the recording: read when it is there (nn4n's numbers
    // of the slice), refused when only the summary is.
    const QJsonObject sl = j["slice"].toObject();
    const QStringList slice = {"--trials",        spec(sl["trials"]), "--steps",
                               spec(sl["steps"]), "--neurons",        spec(sl["neurons"])};
    const Run sliced =
        runCli(QStringList({"grad", file, "--json", "--convention", "nn4n"}) + slice);
    QVERIFY2(sliced.exitCode == 0, qPrintable(sliced.describe()));
    const QJsonObject want = j["expected"].toObject()["nn4n"].toObject()["mse"].toObject();
    const double got =
        at(jsonLines(sliced.out).value(0), {"terms", "mse", "grad_norm", "W_hid"}).toDouble();
    QVERIFY2(close(got, want["grad_norm"].toObject()["W_hid"].toDouble(), 1e-9, 1e-300),
             qPrintable(sliced.describe()));
    const Run refused =
        runCli(QStringList({"grad", dir + "/moved/rec.h5.rnnsum", "--json"}) + slice);
    QVERIFY2(refused.exitCode == 2 && refused.out.isEmpty() &&
                 refused.err.contains("a selection (--trials") &&
                 refused.err.contains("needs the recording") &&
                 refused.err.contains("only its summary"),
             qPrintable(refused.describe()));
}

void TestGradCli::summaryWithoutNetwork()
{
    // A recording without its network gets its summary, without gradients,
    // and a warning naming the file and what it lacks; a malformed network
    // fails the recording (no summary).
    const QString dir = m_dir.filePath("nonetwork");
    QVERIFY(QDir().mkpath(dir));
    const QString noTau = dir + "/net_no_tau.h5", bad = dir + "/net_bad_activation.h5";
    QVERIFY(QFile::copy(kFixtures + "/net_no_tau.h5", noTau));
    QVERIFY(QFile::copy(kFixtures + "/net_bad_activation.h5", bad));
    const Run r = runCli({"summarize", noTau, bad, "--gradients"});
    QVERIFY2(r.exitCode == 2, qPrintable(r.describe()));
    QVERIFY2(r.out.contains((noTau + ": written\n").toUtf8()), qPrintable(r.describe()));
    const QString err = QString::fromUtf8(r.err);
    QVERIFY2(err.contains("warning: " + noTau + ": the gradients need the attribute 'tau'") &&
                 err.contains("its summary has no gradients"),
             qPrintable(r.describe()));
    QVERIFY2(err.contains(bad + ": ") && err.contains("'gelu'"), qPrintable(r.describe()));
    QVERIFY(QFile::exists(noTau + ".rnnsum") && !QFile::exists(bad + ".rnnsum"));
    // Again: current, nothing written (the network is still missing).
    const Run again = runCli({"summarize", noTau, "--gradients"});
    QVERIFY2(again.exitCode == 0 && again.out.startsWith((noTau + ": current\n").toUtf8()),
             qPrintable(again.describe()));
    // grad: the summary holds no gradients, the recording is read (and lacks tau).
    const Run g = runCli({"grad", noTau, "--json"});
    QVERIFY2(g.exitCode == 2 && g.err.contains("'tau'"), qPrintable(g.describe()));
    QVERIFY(QFile::rename(noTau, noTau + ".away"));
    const Run alone = runCli({"grad", noTau + ".rnnsum", "--json"});
    QVERIFY2(alone.exitCode == 2 && alone.err.contains("holds no gradients") &&
                 alone.err.contains("only its summary"),
             qPrintable(alone.describe()));
}

QTEST_GUILESS_MAIN(TestGradCli)
#include "test_grad_cli.moc"
