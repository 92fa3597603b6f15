#pragma once
// Parsing of the options the CLI and the app share:
// [RECORDING] [--weights FILE] [--convention nn4n|spec] [--lambda KEY=VALUE]...

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

/// The example recording bundled with the app: next to the executable, or in
/// the source tree's resources/ for a build that has not been installed.
std::string bundledExample();

} // namespace rnnloss
