#include "cli_common.h"

#include "lambdasfile.h"
#include "loss.h"
#include "rawread.h"
#include "summaryslice.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace rnnloss::cli {

const char* const kSharedHelp =
    R"(  --weights FILE          read the three weight matrices from FILE instead
  --convention NAME       nn4n (default) or spec, as for compute
  --lambda KEY=VALUE      as for compute; wins over --lambdas-from
  --lambdas-from FILE     the lambdas (and the convention, unless --convention is
                          given) from a JSON file as the app's File > Export
                          lambdas writes it: {"convention": "nn4n",
                          "lambda_mse": 1, ...}; keys it lacks keep the
                          recording's training lambda (else 0)
  --json                  JSON instead of the table
  --trials SPEC, --steps SPEC, --neurons SPEC, --trial-label L, --neuron-group G
                          the same slice of every recording, as for compute
  --watchdog SECONDS, --memory-limit MB, --slab-mb MB, --via-reader, --verbose,
  --no-summaries, --summary-dir DIR
                          as for compute
)";

bool parseShared(const std::vector<std::string>& a, std::size_t& i, Options& o)
{
    const std::string& s = a[i];
    if (s == "--json") {
        o.json = true;
    } else if (s == "--verbose") {
        o.verbose = true;
    } else if (s == "--weights") {
        o.loss.weights = value(a, i);
    } else if (s == "--convention") {
        const std::string v = value(a, i);
        o.loss.convention = conventionFromName(v);
        if (!o.loss.convention)
            throw UsageError{"--convention " + v + ": expected nn4n or spec"};
    } else if (s == "--lambda" || s.rfind("--lambda=", 0) == 0) {
        const std::string arg = s == "--lambda" ? value(a, i) : s.substr(9);
        if (std::string err = parseLambda(arg, o.loss); !err.empty())
            throw UsageError{err};
    } else if (s == "--lambdas-from") {
        o.lambdasFrom = value(a, i);
    } else if (s == "--watchdog") {
        o.job.watchdogMs = static_cast<int>(wholeNumber(s, value(a, i), 1, 86400) * 1000);
    } else if (s == "--memory-limit") {
        // 0: no limit; otherwise at least 256 MiB (the reader binary itself needs some)
        const long long mb = wholeNumber(s, value(a, i), 0, 1LL << 24);
        if (mb != 0 && mb < 256)
            throw UsageError{s + " " + std::to_string(mb) +
                             ": expected 0 (no limit) or at least 256"};
        o.job.memoryLimitBytes = static_cast<std::uint64_t>(mb) << 20;
    } else if (s == "--trials" || s == "--steps" || s == "--neurons" || s == "--trial-label" ||
               s == "--neuron-group") {
        if (std::string err = parseSliceOption(s, value(a, i), o.slice); !err.empty())
            throw UsageError{err};
    } else if (s == "--via-reader") {
        o.direct = false;
    } else if (s == "--no-summaries") {
        o.summaries.use = false;
    } else if (s == "--summary-dir") {
        o.summaries.summaryDir = value(a, i);
        if (o.summaries.summaryDir.empty())
            throw UsageError{"--summary-dir needs a folder"};
    } else if (s == "--slab-mb") {
        o.job.slabBytes = static_cast<std::size_t>(wholeNumber(s, value(a, i), 1, 1 << 16)) << 20;
    } else if (!s.empty() && s[0] == '-') {
        return false;
    } else {
        o.recordings.push_back(s);
    }
    return true;
}

void finish(Options& o)
{
    if (o.lambdasFrom.empty())
        return;
    const LambdaSettingsResult file = readLambdaSettings(o.lambdasFrom);
    if (!file.value)
        throw UsageError{file.error};
    applyLambdaSettings(*file.value, o.loss);
}

ReaderJob readerJob(const Options& o, const std::string& recording)
{
    ReaderJob job = o.job;
    job.readerExe = readerExecutable();
    job.recording = recording;
    job.weights = o.loss.weights;
    job.trials = o.slice.trials;
    job.steps = o.slice.steps;
    job.neurons = o.slice.neurons;
    job.trialLabel = o.slice.trialLabel;
    job.neuronGroup = o.slice.neuronGroup;
    job.rawLayout = o.direct;
    job.weightMatrices = false; // the CLI reports the weight terms: norms only
    return job;
}

