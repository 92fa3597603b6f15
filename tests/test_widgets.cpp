// The views alone, offscreen: the lambda panel's log scale and signals, the
// loss breakdown's bars, the rate histogram's bins, the neuron table's sort and
// selection, the heatmap's colour map, and exporting a view to PNG/SVG/PDF.

#include "chartexport.h"
#include "heatmapview.h"
#include "lambdapanel.h"
#include "loss.h"
#include "lossbreakdownview.h"
#include "neuronstats.h"
#include "neurontable.h"
#include "ratehistogramview.h"

#include <QBarSeries>
#include <QBarSet>
#include <QCheckBox>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFile>
#include <QFocusEvent>
#include <QImage>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSlider>
#include <QTableView>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include <cmath>
#include <limits>
#include <random>

using namespace rnnloss;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The panel's rows in term order: found as children, checked to be seven.
template <class W>
QList<W*> rowWidgets(LambdaPanel& p)
{
    QList<W*> out = p.findChildren<W*>();
    return out;
}

/// Records every lambdasEdited emission (its arguments are engine arrays).
struct EditedRecorder
{
    QList<TermArray> effective;
    QList<std::array<bool, kTermCount>> enabled;
    explicit EditedRecorder(LambdaPanel& p)
    {
        QObject::connect(&p, &LambdaPanel::lambdasEdited, &p,
                         [this](const TermArray& e, const std::array<bool, kTermCount>& en) {
                             effective << e;
                             enabled << en;
                         });
    }
};

double relDiff(double a, double b)
{
    if (a == b)
        return 0.0;
    return std::abs(a - b) / std::max(std::abs(a), std::abs(b));
}

/// CIELAB lightness L* of an sRGB colour.
double lightness(const QColor& c)
{
    auto lin = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    const double y = 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
    const double f = y > 216.0 / 24389.0 ? std::cbrt(y) : (24389.0 / 27.0 * y + 16.0) / 116.0;
    return 116.0 * f - 16.0;
}

TermValues someTerms()
{
    TermValues tv;
    tv.convention = Convention::Spec;
    const double vals[kTermCount] = {0.0295, 0.125, 0.0267, 0.0216, 0.0432, 0.0859, 0.827};
    for (int i = 0; i < kTermCount; ++i) {
        tv.terms[i].available = true;
        tv.terms[i].value = vals[i];
    }
    return tv;
}

} // namespace

class TestWidgets : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    // LambdaPanel
    void sliderScale_data();
    void sliderScale();
    void sliderScaleEveryStep();
    void typedValue_data();
    void typedValue();
    void sliderEmitsItsValue();
    void uncheckKeepsRawValue();
    void setLambdasIsQuiet();
    void invalidTextRejected();
    void conventionCombo();

    // LossBreakdownView
    void breakdownShowsResult();
    void breakdownUndefinedTotal();

    // RateHistogramView
    void histogramBinsConsistent();
    void histogramBinClicked();

    // NeuronTableView
    void tableNumericSortNanLast();
    void tableSelectNeuronsIsQuiet();

    // HeatmapView
    void heatmapColorSymmetric();

    // exportWidget
    void exportFormats_data();
    void exportFormats();
    void exportFailures_data();
    void exportFailures();

private:
    QTemporaryDir m_tmp;
};

void TestWidgets::initTestCase()
{
    QVERIFY(m_tmp.isValid());
}

// ---------------------------------------------------------------- LambdaPanel

void TestWidgets::sliderScale_data()
{
    QTest::addColumn<double>("value");
    for (double v : {1e-6, 3.3e-4, 1e-3, 0.5, 1.0, 999.0, 1e3, 2.7e-5, 0.0123, 42.0})
        QTest::newRow(qPrintable(QString::number(v, 'g', 6))) << v;
}

