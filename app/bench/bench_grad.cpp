// rnnloss bench --gradients: the per-term gradients end to end through the
// reader process (what `rnnloss grad` and the app's Gradients tab wait for),
// side by side with nn4n + PyTorch autograd (tools/bench_gradient_nn4n.py)
// on the same machine in the same run, repetition by repetition, so that
// other load on a shared machine falls on both alike (docs/performance.md,
// "Gradients").

#include "bench.h"
#include "benchproc.h"

#include "gradient.h"
#include "network.h"
#include "options.h"
#include "readerprocess.h"
#include "benchreader.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sys/resource.h>
#include <thread>

namespace rnnloss {

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v)
{
    if (v.empty())
        return NAN;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct GradOptions
{
    int reps = 5;
    int threads = 2;
    std::string nn4nScript;                    ///< tools/bench_gradient_nn4n.py; empty: ours alone
    bool ompDefault = true, ompPassive = true; ///< the modes nn4n runs in
    std::string dir = std::filesystem::temp_directory_path().string();
    bool keep = false;
};

GradOptions parseGradOptions(const std::vector<std::string>& a)
{
    GradOptions o;
    try {
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a[i] == "--gradients")
                continue;
            if (a[i] == "--reps")
                o.reps = static_cast<int>(wholeNumber(a[i], value(a, i), 1, 1000));
            else if (a[i] == "--threads")
                o.threads = static_cast<int>(wholeNumber(a[i], value(a, i), 1, 256));
            else if (a[i] == "--nn4n")
                o.nn4nScript = value(a, i);
            else if (a[i] == "--nn4n-omp") {
                const std::string m = value(a, i);
                if (m != "default" && m != "passive" && m != "both")
                    throw UsageError{"--nn4n-omp " + m + ": expected default, passive or both"};
                o.ompDefault = m != "passive";
                o.ompPassive = m != "default";
            } else if (a[i] == "--dir")
                o.dir = value(a, i);
            else if (a[i] == "--keep")
                o.keep = true;
            else
                throw UsageError{"bench --gradients: unknown option " + a[i]};
        }
    } catch (const UsageError& e) {
        throw BenchUsageError(e.message);
    }
    return o;
}

/// A relu network with biases (as nn4n's CTRNN(biases="uniform")), random
/// inputs and targets, and rectified noisy rates as its recorded states (the
/// replay comparison costs the same whatever they are), float32 in chunks of
/// one trial: the layout rnnloss_record.py writes.
void writeGradientRecording(const Shape& s, const std::string& path)
{
    std::mt19937_64 rng(7);
    std::normal_distribution<double> g(0.0, 1.0);
    Network n;
    n.activation = Activation::Relu;
    n.alpha = 0.1;
    auto random = [&](std::int64_t rows, std::int64_t cols, double scale) {
        WeightMatrix m(rows, cols);
        for (Eigen::Index i = 0; i < m.size(); ++i)
            m.data()[i] = scale * g(rng);
        return m;
    };
    n.wIn = random(s.nHid, s.nIn, 1.0 / std::sqrt(double(s.nIn)));
    n.wHid = random(s.nHid, s.nHid, 1.0 / std::sqrt(double(s.nHid)));
    n.wOut = random(s.nOut, s.nHid, 1.0 / std::sqrt(double(s.nHid)));
    n.bIn = random(s.nHid, 1, 0.1);
    n.bHid = random(s.nHid, 1, 0.1);
    n.bOut = random(s.nOut, 1, 0.1);
    Recording rec;
    rec.shape = s;
    const auto bt = static_cast<std::size_t>(s.batch * s.time);
    for (auto [v, width] : {std::pair{&rec.inputs, s.nIn}, std::pair{&rec.targets, s.nOut}})
        for (std::size_t i = 0; i < bt * static_cast<std::size_t>(width); ++i)
            v->push_back(g(rng));
    rec.states.resize(bt * static_cast<std::size_t>(s.nHid));
    for (double& x : rec.states)
        x = std::max(0.0, 0.2 + 0.5 * g(rng));
    auto flat = [](const WeightMatrix& m) {
        return std::vector<double>(m.data(), m.data() + m.size());
    };
    rec.wIn = flat(n.wIn);
    rec.wHid = flat(n.wHid);
    rec.wOut = flat(n.wOut);
    rec.trainingLambdas = {1.0, 0.0, 1e-3, 0.0, 1e-2, 1e-3, 1e-3};
    BenchReader().write(path, rec, {.chunkTrials = 1, .network = &n});
}

