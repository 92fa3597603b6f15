#pragma once
// Task performance beyond the MSE (issue 19): each trial's choice in a response
// window, accuracy per trial label with binomial intervals, and the
// psychometric curve against a per-trial number with a logistic fit.
//
// The choice rule: a trial's choice is the output unit whose mean over the
// response window is the largest; the trial is correct when that unit is also
// the largest of the target's mean over the window. Ties go to the lowest unit
// index (numpy's argmax). The default window is the span of steps
// [first, last + 1) at which any trial's target is not zero (any unit); a
// window can be given instead.
//
// Streaming: the default window needs every trial's targets before any sum
// over it, so a reader without an explicit window feeds the targets to a
// TargetSpan first (they are N_out wide: a small share of a recording) and
// then outputs and targets to a ChoiceAccumulator built with the window.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rnnloss {

/// The choice rule in words, for the views and the CLI's help.
inline constexpr std::string_view kChoiceRule =
    "a trial's choice is the output unit with the largest mean over the response window; it is "
    "correct when that is also the target's largest unit there (ties: the lowest unit). Default "
    "window: from the first to the last step at which any trial's target is not zero";

/// z of a two-sided 95 % interval.
inline constexpr double kZ95 = 1.959963984540054;

/// A binomial proportion with its Wilson score interval (Wilson 1927;
/// Newcombe 1998, method 3): it stays inside [0, 1] and keeps its coverage
/// for small counts and proportions near 0 or 1, unlike the Wald interval.
struct Proportion
{
    std::int64_t successes = 0;
    std::int64_t trials = 0;
    std::optional<double> value; ///< successes / trials; empty with no trials
    double lo = 0.0, hi = 0.0;   ///< the interval; 0, 0 with no trials
};

/// successes of trials with the Wilson interval at `z` (default 95 %).
Proportion wilson(std::int64_t successes, std::int64_t trials, double z = kZ95);

/// Steps [begin, end) of the summary's time axis.
struct StepWindow
{
    std::int64_t begin = 0, end = 0;
    std::int64_t steps() const { return end - begin; }
    bool operator==(const StepWindow&) const = default;
};

struct WindowParse
{
    std::optional<StepWindow> window;
    std::string error; ///< set when window is empty
};

/// "a:b" (also "a:", ":b") as a response window on an axis of `time` steps:
/// one non-empty half-open range inside it. The one parser for the CLI's
/// --response-window and the app's field.
WindowParse parseStepWindow(std::string_view text, std::int64_t time);

/// Finds the default response window from targets fed in chunks of trials.
class TargetSpan
{
public:
    TargetSpan(std::int64_t time, std::int64_t nOut);
    /// `trials` whole trials of targets, row-major (trials x time x nOut).
    void add(const float* targets, std::int64_t trials);
    void add(const double* targets, std::int64_t trials);
    void merge(const TargetSpan& other);
    /// [first, last + 1) of the steps with a non-zero target (NaN counts as
    /// non-zero); empty when every target is zero.
    std::optional<StepWindow> window() const;

private:
    template <class Real> void addRows(const Real* targets, std::int64_t trials);
    std::int64_t m_time, m_nOut;
    std::vector<unsigned char> m_nonZero; ///< per step
};

/// Each trial's choice and correct answer.
struct TrialChoices
{
    StepWindow window;
    std::int64_t nOut = 0;
    /// Per trial: the chosen output unit, and the target's largest unit; -1
    /// when a window mean of the outputs (resp. targets) is not finite.
    std::vector<int> choice, target;
    /// Trials whose target means tie at their largest value (e.g. all zero):
    /// their answer is the lowest of the tied units, by the rule.
    std::int64_t targetTies = 0;
};

