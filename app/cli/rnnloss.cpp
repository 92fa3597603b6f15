// rnnloss — the command-line tool over the engine:
//   rnnloss compute [RECORDING] [--weights FILE] [--convention nn4n|spec]
//                   [--lambda KEY=VALUE]... [--json]
//   rnnloss compute A.h5 B.h5 ... / sweep / balance   (cli_commands.h)
//   rnnloss bench [...]         the benchmark of docs/performance.md
// Exit codes: 0 success, 2 unusable input ("error: ..." on stderr), 1 internal failure.

#include "cli_commands.h"
#include "cli_common.h"
#include "cliargs.h"
#include "lambdasfile.h"
#include "loss.h"
#include "neuronstats.h"
#include "rawread.h"
#include "readerprocess.h"
#include "report.h"
#include "summarycodec.h" // kWireVersion

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace rnnloss;
using cli::fail;

namespace {

constexpr const char* kVersion = RNNLOSS_VERSION;

const char* kHelp = R"(rnnloss - the modular RNN loss of a recorded network, term by term

Usage:
  rnnloss compute [RECORDING] [--weights FILE] [--convention nn4n|spec]
                  [--lambda KEY=VALUE]... [--lambdas-from FILE.json] [--json]
                  [--trials SPEC] [--steps SPEC] [--neurons SPEC]
                  [--trial-label LABEL] [--neuron-group GROUP]
  rnnloss compute A.h5 B.h5 ... [options]
  rnnloss sweep [RECORDING] --term KEY [--from X] [--to Y] [--points N] [options]
  rnnloss balance [RECORDING] --share KEY=FRACTION [--share ...] [options]
  rnnloss bench [--batch B] [--time T] [--neurons N] [--outputs O] [--reps R]
                [--file PATH] [--keep] [--chunk-trials K]
  rnnloss bench --recording FILE [--reps R]
  rnnloss bench --versus-nn4n NN4N_DIR --recording FILE [--reps R] [--peer-script PATH]
  rnnloss bench --many [COUNTS] [--reps R] [--dir DIR] [--keep]
  rnnloss --help | --version

compute
  Reads RECORDING (an HDF5 file in recording format v1: recording-format.md in
  docs/, or /usr/share/doc/rnnloss-explorer/ when installed; default: the
  bundled example) in an isolated reader process and prints each
  term of the loss: its lambda, its unweighted value, lambda * value, its share
  of the total, and the total.

  --weights FILE       read the three weight matrices from FILE instead
  --convention NAME    nn4n (default): what nn4n's RNNLoss code computes, the
                       numbers training printed (L_fr = mean m_n^2, sample SD,
                       CV of mean |r|); spec: the documented formulas (L_fr =
                       mean r^2, population SD, CV = SD/mean). "seed" is an
                       old name of spec. docs/loss.md has both.
  --lambda KEY=VALUE   KEY is one of lambda_mse, lambda_in, lambda_hid, lambda_out,
                       lambda_fr, lambda_fr_sd, lambda_fr_cv; VALUE a number >= 0
                       (0.001 or 1e-3). A lambda not given takes the file's
                       training value (root attribute of the same name) if
                       present, else 0. A term with lambda 0 is not added.
  --lambdas-from FILE  lambdas (and convention) from the app's lambda export;
                       --lambda and --convention win over it
  --json               print one JSON object instead of the table:
                       {"convention", "shape": {batch, time, n_in, n_hid, n_out},
                        "terms": {KEY: {"lambda", "value", "weighted", "available"}},
                        "total", "neurons": {"mean_rate": [...], "sd", "cv", "max",
                        "fraction_active", "fr_contribution"}, "warnings": [...]}
                       value: the unweighted term, null when undefined or its data
                       is missing; weighted: lambda * value, 0 when lambda is 0,
                       null when undefined. Numbers have 17 significant digits.
  --trials SPEC        compute over a slice of the recording: these trials, ...
  --steps SPEC         ... these time steps, ...
  --neurons SPEC       ... these hidden units. SPEC is comma-separated 0-based
                       indices and half-open ranges a:b, a:, :b (e.g. --trials
                       0:16,20 --steps 50:). Trials and steps select from
                       outputs, targets and states, neurons from states; the
                       weight terms always use the whole matrices. The loss and
                       every statistic are those of exactly that slice, as
                       nn4n's RNNLoss computes them on pred[tr][:, st],
                       target[tr][:, st], states[tr][:, st][..., ne]. Indices
                       are taken in ascending order; one selected twice, past
                       the end, or none at all is refused. The JSON then has
                       "selection": {"trials": {"spec", "count"}, "steps": ...,
                       "neurons": ...}; "shape" stays the recording's and
                       neurons.mean_rate lists the selected neurons in order.
  --trial-label LABEL  only the trials (of --trials, or all) whose trial_labels
                       value is LABEL (integers as written in decimal)
  --neuron-group GROUP only the neurons (of --neurons, or all) whose
                       neuron_groups value is GROUP (e.g. E or I)
  --watchdog SECONDS   stop the reader when it makes no progress for this long
                       (1..86400; default 30)
  --memory-limit MB    the reader's address-space limit (default 4096; 0 for none,
                       else at least 256)
  --verbose            progress, read throughput and the reader's peak memory on stderr
  --slab-mb MB         memory for one slab of B x T x N data (1..65536; default 64)
  --via-reader         reduce everything in the reader process; by default data
                       stored contiguous or in unfiltered chunks of whole trials
                       is read here from the extents the reader located (pread,
                       two threads), the rest in the reader

