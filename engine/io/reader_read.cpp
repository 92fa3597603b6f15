// Reading the values: slab by slab through HDF5, reduced into the summary as
// they come (states, outputs with targets, a slice of them), the weights
// whole, and non-finite values counted where no reduction counts them.

#include "reader_internal.h"

#include <array>
#include <cmath>
#include <future>
#include <utility>

namespace rnnloss::io::detail {

namespace {

constexpr std::uint64_t kMaxWeightValues = std::uint64_t(1) << 26; // 64 Mi values, 256 MiB as float

template <class Real>
void readInto(const OpenDataset& d, std::int64_t first, std::int64_t count, Real* out)
{
    const int rank = static_cast<int>(d.dims.size());
    hsize_t start[3] = {static_cast<hsize_t>(first), 0, 0};
    hsize_t extent[3] = {static_cast<hsize_t>(count), 0, 0};
    for (int i = 1; i < rank; ++i)
        extent[i] = static_cast<hsize_t>(d.dims[i]);
    Handle fspace(H5Dget_space(d.dset.get()), H5Sclose);
    Handle mspace(H5Screate_simple(rank, extent, nullptr), H5Sclose);
    if (!fspace || !mspace ||
        H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, extent, nullptr) < 0 ||
        H5Dread(d.dset.get(), std::is_same_v<Real, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT,
                mspace.get(), fspace.get(), H5P_DEFAULT, out) < 0)
        throw ReadError(d.file + ": cannot read " + d.label() + ": " + hdf5Detail());
}

template <class Real>
void readSlab(const OpenDataset& d, std::int64_t first, std::int64_t count, std::vector<Real>& buf)
{
    std::uint64_t n = static_cast<std::uint64_t>(count);
    for (std::size_t i = 1; i < d.dims.size(); ++i)
        n *= static_cast<std::uint64_t>(d.dims[i]);
    buf.resize(n);
    readInto(d, first, count, buf.data());
}

/// Reads and reduces the states in a pipeline of two slab buffers of half the
/// slab budget each: while `sink` reduces one slab (on its own threads), this
/// thread reads the next with HDF5, so the whole takes about as long as the
/// slower of the two rather than their sum. HDF5 stays on this thread.
template <class Real, class Sink>
void reduceStates(const OpenDataset& d, const std::vector<std::int64_t>& trials, Sink&& sink,
                  std::size_t slabBytes, Progress& p)
{
    const std::int64_t k = slabTrials(d, std::max<std::size_t>(1, slabBytes / 2), sizeof(Real));
    const auto slabs = slabsOf(trials, k);
    if (slabs.empty())
        return;
    std::vector<Real> cur, next;
    readSlab(d, slabs[0].first, slabs[0].second, cur);
    for (std::size_t i = 0; i < slabs.size(); ++i) {
        const auto [b, n] = slabs[i];
        // Declared after the buffers: if reading throws, the future's
        // destructor waits for the reduction before `cur` goes away.
        std::future<void> reduced =
            std::async(std::launch::async, [&sink, &cur, b = b, n = n] { sink(cur.data(), b, n); });
        if (i + 1 < slabs.size())
            readSlab(d, slabs[i + 1].first, slabs[i + 1].second, next);
        reduced.get(); // rethrows what the reduction threw
        p.advance(cur.size(), "states");
        std::swap(cur, next);
    }
}

template <class Real, class Sink>
void reduceError(const OpenDataset& o, const OpenDataset& y,
                 const std::vector<std::int64_t>& trials, Sink&& sink, std::size_t slabBytes,
                 Progress& p)
{
    const std::int64_t k = std::min(slabTrials(o, slabBytes / 2, sizeof(Real)),
                                    slabTrials(y, slabBytes / 2, sizeof(Real)));
    std::vector<Real> bo, by;
    for (const auto& [b, n] : slabsOf(trials, k)) {
        readSlab(o, b, n, bo);
        readSlab(y, b, n, by);
        sink(bo.data(), by.data(), b, n);
        p.advance(bo.size() + by.size(), "outputs and targets");
    }
}

/// The states of `trials` into `sink(values, firstTrial, count)`, read in
/// their stored precision.
template <class Sink>
void reduceStatesAs(const OpenDataset& st, const std::vector<std::int64_t>& trials, Sink&& sink,
                    std::size_t slabBytes, Progress& p)
{
    if (st.wide)
        reduceStates<double>(st, trials, sink, slabBytes, p);
    else
        reduceStates<float>(st, trials, sink, slabBytes, p);
}

/// Outputs and targets of `trials` into `sink(o, y, firstTrial, count)`, as
/// double when either is stored so.
template <class Sink>
void reduceErrorAs(const OpenDataset& out, const OpenDataset& tgt,
                   const std::vector<std::int64_t>& trials, Sink&& sink, std::size_t slabBytes,
                   Progress& p)
{
    if (out.wide || tgt.wide)
        reduceError<double>(out, tgt, trials, sink, slabBytes, p);
    else
        reduceError<float>(out, tgt, trials, sink, slabBytes, p);
}

} // namespace

std::int64_t slabTrials(const OpenDataset& d, std::size_t slabBytes, std::size_t bytesPerValue)
{
    const std::uint64_t perTrial = static_cast<std::uint64_t>(d.dims[1]) *
                                   static_cast<std::uint64_t>(d.dims[2]) * bytesPerValue;
    const std::uint64_t cap = std::max<std::uint64_t>(slabBytes, perTrial);
    if (perTrial > (std::uint64_t(1) << 30) && perTrial > slabBytes)
        throw ReadError(d.file + ": dataset '" + d.path + "': one trial is " +
                        std::to_string(perTrial >> 20) +
                        " MiB, more than the reader holds in memory at once");
    std::int64_t k = static_cast<std::int64_t>(cap / perTrial);
    if (!d.chunk.empty() && d.chunk[0] <= k)
        k -= k % d.chunk[0];
    return std::clamp<std::int64_t>(k, 1, d.dims[0]);
}

