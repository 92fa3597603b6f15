#include "rawread.h"

#include "rawlayout.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <stdexcept>
#include <sys/stat.h>
#include <thread>
#include <utility>
#include <unistd.h>

namespace rnnloss::io {

namespace {

struct RawError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

class FileDescriptor
{
public:
    explicit FileDescriptor(int fd) : m_fd(fd) {}
    FileDescriptor(FileDescriptor&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    int get() const { return m_fd; }

private:
    int m_fd;
};

/// A buffer of `Real` that only grows, left uninitialised (pread fills it).
template <class Real> class Buffer
{
public:
    Real* get(std::size_t n)
    {
        if (n > m_size) {
            m_data.reset(new Real[n]);
            m_size = n;
        }
        return m_data.get();
    }

private:
    std::unique_ptr<Real[]> m_data;
    std::size_t m_size = 0;
};

template <class Real> void toNativeOrder(Real* v, std::size_t n)
{
    using Bits = std::conditional_t<sizeof(Real) == 4, std::uint32_t, std::uint64_t>;
    for (std::size_t i = 0; i < n; ++i) {
        Bits b;
        std::memcpy(&b, v + i, sizeof b);
        b = sizeof(Real) == 4 ? Bits(__builtin_bswap32(static_cast<std::uint32_t>(b)))
                              : Bits(__builtin_bswap64(static_cast<std::uint64_t>(b)));
        std::memcpy(v + i, &b, sizeof b);
    }
}

/// Trials [b, b + n) of `d`, read with pread from its extents into `out`
/// (which holds n x T x width values of d's element type), in native order.
void readTrials(int fd, const std::string& file, const RawDataset& d, std::int64_t b,
                std::int64_t n, void* out)
{
    const std::uint64_t perTrial = static_cast<std::uint64_t>(d.time) *
                                   static_cast<std::uint64_t>(d.width) *
                                   static_cast<std::uint64_t>(d.elementSize);
    auto* dst = static_cast<unsigned char*>(out);
    auto e = std::upper_bound(d.extents.begin(), d.extents.end(), b,
                              [](std::int64_t v, const RawExtent& x) { return v < x.firstTrial; });
    --e; // checkLayout: the extents start at trial 0 and cover every trial
    for (std::int64_t t = b; t < b + n; ++e) {
        const std::int64_t k = std::min(b + n, e->firstTrial + e->trials) - t;
        std::uint64_t at = e->offset + static_cast<std::uint64_t>(t - e->firstTrial) * perTrial;
        std::uint64_t left = static_cast<std::uint64_t>(k) * perTrial;
        while (left > 0) {
            const ssize_t got =
                ::pread(fd, dst, std::min<std::uint64_t>(left, 1u << 30), static_cast<off_t>(at));
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                throw RawError(file + ": " +
                               (got == 0 ? std::string("ended early while being read (changed "
                                                       "since it was opened?); read it again")
                                         : std::string("cannot read: ") + std::strerror(errno)));
            dst += got;
            at += static_cast<std::uint64_t>(got);
            left -= static_cast<std::uint64_t>(got);
        }
        t += k;
    }
    if (d.bigEndian) {
        const std::size_t values = static_cast<std::size_t>(n) * perTrial / d.elementSize;
        if (d.elementSize == 4)
            toNativeOrder(static_cast<float*>(out), values);
        else
            toNativeOrder(static_cast<double*>(out), values);
    }
}

/// Outputs or targets as double, whatever their stored type.
const double* readAsDouble(int fd, const std::string& file, const RawDataset& d, std::int64_t b,
                           std::int64_t n, Buffer<float>& f, Buffer<double>& out)
{
    const std::size_t values = static_cast<std::size_t>(n * d.time * d.width);
    double* o = out.get(values);
    if (d.elementSize == 8) {
        readTrials(fd, file, d, b, n, o);
    } else {
        float* tmp = f.get(values);
        readTrials(fd, file, d, b, n, tmp);
        std::copy(tmp, tmp + values, o);
    }
    return o;
}

/// The layout's file, opened and checked to be the one the layout was made
/// of (same size and modification time); RawError otherwise.
FileDescriptor openUnchanged(const RawLayout& layout)
{
    const std::string& file = layout.file;
    FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
        throw RawError(file + ": cannot open: " + std::strerror(errno));
    struct stat now
    {
    };
    if (::fstat(fd.get(), &now) != 0)
        throw RawError(file + ": cannot inspect: " + std::strerror(errno));
    if (static_cast<std::uint64_t>(now.st_size) != layout.fileSize ||
        now.st_mtim.tv_sec != layout.mtimeSec || now.st_mtim.tv_nsec != layout.mtimeNsec)
        throw RawError(file + ": changed since it was read (its size or modification time "
                              "differs); read it again");
    return fd;
}

/// What one thread reduces: a run of trials (of the recording, or of a slice).
struct Part
{
    std::vector<std::int64_t> trials; ///< increasing
    std::optional<StatesReducer> states;
    std::optional<ErrorReducer> errors;
    std::optional<SliceReducer> slice;
    std::int64_t outputsNonFinite = 0, targetsNonFinite = 0;
    std::string error;
};

void reducePart(int fd, const std::string& file, const RawDataset* st, const RawDataset* out,
                const RawDataset* tgt, std::size_t blockBytes, const std::atomic<bool>* cancel,
                Part& p)
{
    Buffer<float> sf, of, tf;
    Buffer<double> sd, od, td;
    const std::int64_t first = p.trials.empty() ? 0 : p.trials.front();
    const std::uint64_t perTrial =
        st ? static_cast<std::uint64_t>(st->time * st->width * st->elementSize)
           : static_cast<std::uint64_t>(out->time * out->width * 8);
    const auto k = static_cast<std::int64_t>(std::max<std::uint64_t>(1, blockBytes / perTrial));
    for (std::size_t i = 0; i < p.trials.size();) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            throw RawError(file + ": cancelled");
        // A block: consecutive trials, at most k.
        std::size_t j = i + 1;
        while (j < p.trials.size() && p.trials[j] == p.trials[j - 1] + 1 &&
               static_cast<std::int64_t>(j - i) < k)
            ++j;
        const std::int64_t b = p.trials[i], n = static_cast<std::int64_t>(j - i);
        if (st) {
            const std::size_t values = static_cast<std::size_t>(n * st->time * st->width);
            if (st->elementSize == 4) {
                float* v = sf.get(values);
                readTrials(fd, file, *st, b, n, v);
                p.slice ? p.slice->addStates(v, b, n) : p.states->addTrials(v, b - first, n);
            } else {
                double* v = sd.get(values);
                readTrials(fd, file, *st, b, n, v);
                p.slice ? p.slice->addStates(v, b, n) : p.states->addTrials(v, b - first, n);
            }
        }
        if (out) {
            const double* o = readAsDouble(fd, file, *out, b, n, of, od);
            const double* y = readAsDouble(fd, file, *tgt, b, n, tf, td);
            if (p.slice) {
                p.slice->addErrors(o, y, b, n);
            } else {
                const auto values = n * out->time * out->width;
                p.outputsNonFinite += countNonFinite(o, values);
                p.targetsNonFinite += countNonFinite(y, values);
                p.errors->addTrials(o, y, b - first, n);
            }
        }
        i = j;
    }
}

/// What a raw read completes: the states, and outputs with targets (a lone
/// one is never left to the caller; the reader scans it itself).
struct RawSets
{
    const RawDataset* st = nullptr;
    const RawDataset* out = nullptr;
    const RawDataset* tgt = nullptr;
};

RawSets rawSets(const RawLayout& layout)
{
    RawSets d{layout.find(Dataset::States), layout.find(Dataset::Outputs),
              layout.find(Dataset::Targets)};
    if (!d.out || !d.tgt)
        d.out = d.tgt = nullptr;
    return d;
}

/// The trials of `all` cut into `threads` runs of about the same length, in
/// trial order, each with the reducers it fills; `starts` gets each run's
/// position in `all.trials`.
std::vector<Part> splitIntoParts(const Slice& all, bool sliced, const Shape& whole,
                                 const RawSets& d, const ReduceConfig& cfg, int threadsWanted,
                                 std::vector<std::int64_t>& starts)
{
    const auto B = static_cast<std::int64_t>(all.trials.size());
    const std::int64_t threads =
        std::clamp<std::int64_t>(threadsWanted, 1, std::max<std::int64_t>(1, B));
    std::vector<Part> parts(static_cast<std::size_t>(threads));
    for (std::int64_t i = 0; i < threads; ++i) {
        const std::int64_t a = B * i / threads, z = B * (i + 1) / threads;
        Part& p = parts[static_cast<std::size_t>(i)];
        p.trials.assign(all.trials.begin() + a, all.trials.begin() + z);
        starts.push_back(a);
        if (sliced) {
            Slice sub = all;
            sub.trials = p.trials;
            if (!sub.trials.empty())
                p.slice.emplace(std::move(sub), d.st != nullptr, d.out != nullptr, cfg);
        } else {
            if (d.st)
                p.states.emplace(z - a, whole.time, whole.nHid, cfg);
            if (d.out)
                p.errors.emplace(z - a, whole.time, whole.nOut);
        }
    }
    return parts;
}

/// Reduces every part on a thread of its own (the first on this one); the
/// first error in part order, or empty.
std::string runParts(std::vector<Part>& parts, int fd, const std::string& file, const RawSets& d,
                     const RawReadOptions& opt)
{
    auto run = [&](Part& p) {
        try {
            reducePart(fd, file, d.st, d.out, d.tgt, opt.blockBytes, opt.cancel, p);
        } catch (const RawError& e) {
            p.error = e.what();
        } catch (const std::bad_alloc&) {
            p.error = file + ": out of memory while reading";
        }
    };
    std::vector<std::thread> pool;
    for (std::size_t i = 1; i < parts.size(); ++i)
        pool.emplace_back(run, std::ref(parts[i]));
    run(parts[0]);
    for (auto& t : pool)
        t.join();
    for (const Part& p : parts)
        if (!p.error.empty())
            return p.error;
    return {};
}

/// The parts' reductions of the whole recording merged in trial order into `s`.
void mergeWholeParts(Summary& s, std::vector<Part>& parts, const std::vector<std::int64_t>& starts,
                     const Shape& whole, const RawSets& d, const ReduceConfig& cfg)
{
    if (d.st) {
        StatesReducer merged(whole.batch, whole.time, whole.nHid, cfg);
        for (std::size_t i = 0; i < parts.size(); ++i)
            merged.merge(std::move(*parts[i].states), starts[i]);
        merged.finish(s);
        std::int64_t bad = 0;
        for (auto v : s.neuronNonFinite)
            bad += v;
        s.info(Dataset::States).nonFinite = bad;
    }
    if (d.out) {
        ErrorReducer merged(whole.batch, whole.time, whole.nOut);
        std::int64_t badOut = 0, badTgt = 0;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            merged.merge(std::move(*parts[i].errors), starts[i]);
            badOut += parts[i].outputsNonFinite;
            badTgt += parts[i].targetsNonFinite;
        }
        merged.finish(s);
        s.info(Dataset::Outputs).nonFinite = badOut;
        s.info(Dataset::Targets).nonFinite = badTgt;
    }
}

/// The parts' reductions merged in trial order into `s`.
void mergeParts(Summary& s, std::vector<Part>& parts, const std::vector<std::int64_t>& starts,
                const Slice& all, bool sliced, const Shape& whole, const RawSets& d,
                const ReduceConfig& cfg)
{
    for (Dataset which : {Dataset::States, Dataset::Outputs, Dataset::Targets})
        if ((which == Dataset::States && d.st) || (which != Dataset::States && d.out))
            s.info(which).present = true;
    if (!sliced) {
        mergeWholeParts(s, parts, starts, whole, d, cfg);
        return;
    }
    SliceReducer merged(all, d.st != nullptr, d.out != nullptr, cfg);
    for (std::size_t i = 0; i < parts.size(); ++i)
        if (parts[i].slice)
            merged.merge(std::move(*parts[i].slice), starts[i]);
    merged.finish(s);
}

std::string completeLocked(Summary& s, const RawReadOptions& opt)
{
    const RawLayout& layout = *s.layout;
    const Shape whole = s.recordingShape();
    const std::string& file = layout.file;
    if (const std::string bad = checkLayout(layout, whole); !bad.empty())
        return file + ": " + bad;
    std::optional<FileDescriptor> opened;
    try {
        opened.emplace(openUnchanged(layout));
    } catch (const RawError& e) {
        return e.what();
    }
    const RawSets d = rawSets(layout);
    if (!d.st && !d.out)
        return {};

    ReduceConfig cfg = opt.reduce;
    cfg.threads = 1;
    const Slice all = opt.slice ? *opt.slice : wholeSlice(whole);
    if (opt.slice) {
        if (opt.slice->whole != whole)
            return file + ": the selection was made for another shape";
        if (const std::string bad = checkSlice(*opt.slice); !bad.empty())
            return file + ": " + bad;
    }
    const bool sliced = opt.slice.has_value();
    std::vector<std::int64_t> starts;
    std::vector<Part> parts = splitIntoParts(all, sliced, whole, d, cfg, opt.threads, starts);
    if (std::string error = runParts(parts, opened->get(), file, d, opt); !error.empty())
        return error;
    mergeParts(s, parts, starts, all, sliced, whole, d, cfg);
    return {};
}

} // namespace

