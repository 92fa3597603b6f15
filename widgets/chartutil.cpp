#include "chartutil.h"

#include "neuronstats.h"

#include <QFontMetricsF>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>
#include <QtCharts/QXYSeries>

#include <algorithm>
#include <cmath>
#include <limits>

namespace rnnloss {

QColor termColor(int i)
{
    static const QColor colors[] = {QColor(0x4c, 0x72, 0xb0), QColor(0xdd, 0x84, 0x52),
                                    QColor(0x55, 0xa8, 0x68), QColor(0xc4, 0x4e, 0x52),
                                    QColor(0x81, 0x72, 0xb3), QColor(0x93, 0x78, 0x60),
                                    QColor(0xda, 0x8b, 0xc3), QColor(0x20, 0x20, 0x20)};
    return colors[std::clamp(i, 0, 7)];
}

QColor distinctColor(int i)
{
    // matplotlib's tab10 and two dark ones; checked pairwise in CIELAB.
    static const QColor colors[kDistinctColors] = {
        QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
        QColor(0xd6, 0x27, 0x28), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
        QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f), QColor(0xbc, 0xbd, 0x22),
        QColor(0x17, 0xbe, 0xcf), QColor(0x39, 0x3b, 0x79), QColor(0x63, 0x79, 0x39)};
    if (i >= 0 && i < kDistinctColors)
        return colors[i];
    // Beyond: the golden angle keeps neighbours' hues apart, three lightnesses
    // tell apart the ones whose hues come close.
    const int k = std::max(0, i - kDistinctColors);
    const double hue = std::fmod(15.0 + 137.508 * k, 360.0);
    const double light[] = {0.38, 0.55, 0.70};
    return QColor::fromHslF(float(hue / 360.0), 0.65f, float(light[k % 3]));
}

double niceNumber(double x, bool round)
{
    if (!(x > 0.0) || !std::isfinite(x))
        return 1.0;
    const double e = std::floor(std::log10(x));
    const double f = x / std::pow(10.0, e);
    double nf;
    if (round)
        nf = f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0;
    else
        nf = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0;
    return nf * std::pow(10.0, e);
}

NiceTicks niceTicks(double lo, double hi, int maxTicks)
{
    NiceTicks t;
    if (!std::isfinite(lo) || !std::isfinite(hi))
        return t;
    if (lo > hi)
        std::swap(lo, hi);
    if (hi - lo <= std::abs(hi) * 1e-12 || hi == lo) {
        const double pad = hi == 0.0 ? 1.0 : std::abs(hi) * 0.1;
        lo -= pad;
        hi += pad;
    }
    maxTicks = std::max(2, maxTicks);
    const double step = niceNumber((hi - lo) / (maxTicks - 1), false);
    // A small tolerance keeps an end that sits on a tick from growing a step.
    t.lo = std::floor(lo / step + 1e-9) * step;
    t.hi = std::ceil(hi / step - 1e-9) * step;
    t.step = step;
    t.count = static_cast<int>(std::lround((t.hi - t.lo) / step)) + 1;
    return t;
}

QString labelFormatForStep(double step)
{
    if (!(step > 0.0) || !std::isfinite(step))
        return QStringLiteral("%g");
    const double e = std::floor(std::log10(step) + 1e-9);
    if (e >= 5 || e <= -4)
        return QStringLiteral("%.1e");
    const int decimals = e >= 0 ? 0 : static_cast<int>(-e);
    return QStringLiteral("%.%1f").arg(decimals);
}

void setNiceRange(QValueAxis* axis, double lo, double hi, int maxTicks)
{
    const NiceTicks t = niceTicks(lo, hi, maxTicks);
    axis->setTickType(QValueAxis::TicksFixed);
    axis->setRange(t.lo, t.hi);
    axis->setTickCount(t.count);
    axis->setLabelFormat(labelFormatForStep(t.step));
}

void setCountRange(QValueAxis* axis, double maxCount, int maxTicks)
{
    maxCount = std::max(1.0, maxCount);
    NiceTicks t = niceTicks(0.0, maxCount, maxTicks);
    if (t.step < 1.0) {
        t.step = 1.0;
        t.hi = std::ceil(maxCount);
        t.count = static_cast<int>(t.hi) + 1;
    }
    axis->setTickType(QValueAxis::TicksFixed);
    axis->setRange(0.0, t.hi);
    axis->setTickCount(t.count);
    axis->setLabelFormat(t.hi >= 1e5 ? QStringLiteral("%.1e") : QStringLiteral("%.0f"));
}

void setExactRangeNiceTicks(QValueAxis* axis, double lo, double hi, int maxTicks)
{
    const NiceTicks t = niceTicks(lo, hi, maxTicks);
    axis->setRange(lo, hi);
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0.0);
    axis->setTickInterval(t.step);
    axis->setLabelFormat(labelFormatForStep(t.step));
}

