#pragma once
// The CLI's commands over several recordings and over the lambdas, each
// returning the exit status (0 ok, 2 unusable input, 1 internal failure):
//   rnnloss compute A.h5 B.h5 ...          (cli_multi.cpp)
//   rnnloss sweep REC.h5 --term KEY ...    (cli_sweep.cpp)
//   rnnloss balance REC.h5 --share K=F ... (cli_balance.cpp)
//   rnnloss summarize REC.h5 ... / --list FILES.txt / --check (cli_summarize.cpp)
//   rnnloss grad REC.h5 ...                (cli_grad.cpp)
//   rnnloss stats A.h5 B.h5 ...            (cli_stats.cpp)

#include <string>
#include <vector>

namespace rnnloss::cli {

/// `compute` with two or more recordings: one result per recording, in order.
int computeMany(const std::vector<std::string>& args);
int sweep(const std::vector<std::string>& args);
int balance(const std::vector<std::string>& args);
int summarize(const std::vector<std::string>& args);
int grad(const std::vector<std::string>& args);
int stats(const std::vector<std::string>& args);

/// Their part of `rnnloss --help`.
extern const char* const kCommandsHelp;
extern const char* const kSummarizeHelp;
extern const char* const kGradHelp;
extern const char* const kStatsHelp;

} // namespace rnnloss::cli
