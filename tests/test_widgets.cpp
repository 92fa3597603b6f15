// The views alone, offscreen: the lambda panel's log scale and signals, the
// loss breakdown's bars, the rate histogram's bins, the neuron table's sort and
// selection, the heatmap's colour map, and exporting a view to PNG/SVG/PDF.

#include "chartexport.h"
#include "heatmapview.h"
#include "lambdapanel.h"
#include "loss.h"
#include "lossbreakdownview.h"
#include "neurondetailview.h"
#include "neuronstats.h"
#include "neurontable.h"
#include "ratehistogramview.h"

#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFocusEvent>
#include <QFontDatabase>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QSignalSpy>
#include <QSlider>
#include <QStyle>
#include <QTableView>
#include <QTemporaryDir>
#include <QValueAxis>
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

/// True when `v` > 0 has at most two significant digits (0.0025, 1.1e-05, 990).
bool twoDigits(double v)
{
    const double scaled = v * std::pow(10.0, 1 - std::floor(std::log10(v)));
    return std::abs(scaled - std::round(scaled)) < 1e-6;
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
    void refusedInputIsMarked_data();
    void refusedInputIsMarked();
    void outOfSliderRangeKeptExactly_data();
    void outOfSliderRangeKeptExactly();
    void sliderSnapsWhileDragging();
    void sliderArrowKeysStepToNextValue();
    void lambdaParser_data();
    void lambdaParser();
    void conventionCombo();
    void conventionHintLinksFormulas();
    void lambdaFieldsReadableWhenNarrow();

    // LossBreakdownView
    void breakdownShowsResult();
    void breakdownUndefinedTotal();
    void breakdownLogFloorFollowsSmallest();
    void breakdownAutoLogScale();
    void breakdownValueLabels();

    // RateHistogramView
    void histogramBinsConsistent();
    void histogramBinClicked();
    void histogramHighlightIsProportional();
    void histogramReadoutNamesEachNumber();
    void histogramCountsSilentNeurons();

    // NeuronDetailView
    void detailWithoutNeuronAsksForOne();
    void detailSilentNeuronReadableAxis();
    void detailPsthOverlay();

    // NeuronTableView
    void tableNumericSortNanLast();
    void tableSelectNeuronsIsQuiet();
    void tableColumnsFitDefaultWidth();

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
    // A step's value is its point on the log scale rounded to two significant
    // digits: within half a step plus the rounding (at most 5 %, 1.05 -> 1.0/1.1).
    const double stepDecades = (LambdaPanel::kMaxExp - LambdaPanel::kMinExp) / LambdaPanel::kSliderSteps;
    QVERIFY2(std::abs(std::log10(back) - std::log10(value)) <=
                 stepDecades / 2 + std::log10(1.05) + 1e-12,
             qPrintable(QString("value %1 -> step %2 -> %3").arg(value).arg(pos).arg(back)));
    QVERIFY2(twoDigits(back), qPrintable(QString::number(back, 'g', 17)));
    // A value the slider can show exactly is found back.
    if (twoDigits(value))
        QCOMPARE(back, value);
    // The field's text of a step's value reads back to the same value and step value.
    double parsed = -1.0;
    QVERIFY(LambdaPanel::parseLambda(LambdaPanel::formatLambda(back), &parsed));
    QCOMPARE(parsed, back);
    QCOMPARE(LambdaPanel::sliderToValue(LambdaPanel::valueToSlider(parsed)), back);
}

