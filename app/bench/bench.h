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

/// `rnnloss bench --gradients` (bench_grad.cpp): the per-term gradients
/// through the reader process, beside nn4n + autograd.
int benchGradients(const std::vector<std::string>& args, const std::string& cli);

/// `rnnloss bench --write-sweep DIR` and `--summaries DIR` (benchsweep.cpp):
/// a lab's sweep as summary files, and rnnloss compute over them.
int benchSweep(const std::vector<std::string>& args, const std::string& cli);

/// `rnnloss bench --set-app DIR` (benchsetapp.cpp): the app on a folder of
/// summary files, open to History shown, λ edits to History repainted, peak RSS.
int benchSetApp(const std::vector<std::string>& args, const std::string& cli);

/// The "model name" of /proc/cpuinfo.
std::string cpuName();

} // namespace rnnloss
