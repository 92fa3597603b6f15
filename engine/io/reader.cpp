// readRecording: the phases of a read, in order. Every dataset is found and
// validated before any value is read (reader_open.cpp, reader_layout.cpp);
// the optional additions come next (reader_labels.cpp), then the values
// (reader_read.cpp), unless the caller reads them straight from the file.

#include "reader.h"

#include "hdf5global.h"
#include "reader_internal.h"

#include <H5PLpublic.h>

#include <mutex>

namespace rnnloss::io {

namespace {

using namespace detail;

constexpr std::uint64_t kMaxSummaryBytes = std::uint64_t(2) << 30;

/// The datasets the reader reduces itself; null when absent or left to the
/// caller. Outputs and targets are reduced together, or each only scanned.
struct ToReduce
{
    const OpenDataset* st = nullptr;
    const OpenDataset* out = nullptr;
    const OpenDataset* tgt = nullptr;
    const OpenDataset* outPair() const { return out && tgt ? out : nullptr; }
    const OpenDataset* tgtPair() const { return out && tgt ? tgt : nullptr; }
};

/// Warns of outputs without targets and the reverse: L_mse needs both.
void warnUnpaired(const ToReduce& d, const std::string& mainFile, Summary& s)
{
    if (d.out && !d.tgt)
        s.warnings.push_back(mainFile + ": has 'outputs' but no 'targets'; L_mse is unavailable");
    if (d.tgt && !d.out)
        s.warnings.push_back(mainFile + ": has 'targets' but no 'outputs'; L_mse is unavailable");
}

/// The summary is O(B*N + T*N); refuse before allocating one that cannot fit.
void checkSummarySize(const OpenDataset& st, const Slice& all, const ReadRequest& req)
{
    const double trials = double(all.trials.size()), steps = double(all.steps.size());
    const double neurons = double(all.neurons.size());
    const double summaryBytes =
        8.0 * (3.0 * trials + 2.0 * steps + double(req.reduce.histogramBins) + 8.0) * neurons;
    if (summaryBytes > double(kMaxSummaryBytes))
        throw ReadError(st.file + ": " + st.label() + " is " + formatDims(st.dims) +
                        ": its summary would need " +
                        std::to_string(static_cast<long long>(summaryBytes / (1 << 20))) +
                        " MiB, more than the " + std::to_string(kMaxSummaryBytes >> 20) +
                        " MiB the reader allows");
}

/// When the request allows and the file permits, leaves the states and
/// outputs with targets to the caller: their raw layout goes into the
/// summary instead of their sums, and the slice with them.
void leaveToCaller(const ReadRequest& req, const std::optional<File>& rec, ToReduce& d,
                   std::optional<Slice>& slice, Summary& s)
{
    if (!req.rawLayout || !rec || !rec->onDisk())
        return;
    auto layout = directLayout(*rec, d.st, d.outPair(), d.tgtPair());
    if (!layout)
        return;
    for (const RawDataset& r : layout->datasets)
        s.info(r.which).present = false;
    s.layout = std::move(layout);
    slice.reset(); // the caller cuts the slice out of what it reads
    d.st = nullptr;
    if (d.out && d.tgt)
        d.out = d.tgt = nullptr;
}

/// Reduces what is left to the reader, and counts the non-finite values of
/// what no reduction counts (a lone output or target, the inputs).
void reduceValues(const ReadRequest& req, const std::vector<OpenDataset>& open, const ToReduce& d,
                  const std::optional<Slice>& slice, const Slice& all, Progress& progress,
                  Summary& s)
{
    if (slice) {
        reduceSlice(*slice, d.st, d.outPair(), d.tgtPair(), req, progress, s);
    } else {
        if (d.st)
            reduceWholeStates(*d.st, all.trials, req, progress, s);
        if (d.out && d.tgt)
            reduceWholeErrors(*d.out, *d.tgt, all.trials, req, progress, s);
    }
    if (!(d.out && d.tgt)) {
        for (const OpenDataset* o : {d.out, d.tgt})
            if (o)
                s.info(o->which).nonFinite = scanNonFinite(*o, req.slabBytes, progress);
    }
    if (const OpenDataset* in = findDataset(open, Dataset::Inputs))
        s.info(Dataset::Inputs).nonFinite = scanNonFinite(*in, req.slabBytes, progress);
}

void warnNonFinite(const std::vector<OpenDataset>& open, Summary& s)
{
    for (const auto& o : open) {
        const auto bad = s.info(o.which).nonFinite;
        if (bad)
            s.warnings.push_back(o.file + ": " + o.label() + " holds " + std::to_string(bad) +
                                 " non-finite value(s) (NaN or Inf); terms that use it are "
                                 "undefined");
    }
}

ReadResult readLocked(const ReadRequest& req, const ProgressFn& progressFn)
{
    Summary s;
    std::optional<File> rec, wts;
    if (!req.recording.empty())
        rec.emplace(req.recording, req.recordingImage);
    if (!req.weights.empty())
        wts.emplace(req.weights, std::span<const std::uint8_t>{});
    if (!rec && !wts)
        throw ReadError("no file given");
    const std::string mainFile = rec ? rec->name() : wts->name();

    const std::vector<OpenDataset> open =
        openDatasets(rec ? &*rec : nullptr, wts ? &*wts : nullptr, mainFile, s);
    agreeShape(open, mainFile, s);
    ToReduce d{findDataset(open, Dataset::States), findDataset(open, Dataset::Outputs),
               findDataset(open, Dataset::Targets)};
    warnUnpaired(d, mainFile, s);
    if (rec) {
        readAttributes(*rec, s);
        rec->trialValues(s.shape.batch); // refused when bad, like every dataset
    }
    std::vector<std::string> weightsWarnings;
    if (rec && wts)
        weightsWarnings = weightsMismatches(*rec, *wts);

    std::uint64_t total = 0;
    for (const auto& o : open)
        total += checkedProduct(o.dims, 1, o.label());
    Progress progress(progressFn, total);
    progress.advance(0, "opening");
    readWeights(open, s, progress);

    std::optional<Slice> slice = resolveSlice(req, s, mainFile);
    const Slice all = slice ? *slice : wholeSlice(s.shape);
    if (d.st)
        checkSummarySize(*d.st, all, req);
    leaveToCaller(req, rec, d, slice, s);
    reduceValues(req, open, d, slice, all, progress, s);
    warnNonFinite(open, s);
    ReadResult result;
    result.summary = std::move(s);
    result.weightsWarnings = std::move(weightsWarnings);
    return result;
}

} // namespace

ReadResult readRecording(const ReadRequest& request, const ProgressFn& progress)
{
    ReadResult result;
    std::string error = guardedRead(request, [&] { result = readLocked(request, progress); });
    if (!error.empty())
        result.error = std::move(error);
    return result;
}

std::string detail::guardedRead(const ReadRequest& request, const std::function<void()>& read)
{
    const auto lock = hdf5Lock();
    const std::string& name = request.recording.empty() ? request.weights : request.recording;
    std::string error;
    try {
        read();
    } catch (const ReadError& e) {
        error = e.what();
    } catch (const Cancelled&) {
        error = name + ": reading cancelled";
    } catch (const std::bad_alloc&) {
        error = name + ": out of memory while reading";
    }
    H5Eclear2(H5E_DEFAULT);
    return error;
}

std::optional<Slice> detail::resolveSlice(const ReadRequest& req, const Summary& s,
                                          const std::string& mainFile)
{
    if (!req.slice)
        return std::nullopt;
    std::string why;
    std::optional<Slice> slice = req.slice(s, why);
    if (slice && why.empty() && slice->whole != s.shape)
        why = "the selection was made for another shape";
    if (slice && why.empty())
        why = checkSlice(*slice);
    if (!why.empty())
        throw ReadError(mainFile + ": " + why);
    return slice;
}

std::unique_lock<std::mutex> detail::hdf5Lock()
{
    static std::mutex m;
    std::unique_lock lock(m);
    static const bool initialised = [] {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); // errors come back as values, not prints
        H5PLset_loading_state(0);                    // never load filter plugins from disk
        return true;
    }();
    (void)initialised;
    return lock;
}

std::string hdf5Version()
{
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    return std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel);
}

} // namespace rnnloss::io