void readTrialsInto(const OpenDataset& d, std::int64_t first, std::int64_t count, double* out)
{
    readInto(d, first, count, out);
}

void readTrialsInto(const OpenDataset& d, std::int64_t first, std::int64_t count, float* out)
{
    readInto(d, first, count, out);
}

std::vector<std::pair<std::int64_t, std::int64_t>> slabsOf(const std::vector<std::int64_t>& trials,
                                                           std::int64_t k)
{
    std::vector<std::pair<std::int64_t, std::int64_t>> slabs;
    for (std::size_t i = 0; i < trials.size();) {
        std::size_t j = i + 1;
        while (j < trials.size() && trials[j] == trials[j - 1] + 1 &&
               static_cast<std::int64_t>(j - i) < k)
            ++j;
        slabs.emplace_back(trials[i], static_cast<std::int64_t>(j - i));
        i = j;
    }
    return slabs;
}

std::int64_t scanNonFinite(const OpenDataset& d, std::size_t slabBytes, Progress& p)
{
    std::vector<double> buf;
    std::int64_t bad = 0;
    const std::int64_t k = slabTrials(d, slabBytes, sizeof(double));
    for (std::int64_t b = 0; b < d.dims[0]; b += k) {
        const std::int64_t n = std::min(k, d.dims[0] - b);
        readSlab(d, b, n, buf);
        bad += countNonFinite(buf.data(), static_cast<std::int64_t>(buf.size()));
        p.advance(buf.size(), "inputs");
    }
    return bad;
}

std::vector<double> readWeightValues(const OpenDataset& d)
{
    const std::uint64_t n = checkedProduct(d.dims, 1, d.label());
    if (n > kMaxWeightValues)
        throw ReadError(d.file + ": " + d.label() + " is " + formatDims(d.dims) +
                        ", more than the " + std::to_string(kMaxWeightValues) +
                        " values a weight matrix may have here");
    std::vector<double> buf;
    readSlab(d, 0, d.dims[0], buf);
    return buf;
}

void readWeights(const std::vector<OpenDataset>& open, Summary& s, Progress& progress)
{
    const std::array<Dataset, 3> wsets = {Dataset::WeightsIn, Dataset::WeightsHid,
                                          Dataset::WeightsOut};
    for (int i = 0; i < 3; ++i) {
        const OpenDataset* o = findDataset(open, wsets[i]);
        if (!o)
            continue;
        const std::vector<double> buf = readWeightValues(*o);
        const std::uint64_t n = buf.size();
        const std::int64_t bad = countNonFinite(buf.data(), static_cast<std::int64_t>(n));
        s.info(wsets[i]).nonFinite = bad;
        double norm = 0.0;
        for (double v : buf)
            norm += v * v;
        s.weightNormSq[i] = norm;
        s.weights[i] =
            Eigen::Map<
                const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                buf.data(), o->dims[0], o->dims[1])
                .cast<float>();
        progress.advance(n, "weights");
    }
}

void reduceSlice(const Slice& slice, const OpenDataset* st, const OpenDataset* out,
                 const OpenDataset* tgt, const ReadRequest& req, Progress& progress, Summary& s)
{
    SliceReducer r(slice, st != nullptr, out != nullptr, req.reduce);
    if (st) {
        auto sink = [&r](const auto* data, std::int64_t b, std::int64_t n) {
            r.addStates(data, b, n);
        };
        reduceStatesAs(*st, slice.trials, sink, req.slabBytes, progress);
    }
    if (out) {
        auto sink = [&r](const auto* o, const auto* y, std::int64_t b, std::int64_t n) {
            r.addErrors(o, y, b, n);
        };
        reduceErrorAs(*out, *tgt, slice.trials, sink, req.slabBytes, progress);
    }
    r.finish(s);
}

void reduceWholeStates(const OpenDataset& st, const std::vector<std::int64_t>& trials,
                       const ReadRequest& req, Progress& progress, Summary& s)
{
    StatesReducer r(s.shape.batch, s.shape.time, s.shape.nHid, req.reduce);
    auto sink = [&r](const auto* data, std::int64_t b, std::int64_t n) { r.addTrials(data, b, n); };
    reduceStatesAs(st, trials, sink, req.slabBytes, progress);
    r.finish(s);
    std::int64_t bad = 0;
    for (auto v : s.neuronNonFinite)
        bad += v;
    s.info(Dataset::States).nonFinite = bad;
}

void reduceWholeErrors(const OpenDataset& out, const OpenDataset& tgt,
                       const std::vector<std::int64_t>& trials, const ReadRequest& req,
                       Progress& progress, Summary& s)
{
    ErrorReducer r(s.shape.batch, s.shape.time, s.shape.nOut);
    auto sink = [&r](const auto* o, const auto* y, std::int64_t b, std::int64_t n) {
        r.addTrials(o, y, b, n);
    };
    reduceErrorAs(out, tgt, trials, sink, req.slabBytes, progress);
    r.finish(s);
    // Non-finite outputs or targets make every squared error non-finite; count them exactly.
    std::int64_t badSum = 0;
    for (double v : s.sqErrPerTrial)
        badSum += !std::isfinite(v);
    if (badSum) {
        s.info(Dataset::Outputs).nonFinite = scanNonFinite(out, req.slabBytes, progress);
        s.info(Dataset::Targets).nonFinite = scanNonFinite(tgt, req.slabBytes, progress);
    }
}

} // namespace rnnloss::io::detail
