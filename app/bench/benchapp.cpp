#include "benchapp.h"

#include <filesystem>

namespace rnnloss::bench {

std::string explorerBeside(const std::string& cli)
{
    return (std::filesystem::path(cli).parent_path() / "rnnloss-explorer").string();
}

std::vector<std::string> appArgs(const std::string& exe, const std::vector<std::string>& files,
                                 const std::string& shot)
{
    std::vector<std::string> args{exe};
    args.insert(args.end(), files.begin(), files.end());
    args.insert(args.end(), {"--screenshot", shot});
    return args;
}

Environment appEnvironment(const std::string& tmp)
{
    return {{"QT_QPA_PLATFORM", "offscreen"},
            {"XDG_CONFIG_HOME", (std::filesystem::path(tmp) / "rnnloss-bench-config").string()}};
}

} // namespace rnnloss::bench
