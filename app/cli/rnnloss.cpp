// rnnloss — the command-line tool over the engine:
//   rnnloss compute [RECORDING] [--weights FILE] [--convention nn4n|spec]
//                   [--lambda KEY=VALUE]... [--json]
//   rnnloss compute A.h5 B.h5 ... / sweep / balance / grad / stats   (cli_commands.h)
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
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <sys/stat.h>
#include <thread>
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
  rnnloss compute A.h5 B.h5 ... | DIR ... [options]   (JSON Lines with file, label, run)
  rnnloss sweep [RECORDING] --term KEY [--from X] [--to Y] [--points N] [options]
  rnnloss balance [RECORDING] --share KEY=FRACTION [--share ...] [options]
  rnnloss summarize REC.h5... [--out-dir DIR] [--force] [--no-weights] [--gradients]
  rnnloss summarize --list FILES.txt [--task-index I --tasks N] [options]
  rnnloss summarize --check --list FILES.txt [--out-dir DIR]
  rnnloss grad [RECORDING...] [--threads N] [options]
  rnnloss stats [RECORDING...] [--response-window A:B] [--silent-threshold X]
                [--dprime A,B] [--json] [options]
  rnnloss bench [--batch B] [--time T] [--neurons N] [--outputs O] [--reps R]
                [--file PATH] [--keep] [--chunk-trials K]
  rnnloss bench --recording FILE [--reps R]
  rnnloss bench --versus-nn4n NN4N_DIR --recording FILE [--reps R] [--peer-script PATH]
  rnnloss bench --many [COUNTS] [--reps R] [--dir DIR] [--keep]
  rnnloss bench --gradients [--reps R] [--threads N] [--nn4n SCRIPT]
                [--nn4n-omp default|passive|both] [--dir D] [--keep]
  rnnloss bench --write-sweep DIR [--runs R] [--checkpoints C] [--keep-recordings]
  rnnloss bench --summaries DIR [--reps R]
  rnnloss bench --set-app DIR [--reps R] [--edits N]
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
  --no-summaries       read the recording even when it has a current summary
                       file. By default RECORDING's summary file (REC.h5.rnnsum,
                       see summarize) is used in its place when it records the
                       recording's name, size and modification time as they are
                       (--verbose says which is used, and why a stale one is
                       not). RECORDING may also be a summary file itself. From
                       a summary: --trials, --trial-label, --neurons and
                       --neuron-group are taken from its per-trial sums (a
                       selection of some trials then leaves out the neurons'
                       max and fraction active, with a warning); --steps reads
                       the recording when it is there, and is refused when only
                       the summary is. --weights reads the recording.
  --summary-dir DIR    also look for the summary file under DIR, where
                       summarize --out-dir DIR puts it

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
  --gradients: the per-term gradients of a recording of B=128, T=500, N=512
  (134 MB) and of one of 64 neurons (B=64, T=200) through the reader process,
  end to end (read, forward, backward), and the reader's peak memory; with
  --nn4n tools/bench_gradient_nn4n.py, nn4n + PyTorch autograd beside it in
  each repetition (Debian's python3 with torch; nn4n from NN4N_PATH), with
  OpenMP's default waiting and with OMP_WAIT_POLICY=PASSIVE (--nn4n-omp).
  --write-sweep DIR: a lab's sweep as summary files, DIR/run_XX/ckpt_YYYY.h5.
  rnnsum (default 100 runs x 100 checkpoints): small real recordings (8 x 50 x
  16 neurons) written, summarized in process and removed (--keep-recordings
  keeps them); each run its own lambda_fr x lambda_hid, each checkpoint its
  step. --summaries DIR: the summary files under DIR decoded in process, and
  rnnloss compute over them (the folder when compute takes one, else the
  files): time, per summary, peak RSS. --set-app DIR: the app on the folder
  (rnnloss-explorer DIR --screenshot, offscreen, R times): its start to the
  History shown with every recording's terms, N edits of lambda_fr each to
  the History repainted (median, max), its peak RSS, against issue 16's goals.

Exit status: 0 on success; 2 when the input is unusable (one "error:" line on
stderr, nothing on stdout); 1 on an internal failure.
)";

/// `rnnloss compute` with one recording: the options every command takes
/// (cli::parseShared), and its --lambdas-from read where it stands.
struct ComputeArgs
{
    cli::Options o;
    std::optional<LambdaSettings> lambdasFile;
    bool several = false; ///< a second recording: compute over several instead
};

