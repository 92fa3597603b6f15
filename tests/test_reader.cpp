// Tests of the hardened HDF5 reader (engine/io/reader.h) on the files that
// tests/fixtures/makefixtures.cpp writes into RNNLOSS_FIXTURE_DIR.
//
// Well-formed variants: every term (both conventions), every per-neuron
// statistic and the PSTHs are recomputed here by brute force from fx::formula
// (tests/fixtures/fixturedata.h, shared with makefixtures), rounded to the stored type,
// without the engine's reducers; they must agree to 1e-9 relative.
// Malformed files: each must be refused with a message naming the file, the
// dataset and what is wrong.

#include "loss.h"
#include "neuronstats.h"
#include "rawlayout.h"
#include "rawread.h"
#include "reader.h"
#include "slice.h"
#include "writer.h"

#include <QTemporaryDir>
#include <QFile>
#include <QFileInfo>
#include <QtTest>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bruteforce.h"
#include "fixtures/fixturedata.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace rnnloss;

namespace {

constexpr double kRel = 1e-9;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString fixture(const QString& name)
{
    return name.isEmpty() ? QString() : QStringLiteral(RNNLOSS_FIXTURE_DIR "/") + name;
}

io::ReadResult readFile(const QString& file, const QString& weights = {},
                        std::size_t slabBytes = io::ReadRequest{}.slabBytes)
{
    io::ReadRequest r;
    r.recording = file.toStdString();
    r.weights = weights.toStdString();
    r.slabBytes = slabBytes;
    return io::readRecording(r);
}

bool close(double got, double want, double rel = kRel)
{
    if (std::isnan(got) || std::isnan(want))
        return std::isnan(got) && std::isnan(want);
    if (got == want)
        return true;
    return std::abs(got - want) <= rel * std::max(std::abs(got), std::abs(want)) + 1e-15;
}

QString num(double v) { return QString::number(v, 'g', 17); }

#define CHECK_CLOSE(got, want, what)                                                               \
    QVERIFY2(close((got), (want)), qPrintable(QString("%1: got %2, expected %3")                   \
                                                  .arg(what, num(got), num(want))))

bool sameBits(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

// ---- the brute force ----------------------------------------------------------

/// The raw data of a variant, as stored: 0 bits = the array is absent.
struct Raw
{
    std::array<int, fx::kArrs> bits{};
    std::array<std::vector<double>, fx::kArrs> data;
    bool has(int a) const { return bits[a] != 0; }
    std::int64_t nonFinite(int a) const
    {
        std::int64_t n = 0;
        for (double v : data[a])
            n += !std::isfinite(v);
        return n;
    }
    /// states[b][t][n]
    double r(int b, int t, int n) const { return data[fx::States][(b * fx::T + t) * fx::NHID + n]; }
};

std::vector<fx::Poke> pokeSet(int id)
{
    return id == 1 ? fx::nonFinitePokes() : id == 2 ? fx::nonFiniteOutputsPokes()
                                                    : std::vector<fx::Poke>{};
}

Raw rawData(const QList<int>& bits, int pokes)
{
    Raw raw;
    for (int a = 0; a < fx::kArrs; ++a) {
        raw.bits[a] = bits[a];
        if (!bits[a])
            continue;
        raw.data[a] = fx::values(a, bits[a]);
        fx::poke(raw.data[a], a, pokeSet(pokes));
    }
    return raw;
}

struct ExpectedTerm
{
    bool available = false;
    std::optional<double> value;   ///< empty: unavailable or undefined
    std::vector<QString> missing;  ///< datasets whose absence makes it unavailable
    std::vector<QString> present;  ///< datasets it needs that are there
};

using ExpectedTerms = std::array<ExpectedTerm, kTermCount>;

ExpectedTerms bruteTerms(const Raw& raw, Convention c)
{
    ExpectedTerms e;
    auto need = [&](ExpectedTerm& t, std::initializer_list<int> arrs) {
        static const char* names[] = {"outputs", "targets", "states", "inputs",
                                      "weights/input", "weights/hidden", "weights/readout"};
        bool finite = true;
        t.available = true;
        for (int a : arrs) {
            (raw.has(a) ? t.present : t.missing).push_back(QString("'%1'").arg(names[a]));
            t.available = t.available && raw.has(a);
            finite = finite && (!raw.has(a) || raw.nonFinite(a) == 0);
        }
        return t.available && finite;
    };

    ExpectedTerm& mse = e[index(Term::Mse)];
    if (need(mse, {fx::Outputs, fx::Targets})) {
        double sum = 0.0;
        for (std::size_t i = 0; i < raw.data[fx::Outputs].size(); ++i) {
            const double d = raw.data[fx::Outputs][i] - raw.data[fx::Targets][i];
            sum += d * d;
        }
        mse.value = sum / (fx::B * fx::T * fx::NOUT);
    }
    const std::array<Term, 3> wt = {Term::In, Term::Hid, Term::Out};
    for (int i = 0; i < 3; ++i) {
        ExpectedTerm& t = e[index(wt[i])];
        const int a = fx::WIn + i;
        if (need(t, {a})) {
            double sum = 0.0;
            for (double w : raw.data[a])
                sum += w * w;
            t.value = sum / static_cast<double>(raw.data[a].size());
        }
    }
    ExpectedTerm& fr = e[index(Term::Fr)];
    ExpectedTerm& sd = e[index(Term::FrSd)];
    ExpectedTerm& cv = e[index(Term::FrCv)];
    const bool ok = need(fr, {fx::States});
    need(sd, {fx::States});
    need(cv, {fx::States});
    if (!ok)
        return e;

    const double N = fx::NHID, S = fx::B * fx::T;
    std::vector<double> m(fx::NHID, 0.0), a(fx::NHID, 0.0);
    double sumSq = 0.0;
    for (int n = 0; n < fx::NHID; ++n) {
        for (int b = 0; b < fx::B; ++b)
            for (int t = 0; t < fx::T; ++t) {
                const double r = raw.r(b, t, n);
                m[n] += r;
                a[n] += std::abs(r);
                sumSq += r * r;
            }
        m[n] /= S;
        a[n] /= S;
    }
    auto mean = [](const std::vector<double>& v) {
        double s = 0.0;
        for (double x : v)
            s += x;
        return s / static_cast<double>(v.size());
    };
    auto ssd = [&](const std::vector<double>& v) { // sum of squared deviations
        const double mu = mean(v);
        double s = 0.0;
        for (double x : v)
            s += (x - mu) * (x - mu);
        return s;
    };
    if (c == Convention::Spec) {
        fr.value = sumSq / (S * N);
        sd.value = std::sqrt(ssd(m) / N);
        cv.value = *sd.value / mean(m);
    } else {
        double s2 = 0.0;
        for (double x : m)
            s2 += x * x;
        fr.value = s2 / N;
        sd.value = std::sqrt(ssd(m) / (N - 1.0));
        cv.value = std::sqrt(ssd(a) / (N - 1.0)) / mean(a);
    }
    return e;
}

/// Per-neuron statistics as neuronstats.h defines them, from the raw states.
NeuronStats bruteNeuronStats(const Raw& raw, Convention c)
{
    NeuronStats st;
    const double S = fx::B * fx::T, N = fx::NHID;
    for (int n = 0; n < fx::NHID; ++n) {
        std::vector<double> finite;
        bool allFinite = true;
        for (int b = 0; b < fx::B; ++b)
            for (int t = 0; t < fx::T; ++t) {
                const double r = raw.r(b, t, n);
                if (std::isfinite(r))
                    finite.push_back(r);
                else
                    allFinite = false;
            }
        double mean = kNaN, sd = kNaN, cv = kNaN, contrib = kNaN;
        if (allFinite) {
            double s = 0.0, s2 = 0.0;
            for (double r : finite) {
                s += r;
                s2 += r * r;
            }
            mean = s / S;
            double dev = 0.0;
            for (double r : finite)
                dev += (r - mean) * (r - mean);
            sd = std::sqrt(dev / S);
            cv = sd / mean;
            contrib = c == Convention::Spec ? s2 / (S * N) : mean * mean / N;
        }
        st.mean.push_back(mean);
        st.sd.push_back(sd);
        st.cv.push_back(cv);
        st.frContribution.push_back(contrib);
        st.min.push_back(finite.empty() ? kNaN : *std::min_element(finite.begin(), finite.end()));
        st.max.push_back(finite.empty() ? kNaN : *std::max_element(finite.begin(), finite.end()));
        st.fractionActive.push_back(
            static_cast<double>(std::count_if(finite.begin(), finite.end(),
                                              [](double r) { return r > 0.0; })) / S);
    }
    return st;
}

const char* termName(Term t)
{
    static const char* n[] = {"mse", "in", "hid", "out", "fr", "fr_sd", "fr_cv"};
    return n[index(t)];
}

void compareTerms(const Summary& s, const Raw& raw, Convention c)
{
    const TermValues got = computeTerms(s, c);
    const ExpectedTerms want = bruteTerms(raw, c);
    for (Term t : kAllTerms) {
        const QString what = QString("L_%1 (%2)").arg(termName(t), conventionName(c).data());
        const TermValue& g = got[t];
        const ExpectedTerm& w = want[index(t)];
        const QString reason = QString::fromStdString(g.reason);
        QVERIFY2(g.available == w.available, qPrintable(what + ": availability; " + reason));
        if (!w.available) {
            QVERIFY2(!g.value, qPrintable(what));
            for (const QString& d : w.missing)
                QVERIFY2(reason.contains(d), qPrintable(what + ": reason '" + reason +
                                                        "' does not name " + d));
            for (const QString& d : w.present)
                QVERIFY2(!reason.contains(d + " and") && !reason.contains("and " + d),
                         qPrintable(what + ": reason '" + reason + "' names present " + d));
            QVERIFY2(reason.contains("does not hold"), qPrintable(reason));
        } else if (!w.value) {
            QVERIFY2(!g.value, qPrintable(what + ": should be undefined, is " + num(*g.value)));
            QVERIFY2(reason.contains("non-finite"), qPrintable(what + ": reason '" + reason + "'"));
        } else {
            QVERIFY2(g.value, qPrintable(what + ": no value; " + reason));
            CHECK_CLOSE(*g.value, *w.value, what);
        }
    }
}

void compareNeuronStats(const Summary& s, const Raw& raw, Convention c)
{
    const NeuronStats got = computeNeuronStats(s, c);
    if (!raw.has(fx::States)) {
        QCOMPARE(got.size(), std::size_t(0));
        return;
    }
    const NeuronStats want = bruteNeuronStats(raw, c);
    QCOMPARE(got.size(), std::size_t(fx::NHID));
    const std::array<std::pair<const char*, std::vector<double> NeuronStats::*>, 8> fields = {{
        {"mean", &NeuronStats::mean}, {"sd", &NeuronStats::sd}, {"cv", &NeuronStats::cv},
        {"min", &NeuronStats::min}, {"max", &NeuronStats::max},
        {"fractionActive", &NeuronStats::fractionActive},
        {"frContribution", &NeuronStats::frContribution}, {"mean", &NeuronStats::mean}}};
    for (const auto& [name, field] : fields)
        for (int n = 0; n < fx::NHID; ++n)
            CHECK_CLOSE((got.*field)[n], (want.*field)[n],
                        QString("%1[%2] (%3)").arg(name).arg(n).arg(conventionName(c).data()));
    // The contributions add up to L_fr when it is defined.
    if (const auto fr = computeTerms(s, c)[Term::Fr].value) {
        double sum = 0.0;
        for (double v : got.frContribution)
            sum += v;
        CHECK_CLOSE(sum, *fr, QString("sum of frContribution"));
    }
}

void comparePsth(const Summary& s, const Raw& raw)
{
    if (!raw.has(fx::States))
        return;
    for (int n = 0; n < fx::NHID; ++n) {
        const Psth p = psth(s, n);
        QCOMPARE(p.mean.size(), std::size_t(fx::T));
        for (int t = 0; t < fx::T; ++t) {
            double m = 0.0;
            bool finite = true;
            for (int b = 0; b < fx::B; ++b) {
                m += raw.r(b, t, n);
                finite = finite && std::isfinite(raw.r(b, t, n));
            }
            if (!finite)
                continue; // undefined there; not pinned down here
            m /= fx::B;
            double dev = 0.0;
            for (int b = 0; b < fx::B; ++b)
                dev += (raw.r(b, t, n) - m) * (raw.r(b, t, n) - m);
            CHECK_CLOSE(p.mean[t], m, QString("psth mean (t=%1, n=%2)").arg(t).arg(n));
            CHECK_CLOSE(p.sd[t], std::sqrt(dev / fx::B), QString("psth sd (t=%1, n=%2)").arg(t).arg(n));
        }
    }
}

// ---- summary equality, for the streaming test -----------------------------------

QString diffArrays(const char* what, const double* a, const double* b, std::size_t na,
                   std::size_t nb)
{
    if (na != nb)
        return QString("%1: %2 vs %3 entries").arg(what).arg(na).arg(nb);
    for (std::size_t i = 0; i < na; ++i)
        if (!sameBits(a[i], b[i]))
            return QString("%1[%2]: %3 vs %4").arg(what).arg(i).arg(num(a[i]), num(b[i]));
    return {};
}
QString diff(const char* w, const std::vector<double>& a, const std::vector<double>& b)
{
    return diffArrays(w, a.data(), b.data(), a.size(), b.size());
}
QString diff(const char* w, const RowMatrix& a, const RowMatrix& b)
{
    if (a.rows() != b.rows() || a.cols() != b.cols())
        return QString("%1: shape differs").arg(w);
    return diffArrays(w, a.data(), b.data(), a.size(), b.size());
}
QString diff(const char* w, const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b)
{
    return a == b ? QString() : QString("%1 differs").arg(w);
}

/// Empty when `a` and `b` are identical in every field (NaN equal to NaN).
QString summaryDiff(const Summary& a, const Summary& b)
{
    if (!(a.shape == b.shape))
        return "shape";
    for (int i = 0; i < kDatasetCount; ++i) {
        const DatasetInfo &x = a.datasets[i], &y = b.datasets[i];
        if (x.present != y.present || x.file != y.file || x.path != y.path || x.dims != y.dims ||
            x.nonFinite != y.nonFinite)
            return QString("datasets[%1]").arg(i);
    }
    if (a.trainingLambdas != b.trainingLambdas)
        return "trainingLambdas";
    if (a.warnings != b.warnings)
        return "warnings";
    QString d;
    if (!(d = diff("sqErrPerTrial", a.sqErrPerTrial, b.sqErrPerTrial)).isEmpty() ||
        !(d = diff("sqErrPerTime", a.sqErrPerTime, b.sqErrPerTime)).isEmpty() ||
        !(d = diff("trialSum", a.trialSum, b.trialSum)).isEmpty() ||
        !(d = diff("trialSumSq", a.trialSumSq, b.trialSumSq)).isEmpty() ||
        !(d = diff("trialSumAbs", a.trialSumAbs, b.trialSumAbs)).isEmpty() ||
        !(d = diff("timeSum", a.timeSum, b.timeSum)).isEmpty() ||
        !(d = diff("timeSumSq", a.timeSumSq, b.timeSumSq)).isEmpty() ||
        !(d = diff("neuronMin", a.neuronMin, b.neuronMin)).isEmpty() ||
        !(d = diff("neuronMax", a.neuronMax, b.neuronMax)).isEmpty() ||
        !(d = diff("neuronNonFinite", a.neuronNonFinite, b.neuronNonFinite)).isEmpty() ||
        !(d = diff("neuronActive", a.neuronActive, b.neuronActive)).isEmpty())
        return d;
    if (!sameBits(a.activeThreshold, b.activeThreshold))
        return "activeThreshold";
    if (a.neuronHistograms.size() != b.neuronHistograms.size())
        return "neuronHistograms";
    for (std::size_t n = 0; n < a.neuronHistograms.size(); ++n) {
        const NeuronHistogram &x = a.neuronHistograms[n], &y = b.neuronHistograms[n];
        if (!sameBits(x.lo, y.lo) || !sameBits(x.width, y.width) || x.counts != y.counts)
            return QString("neuronHistograms[%1]").arg(n);
    }
    for (int i = 0; i < 3; ++i) {
        if (!sameBits(a.weightNormSq[i], b.weightNormSq[i]))
            return QString("weightNormSq[%1]").arg(i);
        if (a.weights[i].rows() != b.weights[i].rows() || a.weights[i].cols() != b.weights[i].cols() ||
            (a.weights[i].size() > 0 &&
             std::memcmp(a.weights[i].data(), b.weights[i].data(),
                         sizeof(float) * static_cast<std::size_t>(a.weights[i].size())) != 0))
            return QString("weights[%1]").arg(i);
    }
    return {};
}

const QStringList kGoodFiles = {
    "good_f64.h5",  "good_f32.h5",   "good_f16.h5",        "good_f16be.h5",
    "good_f32be.h5", "good_f64be.h5", "chunked_trial.h5",  "chunked_odd.h5",
    "compact.h5",   "mixed.h5",      "noweights.h5",       "only_weights.h5",
    "only_states.h5", "outputs_no_targets.h5", "nonfinite.h5", "nonfinite_outputs.h5",
    "attrs_odd.h5"};

} // namespace

class TestReader : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(QFileInfo::exists(fixture("good_f64.h5")),
                 "run makefixtures " RNNLOSS_FIXTURE_DIR " first (ctest does)");
    }

    void goodVariant_data();
    void goodVariant();
    void streaming_data();
    void streaming();
    void fileImage();
    void progressAndCancel();
    void lambdasAndTotals();
    void malformed_data();
    void malformed();
    void externalStorageNeverRead();
    void directMatchesReader_data();
    void directMatchesReader();
    void directRefusesChangedFile();
    void directRefusesBadLayout_data();
    void directRefusesBadLayout();
    void directSlice();
    void neuronOnDemand();

