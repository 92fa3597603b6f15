#pragma once
// Shared helpers of the chart views: nice axis ranges and one look for all charts.

#include <QColor>
#include <QList>
#include <QString>

#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace rnnloss {
struct Histogram;
}

QT_BEGIN_NAMESPACE
class QAbstractAxis;
class QChart;
class QFont;
class QValueAxis;
class QLogValueAxis;
class QXYSeries;
QT_END_NAMESPACE

namespace rnnloss {

/// A QString of UTF-8 text (term keys, engine messages).
inline QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

/// The colour of term `i` (0..6, in kAllTerms order) and, at 7, of the total:
/// the same in every view that draws the terms as separate series.
QColor termColor(int i);

/// The colour of the i-th of several items shown together (recordings): the
/// first kDistinctColors are pairwise far apart (CIELAB distance above 25),
/// later ones are spread by hue and lightness.
QColor distinctColor(int i);
constexpr int kDistinctColors = 12;

/// A "nice" number (1, 2, 5 times a power of ten) near `x`; rounds when
/// `round`, else the smallest nice number >= x.
double niceNumber(double x, bool round);

/// Tick layout covering [lo, hi] with at most about `maxTicks` ticks on nice numbers.
struct NiceTicks
{
    double lo = 0.0;
    double hi = 1.0;
    double step = 0.2;
    int count = 6; ///< number of ticks including both ends
};
NiceTicks niceTicks(double lo, double hi, int maxTicks = 6);

/// Sets `axis` to the nice range covering [lo, hi] and a matching tick count
/// and label format.
void setNiceRange(QValueAxis* axis, double lo, double hi, int maxTicks = 6);

/// Range [0, nice >= maxCount] with whole-number ticks, for counts.
void setCountRange(QValueAxis* axis, double maxCount, int maxTicks = 6);

/// Keeps the range exactly [lo, hi] (bins must line up) but puts the ticks on
/// nice numbers (dynamic ticks).
void setExactRangeNiceTicks(QValueAxis* axis, double lo, double hi, int maxTicks = 6);

/// Decade range [10^floor(log10 lo), 10^ceil(log10 hi)] for positive lo <= hi.
void setDecadeRange(QLogValueAxis* axis, double lo, double hi);

/// Sets a log axis to [lo, hi] with the lowest decade labelled. Qt counts the
/// ticks from ceil(ln lo / ln 10), which is -2 for 1e-3 (-2.9999999999999996):
/// the min is set a hair below so that its own decade keeps its label.
void setLogRange(QLogValueAxis* axis, double lo, double hi);

/// The values at which Qt puts the ticks of a value axis (fixed or dynamic
/// ticks) and the text of each label: what a test or the fitting below needs.
QList<double> tickValues(const QValueAxis* axis);
QString tickLabel(const QValueAxis* axis, double v);

/// The most ticks, up to `maxTicks`, on nice numbers over [lo, hi] (its nice
/// ends, or exactly [lo, hi] when `exact`) whose labels in `font` leave a gap
/// between neighbours on an axis `pixels` wide.
int fittingTickCount(double lo, double hi, double pixels, const QFont& font, int maxTicks,
                     bool exact);

/// Sets a horizontal value axis of `chart` to [lo, hi] (nice ends, or exactly
/// [lo, hi] with ticks on nice numbers when `exact`) with as many ticks as fit
/// the plot's width (fittingTickCount), and keeps them fitting as the chart is
/// resized, on screen and when exported at another size: labels never overlap
/// ("0 200400600800 1…").
void setFittedRange(QChart* chart, QValueAxis* axis, double lo, double hi, bool exact,
                    int maxTicks = 7);

/// The floor of a log value axis for bars whose smallest positive value is
/// `smallest`: the power of ten at least half a decade below it, so the
/// smallest bar stays visible (a fixed floor made 1.03e-5 one pixel tall).
double logFloorBelow(double smallest);

/// The smallest and the largest positive finite value; {+inf, 0} when there is none.
std::pair<double, double> positiveRange(std::span<const double> values);

/// True when the positive finite `values` span more than two decades (the
/// largest over 100 times the smallest): the rule by which a chart of loss
/// terms or of their gradients picks a log axis. On a linear one an MSE at
/// 98 % of the total leaves every regulariser a flat line.
bool wantsLogAxis(std::span<const double> values);

/// The value range of bars whose positive values span [lo, hi] (positiveRange;
/// {+inf, 0} when there is none). A QLogValueAxis gets the decades from
/// logFloorBelow(lo) to above 2 hi (1e-3 to 1 without bars), a QValueAxis 0 to
/// a nice number above 1.12 hi (room for the value labels; 0 to 1 without
/// bars). Returns where a bar of 0 stands: the log axis's floor (where it is
/// not drawn), or 0.
double setBarRange(QAbstractAxis* axis, double lo, double hi);

/// A share of a total as the views print it: "41.0 %", "< 0.1 %" for a
/// positive share that would print as 0.0.
QString shareText(double fraction);

/// printf format with enough decimals for ticks `step` apart.
QString labelFormatForStep(double step);

/// The p-th percentile (0 <= p <= 100) of the finite `values`, interpolated
/// linearly between order statistics (numpy's default); NaN when none is finite.
double percentile(std::vector<double> values, double p);

/// The percentile of |value| that bounds a robust range: the few largest
/// weights then no longer set the scale for all the others.
constexpr double kRobustPercentile = 99.0;

/// One look for every chart: no animation, light theme, small margins, readable fonts.
void styleChart(QChart* chart);

/// Replaces the points of `series` by the stepped outline of `h`, starting and
/// ending at `base`; counts below `base` (zero on a log axis) are drawn at `base`.
void setStepOutline(QXYSeries* series, const Histogram& h, double base);

} // namespace rnnloss
