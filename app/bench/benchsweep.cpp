// `rnnloss bench --write-sweep DIR`: a lab's sweep as summary files (issue 16,
// section 3: 100 runs x 100 checkpoints), and `rnnloss bench --summaries DIR`:
// rnnloss compute over them, timed, with its peak memory.
//
// Each checkpoint is a real recording, written with engine/io's writer (the
// run's training lambdas and the checkpoint's `step` as root attributes),
// read and reduced by the engine's reader as `rnnloss summarize` reduces it,
// made into its summary file (summaryfiles.h) and then removed, all three by
// one BenchReader (benchreader.h: the reader, the one program with HDF5).
// What stays is DIR/run_XX/ckpt_YYYY.h5.rnnsum, the summary of a recording
// that is not there. The data change along a run (the error falls,
// the rates and weights grow) and between runs, so that no history is flat.
// The folder is the run: the recordings have no `run` attribute.

#include "bench.h"

#include "benchproc.h"
#include "benchreader.h"
#include "loss.h"
#include "sidecar.h"
#include "summaryfiles.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace rnnloss {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

/// One checkpoint's recording: 8 trials x 50 steps, 3 inputs, 16 hidden
/// units, 2 outputs (a few kB of summary each).
constexpr Shape kShape{8, 50, 3, 16, 2};

/// The run's training lambdas: a grid of lambda_fr (4) x lambda_hid (5), and
/// five seeds of each point (runs 20 apart).
std::array<std::optional<double>, kTermCount> runLambdas(int run)
{
    constexpr double fr[4] = {1e-3, 1e-2, 1e-1, 1.0};
    constexpr double hid[5] = {0.0, 1e-4, 1e-3, 1e-2, 1e-1};
    std::array<std::optional<double>, kTermCount> l;
    l[index(Term::Mse)] = 1.0;
    l[index(Term::In)] = 0.0;
    l[index(Term::Hid)] = hid[(run / 4) % 5];
    l[index(Term::Out)] = 1e-3;
    l[index(Term::Fr)] = fr[run % 4];
    l[index(Term::FrSd)] = 0.0;
    l[index(Term::FrCv)] = 0.0;
    return l;
}

/// Checkpoint `ckpt` of `ckpts` of run `run`: as training goes on the error
/// falls and the rates and weights grow, at a pace of the run's own.
Recording checkpointRecording(int run, int ckpt, int ckpts)
{
    Recording rec;
    rec.shape = kShape;
    rec.trainingLambdas = runLambdas(run);
    const Shape& sh = rec.shape;
    const double p = ckpts > 1 ? double(ckpt) / (ckpts - 1) : 1.0;
    const double pace = 2.0 + 0.25 * (run % 9);
    const double error = (0.05 + 0.95 * std::exp(-pace * p)) * (1.0 + 0.1 * (run % 7));
    const double rate = 0.2 + 0.5 * p * (1.0 + 0.05 * (run % 5));
    std::mt19937_64 rng(std::uint64_t(run) * 100003 + std::uint64_t(ckpt));
    std::normal_distribution<double> g(0.0, 1.0);
    rec.states.resize(std::size_t(sh.batch * sh.time * sh.nHid));
    for (double& v : rec.states)
        v = std::max(0.0, rate * (0.6 + g(rng)));
    rec.targets.resize(std::size_t(sh.batch * sh.time * sh.nOut));
    rec.outputs.resize(rec.targets.size());
    for (std::size_t i = 0; i < rec.targets.size(); ++i) {
        rec.targets[i] = std::sin(0.1 * double(i % std::size_t(sh.time)));
        rec.outputs[i] = rec.targets[i] + error * g(rng);
    }
    rec.wIn.resize(std::size_t(sh.nHid * sh.nIn));
    rec.wHid.resize(std::size_t(sh.nHid * sh.nHid));
    rec.wOut.resize(std::size_t(sh.nOut * sh.nHid));
    for (auto* w : {&rec.wIn, &rec.wHid, &rec.wOut})
        for (double& v : *w)
            v = (0.1 + 0.1 * p) * g(rng);
    return rec;
}

struct SweepArgs
{
    std::string dir;
    int runs = 100, checkpoints = 100, reps = 3;
    bool keepRecordings = false;
};

int positive(const std::vector<std::string>& a, std::size_t& i, int most)
{
    if (i + 1 >= a.size())
        throw BenchUsageError(a[i] + " needs a number");
    const std::string& v = a[++i];
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 1 || n > most)
        throw BenchUsageError(a[i - 1] + " " + v + ": expected 1 to " + std::to_string(most));
    return int(n);
}

SweepArgs parseSweep(const std::vector<std::string>& a)
{
    SweepArgs s;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if ((a[i] == "--write-sweep" || a[i] == "--summaries") && i + 1 < a.size())
            s.dir = a[++i];
        else if (a[i] == "--runs")
            s.runs = positive(a, i, 1000);
        else if (a[i] == "--checkpoints")
            s.checkpoints = positive(a, i, 100000);
        else if (a[i] == "--reps")
            s.reps = positive(a, i, 1000);
        else if (a[i] == "--keep-recordings")
            s.keepRecordings = true;
        else
            throw BenchUsageError("rnnloss bench --write-sweep / --summaries: unknown option " +
                                  a[i]);
    }
    if (s.dir.empty())
        throw BenchUsageError("rnnloss bench --write-sweep / --summaries: name the folder");
    return s;
}

