// readStats: the stats pass over a recording (statspass.h), on demand. The
// same opening phases as readRecording (every dataset found and checked, the
// optional additions, the slice), then the values slab by slab into the pass:
// the targets of every trial when the default response window is still to
// be found, then the slice's trials of the states and of outputs and targets.

#include "reader.h"

#include "reader_internal.h"

#include <algorithm>
#include <vector>

namespace rnnloss::io {

namespace {

using namespace detail;

constexpr std::size_t kStatsSlabBytes = std::size_t(16) << 20;

/// The trials of `d` in slabs of whole trials read in the precision `Real`:
/// fn(values, first trial, count) for each.
template <class Real, class Fn>
void forSlabs(const OpenDataset& d, const std::vector<std::int64_t>& trials, std::size_t slabBytes,
              Fn&& fn)
{
    std::vector<Real> buf;
    const std::int64_t k = slabTrials(d, slabBytes, sizeof(Real));
    const std::uint64_t perTrial =
        static_cast<std::uint64_t>(d.dims[1]) * static_cast<std::uint64_t>(d.dims[2]);
    for (const auto& [first, count] : slabsOf(trials, k)) {
        buf.resize(static_cast<std::size_t>(perTrial * static_cast<std::uint64_t>(count)));
        readTrialsInto(d, first, count, buf.data());
        fn(buf.data(), first, count);
    }
}

/// The datasets the pass reads; null when absent.
struct PassData
{
    const OpenDataset* st = nullptr;
    const OpenDataset* out = nullptr;
    const OpenDataset* tgt = nullptr;
    bool choices() const { return out && tgt; }
};

template <class Real>
void feedChoices(StatsPass& pass, const PassData& d, const Slice& slice, std::size_t slabBytes,
                 Progress& p)
{
    // Outputs and targets share the slab budget, read slab for slab.
    const std::int64_t k = std::min(slabTrials(*d.out, slabBytes / 2, sizeof(Real)),
                                    slabTrials(*d.tgt, slabBytes / 2, sizeof(Real)));
    const std::size_t perTrial = static_cast<std::size_t>(d.out->dims[1] * d.out->dims[2]);
    if (pass.needsTargets()) {
        std::vector<Real> y;
        for (std::int64_t b = 0; b < d.tgt->dims[0]; b += k) {
            const std::int64_t n = std::min(k, d.tgt->dims[0] - b);
            y.resize(perTrial * static_cast<std::size_t>(n));
            readTrialsInto(*d.tgt, b, n, y.data());
            pass.addTargets(y.data(), n);
            p.advance(y.size(), "targets");
        }
    }
    std::vector<Real> o, y;
    for (const auto& [first, count] : slabsOf(slice.trials, k)) {
        o.resize(perTrial * static_cast<std::size_t>(count));
        y.resize(o.size());
        readTrialsInto(*d.out, first, count, o.data());
        readTrialsInto(*d.tgt, first, count, y.data());
        pass.addChoices(o.data(), y.data(), first, count);
        p.advance(o.size() + y.size(), "outputs and targets");
    }
}

/// Every value the pass will read, for the progress fraction.
std::uint64_t valuesToRead(const PassData& d, const Slice& slice, bool allTargets)
{
    const auto trials = static_cast<std::uint64_t>(slice.trials.size());
    std::uint64_t total = 0;
    if (d.st)
        total += trials * static_cast<std::uint64_t>(d.st->dims[1] * d.st->dims[2]);
    if (d.choices()) {
        const auto perTrial = static_cast<std::uint64_t>(d.out->dims[1] * d.out->dims[2]);
        total += 2 * trials * perTrial;
        if (allTargets)
            total += static_cast<std::uint64_t>(d.tgt->dims[0]) * perTrial;
    }
    return total;
}

void feedPass(StatsPass& pass, const PassData& d, const Slice& slice, std::size_t slabBytes,
              Progress& p)
{
    if (d.st) {
        auto add = [&](const auto* values, std::int64_t first, std::int64_t count) {
            pass.addStates(values, first, count);
            p.advance(static_cast<std::uint64_t>(count * d.st->dims[1] * d.st->dims[2]), "states");
        };
        if (d.st->wide)
            forSlabs<double>(*d.st, slice.trials, slabBytes, add);
        else
            forSlabs<float>(*d.st, slice.trials, slabBytes, add);
    }
    if (d.choices() && (d.out->wide || d.tgt->wide))
        feedChoices<double>(pass, d, slice, slabBytes, p);
    else if (d.choices())
        feedChoices<float>(pass, d, slice, slabBytes, p);
}

/// What the pass knows before reading values: the activation, the trial
/// values (refused when bad) and which datasets it gets.
PassInput passInput(const File& rec, const Summary& s, const PassData& d)
{
    PassInput in;
    ActivationRead a = activationAttribute(rec);
    in.activation = a.value;
    in.activationNote = std::move(a.note);
    in.trialValues = rec.trialValues(s.shape.batch);
    in.states = d.st != nullptr;
    in.nOut = d.choices() ? s.shape.nOut : 0;
    return in;
}

PassStats statsLocked(const ReadRequest& req, const StatsRequest& sreq, const ProgressFn& fn)
{
    if (req.recording.empty())
        throw ReadError("no recording given");
    Summary s;
    const File rec(req.recording, req.recordingImage);
    std::optional<File> wts;
    if (!req.weights.empty())
        wts.emplace(req.weights, std::span<const std::uint8_t>{});
    const std::vector<OpenDataset> open = openDatasets(&rec, wts ? &*wts : nullptr, rec.name(), s);
    agreeShape(open, rec.name(), s);
    readAttributes(rec, s); // the labels a slice may name
    const PassData d{findDataset(open, Dataset::States), findDataset(open, Dataset::Outputs),
                     findDataset(open, Dataset::Targets)};
    PassInput in = passInput(rec, s, d);
    StatsPassConfig config;
    config.threads = req.reduce.threads;
    if (!sreq.responseWindow.empty()) {
        const WindowParse w = parseStepWindow(sreq.responseWindow, s.shape.time);
        if (!w.window)
            throw ReadError(rec.name() + ": " + w.error);
        config.responseWindow = w.window;
    }
    const Slice slice = resolveSlice(req, s, rec.name()).value_or(wholeSlice(s.shape));
    StatsPass pass(slice, std::move(in), config);
    Progress progress(fn, valuesToRead(d, slice, pass.needsTargets()));
    progress.advance(0, "opening");
    // The pass is bound by the covariance, not by the read: smaller slabs cost
    // no time and halve the reader's memory (docs/performance.md).
    feedPass(pass, d, slice, std::min(req.slabBytes, kStatsSlabBytes), progress);
    return pass.finish();
}

} // namespace

StatsResult readStats(const ReadRequest& request, const StatsRequest& stats,
                      const ProgressFn& progress)
{
    StatsResult result;
    result.error =
        guardedRead(request, [&] { result.stats = statsLocked(request, stats, progress); });
    return result;
}

} // namespace rnnloss::io