void TestWidgets::sliderScaleEveryStep()
{
    double previous = 0.0;
    for (int pos = 0; pos <= LambdaPanel::kSliderSteps; ++pos) {
        const double v = LambdaPanel::sliderToValue(pos);
        const double exact =
            std::pow(10.0, LambdaPanel::kMinExp + 9.0 * pos / LambdaPanel::kSliderSteps);
        QVERIFY2(twoDigits(v), qPrintable(QString("step %1: %2").arg(pos).arg(v, 0, 'g', 17)));
        QVERIFY(relDiff(v, exact) <= 0.05);
        QVERIFY(v >= previous); // monotone
        previous = v;
        QCOMPARE(LambdaPanel::sliderToValue(LambdaPanel::valueToSlider(v)), v);
        // The text the field shows: short ("0.0025", "2.5e-05") and exactly the value.
        const QString text = LambdaPanel::formatLambda(v);
        QVERIFY2(text.size() <= 7, qPrintable(text));
        double parsed = -1.0;
        QVERIFY(LambdaPanel::parseLambda(text, &parsed));
        QCOMPARE(parsed, v);
    }
    QCOMPARE(LambdaPanel::sliderToValue(0), 1e-6);
    QCOMPARE(LambdaPanel::sliderToValue(LambdaPanel::kSliderSteps), 1e3);
    QCOMPARE(LambdaPanel::sliderToValue(600), 1.0);
    QCOMPARE(LambdaPanel::sliderToValue(300), 1e-3);
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
    QTest::newRow("0.025704 (kept, not rounded)") << "0.025704" << 0.025704;
    QTest::newRow("+2") << "+2" << 2.0;
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
        // The step's value, exactly as the field shows it.
        QCOMPARE(v, LambdaPanel::sliderToValue(pos));
        QCOMPARE(p.rawLambdas()[row], v);
        QCOMPARE(edits[row]->text(), LambdaPanel::formatLambda(v));
        QCOMPARE(LambdaPanel::sliderToValue(LambdaPanel::valueToSlider(v)), v);
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

void TestWidgets::refusedInputIsMarked_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("typed");     // key by key, else pasted whole
    QTest::addColumn<QString>("reason"); // a word of the message
    QTest::newRow("-1") << "-1" << true << "negative";
    QTest::newRow("-0.001") << "-0.001" << true << "negative";
    QTest::newRow("abc") << "abc" << true << "not a number";
    QTest::newRow("empty") << "" << true << "empty";
    QTest::newRow("inf") << "inf" << true << "finite";
    // Typed, "1e99" and "1" on the way are numbers and apply; pasted, nothing does.
    QTest::newRow("1e999") << "1e999" << false << "range";
    QTest::newRow("1,5") << "1,5" << false << "not a number";
}

void TestWidgets::refusedInputIsMarked()
{
    QFETCH(QString, text);
    QFETCH(bool, typed);
    QFETCH(QString, reason);
    LambdaPanel p;
    p.setLambdas({1, 1, 1, 1, 0.5, 1, 1}, {true, true, true, true, true, true, true});
    const auto edits = rowWidgets<QLineEdit>(p);
    EditedRecorder rec(p);
    const int row = index(Term::Fr);
    edits[row]->selectAll();
    if (text.isEmpty())
        QTest::keyClick(edits[row], Qt::Key_Backspace);
    else if (typed)
        QTest::keyClicks(edits[row], text);
    else
        edits[row]->insert(text); // what a paste does
    // Refused whole: the text stays as typed (not "1" for "-1"), the value does not change.
    QCOMPARE(edits[row]->text(), text);
    QCOMPARE(p.rawLambdas()[row], 0.5);
    QCOMPARE(rec.effective.size(), 0); // nothing on the way applied either
    QVERIFY(edits[row]->property("refused").toBool());
    QVERIFY2(edits[row]->toolTip().contains(reason), qPrintable(edits[row]->toolTip()));
    QVERIFY2(edits[row]->toolTip().contains("0.5"), qPrintable(edits[row]->toolTip()));
    QVERIFY2(p.message().contains(reason) && p.message().contains("fr"), qPrintable(p.message()));
    QVERIFY(p.findChild<QLabel*>("lambdaMessage")->isVisibleTo(&p));
    // A valid value clears the mark.
    edits[row]->selectAll();
    QTest::keyClicks(edits[row], "0.25");
    QCOMPARE(p.rawLambdas()[row], 0.25);
    QVERIFY(!edits[row]->property("refused").toBool());
    QVERIFY(!edits[row]->toolTip().contains(reason));
}