void TestWidgets::sliderScale()
{
    QFETCH(double, value);
    const int pos = LambdaPanel::valueToSlider(value);
    QVERIFY(pos >= 0 && pos <= LambdaPanel::kSliderSteps);
    const double back = LambdaPanel::sliderToValue(pos);
    // One step is a factor 10^((max-min)/steps); the nearest step is within half of it.
    const double stepDecades = (LambdaPanel::kMaxExp - LambdaPanel::kMinExp) / LambdaPanel::kSliderSteps;
    const double stepRel = std::pow(10.0, stepDecades) - 1.0;
    QVERIFY2(relDiff(back, value) <= stepRel,
             qPrintable(QString("value %1 -> step %2 -> %3").arg(value).arg(pos).arg(back)));
    QVERIFY(std::abs(std::log10(back) - std::log10(value)) <= stepDecades / 2 + 1e-12);
    // Neighbouring steps are no nearer.
    for (int n : {pos - 1, pos + 1})
        if (n >= 0 && n <= LambdaPanel::kSliderSteps)
            QVERIFY(std::abs(std::log10(LambdaPanel::sliderToValue(n)) - std::log10(value)) >=
                    std::abs(std::log10(back) - std::log10(value)) - 1e-12);
    // The field's text of a step's value reads back to the same step.
    double parsed = -1.0;
    QVERIFY(LambdaPanel::parseLambda(LambdaPanel::formatLambda(back), &parsed));
    QCOMPARE(LambdaPanel::valueToSlider(parsed), pos);
}

void TestWidgets::sliderScaleEveryStep()
{
    for (int pos = 0; pos <= LambdaPanel::kSliderSteps; ++pos) {
        QCOMPARE(LambdaPanel::valueToSlider(LambdaPanel::sliderToValue(pos)), pos);
        double parsed = -1.0;
        QVERIFY(LambdaPanel::parseLambda(LambdaPanel::formatLambda(LambdaPanel::sliderToValue(pos)), &parsed));
        QCOMPARE(LambdaPanel::valueToSlider(parsed), pos);
    }
    QCOMPARE(LambdaPanel::sliderToValue(0), 1e-6);
    QCOMPARE(LambdaPanel::sliderToValue(LambdaPanel::kSliderSteps), 1e3);
    QCOMPARE(LambdaPanel::valueToSlider(0.0), 0);
    QCOMPARE(LambdaPanel::valueToSlider(1e-9), 0);
    QCOMPARE(LambdaPanel::valueToSlider(1e9), LambdaPanel::kSliderSteps);
    QCOMPARE(LambdaPanel::valueToSlider(std::numeric_limits<double>::infinity()), LambdaPanel::kSliderSteps);
}

void TestWidgets::typedValue_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<double>("expected");
    QTest::newRow("0.001") << "0.001" << 1e-3;
    QTest::newRow("1e-3") << "1e-3" << 1e-3;
    QTest::newRow("1E-3") << "1E-3" << 1e-3;
    QTest::newRow("3.3e-4") << "3.3e-4" << 3.3e-4;
    QTest::newRow("0.5") << "0.5" << 0.5;
    QTest::newRow("999") << "999" << 999.0;
    QTest::newRow("1e3") << "1e3" << 1e3;
    QTest::newRow(".25") << ".25" << 0.25;
    QTest::newRow("0") << "0" << 0.0;
}

