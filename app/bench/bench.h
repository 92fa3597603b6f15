#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace rnnloss {

struct BenchUsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/// `rnnloss bench`: see docs/performance.md. `cli`: the `rnnloss` it times.
int benchMain(const std::vector<std::string>& args, const std::string& cli);

} // namespace rnnloss