void TestWidgets::outOfSliderRangeKeptExactly_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<double>("expected");
    QTest::addColumn<int>("sliderPos");
    QTest::newRow("1e9") << "1e9" << 1e9 << LambdaPanel::kSliderSteps;
    QTest::newRow("2500") << "2500" << 2500.0 << LambdaPanel::kSliderSteps;
    QTest::newRow("1e-8") << "1e-8" << 1e-8 << 0;
}

void TestWidgets::outOfSliderRangeKeptExactly()
{
    // A researcher who types 1e9 means 1e9: the value is kept, the slider sits
    // at its end, marked, and the panel says so.
    QFETCH(QString, text);
    QFETCH(double, expected);
    QFETCH(int, sliderPos);
    LambdaPanel p;
    p.setLambdas({1, 1, 1, 1, 1, 1, 1}, {true, true, true, true, true, true, true});
    const auto edits = rowWidgets<QLineEdit>(p);
    const auto sliders = rowWidgets<QSlider>(p);
    EditedRecorder rec(p);
    const int row = index(Term::Hid);
    edits[row]->selectAll();
    QTest::keyClicks(edits[row], text);
    QCOMPARE(p.rawLambdas()[row], expected);
    QCOMPARE(rec.effective.last()[row], expected);
    QCOMPARE(sliders[row]->value(), sliderPos);
    QVERIFY(sliders[row]->property("outOfRange").toBool());
    QVERIFY(sliders[row]->toolTip().contains("beyond"));
    QVERIFY2(p.message().contains("beyond") && p.message().contains("kept"),
             qPrintable(p.message()));
    QVERIFY(!edits[row]->property("refused").toBool());
    // Back in range: the mark and the message go.
    edits[row]->selectAll();
    QTest::keyClicks(edits[row], "0.5");
    QVERIFY(!sliders[row]->property("outOfRange").toBool());
    QVERIFY(p.message().isEmpty());
    // Set from outside (a file, undo) the same holds.
    p.setLambdas({1, 1, expected, 1, 1, 1, 1}, {true, true, true, true, true, true, true});
    QCOMPARE(p.rawLambdas()[row], expected);
    QVERIFY(sliders[row]->property("outOfRange").toBool());
}

void TestWidgets::sliderSnapsWhileDragging()
{
    LambdaPanel p;
    p.setLambdas({}, {true, true, true, true, true, true, true});
    const auto sliders = rowWidgets<QSlider>(p);
    const auto edits = rowWidgets<QLineEdit>(p);
    EditedRecorder rec(p);
    const int row = index(Term::Fr);
    QSlider* s = sliders[row];
    s->setSliderDown(true);
    for (int pos = 0; pos <= LambdaPanel::kSliderSteps; pos += 7)
        s->setSliderPosition(pos);
    s->setSliderDown(false);
    QVERIFY(rec.effective.size() > 50);
    double previous = -1.0;
    for (const TermArray& e : rec.effective) {
        const double v = e[row];
        QVERIFY2(twoDigits(v), qPrintable(QString::number(v, 'g', 17)));
        QVERIFY(v != previous); // only changes are emitted
        previous = v;
    }
    QCOMPARE(edits[row]->text(), LambdaPanel::formatLambda(p.rawLambdas()[row]));
    QVERIFY(edits[row]->text().size() <= 7);
}

void TestWidgets::sliderArrowKeysStepToNextValue()
{
    // Near 1.0 several steps round to the same two digits: a key press still
    // changes the value, to the next round one.
    struct Case
    {
        double from;
        double up;
        double down;
    };
    const Case cases[] = {
        {1.0, 1.1, 0.98}, {1e-3, 1.1e-3, 9.8e-4}, {0.5, 0.51, 0.49}, {10.0, 11.0, 9.8}};
    for (const Case& c : cases) {
        LambdaPanel p;
        p.setLambdas({c.from, 1, 1, 1, 1, 1, 1}, {true, true, true, true, true, true, true});
        QSlider* s = rowWidgets<QSlider>(p)[0];
        QTest::keyClick(s, Qt::Key_Right);
        QCOMPARE(p.rawLambdas()[0], c.up);
        p.setLambdas({c.from, 1, 1, 1, 1, 1, 1}, {true, true, true, true, true, true, true});
        QTest::keyClick(s, Qt::Key_Left);
        QCOMPARE(p.rawLambdas()[0], c.down);
    }
}

