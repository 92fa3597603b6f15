#pragma once
// The speed goals of issue 17, section 4, each measured side by side in one
// run: `rnnloss bench --versus-nn4n` and `rnnloss bench --many`
// (docs/performance.md).

#include <optional>
#include <string>
#include <vector>

namespace rnnloss::bench {

/// Runs the goal benchmark `args` asks for (--many or --versus-nn4n, with
/// their options) and returns its exit code; nullopt when it asks for neither.
/// Throws BenchUsageError on a bad option.
std::optional<int> goalBench(const std::vector<std::string>& args, const std::string& cli);

/// `rnnloss compute FILE --json` as a whole process against h5py + nn4n's
/// RNNLoss timed inside one Python process (`script` --serve, with NN4N_PATH
/// `nn4n`: its start and the import of torch left out), repetition by
/// repetition; and the same for `before` (an older rnnloss) unless empty.
void versusNn4n(const std::string& cli, const std::string& file, int reps, const std::string& nn4n,
                const std::string& script, const std::string& before);

/// For each count: `rnnloss compute FILES --json` against the app
/// `rnnloss-explorer FILES --screenshot` (offscreen: until every recording is
/// read, the set's views drawn and the window grabbed), interleaved, on small
/// recordings written to `dir` (default: a temporary folder, removed after
/// unless `keep`). `before`: an older rnnloss (with its app beside it) timed
/// the same way, for the counts up to `beforeMax`; empty for none.
void manyRecordings(const std::string& cli, const std::vector<int>& counts, int reps,
                    const std::string& dir, bool keep, const std::string& before, int beforeMax);

} // namespace rnnloss::bench