std::vector<NeuronDetail> neuronsFromRaw(const Summary& s, const std::vector<std::int64_t>& neurons,
                                         const RawReadOptions& opt)
{
    std::vector<NeuronDetail> out(neurons.size());
    auto failAll = [&](const std::string& error) {
        for (NeuronDetail& d : out) {
            d = {};
            d.error = error;
        }
        return out;
    };
    if (!s.layout || !s.layout->find(Dataset::States))
        return failAll("neuronFromRaw: the summary has no raw layout of the states");
    if (neurons.empty())
        return out;
    const RawLayout& layout = *s.layout;
    const RawDataset& st = *layout.find(Dataset::States);
    const Shape whole = s.recordingShape();
    const std::string& file = layout.file;
    try {
        if (const std::string bad = checkLayout(layout, whole); !bad.empty())
            throw RawError(file + ": " + bad);
        const Slice sl = opt.slice ? *opt.slice : wholeSlice(whole);
        if (sl.whole != whole || !checkSlice(sl).empty())
            throw RawError(file + ": the selection does not fit the recording");
        for (std::int64_t neuron : neurons)
            if (neuron < 0 || neuron >= whole.nHid)
                throw RawError(file + ": neuron " + std::to_string(neuron) + " is out of range");
        const FileDescriptor fd = openUnchanged(layout);
        // The neurons' columns, a trial at a time, through the reducer of the
        // full pass (N = the neurons asked for; each neuron's sums are its own
        // lane): their per-time sums and histograms are the pass's.
        ReduceConfig cfg = opt.reduce;
        cfg.threads = 1;
        cfg.perTime = cfg.histograms = true;
        const auto T = static_cast<std::int64_t>(sl.steps.size());
        const auto K = static_cast<std::int64_t>(neurons.size());
        StatesReducer r(static_cast<std::int64_t>(sl.trials.size()), T, K, cfg);
        const auto values = static_cast<std::size_t>(st.time * st.width);
        Buffer<float> f;
        Buffer<double> d, columns;
        double* cols = columns.get(static_cast<std::size_t>(T * K));
        auto gather = [&](const auto* v) {
            for (std::int64_t k = 0; k < T; ++k) {
                const auto* row = v + sl.steps[std::size_t(k)] * st.width;
                for (std::int64_t j = 0; j < K; ++j)
                    cols[k * K + j] = static_cast<double>(row[neurons[std::size_t(j)]]);
            }
        };
        for (std::size_t i = 0; i < sl.trials.size(); ++i) {
            if (opt.cancel && opt.cancel->load(std::memory_order_relaxed))
                throw RawError(file + ": cancelled");
            if (st.elementSize == 4) {
                float* v = f.get(values);
                readTrials(fd.get(), file, st, sl.trials[i], 1, v);
                gather(v);
            } else {
                double* v = d.get(values);
                readTrials(fd.get(), file, st, sl.trials[i], 1, v);
                gather(v);
            }
            r.addTrials(cols, static_cast<std::int64_t>(i), 1);
        }
        Summary some;
        some.shape = {static_cast<std::int64_t>(sl.trials.size()), T, 0, K, 0};
        some.info(Dataset::States).present = true;
        r.finish(some);
        for (std::int64_t j = 0; j < K; ++j) {
            out[std::size_t(j)].psth = psth(some, j);
            out[std::size_t(j)].histogram = neuronRateHistogram(some, j);
        }
    } catch (const RawError& e) {
        return failAll(e.what());
    } catch (const std::bad_alloc&) {
        return failAll(file + ": out of memory while reading");
    }
    return out;
}

