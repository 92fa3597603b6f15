// `rnnloss bench --set-app DIR`: the app on a lab's sweep (issue 16, section
// 3): rnnloss-explorer started on the folder as a user opens it, offscreen,
// timed inside it from its start to the History shown with every summary's
// terms, then λ_fr edited N times, each timed to the History repainted
// (rnnloss-explorer --time-lambda-edits); the app's peak RSS from the kernel.

#include "bench.h"
#include "benchapp.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace rnnloss {

namespace {

namespace fs = std::filesystem;

struct SetAppArgs
{
    std::string dir;
    int reps = 3;
    int edits = 21;
};

SetAppArgs parseSetApp(const std::vector<std::string>& a)
{
    SetAppArgs s;
    auto number = [&](std::size_t& i, int most) {
        if (i + 1 >= a.size())
            throw BenchUsageError(a[i] + " needs a number");
        const std::string v = a[++i];
        char* end = nullptr;
        const long n = std::strtol(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || n < 1 || n > most)
            throw BenchUsageError(a[i - 1] + " " + v + ": expected 1 to " + std::to_string(most));
        return int(n);
    };
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] == "--set-app" && i + 1 < a.size())
            s.dir = a[++i];
        else if (a[i] == "--reps")
            s.reps = number(i, 100);
        else if (a[i] == "--edits")
            s.edits = number(i, 1000);
        else
            throw BenchUsageError("rnnloss bench --set-app: unknown option " + a[i]);
    }
    if (s.dir.empty())
        throw BenchUsageError("rnnloss bench --set-app: name the folder");
    return s;
}

/// The summary files under `dir` and their bytes.
std::pair<int, std::uintmax_t> countSummaries(const std::string& dir)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw BenchUsageError(dir + ": not a folder");
    int n = 0;
    std::uintmax_t bytes = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".rnnsum") {
            ++n;
            bytes += e.file_size();
        }
    if (n == 0)
        throw BenchUsageError(dir +
                              ": no summary files (.rnnsum) under it (make them with "
                              "rnnloss bench --write-sweep " +
                              dir + ")");
    return {n, bytes};
}

std::string loadAverage()
{
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) != 3)
        return "unknown";
    char text[64];
    std::snprintf(text, sizeof text, "%.2f %.2f %.2f", load[0], load[1], load[2]);
    return text;
}

/// One run of the app: what it said on stderr, read.
struct AppRun
{
    double wall = 0.0;   ///< the whole process, start to exit (s)
    double shown = -1.0; ///< its start to the History shown with every term (s)
    std::vector<double> editsMs;
    long peakKb = 0;
};

AppRun runApp(const std::string& exe, const SetAppArgs& s, const std::string& shot,
              const bench::Environment& env)
{
    std::vector<std::string> args = bench::appArgs(exe, {s.dir}, shot);
    args.insert(args.end(), {"--time-lambda-edits", std::to_string(s.edits)});
    AppRun r;
    std::string err;
    r.wall = bench::timeProcess(args, env, &r.peakKb, &err);
    std::istringstream lines(err);
    for (std::string line; std::getline(lines, line);) {
        double v = 0.0;
        if (std::sscanf(line.c_str(), "rnnloss-explorer: history shown after %lf s", &v) == 1)
            r.shown = v;
        else if (std::sscanf(line.c_str(), "rnnloss-explorer: lambda edit %lf ms", &v) == 1)
            r.editsMs.push_back(v);
    }
    if (r.shown < 0.0 || int(r.editsMs.size()) != s.edits)
        throw std::runtime_error(exe + " --time-lambda-edits: not the lines expected on stderr:\n" +
                                 err);
    return r;
}

void printGoals(double shown, double editMedian, double editMax, double peakMb)
{
    const auto met = [](bool yes) { return yes ? "yes" : "NO"; };
    std::printf("\n  issue 16's goals:\n");
    std::printf("    open the folder -> History drawn   <= 5 s      %8.2f s (median)      %s\n",
                shown, met(shown <= 5.0));
    std::printf(
        "    a lambda change -> History painted <= 50 ms    %8.1f ms median, %.1f ms max  %s\n",
        editMedian, editMax, met(editMax <= 50.0));
    std::printf("    app memory                         <= 1 GB     %8.0f MB peak RSS     %s\n",
                peakMb, met(peakMb <= 1024.0));
}

} // namespace

int benchSetApp(const std::vector<std::string>& args, const std::string& cli)
{
    const SetAppArgs s = parseSetApp(args);
    const auto [count, bytes] = countSummaries(s.dir);
    const std::string exe = bench::explorerBeside(cli);
    if (!fs::exists(exe))
        throw std::runtime_error("rnnloss bench --set-app: no rnnloss-explorer beside " + cli);
    const fs::path tmp = fs::temp_directory_path();
    const std::string shot = (tmp / "rnnloss-bench-set-app.png").string();
    const bench::Environment env = bench::appEnvironment(tmp.string());
    std::printf("rnnloss bench --set-app: %d summary files (%.1f MB) under %s\n"
                "  %s; load average before: %s\n"
                "  rnnloss-explorer DIR --screenshot (offscreen), %d times; in each, %d edits of "
                "lambda_fr\n\n",
                count, double(bytes) / 1e6, s.dir.c_str(), cpuName().c_str(), loadAverage().c_str(),
                s.reps, s.edits);
    std::printf("    %4s  %14s  %14s  %12s  %12s  %10s\n", "rep", "History shown", "whole process",
                "edit median", "edit max", "peak RSS");
    std::vector<double> shown, edits;
    long peakKb = 0;
    for (int r = 0; r < s.reps; ++r) {
        AppRun run = runApp(exe, s, shot, env);
        std::vector<double> e = run.editsMs;
        std::sort(e.begin(), e.end());
        std::printf("    %4d  %12.2f s  %12.2f s  %9.1f ms  %9.1f ms  %7.0f MB\n", r + 1, run.shown,
                    run.wall, bench::medianOf(e), e.back(), double(run.peakKb) / 1024.0);
        std::fflush(stdout);
        shown.push_back(run.shown);
        edits.insert(edits.end(), e.begin(), e.end());
        peakKb = std::max(peakKb, run.peakKb);
    }
    fs::remove(shot);
    printGoals(bench::medianOf(shown), bench::medianOf(edits),
               *std::max_element(edits.begin(), edits.end()), double(peakKb) / 1024.0);
    std::printf("  load average after: %s\n", loadAverage().c_str());
    return 0;
}

} // namespace rnnloss
