// rnnloss-reader — the isolated reader process: the only program that links
// HDF5. ReaderProcess (common/readerprocess.h) starts it with an address-space
// limit and a watchdog; it parses one recording and streams progress frames and
// then one summary (or error) frame to stdout (engine/summarycodec.h). With
// --gradients it reads the network and its arrays instead, computes the
// per-term gradients (engine/gradient.h) and sends one gradient frame
// (engine/gradcodec.h): the raw arrays never leave this process. With
// --stats, one stats frame instead (engine/statscodec.h, the stats pass of
// engine/statspass.h, on demand).
// With --bench-helper (benchhelper.h) it is instead the HDF5 side of
// rnnloss-bench: it writes the benchmark's synthetic recordings and times
// HDF5's own read, so that no other program links HDF5.
// Not for people: `rnnloss`, `rnnloss-explorer` and `rnnloss-bench` run it.

#include "benchhelper.h"
#include "cliargs.h"
#include "gradcodec.h"
#include "options.h"
#include "reader.h"
#include "statscodec.h"
#include "summarycodec.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

using namespace rnnloss;

namespace {

/// --stats: the stats pass instead of the summary (one Stats frame).
struct StatsMode
{
    bool on = false;
    io::StatsRequest request;
};

/// What --gradients asks for besides the read.
struct GradientMode
{
    bool on = false;
    std::optional<Convention> convention; ///< empty: the recording's, else nn4n
    int threads = 2;
};

/// The request on the command line (the options ReaderProcess::run passes).
io::ReadRequest parseRequest(const std::vector<std::string>& a, SliceOptions& slice,
                             GradientMode& grad, StatsMode& stats)
{
    io::ReadRequest req;
    constexpr long long kMax = 1LL << 40;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] == "--recording")
            req.recording = value(a, i);
        else if (a[i] == "--weights")
            req.weights = value(a, i);
        else if (a[i] == "--slab-bytes")
            req.slabBytes = static_cast<std::size_t>(wholeNumber(a[i], value(a, i), 0, kMax));
        else if (a[i] == "--active-threshold")
            req.reduce.activeThreshold = std::strtod(value(a, i).c_str(), nullptr);
        else if (a[i] == "--histogram-bins")
            req.reduce.histogramBins = static_cast<int>(wholeNumber(a[i], value(a, i), 0, kMax));
        else if (a[i] == "--threads")
            req.reduce.threads = static_cast<int>(wholeNumber(a[i], value(a, i), 0, kMax));
        else if (a[i] == "--raw-layout")
            req.rawLayout = true;
        else if (a[i] == "--gradients")
            grad.on = true;
        else if (a[i] == "--stats")
            stats.on = true;
        else if (a[i] == "--response-window")
            stats.request.responseWindow = value(a, i);
        else if (a[i] == "--gradient-threads")
            grad.threads = static_cast<int>(wholeNumber(a[i], value(a, i), 1, 256));
        else if (a[i] == "--convention") {
            const std::string name = value(a, i);
            const auto c = conventionFromName(name);
            if (!c)
                throw UsageError{"reader: --convention " + name + ": expected nn4n or spec"};
            grad.convention = *c;
        } else if (a[i] == "--trials" || a[i] == "--steps" || a[i] == "--neurons" ||
                   a[i] == "--trial-label" || a[i] == "--neuron-group") {
            const std::string& opt = a[i];
            const std::string err = parseSliceOption(opt, value(a, i), slice);
            if (!err.empty())
                throw UsageError{"reader: " + err};
        } else
            throw UsageError{"reader: unknown option " + a[i]};
    }
    if (req.reduce.histogramBins < 4 || req.reduce.histogramBins % 4 ||
        req.reduce.histogramBins > 4096)
        throw UsageError{"reader: --histogram-bins must be a multiple of 4 in 4..4096"};
    return req;
}

/// Removes `flag` from `args`; whether it was there.
bool takeFlag(std::vector<std::string>& args, const std::string& flag)
{
    const auto it = std::find(args.begin(), args.end(), flag);
    if (it == args.end())
        return false;
    args.erase(it);
    return true;
}


bool sendProgress(double fraction, const std::string& stage)
{
    return writeAll(STDOUT_FILENO, encodeProgress({std::clamp(fraction, 0.0, 1.0), stage}));
}

/// The read takes this part of the progress of a gradient pass; the pass
/// itself, many times longer, the rest.
constexpr double kReadShare = 0.1;

