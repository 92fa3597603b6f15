#pragma once
// Shared helpers of the chart views: nice axis ranges and one look for all charts.

#include <QColor>
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

/// The floor of a log value axis for bars whose smallest positive value is
/// `smallest`: the power of ten at least half a decade below it, so the
/// smallest bar stays visible (a fixed floor made 1.03e-5 one pixel tall).
double logFloorBelow(double smallest);

/// The smallest and the largest positive finite value; {+inf, 0} when there is none.
std::pair<double, double> positiveRange(std::span<const double> values);

/// The bar charts' rule for an automatic value axis (the loss breakdown's, the
/// gradients'): logarithmic when the positive bars span more than two decades,
/// so that a term at 98 % does not leave every other one invisible.
bool wantsLogAxis(std::span<const double> bars);

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