bench
  Builds a synthetic recording (default B=128, T=500, N=512, N_out=4: 131 MB of
  float32 states) and times, side by side: (a) a plain sum over the states
  buffer, (b) the engine's full reduction of the same buffer, (c) read + reduce
  from the HDF5 file (warm page cache), with HDF5's raw read of the same slabs
  and the same through the reader process, (d) a lambda change on the summary;
  then, end to end on that file (chunks of K trials, default 1): the page-cache
  floor, HDF5's own read, rnnloss compute (and with --via-reader), load to the
  first result, and a slice recompute (half the trials x a 200-step window).
  --recording FILE: only the end-to-end figures, on an existing recording.
  --versus-nn4n NN4N_DIR: rnnloss compute FILE --json (whole processes) against
  h5py + nn4n's RNNLoss timed inside Python (tools/nn4n_loss.py --serve),
  interleaved. --many [COUNTS]: recordings of 16 x 250 x 64 (default counts
  25,50,100,200,1000), rnnloss compute of all against the app until it shows
  them (rnnloss-explorer --screenshot, offscreen).

Exit status: 0 on success; 2 when the input is unusable (one "error:" line on
stderr, nothing on stdout); 1 on an internal failure.
)";

int computeMain(const std::vector<std::string>& a)
{
    LossOptions opts;
    bool json = false;
    bool verbose = false;
    bool direct = true;
    ReaderJob job;
    SliceOptions slice;
    std::optional<LambdaSettings> lambdasFile;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string& s = a[i];
        if (s == "--json") {
            json = true;
        } else if (s == "--verbose") {
            verbose = true;
        } else if (s == "--via-reader") {
            direct = false;
        } else if (s == "--weights") {
            opts.weights = value(a, i);
        } else if (s == "--convention") {
            const std::string v = value(a, i);
            opts.convention = conventionFromName(v);
            if (!opts.convention)
                throw UsageError{"--convention " + v + ": expected nn4n or spec"};
        } else if (s == "--lambda") {
            const std::string err = parseLambda(value(a, i), opts);
            if (!err.empty())
                throw UsageError{err};
        } else if (s.rfind("--lambda=", 0) == 0) {
            const std::string err = parseLambda(s.substr(9), opts);
            if (!err.empty())
                throw UsageError{err};
        } else if (s == "--lambdas-from") {
            auto file = readLambdaSettings(value(a, i));
            if (!file.value)
                throw UsageError{file.error};
            lambdasFile = std::move(file.value);
        } else if (s == "--watchdog") {
            job.watchdogMs = static_cast<int>(wholeNumber(s, value(a, i), 1, 86400) * 1000);
        } else if (s == "--memory-limit") {
            // 0: no limit; otherwise at least 256 MiB (the reader binary itself needs some)
            const long long mb = wholeNumber(s, value(a, i), 0, 1LL << 24);
            if (mb != 0 && mb < 256)
                throw UsageError{s + " " + std::to_string(mb) + ": expected 0 (no limit) or at least 256"};
            job.memoryLimitBytes = static_cast<std::uint64_t>(mb) << 20;
        } else if (s == "--trials" || s == "--steps" || s == "--neurons" || s == "--trial-label" ||
                   s == "--neuron-group") {
            const std::string err = parseSliceOption(s, value(a, i), slice);
            if (!err.empty())
                throw UsageError{err};
        } else if (s == "--slab-mb") {
            job.slabBytes = static_cast<std::size_t>(wholeNumber(s, value(a, i), 1, 1 << 16)) << 20;
        } else if (!s.empty() && s[0] == '-') {
            throw UsageError{"unknown option " + s + " (see rnnloss --help)"};
        } else if (opts.recording.empty()) {
            opts.recording = s;
        } else {
            return cli::computeMany(a); // several recordings
        }
    }
    if (lambdasFile)
        applyLambdaSettings(*lambdasFile, opts);
    if (opts.recording.empty())
        opts.recording = bundledExample();

    job.readerExe = readerExecutable();
    job.recording = opts.recording;
    job.weights = opts.weights;
    job.trials = slice.trials;
    job.steps = slice.steps;
    job.neurons = slice.neurons;
    job.trialLabel = slice.trialLabel;
    job.neuronGroup = slice.neuronGroup;
    job.rawLayout = direct;
    job.weightMatrices = false; // the report needs the norms only
    ReaderProcess reader;
    double lastShown = -1.0;
    ReaderOutcome outcome = reader.run(job, [&](double f, const std::string& stage) {
        if (verbose && f - lastShown >= 0.1) {
            std::fprintf(stderr, "reading %s: %3.0f%% (%s)\n", opts.recording.c_str(), 100 * f,
                         stage.c_str());
            lastShown = f;
        }
    });
    if (verbose) {
        struct stat st{};
        const double mb = ::stat(opts.recording.c_str(), &st) == 0 ? st.st_size / 1e6 : 0.0;
        std::fprintf(stderr,
                     "reader: %.1f MB in %.2f s (%.0f MB/s), peak RSS %.1f MB, memory limit %s\n",
                     mb, outcome.seconds, outcome.seconds > 0 ? mb / outcome.seconds : 0.0,
                     outcome.peakRssBytes / 1e6,
                     job.memoryLimitBytes ? (std::to_string(job.memoryLimitBytes >> 20) + " MiB").c_str() : "none");
    }
    if (!outcome.summary)
        return fail(outcome.error);
    if (outcome.summary->layout) {
        const std::string err = cli::readDirect(*outcome.summary, slice, verbose);
        if (!err.empty())
            return fail(err);
    }
    const Summary& s = *outcome.summary;

    TermArray lambdas = initialLambdas(s);
    for (Term t : kAllTerms)
        if (opts.lambdas[index(t)])
            lambdas[index(t)] = *opts.lambdas[index(t)];
    // As the app: the command line, else the recording's loss_convention, else the default.
    const Convention conv = opts.convention.value_or(s.lossConvention.value_or(kDefaultConvention));
    const LossResult r = evaluate(computeTerms(s, conv), lambdas);
    if (!r.errors.empty())
        return fail(opts.recording + ": " + r.errors.front());
    const NeuronStats stats = computeNeuronStats(s, conv);
    std::cout << (json ? lossJson(s, r, stats) : lossTable(s, r, opts.recording));
    std::cout.flush();
    return std::cout ? 0 : 1;
}