void TestWidgets::typedValue()
{
    QFETCH(QString, text);
    QFETCH(double, expected);
    LambdaPanel p;
    p.setLambdas({1, 1, 1, 1, 1, 1, 1}, {true, true, true, true, true, true, true});
    const auto edits = rowWidgets<QLineEdit>(p);
    const auto sliders = rowWidgets<QSlider>(p);
    QCOMPARE(edits.size(), kTermCount);
    QCOMPARE(sliders.size(), kTermCount);
    EditedRecorder rec(p);
    QSignalSpy sliderSpy(sliders[4], &QSlider::valueChanged);

    const int row = index(Term::Fr);
    edits[row]->selectAll();
    QTest::keyClicks(edits[row], text);
    QCOMPARE(edits[row]->text(), text);
    QCOMPARE(p.rawLambdas()[row], expected); // exactly what was typed
    QCOMPARE(p.lambdas()[row], expected);
    QVERIFY(!rec.effective.isEmpty());
    QCOMPARE(rec.effective.last()[row], expected);
    for (int i = 0; i < kTermCount; ++i)
        if (i != row)
            QCOMPARE(rec.effective.last()[i], 1.0);
    QCOMPARE(sliders[row]->value(), LambdaPanel::valueToSlider(expected));
    // The slider moved, but its quantized value was not written back.
    QCOMPARE(p.rawLambdas()[row], expected);
    QCOMPARE(edits[row]->text(), text);
}

void TestWidgets::sliderEmitsItsValue()
{
    LambdaPanel p;
    p.setLambdas({}, {true, true, true, true, true, true, true});
    const auto sliders = rowWidgets<QSlider>(p);
    const auto edits = rowWidgets<QLineEdit>(p);
    QCOMPARE(sliders.size(), kTermCount);
    EditedRecorder rec(p);
    const int row = index(Term::FrSd);
    for (int pos : {1, 150, 300, 333, 599, 899, 900, 0}) {
        const int before = rec.effective.size();
        sliders[row]->setValue(pos);
        QCOMPARE(rec.effective.size(), before + 1);
        const double v = rec.effective.last()[row];
        // The value the field shows (six digits), i.e. the slider's value.
        QVERIFY2(relDiff(v, LambdaPanel::sliderToValue(pos)) < 1e-5,
                 qPrintable(QString("pos %1: %2 vs %3").arg(pos).arg(v).arg(LambdaPanel::sliderToValue(pos))));
        QCOMPARE(p.rawLambdas()[row], v);
        QCOMPARE(edits[row]->text(), LambdaPanel::formatLambda(LambdaPanel::sliderToValue(pos)));
        QCOMPARE(LambdaPanel::valueToSlider(v), pos);
        QCOMPARE(rec.enabled.last()[row], true);
    }
    QCOMPARE(LambdaPanel::valueToSlider(p.rawLambdas()[row]), 0);
}

void TestWidgets::uncheckKeepsRawValue()
{
    LambdaPanel p;
    TermArray v{1.0, 0.1, 0.01, 0.001, 0.5, 2.0, 3.0};
    p.setLambdas(v, {true, true, true, true, true, true, true});
    const auto boxes = rowWidgets<QCheckBox>(p);
    QCOMPARE(boxes.size(), kTermCount);
    EditedRecorder rec(p);
    const int row = index(Term::Fr);
    boxes[row]->setChecked(false);
    QCOMPARE(rec.effective.size(), 1);
    QCOMPARE(rec.effective.last()[row], 0.0);
    QCOMPARE(rec.enabled.last()[row], false);
    QCOMPARE(p.lambdas()[row], 0.0);
    QCOMPARE(p.rawLambdas()[row], 0.5);
    QCOMPARE(p.enabled()[row], false);
    for (int i = 0; i < kTermCount; ++i)
        if (i != row)
            QCOMPARE(p.lambdas()[i], v[i]);
    QVERIFY(!rowWidgets<QSlider>(p)[row]->isEnabled());
    QVERIFY(!rowWidgets<QLineEdit>(p)[row]->isEnabled());
    boxes[row]->setChecked(true);
    QCOMPARE(rec.effective.size(), 2);
    QCOMPARE(rec.effective.last()[row], 0.5);
    QCOMPARE(p.lambdas()[row], 0.5);
}