/// Reads the command line up to a second recording (then `several`). Throws UsageError.
ComputeArgs parseCompute(const std::vector<std::string>& a)
{
    ComputeArgs c;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] == "--lambdas-from") {
            auto file = readLambdaSettings(value(a, i));
            if (!file.value)
                throw UsageError{file.error};
            c.lambdasFile = std::move(file.value);
            continue;
        }
        if (!cli::parseShared(a, i, c.o))
            throw UsageError{"unknown option " + a[i] + " (see rnnloss --help)"};
        // An empty argument before the recording counts for nothing, as it always has.
        if (c.o.recordings.size() == 1 && c.o.recordings.front().empty())
            c.o.recordings.clear();
        if (c.o.recordings.size() > 1) {
            c.several = true;
            return c;
        }
    }
    // A folder stands for the recordings under it: compute over several.
    std::error_code ec;
    if (c.o.recordings.size() == 1 && std::filesystem::is_directory(c.o.recordings.front(), ec)) {
        c.several = true;
        return c;
    }
    LossOptions& opts = c.o.loss;
    if (c.lambdasFile)
        applyLambdaSettings(*c.lambdasFile, opts);
    opts.recording = c.o.recordings.empty() ? bundledExample() : c.o.recordings.front();
    return c;
}

/// Reads `recording` in the reader process, with progress and the read's
/// figures on stderr under --verbose.
ReaderOutcome readRecording(const cli::Options& o, const std::string& recording)
{
    const ReaderJob job = cli::readerJob(o, recording);
    ReaderProcess reader;
    double lastShown = -1.0;
    ReaderOutcome outcome = reader.run(job, [&](double f, const std::string& stage) {
        if (o.verbose && f - lastShown >= 0.1) {
            std::fprintf(stderr, "reading %s: %3.0f%% (%s)\n", recording.c_str(), 100 * f,
                         stage.c_str());
            lastShown = f;
        }
    });
    if (o.verbose) {
        struct stat st = {};
        const double mb = ::stat(recording.c_str(), &st) == 0 ? st.st_size / 1e6 : 0.0;
        std::fprintf(
            stderr, "reader: %.1f MB in %.2f s (%.0f MB/s), peak RSS %.1f MB, memory limit %s\n",
            mb, outcome.seconds, outcome.seconds > 0 ? mb / outcome.seconds : 0.0,
            outcome.peakRssBytes / 1e6,
            job.memoryLimitBytes ? (std::to_string(job.memoryLimitBytes >> 20) + " MiB").c_str()
                                 : "none");
    }
    for (const std::string& w : outcome.weightsWarnings) // stderr: stdout stays the report
        std::fprintf(stderr, "warning: %s\n", w.c_str());
    return outcome;
}

/// The loss of `s` with the lambdas and convention of `opts`, printed as the
/// table or the JSON.
int printLoss(const Summary& s, const LossOptions& opts, bool json)
{
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

int computeMain(const std::vector<std::string>& a)
{
    ComputeArgs c = parseCompute(a);
    if (c.several)
        return cli::computeMany(a);
    // Its current summary file in its place when it has one (cli::source).
    cli::Source src = cli::source(c.o, c.o.loss.recording);
    ReaderOutcome outcome =
        src.outcome ? std::move(*src.outcome) : readRecording(c.o, src.read);
    if (!outcome.summary)
        return fail(outcome.error);
    if (outcome.summary->layout) {
        const std::string err = cli::readDirect(*outcome.summary, c.o.slice, c.o.verbose);
        if (!err.empty())
            return fail(err);
    }
    return printLoss(*outcome.summary, c.o.loss, c.o.json);
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
            std::cout << kHelp << cli::kSummarizeHelp << cli::kStatsHelp << cli::kCommandsHelp
                      << cli::kSharedHelp << cli::kGradHelp;
            return args.empty() ? 2 : 0;
        }
        if (args[0] == "--version") {
            std::cout << "rnnloss " << kVersion << " (HDF5 " << RNNLOSS_HDF5_VERSION
                      << ", wire format " << kWireVersion << ")\n";
            return 0;
        }
        const std::string cmd = args[0];
        args.erase(args.begin());
        for (const auto& s : args)
            if (s == "--help" || s == "-h") {
                std::cout << kHelp << cli::kSummarizeHelp << cli::kStatsHelp << cli::kCommandsHelp
                          << cli::kSharedHelp << cli::kGradHelp;
                return 0;
            }
        if (cmd == "compute")
            return computeMain(args);
        if (cmd == "sweep")
            return cli::sweep(args);
        if (cmd == "balance")
            return cli::balance(args);
        if (cmd == "summarize")
            return cli::summarize(args);
        if (cmd == "grad")
            return cli::grad(args);
        if (cmd == "stats")
            return cli::stats(args);
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