NeuronDetail neuronFromRaw(const Summary& s, std::int64_t neuron, const RawReadOptions& opt)
{
    return neuronsFromRaw(s, {neuron}, opt).front();
}

std::string addPerTimeFromRaw(Summary& s, const RawReadOptions& options)
{
    if (!s.layout || !s.layout->find(Dataset::States))
        return "addPerTimeFromRaw: the summary has no raw layout of the states";
    RawReadOptions o = options;
    o.reduce.perTime = true;
    o.reduce.histograms = false;
    if (s.slice)
        o.slice = *s.slice;
    return completeFromRaw(s, o);
}

RawReadOptions leanOptions()
{
    RawReadOptions o;
    o.threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 2u));
    o.reduce.perTime = false;
    o.reduce.histograms = false;
    return o;
}

std::string completeFromRaw(Summary& s, const RawReadOptions& options)
{
    if (!s.layout)
        return "completeFromRaw: the summary has no raw layout";
    try {
        std::string err = completeLocked(s, options);
        if (err.empty())
            for (Dataset d : {Dataset::Outputs, Dataset::Targets, Dataset::States})
                if (s.has(d) && s.info(d).nonFinite)
                    s.warnings.push_back(s.layout->file + ": dataset '" +
                                         std::string(datasetName(d)) + "' holds " +
                                         std::to_string(s.info(d).nonFinite) +
                                         " non-finite value(s) (NaN or Inf); terms that use it "
                                         "are undefined");
        return err;
    } catch (const std::bad_alloc&) {
        return s.layout->file + ": out of memory while reading";
    }
}

} // namespace rnnloss::io

