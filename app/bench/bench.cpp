// The benchmark of docs/performance.md: one run measures, side by side, the
// plain memory pass, the engine's reduction, the read from HDF5 and a lambda
// change, so their ratios are not skewed by other load on a shared machine.

#include "bench.h"
#include "benchgoals.h"

#include "loss.h"
#include "neuronstats.h"
#include "rawread.h"
#include "benchreader.h"
#include "readerprocess.h"
#include "reducer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace rnnloss {

namespace {

/// The `rnnloss` the bench times as a user runs it (the program that started it).
std::string g_cli;

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

} // namespace

std::string cpuName()
{
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0)
            return line.substr(line.find(':') + 2);
    return "unknown CPU";
}

namespace {

/// Reads the whole file into a small buffer: the page-cache floor.
void readBytes(const std::string& file)
{
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw std::runtime_error(file + ": cannot open");
    std::vector<char> buf(std::size_t(1) << 20);
    while (::read(fd, buf.data(), buf.size()) > 0) {
    }
    ::close(fd);
}

/// Runs `args` (args[0] the program) as a user would, its output discarded,
/// with `env` added to the environment; throws unless it exits 0.
void runQuietly(std::vector<std::string> args,
                const std::vector<std::pair<std::string, std::string>>& env = {})
{
    // Everything the child needs is made before fork().
    std::vector<char*> argv;
    for (std::string& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("cannot fork");
    if (pid == 0) {
        const int devnull = ::open("/dev/null", O_WRONLY);
        ::dup2(devnull, STDOUT_FILENO);
        ::dup2(devnull, STDERR_FILENO);
        for (const auto& [name, value] : env)
            ::setenv(name.c_str(), value.c_str(), 1);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string line;
        for (const std::string& a : args)
            line += (line.empty() ? "" : " ") + a;
        throw std::runtime_error(line + " failed");
    }
}

/// `rnnloss compute FILE --json [extra]` as a user runs it.
void runCompute(const std::string& file, const char* extra)
{
    std::vector<std::string> args{g_cli, "compute", file, "--json"};
    if (extra)
        args.emplace_back(extra);
    runQuietly(std::move(args));
}

/// The desktop app beside this binary, or empty.
std::string explorerExecutable()
{
    const std::filesystem::path p = std::filesystem::path(g_cli).parent_path() / "rnnloss-explorer";
    return std::filesystem::exists(p) ? p.string() : std::string();
}

/// The app as a user starts it on `file`, offscreen, until its first result is
/// painted (`--screenshot`): process start, the reader, the direct read, the
/// terms and statistics and the first paint of every view. Its own settings:
/// no last session of the user's is reopened.
void runExplorer(const std::string& exe, const std::string& file, const std::string& shot)
{
    runQuietly({exe, file, "--screenshot", shot},
               {{"QT_QPA_PLATFORM", "offscreen"},
                {"XDG_CONFIG_HOME",
                 (std::filesystem::temp_directory_path() / "rnnloss-bench-config").string()}});
}

/// Issue 9's end-to-end figures on one file, interleaved repetition by repetition.
class EndToEnd
{
public:
    /// Reads the file's skeleton (its raw layout) once; throws when it cannot.
    EndToEnd(BenchReader& reader, const std::string& file);
    void run(int reps);

private:
    void chooseSlice();
    void makeTinyRecording();
    void firstResult();
    void sliceRecompute();
    std::vector<std::function<void()>> measures();
    void print(const std::vector<double>& t) const;

    BenchReader& m_reader;
    std::string m_file;
    ReaderJob m_job;
    Summary m_skeleton;
    bool m_direct = false;
    Shape m_shape;
    double m_bytes = 0.0;
    double m_fileMb = 0.0;
    // What the views need at once: the terms, the neuron table, the rate
    // histogram and SD/CV; not the per-time sums and sample histograms of every
    // neuron (`all`: today's summary, which has them).
    io::RawReadOptions m_lean = io::leanOptions(), m_all, m_full;
    Slice m_slice;
    std::int64_t m_w0 = 0, m_w1 = 0;
    std::string m_explorer, m_tiny, m_shot;
    std::size_t m_appAt = 0, m_sliceAt = 0;
    volatile double m_sink = 0.0;
};

EndToEnd::EndToEnd(BenchReader& reader, const std::string& file) : m_reader(reader), m_file(file)
{
    m_job.readerExe = readerExecutable();
    m_job.recording = file;
    m_job.rawLayout = true;
    ReaderOutcome skeleton = ReaderProcess().run(m_job);
    if (!skeleton.summary)
        throw std::runtime_error(skeleton.error);
    m_skeleton = std::move(*skeleton.summary);
    m_direct = m_skeleton.layout.has_value();
    m_shape = m_skeleton.shape;
    if (m_direct)
        for (const RawDataset& d : m_skeleton.layout->datasets)
            for (const RawExtent& e : d.extents)
                m_bytes += double(e.bytes);
    m_fileMb = double(std::filesystem::file_size(file)) / 1e6;
    m_all.threads = m_lean.threads;
    m_full = m_lean;
    chooseSlice();
    // The app's load: this file against a tiny one, the difference being
    // what this file adds over the app's own start (issue 9's measure).
    m_explorer = explorerExecutable();
    const std::filesystem::path tmp = std::filesystem::temp_directory_path();
    m_tiny = (tmp / "rnnloss-bench-tiny.h5").string();
    m_shot = (tmp / "rnnloss-bench-shot.png").string();
    if (!m_explorer.empty())
        makeTinyRecording();
}

/// Half the trials x a 200-step window, all neurons, as the app would ask.
void EndToEnd::chooseSlice()
{
    const Shape& sh = m_shape;
    m_slice = wholeSlice(sh);
    m_slice.trials.resize(static_cast<std::size_t>(std::max<std::int64_t>(1, sh.batch / 2)));
    m_w0 = std::max<std::int64_t>(0, sh.time / 2 - 100);
    m_w1 = std::min<std::int64_t>(sh.time, m_w0 + 200);
    m_slice.steps.clear();
    for (std::int64_t t = m_w0; t < m_w1; ++t)
        m_slice.steps.push_back(t);
}

void EndToEnd::makeTinyRecording()
{
    Recording small;
    small.shape = {4, 10, 2, 8, 2};
    small.states.assign(4 * 10 * 8, 0.5);
    small.outputs.assign(4 * 10 * 2, 0.1);
    small.targets.assign(4 * 10 * 2, 0.0);
    m_reader.write(m_tiny, small, {.chunkTrials = 1});
}

void EndToEnd::firstResult()
{
    ReaderOutcome o = ReaderProcess().run(m_job);
    if (!o.summary)
        throw std::runtime_error(o.error);
    if (o.summary->layout) {
        const std::string err = io::completeFromRaw(*o.summary, m_full);
        if (!err.empty())
            throw std::runtime_error(err);
    }
    m_sink = evaluate(computeTerms(*o.summary, Convention::Nn4n), TermArray{1, 1, 1, 1, 1, 1, 1})
                 .total.value_or(0.0) +
             computeNeuronStats(*o.summary, Convention::Nn4n).mean[0];
}

void EndToEnd::sliceRecompute()
{
    // As the app's selection bar computes it (leanRead(): the terms and
    // statistics; the selected neuron's PSTH comes on demand).
    Summary s = m_skeleton;
    io::RawReadOptions o = m_lean;
    o.slice = m_slice;
    const std::string err = io::completeFromRaw(s, o);
    if (!err.empty())
        throw std::runtime_error(err);
    m_sink = evaluate(computeTerms(s, Convention::Nn4n), TermArray{1, 1, 1, 1, 1, 1, 1})
                 .total.value_or(0.0) +
             computeNeuronStats(s, Convention::Nn4n).mean[0];
}

/// What is timed, in the order print() reports it.
std::vector<std::function<void()>> EndToEnd::measures()
{
    const std::string& file = m_file;
    std::vector<std::function<void()>> fs = {[file] { readBytes(file); },
                                             [this, file] {
                                                 m_sink =
                                                     m_reader.readRaw(file, "states", 64 << 20) +
                                                     m_reader.readRaw(file, "outputs", 64 << 20) +
                                                     m_reader.readRaw(file, "targets", 64 << 20);
                                             },
                                             [file] { runCompute(file, nullptr); },
                                             [file] { runCompute(file, "--via-reader"); },
                                             [this] { firstResult(); }};
    m_appAt = fs.size();
    if (!m_explorer.empty()) {
        fs.push_back([this] { runExplorer(m_explorer, m_tiny, m_shot); });
        fs.push_back([this] { runExplorer(m_explorer, m_file, m_shot); });
    }
    m_sliceAt = fs.size();
    if (m_direct) {
        fs.push_back([this] { sliceRecompute(); });
        fs.push_back([this] {
            m_full = m_all;
            firstResult();
            m_full = m_lean;
        });
        fs.push_back([this] {
            const io::NeuronDetail d = io::neuronFromRaw(m_skeleton, m_shape.nHid / 2);
            if (!d.error.empty())
                throw std::runtime_error(d.error);
            m_sink = d.psth.mean[0];
        });
    }
    return fs;
}

void EndToEnd::run(int reps)
{
    readBytes(m_file); // warms the page cache
    print(timeInterleaved(reps, measures()));
    if (!m_explorer.empty()) {
        std::filesystem::remove(m_tiny);
        std::filesystem::remove(m_shot);
    }
}

void EndToEnd::print(const std::vector<double>& t) const
{
    const Shape& sh = m_shape;
    std::printf(
        "\nend to end (issue 9): %s, %.1f MB, B=%lld T=%lld N_hid=%lld; %s\n", m_file.c_str(),
        m_fileMb, (long long)sh.batch, (long long)sh.time, (long long)sh.nHid,
        m_direct ? "raw extents read directly" : "no raw layout: everything via the reader");
    auto line = [&](const char* what, double sec, double mb) {
        std::printf("    %-44s %9.2f ms  %7.0f MB/s  %5.2fx floor\n", what, sec * 1e3, mb / sec,
                    sec / t[0]);
    };
    const double fileMb = m_fileMb;
    line("page-cache floor (read the file's bytes)", t[0], fileMb);
    line("HDF5's own read (outputs, targets, states)", t[1], fileMb);
    line("rnnloss compute --json, end to end", t[2], fileMb);
    line("  the same --via-reader (before issue 9)", t[3], fileMb);
    line("load to first result (CLI's equivalent)", t[4], fileMb);
    if (!m_explorer.empty()) {
        line("the app: start to first paint, a tiny file", t[m_appAt], 0.0);
        line("the app: start to first paint, this file", t[m_appAt + 1], fileMb);
        line("  the app's load of this file (the difference)", t[m_appAt + 1] - t[m_appAt], fileMb);
    } else {
        std::printf("    (the app's load is not measured: no rnnloss-explorer beside %s)\n",
                    g_cli.c_str());
    }
    if (m_direct) {
        const double* d = t.data() + m_sliceAt;
        const double sliceMb = m_bytes / 1e6 * double(m_slice.trials.size()) / double(sh.batch);
        char what[96];
        std::snprintf(what, sizeof what, "slice recompute: %zu trials x steps %lld:%lld",
                      m_slice.trials.size(), (long long)m_w0, (long long)m_w1);
        line(what, d[0], sliceMb);
        line("load to first result, with per-time sums", d[1], fileMb);
        line("one neuron's PSTH + histogram on demand", d[2], fileMb);
        std::printf("    (with per-time sums: per-time sums and sample histograms of every neuron\n"
                    "    in the pass; on demand: a column gather from the raw extents instead)\n");
    }
}

void endToEnd(BenchReader& reader, const std::string& file, int reps)
{
    EndToEnd(reader, file).run(reps);
}

struct BenchOptions
{
    Shape shape{128, 500, 3, 512, 4};
    int reps = 5;
    std::string file = (std::filesystem::temp_directory_path() / "rnnloss-bench.h5").string();
    bool keep = false;
    std::string existing; ///< --recording: only the end-to-end figures, on this file
    std::int64_t chunkTrials = 1;
};

BenchOptions parseOptions(const std::vector<std::string>& a)
{
    BenchOptions o;
    Shape& sh = o.shape;
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
            o.reps = static_cast<int>(number(a, i));
        else if (a[i] == "--file" && i + 1 < a.size())
            o.file = a[++i];
        else if (a[i] == "--keep")
            o.keep = true;
        else if (a[i] == "--recording" && i + 1 < a.size())
            o.existing = a[++i];
        else if (a[i] == "--chunk-trials")
            o.chunkTrials = number(a, i);
        else
            throw BenchUsageError("bench: unknown option " + a[i]);
    }
    return o;
}

/// A synthetic recording: rectified noisy rates with per-neuron gains.
Recording syntheticRecording(const Shape& sh)
{
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
        const std::size_t n = w == &rec.wIn    ? sh.nHid * sh.nIn
                              : w == &rec.wHid ? sh.nHid * sh.nHid
                                               : sh.nOut * sh.nHid;
        w->resize(n);
        for (auto& v : *w)
            v = 0.1 * g(rng);
    }
    return rec;
}