private:
    QTemporaryDir m_tmp;
    /// A recording written here (io::writeRecording), for the direct reads.
    QString written(const QString& name, const io::WriteOptions& o, std::uint64_t seed = 5);
};

void TestReader::goodVariant_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("weights");
    QTest::addColumn<QList<int>>("bits");     // stored width per array, 0 = absent
    QTest::addColumn<int>("pokes");           // 0 none, 1 nonFinitePokes, 2 nonFiniteOutputsPokes
    QTest::addColumn<bool>("stateDict");      // weights under nn4n's state_dict() names
    QTest::addColumn<QStringList>("warnings"); // expected besides the non-finite ones

    const QList<int> f64(7, 64), f32(7, 32), f16(7, 16);
    auto row = [](const char* name, const char* file, const char* weights, QList<int> bits,
                  int pokes = 0, bool sd = false, QStringList warnings = {}) {
        QTest::newRow(name) << QString(file) << QString(weights) << bits << pokes << sd << warnings;
    };
    row("f64", "good_f64.h5", "", f64);
    row("f32", "good_f32.h5", "", f32);
    row("f16", "good_f16.h5", "", f16);
    row("f16 big-endian", "good_f16be.h5", "", f16);
    row("f32 big-endian", "good_f32be.h5", "", f32);
    row("f64 big-endian", "good_f64be.h5", "", f64);
    row("chunks of 1 trial, gzip", "chunked_trial.h5", "", f32);
    row("chunks not dividing B,T,N", "chunked_odd.h5", "", f64);
    row("compact", "compact.h5", "", f64);
    row("mixed types", "mixed.h5", "", {16, 64, 32, 16, 32, 16, 64});
    row("weights file", "noweights.h5", "weights_statedict.h5", {64, 64, 64, 64, 32, 32, 32}, 0,
        true);
    row("weights file overrides", "good_f64.h5", "weights_statedict.h5",
        {64, 64, 64, 64, 32, 32, 32}, 0, true);
    row("no weights", "noweights.h5", "", {64, 64, 64, 64, 0, 0, 0});
    row("only weights file", "", "weights_statedict.h5", {0, 0, 0, 0, 32, 32, 32}, 0, true);
    row("only weights", "only_weights.h5", "", {0, 0, 0, 0, 64, 64, 64});
    row("only states", "only_states.h5", "", {0, 0, 64, 0, 0, 0, 0});
    row("outputs without targets", "outputs_no_targets.h5", "", {64, 0, 64, 64, 64, 64, 64}, 0,
        false, {"has 'outputs' but no 'targets'"});
    row("non-finite", "nonfinite.h5", "", f64, 1);
    row("non-finite outputs", "nonfinite_outputs.h5", "", f32, 2);
    row("odd attributes", "attrs_odd.h5", "", f64, 0, false,
        {"'lambda_in' is not a single number", "'lambda_hid' is -1", "'lambda_out' is nan",
         "'lambda_fr_sd' is not a single number"});
}