int computeAndSend(const io::ReadRequest& req, const GradientMode& grad)
{
    const io::NetworkRead read = io::readNetwork(req, [](double f, const std::string& stage) {
        return sendProgress(kReadShare * f, stage);
    });
    if (!read.network) {
        writeAll(STDOUT_FILENO, encodeMessage(FrameType::Error, read.error));
        return 2;
    }
    GradientOptions o;
    o.convention =
        grad.convention.value_or(read.recording.lossConvention.value_or(kDefaultConvention));
    o.slice = read.slice;
    o.threads = grad.threads;
    o.progress = [](double f, const std::string& stage) {
        return sendProgress(kReadShare + (1.0 - kReadShare) * f, stage);
    };
    const GradientResult r = computeGradients(*read.network, read.gradientInput(), o);
    if (!r.ok()) {
        // Cancelled: the client has gone away (its pipe is closed).
        writeAll(STDOUT_FILENO,
                 encodeMessage(FrameType::Error,
                               req.recording + ": " + (r.cancelled ? "cancelled" : r.error)));
        return 2;
    }
    const GradientSummary g = summarizeGradients(r, *read.network, read.recording);
    return writeAll(STDOUT_FILENO, encodeGradientsFrame(g)) ? 0 : 1;
}

/// The slice of the options, resolved when the reader knows the recording's shape and labels.
void withSlice(io::ReadRequest& req, const SliceOptions& slice)
{
    if (slice.any())
        req.slice = [&slice](const Summary& whole, std::string& error) {
            return resolveSlice(slice, whole, error);
        };
}

int statsAndSend(io::ReadRequest req, const SliceOptions& slice, const io::StatsRequest& stats)
{
    withSlice(req, slice);
    const auto result = io::readStats(req, stats, sendProgress);
    if (!result.stats) {
        writeAll(STDOUT_FILENO, encodeMessage(FrameType::Error, result.error));
        return 2;
    }
    return writeAll(STDOUT_FILENO, encodeStatsFrame(*result.stats)) ? 0 : 1;
}

int readAndSend(io::ReadRequest req, const SliceOptions& slice, const GradientMode& grad,
                bool weightMatrices)
{
    withSlice(req, slice);
    if (grad.on)
        return computeAndSend(req, grad);
    auto result = io::readRecording(req, [](double f, const std::string& stage) {
        return writeAll(STDOUT_FILENO, encodeProgress({f, stage}));
    });
    if (!result.summary) {
        writeAll(STDOUT_FILENO, encodeMessage(FrameType::Error, result.error));
        return 2;
    }
    for (const std::string& w : result.weightsWarnings)
        if (!writeAll(STDOUT_FILENO, encodeMessage(FrameType::Warning, w)))
            return 1;
    if (!weightMatrices) // the norms stay: they are all the terms use
        for (RowMatrixF& w : result.summary->weights)
            w = RowMatrixF();
    return writeAll(STDOUT_FILENO, encodeSummaryFrame(*result.summary)) ? 0 : 1;
}

/// The limits ReaderProcess asks for, set before anything is read: no core
/// dumps, and the address space of --memory-limit BYTES (first when given).
/// The client starts this program with posix_spawn, which cannot set them in
/// the child before exec as fork() could; from here on the process is the same.
std::vector<std::string> applyLimits(std::vector<std::string> args)
{
    struct rlimit core{0, 0};
    ::setrlimit(RLIMIT_CORE, &core);
    if (args.size() >= 2 && args[0] == "--memory-limit") {
        const rlim_t bytes = std::strtoull(args[1].c_str(), nullptr, 10);
        if (bytes == 0)
            throw UsageError{"reader: --memory-limit " + args[1] + ": expected bytes > 0"};
        // As before, a hard limit already lower than this one stays.
        struct rlimit as{bytes, bytes};
        ::setrlimit(RLIMIT_AS, &as);
        args.erase(args.begin(), args.begin() + 2);
    }
    return args;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        if (argc == 2 && std::string(argv[1]) == "--bench-helper")
            return benchHelperMain();
        std::vector<std::string> args =
            applyLimits(std::vector<std::string>(argv + 1, argv + argc));
        const bool normsOnly = takeFlag(args, "--weight-norms-only");
        SliceOptions slice;
        GradientMode grad;
        StatsMode stats;
        io::ReadRequest req = parseRequest(args, slice, grad, stats);
        if (grad.on && stats.on)
            throw UsageError{"reader: --gradients and --stats: one pass at a time"};
        if (stats.on)
            return statsAndSend(std::move(req), slice, stats.request);
        return readAndSend(std::move(req), slice, grad, !normsOnly);
    } catch (const UsageError& e) {
        return fail(e.message);
    } catch (const std::exception& e) {
        std::cerr << "rnnloss-reader: internal error: " << e.what() << "\n";
        return 1;
    }
}