void TestWidgets::setLambdasIsQuiet()
{
    LambdaPanel p;
    QSignalSpy edited(&p, &LambdaPanel::lambdasEdited);
    QSignalSpy conv(&p, &LambdaPanel::conventionChanged);
    QVERIFY(edited.isValid());
    const TermArray v{1.0, 0.0, 3.3e-4, 1e-3, 0.5, 999.0, 1e3};
    const LambdaPanel::Flags en{true, false, true, true, false, true, true};
    p.setLambdas(v, en);
    p.setConvention(Convention::Nn4n);
    p.setAvailability({true, true, true, false, true, true, true}, {});
    QCOMPARE(edited.count(), 0);
    QCOMPARE(conv.count(), 0);
    QCOMPARE(p.rawLambdas(), v);
    QCOMPARE(p.enabled(), en);
    QCOMPARE(p.convention(), Convention::Nn4n);
    const auto sliders = rowWidgets<QSlider>(p);
    const auto edits = rowWidgets<QLineEdit>(p);
    for (int i = 0; i < kTermCount; ++i) {
        QCOMPARE(p.lambdas()[i], en[i] ? v[i] : 0.0);
        QCOMPARE(sliders[i]->value(), LambdaPanel::valueToSlider(v[i]));
        double shown = -1;
        QVERIFY(LambdaPanel::parseLambda(edits[i]->text(), &shown));
        QCOMPARE(shown, v[i]);
    }
    // Setting the same again is quiet too.
    p.setLambdas(v, en);
    QCOMPARE(edited.count(), 0);
}

