// rnnloss summarize: each recording's summary file (REC.h5.rnnsum, engine/
// sidecar.h) beside it or under --out-dir, one Slurm array task's share of a
// list at a time, and --check of a list (docs/cluster.md).

#include "cli_commands.h"
#include "cli_common.h"
#include "networkerror.h"
#include "rawread.h"
#include "readerprocess.h"
#include "sidecar.h"
#include "summaryfiles.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace rnnloss::cli {

const char* const kSummarizeHelp = R"(
summarize REC.h5... [--out-dir DIR] [--force] [--no-weights] [--gradients] [--verbose]
summarize --list FILES.txt [--task-index I --tasks N] [options]
summarize --check (--list FILES.txt | REC.h5...) [--task-index I --tasks N] [--out-dir DIR]
  Writes each recording's summary file, REC.h5.rnnsum, beside it or with
  --out-dir under DIR at the recording's absolute path (DIR/data/run3/
  REC.h5.rnnsum): the whole recording reduced once (per-trial and per-neuron
  sums, neuron statistics and rate histograms, labels and groups, attributes,
  weights; no per-time sums), which compute, sweep, balance and the app then
  use in its place while the recording is unchanged (docs/cluster.md). A
  summary file is written whole or not at all (a temporary file renamed), and
  one that is current (the recording's name, size and modification time are
  those it records) is skipped unless --force. One line per recording on
  stdout, "REC: written" or "REC: current"; a recording that fails gets
  "REC: error" on stderr and a marker REC.h5.rnnsum.failed holding its error
  (removed when it succeeds), and the others go on; exit status 2 if any
  failed. --no-weights leaves out the weight matrices (their norms, all the
  terms need, stay): 1.34 MB instead of 2.40 MB for a 134 MB recording.
  --gradients: also the whole recording's per-term gradients in both
  conventions (as rnnloss grad computes them; the recording must hold its
  network), kept as their Gram matrices, from which grad answers without the
  recording. It costs two gradient passes per recording (docs/cluster.md). A
  recording without its network gets its summary without them and a warning
  on stderr naming what it lacks. A current summary file without gradients
  gets them added (the summary is not read again).
  --list FILES.txt: the recordings of FILES.txt, one path per line (blank lines
  and lines starting with # are skipped; relative paths are taken from the
  current folder). --task-index I --tasks N: only the recordings at positions
  i (from 0, in the list) with i % N == I, so that the tasks of a Slurm array
  share the list evenly whatever its order (scripts/slurm/summarize.sbatch).
  --check: writes nothing; one line per recording, "REC: done", "REC: stale:
  why", "REC: missing" or "REC: failed: error" (its .failed marker), then a
  count; exit status 0 when every one is done, 3 when not.
  --watchdog, --memory-limit and --slab-mb as for compute.
)";

namespace {

struct SummarizeArgs
{
    std::vector<std::string> files;
    std::string list;
    std::string outDir;
    bool force = false, weights = true, check = false, verbose = false, gradients = false;
    std::optional<long long> taskIndex, tasks;
    ReaderJob job;
};

SummarizeArgs parseSummarize(const std::vector<std::string>& a)
{
    SummarizeArgs s;
    Options shared; // the reader's limits, parsed as every command parses them
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string& o = a[i];
        if (o == "--out-dir") {
            s.outDir = value(a, i);
            if (s.outDir.empty())
                throw UsageError{"--out-dir needs a folder"};
        } else if (o == "--force")
            s.force = true;
        else if (o == "--no-weights")
            s.weights = false;
        else if (o == "--check")
            s.check = true;
        else if (o == "--gradients")
            s.gradients = true;
        else if (o == "--verbose")
            s.verbose = true;
        else if (o == "--list")
            s.list = value(a, i);
        else if (o == "--task-index")
            s.taskIndex = wholeNumber(o, value(a, i), 0, 1 << 30);
        else if (o == "--tasks")
            s.tasks = wholeNumber(o, value(a, i), 1, 1 << 30);
        else if (o == "--watchdog" || o == "--memory-limit" || o == "--slab-mb")
            parseShared(a, i, shared);
        else if (!o.empty() && o[0] == '-')
            throw UsageError{"summarize: unknown option " + o + " (see rnnloss --help)"};
        else
            s.files.push_back(o);
    }
    if (s.taskIndex.has_value() != s.tasks.has_value())
        throw UsageError{"summarize: --task-index and --tasks go together"};
    if (s.tasks && *s.taskIndex >= *s.tasks)
        throw UsageError{"summarize: --task-index " + std::to_string(*s.taskIndex) +
                         " is not below --tasks " + std::to_string(*s.tasks)};
    if (s.files.empty() && s.list.empty())
        throw UsageError{"summarize: name the recordings, or a list of them with --list"};
    s.job = shared.job;
    return s;
}