void TestReader::goodVariant()
{
    QFETCH(QString, file);
    QFETCH(QString, weights);
    QFETCH(QList<int>, bits);
    QFETCH(int, pokes);
    QFETCH(bool, stateDict);
    QFETCH(QStringList, warnings);
    const QString path = fixture(file), wpath = fixture(weights);

    const io::ReadResult res = readFile(path, wpath);
    QVERIFY2(res.summary, res.error.c_str());
    QVERIFY(res.error.empty());
    const Summary& s = *res.summary;
    const Raw raw = rawData(bits, pokes);

    // Shape and what was found where.
    const bool series = raw.has(fx::Outputs) || raw.has(fx::Targets) || raw.has(fx::States) ||
                        raw.has(fx::Inputs);
    const Shape shape{series ? fx::B : 0, series ? fx::T : 0,
                      raw.has(fx::Inputs) || raw.has(fx::WIn) ? fx::NIN : 0,
                      raw.has(fx::States) || raw.has(fx::WIn) || raw.has(fx::WHid) ||
                              raw.has(fx::WOut)
                          ? fx::NHID
                          : 0,
                      raw.has(fx::Outputs) || raw.has(fx::Targets) || raw.has(fx::WOut) ? fx::NOUT
                                                                                        : 0};
    QVERIFY(s.shape == shape);
    static const char* v1[] = {"/outputs", "/targets", "/states", "/inputs",
                               "/weights/input", "/weights/hidden", "/weights/readout"};
    static const char* sd[] = {"", "", "", "", "/recurrent_layer.input_layer.weight",
                               "/recurrent_layer.hidden_layer.weight", "/readout_layer.weight"};
    for (int a = 0; a < fx::kArrs; ++a) {
        const DatasetInfo& info = s.datasets[a];
        QCOMPARE(info.present, raw.has(a));
        if (!raw.has(a))
            continue;
        const bool w = a >= fx::WIn;
        QCOMPARE(QString::fromStdString(info.file), w && !weights.isEmpty() ? wpath : path);
        QCOMPARE(QString::fromStdString(info.path), QString(w && stateDict ? sd[a] : v1[a]));
        const auto d = fx::dimsOf(a);
        std::vector<std::int64_t> dims(d.begin(), d.begin() + fx::rankOf(a));
        QVERIFY(info.dims == dims);
        QCOMPARE(info.nonFinite, raw.nonFinite(a));
    }

    // Warnings: one per dataset with non-finite values, counting them, plus the listed ones.
    int expected = static_cast<int>(warnings.size());
    for (int a = 0; a < fx::kArrs; ++a) {
        if (!raw.has(a) || raw.nonFinite(a) == 0)
            continue;
        ++expected;
        const QString needle = QString("'%1' holds %2 non-finite value(s)")
                                   .arg(QString(v1[a]).mid(1))
                                   .arg(raw.nonFinite(a));
        bool found = false;
        for (const auto& w : s.warnings)
            found = found || QString::fromStdString(w).contains(needle);
        QVERIFY2(found, qPrintable("no warning '" + needle + "'"));
    }
    for (const QString& needle : warnings) {
        bool found = false;
        for (const auto& w : s.warnings)
            found = found || QString::fromStdString(w).contains(needle);
        QVERIFY2(found, qPrintable("no warning '" + needle + "'"));
    }
    QString all;
    for (const auto& w : s.warnings)
        all += QString::fromStdString(w) + "\n";
    QVERIFY2(static_cast<int>(s.warnings.size()) == expected, qPrintable(all));

    // Weight matrices kept for display, (out, in), as float.
    for (int i = 0; i < 3; ++i) {
        const int a = fx::WIn + i;
        if (!raw.has(a)) {
            QCOMPARE(s.weights[i].size(), Eigen::Index(0));
            continue;
        }
        const auto d = fx::dimsOf(a);
        QCOMPARE(s.weights[i].rows(), Eigen::Index(d[0]));
        QCOMPARE(s.weights[i].cols(), Eigen::Index(d[1]));
        for (int r = 0; r < d[0]; ++r)
            for (int c = 0; c < d[1]; ++c)
                QVERIFY(sameBits(s.weights[i](r, c),
                                 static_cast<float>(raw.data[a][r * d[1] + c])));
    }

    for (Convention c : {Convention::Spec, Convention::Nn4n}) {
        compareTerms(s, raw, c);
        if (QTest::currentTestFailed())
            return;
        compareNeuronStats(s, raw, c);
        if (QTest::currentTestFailed())
            return;
    }
    comparePsth(s, raw);
    if (QTest::currentTestFailed())
        return;

    // Training lambdas: all seven in good_f64.h5, some in attrs_odd.h5, none elsewhere.
    std::array<std::optional<double>, kTermCount> lambdas{};
    if (file == "good_f64.h5")
        for (int i = 0; i < kTermCount; ++i)
            lambdas[i] = fx::kLambdas[i];
    if (file == "attrs_odd.h5") {
        lambdas[index(Term::Mse)] = 2.0;
        lambdas[index(Term::Fr)] = 0.5;
    }
    for (Term t : kAllTerms) {
        const auto& got = s.trainingLambdas[index(t)];
        QVERIFY2(got.has_value() == lambdas[index(t)].has_value(), termName(t));
        if (got)
            QCOMPARE(*got, *lambdas[index(t)]);
    }
}

