#include "cliargs.h"

#include "readerprocess.h"

#include <cmath>
#include <cstdlib>
#include <sys/stat.h>

namespace rnnloss {

std::optional<double> parseLambdaValue(const std::string& text)
{
    if (text.empty())
        return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(v) || v < 0)
        return std::nullopt;
    return v;
}

std::string parseLambda(const std::string& arg, LossOptions& opts)
{
    const auto eq = arg.find('=');
    if (eq == std::string::npos)
        return "--lambda " + arg + ": expected KEY=VALUE, e.g. lambda_fr=1e-3";
    const std::string key = arg.substr(0, eq);
    const auto term = termFromKey(key);
    if (!term)
        return "--lambda " + arg + ": unknown key '" + key +
               "' (one of lambda_mse, lambda_in, lambda_hid, lambda_out, lambda_fr, "
               "lambda_fr_sd, lambda_fr_cv)";
    const auto value = parseLambdaValue(arg.substr(eq + 1));
    if (!value)
        return "--lambda " + arg + ": '" + arg.substr(eq + 1) +
               "' is not a finite number >= 0";
    opts.lambdas[index(*term)] = *value;
    return {};
}

std::string bundledExample()
{
    struct stat st{};
    const std::string exe = currentExecutable();
    const auto slash = exe.rfind('/');
    if (slash != std::string::npos) {
        for (const char* rel : {"/example.h5", "/../share/rnnloss-explorer/example.h5"}) {
            const std::string p = exe.substr(0, slash) + rel;
            if (::stat(p.c_str(), &st) == 0)
                return p;
        }
    }
#ifdef RNNLOSS_SOURCE_EXAMPLE
    if (::stat(RNNLOSS_SOURCE_EXAMPLE, &st) == 0)
        return RNNLOSS_SOURCE_EXAMPLE;
#endif
    return "example.h5";
}

} // namespace rnnloss
