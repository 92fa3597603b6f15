// The app's side of summary files (issue 16): the loader takes a recording's
// current summary file in its place (and still the recording's raw layout, so
// that selections and PSTHs read the recording), or a summary file alone;
// selections of such a summary, and the neuron details that need raw data
// saying that only its summary is here. Numbers against a brute-force
// computation over the arrays written here (tests/bruteforce.h).

#include "bruteforce.h"
#include "computeworker.h"
#include "loadcontroller.h"
#include "loss.h"
#include "slicecontroller.h"
#include "writer.h"

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace rnnloss;

namespace {

const QString kCli = QStringLiteral(RNNLOSS_CLI);
const QString kReader = QStringLiteral(RNNLOSS_READER);
constexpr int kTimeoutMs = 60000;
constexpr double kTol = 1e-9;
const Shape kShape{6, 9, 3, 5, 2};

bool near(std::optional<double> a, std::optional<double> b)
{
    if (!a || !b)
        return !a && !b;
    return std::abs(*a - *b) <= kTol * std::max({1e-300, std::abs(*a), std::abs(*b)});
}

/// The terms of `s` (nn4n) against the brute force over `trials` x `steps`.
QString termsProblem(const Summary& s, const Recording& rec, const std::vector<long>& trials = {},
                     const std::vector<long>& steps = {})
{
    const TermValues v = computeTerms(s, Convention::Nn4n);
    const bruteforce::Terms bf = bruteforce::compute(rec, true, trials, {}, steps);
    const std::optional<double> want[] = {bf.mse, bf.in, bf.hid, bf.out, bf.fr, bf.frSd, bf.frCv};
    for (Term t : kAllTerms)
        if (!near(v.terms[index(t)].value, want[index(t)]))
            return QStringLiteral("%1: %2, brute force %3")
                .arg(QString::fromUtf8(termKey(t).data()))
                .arg(v.terms[index(t)].value.value_or(qQNaN()), 0, 'g', 17)
                .arg(want[index(t)].value_or(qQNaN()), 0, 'g', 17);
    return {};
}

struct Loaded
{
    std::shared_ptr<const Summary> summary;
    LoadRequest request;
    QString error;
};

Loaded load(const QString& path)
{
    LoadController loader(kReader);
    QSignalSpy ok(&loader, &LoadController::loaded), bad(&loader, &LoadController::failed);
    loader.load({path});
    Loaded l;
    if (!QTest::qWaitFor([&] { return ok.size() + bad.size() > 0; }, kTimeoutMs))
        l.error = "no answer";
    else if (!bad.isEmpty())
        l.error = bad.front().front().toString();
    else {
        l.summary = ok.front().at(0).value<std::shared_ptr<const Summary>>();
        l.request = ok.front().at(1).value<LoadRequest>();
    }
    return l;
}

Recording asFloat(Recording r)
{
    for (auto* v : {&r.outputs, &r.targets, &r.states, &r.inputs, &r.wIn, &r.wHid, &r.wOut})
        for (double& x : *v)
            x = static_cast<double>(static_cast<float>(x));
    return r;
}

} // namespace

class TestSummaryLoad : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup() { LoadController::setSummariesUsed(true); }
    void besideItsRecording();
    void summaryAlone();
    void damagedSummary();

private:
    QTemporaryDir m_dir;
    QString m_rec;
    Recording m_data;
};

void TestSummaryLoad::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_rec = m_dir.filePath("rec.h5");
    m_data = asFloat(bruteforce::random(kShape, 21));
    io::WriteOptions o;
    o.chunkTrials = 1;
    o.trialLabels = {"a", "b", "a", "a", "b", "b"};
    QCOMPARE(io::writeRecording(m_rec.toStdString(), m_data, o), std::string());
    QProcess p;
    p.start(kCli, {"summarize", m_rec});
    QVERIFY(p.waitForFinished(kTimeoutMs));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(QFileInfo::exists(m_rec + ".rnnsum"));
}

