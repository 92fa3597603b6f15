// The benchmark of docs/performance.md: one run measures, side by side, the
// plain memory pass, the engine's reduction, the read from HDF5 and a lambda
// change, so their ratios are not skewed by other load on a shared machine.

#include "bench.h"

#include "loss.h"
#include "reader.h"
#include "readerprocess.h"
#include "reducer.h"
#include "writer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sys/resource.h>
#include <thread>

namespace rnnloss {

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b)
{
    return std::chrono::duration<double>(b - a).count();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Runs `f` `reps` times; returns the median seconds.
double timeIt(int reps, const std::function<void()>& f)
{
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
        const auto a = Clock::now();
        f();
        t.push_back(seconds(a, Clock::now()));
    }
    return median(t);
}

/// Runs every function once per repetition, in turn; returns each one's median.
std::vector<double> timeInterleaved(int reps, const std::vector<std::function<void()>>& fs)
{
    std::vector<std::vector<double>> t(fs.size());
    for (int i = 0; i < reps; ++i)
        for (std::size_t k = 0; k < fs.size(); ++k) {
            const auto a = Clock::now();
            fs[k]();
            t[k].push_back(seconds(a, Clock::now()));
        }
    std::vector<double> m;
    for (auto& v : t)
        m.push_back(median(v));
    return m;
}

long long number(const std::vector<std::string>& a, std::size_t& i)
{
    if (i + 1 >= a.size())
        throw BenchUsageError(a[i] + " needs a value");
    char* end = nullptr;
    const long long n = std::strtoll(a[i + 1].c_str(), &end, 10);
    if (*end || n <= 0)
        throw BenchUsageError(a[i] + " " + a[i + 1] + ": expected a whole number > 0");
    ++i;
    return n;
}

std::string cpuName()
{
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0)
            return line.substr(line.find(':') + 2);
    return "unknown CPU";
}

} // namespace