/// Medians, in seconds, of the measures on the synthetic recording.
struct SyntheticTimes
{
    double plain = 0, reduce1 = 0, reduce2 = 0, reduceBaseline = 0; ///< (a), (b)
    double raw = 0, inProcess = 0, viaReader = 0;                   ///< (c)
    double lambdaChange = 0, conventionChange = 0;                  ///< (d)
};

/// (a) a plain memory pass and (b) the engine's full reduction of the same
/// buffer (slabs of 64 MiB), interleaved repetition by repetition so that
/// other load on a shared machine falls on all of them alike.
void timeInMemory(const std::vector<float>& states, const Shape& sh, int reps, SyntheticTimes& t)
{
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
    const std::vector<double> tAB =
        timeInterleaved(reps, {plainSum, [&] { reduce(1, true); }, [&] { reduce(2, true); },
                               [&] { reduce(1, false); }});
    t.plain = tAB[0];
    t.reduce1 = tAB[1];
    t.reduce2 = tAB[2];
    t.reduceBaseline = tAB[3];
}

/// (c) read + reduce from the HDF5 file, page cache warm; returns the summary read.
/// HDF5's own read and the engine's read in one process are timed in the
/// bench reader (the reader, benchreader.h); a request's round trip is tens of
/// microseconds of each.
Summary timeFromFile(BenchReader& reader, const std::string& file, int reps, SyntheticTimes& t)
{
    volatile double sink = 0.0;
    const std::size_t slabBytes = std::size_t(64) << 20; // the reader's default
    reader.readHere(file, 2);                               // warms the page cache
    t.raw = timeIt(reps, [&] { sink = reader.readRaw(file, "states", slabBytes); });
    t.inProcess = timeIt(reps, [&] { reader.readHere(file, 2); });
    ReaderJob job;
    job.readerExe = readerExecutable();
    job.recording = file;
    job.reduce.threads = 2;
    std::optional<Summary> summary;
    t.viaReader = timeIt(reps, [&] {
        ReaderProcess p;
        auto out = p.run(job);
        if (!out.summary)
            throw std::runtime_error(out.error);
        summary = std::move(out.summary);
    });
    return std::move(*summary);
}