/// The recordings of a list file, one path per line.
std::vector<std::string> readList(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw UsageError{path + ": cannot read the list: " + std::strerror(errno)};
    std::vector<std::string> files;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#')
            continue;
        files.push_back(line);
    }
    if (in.bad())
        throw UsageError{path + ": cannot read the list: " + std::strerror(errno)};
    return files;
}

/// This task's recordings: every N-th from the I-th.
std::vector<std::string> recordingsOf(const SummarizeArgs& a)
{
    std::vector<std::string> all = a.files;
    if (!a.list.empty()) {
        std::vector<std::string> listed = readList(a.list);
        all.insert(all.end(), listed.begin(), listed.end());
    }
    if (!a.tasks)
        return all;
    std::vector<std::string> share;
    for (std::size_t i = 0; i < all.size(); ++i)
        if (static_cast<long long>(i % std::size_t(*a.tasks)) == *a.taskIndex)
            share.push_back(all[i]);
    return share;
}

bool exists(const std::string& path)
{
    struct stat st
    {
    };
    return ::stat(path.c_str(), &st) == 0;
}

/// The error as one line that starts with the recording's name.
std::string errorLine(const std::string& recording, std::string error)
{
    for (char& c : error)
        if (c == '\n')
            c = ' ';
    return error.starts_with(recording + ":") ? error : recording + ": " + error;
}

/// Why the summary file at `file` is not the current one of `recording`
/// (empty when it is; then `current`, when given, gets it). `weights`: one
/// without the weight matrices (made with --no-weights) does not do when they
/// are asked for.
std::string whyRedo(const std::string& recording, const std::string& file, bool weights,
                    std::optional<Sidecar>* current = nullptr)
{
    if (!exists(file))
        return "no summary file";
    SidecarDecodeResult r = readSidecar(file);
    if (!r.value)
        return r.error;
    if (std::string why = whyStale(r.value->header, recording); !why.empty())
        return why;
    const Summary& s = r.value->summary;
    const Dataset w[] = {Dataset::WeightsIn, Dataset::WeightsHid, Dataset::WeightsOut};
    for (int i = 0; i < 3; ++i)
        if (weights && s.has(w[i]) && s.weights[std::size_t(i)].size() == 0)
            return "made without the weight matrices (--no-weights)";
    if (current)
        *current = std::move(r.value);
    return {};
}

/// Reads and reduces `recording` as a summary file holds it. Empty with
/// `error` set when it cannot be read.
std::optional<Summary> reduceRecording(const SummarizeArgs& a, const std::string& recording,
                                       std::string& error)
{
    ReaderJob job = a.job;
    job.readerExe = readerExecutable();
    job.recording = recording;
    job.rawLayout = true;
    job.reduce.threads = 2;
    ReaderProcess reader;
    ReaderOutcome r = reader.run(job);
    if (a.verbose)
        std::fprintf(stderr, "%s: reader %.2f s, peak RSS %.1f MB\n", recording.c_str(), r.seconds,
                     r.peakRssBytes / 1e6);
    if (!r.summary) {
        error = r.error;
        return std::nullopt;
    }
    if (r.summary->layout) {
        // A fixed count of threads, whatever the machine: the per-time sums
        // of the squared error add in an order that depends on it, and the
        // same recording must give the same bytes on any node.
        io::RawReadOptions raw;
        raw.threads = 2;
        raw.reduce.perTime = false;
        raw.reduce.histograms = true;
        if (std::string err = io::completeFromRaw(*r.summary, raw); !err.empty()) {
            error = err;
            return std::nullopt;
        }
    }
    return std::move(r.summary);
}