void setDecadeRange(QLogValueAxis* axis, double lo, double hi)
{
    if (!(lo > 0.0) || !(hi >= lo) || !std::isfinite(hi)) {
        lo = 1.0;
        hi = 10.0;
    }
    double a = std::pow(10.0, std::floor(std::log10(lo) + 1e-9));
    double b = std::pow(10.0, std::ceil(std::log10(hi) - 1e-9));
    if (b <= a)
        b = a * 10.0;
    setLogRange(axis, a, b);
    const double decades = std::log10(b / a);
    axis->setLabelFormat(a >= 1.0 && b <= 1e5 ? QStringLiteral("%g") : QStringLiteral("%.0e"));
    // Many decades: fewer minor ticks keep the axis readable.
    axis->setMinorTickCount(decades > 6 ? 0 : 8);
}

void setLogRange(QLogValueAxis* axis, double lo, double hi)
{
    axis->setRange(lo * (1.0 - 1e-9), hi);
}

QList<double> tickValues(const QValueAxis* axis)
{
    QList<double> out;
    const double lo = axis->min(), hi = axis->max();
    if (!(hi > lo))
        return out;
    if (axis->tickType() == QValueAxis::TicksDynamic) {
        const double step = axis->tickInterval(), anchor = axis->tickAnchor();
        if (!(step > 0.0) || (hi - lo) / step > 1000.0)
            return out;
        for (double k = std::ceil((lo - anchor) / step - 1e-9);; ++k) {
            const double v = anchor + k * step;
            if (v > hi + 1e-9 * step)
                break;
            out.append(v);
        }
        return out;
    }
    const int n = axis->tickCount();
    for (int i = 0; i < n && n > 1; ++i)
        out.append(lo + i * (hi - lo) / (n - 1));
    return out;
}

QString tickLabel(const QValueAxis* axis, double v)
{
    const QString f = axis->labelFormat();
    if (f.isEmpty())
        return QString::number(v);
    return QString::asprintf(f.toLatin1().constData(), v);
}

int fittingTickCount(double lo, double hi, double pixels, const QFont& font, int maxTicks,
                     bool exact)
{
    const QFontMetricsF fm(font);
    const double gap = 1.5 * fm.horizontalAdvance(QLatin1Char('0'));
    for (int n = std::max(2, maxTicks); n > 2; --n) {
        const NiceTicks t = niceTicks(lo, hi, n);
        const double first = exact ? std::ceil(lo / t.step - 1e-9) * t.step : t.lo;
        const double last = exact ? hi : t.hi;
        const double span = exact ? hi - lo : t.hi - t.lo;
        if (!(span > 0.0) || !(t.step > 0.0))
            return n;
        const QByteArray format = labelFormatForStep(t.step).toLatin1();
        double widest = 0.0;
        for (double v = first; v <= last + 1e-9 * t.step; v += t.step) {
            const double shown = std::abs(v) < 1e-9 * t.step ? 0.0 : v; // not "-0"
            widest = std::max(widest,
                              fm.horizontalAdvance(QString::asprintf(format.constData(), shown)));
        }
        if (pixels * t.step / span >= widest + gap)
            return n;
    }
    return 2;
}

namespace {

const char* const kFitLo = "rnnlossFitLo";
const char* const kFitHi = "rnnlossFitHi";
const char* const kFitExact = "rnnlossFitExact";
const char* const kFitMax = "rnnlossFitMax";
const char* const kFitTicks = "rnnlossFitTicks";   ///< the tick count last fitted
const char* const kFitPixels = "rnnlossFitPixels"; ///< the plot's width when it was
constexpr double kFitSlackPx = 48.0;

void applyFitted(QChart* chart, QValueAxis* axis)
{
    const double lo = axis->property(kFitLo).toDouble();
    const double hi = axis->property(kFitHi).toDouble();
    const bool exact = axis->property(kFitExact).toBool();
    const int maxTicks = axis->property(kFitMax).toInt();
    // Before the first layout the plot has no width yet: most of the chart's.
    double pixels = chart->plotArea().width();
    if (!(pixels > 20.0))
        pixels = 0.8 * chart->size().width();
    int n = pixels > 20.0 ? fittingTickCount(lo, hi, pixels, axis->labelsFont(), maxTicks, exact)
                          : maxTicks;
    // More ticks only for a plot clearly wider than the one that had fewer:
    // fewer ticks can widen the plot by a label's overhang, which gave room
    // for one more, which narrowed it again — a relayout a frame, for ever.
    const int had = axis->property(kFitTicks).toInt();
    if (had > 0 && n > had && pixels < axis->property(kFitPixels).toDouble() + kFitSlackPx)
        n = had;
    if (n != had || !axis->property(kFitPixels).isValid())
        axis->setProperty(kFitPixels, pixels);
    axis->setProperty(kFitTicks, n);
    if (exact)
        setExactRangeNiceTicks(axis, lo, hi, n);
    else
        setNiceRange(axis, lo, hi, n);
}

} // namespace