void TestReader::streaming_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("weights");
    for (const QString& f : kGoodFiles)
        QTest::newRow(qPrintable(f)) << f << QString();
    QTest::newRow("with weights file") << QString("noweights.h5")
                                       << QString("weights_statedict.h5");
}

void TestReader::streaming()
{
    QFETCH(QString, file);
    QFETCH(QString, weights);
    // 1 byte: one trial per slab; 1 TiB: all trials in one slab; and the default.
    const io::ReadResult tiny = readFile(fixture(file), fixture(weights), 1);
    const io::ReadResult huge = readFile(fixture(file), fixture(weights), std::size_t(1) << 40);
    const io::ReadResult dflt = readFile(fixture(file), fixture(weights));
    QVERIFY2(tiny.summary, tiny.error.c_str());
    QVERIFY2(huge.summary, huge.error.c_str());
    QVERIFY2(dflt.summary, dflt.error.c_str());
    QString d = summaryDiff(*tiny.summary, *huge.summary);
    QVERIFY2(d.isEmpty(), qPrintable("one trial vs all trials per slab: " + d));
    d = summaryDiff(*tiny.summary, *dflt.summary);
    QVERIFY2(d.isEmpty(), qPrintable("one trial vs default slab: " + d));
}

void TestReader::fileImage()
{
    // The same bytes from memory give the same summary as from disk, whether
    // the name given exists on disk (the file's own path) or not.
    const QString path = fixture("chunked_odd.h5");
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    const io::ReadResult disk = readFile(path);
    QVERIFY2(disk.summary, disk.error.c_str());
    for (const QString& name : {path, QString("in-memory.h5")}) {
        io::ReadRequest r;
        r.recording = name.toStdString();
        r.recordingImage = {reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                            static_cast<std::size_t>(bytes.size())};
        const io::ReadResult mem = io::readRecording(r);
        QVERIFY2(mem.summary, mem.error.c_str());
        Summary s = *mem.summary;
        for (DatasetInfo& info : s.datasets)
            if (info.present)
                info.file = path.toStdString();
        const QString d = summaryDiff(s, *disk.summary);
        QVERIFY2(d.isEmpty(), qPrintable(name + ": " + d));
        QCOMPARE(QString::fromStdString(mem.summary->info(Dataset::States).file), name);
    }
}

