#pragma once
// Parsing of the options the CLI and the app share:
// [RECORDING] [--weights FILE] [--convention nn4n|spec] [--lambda KEY=VALUE]...

#include "summary.h"
#include "terms.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace rnnloss {

struct LossOptions
{
    std::string recording;
    std::string weights;
    std::optional<Convention> convention;
    std::array<std::optional<double>, kTermCount> lambdas; ///< given on the command line
};

/// Parses a `--lambda` argument "lambda_fr=1e-3" (the key may omit "lambda_").
/// Returns the error text, or empty on success. The value is read by
/// parseLambdaValue (terms.h), the same parser as the app's lambda fields.
std::string parseLambda(const std::string& arg, LossOptions& opts);

/// The slice options of `rnnloss compute`: --trials, --steps, --neurons,
/// each an index spec (engine/slice.h); empty when not given.
struct SliceOptions
{
    std::string trials, steps, neurons;
    /// --trial-label, --neuron-group: only the trials / neurons (of the specs
    /// above, or all) with this trial_labels / neuron_groups value.
    std::optional<std::string> trialLabel, neuronGroup;
    bool any() const
    {
        return !trials.empty() || !steps.empty() || !neurons.empty() || trialLabel || neuronGroup;
    }
};

/// Takes `option` (one of the three) with its value `spec` into `opts`.
/// Returns the error text naming the option, or empty on success: the spec
/// must parse and each option be given once. Ranges are checked against the
/// recording by resolveSlice once its shape is known.
std::string parseSliceOption(const std::string& option, const std::string& spec,
                             SliceOptions& opts);

/// The slice `opts` selects of a recording of shape `whole` (std::nullopt and
/// empty `error` when no option is given); `error` names the option and the
/// problem when a spec does not fit.
std::optional<Slice> resolveSlice(const SliceOptions& opts, const Shape& whole,
                                  std::string& error);
/// The same, with --trial-label and --neuron-group resolved against the
/// labels of `s` (the recording's; its shape is the whole one).
std::optional<Slice> resolveSlice(const SliceOptions& opts, const Summary& s, std::string& error);

/// The example recording bundled with the app: next to the executable, or in
/// the source tree's resources/ for a build that has not been installed.
std::string bundledExample();

} // namespace rnnloss