void TestWidgets::invalidTextRejected()
{
    double v = 123.0;
    for (const char* bad : {"", " ", "abc", "-1", "-0.001", "1e-", "1e", "inf", "nan", "1e400", "0x10",
                            "1,5", "1.2.3", "--1"}) {
        QVERIFY2(!LambdaPanel::parseLambda(QString::fromLatin1(bad), &v), bad);
        QCOMPARE(v, 123.0);
    }
    QVERIFY(LambdaPanel::parseLambda(" 0.25 ", &v));
    QCOMPARE(v, 0.25);

    LambdaPanel p;
    p.setLambdas({0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, {true, true, true, true, true, true, true});
    const auto edits = rowWidgets<QLineEdit>(p);
    EditedRecorder rec(p);
    const int row = index(Term::Hid);
    // The validator refuses characters that can never form a number.
    edits[row]->selectAll();
    QTest::keyClicks(edits[row], "-x");
    QCOMPARE(p.rawLambdas()[row], 0.5);
    QCOMPARE(rec.effective.size(), 0);
    // A half-typed exponent keeps the last valid value and is undone on focus out.
    edits[row]->selectAll();
    QTest::keyClicks(edits[row], "2e-");
    QCOMPARE(edits[row]->text(), QStringLiteral("2e-"));
    QCOMPARE(p.rawLambdas()[row], 2.0);
    QFocusEvent out(QEvent::FocusOut, Qt::OtherFocusReason);
    QCoreApplication::sendEvent(edits[row], &out);
    QCOMPARE(edits[row]->text(), QStringLiteral("2"));
    QCOMPARE(p.rawLambdas()[row], 2.0);
}

void TestWidgets::conventionCombo()
{
    LambdaPanel p;
    auto* combo = p.findChild<QComboBox*>();
    QVERIFY(combo);
    QCOMPARE(p.convention(), Convention::Nn4n); // the default
    QCOMPARE(combo->currentText(), QStringLiteral("nn4n"));
    QSignalSpy conv(&p, &LambdaPanel::conventionChanged);
    combo->setCurrentIndex(combo->findText("spec"));
    QCOMPARE(conv.count(), 1);
    QCOMPARE(p.convention(), Convention::Spec);
    p.setConvention(Convention::Nn4n);
    QCOMPARE(conv.count(), 1);
    QCOMPARE(combo->currentText(), QStringLiteral("nn4n"));
}

// ----------------------------------------------------------- LossBreakdownView

void TestWidgets::breakdownShowsResult()
{
    const TermArray lambdas{1.0, 0.0, 1e-3, 0.0, 0.01, 1e-3, 0.0};
    const LossResult r = evaluate(someTerms(), lambdas);
    QVERIFY(r.total);
    LossBreakdownView v;
    v.resize(640, 400);
    v.setResult(r);
    const QList<double> w = v.weightedBars();
    QCOMPARE(w.size(), kTermCount + 1);
    double sum = 0.0;
    for (int i = 0; i < kTermCount; ++i) {
        const TermResult& t = r.terms[i];
        const double expected = t.lambda != 0.0 ? *t.weighted : 0.0;
        QCOMPARE(w[i], expected);
        sum += expected;
        QCOMPARE(v.result().terms[i].lambda, lambdas[i]);
    }
    QCOMPARE(w[kTermCount], *r.total);
    QVERIFY(relDiff(sum, *r.total) < 1e-12);
    QCOMPARE(v.categoryLabels().size(), kTermCount + 1);
    QVERIFY(v.categoryLabels().last().startsWith("total"));
    QVERIFY(v.categoryLabels().first().startsWith("mse"));
    const QList<double> u = v.unweightedBars();
    QCOMPARE(u.size(), kTermCount + 1);
    for (int i = 0; i < kTermCount; ++i)
        QCOMPARE(u[i], *r.terms[i].value);
    QVERIFY(v.chart()->title().contains(QString::number(*r.total, 'e', 3)));

    // A new result replaces the bars; toggles keep them.
    const TermArray l2{0.5, 1.0, 0.0, 0.0, 0.0, 0.0, 2.0};
    const LossResult r2 = evaluate(someTerms(), l2);
    v.setResult(r2);
    v.setLogScale(true);
    v.setShowUnweighted(true);
    v.setLogScale(false);
    const QList<double> w2 = v.weightedBars();
    for (int i = 0; i < kTermCount; ++i)
        QCOMPARE(w2[i], r2.terms[i].lambda != 0.0 ? *r2.terms[i].weighted : 0.0);
    QCOMPARE(w2[kTermCount], *r2.total);
}

void TestWidgets::breakdownUndefinedTotal()
{
    TermValues tv = someTerms();
    tv.terms[index(Term::FrCv)].value.reset();
    tv.terms[index(Term::FrCv)].reason = "mean rate is 0";
    const LossResult r = evaluate(tv, {1.0, 0, 0, 0, 0, 0, 1.0});
    QVERIFY(!r.total);
    LossBreakdownView v;
    v.setResult(r);
    const QList<double> w = v.weightedBars();
    QCOMPARE(w[0], *r.terms[0].weighted);
    QVERIFY(!std::isnan(w[kTermCount])); // plotted at the base, not NaN
    QVERIFY(v.chart()->title().contains("undefined"));
}

// ----------------------------------------------------------- RateHistogramView

void TestWidgets::histogramBinsConsistent()
{
    std::mt19937 rng(7);
    std::gamma_distribution<double> g(2.0, 0.05);
    std::vector<double> rates(300);
    for (double& r : rates)
        r = g(rng);
    rates[17] = kNaN; // an undefined neuron falls in no bin
    RateHistogramView v;
    RateSpread spread{0.1, 0.07, 0.7};
    v.setData(rates, spread, Convention::Spec);
    for (int bins : {20, 7, 2, 50}) {
        v.setBinCount(bins);
        QCOMPARE(v.binCount(), bins);
        const Histogram expected = histogramOf(rates, bins);
        const Histogram& h = v.histogram();
        QCOMPARE(h.counts.size(), expected.counts.size());
        QCOMPARE(h.lo, expected.lo);
        QCOMPARE(h.width, expected.width);
        QVector<int> seen(int(rates.size()), 0);
        int total = 0;
        for (int b = 0; b < int(h.counts.size()); ++b) {
            QCOMPARE(h.counts[b], expected.counts[b]);
            const QVector<int> n = v.neuronsInBin(b);
            QCOMPARE(double(n.size()), expected.counts[b]);
            for (int k : n) {
                QCOMPARE(expected.binOf(rates[k]), b);
                ++seen[k];
            }
            total += n.size();
        }
        QCOMPARE(total, int(rates.size()) - 1);
        for (int k = 0; k < int(rates.size()); ++k)
            QCOMPARE(seen[k], k == 17 ? 0 : 1);
        QVERIFY(v.neuronsInBin(-1).isEmpty());
        QVERIFY(v.neuronsInBin(bins).isEmpty());
    }
}

void TestWidgets::histogramBinClicked()
{
    std::vector<double> rates;
    for (int i = 0; i < 64; ++i)
        rates.push_back(0.01 * (i % 13) + 0.001 * i);
    RateHistogramView v;
    v.setData(rates, {0.08, 0.04, 0.5}, Convention::Nn4n);
    v.setBinCount(10);
    auto* series = qobject_cast<QBarSeries*>(v.chartView()->chart()->series().value(0));
    QVERIFY(series);
    QCOMPARE(series->barSets().size(), 1);
    QBarSet* set = series->barSets().front();
    QCOMPARE(set->count(), 10);
    QSignalSpy clicked(&v, &RateHistogramView::binClicked);
    for (int b = 0; b < 10; ++b) {
        QCOMPARE(set->at(b), v.histogram().counts[b]);
        emit set->clicked(b); // what a mouse click on bar b does
        QCOMPARE(clicked.count(), b + 1);
        const auto n = clicked.last().at(0).value<QVector<int>>();
        QCOMPARE(n, v.neuronsInBin(b));
        QCOMPARE(double(n.size()), v.histogram().counts[b]);
    }
    // Highlighting neurons marks exactly their bins.
    const QVector<int> some{0, 63};
    v.setHighlightedNeurons(some);
    QVector<int> bins{v.histogram().binOf(rates[0]), v.histogram().binOf(rates[63])};
    std::sort(bins.begin(), bins.end());
    bins.erase(std::unique(bins.begin(), bins.end()), bins.end());
    QVector<int> got = v.highlightedBins();
    std::sort(got.begin(), got.end());
    QCOMPARE(got, bins);
}

// ------------------------------------------------------------- NeuronTableView

void TestWidgets::tableNumericSortNanLast()
{
    NeuronStats s;
    // Numeric order differs from text order (9 < 10 < 100), with NaN in the middle.
    s.mean = {10.0, kNaN, 9.0, 100.0, 0.5, kNaN, 2e-3};
    const std::size_t n = s.mean.size();
    s.sd.assign(n, 0.1);
    s.cv.assign(n, 0.2);
    s.min.assign(n, 0.0);
    s.max.assign(n, 1.0);
    s.fractionActive.assign(n, 0.5);
    s.frContribution.assign(n, 0.01);
    NeuronTableView v;
    v.setStats(s);
    QCOMPARE(v.model()->rowCount(), int(n));
    QSortFilterProxyModel* proxy = v.proxy();
    auto column = [&](int col) {
        QVector<int> rows;
        for (int r = 0; r < proxy->rowCount(); ++r)
            rows << proxy->mapToSource(proxy->index(r, col)).row();
        return rows;
    };
    v.tableView()->sortByColumn(NeuronTableModel::ColMean, Qt::AscendingOrder);
    QCOMPARE(column(NeuronTableModel::ColMean), (QVector<int>{6, 4, 2, 0, 3, 1, 5}));
    v.tableView()->sortByColumn(NeuronTableModel::ColMean, Qt::DescendingOrder);
    const QVector<int> desc = column(NeuronTableModel::ColMean);
    QCOMPARE(desc.mid(0, 5), (QVector<int>{3, 0, 2, 4, 6}));
    QVERIFY(std::isnan(s.mean[desc[5]]) && std::isnan(s.mean[desc[6]]));
    // Sorting by the neuron column restores the index order.
    v.tableView()->sortByColumn(NeuronTableModel::ColNeuron, Qt::AscendingOrder);
    QCOMPARE(column(0), (QVector<int>{0, 1, 2, 3, 4, 5, 6}));
    QVERIFY(std::isnan(v.model()->value(1, NeuronTableModel::ColMean)));
    QCOMPARE(v.model()->value(3, NeuronTableModel::ColMean), 100.0);
}

void TestWidgets::tableSelectNeuronsIsQuiet()
{
    NeuronStats s;
    const std::size_t n = 40;
    for (std::size_t i = 0; i < n; ++i)
        s.mean.push_back(std::sin(double(i)) + 1.0);
    s.sd = s.cv = s.min = s.max = s.fractionActive = s.frContribution = s.mean;
    NeuronTableView v;
    v.setStats(s);
    v.tableView()->sortByColumn(NeuronTableModel::ColMean, Qt::DescendingOrder);
    QSignalSpy selected(&v, &NeuronTableView::neuronSelected);
    QSignalSpy changed(&v, &NeuronTableView::selectionChanged);
    const QVector<int> want{3, 17, 29};
    v.selectNeurons(want);
    QCOMPARE(v.selectedNeurons(), want);
    v.selectNeurons({});
    QVERIFY(v.selectedNeurons().isEmpty());
    v.selectNeurons({5, -1, 400});
    QCOMPARE(v.selectedNeurons(), QVector<int>{5});
    QCOMPARE(selected.count(), 0);
    QCOMPARE(changed.count(), 0);
    // A user selection does emit.
    const QModelIndex idx = v.proxy()->mapFromSource(v.model()->index(8, 0));
    v.tableView()->selectionModel()->select(idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.last().at(0).value<QVector<int>>(), QVector<int>{8});
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.last().at(0).toInt(), 8);
}

