// rnnloss-reader — the isolated reader process: the only program that links
// HDF5. ReaderProcess (common/readerprocess.h) starts it with an address-space
// limit and a watchdog; it parses one recording and streams progress frames and
// then one summary (or error) frame to stdout (engine/summarycodec.h).
// Not for people: `rnnloss` and `rnnloss-explorer` run it.

#include "cliargs.h"
#include "options.h"
#include "reader.h"
#include "summarycodec.h"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

using namespace rnnloss;

namespace {

/// The request on the command line (the options ReaderProcess::run passes).
io::ReadRequest parseRequest(const std::vector<std::string>& a, SliceOptions& slice)
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
        else if (a[i] == "--trials" || a[i] == "--steps" || a[i] == "--neurons" ||
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

int readAndSend(io::ReadRequest req, const SliceOptions& slice)
{
    if (slice.any())
        req.slice = [&slice](const Summary& whole, std::string& error) {
            return resolveSlice(slice, whole, error);
        };
    const auto result = io::readRecording(req, [](double f, const std::string& stage) {
        return writeAll(STDOUT_FILENO, encodeProgress({f, stage}));
    });
    if (!result.summary) {
        writeAll(STDOUT_FILENO, encodeMessage(FrameType::Error, result.error));
        return 2;
    }
    for (const std::string& w : result.weightsWarnings)
        if (!writeAll(STDOUT_FILENO, encodeMessage(FrameType::Warning, w)))
            return 1;
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
        const std::vector<std::string> args =
            applyLimits(std::vector<std::string>(argv + 1, argv + argc));
        SliceOptions slice;
        io::ReadRequest req = parseRequest(args, slice);
        return readAndSend(std::move(req), slice);
    } catch (const UsageError& e) {
        return fail(e.message);
    } catch (const std::exception& e) {
        std::cerr << "rnnloss-reader: internal error: " << e.what() << "\n";
        return 1;
    }
}
