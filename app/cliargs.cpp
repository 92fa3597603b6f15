#include "cliargs.h"

#include "readerprocess.h"

#include <sys/stat.h>

namespace rnnloss {

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
    const LambdaParse value = parseLambdaValue(arg.substr(eq + 1));
    if (!value.value)
        return "--lambda " + arg + ": '" + arg.substr(eq + 1) + "' " + value.error;
    opts.lambdas[index(*term)] = *value.value;
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