/// Sums outputs and targets over a window, per trial and unit, streaming.
class ChoiceAccumulator
{
public:
    /// Throws std::invalid_argument unless nOut >= 2 and the window is a
    /// non-empty range inside [0, time).
    ChoiceAccumulator(std::int64_t batch, std::int64_t time, std::int64_t nOut, StepWindow window);
    /// `trials` whole trials (trials x time x nOut each, row-major) starting at
    /// trial `first`. Parts of the batch may be fed from different threads:
    /// each trial writes only its own sums.
    void add(const float* outputs, const float* targets, std::int64_t first, std::int64_t trials);
    void add(const double* outputs, const double* targets, std::int64_t first, std::int64_t trials);
    TrialChoices choices() const;

private:
    template <class Real>
    void addRows(const Real* outputs, const Real* targets, std::int64_t first, std::int64_t trials);
    std::int64_t m_batch, m_time, m_nOut;
    StepWindow m_window;
    std::vector<double> m_out, m_target; ///< batch x nOut sums over the window
};

struct ChoicesResult
{
    TrialChoices choices;
    std::string error; ///< e.g. every target is zero, fewer than 2 output units
};

/// Choices are made among at most this many output units: a decision task has
/// a few, and the psychometric curve tabulates every unit at every value.
inline constexpr std::int64_t kMaxChoiceUnits = 256;

/// Why there are no choices: too few or too many output units (empty when
/// 2 <= nOut <= kMaxChoiceUnits), and no target to find the default window
/// from. One wording for every caller (trialChoices, the reader's stats pass).
std::string choiceUnitsError(std::int64_t nOut);
inline constexpr std::string_view kNoDefaultWindowError =
    "every target is zero, so there is no default response window; give one";

/// The choices of in-memory outputs and targets (B x T x nOut, row-major),
/// in the given window or the default one.
ChoicesResult trialChoices(const double* outputs, const double* targets, std::int64_t batch,
                           std::int64_t time, std::int64_t nOut,
                           std::optional<StepWindow> window = std::nullopt);

struct LabelAccuracy
{
    std::string label;
    Proportion correct;
};

struct Accuracy
{
    StepWindow window;
    Proportion overall;
    std::vector<LabelAccuracy> byLabel; ///< in order of first appearance; empty without labels
    std::int64_t undefined = 0;         ///< trials left out: choice or answer undefined
    std::string error;                  ///< set when `labels` does not match the trials
};

/// Accuracy overall and per label of the trials' choices. `labels`: one per
/// trial (summaryTrialLabels) or empty.
Accuracy accuracy(const TrialChoices& c, const std::vector<std::string>& labels = {});

/// The maximum-likelihood logistic curve P(y = 1 | x) = 1 / (1 + exp(-(bias +
/// slope x))), fitted by Newton's method (IRLS) on grouped binomial data.
struct LogisticFit
{
    std::optional<double> bias, slope;  ///< empty when the MLE does not exist
    double biasSe = 0.0, slopeSe = 0.0; ///< from the inverse Fisher information
    double logLikelihood = 0.0;
    int iterations = 0;
    std::string error; ///< why there is no fit (separation, one value of x, ...)
};

/// At each x[i], successes[i] of trials[i] (weights may be non-integer). The
/// MLE does not exist when the data are separated (a threshold on x splits the
/// successes from the failures, ties at the threshold included), when every
/// trial succeeds or every one fails, or when x takes one value: the error
/// says which.
LogisticFit fitLogistic(std::span<const double> x, std::span<const double> successes,
                        std::span<const double> trials);

struct PsychometricPoint
{
    double value = 0.0;
    std::int64_t trials = 0;        ///< with a defined choice
    std::vector<Proportion> choice; ///< per output unit: share choosing it
};

/// The psychometric curve holds at most this many cells (distinct values x
/// output units); with more, trial values are continuous and want binning.
inline constexpr std::int64_t kMaxPsychometricCells = std::int64_t(1) << 20;

struct Psychometric
{
    std::vector<PsychometricPoint> points; ///< per distinct value, ascending
    /// Per output unit k, the fit of P(choice = k) against the value (unit k
    /// against all others). With two outputs fits[1] is the usual
    /// psychometric function and fits[0] its mirror image.
    std::vector<LogisticFit> fits;
    std::int64_t undefined = 0; ///< trials left out: choice undefined
    std::string error;          ///< bad trial values; points and fits then empty
};

/// The share of trials choosing each output unit at each distinct value of
/// `values` (one finite number per trial: the recording's `trial_values`).
/// An error, and nothing tabulated, beyond kMaxPsychometricCells.
Psychometric psychometric(const TrialChoices& c, std::span<const double> values);

} // namespace rnnloss
