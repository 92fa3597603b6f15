#pragma once
// Reads the lambda settings the app exports (report.h lambdasJson):
//   {"convention": "nn4n", "lambda_mse": 1, "lambda_fr": 0.01, ...}
// for `--lambdas-from FILE.json` and File > Import lambdas. Plain C++.

#include "cliargs.h"
#include "terms.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace rnnloss {

struct LambdaSettings
{
    std::array<std::optional<double>, kTermCount> lambdas; ///< the keys the file has
    std::optional<Convention> convention;
};

struct LambdaSettingsResult
{
    std::optional<LambdaSettings> value;
    std::string error; ///< "<file>: <what is wrong>"; set when value is empty
};

/// Parses the JSON text of a lambda export. `name` is used in messages. Keys
/// other than "convention" and "lambda_*" are ignored (room for more fields);
/// an unknown lambda key, a value that is not a finite number >= 0, or an
/// unknown convention is refused.
LambdaSettingsResult parseLambdaSettings(std::string_view json, const std::string& name);

/// Reads and parses `path` (at most 1 MiB).
LambdaSettingsResult readLambdaSettings(const std::string& path);

/// Fills in what the command line left unset: `--lambda` and `--convention`
/// win over the file, the file wins over the recording's training lambdas.
void applyLambdaSettings(const LambdaSettings& file, LossOptions& opts);

} // namespace rnnloss