void TestReader::progressAndCancel()
{
    io::ReadRequest r;
    r.recording = fixture("good_f64.h5").toStdString();
    r.slabBytes = 1;
    std::vector<double> seen;
    const io::ReadResult ok = io::readRecording(r, [&](double f, const std::string&) {
        seen.push_back(f);
        return true;
    });
    QVERIFY2(ok.summary, ok.error.c_str());
    QVERIFY(seen.size() > 3);
    QVERIFY(std::is_sorted(seen.begin(), seen.end()));
    QCOMPARE(seen.front(), 0.0);
    QCOMPARE(seen.back(), 1.0);

    int calls = 0;
    const io::ReadResult cancelled =
        io::readRecording(r, [&](double, const std::string&) { return ++calls < 3; });
    QVERIFY(!cancelled.summary);
    QVERIFY2(QString::fromStdString(cancelled.error).contains("cancelled"), cancelled.error.c_str());
    QVERIFY(cancelled.error.find(r.recording) != std::string::npos);
}

void TestReader::lambdasAndTotals()
{
    // good_f64.h5: the training lambdas make every term enabled; all are defined.
    {
        const io::ReadResult res = readFile(fixture("good_f64.h5"));
        QVERIFY2(res.summary, res.error.c_str());
        const TermArray l = initialLambdas(*res.summary);
        for (int i = 0; i < kTermCount; ++i)
            QCOMPARE(l[i], fx::kLambdas[i]);
        const LossResult loss = evaluate(computeTerms(*res.summary, Convention::Spec), l);
        QVERIFY2(loss.total, loss.totalReason.c_str());
        const ExpectedTerms want = bruteTerms(rawData(QList<int>(7, 64), 0), Convention::Spec);
        double total = 0.0;
        for (int i = 0; i < kTermCount; ++i)
            total += fx::kLambdas[i] * *want[i].value;
        CHECK_CLOSE(*loss.total, total, QString("total"));
    }
    // nonfinite.h5: an enabled undefined term leaves the total undefined ...
    {
        const io::ReadResult res = readFile(fixture("nonfinite.h5"));
        QVERIFY2(res.summary, res.error.c_str());
        TermArray l{};
        l[index(Term::In)] = 1.0;
        l[index(Term::Out)] = 1.0;
        const TermValues tv = computeTerms(*res.summary, Convention::Spec);
        QVERIFY(evaluate(tv, l).total); // L_in and L_out do not use a non-finite dataset
        l[index(Term::Mse)] = 1.0;
        const LossResult loss = evaluate(tv, l);
        QVERIFY(!loss.total);
        QVERIFY2(QString::fromStdString(loss.totalReason).contains("undefined"),
                 loss.totalReason.c_str());
        QVERIFY(loss.errors.empty());
    }
    // ... and a non-zero lambda on an unavailable term is an error.
    {
        const io::ReadResult res = readFile(fixture("only_states.h5"));
        QVERIFY2(res.summary, res.error.c_str());
        TermArray l{};
        l[index(Term::Hid)] = 0.5;
        const LossResult loss = evaluate(computeTerms(*res.summary, Convention::Spec), l);
        QVERIFY(!loss.total);
        QCOMPARE(loss.errors.size(), std::size_t(1));
        const QString e = QString::fromStdString(loss.errors[0]);
        QVERIFY2(e.contains("lambda_hid") && e.contains("'weights/hidden'"), qPrintable(e));
    }
}