// Appended apart from the rest of the file: the quantile band of a PSTH.
#include <cmath>
#include <limits>

namespace rnnloss::io {

namespace {

/// Quantile `p` of `v` (sorted, finite, not empty): linear interpolation
/// between the order statistics at (n - 1) p, as numpy.quantile's default.
double sortedQuantile(const std::vector<double>& v, double p)
{
    const double h = static_cast<double>(v.size() - 1) * p;
    const auto k = static_cast<std::size_t>(h);
    if (k + 1 >= v.size())
        return v.back();
    return v[k] + (h - static_cast<double>(k)) * (v[k + 1] - v[k]);
}

/// The neuron's state at each step of `sl` for each of its trials: T rows of B.
std::vector<std::vector<double>> neuronColumnsByStep(const Summary& s, std::int64_t neuron,
                                                     const Slice& sl, const RawReadOptions& opt)
{
    const RawLayout& layout = *s.layout;
    const RawDataset& st = *layout.find(Dataset::States);
    const std::string& file = layout.file;
    if (const std::string bad = checkLayout(layout, s.recordingShape()); !bad.empty())
        throw RawError(file + ": " + bad);
    if (sl.whole != s.recordingShape() || !checkSlice(sl).empty())
        throw RawError(file + ": the selection does not fit the recording");
    if (neuron < 0 || neuron >= sl.whole.nHid)
        throw RawError(file + ": neuron " + std::to_string(neuron) + " is out of range");
    const FileDescriptor fd = openUnchanged(layout);
    std::vector<std::vector<double>> byStep(sl.steps.size());
    for (auto& row : byStep)
        row.reserve(sl.trials.size());
    const auto values = static_cast<std::size_t>(st.time * st.width);
    Buffer<float> f;
    Buffer<double> d;
    auto gather = [&](const auto* v) {
        for (std::size_t k = 0; k < sl.steps.size(); ++k) {
            const double x = static_cast<double>(v[sl.steps[k] * st.width + neuron]);
            if (std::isfinite(x))
                byStep[k].push_back(x);
        }
    };
    for (std::int64_t b : sl.trials) {
        if (opt.cancel && opt.cancel->load(std::memory_order_relaxed))
            throw RawError(file + ": cancelled");
        if (st.elementSize == 4) {
            float* v = f.get(values);
            readTrials(fd.get(), file, st, b, 1, v);
            gather(v);
        } else {
            double* v = d.get(values);
            readTrials(fd.get(), file, st, b, 1, v);
            gather(v);
        }
    }
    return byStep;
}

} // namespace

NeuronQuantiles neuronQuantilesFromRaw(const Summary& s, std::int64_t neuron, double pLo,
                                       double pHi, const RawReadOptions& opt)
{
    NeuronQuantiles q;
    if (!s.layout || !s.layout->find(Dataset::States)) {
        q.error = "neuronQuantilesFromRaw: the summary has no raw layout of the states";
        return q;
    }
    try {
        const Slice sl = opt.slice ? *opt.slice : wholeSlice(s.recordingShape());
        std::vector<std::vector<double>> byStep = neuronColumnsByStep(s, neuron, sl, opt);
        const double nan = std::numeric_limits<double>::quiet_NaN();
        for (std::vector<double>& v : byStep) {
            std::sort(v.begin(), v.end());
            q.lo.push_back(v.empty() ? nan : sortedQuantile(v, std::clamp(pLo, 0.0, 1.0)));
            q.hi.push_back(v.empty() ? nan : sortedQuantile(v, std::clamp(pHi, 0.0, 1.0)));
        }
    } catch (const RawError& e) {
        q = {};
        q.error = e.what();
    } catch (const std::bad_alloc&) {
        q = {};
        q.error = s.layout->file + ": out of memory while reading";
    }
    return q;
}

} // namespace rnnloss::io
