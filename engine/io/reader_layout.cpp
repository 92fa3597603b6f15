// Where a recording's datasets are and how they fit together: which paths
// hold them, the dimensions they must agree on, and whether the caller can
// read them straight from the file (their raw layout).

#include "reader_internal.h"

#include "rawlayout.h"

#include <array>

namespace rnnloss::io::detail {

namespace {

struct Candidate
{
    Dataset which;
    std::vector<std::string> paths;
    int rank;
};

const std::array<Candidate, kDatasetCount>& candidates()
{
    static const std::array<Candidate, kDatasetCount> c = {{
        {Dataset::Outputs, {"outputs"}, 3},
        {Dataset::Targets, {"targets"}, 3},
        {Dataset::States, {"states"}, 3},
        {Dataset::Inputs, {"inputs"}, 3},
        {Dataset::WeightsIn, {"weights/input", "recurrent_layer.input_layer.weight"}, 2},
        {Dataset::WeightsHid, {"weights/hidden", "recurrent_layer.hidden_layer.weight"}, 2},
        {Dataset::WeightsOut, {"weights/readout", "readout_layer.weight"}, 2},
    }};
    return c;
}

bool isWeight(Dataset d)
{
    return d == Dataset::WeightsIn || d == Dataset::WeightsHid || d == Dataset::WeightsOut;
}

/// One of the five dimensions, with the dataset that fixed it first.
struct Dim
{
    const char* name;
    std::int64_t value = 0;
    const OpenDataset* from = nullptr;
};

std::string describe(const OpenDataset& d, const std::string& mainFile)
{
    std::string s = "'" + d.path + "'";
    if (d.file != mainFile)
        s += " in " + d.file;
    return s + " is " + formatDims(d.dims);
}

void agree(Dim& dim, const OpenDataset& d, int axis, const std::string& mainFile)
{
    const std::int64_t v = d.dims[axis];
    if (!dim.from) {
        dim.value = v;
        dim.from = &d;
        return;
    }
    if (dim.value != v) {
        // Both axes of weights/hidden carry N_hid: when the matrix itself fixed
        // the value, name it once and say what is wrong with it.
        if (dim.from == &d)
            throw ReadError(d.file + ": dataset '" + d.path + "' is " + formatDims(d.dims) +
                            ", not square: both axes are " + dim.name + " and must agree");
        std::string first = describe(*dim.from, mainFile);
        throw ReadError(dim.from->file + ": dataset " + first + " but " + describe(d, mainFile) +
                        ": " + dim.name + " must agree");
    }
}

/// The extents of a dataset stored in unfiltered chunks of whole trials;
/// false when a chunk is anything else or HDF5 cannot say where it is (the
/// data then go to the usual read).
bool chunkExtents(const OpenDataset& d, std::uint64_t perTrial, RawDataset& r)
{
    if (d.chunk.size() != 3 || d.chunk[1] != r.time || d.chunk[2] != r.width)
        return false;
    Handle space(H5Dget_space(d.dset.get()), H5Sclose);
    hsize_t count = 0;
    if (!space || H5Dget_num_chunks(d.dset.get(), space.get(), &count) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return false;
    }
    for (hsize_t i = 0; i < count; ++i) {
        hsize_t coords[3] = {0, 0, 0};
        unsigned mask = 0;
        haddr_t addr = HADDR_UNDEF;
        hsize_t size = 0;
        if (H5Dget_chunk_info(d.dset.get(), space.get(), i, coords, &mask, &addr, &size) < 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        const std::int64_t first = static_cast<std::int64_t>(coords[0]);
        if (mask != 0 || addr == HADDR_UNDEF || coords[1] != 0 || coords[2] != 0 || first < 0 ||
            first >= r.batch || size != perTrial * static_cast<std::uint64_t>(d.chunk[0]))
            return false;
        const std::int64_t trials = std::min(d.chunk[0], r.batch - first);
        r.extents.push_back({addr, perTrial * static_cast<std::uint64_t>(trials), first, trials});
    }
    std::sort(r.extents.begin(), r.extents.end(),
              [](const RawExtent& a, const RawExtent& b) { return a.firstTrial < b.firstTrial; });
    return true;
}

/// The extents of `d` in its file when its values can be read there directly:
/// stored contiguous, or in unfiltered chunks that each hold whole trials
/// (chunk shape (k, T, N)), of 4- or 8-byte floats. Anything else (filters,
/// chunks that cut trials, compact storage, half precision): std::nullopt.
std::optional<RawDataset> rawLayoutOf(const OpenDataset& d, std::uint64_t fileSize)
{
    if (d.filtered || (d.elementSize != 4 && d.elementSize != 8))
        return std::nullopt;
    RawDataset r;
    r.which = d.which;
    r.elementSize = static_cast<int>(d.elementSize);
    r.bigEndian = d.bigEndian;
    r.batch = d.dims[0];
    r.time = d.dims[1];
    r.width = d.dims[2];
    const std::uint64_t perTrial =
        static_cast<std::uint64_t>(r.time * r.width) * d.elementSize; // bounded by open()
    if (d.layout == H5D_CONTIGUOUS) {
        const haddr_t offset = H5Dget_offset(d.dset.get());
        if (offset == HADDR_UNDEF)
            return std::nullopt;
        r.extents.push_back({offset, perTrial * static_cast<std::uint64_t>(r.batch), 0, r.batch});
    } else if (d.layout != H5D_CHUNKED || !chunkExtents(d, perTrial, r)) {
        return std::nullopt;
    }
    // What the caller will check again: whole trials, each once, inside the file.
    RawLayout probe;
    probe.fileSize = fileSize;
    probe.datasets.push_back(r);
    Shape shape;
    shape.batch = r.batch;
    shape.time = r.time;
    (d.which == Dataset::States ? shape.nHid : shape.nOut) = r.width;
    if (!checkLayout(probe, shape).empty())
        return std::nullopt;
    return r;
}

} // namespace

std::vector<OpenDataset> openDatasets(const File* rec, const File* wts, const std::string& mainFile,
                                      Summary& s)
{
    std::vector<OpenDataset> open;
    open.reserve(kDatasetCount);
    for (const Candidate& c : candidates()) {
        const File* f = isWeight(c.which) && wts ? wts : rec;
        DatasetInfo& info = s.info(c.which);
        if (!f) {
            info.path = "/" + c.paths[0];
            continue;
        }
        info.file = f->name();
        for (const std::string& path : c.paths) {
            if (f->exists(path)) {
                open.push_back(f->open(c.which, path, c.rank));
                info.present = true;
                info.path = "/" + path;
                info.dims = open.back().dims;
                break;
            }
        }
        if (!info.present) {
            info.path.clear();
            for (const std::string& path : c.paths)
                info.path += (info.path.empty() ? "/" : " or /") + path;
        }
    }
    if (open.empty())
        throw ReadError(mainFile +
                        ": holds none of the datasets of a recording (outputs, targets, "
                        "states, inputs, weights/...); see recording-format.md (docs/ in "
                        "the source, /usr/share/doc/rnnloss-explorer/ when installed)");
    return open;
}

const OpenDataset* findDataset(const std::vector<OpenDataset>& open, Dataset which)
{
    for (const auto& o : open)
        if (o.which == which)
            return &o;
    return nullptr;
}

void agreeShape(const std::vector<OpenDataset>& open, const std::string& mainFile, Summary& s)
{
    Dim B{"B (trials)"}, T{"T (time steps)"}, nIn{"N_in"}, nHid{"N_hid"}, nOut{"N_out"};
    auto find = [&](Dataset d) { return findDataset(open, d); };
    for (Dataset d : {Dataset::Outputs, Dataset::Targets, Dataset::States, Dataset::Inputs})
        if (const OpenDataset* o = find(d)) {
            agree(B, *o, 0, mainFile);
            agree(T, *o, 1, mainFile);
        }
    if (const auto* o = find(Dataset::Outputs))
        agree(nOut, *o, 2, mainFile);
    if (const auto* o = find(Dataset::Targets))
        agree(nOut, *o, 2, mainFile);
    if (const auto* o = find(Dataset::States))
        agree(nHid, *o, 2, mainFile);
    if (const auto* o = find(Dataset::Inputs))
        agree(nIn, *o, 2, mainFile);
    if (const auto* o = find(Dataset::WeightsIn)) {
        agree(nHid, *o, 0, mainFile);
        agree(nIn, *o, 1, mainFile);
    }
    if (const auto* o = find(Dataset::WeightsHid)) {
        agree(nHid, *o, 0, mainFile);
        agree(nHid, *o, 1, mainFile);
    }
    if (const auto* o = find(Dataset::WeightsOut)) {
        agree(nOut, *o, 0, mainFile);
        agree(nHid, *o, 1, mainFile);
    }
    s.shape = {B.value, T.value, nIn.value, nHid.value, nOut.value};
}

std::optional<RawLayout> directLayout(const File& rec, const OpenDataset* st,
                                      const OpenDataset* out, const OpenDataset* tgt)
{
    RawLayout layout;
    layout.file = rec.name();
    layout.fileSize = rec.size();
    layout.mtimeSec = rec.mtimeSec();
    layout.mtimeNsec = rec.mtimeNsec();
    for (const OpenDataset* o : {st, out, tgt}) {
        if (!o)
            continue;
        auto r = rawLayoutOf(*o, rec.size());
        if (o->file != rec.name() || !r)
            return std::nullopt;
        layout.datasets.push_back(std::move(*r));
    }
    if (layout.datasets.empty())
        return std::nullopt;
    return layout;
}

} // namespace rnnloss::io::detail