/// The gradient passes of a summary file: both conventions.
struct GradientPasses
{
    std::optional<SidecarGradients> value;
    std::string error;   ///< they failed: the recording fails
    std::string warning; ///< the recording lacks its network: none, and why
};

/// The gradients of `recording`, whose summary is of `shape`.
GradientPasses gradientPasses(const SummarizeArgs& a, const std::string& recording,
                              const Shape& shape)
{
    GradientPasses out;
    SidecarGradients g;
    for (Convention c : {Convention::Spec, Convention::Nn4n}) {
        ReaderJob job = a.job;
        job.readerExe = readerExecutable();
        job.recording = recording;
        job.rawLayout = false;
        job.gradients = true;
        job.convention = c;
        // A fixed count of threads, as for the sums: the trials' parts of the
        // Gram matrices add in an order that depends on it.
        job.gradientThreads = 2;
        ReaderProcess reader;
        ReaderOutcome r = reader.run(job);
        if (a.verbose)
            std::fprintf(stderr, "%s: %s gradients %.2f s, reader peak RSS %.1f MB\n",
                         recording.c_str(), std::string(conventionName(c)).c_str(), r.seconds,
                         r.peakRssBytes / 1e6);
        if (!r.gradients) {
            if (io::isNetworkMissing(r.error))
                out.warning = errorLine(recording, r.error) + "; its summary has no gradients";
            else
                out.error = r.error;
            return out;
        }
        (c == Convention::Spec ? g.spec : g.nn4n) = std::move(*r.gradients);
    }
    for (const GradientSummary* pass : {&g.spec, &g.nn4n})
        if (const std::string bad = badGradients(*pass, shape); !bad.empty()) {
            out.warning = recording + ": its gradients are left out of its summary: " + bad;
            return out;
        }
    out.value = std::move(g);
    return out;
}

void warn(const std::string& warning)
{
    if (!warning.empty())
        std::cerr << "warning: " << warning << "\n" << std::flush;
}

/// Whether `recording` still has the size and time of `before`.
bool unchanged(const std::string& recording, const FileStamp& before)
{
    const FileStampResult now = fileStamp(recording);
    return now.value && now.value->size == before.size && now.value->mtimeNs == before.mtimeNs;
}

/// Adds the gradients to `current`, the current summary file of `recording`
/// at `file`, which lacks them: the bytes a summary made with them would
/// have. `added` is false when the recording lacks its network (warned).
/// Returns the error.
std::string addGradients(const SummarizeArgs& a, const std::string& recording,
                         const std::string& file, Sidecar current, bool& added)
{
    added = false;
    // Current: the recording has the size and time its summary records.
    const FileStamp before{current.header.recordingSize, current.header.recordingMtimeNs};
    GradientPasses g = gradientPasses(a, recording, current.summary.recordingShape());
    if (!g.error.empty())
        return g.error;
    warn(g.warning);
    if (!g.value)
        return {};
    if (!unchanged(recording, before))
        return recording + ": changed while it was read; summarize it again";
    renameFile(*g.value, recording, current.header.recordingName);
    const std::vector<std::uint8_t> bytes = encodeSidecar(
        current.header, current.summary,
        {{kSidecarTagGradientGram, encodeGradientSection(g.value->spec, g.value->nn4n)}});
    added = true;
    return writeFileAtomically(file, bytes);
}

/// Writes the summary file of `recording` at `file`. Returns the error.
std::string writeSummary(const SummarizeArgs& a, const std::string& recording,
                         const std::string& file)
{
    const FileStampResult before = fileStamp(recording);
    if (!before.value)
        return before.error;
    std::string error;
    std::optional<Summary> s = reduceRecording(a, recording, error);
    if (!s)
        return error;
    GradientPasses g;
    if (a.gradients) {
        g = gradientPasses(a, recording, s->recordingShape());
        if (!g.error.empty())
            return g.error;
        warn(g.warning);
    }
    if (!unchanged(recording, *before.value))
        return recording + ": changed while it was read; summarize it again";
    const std::vector<std::uint8_t> bytes =
        summaryFileBytes(std::move(*s), recording, *before.value, a.weights,
                         "rnnloss " RNNLOSS_VERSION, std::move(g.value));
    return writeFileAtomically(file, bytes);
}

