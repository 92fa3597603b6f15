// The reference cases of tests/data/reference: values computed by nn4n's own
// RNNLoss and by the spec's formulas, in float64. Read through the real reader.

#include "loss.h"
#include "neuronstats.h"
#include "reader.h"

#include <QtTest>

using namespace rnnloss;

class TestReference : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cases_data();
    void cases();

private:
    QJsonObject m_root;
};

void TestReference::initTestCase()
{
    QFile f(QStringLiteral(RNNLOSS_TESTDATA_DIR "/reference/expected.json"));
    QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
    m_root = QJsonDocument::fromJson(f.readAll()).object();
    QVERIFY(!m_root.value("cases").toObject().isEmpty());
}

void TestReference::cases_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("key"); // "spec/all", ...
    const QJsonObject cases = m_root.value("cases").toObject();
    int rows = 0;
    for (auto it = cases.begin(); it != cases.end(); ++it)
        for (const QString& key : it.value().toObject().value("expected").toObject().keys()) {
            QTest::newRow(qPrintable(it.key() + "/" + key)) << it.key() << key;
            ++rows;
        }
    QVERIFY(rows >= 12);
}

void TestReference::cases()
{
    QFETCH(QString, name);
    QFETCH(QString, key);
    const QJsonObject c = m_root.value("cases").toObject().value(name).toObject();
    const QString dir = QStringLiteral(RNNLOSS_TESTDATA_DIR "/reference/");
    io::ReadRequest req;
    req.recording = (dir + c.value("recording").toString()).toStdString();
    if (c.value("weights").isString())
        req.weights = (dir + c.value("weights").toString()).toStdString();
    const io::ReadResult rr = io::readRecording(req);
    QVERIFY2(rr.summary, rr.error.c_str());
    const Summary& s = *rr.summary;

    const QJsonObject shape = c.value("shape").toObject();
    QCOMPARE(s.shape.batch, shape.value("batch").toInteger());
    QCOMPARE(s.shape.time, shape.value("time").toInteger());
    QCOMPARE(s.shape.nIn, shape.value("n_in").toInteger());
    QCOMPARE(s.shape.nHid, shape.value("n_hid").toInteger());
    QCOMPARE(s.shape.nOut, shape.value("n_out").toInteger());

    const QStringList parts = key.split('/');
    const auto conv = conventionFromName(parts[0].toStdString());
    QVERIFY(conv);
    const QJsonObject set = m_root.value("lambda_sets").toObject().value(parts[1]).toObject();
    TermArray lambdas{};
    for (Term t : kAllTerms)
        lambdas[index(t)] = set.value(QString::fromUtf8(termKey(t).data(), termKey(t).size())).toDouble(0.0);

    const LossResult r = evaluate(computeTerms(s, *conv), lambdas);
    const QJsonObject exp = c.value("expected").toObject().value(key).toObject();
    auto check = [](const std::optional<double>& got, const QJsonValue& want, const QString& what) {
        if (want.isNull()) {
            QVERIFY2(!got, qPrintable(what + " should be undefined"));
            return;
        }
        QVERIFY2(got, qPrintable(what + " is undefined"));
        const double w = want.toDouble();
        QVERIFY2(std::abs(*got - w) <= 1e-9 * std::max(std::abs(w), 1e-300) ||
                     (w == 0.0 && *got == 0.0),
                 qPrintable(QStringLiteral("%1: %2 vs nn4n/spec %3").arg(what).arg(*got, 0, 'g', 17).arg(w, 0, 'g', 17)));
    };
    check(r.total, exp.value("total"), "total");
    const QJsonObject terms = exp.value("terms").toObject();
    for (Term t : kAllTerms) {
        const QString k = QString::fromUtf8(termKey(t).data(), termKey(t).size());
        const QJsonObject e = terms.value(k).toObject();
        QCOMPARE(r[t].lambda, e.value("lambda").toDouble());
        check(r[t].value, e.value("value"), k + ".value");
        check(r[t].weighted, e.value("weighted"), k + ".weighted");
    }

    const QJsonArray mean = c.value("mean_rate").toArray();
    const NeuronStats st = computeNeuronStats(s, *conv);
    QCOMPARE(qsizetype(st.size()), mean.size());
    for (qsizetype n = 0; n < mean.size(); ++n)
        QVERIFY(std::abs(st.mean[n] - mean[n].toDouble()) <= 1e-9 * std::abs(mean[n].toDouble()) + 1e-300);
}

QTEST_APPLESS_MAIN(TestReference)
#include "test_reference.moc"