// ----------------------------------------------------------------- HeatmapView

void TestWidgets::heatmapColorSymmetric()
{
    const QColor zero = HeatmapView::colorFor(0.0);
    // 0 is the neutral light end of the map: no hue and the lightest colour.
    // (The map is ColorBrewer RdBu, whose centre is #f7f7f7, not pure #ffffff.)
    QCOMPARE(zero.red(), zero.green());
    QCOMPARE(zero.green(), zero.blue());
    QVERIFY2(zero.red() >= 0xf5, qPrintable(zero.name()));
    QCOMPARE(HeatmapView::colorFor(-0.0), zero);
    const double l0 = lightness(zero);
    double lastL = l0;
    for (int k = 1; k <= 100; ++k) {
        const double x = k / 100.0;
        const QColor pos = HeatmapView::colorFor(x), neg = HeatmapView::colorFor(-x);
        // Mirror images: red on one side, blue on the other, equally light.
        QVERIFY2(pos.red() > pos.blue(), qPrintable(QString("%1: %2").arg(x).arg(pos.name())));
        QVERIFY2(neg.blue() > neg.red(), qPrintable(QString("%1: %2").arg(-x).arg(neg.name())));
        QVERIFY2(std::abs(lightness(pos) - lightness(neg)) < 5.0,
                 qPrintable(QString("%1: L* %2 vs %3").arg(x).arg(lightness(pos)).arg(lightness(neg))));
        QVERIFY(lightness(pos) < l0 && lightness(neg) < l0);
        // Darker the farther from 0.
        const double l = (lightness(pos) + lightness(neg)) / 2;
        QVERIFY(l <= lastL + 1e-9);
        lastL = l;
    }
    // Out of range clamps; NaN is grey and unlike any map colour.
    QCOMPARE(HeatmapView::colorFor(5.0), HeatmapView::colorFor(1.0));
    QCOMPARE(HeatmapView::colorFor(-5.0), HeatmapView::colorFor(-1.0));
    const QColor nan = HeatmapView::colorFor(kNaN);
    QCOMPARE(nan.red(), nan.green());
    QVERIFY(nan != zero);

    // A symmetric matrix paints symmetric colours.
    HeatmapView h;
    const float m[6] = {-2.f, -1.f, 0.f, 1.f, 2.f, std::numeric_limits<float>::quiet_NaN()};
    h.setMatrix(m, 2, 3, "w");
    QCOMPARE(h.rows(), 2);
    QCOMPARE(h.cols(), 3);
    QCOMPARE(h.limit(), 2.0);
    QCOMPARE(h.valueAt(0, 1), -1.0);
    QVERIFY(std::isnan(h.valueAt(1, 2)));
    QVERIFY(std::isnan(h.valueAt(5, 5)));
}