void setFittedRange(QChart* chart, QValueAxis* axis, double lo, double hi, bool exact,
                    int maxTicks)
{
    axis->setProperty(kFitLo, lo);
    axis->setProperty(kFitHi, hi);
    axis->setProperty(kFitExact, exact);
    axis->setProperty(kFitMax, maxTicks);
    axis->setProperty(kFitTicks, QVariant()); // a new range is fitted afresh
    axis->setProperty(kFitPixels, QVariant());
    if (!chart->property("rnnlossFitConnected").toBool()) {
        chart->setProperty("rnnlossFitConnected", true);
        // Every fitted axis of the chart follows its width; a change of the
        // tick count relayouts the chart once more and then settles.
        QObject::connect(chart, &QChart::plotAreaChanged, chart, [chart] {
            for (QAbstractAxis* a : chart->axes(Qt::Horizontal))
                if (auto* v = qobject_cast<QValueAxis*>(a); v && v->property(kFitMax).isValid())
                    applyFitted(chart, v);
        });
    }
    applyFitted(chart, axis);
}

double percentile(std::vector<double> values, double p)
{
    values.erase(std::remove_if(values.begin(), values.end(),
                                [](double v) { return !std::isfinite(v); }),
                 values.end());
    if (values.empty() || !std::isfinite(p))
        return std::numeric_limits<double>::quiet_NaN();
    const double h = (values.size() - 1) * std::clamp(p, 0.0, 100.0) / 100.0;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    // Selection, not a sort: O(n) for the large matrices.
    std::nth_element(values.begin(), values.begin() + lo, values.end());
    const double a = values[lo];
    if (lo + 1 >= values.size())
        return a;
    const double b = *std::min_element(values.begin() + lo + 1, values.end());
    return a + (h - lo) * (b - a);
}

double logFloorBelow(double smallest)
{
    if (!(smallest > 0.0) || !std::isfinite(smallest))
        return 1e-3;
    return std::pow(10.0, std::floor(std::log10(smallest) - 0.5 + 1e-9));
}

QString shareText(double fraction)
{
    const double pct = 100.0 * fraction;
    if (pct > 0.0 && pct < 0.1)
        return QStringLiteral("< 0.1 %");
    return QString::number(pct, 'f', 1) + QStringLiteral(" %");
}

std::pair<double, double> positiveRange(std::span<const double> values)
{
    double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
    for (double v : values)
        if (std::isfinite(v) && v > 0.0) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    return {lo, hi};
}

bool wantsLogAxis(std::span<const double> values)
{
    const auto [lo, hi] = positiveRange(values);
    return hi > 0.0 && hi / lo > 100.0;
}

double setBarRange(QAbstractAxis* axis, double lo, double hi)
{
    if (auto* log = qobject_cast<QLogValueAxis*>(axis)) {
        if (!(hi > 0.0)) {
            lo = 1e-3;
            hi = 1.0;
        }
        setDecadeRange(log, logFloorBelow(lo), hi * 2.0);
        return log->min();
    }
    if (auto* linear = qobject_cast<QValueAxis*>(axis))
        setNiceRange(linear, 0.0, hi > 0.0 ? hi * 1.12 : 1.0, 6);
    return 0.0;
}

void styleChart(QChart* chart)
{
    chart->setTheme(QChart::ChartThemeLight);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setBackgroundRoundness(0);
    chart->setMargins(QMargins(4, 4, 4, 4));
    QFont title = chart->titleFont();
    title.setPointSizeF(10.0);
    title.setBold(true);
    chart->setTitleFont(title);
    QFont legend = chart->legend()->font();
    legend.setPointSizeF(9.0);
    chart->legend()->setFont(legend);
}

void setStepOutline(QXYSeries* series, const Histogram& h, double base)
{
    QList<QPointF> pts;
    const int n = static_cast<int>(h.counts.size());
    pts.reserve(2 * n + 2);
    if (n > 0) {
        pts.append(QPointF(h.lo, base));
        for (int i = 0; i < n; ++i) {
            const double c = std::max(h.counts[i], base);
            pts.append(QPointF(h.lo + i * h.width, c));
            pts.append(QPointF(h.lo + (i + 1) * h.width, c));
        }
        pts.append(QPointF(h.hi(), base));
    }
    series->replace(pts);
}

} // namespace rnnloss