/// One run of the reader process, split by the stages its progress frames name.
struct OurRun
{
    double total = 0, read = 0, forward = 0, backward = 0; ///< seconds
    double cpu = 0;                                        ///< the reader's user + system time
    std::uint64_t peakRss = 0;
};

/// User + system seconds of the reaped children so far.
double childrenCpu()
{
    struct rusage ru = {};
    getrusage(RUSAGE_CHILDREN, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

OurRun runOurs(const std::string& file, int threads)
{
    ReaderJob job;
    job.readerExe = readerExecutable();
    job.recording = file;
    job.gradients = true;
    job.convention = Convention::Nn4n;
    job.gradientThreads = threads;
    job.memoryLimitBytes = 0;
    bench::resetPeakRss(); // the reader's peak, not this process's (benchproc.h)
    const double cpu0 = childrenCpu();
    const auto start = Clock::now();
    // The last frame of the read, the last of the forward pass.
    Clock::time_point readEnd = start, forwardEnd = start;
    ReaderProcess p;
    const ReaderOutcome out = p.run(job, [&](double, const std::string& stage) {
        if (stage == "simulating")
            forwardEnd = Clock::now();
        else if (stage != "backpropagating")
            readEnd = Clock::now();
    });
    const auto end = Clock::now();
    if (!out.gradients)
        throw std::runtime_error(out.error);
    auto sec = [](Clock::time_point a, Clock::time_point b) {
        return std::chrono::duration<double>(b - a).count();
    };
    OurRun r;
    r.total = sec(start, end);
    r.read = sec(start, readEnd);
    r.forward = sec(readEnd, std::max(readEnd, forwardEnd));
    r.backward = sec(std::max(readEnd, forwardEnd), end);
    r.cpu = childrenCpu() - cpu0;
    r.peakRss = out.peakRssBytes;
    return r;
}

/// nn4n + autograd's own figures: forward, the four backward passes.
struct TheirRun
{
    double forward = NAN, backward = NAN, cpu = NAN;
};

/// `passive`: with OMP_WAIT_POLICY=PASSIVE, so that PyTorch's OpenMP threads
/// sleep instead of spinning while they wait (on a shared machine spinning
/// costs it several times its time; idle, it costs little).
TheirRun runNn4n(const std::string& script, const Shape& s, int threads, bool passive)
{
    const std::string out =
        (std::filesystem::temp_directory_path() / "rnnloss-bench-nn4n.txt").string();
    const std::string cmd = std::string(passive ? "OMP_WAIT_POLICY=PASSIVE " : "") +
                            "/usr/bin/python3 '" + script + "' --batch " + std::to_string(s.batch) +
                            " --time " + std::to_string(s.time) + " --neurons " +
                            std::to_string(s.nHid) + " --inputs " + std::to_string(s.nIn) +
                            " --outputs " + std::to_string(s.nOut) + " --threads " +
                            std::to_string(threads) + " > '" + out + "' 2>&1";
    if (std::system(cmd.c_str()) != 0)
        throw std::runtime_error("tools/bench_gradient_nn4n.py failed: see " + out);
    std::ifstream f(out);
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::smatch m;
    const std::regex figures(R"(forward ([0-9.]+) s \(CPU ([0-9.]+) s\), 4 backward )"
                             R"(passes ([0-9.]+) s \(CPU ([0-9.]+) s\))");
    if (!std::regex_search(text, m, figures))
        throw std::runtime_error("no figures in the output of bench_gradient_nn4n.py: " + text);
    return {std::stod(m[1]), std::stod(m[3]), std::stod(m[2]) + std::stod(m[4])};
}

/// Every repetition's figures, ours and nn4n's.
struct CaseTimes
{
    std::vector<double> total, read, forward, backward, cpu;
    std::array<std::vector<double>, 2> theirF, theirB, theirCpu; ///< OpenMP default, passive
    std::uint64_t peak = 0;
};

void printCase(const char* title, const Shape& s, double mb, const CaseTimes& t,
               const GradOptions& o)
{
    const double statesMb = 4.0 * double(s.batch * s.time * s.nHid) / 1e6;
    std::printf("\n%s: B=%lld T=%lld N_in=%lld N_hid=%lld N_out=%lld, file %.1f MB (states "
                "%.1f MB float32), relu, %d threads, %d repetitions (medians)\n",
                title, (long long)s.batch, (long long)s.time, (long long)s.nIn, (long long)s.nHid,
                (long long)s.nOut, mb, statesMb, o.threads, o.reps);
    std::printf("  rnnloss, reader process end to end   %8.3f s  CPU %7.3f s  (read %.3f, "
                "forward %.3f, backward %.3f)\n",
                median(t.total), median(t.cpu), median(t.read), median(t.forward),
                median(t.backward));
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) == 3)
        std::printf("  load average at the end              %8.2f (1 min), %.2f (5 min)\n", load[0],
                    load[1]);
    std::printf("  peak RSS of the reader               %8.1f MB  (%.2fx the states)\n",
                double(t.peak) / 1e6, double(t.peak) / 1e6 / statesMb);
    for (int passive = 0; passive < 2; ++passive) {
        if (t.theirF[passive].empty())
            continue;
        const double them = median(t.theirF[passive]) + median(t.theirB[passive]);
        std::printf("  nn4n + autograd, float32%s %8.3f s  CPU %7.3f s  (forward %.3f, 4 backward "
                    "%.3f)\n",
                    passive ? ", OMP passive" : ", OMP default", them, median(t.theirCpu[passive]),
                    median(t.theirF[passive]), median(t.theirB[passive]));
        std::printf("    ratio nn4n / rnnloss               %8.2fx wall, %.2fx CPU\n",
                    them / median(t.total), median(t.theirCpu[passive]) / median(t.cpu));
    }
}