// ---------------------------------------------------------------- exportWidget

void TestWidgets::exportFormats_data()
{
    QTest::addColumn<QString>("suffix");
    QTest::newRow("png") << "png";
    QTest::newRow("PNG") << "PNG";
    QTest::newRow("svg") << "svg";
    QTest::newRow("pdf") << "pdf";
}

void TestWidgets::exportFormats()
{
    QFETCH(QString, suffix);
    LossBreakdownView v;
    v.setResult(evaluate(someTerms(), {1.0, 0.0, 1e-3, 0.0, 0.01, 1e-3, 0.0}));
    v.resize(500, 320);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    const QString path = m_tmp.filePath("chart." + suffix);
    QString error = "untouched";
    QVERIFY2(exportWidget(&v, path, &error), qPrintable(error));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY(bytes.size() > 100);
    const QString s = suffix.toLower();
    if (s == "png") {
        QImage img;
        QVERIFY(img.loadFromData(bytes, "PNG"));
        QVERIFY(!img.isNull());
        QVERIFY(img.width() > 0 && img.height() > 0);
        QCOMPARE(img.size(), v.size() * 2); // device pixel ratio 2
        // Something was drawn: not a single colour.
        const QRgb first = img.pixel(0, 0);
        bool varied = false;
        for (int y = 0; y < img.height() && !varied; y += 7)
            for (int x = 0; x < img.width() && !varied; x += 7)
                varied = img.pixel(x, y) != first;
        QVERIFY(varied);
    } else if (s == "svg") {
        QXmlStreamReader xml(bytes);
        QString root;
        int elements = 0;
        while (!xml.atEnd()) {
            xml.readNext();
            if (xml.isStartElement()) {
                if (root.isEmpty())
                    root = xml.name().toString();
                ++elements;
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(root, QStringLiteral("svg"));
        QVERIFY(elements > 5);
    } else {
        QVERIFY(bytes.startsWith("%PDF"));
        QVERIFY(bytes.contains("%%EOF"));
    }
}

void TestWidgets::exportFailures_data()
{
    QTest::addColumn<QString>("path");
    const QString dir = m_tmp.path();
    QTest::newRow("unknown suffix") << dir + "/chart.bmp";
    QTest::newRow("no suffix") << dir + "/chart";
    QTest::newRow("unwritable png") << "/nonexistent-dir-rnnloss/chart.png";
    QTest::newRow("unwritable svg") << "/nonexistent-dir-rnnloss/chart.svg";
    QTest::newRow("unwritable pdf") << "/nonexistent-dir-rnnloss/chart.pdf";
    QTest::newRow("a directory") << dir + "/adir.png";
}

void TestWidgets::exportFailures()
{
    QFETCH(QString, path);
    QDir(m_tmp.path()).mkpath("adir.png");
    LossBreakdownView v;
    v.resize(300, 200);
    QString error;
    QVERIFY(!exportWidget(&v, path, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY2(error.contains(path), qPrintable(error));
    if (!path.endsWith("adir.png"))
        QVERIFY(!QFile::exists(path));
    QString dummy;
    QVERIFY(!exportWidget(nullptr, m_tmp.filePath("x.png"), &dummy));
    QVERIFY(!dummy.isEmpty());
}

QTEST_MAIN(TestWidgets)
#include "test_widgets.moc"