void TestReader::malformed_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("weights");
    QTest::addColumn<QString>("culprit");     // the file the message must name
    QTest::addColumn<QStringList>("needles"); // all must appear; %W = the weights file's path
    QTest::addColumn<QStringList>("absent");  // none may appear

    auto row = [](const char* name, const char* file, QStringList needles,
                  QStringList absent = {}) {
        QTest::newRow(name) << QString(file) << QString() << QString(file) << needles << absent;
    };
    auto wrow = [](const char* name, const char* file, const char* weights, const char* culprit,
                   QStringList needles) {
        QTest::newRow(name) << QString(file) << QString(weights) << QString(culprit) << needles
                            << QStringList();
    };
    // Rank and shape
    row("rank", "bad_rank.h5", {"dataset 'states'", "2 dimension(s), expected 3"});
    row("scalar", "bad_scalar.h5", {"dataset 'states'", "scalar"});
    row("B", "bad_B.h5", {"'outputs' is (3,5,2)", "'states' is (4,5,6)", "B (trials) must agree"});
    row("T", "bad_T.h5", {"'outputs' is (3,5,2)", "'states' is (3,7,6)", "T (time steps) must agree"});
    row("N_hid", "bad_nhid.h5",
        {"'states' is (3,5,6)", "'weights/hidden' is 5x5", "N_hid must agree"});
    row("N_in", "bad_nin.h5", {"'inputs' is (3,5,2)", "'weights/input' is 6x3", "N_in must agree"});
    row("N_out", "bad_nout.h5",
        {"'outputs' is (3,5,2)", "'weights/readout' is 3x6", "N_out must agree"});
    row("transposed readout", "bad_transposed.h5",
        {"'outputs' is (3,5,2)", "'weights/readout' is 6x2", "N_out must agree"});
    row("non-square hidden", "bad_nonsquare.h5",
        {"'states' is (3,5,6)", "'weights/hidden' is 6x5", "N_hid must agree"});
    row("non-square hidden alone", "bad_nonsquare_only.h5",
        {"'weights/hidden' is 6x5", "not square", "N_hid"}, {"but 'weights/hidden'"});
    wrow("N_hid across files", "noweights.h5", "bad_weights_nhid.h5", "noweights.h5",
         {"'states' is (3,5,6)", "'recurrent_layer.input_layer.weight' in %W is 5x2",
          "N_hid must agree"});
    // Element types
    row("integer", "bad_int.h5", {"dataset 'states'", "integer"});
    row("string", "bad_string.h5", {"dataset 'states'", "string"});
    row("compound", "bad_compound.h5", {"dataset 'states'", "compound"});
    row("bfloat16", "bad_bfloat16.h5", {"dataset 'states'", "16-bit", "not IEEE"});
    // Objects
    row("group", "bad_group.h5", {"'states' is a group"});
    row("external link", "bad_extlink.h5", {"'states'", "external link"});
    row("soft link", "bad_softlink.h5", {"'states'", "soft"});
    row("weights not a group", "bad_weights_not_group.h5", {"'weights' is not a group"});
    row("no datasets", "bad_nodatasets.h5", {"none of the datasets"});
    // Storage
    row("external storage", "bad_external.h5", {"dataset 'states'", "external file"});
    row("virtual", "bad_virtual.h5", {"dataset 'states'", "virtual dataset"});
    row("unavailable filter", "bad_filter.h5",
        {"dataset 'states'", "filter 32004", "not available"});
    // Data that is not there
    row("huge, unwritten", "bad_huge_unwritten.h5",
        {"dataset 'states'", "not written", "(100000,100000,1000)"});
    row("partial chunks", "bad_partial_chunks.h5",
        {"dataset 'states'", "not fully written", "1 of 3 chunks"});
    row("zero-length dimension", "bad_zero_dim.h5",
        {"dataset 'states'", "zero-length dimension", "(0,5,6)"});
    row("data past the end", "truncated_data.h5", {"dataset 'states'", "truncated"});
    // Not HDF5
    row("truncated file", "truncated.h5", {"cannot open the file", "truncated file"});
    row("text file", "not_hdf5.h5", {"not an HDF5 file"});
    row("empty file", "empty.h5", {"not an HDF5 file"});
    row("directory", "directory.h5", {"not a regular file"});
    row("missing file", "does_not_exist.h5", {"no such file"});
    // A bad weights file beside a good recording
    wrow("weights file missing", "good_f64.h5", "no_weights_here.h5", "no_weights_here.h5",
         {"no such file"});
    wrow("weights file not HDF5", "good_f64.h5", "not_hdf5.h5", "not_hdf5.h5",
         {"not an HDF5 file"});
    wrow("weights file, weights not a group", "good_f64.h5", "bad_weights_not_group.h5",
         "bad_weights_not_group.h5", {"'weights' is not a group"});
    wrow("weights file, no weights", "good_f64.h5", "only_states.h5", "good_f64.h5", {});
}

void TestReader::malformed()
{
    QFETCH(QString, file);
    QFETCH(QString, weights);
    QFETCH(QString, culprit);
    QFETCH(QStringList, needles);
    QFETCH(QStringList, absent);

    // A malformed file is refused by a check, not read through: the fixtures
    // hold a few slabs at most, while some declare far more data than they
    // have (the unwritten (100000,100000,1000) one alone would be over a
    // million slabs). Stop a reader that keeps going and say so.
    int slabs = 0;
    constexpr int kMaxSlabs = 1000;
    io::ReadRequest req;
    req.recording = fixture(file).toStdString();
    req.weights = fixture(weights).toStdString();
    const io::ReadResult res = io::readRecording(
        req, [&slabs](double, const std::string&) { return ++slabs < kMaxSlabs; });
    QVERIFY2(slabs < kMaxSlabs,
             qPrintable(QStringLiteral("the reader worked through %1 slabs of %2 "
                                       "instead of refusing it")
                            .arg(slabs)
                            .arg(file)));
    const QString error = QString::fromStdString(res.error);
    if (needles.isEmpty()) {
        // Not malformed: a weights file without weights leaves the weight terms unavailable.
        QVERIFY2(res.summary, res.error.c_str());
        QVERIFY(!res.summary->has(Dataset::WeightsHid));
        const TermValues tv = computeTerms(*res.summary, Convention::Spec);
        const TermValue& hid = tv[Term::Hid];
        QVERIFY(!hid.available);
        QVERIFY2(QString::fromStdString(hid.reason).contains(fixture(weights)), hid.reason.c_str());
        return;
    }
    QVERIFY2(!res.summary, qPrintable("read without error: " + file));
    QVERIFY2(error.contains(fixture(culprit)), qPrintable(error));
    for (QString n : needles) {
        n.replace("%W", fixture(weights));
        QVERIFY2(error.contains(n), qPrintable("'" + error + "' lacks '" + n + "'"));
    }
    for (const QString& n : absent)
        QVERIFY2(!error.contains(n), qPrintable("'" + error + "' has '" + n + "'"));

    // The same bytes from memory are refused as well.
    QFile f(fixture(file));
    if (weights.isEmpty() && QFileInfo(f).isFile() && f.size() > 0 && f.open(QIODevice::ReadOnly)) {
        const QByteArray bytes = f.readAll();
        io::ReadRequest r;
        r.recording = fixture(file).toStdString();
        r.recordingImage = {reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                            static_cast<std::size_t>(bytes.size())};
        const io::ReadResult mem = io::readRecording(r);
        QVERIFY2(!mem.summary, "read from memory without error");
        QVERIFY2(QString::fromStdString(mem.error).contains(fixture(file)), mem.error.c_str());
    }
}

void TestReader::externalStorageNeverRead()
{
    // The fixture is live: external_raw.bin holds states-shaped data HDF5 would read.
    QFile raw(fixture("external_raw.bin"));
    QVERIFY(raw.open(QIODevice::ReadOnly));
    const QByteArray bytes = raw.readAll();
    QCOMPARE(bytes.size(), qsizetype(fx::B * fx::T * fx::NHID * sizeof(double)));
    double first = 0.0;
    std::memcpy(&first, bytes.constData(), sizeof first);
    QCOMPARE(first, fx::kExternalSentinel);

    for (std::size_t slab : {std::size_t(1), std::size_t(64) << 20}) {
        const io::ReadResult res = readFile(fixture("bad_external.h5"), {}, slab);
        QVERIFY(!res.summary);
        QVERIFY2(QString::fromStdString(res.error).contains("external"), res.error.c_str());
        QVERIFY(res.error.find(std::to_string(fx::kExternalSentinel)) == std::string::npos);
    }
    // As the weights file too: still refused, never read.
    const io::ReadResult w = readFile(fixture("good_f64.h5"), fixture("bad_external.h5"));
    QVERIFY2(w.summary, w.error.c_str()); // it holds no weights: they are unavailable
    QVERIFY(!w.summary->has(Dataset::WeightsHid));
    QVERIFY(w.summary->hasStates());
    for (double v : w.summary->neuronMax)
        QVERIFY(v < 1.0); // the states came from good_f64.h5, not from the sentinel
}