void benchCase(const char* title, const Shape& s, const GradOptions& o)
{
    const std::string file =
        (std::filesystem::path(o.dir) / ("rnnloss-bench-grad-" + std::to_string(s.nHid) + ".h5"))
            .string();
    writeGradientRecording(s, file);
    const double mb = double(std::filesystem::file_size(file)) / 1e6;
    runOurs(file, o.threads); // warms the page cache and the reader's binary
    CaseTimes t;
    for (int i = 0; i < o.reps; ++i) {
        const OurRun r = runOurs(file, o.threads);
        t.total.push_back(r.total);
        t.read.push_back(r.read);
        t.forward.push_back(r.forward);
        t.backward.push_back(r.backward);
        t.cpu.push_back(r.cpu);
        t.peak = std::max(t.peak, r.peakRss);
        for (int passive = 0; passive < 2 && !o.nn4nScript.empty(); ++passive) {
            if (!(passive ? o.ompPassive : o.ompDefault))
                continue;
            const TheirRun n = runNn4n(o.nn4nScript, s, o.threads, passive);
            t.theirF[passive].push_back(n.forward);
            t.theirB[passive].push_back(n.backward);
            t.theirCpu[passive].push_back(n.cpu);
        }
    }
    printCase(title, s, mb, t, o);
    if (!o.keep)
        std::filesystem::remove(file);
}

} // namespace

int benchGradients(const std::vector<std::string>& args, const std::string& cli)
{
    (void)cli;
    const GradOptions o = parseGradOptions(args);
    std::printf("rnnloss bench --gradients: per-term gradients of the seven terms (nn4n "
                "convention); machine: %s hardware threads %u\n",
                cpuName().c_str(), std::thread::hardware_concurrency());
    benchCase("the issue's recording", Shape{128, 500, 6, 512, 2}, o);
    benchCase("64 neurons, load to gradients", Shape{64, 200, 6, 64, 2}, o);
    return 0;
}

} // namespace rnnloss