/// (d) a lambda change: evaluate() on precomputed term values; and a
/// convention change: computeTerms(), O(B*N).
void timeLambdaChanges(const Summary& summary, int reps, SyntheticTimes& t)
{
    volatile double sink = 0.0;
    const TermValues tv = computeTerms(summary, Convention::Spec);
    TermArray lambdas{1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    const int inner = 100000;
    t.lambdaChange = timeIt(reps,
                            [&] {
                                double s = 0.0;
                                for (int i = 0; i < inner; ++i) {
                                    lambdas[4] = 1e-3 * (i % 1000);
                                    s += evaluate(tv, lambdas).total.value_or(0.0);
                                }
                                sink = s;
                            }) /
                     inner;
    t.conventionChange = timeIt(
        reps, [&] { sink = computeTerms(summary, Convention::Nn4n)[Term::Fr].value.value_or(0); });
}

void printSynthetic(const SyntheticTimes& t, double mb)
{
    const double tA = t.plain;
    std::printf("(a) plain sum over the states buffer        %9.2f ms  %7.0f MB/s\n", tA * 1e3,
                mb / tA);
    std::printf("(b) engine reduction, 1 thread              %9.2f ms  %7.0f MB/s  %.2fx (a)\n",
                t.reduce1 * 1e3, mb / t.reduce1, t.reduce1 / tA);
    std::printf("(b) engine reduction, 2 threads             %9.2f ms  %7.0f MB/s  %.2fx (a)\n",
                t.reduce2 * 1e3, mb / t.reduce2, t.reduce2 / tA);
    std::printf("    the same, 1 thread, baseline SSE2 kernel %8.2f ms  %7.0f MB/s  %.2fx (a)\n",
                t.reduceBaseline * 1e3, mb / t.reduceBaseline, t.reduceBaseline / tA);
    std::printf("    HDF5 raw read of the same slabs         %9.2f ms  %7.0f MB/s\n", t.raw * 1e3,
                mb / t.raw);
    std::printf(
        "(c) read + reduce from HDF5, in process     %9.2f ms  %7.0f MB/s  %.2fx raw read\n",
        t.inProcess * 1e3, mb / t.inProcess, t.inProcess / t.raw);
    std::printf(
        "(c) read + reduce via the reader process    %9.2f ms  %7.0f MB/s  %.2fx raw read\n",
        t.viaReader * 1e3, mb / t.viaReader, t.viaReader / t.raw);
    std::printf("(d) lambda change (evaluate)                %9.3f us\n", t.lambdaChange * 1e6);
    std::printf("    convention change (computeTerms)        %9.3f ms\n", t.conventionChange * 1e3);
    struct rusage ru = {};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("    peak RSS of this process                %9.1f MB\n", ru.ru_maxrss / 1024.0);
}

} // namespace