int benchMain(const std::vector<std::string>& a)
{
    Shape sh{128, 500, 3, 512, 4};
    int reps = 5;
    std::string file = (std::filesystem::temp_directory_path() / "rnnloss-bench.h5").string();
    bool keep = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] == "--batch")
            sh.batch = number(a, i);
        else if (a[i] == "--time")
            sh.time = number(a, i);
        else if (a[i] == "--neurons")
            sh.nHid = number(a, i);
        else if (a[i] == "--outputs")
            sh.nOut = number(a, i);
        else if (a[i] == "--reps")
            reps = static_cast<int>(number(a, i));
        else if (a[i] == "--file" && i + 1 < a.size())
            file = a[++i];
        else if (a[i] == "--keep")
            keep = true;
        else
            throw BenchUsageError("bench: unknown option " + a[i]);
    }

    // A synthetic recording: rectified noisy rates with per-neuron gains.
    Recording rec;
    rec.shape = sh;
    const std::size_t nStates = static_cast<std::size_t>(sh.batch * sh.time * sh.nHid);
    const std::size_t nOut = static_cast<std::size_t>(sh.batch * sh.time * sh.nOut);
    std::mt19937_64 rng(42);
    std::normal_distribution<double> g(0.0, 1.0);
    rec.states.resize(nStates);
    for (std::size_t i = 0; i < nStates; ++i)
        rec.states[i] = std::max(0.0, 0.2 + 0.5 * g(rng)) * (1.0 + double(i % sh.nHid) / sh.nHid);
    rec.outputs.resize(nOut);
    rec.targets.resize(nOut);
    for (std::size_t i = 0; i < nOut; ++i) {
        rec.outputs[i] = g(rng);
        rec.targets[i] = g(rng);
    }
    for (auto* w : {&rec.wIn, &rec.wHid, &rec.wOut}) {
        const std::size_t n = w == &rec.wIn ? sh.nHid * sh.nIn
                              : w == &rec.wHid ? sh.nHid * sh.nHid : sh.nOut * sh.nHid;
        w->resize(n);
        for (auto& v : *w)
            v = 0.1 * g(rng);
    }
    const std::vector<float> states(rec.states.begin(), rec.states.end());
    const double mb = double(states.size() * sizeof(float)) / 1e6;

    std::printf("rnnloss bench: B=%lld T=%lld N_hid=%lld N_out=%lld, states %.1f MB float32, "
                "%d repetitions (medians)\n",
                (long long)sh.batch, (long long)sh.time, (long long)sh.nHid, (long long)sh.nOut,
                mb, reps);
    std::printf("machine: %s, %u hardware threads; row kernel: %s\n\n", cpuName().c_str(),
                std::thread::hardware_concurrency(),
                StatesReducer::cpuHasAvx2() ? "AVX2" : "baseline (SSE2)");

    // (a) a plain memory pass and (b) the engine's full reduction of the same
    // buffer (slabs of 64 MiB), interleaved repetition by repetition so that
    // other load on a shared machine falls on all of them alike.
    volatile double sink = 0.0;
    auto plainSum = [&] {
        double s = 0.0;
        for (float v : states)
            s += v;
        sink = s;
    };
    const std::int64_t slab = std::max<std::int64_t>(1, (64 << 20) / (sh.time * sh.nHid * 4));
    auto reduce = [&](int threads, bool wide) {
        ReduceConfig cfg;
        cfg.threads = threads;
        cfg.wideVectors = wide;
        StatesReducer r(sh.batch, sh.time, sh.nHid, cfg);
        for (std::int64_t b = 0; b < sh.batch; b += slab)
            r.addTrials(states.data() + b * sh.time * sh.nHid, b, std::min(slab, sh.batch - b));
        Summary s;
        r.finish(s);
        sink = s.trialSum(0, 0);
    };
    const std::vector<double> tAB = timeInterleaved(reps, {plainSum, [&] { reduce(1, true); },
                                                           [&] { reduce(2, true); },
                                                           [&] { reduce(1, false); }});
    const double tA = tAB[0], tB1 = tAB[1], tB2 = tAB[2], tBbase = tAB[3];

    // (c) read + reduce from the HDF5 file, page cache warm
    const std::string err = io::writeRecording(file, rec, {});
    if (!err.empty())
        throw std::runtime_error(err);
    io::ReadRequest req;
    req.recording = file;
    req.reduce.threads = 2;
    io::readRecording(req); // warms the page cache
    const double tRaw = timeIt(reps, [&] { sink = io::readRaw(file, "states", req.slabBytes); });
    std::optional<Summary> summary;
    const double tC = timeIt(reps, [&] { summary = io::readRecording(req).summary; });
    ReaderJob job;
    job.readerExe = currentExecutable();
    job.recording = file;
    job.reduce.threads = 2;
    const double tCp = timeIt(reps, [&] {
        ReaderProcess p;
        auto out = p.run(job);
        if (!out.summary)
            throw std::runtime_error(out.error);
    });

    // (d) a lambda change: evaluate() on precomputed term values
    const TermValues tv = computeTerms(*summary, Convention::Spec);
    TermArray lambdas{1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    const int inner = 100000;
    const double tD = timeIt(reps, [&] {
        double s = 0.0;
        for (int i = 0; i < inner; ++i) {
            lambdas[4] = 1e-3 * (i % 1000);
            s += evaluate(tv, lambdas).total.value_or(0.0);
        }
        sink = s;
    }) / inner;
    // and a convention change: computeTerms(), O(B*N)
    const double tE = timeIt(reps, [&] { sink = computeTerms(*summary, Convention::Nn4n)[Term::Fr].value.value_or(0); });

    std::printf("(a) plain sum over the states buffer        %9.2f ms  %7.0f MB/s\n", tA * 1e3, mb / tA);
    std::printf("(b) engine reduction, 1 thread              %9.2f ms  %7.0f MB/s  %.2fx (a)\n",
                tB1 * 1e3, mb / tB1, tB1 / tA);
    std::printf("(b) engine reduction, 2 threads             %9.2f ms  %7.0f MB/s  %.2fx (a)\n",
                tB2 * 1e3, mb / tB2, tB2 / tA);
    std::printf("    the same, 1 thread, baseline SSE2 kernel %8.2f ms  %7.0f MB/s  %.2fx (a)\n",
                tBbase * 1e3, mb / tBbase, tBbase / tA);
    std::printf("    HDF5 raw read of the same slabs         %9.2f ms  %7.0f MB/s\n", tRaw * 1e3, mb / tRaw);
    std::printf("(c) read + reduce from HDF5, in process     %9.2f ms  %7.0f MB/s  %.2fx raw read\n",
                tC * 1e3, mb / tC, tC / tRaw);
    std::printf("(c) read + reduce via the reader process    %9.2f ms  %7.0f MB/s  %.2fx raw read\n",
                tCp * 1e3, mb / tCp, tCp / tRaw);
    std::printf("(d) lambda change (evaluate)                %9.3f us\n", tD * 1e6);
    std::printf("    convention change (computeTerms)        %9.3f ms\n", tE * 1e3);
    struct rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("    peak RSS of this process                %9.1f MB\n", ru.ru_maxrss / 1024.0);
    if (!keep)
        std::filesystem::remove(file);
    return 0;
}

} // namespace rnnloss