/// `rnnloss bench`: the benchmark is a program of its own (it links HDF5 to
/// time HDF5's own read); it times this `rnnloss` as a user runs it.
int runBench(const std::vector<std::string>& args)
{
    const std::string exe = helperExecutable("rnnloss-bench");
    std::vector<std::string> all{exe, "--cli", currentExecutable()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::cout.flush();
    ::execv(argv[0], argv.data());
    return fail("cannot start " + exe + ": " + std::strerror(errno));
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
            std::cout << kHelp << cli::kCommandsHelp << cli::kSharedHelp;
            return args.empty() ? 2 : 0;
        }
        if (args[0] == "--version") {
            std::cout << "rnnloss " << kVersion << " (HDF5 " << RNNLOSS_HDF5_VERSION << ", wire format "
                      << kWireVersion << ")\n";
            return 0;
        }
        const std::string cmd = args[0];
        args.erase(args.begin());
        for (const auto& s : args)
            if (s == "--help" || s == "-h") {
                std::cout << kHelp << cli::kCommandsHelp << cli::kSharedHelp;
                return 0;
            }
        if (cmd == "compute")
            return computeMain(args);
        if (cmd == "sweep")
            return cli::sweep(args);
        if (cmd == "balance")
            return cli::balance(args);
        if (cmd == "bench")
            return runBench(args);
        return fail("unknown command '" + cmd + "' (see rnnloss --help)");
    } catch (const UsageError& e) {
        return fail(e.message);
    } catch (const std::exception& e) {
        std::cerr << "rnnloss: internal error: " << e.what() << "\n";
        return 1;
    }
}