int benchMain(const std::vector<std::string>& a, const std::string& cli)
{
    if (const std::optional<int> goal = bench::goalBench(a, cli)) // --many, --versus-nn4n
        return *goal;
    g_cli = cli;
    const BenchOptions o = parseOptions(a);
    const Shape& sh = o.shape;
    if (!o.existing.empty()) {
        std::printf("rnnloss bench --recording: %d repetitions (medians); machine: %s, %u "
                    "hardware threads\n",
                    o.reps, cpuName().c_str(), std::thread::hardware_concurrency());
        BenchReader reader;
        endToEnd(reader, o.existing, o.reps);
        return 0;
    }

    const Recording rec = syntheticRecording(sh);
    const std::vector<float> states(rec.states.begin(), rec.states.end());
    const double mb = double(states.size() * sizeof(float)) / 1e6;
    std::printf("rnnloss bench: B=%lld T=%lld N_hid=%lld N_out=%lld, states %.1f MB float32, "
                "%d repetitions (medians)\n",
                (long long)sh.batch, (long long)sh.time, (long long)sh.nHid, (long long)sh.nOut, mb,
                o.reps);
    std::printf("machine: %s, %u hardware threads; row kernel: %s\n\n", cpuName().c_str(),
                std::thread::hardware_concurrency(),
                StatesReducer::cpuHasAvx2() ? "AVX2" : "baseline (SSE2)");

    SyntheticTimes t;
    timeInMemory(states, sh, o.reps, t);
    BenchReader reader;
    reader.write(o.file, rec, {.chunkTrials = o.chunkTrials});
    const Summary summary = timeFromFile(reader, o.file, o.reps, t);
    timeLambdaChanges(summary, o.reps, t);
    printSynthetic(t, mb);
    endToEnd(reader, o.file, o.reps);
    if (!o.keep)
        std::filesystem::remove(o.file);
    return 0;
}

} // namespace rnnloss