std::string loadAverage()
{
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

int writeSweep(const SweepArgs& s)
{
    const auto started = Clock::now();
    std::uintmax_t recordingBytes = 0, summaryBytes = 0;
    BenchReader reader;
    for (int run = 0; run < s.runs; ++run) {
        char folder[32];
        std::snprintf(folder, sizeof folder, "run_%02d", run);
        const fs::path dir = fs::path(s.dir) / folder;
        fs::create_directories(dir);
        for (int c = 0; c < s.checkpoints; ++c) {
            char name[32];
            std::snprintf(name, sizeof name, "ckpt_%04d.h5", c);
            const std::string path = (dir / name).string();
            const Recording rec = checkpointRecording(run, c, s.checkpoints);
            reader.write(path, rec, {.step = 100.0 * (c + 1)});
            recordingBytes += fs::file_size(path);
            summaryBytes += reader.summarize(path, "rnnloss-bench --write-sweep");
            if (!s.keepRecordings)
                fs::remove(path);
        }
        std::fprintf(stderr, "\r%d of %d runs", run + 1, s.runs);
    }
    const double sec = since(started);
    const double n = double(s.runs) * s.checkpoints;
    std::fprintf(stderr, "\n");
    std::printf("rnnloss bench --write-sweep %s: %d runs x %d checkpoints = %.0f summary files\n"
                "  recordings of %lld x %lld x %lld x %lld x %lld (B x T x N_in x N_hid x N_out, "
                "float32): %.1f kB each%s\n"
                "  summary files: %.2f MB in all, %.1f kB each\n"
                "  %.1f s in all, %.2f ms per checkpoint (write, read, reduce, encode, write); "
                "load average %s\n",
                s.dir.c_str(), s.runs, s.checkpoints, n, (long long)kShape.batch,
                (long long)kShape.time, (long long)kShape.nIn, (long long)kShape.nHid,
                (long long)kShape.nOut, recordingBytes / n / 1e3,
                s.keepRecordings ? " (kept)" : " (removed)", summaryBytes / 1e6,
                summaryBytes / n / 1e3, sec, sec / n * 1e3, loadAverage().c_str());
    return 0;
}

std::vector<std::string> summaryFilesUnder(const std::string& dir)
{
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && isSummaryFile(e.path().string()))
            files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty())
        throw BenchUsageError(dir + ": no summary files (.rnnsum) under it");
    return files;
}

/// Every summary file decoded and its terms computed in this process: the
/// engine's part of opening them, without a process start or output.
double decodeAll(const std::vector<std::string>& files)
{
    const auto started = Clock::now();
    double sink = 0;
    for (const std::string& f : files) {
        const SidecarDecodeResult d = readSidecar(f);
        if (!d.value)
            throw std::runtime_error(d.error);
        sink += evaluate(computeTerms(d.value->summary, Convention::Nn4n),
                         initialLambdas(d.value->summary))
                    .total.value_or(0.0);
    }
    const double sec = since(started);
    if (!std::isfinite(sink))
        std::printf("  (a total is not finite)\n");
    return sec;
}

struct Timed
{
    double seconds = 0;
    double peakMb = 0;
};

/// The median of `reps` runs of `args`, and the largest peak RSS among them.
Timed timeRuns(const std::vector<std::string>& args, int reps)
{
    std::vector<double> t;
    Timed out;
    for (int r = 0; r < reps; ++r) {
        long peakKb = 0;
        t.push_back(bench::timeProcess(args, {}, &peakKb));
        out.peakMb = std::max(out.peakMb, peakKb / 1024.0);
    }
    out.seconds = bench::medianOf(t);
    return out;
}

int timeSummaries(const SweepArgs& s, const std::string& cli)
{
    const std::vector<std::string> files = summaryFilesUnder(s.dir);
    std::uintmax_t bytes = 0;
    for (const std::string& f : files)
        bytes += fs::file_size(f);
    const double n = double(files.size());
    std::printf("rnnloss bench --summaries %s: %zu summary files, %.2f MB (%.1f kB each); "
                "load average %s\n",
                s.dir.c_str(), files.size(), bytes / 1e6, bytes / n / 1e3, loadAverage().c_str());
    decodeAll(files); // the page cache warmed, as for the CLI below
    const double here = decodeAll(files);
    std::printf("  in this process, read + decode + terms: %.2f s, %.1f us per summary\n", here,
                here / n * 1e6);
    // compute over the folder when it takes one (File > Open folder's CLI
    // twin), else over the list of files.
    std::vector<std::string> args{cli, "compute", s.dir, "--json"};
    std::string how = "rnnloss compute DIR --json";
    try {
        bench::timeProcess(args);
    } catch (const std::runtime_error&) {
        args = {cli, "compute"};
        args.insert(args.end(), files.begin(), files.end());
        args.push_back("--json");
        how = "rnnloss compute FILE... --json (compute takes no folder here)";
    }
    const Timed t = timeRuns(args, s.reps);
    std::printf("  %s: %.2f s (median of %d), %.2f ms per summary, peak RSS %.1f MB\n", how.c_str(),
                t.seconds, s.reps, t.seconds / n * 1e3, t.peakMb);
    std::printf("  load average after: %s\n", loadAverage().c_str());
    return 0;
}

} // namespace

int benchSweep(const std::vector<std::string>& args, const std::string& cli)
{
    const SweepArgs s = parseSweep(args);
    if (std::find(args.begin(), args.end(), "--write-sweep") != args.end())
        return writeSweep(s);
    return timeSummaries(s, cli);
}

} // namespace rnnloss
