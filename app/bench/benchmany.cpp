// `rnnloss bench --many`: many small recordings, the CLI against the app
// (issue 17, section 4: the app shows 200 within 1.5x the CLI's time, 1,000
// within 5x its own time for 200).

#include "benchapp.h"
#include "benchgoals.h"
#include "benchproc.h"

#include "benchreader.h"


#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>

namespace rnnloss::bench {

namespace {

/// A small recording as a training run records it: 16 trials x 250 steps,
/// 64 hidden units (1.1 MB of float32), one trial per chunk.
Recording smallRecording()
{
    Recording rec;
    rec.shape = {16, 250, 3, 64, 4};
    const Shape& sh = rec.shape;
    std::mt19937_64 rng(17);
    std::normal_distribution<double> g(0.0, 1.0);
    rec.states.resize(std::size_t(sh.batch * sh.time * sh.nHid));
    for (double& v : rec.states)
        v = std::max(0.0, 0.2 + 0.5 * g(rng));
    rec.outputs.resize(std::size_t(sh.batch * sh.time * sh.nOut));
    rec.targets.resize(rec.outputs.size());
    for (std::size_t i = 0; i < rec.outputs.size(); ++i) {
        rec.outputs[i] = g(rng);
        rec.targets[i] = g(rng);
    }
    rec.wIn.resize(std::size_t(sh.nHid * sh.nIn));
    rec.wHid.resize(std::size_t(sh.nHid * sh.nHid));
    rec.wOut.resize(std::size_t(sh.nOut * sh.nHid));
    for (auto* w : {&rec.wIn, &rec.wHid, &rec.wOut})
        for (double& v : *w)
            v = 0.1 * g(rng);
    return rec;
}

/// `count` recordings in `dir` (steps 100, 200, ...); those already there are kept.
std::vector<std::string> writeSet(const std::filesystem::path& dir, int count)
{
    std::filesystem::create_directories(dir);
    const Recording rec = smallRecording();
    std::optional<BenchReader> reader; // started when a file is missing
    std::vector<std::string> files;
    for (int i = 0; i < count; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "rec%04d.h5", i);
        const std::string path = (dir / name).string();
        if (!std::filesystem::exists(path)) {
            const std::string tmp = path + ".part";
            if (!reader)
                reader.emplace();
            reader->write(tmp, rec, {.chunkTrials = 1, .step = 100.0 * (i + 1)});
            std::filesystem::rename(tmp, path);
        }
        files.push_back(path);
    }
    return files;
}

std::vector<std::string> computeArgs(const std::string& cli, const std::vector<std::string>& files)
{
    std::vector<std::string> args{cli, "compute"};
    args.insert(args.end(), files.begin(), files.end());
    args.push_back("--json");
    return args;
}

/// The app's --screenshot gives up after 120 s (exit 1): as +inf, said once.
double timeOrGiveUp(const std::vector<std::string>& args, const Environment& env)
{
    try {
        return timeProcess(args, env);
    } catch (const std::runtime_error& e) {
        std::printf("    (%s)\n", e.what());
        return std::numeric_limits<double>::infinity();
    }
}

} // namespace

void manyRecordings(const std::string& cli, const std::vector<int>& counts, int reps,
                    const std::string& dir, bool keep, const std::string& before, int beforeMax)
{
    const std::filesystem::path exe = explorerBeside(cli);
    if (!std::filesystem::exists(exe))
        throw std::runtime_error("rnnloss bench --many: no rnnloss-explorer beside " + cli);
    const std::filesystem::path tmp = std::filesystem::temp_directory_path();
    const std::filesystem::path where =
        dir.empty() ? tmp / "rnnloss-bench-many" : std::filesystem::path(dir);
    const int most = *std::max_element(counts.begin(), counts.end());
    const std::vector<std::string> all = writeSet(where, most);
    const std::string shot = (tmp / "rnnloss-bench-many.png").string();
    // The app as a user starts it, offscreen, with settings of its own: it
    // exits once every recording is read, the terms of each are computed and
    // the set's views drawn, and the window grabbed (--screenshot).
    const Environment appEnv = appEnvironment(tmp.string());
    std::printf("rnnloss bench --many: recordings of 16 x 250 x 64 (%.2f MB each) in %s;\n"
                "%d repetitions, CLI and app interleaved (medians, whole processes)\n\n",
                double(std::filesystem::file_size(all.front())) / 1e6, where.c_str(), reps);
    std::printf("    %6s  %12s  %12s  %9s  %13s  %13s\n", "count", "rnnloss", "the app", "app/CLI",
                "app per file", "app / at 200");
    double app200 = 0.0;
    for (const int n : counts) {
        const std::vector<std::string> files(all.begin(), all.begin() + n);
        const bool old = !before.empty() && n <= beforeMax;
        std::vector<double> tCli, tApp, tOldCli, tOldApp;
        for (int r = 0; r < reps; ++r) {
            tCli.push_back(timeProcess(computeArgs(cli, files)));
            tApp.push_back(timeProcess(appArgs(exe.string(), files, shot), appEnv));
            if (old) {
                tOldCli.push_back(timeProcess(computeArgs(before, files)));
                tOldApp.push_back(
                    timeOrGiveUp(appArgs(explorerBeside(before), files, shot), appEnv));
            }
        }
        const double c = medianOf(tCli), a = medianOf(tApp);
        if (n == 200)
            app200 = a;
        char vs200[32] = "";
        if (app200 > 0.0 && n != 200)
            std::snprintf(vs200, sizeof vs200, "%.2fx", a / app200);
        std::printf("    %6d  %10.2f s  %10.2f s  %8.2fx  %10.1f ms  %13s\n", n, c, a, a / c,
                    a / n * 1e3, vs200);
        if (old)
            std::printf("    %6s  %10.2f s  %10.2f s  %8.2fx  %10.1f ms   (before)\n", "",
                        medianOf(tOldCli), medianOf(tOldApp), medianOf(tOldApp) / medianOf(tOldCli),
                        medianOf(tOldApp) / n * 1e3);
        std::fflush(stdout);
    }
    std::filesystem::remove(shot);
    if (!keep && dir.empty())
        std::filesystem::remove_all(where);
}

} // namespace rnnloss::bench