/// Makes the folder of `file` (under --out-dir). Returns the error.
std::string makeFolderOf(const std::string& file)
{
    const std::filesystem::path dir = std::filesystem::path(file).parent_path();
    std::error_code ec;
    if (!dir.empty())
        std::filesystem::create_directories(dir, ec);
    return ec ? dir.string() + ": cannot make the folder: " + ec.message() : std::string();
}

enum class Done
{
    Written,
    Current,
    Failed
};

Done summarizeOne(const SummarizeArgs& a, const std::string& recording)
{
    const std::string file = sidecarPathFor(recording, a.outDir);
    const std::string marker = file + ".failed";
    std::string error;
    std::optional<Sidecar> current;
    if (!a.force && whyRedo(recording, file, a.weights, &current).empty()) {
        bool added = false;
        if (a.gradients && !current->gradients)
            error = addGradients(a, recording, file, std::move(*current), added);
        if (error.empty() && !added) {
            ::unlink(marker.c_str());
            std::cout << recording << ": current\n" << std::flush;
            return Done::Current;
        }
    } else {
        if (!a.outDir.empty())
            error = makeFolderOf(file);
        if (error.empty())
            error = writeSummary(a, recording, file);
    }
    if (error.empty()) {
        ::unlink(marker.c_str());
        std::cout << recording << ": written\n" << std::flush;
        return Done::Written;
    }
    const std::string line = errorLine(recording, error);
    std::cerr << line << "\n" << std::flush;
    const std::string text = line + "\n";
    const std::string markerError = writeFileAtomically(
        marker, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    if (!markerError.empty() && exists(std::filesystem::path(marker).parent_path().string()))
        std::cerr << recording << ": cannot leave the failure marker: " << markerError << "\n";
    return Done::Failed;
}

std::string count(std::size_t recordings)
{
    return std::to_string(recordings) + (recordings == 1 ? " recording" : " recordings");
}

enum class State
{
    Done,
    Stale,
    Missing,
    Failed
};
constexpr const char* kStateNames[] = {"done", "stale", "missing", "failed"};

/// The state of one recording for --check, and what to add to it.
State checkOne(const SummarizeArgs& a, const std::string& recording, std::string& detail)
{
    const std::string file = sidecarPathFor(recording, a.outDir);
    detail = whyRedo(recording, file, false);
    if (detail.empty())
        return State::Done;
    if (std::ifstream marker(file + ".failed"); marker) {
        std::getline(marker, detail); // errorLine(): the recording's name first
        if (detail.starts_with(recording + ": "))
            detail.erase(0, recording.size() + 2);
        return State::Failed;
    }
    if (exists(file))
        return State::Stale;
    detail.clear();
    return State::Missing;
}

int check(const SummarizeArgs& a, const std::vector<std::string>& recordings)
{
    std::size_t counts[4] = {0, 0, 0, 0};
    for (const std::string& r : recordings) {
        std::string detail;
        const State state = checkOne(a, r, detail);
        ++counts[static_cast<int>(state)];
        std::cout << r << ": " << kStateNames[static_cast<int>(state)]
                  << (detail.empty() ? "" : ": " + detail) << "\n";
    }
    std::cout << count(recordings.size()) << ":";
    for (int i = 0; i < 4; ++i)
        std::cout << (i ? ", " : " ") << counts[i] << " " << kStateNames[i];
    std::cout << "\n";
    std::cout.flush();
    if (!std::cout)
        return 1;
    return counts[0] == recordings.size() ? 0 : 3;
}

} // namespace

int summarize(const std::vector<std::string>& args)
{
    SummarizeArgs a;
    std::vector<std::string> recordings;
    try {
        a = parseSummarize(args);
        recordings = recordingsOf(a);
    } catch (const UsageError& e) {
        return fail(e.message);
    }
    if (a.check)
        return check(a, recordings);
    std::size_t counts[3] = {0, 0, 0};
    for (const std::string& r : recordings)
        ++counts[static_cast<int>(summarizeOne(a, r))];
    std::cout << count(recordings.size()) << ": " << counts[0] << " written, " << counts[1]
              << " current, " << counts[2] << " failed\n";
    std::cout.flush();
    if (!std::cout)
        return 1;
    return counts[2] ? 2 : 0;
}

} // namespace rnnloss::cli