void TestWidgets::lambdaParser_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("reason");
    QTest::newRow("0.001") << "0.001" << true << 1e-3 << "";
    QTest::newRow("1e-3") << "1e-3" << true << 1e-3 << "";
    QTest::newRow(" 2.5 ") << " 2.5 " << true << 2.5 << "";
    QTest::newRow("+1") << "+1" << true << 1.0 << "";
    QTest::newRow("-0") << "-0" << false << 0.0 << "negative";
    QTest::newRow("-1") << "-1" << false << 0.0 << "negative";
    QTest::newRow("--1") << "--1" << false << 0.0 << "not a number";
    QTest::newRow("+-1") << "+-1" << false << 0.0 << "not a number";
    QTest::newRow("abc") << "abc" << false << 0.0 << "not a number";
    QTest::newRow("empty") << "" << false << 0.0 << "empty";
    QTest::newRow("blank") << "  " << false << 0.0 << "empty";
    QTest::newRow("nan") << "nan" << false << 0.0 << "finite";
    QTest::newRow("-inf") << "-inf" << false << 0.0 << "finite";
    QTest::newRow("1e400") << "1e400" << false << 0.0 << "range";
    QTest::newRow("0x10") << "0x10" << false << 0.0 << "not a number";
    QTest::newRow("1e-3x") << "1e-3x" << false << 0.0 << "not a number";
}