void TestSummaryLoad::besideItsRecording()
{
    const Loaded a = load(m_rec);
    QVERIFY2(a.error.isEmpty(), qPrintable(a.error));
    QCOMPARE(a.request.summary, m_rec + ".rnnsum");
    QCOMPARE(a.request.recording, m_rec);
    QVERIFY(a.summary->layout.has_value()); // the recording's, for what needs raw data
    QCOMPARE(termsProblem(*a.summary, m_data), QString());

    LoadController::setSummariesUsed(false);
    const Loaded b = load(m_rec);
    QVERIFY2(b.error.isEmpty(), qPrintable(b.error));
    QVERIFY(b.request.summary.isEmpty());
    QCOMPARE(termsProblem(*b.summary, m_data), QString());

    // A time window and a PSTH read the recording, as without a summary.
    Slice window = wholeSlice(kShape);
    window.steps = {2, 3, 4, 5};
    const SliceController::Outcome w = SliceController::compute(
        *a.summary, a.request, SliceController::stampOf(m_rec), window, kReader);
    QVERIFY2(w.summary, qPrintable(w.error));
    QCOMPARE(termsProblem(*w.summary, m_data, {}, {2, 3, 4, 5}), QString());
    ComputeRequest req;
    req.summary = a.summary;
    req.neuron = 3;
    const ComputeResult r = ComputeWorker::compute(req);
    QVERIFY2(r.detailNote.empty(), r.detailNote.c_str());
    QCOMPARE(qsizetype(r.neuronPsth.mean.size()), qsizetype(kShape.time));
    for (long t = 0; t < kShape.time; ++t) {
        double sum = 0;
        for (long b = 0; b < kShape.batch; ++b)
            sum += bruteforce::at(m_data.states, kShape, b, t, 3, kShape.nHid);
        QVERIFY(near(r.neuronPsth.mean[std::size_t(t)], sum / double(kShape.batch)));
    }
}

void TestSummaryLoad::summaryAlone()
{
    QTemporaryDir alone;
    const QString file = alone.filePath("rec.h5.rnnsum");
    QVERIFY(QFile::copy(m_rec + ".rnnsum", file));
    const Loaded a = load(file);
    QVERIFY2(a.error.isEmpty(), qPrintable(a.error));
    QCOMPARE(a.request.summary, file);
    QVERIFY(!a.summary->layout);
    QCOMPARE(termsProblem(*a.summary, m_data), QString());

    // Trials from the per-trial sums; a time window refused, saying why.
    std::optional<Slice> trials = wholeSlice(kShape);
    trials->trials = {0, 2, 3};
    const auto stamp = SliceController::stampOf(file);
    const SliceController::Outcome t =
        SliceController::compute(*a.summary, a.request, stamp, trials, kReader);
    QVERIFY2(t.summary, qPrintable(t.error));
    QCOMPARE(termsProblem(*t.summary, m_data, {0, 2, 3}), QString());
    std::optional<Slice> window = wholeSlice(kShape);
    window->steps = {0, 1};
    const SliceController::Outcome w =
        SliceController::compute(*a.summary, a.request, stamp, window, kReader);
    QVERIFY(!w.summary);
    QVERIFY2(w.error.contains("time window") && w.error.endsWith("only its summary is here"),
             qPrintable(w.error));

    // The neuron's histogram is in the summary; its PSTH, the overlaid ones
    // and the split by label are not, and the note says so.
    ComputeRequest req;
    req.summary = a.summary;
    req.neuron = 1;
    req.psthNeurons = {1, 2, 4};
    req.splitByLabel = true;
    const ComputeResult r = ComputeWorker::compute(req);
    QCOMPARE(r.detailNote, std::string("a PSTH needs the recording's raw data: only its "
                                       "summary is here"));
    QVERIFY(!r.neuronHistogram.counts.empty());
    double total = 0;
    for (double c : r.neuronHistogram.counts)
        total += c;
    QCOMPARE(total, double(kShape.batch * kShape.time));
    QVERIFY(r.neuronPsth.mean.empty() && r.populationPsth.mean.empty() && r.labelPsths.empty());
}

void TestSummaryLoad::damagedSummary()
{
    const QString rec = m_dir.filePath("damaged.h5");
    QVERIFY(QFile::copy(m_rec, rec));
    QFile f(rec + ".rnnsum");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("\x89RNLSUM\n"); // the magic, then nothing
    f.close();
    const Loaded a = load(rec);
    QVERIFY2(a.error.isEmpty(), qPrintable(a.error));
    QVERIFY(a.request.summary.isEmpty());
    QCOMPARE(termsProblem(*a.summary, m_data), QString());
    QVERIFY(!a.summary->warnings.empty());
    QVERIFY2(QString::fromStdString(a.summary->warnings.back())
                 .startsWith(rec + ".rnnsum: truncated at byte 8"),
             a.summary->warnings.back().c_str());
    // Named itself, it is an error naming it.
    const Loaded b = load(rec + ".rnnsum");
    QVERIFY(b.error.startsWith(rec + ".rnnsum: truncated"));
}

QTEST_MAIN(TestSummaryLoad)
#include "test_summaryload.moc"