QTEST_APPLESS_MAIN(TestReader)
// ---------------------------------------------------------------------------
// Direct reads (io/rawread.h): the reader locates the raw extents, the caller
// reads them with pread. The result must be what the reader's own reduction
// gives.

namespace {

io::ReadResult readLayout(const QString& file)
{
    io::ReadRequest r;
    r.recording = file.toStdString();
    r.rawLayout = true;
    return io::readRecording(r);
}

bool sameOrBothNaN(const RowMatrix& a, const RowMatrix& b)
{
    return a.rows() == b.rows() && a.cols() == b.cols() && (a == b || (a.isNaN() && b.isNaN())).all();
}

const Recording& writtenRecording(std::uint64_t seed)
{
    static std::map<std::uint64_t, Recording> cache;
    auto it = cache.find(seed);
    if (it == cache.end())
        it = cache.emplace(seed, bruteforce::random({7, 11, 3, 19, 2}, unsigned(seed), true)).first;
    return it->second;
}

} // namespace

QString TestReader::written(const QString& name, const io::WriteOptions& o, std::uint64_t seed)
{
    const QString path = m_tmp.filePath(name);
    if (!QFileInfo::exists(path)) {
        const std::string err = io::writeRecording(path.toStdString(), writtenRecording(seed), o);
        if (!err.empty())
            qWarning("%s", err.c_str());
    }
    return path;
}

void TestReader::directMatchesReader_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("direct"); ///< whether the data can be read straight from the file
    QTest::newRow("f32 contiguous") << fixture("good_f32.h5") << true;
    QTest::newRow("f32 big-endian") << fixture("good_f32be.h5") << true;
    QTest::newRow("f64 contiguous") << fixture("good_f64.h5") << true;
    QTest::newRow("f64 big-endian") << fixture("good_f64be.h5") << true;
    QTest::newRow("non-finite states") << fixture("nonfinite.h5") << true;
    QTest::newRow("non-finite outputs") << fixture("nonfinite_outputs.h5") << true;
    QTest::newRow("half precision: reader") << fixture("good_f16.h5") << false;
    QTest::newRow("gzip chunks: reader") << fixture("chunked_trial.h5") << false;
    QTest::newRow("compact: reader") << fixture("compact.h5") << false;
    QTest::newRow("chunks cutting trials: reader") << fixture("mixed.h5") << false;
    QTest::newRow("outputs without targets: states direct") << fixture("outputs_no_targets.h5") << true;
    QTest::newRow("only weights: nothing to read") << fixture("only_weights.h5") << false;
    QTest::newRow("written, chunks of 1 trial")
        << written("chunk1.h5", {.chunkTrials = 1}) << true;
    QTest::newRow("written, chunks of 3 trials (edge chunk)")
        << written("chunk3.h5", {.chunkTrials = 3}) << true;
    QTest::newRow("written, f64 chunks of 2")
        << written("chunk2d.h5", {.doublePrecision = true, .chunkTrials = 2}) << true;
    QTest::newRow("written, gzip: reader")
        << written("gzip.h5", {.chunkTrials = 2, .gzipLevel = 4}) << false;
}

void TestReader::directMatchesReader()
{
    QFETCH(QString, file);
    QFETCH(bool, direct);
    const io::ReadResult ref = readFile(file);
    QVERIFY2(ref.summary, ref.error.c_str());
    const io::ReadResult lay = readLayout(file);
    QVERIFY2(lay.summary, lay.error.c_str());
    QCOMPARE(lay.summary->layout.has_value(), direct);
    if (!direct) {
        // Nothing left to the caller: the reader's summary as without the request.
        QVERIFY((lay.summary->trialSum == ref.summary->trialSum).all());
        return;
    }
    for (const RawDataset& d : lay.summary->layout->datasets)
        QVERIFY2(!lay.summary->has(d.which), "a dataset left to the caller is marked present");
    for (int threads : {1, 2, 3}) {
        Summary s = *lay.summary;
        io::RawReadOptions opt;
        opt.threads = threads;
        opt.blockBytes = 1; // one trial per read: many blocks, every extent boundary
        const std::string err = io::completeFromRaw(s, opt);
        QVERIFY2(err.empty(), err.c_str());
        const Summary& r = *ref.summary;
        for (int d = 0; d < kDatasetCount; ++d) {
            QCOMPARE(s.datasets[d].present, r.datasets[d].present);
            QCOMPARE(s.datasets[d].nonFinite, r.datasets[d].nonFinite);
        }
        QVERIFY(sameOrBothNaN(s.trialSum, r.trialSum));
        QVERIFY(sameOrBothNaN(s.trialSumSq, r.trialSumSq));
        QVERIFY(sameOrBothNaN(s.trialSumAbs, r.trialSumAbs));
        QCOMPARE(s.neuronMin, r.neuronMin);
        QCOMPARE(s.neuronMax, r.neuronMax);
        QCOMPARE(s.neuronActive, r.neuronActive);
        QCOMPARE(s.neuronNonFinite, r.neuronNonFinite);
        QCOMPARE(s.neuronHistograms.size(), r.neuronHistograms.size());
        for (std::size_t n = 0; n < s.neuronHistograms.size(); ++n) {
            QCOMPARE(s.neuronHistograms[n].counts, r.neuronHistograms[n].counts);
            QCOMPARE(s.neuronHistograms[n].width, r.neuronHistograms[n].width);
        }
        QCOMPARE(s.sqErrPerTrial.size(), r.sqErrPerTrial.size());
        for (std::size_t b = 0; b < s.sqErrPerTrial.size(); ++b)
            QVERIFY(s.sqErrPerTrial[b] == r.sqErrPerTrial[b] ||
                    (std::isnan(s.sqErrPerTrial[b]) && std::isnan(r.sqErrPerTrial[b])));
        for (Convention c : {Convention::Spec, Convention::Nn4n})
            for (Term t : kAllTerms) {
                const TermValue a = computeTerms(s, c)[t], b = computeTerms(r, c)[t];
                QVERIFY2(a.value == b.value, termName(t));
                QCOMPARE(a.available, b.available);
            }
        for (std::int64_t t = 0; t < s.timeSum.rows(); ++t)
            for (std::int64_t n = 0; n < s.timeSum.cols(); ++n)
                QVERIFY(close(s.timeSum(t, n), r.timeSum(t, n), 1e-12));
        QCOMPARE(s.warnings.size(), r.warnings.size());
    }
}

