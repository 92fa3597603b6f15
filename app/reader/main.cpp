// rnnloss-reader — the isolated reader process: the only program that links
// HDF5. ReaderProcess (common/readerprocess.h) starts it with an address-space
// limit and a watchdog; it parses one recording and streams progress frames and
// then one summary (or error) frame to stdout (engine/summarycodec.h); with
// --stats, one stats frame instead (engine/statscodec.h, the stats pass of
// engine/statspass.h, on demand).
// Not for people: `rnnloss` and `rnnloss-explorer` run it.

#include "cliargs.h"
#include "options.h"
#include "reader.h"
#include "statscodec.h"
#include "summarycodec.h"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
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

/// The request on the command line (the options ReaderProcess::run passes).
io::ReadRequest parseRequest(const std::vector<std::string>& a, SliceOptions& slice,
                             StatsMode& stats)
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
        else if (a[i] == "--stats")
            stats.on = true;
        else if (a[i] == "--response-window")
            stats.request.responseWindow = value(a, i);
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

/// The slice of the options, resolved when the reader knows the recording's shape and labels.
void withSlice(io::ReadRequest& req, const SliceOptions& slice)
{
    if (slice.any())
        req.slice = [&slice](const Summary& whole, std::string& error) {
            return resolveSlice(slice, whole, error);
        };
}

bool sendProgress(double fraction, const std::string& stage)
{
    return writeAll(STDOUT_FILENO, encodeProgress({fraction, stage}));
}

int readAndSend(io::ReadRequest req, const SliceOptions& slice)
{
    withSlice(req, slice);
    const auto result = io::readRecording(req, sendProgress);
    if (!result.summary) {
        writeAll(STDOUT_FILENO, encodeMessage(FrameType::Error, result.error));
        return 2;
    }
    return writeAll(STDOUT_FILENO, encodeSummaryFrame(*result.summary)) ? 0 : 1;
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

} // namespace

int main(int argc, char** argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        SliceOptions slice;
        StatsMode stats;
        io::ReadRequest req = parseRequest(args, slice, stats);
        if (stats.on)
            return statsAndSend(std::move(req), slice, stats.request);
        return readAndSend(std::move(req), slice);
    } catch (const UsageError& e) {
        return fail(e.message);
    } catch (const std::exception& e) {
        std::cerr << "rnnloss-reader: internal error: " << e.what() << "\n";
        return 1;
    }
}