void TestWidgets::lambdaParser()
{
    // The engine's parser, the one the CLI's --lambda uses too.
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(double, value);
    QFETCH(QString, reason);
    const LambdaParse r = parseLambdaValue(text.toStdString());
    QCOMPARE(r.value.has_value(), ok);
    if (ok) {
        QCOMPARE(*r.value, value);
        QVERIFY(!std::signbit(*r.value));
        QVERIFY(r.error.empty());
    } else {
        QVERIFY2(QString::fromStdString(r.error).contains(reason), r.error.c_str());
    }
    double panelValue = -1.0;
    QString panelError;
    QCOMPARE(LambdaPanel::parseLambda(text, &panelValue, &panelError), ok);
    QCOMPARE(panelError, QString::fromStdString(r.error));
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

void TestWidgets::conventionHintLinksFormulas()
{
    LambdaPanel p;
    auto* hint = p.findChild<QLabel*>("conventionHint");
    QVERIFY(hint);
    QVERIFY2(hint->text().contains("nn4n") && hint->text().contains("training"),
             qPrintable(hint->text()));
    QVERIFY(hint->text().contains("<a href"));
    p.setConvention(Convention::Spec);
    QVERIFY2(hint->text().contains("documented") && hint->text().contains("L_fr"),
             qPrintable(hint->text()));
    QSignalSpy formulas(&p, &LambdaPanel::formulasRequested);
    emit hint->linkActivated(QStringLiteral("formulas")); // what a click on the link does
    QCOMPARE(formulas.count(), 1);
}

void TestWidgets::lambdaFieldsReadableWhenNarrow()
{
    // At 1024x640 the panel gets its minimum width; the fields must still show
    // every text formatLambda() writes, and stay so when the panel grows again.
    LambdaPanel p;
    p.setLambdas({0.001, 0.000123457, 1.23457e-05, 999, 1, 0.5, 0.0025},
                 {true, true, true, true, true, true, true});
    const QSize min = p.minimumSizeHint();
    // 1024 px minus the views' own minimum (the breakdown needs 360, the
    // Neurons tab's table and charts about 420) leaves this for the panel.
    QVERIFY2(min.width() <= 480, qPrintable(QString::number(min.width())));
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    const QFontMetrics fm(mono);
    for (const QSize size : {QSize(min.width(), 640), QSize(900, 640), QSize(min.width(), 640)}) {
        p.resize(size);
        p.show();
        QVERIFY(QTest::qWaitForWindowExposed(&p));
        for (QLineEdit* e : rowWidgets<QLineEdit>(p)) {
            const int frame = e->style()->pixelMetric(QStyle::PM_DefaultFrameWidth, nullptr, e);
            const QMargins m = e->textMargins();
            // QLineEdit keeps 2 px of horizontal margin inside its frame.
            const int room = e->width() - 2 * frame - 4 - m.left() - m.right();
            for (const char* t : {"0.000123457", "1.23457e-05", "0.001"}) {
                QVERIFY2(fm.horizontalAdvance(QString::fromLatin1(t)) <= room,
                         qPrintable(QString("%1 needs %2 px, field has %3 (width %4)")
                                        .arg(t)
                                        .arg(fm.horizontalAdvance(QString::fromLatin1(t)))
                                        .arg(room)
                                        .arg(e->width())));
            }
            QVERIFY(e->width() >= 60);
        }
    }
}

// ----------------------------------------------------------- LossBreakdownView

void TestWidgets::breakdownShowsResult()
{
    const TermArray lambdas{1.0, 0.0, 1e-3, 0.0, 0.01, 1e-3, 0.0};
    const LossResult r = evaluate(someTerms(), lambdas);
    QVERIFY(r.total);
    LossBreakdownView v;
    v.resize(640, 400);
    v.setLogScale(false); // the terms span three decades: an automatic axis would be log
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
    QVERIFY(!v.logScale()); // one defined bar spans no decades
    const QList<double> w = v.weightedBars();
    QCOMPARE(w[0], *r.terms[0].weighted);
    QVERIFY(!std::isnan(w[kTermCount])); // plotted at the base, not NaN
    QVERIFY(v.chart()->title().contains("undefined"));
}

void TestWidgets::breakdownLogFloorFollowsSmallest()
{
    // The case: two terms of 1.03e-5 and 1.10e-5 beside an MSE of 0.03.
    TermValues tv = someTerms();
    tv.terms[index(Term::Hid)].value = 1.03e-5;
    tv.terms[index(Term::Fr)].value = 1.10e-5;
    const LossResult r = evaluate(tv, {1.0, 0, 1.0, 0, 1.0, 0, 0});
    LossBreakdownView v;
    v.resize(640, 400);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    v.setResult(r);
    v.setLogScale(true);
    auto* axis = qobject_cast<QLogValueAxis*>(v.chart()->axes(Qt::Vertical).value(0));
    QVERIFY(axis);
    // Half a decade or more below the smallest bar: 1.03e-5 -> floor 1e-6.
    QVERIFY2(axis->min() <= 1.03e-5 / std::sqrt(10.0), qPrintable(QString::number(axis->min())));
    QVERIFY(axis->min() >= 1e-7);
    // So the bar is tall enough to see: at least a tenth of the plot.
    const QRectF plot = v.chart()->plotArea();
    const QPointF top = v.barTops()[index(Term::Hid)];
    const double height = plot.bottom() - top.y();
    QVERIFY2(height >= 0.1 * plot.height(),
             qPrintable(QString("%1 of %2 px").arg(height).arg(plot.height())));
}

void TestWidgets::breakdownAutoLogScale()
{
    // someTerms with these lambdas: 0.0295 (mse) down to 2.67e-5 (hid): > 2 decades.
    const LossResult wide = evaluate(someTerms(), {1.0, 0, 1e-3, 0, 0.01, 1e-3, 0});
    // 0.0295, 0.125, 0.0432: within one decade.
    const LossResult narrow = evaluate(someTerms(), {1.0, 1.0, 0, 0, 1.0, 0, 0});
    LossBreakdownView v;
    QVERIFY(!v.autoLogScale()); // the app turns it on when no choice is saved
    v.setResult(wide);
    QVERIFY(!v.logScale());
    v.setAutoLogScale(true);
    QVERIFY(v.logScale());
    v.setResult(wide);
    QVERIFY(v.logScale());
    QVERIFY(v.actions()[1]->isChecked());
    v.setResult(narrow);
    QVERIFY(!v.logScale());
    // The user's choice ends the automatic one.
    v.actions()[1]->trigger();
    QVERIFY(v.logScale());
    QVERIFY(!v.autoLogScale());
    v.setResult(narrow);
    QVERIFY(v.logScale());
    v.setLogScale(false);
    v.setResult(wide);
    QVERIFY(!v.logScale());
}

void TestWidgets::breakdownValueLabels()
{
    const LossResult r = evaluate(someTerms(), {1.0, 0, 1e-3, 0, 0.01, 1e-3, 0});
    LossBreakdownView v;
    v.resize(800, 450);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    for (bool log : {true, false}) {
        v.setLogScale(log);
        v.setResult(r);
        const QStringList labels = v.valueLabels();
        QCOMPARE(labels.size(), kTermCount + 1);
        // By hand: 1 * 0.0295, 1e-3 * 0.0267, 0.01 * 0.0432, 1e-3 * 0.0859; total 0.0300446.
        const QStringList expected = {"0.0295",   "",         "2.67e-05", "",
                                      "0.000432", "8.59e-05", "",         "0.03"};
        QCOMPARE(labels, expected);
        // Each label sits just above its bar, centred on it, inside the chart.
        const QList<QRectF> rects = v.valueLabelRects();
        const QList<QPointF> tops = v.barTops();
        for (int i = 0; i < labels.size(); ++i) {
            if (labels[i].isEmpty())
                continue;
            QVERIFY2(rects[i].bottom() <= tops[i].y() + 0.5 && rects[i].bottom() >= tops[i].y() - 6,
                     qPrintable(QString("bar %1 (log %2): label bottom %3, bar top %4")
                                    .arg(i)
                                    .arg(log)
                                    .arg(rects[i].bottom())
                                    .arg(tops[i].y())));
            QVERIFY(std::abs(rects[i].center().x() - tops[i].x()) < 1.0);
            QVERIFY(rects[i].top() >= 0.0);
        }
    }
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

void TestWidgets::histogramHighlightIsProportional()
{
    // 11 neurons at 0.2 and 5 at 0.8 (two bins): one selected of the eleven.
    std::vector<double> rates(11, 0.2);
    rates.insert(rates.end(), 5, 0.8);
    RateHistogramView v;
    v.setData(rates, {0.3875, 0.27, 0.7}, Convention::Nn4n);
    v.setBinCount(2);
    const int low = v.histogram().binOf(0.2), high = v.histogram().binOf(0.8);
    QCOMPARE(low, 0);
    QCOMPARE(high, 1);
    v.setHighlightedNeurons({4});
    QCOMPARE(v.highlightedCounts(), (QList<double>{1.0, 0.0}));
    auto* series = qobject_cast<QBarSeries*>(v.chartView()->chart()->series().value(0));
    QBarSet* all = series->barSets().front();
    QCOMPARE(all->at(0), 11.0);             // the whole bar stays
    QVERIFY(all->selectedBars().isEmpty()); // and is not turned orange whole
    // Three of the eleven and two of the five; a neuron listed twice counts once.
    v.setHighlightedNeurons({0, 1, 2, 2, 11, 15});
    QCOMPARE(v.highlightedCounts(), (QList<double>{3.0, 2.0}));
    QCOMPARE(v.highlightedBins(), (QVector<int>{0, 1}));
    // On a log count axis the parts keep their counts.
    v.setLogCounts(true);
    QCOMPARE(v.highlightedCounts(), (QList<double>{3.0, 2.0}));
    v.setHighlightedNeurons({});
    QCOMPARE(v.highlightedCounts(), (QList<double>{0.0, 0.0}));
}

void TestWidgets::histogramReadoutNamesEachNumber()
{
    // The tanh case: mu and SD are of m_n, the CV (nn4n) of a_n = mean |r|.
    std::vector<double> rates{0.01, 0.02, 0.03};
    RateHistogramView v;
    v.setData(rates, {0.01869, 0.1913, 0.1754}, Convention::Nn4n);
    QString t = v.readoutText();
    for (const char* part :
         {"m_n", "μ = 0.01869", "sample SD = 0.1913", "a_n = mean |r|", "0.1754", "nn4n"})
        QVERIFY2(t.contains(QString::fromUtf8(part)), qPrintable(t + " lacks " + part));
    v.setData(rates, {0.02, 0.008165, 0.4082}, Convention::Spec);
    t = v.readoutText();
    for (const char* part : {"m_n", "population SD = 0.008165", "CV = SD/μ = 0.4082", "spec"})
        QVERIFY2(t.contains(QString::fromUtf8(part)), qPrintable(t + " lacks " + part));
    QVERIFY(!t.contains("a_n"));
}

void TestWidgets::histogramCountsSilentNeurons()
{
    std::vector<double> rates{0.0, 0.1, 0.0, 0.2, kNaN, 0.0, 1e-9};
    RateHistogramView v;
    v.setData(rates, {0.05, 0.08, 1.6}, Convention::Nn4n);
    QCOMPARE(v.silentCount(), 3); // exactly 0; NaN and 1e-9 are not silent
    QVERIFY2(v.readoutText().contains("3 silent"), qPrintable(v.readoutText()));
    QVERIFY2(v.title().contains("3 silent"), qPrintable(v.title()));
    v.setData({0.1, 0.2}, {0.15, 0.07, 0.5}, Convention::Nn4n);
    QCOMPARE(v.silentCount(), 0);
    QVERIFY(!v.readoutText().contains("silent"));
}

// ------------------------------------------------------------ NeuronDetailView

void TestWidgets::detailWithoutNeuronAsksForOne()
{
    NeuronDetailView v;
    QVERIFY2(v.histogramTitle().contains("select a neuron"), qPrintable(v.histogramTitle()));
    QVERIFY2(v.psthTitle().contains("select a neuron"), qPrintable(v.psthTitle()));
    QVERIFY(!v.histogramTitle().contains("finite"));
    v.setNeuron(3);
    v.setHistogram(Histogram{});
    QVERIFY2(v.histogramTitle().contains("no finite samples"), qPrintable(v.histogramTitle()));
    v.clear();
    QCOMPARE(v.neuron(), -1);
    QVERIFY(v.histogramTitle().contains("select a neuron"));
}

void TestWidgets::detailSilentNeuronReadableAxis()
{
    // A silent relu neuron: every sample 0, in one bin 2^-30 wide.
    NeuronDetailView v;
    v.resize(420, 520);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    v.setNeuron(5);
    v.setHistogram(Histogram{0.0, std::ldexp(1.0, -30), {640.0}});
    QVERIFY2(v.histogramTitle().contains("= 0"), qPrintable(v.histogramTitle()));
    auto* x = qobject_cast<QValueAxis*>(v.histogramView()->chart()->axes(Qt::Horizontal).value(0));
    QVERIFY(x);
    QVERIFY(x->min() < 0.0 && x->max() > 0.0);
    QVERIFY(x->max() - x->min() >= 0.5);
    // Every tick label fits in the room between ticks (else Qt cuts it to "0.0…").
    const QRectF plot = v.histogramView()->chart()->plotArea();
    const int ticks = x->tickCount();
    QVERIFY(ticks >= 3);
    const QFontMetrics fm(x->labelsFont());
    for (int i = 0; i < ticks; ++i) {
        const double value = x->min() + i * (x->max() - x->min()) / (ticks - 1);
        const QString label = QString::asprintf(x->labelFormat().toLatin1().constData(), value);
        QVERIFY2(label.size() <= 5, qPrintable(label));
        QVERIFY2(fm.horizontalAdvance(label) < plot.width() / (ticks - 1),
                 qPrintable(QString("%1 in %2 px").arg(label).arg(plot.width() / (ticks - 1))));
    }
    // A constant non-zero neuron is centred on its value.
    v.setHistogram(Histogram{0.75, std::ldexp(1.0, -30), {10.0}});
    QVERIFY(x->min() < 0.75 && x->max() > 0.75);
    QVERIFY(x->max() - x->min() >= 0.1);
}

void TestWidgets::detailPsthOverlay()
{
    NeuronDetailView v;
    auto trace = [](int n, double level) {
        Psth p;
        for (int t = 0; t < 50; ++t) {
            p.mean.push_back(level + 0.01 * t);
            p.sd.push_back(0.05);
        }
        return PsthTrace{QStringLiteral("n%1").arg(n), p};
    };
    Psth population;
    population.mean.assign(50, 0.3);
    v.setNeuron(2);
    v.setPsths({trace(2, 0.1), trace(7, 0.2), trace(9, 0.4)}, population, 10.0);
    QCOMPARE(v.psthTraceCount(), 3);
    QVERIFY(v.showsPopulationMean());
    QCOMPARE(v.psthTimeAxisTitle(), QStringLiteral("time (ms)"));
    auto* t = qobject_cast<QValueAxis*>(v.psthView()->chart()->axes(Qt::Horizontal).value(0));
    QCOMPARE(t->max(), 490.0); // 49 steps of 10 ms
    // The series hold the traces as given, x in ms.
    QList<QLineSeries*> lines;
    for (QAbstractSeries* s : v.psthView()->chart()->series())
        if (auto* l = qobject_cast<QLineSeries*>(s); l && l->name() == "n7")
            lines << l;
    QCOMPARE(lines.size(), 1);
    QCOMPARE(lines[0]->count(), 50);
    QCOMPARE(lines[0]->at(3), QPointF(30.0, 0.23));
    // More than eight: the first eight, and the title says so.
    QList<PsthTrace> many;
    for (int n = 0; n < 11; ++n)
        many << trace(n, 0.05 * n);
    v.setPsths(many, {}, 0.0);
    QCOMPARE(v.psthTraceCount(), NeuronDetailView::kMaxPsthTraces);
    QVERIFY(!v.showsPopulationMean());
    QVERIFY2(v.psthTitle().contains("8 of 11"), qPrintable(v.psthTitle()));
    QCOMPARE(v.psthTimeAxisTitle(), QStringLiteral("time step"));
    // One neuron keeps its band; setPsth is that case.
    v.setPsth(trace(4, 0.1).psth);
    QCOMPARE(v.psthTraceCount(), 1);
    QVERIFY(v.psthTitle().contains("± SD"));
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

void TestWidgets::tableColumnsFitDefaultWidth()
{
    // Typical numbers of a 64-neuron recording, with the longest formats.
    NeuronStats s;
    for (int i = 0; i < 64; ++i) {
        s.mean.push_back(0.0123456 * (1 + i % 7));
        s.sd.push_back(0.0234567);
        s.cv.push_back(i == 3 ? kNaN : 1.23456);
        s.min.push_back(0.0);
        s.max.push_back(0.987654);
        s.fractionActive.push_back(0.123);
        s.frContribution.push_back(1.23456e-5 * (1 + i % 3));
    }
    NeuronTableView v;
    v.setStats(s);
    // The table's share of the Neurons tab at the default window size (1280x800,
    // measured in the app's --screenshot --tab 2: 470 px).
    v.resize(470, 400);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QHeaderView* h = v.tableView()->horizontalHeader();
    const int viewport = v.tableView()->viewport()->width();
    QVERIFY2(h->length() <= viewport,
             qPrintable(QString("columns %1 px, room %2 px").arg(h->length()).arg(viewport)));
    for (int c = 0; c < NeuronTableModel::ColCount; ++c) {
        QVERIFY(!h->isSectionHidden(c));
        QVERIFY2(h->sectionSize(c) >=
                     static_cast<QAbstractItemView*>(v.tableView())->sizeHintForColumn(c),
                 qPrintable(QString("column %1").arg(c)));
        QVERIFY(h->sectionSize(c) >= h->sectionSizeHint(c));
    }
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
