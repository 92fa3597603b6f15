// rnnloss-bench — the benchmark of docs/performance.md, started by
// `rnnloss bench [...]` as `rnnloss-bench --cli PATH [...]`. Its own program
// because it times HDF5's own read and writes its synthetic recordings with
// HDF5, which `rnnloss` does not link.

#include "bench.h"
#include "options.h"
#include "readerprocess.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string cli;
    if (args.size() >= 2 && args[0] == "--cli") {
        cli = args[1];
        args.erase(args.begin(), args.begin() + 2);
    } else {
        cli = (std::filesystem::path(rnnloss::currentExecutable()).parent_path() / "rnnloss")
                  .string();
    }
    try {
        if (std::find(args.begin(), args.end(), "--write-sweep") != args.end() ||
            std::find(args.begin(), args.end(), "--summaries") != args.end())
            return rnnloss::benchSweep(args, cli);
        if (std::find(args.begin(), args.end(), "--set-app") != args.end())
            return rnnloss::benchSetApp(args, cli);
        if (std::find(args.begin(), args.end(), "--gradients") != args.end())
            return rnnloss::benchGradients(args, cli);
        return rnnloss::benchMain(args, cli);
    } catch (const rnnloss::BenchUsageError& e) {
        return rnnloss::fail(e.what());
    } catch (const std::exception& e) {
        std::cerr << "rnnloss-bench: internal error: " << e.what() << "\n";
        return 1;
    }
}
