#include "benchgoals.h"

#include "bench.h"

#include <cstdlib>
#include <sstream>

#ifndef RNNLOSS_SOURCE_DIR
#define RNNLOSS_SOURCE_DIR "."
#endif

namespace rnnloss::bench {

namespace {

int count(const std::string& option, const std::string& text)
{
    char* end = nullptr;
    const long n = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end || n <= 0 || n > 100000)
        throw BenchUsageError(option + " " + text + ": expected a whole number in 1..100000");
    return int(n);
}

std::vector<int> counts(const std::string& text)
{
    std::vector<int> out;
    std::stringstream in(text);
    for (std::string part; std::getline(in, part, ',');)
        out.push_back(count("--many", part));
    return out;
}

} // namespace

std::optional<int> goalBench(const std::vector<std::string>& a, const std::string& cli)
{
    bool many = false, keep = false;
    std::vector<int> sizes{25, 50, 100, 200, 1000};
    std::string nn4n, recording, dir, before, unknown;
    int beforeMax = 200;
    std::string script = std::string(RNNLOSS_SOURCE_DIR) + "/tools/nn4n_loss.py";
    int reps = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const bool more = i + 1 < a.size();
        if (a[i] == "--many") {
            many = true;
            if (more && a[i + 1].rfind("--", 0) != 0)
                sizes = counts(a[++i]);
        } else if (a[i] == "--versus-nn4n" && more) {
            nn4n = a[++i];
        } else if (a[i] == "--recording" && more) {
            recording = a[++i];
        } else if (a[i] == "--peer-script" && more) {
            script = a[++i];
        } else if (a[i] == "--dir" && more) {
            dir = a[++i];
        } else if (a[i] == "--reps" && more) {
            reps = count("--reps", a[++i]);
        } else if (a[i] == "--before" && more) {
            before = a[++i];
        } else if (a[i] == "--before-max" && more) {
            beforeMax = count("--before-max", a[++i]);
        } else if (a[i] == "--keep") {
            keep = true;
        } else if (unknown.empty()) {
            unknown = a[i];
        }
    }
    if ((many || !nn4n.empty()) && !unknown.empty())
        throw BenchUsageError("bench: " + unknown + " does not go with --many or --versus-nn4n");
    if (many) {
        manyRecordings(cli, sizes, reps ? reps : 3, dir, keep, before, beforeMax);
        return 0;
    }
    if (nn4n.empty())
        return std::nullopt;
    if (recording.empty())
        throw BenchUsageError("bench --versus-nn4n DIR needs --recording FILE");
    versusNn4n(cli, recording, reps ? reps : 15, nn4n, script, before);
    return 0;
}

} // namespace rnnloss::bench
