#pragma once
// Which term steers learning: the gradient of each of the seven loss terms
// (docs/loss.md) with respect to each of the network's six parameters,
// through the noise-free re-simulation of the recorded network (network.h)
// on the recording's inputs, in double precision.
//
// Reduce once, evaluate cheaply: per parameter the result keeps the Gram
// matrix G[k][l] = <g_k, g_l> of the unweighted term gradients. The norm of
// any weighted total, every cosine and every share follow from it in O(7^2)
// (gradgram.h), so a lambda change needs no backward pass.
//
// The terms are those of computeTerms() (loss.h), on the re-simulated rates
// and outputs: on a slice, mse uses the slice's trials and steps (every
// output), fr, fr_sd and fr_cv its trials, steps and neurons, and the weight
// terms the whole matrices. The slice's loss is differentiated through the
// whole simulation (every neuron, every step up to the slice's last).

#include "network.h"
#include "summary.h"
#include "terms.h"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rnnloss {

/// The parameters, in the order the CLI and the app show them.
enum class Param
{
    WIn,
    BIn,
    WHid,
    BHid,
    WOut,
    BOut
};
inline constexpr int kParamCount = 6;
inline constexpr std::array<Param, kParamCount> kAllParams = {
    Param::WIn, Param::BIn, Param::WHid, Param::BHid, Param::WOut, Param::BOut};
inline constexpr int index(Param p)
{
    return static_cast<int>(p);
}
/// "W_in", "b_in", "W_hid", "b_hid", "W_out", "b_out".
std::string_view paramKey(Param p);
std::optional<Param> paramFromKey(std::string_view key);

/// Row-major data of a recording's dataset, in the precision it was stored;
/// an empty span is an absent dataset.
using RealView = std::variant<std::span<const double>, std::span<const float>>;

struct GradientInput
{
    Shape shape;      ///< the whole recording's B, T, N_in, N_hid, N_out
    RealView inputs;  ///< B x T x N_in; required
    RealView targets; ///< B x T x N_out; absent: mse is unavailable
    RealView states;  ///< B x T x N_hid as recorded; absent: no replay comparison
};

/// Called between chunks of work with the fraction done and the stage
/// ("simulating", "backpropagating"); returning false cancels.
using GradientProgress = std::function<bool(double fraction, const std::string& stage)>;

struct GradientOptions
{
    Convention convention = kDefaultConvention;
    /// The trials, steps and neurons of the loss; absent: the whole recording.
    /// Must pass checkSlice (slice.h) with `whole` equal to the input's shape.
    std::optional<Slice> slice;
    bool keepGradients = false; ///< fill GradientResult::gradients (tests, exports)
    int threads = 2;            ///< the trials are split across this many threads
    GradientProgress progress;
};

struct TermGradient
{
    bool available = false;      ///< false: the data it needs is missing (mse without targets)
    bool defined = false;        ///< the gradient exists; false when unavailable too
    std::optional<double> value; ///< the term on the re-simulated network, unweighted
    std::string reason;          ///< why it is unavailable or has no gradient
};

/// The Gram matrix of the seven unweighted term gradients with respect to one
/// parameter. Rows and columns of terms without a gradient are 0; a term that
/// does not depend on the parameter (L_in and W_hid) has gradient 0, defined.
struct ParamGram
{
    Param param = Param::WHid;
    std::array<std::array<double, kTermCount>, kTermCount> g{}; ///< <g_k, g_l>
    std::array<bool, kTermCount> defined{};
    std::array<std::string, kTermCount> reason; ///< why a term has no gradient
};

/// Above this fraction of max|r| the recorded states are not the network's
/// noise-free trajectory.
inline constexpr double kReplayTolerance = 1e-3;

struct GradientResult
{
    std::string error; ///< bad input (named) or not enough memory; nothing else is set
    bool cancelled = false;
    Convention convention = kDefaultConvention;
    std::array<TermGradient, kTermCount> terms;
    std::array<ParamGram, kParamCount> gram;
    /// max |r re-simulated - states recorded| over the simulated trials and
    /// steps (the slice's trials; every step up to its last; every neuron);
    /// +inf when the recorded states hold non-finite values there; empty
    /// without recorded states.
    std::optional<double> replayError;
    double maxAbsRate = 0.0; ///< max |r| of the re-simulation over the same values
    /// The replay warning (replayError > kReplayTolerance * maxAbsRate) and
    /// others, each one line.
    std::vector<std::string> warnings;
    /// With keepGradients: gradients[term][param], shaped as the parameter
    /// (biases as a column); all zero for a term without a gradient.
    std::array<std::array<WeightMatrix, kParamCount>, kTermCount> gradients;

    bool ok() const { return error.empty() && !cancelled; }
    const TermGradient& operator[](Term t) const { return terms[index(t)]; }
    const ParamGram& operator[](Param p) const { return gram[index(p)]; }
};

/// Never throws. `net` must match the input's N_in, N_hid and N_out and pass
/// validate(B); the data must have the sizes of `in.shape`.
GradientResult computeGradients(const Network& net, const GradientInput& in,
                                const GradientOptions& options = {});

} // namespace rnnloss