namespace {

ReaderOutcome failure(std::string error)
{
    ReaderOutcome out;
    out.error = std::move(error);
    return out;
}

/// The summary of `c` under the slice of `o`: taken from its sums when it
/// can be; empty when it needs the raw data and the recording is here.
std::optional<ReaderOutcome> fromSummary(const Options& o, const std::string& given,
                                         SummaryChoice& c)
{
    ReaderOutcome out;
    Summary& whole = *c.summary;
    std::string why;
    const std::optional<Slice> slice = resolveSlice(o.slice, whole, why);
    if (!why.empty())
        return failure(given + ": " + why);
    if (!slice) {
        out.summary = std::move(whole);
        return out;
    }
    SummarySliceResult part = sliceFromSummary(whole, *slice);
    if (!part.value) {
        if (!c.recording.empty()) {
            if (o.verbose)
                std::fprintf(stderr, "%s: reading the recording: %s\n", given.c_str(),
                             part.error.c_str());
            return std::nullopt;
        }
        return failure(given + ": " + part.error + "; only its summary (" + c.summaryFile +
                       ") is here");
    }
    if (part.value->neuronActive.empty() && part.value->hasStates())
        part.value->warnings.push_back(
            given + ": the neurons' max and fraction active over the selected trials are not "
                    "in its summary (" + c.summaryFile + "): left out (--no-summaries reads "
                    "the recording)");
    out.summary = std::move(part.value);
    return out;
}

} // namespace

SummaryChoice lookupSummary(const Options& o, const std::string& given)
{
    SummaryLookup lookup = o.summaries;
    if (!o.loss.weights.empty()) {
        // A summary file holds the recording's own weights.
        lookup.use = false;
        lookup.readReason = "--weights";
    }
    SummaryChoice c = chooseSummary(given, lookup);
    if (!c.warning.empty())
        std::fprintf(stderr, "warning: %s\n", c.warning.c_str());
    if (o.verbose && !c.note.empty())
        std::fprintf(stderr, "%s: %s\n", given.c_str(), c.note.c_str());
    return c;
}

Source source(const Options& o, const std::string& given)
{
    SummaryChoice c = lookupSummary(o, given);
    Source src;
    if (!c.error.empty())
        src.outcome = failure(c.error);
    else if (c.summary)
        src.outcome = fromSummary(o, given, c);
    src.read = c.recording;
    return src;
}

ReaderOutcome read(const Options& o, const std::string& given)
{
    Source src = source(o, given);
    if (src.outcome)
        return std::move(*src.outcome);
    const std::string& recording = src.read;
    ReaderProcess reader;
    ReaderOutcome outcome = reader.run(readerJob(o, recording));
    // On stderr only: what is printed on stdout stays the numbers' report.
    for (const std::string& w : outcome.weightsWarnings)
        std::fprintf(stderr, "warning: %s\n", w.c_str());
    if (o.verbose)
        std::fprintf(stderr, "%s: read in %.2f s, reader peak RSS %.1f MB\n", recording.c_str(),
                     outcome.seconds, outcome.peakRssBytes / 1e6);
    if (outcome.summary && outcome.summary->layout) {
        if (std::string err = readDirect(*outcome.summary, o.slice, o.verbose); !err.empty()) {
            outcome.summary.reset();
            outcome.error = std::move(err);
        }
    }
    return outcome;
}

std::string readDirect(Summary& s, const SliceOptions& slice, bool verbose)
{
    const auto started = std::chrono::steady_clock::now();
    io::RawReadOptions opt = io::leanOptions();
    std::string why;
    opt.slice = resolveSlice(slice, s, why);
    if (!why.empty())
        return s.layout->file + ": " + why;
    const std::string err = io::completeFromRaw(s, opt);
    if (verbose) {
        const double sec =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::uint64_t bytes = 0;
        for (const RawDataset& d : s.layout->datasets)
            for (const RawExtent& e : d.extents)
                bytes += e.bytes;
        std::fprintf(stderr, "direct read: %.1f MB in %.3f s (%.0f MB/s), %d threads\n",
                     bytes / 1e6, sec, sec > 0 ? bytes / 1e6 / sec : 0.0, opt.threads);
    }
    return err;
}

TermArray effectiveLambdas(const Summary& s, const LossOptions& opts)
{
    TermArray lambdas = initialLambdas(s);
    for (Term t : kAllTerms)
        if (opts.lambdas[index(t)])
            lambdas[index(t)] = *opts.lambdas[index(t)];
    return lambdas;
}

std::optional<Loaded> loadSingle(const Options& o, std::string& error)
{
    if (o.recordings.size() > 1)
        throw UsageError{"more than one recording given: " + o.recordings[0] + ", " +
                         o.recordings[1]};
    const std::string path = o.recordings.empty() ? bundledExample() : o.recordings[0];
    ReaderOutcome outcome = read(o, path);
    if (!outcome.summary) {
        error = outcome.error;
        return std::nullopt;
    }
    Loaded l{path, std::move(*outcome.summary), {}, {}};
    l.values = computeTerms(l.summary, o.loss.convention.value_or(kDefaultConvention));
    l.lambdas = effectiveLambdas(l.summary, o.loss);
    const LossResult r = evaluate(l.values, l.lambdas);
    if (!r.errors.empty()) {
        error = path + ": " + r.errors.front();
        return std::nullopt;
    }
    return l;
}


} // namespace rnnloss::cli