void TestReader::directRefusesChangedFile()
{
    const QString path = m_tmp.filePath("changing.h5");
    QVERIFY(io::writeRecording(path.toStdString(), writtenRecording(9), {.chunkTrials = 1}).empty());
    const io::ReadResult lay = readLayout(path);
    QVERIFY2(lay.summary && lay.summary->layout, lay.error.c_str());

    // Touched: same size, another modification time.
    struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
    QVERIFY(::utimensat(AT_FDCWD, path.toLocal8Bit().constData(), times, 0) == 0);
    Summary s = *lay.summary;
    std::string err = io::completeFromRaw(s);
    QVERIFY2(err.find("changed since it was read") != std::string::npos, err.c_str());
    QVERIFY2(err.find(path.toStdString()) == 0, err.c_str());

    // Truncated (and so another size): refused before any read.
    const io::ReadResult again = readLayout(path);
    QVERIFY2(again.summary && again.summary->layout, again.error.c_str());
    QVERIFY(::truncate(path.toLocal8Bit().constData(), 4096) == 0);
    s = *again.summary;
    err = io::completeFromRaw(s);
    QVERIFY2(err.find("changed since it was read") != std::string::npos, err.c_str());

    // Gone.
    QVERIFY(QFile::remove(path));
    s = *again.summary;
    err = io::completeFromRaw(s);
    QVERIFY2(err.find("cannot open") != std::string::npos, err.c_str());
}

void TestReader::directRefusesBadLayout_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("mention");
    QTest::newRow("extent past the end of the file") << 0 << "past the end of the file";
    QTest::newRow("extent of the wrong size") << 1 << "not its trials' size";
    QTest::newRow("a trial left out") << 2 << "do not cover the trials once";
    QTest::newRow("a trial twice") << 3 << "do not cover the trials once";
    QTest::newRow("elements of 2 bytes") << 4 << "elements of 2 bytes";
    QTest::newRow("shape of another recording") << 5 << "disagrees";
    QTest::newRow("inputs (read whole)") << 6 << "read whole";
}

void TestReader::directRefusesBadLayout()
{
    QFETCH(int, which);
    QFETCH(QString, mention);
    const QString path = written("chunk1.h5", {.chunkTrials = 1});
    const io::ReadResult lay = readLayout(path);
    QVERIFY2(lay.summary && lay.summary->layout, lay.error.c_str());
    Summary s = *lay.summary;
    RawDataset& d = s.layout->datasets.back();
    QVERIFY(d.extents.size() == 7);
    switch (which) {
    case 0: d.extents[3].offset = s.layout->fileSize - d.extents[3].bytes + 1; break;
    case 1: d.extents[3].bytes += 4; break;
    case 2: d.extents.erase(d.extents.begin() + 2); break;
    case 3: d.extents[3].firstTrial = 2; break;
    case 4: d.elementSize = 2; break;
    case 5: d.time += 1; break;
    case 6: d.which = Dataset::Inputs; break;
    }
    QVERIFY(!checkLayout(*s.layout, s.shape).empty());
    const std::string err = io::completeFromRaw(s);
    QVERIFY2(err.find(mention.toStdString()) != std::string::npos, err.c_str());
    QVERIFY2(err.find(path.toStdString()) == 0, err.c_str());
}

void TestReader::directSlice()
{
    // A slice cut out of the direct read is the slice of the recording
    // (float64 on disk, so the values are the in-memory ones).
    const QString path = written("chunk2d.h5", {.doublePrecision = true, .chunkTrials = 2});
    const Recording& rec = writtenRecording(5);
    Slice sl;
    sl.whole = rec.shape;
    sl.trials = {0, 2, 3, 6};
    sl.steps = {4, 5, 6, 7, 10};
    sl.neurons = {1, 2, 3, 17};
    const Summary want = summarizeSlice(rec, sl);
    const io::ReadResult lay = readLayout(path);
    QVERIFY2(lay.summary && lay.summary->layout, lay.error.c_str());
    for (int threads : {1, 2}) {
        Summary s = *lay.summary;
        io::RawReadOptions opt;
        opt.threads = threads;
        opt.slice = sl;
        const std::string err = io::completeFromRaw(s, opt);
        QVERIFY2(err.empty(), err.c_str());
        QVERIFY(s.slice && *s.slice == sl);
        QCOMPARE(s.shape, want.shape);
        QVERIFY((s.trialSum == want.trialSum).all());
        QCOMPARE(s.sqErrPerTrial, want.sqErrPerTrial);
        for (Convention c : {Convention::Spec, Convention::Nn4n})
            for (Term t : kAllTerms)
                QVERIFY2(computeTerms(s, c)[t].value == computeTerms(want, c)[t].value, termName(t));
    }
    // A slice of another shape is refused.
    Summary s = *lay.summary;
    io::RawReadOptions opt;
    opt.slice = sl;
    opt.slice->whole.batch += 1;
    QVERIFY(!io::completeFromRaw(s, opt).empty());
}

void TestReader::neuronOnDemand()
{
    // The PSTH and sample histogram of one neuron, gathered from the raw
    // extents, are those of the full pass, for the recording and for a slice.
    for (const QString& path : {written("chunk3.h5", {.chunkTrials = 3}), fixture("good_f64be.h5")}) {
        const io::ReadResult full = readFile(path);
        const io::ReadResult lay = readLayout(path);
        QVERIFY2(full.summary && lay.summary && lay.summary->layout, lay.error.c_str());
        const Shape sh = full.summary->shape;
        for (std::int64_t n : {std::int64_t(0), sh.nHid / 2, sh.nHid - 1}) {
            const io::NeuronDetail d = io::neuronFromRaw(*lay.summary, n);
            QVERIFY2(d.error.empty(), d.error.c_str());
            const Psth want = psth(*full.summary, n);
            QCOMPARE(d.psth.mean, want.mean);
            QCOMPARE(d.psth.sd, want.sd);
            const Histogram h = neuronRateHistogram(*full.summary, n);
            QCOMPARE(d.histogram.counts, h.counts);
            QCOMPARE(d.histogram.lo, h.lo);
            QCOMPARE(d.histogram.width, h.width);
        }
        // A slice: the same as the reader's summary of that slice.
        Slice sl = wholeSlice(sh);
        sl.trials = {1, sh.batch - 1};
        sl.steps = {0, 2, 3};
        sl.neurons = {1};
        io::ReadRequest req;
        req.recording = path.toStdString();
        req.slice = [&](const Summary&, std::string&) { return std::optional<Slice>(sl); };
        const io::ReadResult sliced = io::readRecording(req);
        QVERIFY2(sliced.summary, sliced.error.c_str());
        io::RawReadOptions opt;
        opt.slice = wholeSlice(sh);
        opt.slice->trials = sl.trials;
        opt.slice->steps = sl.steps;
        const io::NeuronDetail d = io::neuronFromRaw(*lay.summary, 1, opt);
        QVERIFY2(d.error.empty(), d.error.c_str());
        QCOMPARE(d.psth.mean, psth(*sliced.summary, 0).mean);
        QCOMPARE(d.histogram.counts, neuronRateHistogram(*sliced.summary, 0).counts);
        QVERIFY(!io::neuronFromRaw(*lay.summary, sh.nHid).error.empty());
    }
}

#include "test_reader.moc"
