#pragma once
// Internal to the reader (engine/io/reader*.cpp): what its files share. It
// includes hdf5.h, so it is never included outside those files; nothing here
// is part of rnnloss::io's interface. Every function here runs while the
// caller holds detail::hdf5Lock().

#include "network.h"
#include "reader.h"

#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace rnnloss::io::detail {

/// A file the reader refuses or cannot read; its message is the user's.
struct ReadError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/// Thrown when the progress callback asks to stop.
struct Cancelled
{
};

/// The innermost message of HDF5's error stack, then clears it.
std::string hdf5Detail();

/// "3x4" for a matrix, "(2,3,4)" otherwise.
std::string formatDims(const std::vector<std::int64_t>& d);

/// `factor` times the product of `dims`; ReadError naming `what` when a
/// dimension is 0 or the product overflows.
std::uint64_t checkedProduct(const std::vector<std::int64_t>& dims, std::uint64_t factor,
                             const std::string& what);

/// Owns an HDF5 identifier and closes it with the right function.
class Handle
{
public:
    using Closer = herr_t (*)(hid_t);
    Handle() = default;
    Handle(hid_t id, Closer close) : m_id(id), m_close(close) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& o) noexcept : m_id(o.m_id), m_close(o.m_close) { o.m_id = H5I_INVALID_HID; }
    Handle& operator=(Handle&& o) noexcept
    {
        if (this != &o) {
            reset();
            m_id = o.m_id;
            m_close = o.m_close;
            o.m_id = H5I_INVALID_HID;
        }
        return *this;
    }
    ~Handle() { reset(); }
    void reset()
    {
        if (m_id >= 0 && m_close)
            m_close(m_id);
        m_id = H5I_INVALID_HID;
    }
    hid_t get() const { return m_id; }
    explicit operator bool() const { return m_id >= 0; }

private:
    hid_t m_id = H5I_INVALID_HID;
    Closer m_close = nullptr;
};

/// One opened, validated dataset of a file.
struct OpenDataset
{
    Dataset which;
    std::string file; ///< as the user named it
    std::string path; ///< inside the file
    Handle dset;
    std::vector<std::int64_t> dims;
    std::vector<std::int64_t> chunk; ///< empty unless chunked
    bool wide = false;               ///< 64-bit floats: read as double, else as float
    std::size_t elementSize = 0;
    bool bigEndian = false;
    H5D_layout_t layout = H5D_LAYOUT_ERROR;
    bool filtered = false;
    std::string label() const { return "dataset '" + path + "'"; }
};

/// An HDF5 file opened read-only, with the checks that make it safe to read
/// (reader_open.cpp) and its optional attributes and label datasets
/// (reader_labels.cpp).
class File
{
public:
    /// Opens `name` from disk, or from `image` when that is not empty.
    File(std::string name, std::span<const std::uint8_t> image);

    [[noreturn]] void fail(const std::string& what) const;
    [[noreturn]] void refuse(const std::string& what) const;

    const std::string& name() const { return m_name; }
    std::uint64_t size() const { return m_size; }
    std::int64_t mtimeSec() const { return m_mtimeSec; }
    std::int64_t mtimeNsec() const { return m_mtimeNsec; }
    bool onDisk() const { return m_onDisk; }

    /// Follows `path` link by link; refuses anything but hard links. Returns
    /// false when some part of the path does not exist.
    bool exists(const std::string& path) const;

    /// Opens and validates the dataset at `path` (which exists) for `which`.
    OpenDataset open(Dataset which, const std::string& path, int rank) const;
    /// The same rules for an object of the network (a bias, the initial
    /// state; reader_network.cpp) of `minRank` to `maxRank` dimensions,
    /// which `axes` names in messages ("(N_hid)").
    OpenDataset openNetworkObject(const std::string& path, int minRank, int maxRank,
                                  const std::string& axes) const;

    /// Whether the root attribute `name` exists, whatever it holds.
    bool hasAttribute(const std::string& name) const;

    /// A root attribute holding one number; empty (with a warning) when it
    /// holds anything else.
    std::optional<double> numberAttribute(const std::string& name,
                                          std::vector<std::string>& warnings) const;
    /// A root attribute holding a lambda: a finite number >= 0.
    std::optional<double> attribute(const std::string& name,
                                    std::vector<std::string>& warnings) const;
    /// Whether the root attribute `name` exists and holds text.
    bool attributeIsText(const std::string& name) const;
    /// A root attribute holding one string (fixed or variable length), cut
    /// to `maxBytes`; empty (with a warning) when it holds anything else.
    std::optional<std::string> textAttribute(const std::string& name, std::size_t maxBytes,
                                             std::vector<std::string>& warnings) const;

    /// The optional 1-D dataset `name` of `expected` integers or strings
    /// (trial_labels, neuron_groups) as text, each cut to `maxBytes`. Empty
    /// when absent; empty with a warning when it is anything else: the
    /// datasets only add to a recording, so they never refuse it.
    std::vector<std::string> labelDataset(const std::string& name, std::int64_t expected,
                                          std::size_t maxBytes,
                                          std::vector<std::string>& warnings) const;

    /// The optional dataset `trial_values`: one finite number per trial of
    /// the `batch`, IEEE floating point, stored as every dataset must be.
    /// Empty when absent; anything else refuses the recording (ReadError
    /// naming the file and the dataset): the statistics it feeds would be wrong.
    std::vector<double> trialValues(std::int64_t batch) const;

private:
    // The phases of open(), each refusing what it finds wrong (the rule on
    // foreign storage serves labelDataset() too).
    OpenDataset openChecked(Dataset which, const std::string& path, int minRank, int maxRank,
                            const std::string& axes) const;
    Handle openDatasetObject(const std::string& path) const;
    void checkElementType(OpenDataset& od) const;
    Handle readShape(OpenDataset& od, int minRank, int maxRank, const std::string& axes) const;
    Handle checkStorage(OpenDataset& od) const;
    Handle refuseForeignStorage(const Handle& dset, const std::string& what) const;
    void checkWritten(OpenDataset& od, const Handle& dcpl, const Handle& space,
                      std::uint64_t bytes) const;
    void checkChunksWritten(OpenDataset& od, const Handle& dcpl, const Handle& space) const;

    /// The root attribute `name`, or an empty handle when the file has none.
    Handle openAttribute(const std::string& name) const;
    /// A root attribute and its type, when it holds one value of class
    /// `cls` (or `alt`); absent gives nothing, anything else a warning naming
    /// `what` it should have held.
    struct Scalar
    {
        Handle attr, type;
    };
    std::optional<Scalar> scalarAttribute(const std::string& name, H5T_class_t cls, H5T_class_t alt,
                                          const char* what,
                                          std::vector<std::string>& warnings) const;

    /// A memory type for variable-length strings in the character set of
    /// `stored`; fails with `failure` when HDF5 cannot make one.
    Handle variableStringType(const Handle& stored, const std::string& failure) const;

    // The phases of labelDataset().
    std::vector<std::string> readIntegerLabels(const Handle& dset, const std::string& name,
                                               hsize_t n) const;
    std::vector<std::string> readVariableLabels(const Handle& dset, const Handle& type,
                                                const Handle& space, const std::string& name,
                                                hsize_t n, std::size_t maxBytes) const;
    std::vector<std::string> readFixedLabels(const Handle& dset, const Handle& type,
                                             const std::string& name, hsize_t n,
                                             std::size_t maxBytes,
                                             std::vector<std::string>& warnings) const;

    std::string m_name;
    std::uint64_t m_size = 0;
    std::int64_t m_mtimeSec = 0, m_mtimeNsec = 0;
    bool m_onDisk = false;
    Handle m_file;
};

/// Reports the fraction read after each step; throws Cancelled when the
/// callback asks to stop.
class Progress
{
public:
    Progress(const ProgressFn& fn, std::uint64_t total)
        : m_fn(fn), m_total(std::max<std::uint64_t>(1, total))
    {
    }
    void advance(std::uint64_t done, const std::string& stage)
    {
        m_done += done;
        if (m_fn &&
            !m_fn(std::min(1.0, static_cast<double>(m_done) / static_cast<double>(m_total)), stage))
            throw Cancelled{};
    }

private:
    const ProgressFn& m_fn;
    std::uint64_t m_total;
    std::uint64_t m_done = 0;
};

// reader.cpp

/// Runs `read` under the HDF5 lock; returns the error of a refused, cancelled
/// or too large read ("<file>: <what>"), else empty. HDF5's error stack is
/// cleared after.
std::string guardedRead(const ReadRequest& request, const std::function<void()>& read);

/// The slice the request asks for, checked against the shape of `s` (the
/// whole recording's, with its labels); std::nullopt for the whole recording.
/// ReadError naming `mainFile` when it does not fit.
std::optional<Slice> resolveSlice(const ReadRequest& req, const Summary& s,
                                  const std::string& mainFile);

// reader_labels.cpp

/// A root attribute holding a duration (dt, tau): a number of milliseconds or
/// text such as "10 ms" or "0.01 s". One that holds neither text nor a single
/// number is absent, with a warning.
struct Duration
{
    bool present = false;
    std::optional<double> ms; ///< empty when present but not a duration
    std::string text;         ///< what it held, for messages
};
Duration durationAttribute(const File& f, const std::string& name,
                           std::vector<std::string>& warnings);
/// The recording's `activation` attribute: one of nn4n's names (relu, tanh,
/// sigmoid, retanh). Empty when it has none or it holds anything else, and
/// then `note` says which. Never refuses: only the statistics that need it
/// (the saturated fraction) go without.
struct ActivationRead
{
    std::optional<Activation> value;
    std::string note;
};
ActivationRead activationAttribute(const File& rec);

/// The recording's optional root attributes (training lambdas, loss
/// convention, label, step, epoch, dt) and its trial labels and neuron
/// groups; the shape must be known.
void readAttributes(const File& rec, Summary& s);
/// Where a weights file's step, epoch, label or checkpoint attribute differs
/// from its recording's (filechecks.h): weights of another checkpoint give the
/// terms of neither. One message each.
std::vector<std::string> weightsMismatches(const File& rec, const File& wts);

// reader_layout.cpp

/// Finds and validates every dataset of a recording (`rec`) and its weights
/// (`wts`, else `rec`) before anything is read; records in `s` where each was
/// looked for. ReadError when none is found.
std::vector<OpenDataset> openDatasets(const File* rec, const File* wts, const std::string& mainFile,
                                      Summary& s);

/// The dataset of `open` that is `which`, or null.
const OpenDataset* findDataset(const std::vector<OpenDataset>& open, Dataset which);

/// Sets `s.shape` from the datasets' dimensions, which must agree.
void agreeShape(const std::vector<OpenDataset>& open, const std::string& mainFile, Summary& s);

/// The raw layout of the given datasets (null ones skipped) when every one
/// of them can be read straight from `rec`; else std::nullopt, and the reader
/// reduces them itself.
std::optional<RawLayout> directLayout(const File& rec, const OpenDataset* st,
                                      const OpenDataset* out, const OpenDataset* tgt);

// reader_read.cpp

/// Reads the weight matrices (bounded in size) into `s`: their norms, their
/// values for the heatmaps and their non-finite counts.
void readWeights(const std::vector<OpenDataset>& open, Summary& s, Progress& progress);

/// All the values of a weight matrix (or a bias, an initial state), row-major,
/// refused when it has more values than a weight matrix may have.
std::vector<double> readWeightValues(const OpenDataset& d);

/// Trials per slab of `d`: as many whole trials as fit `slabBytes` at
/// `bytesPerValue`; ReadError when one trial alone is too large.
std::int64_t slabTrials(const OpenDataset& d, std::size_t slabBytes, std::size_t bytesPerValue);

/// Trials [first, first + count) of `d` (rows of a matrix), converted to
/// double or float, into `out`, which has room for them.
void readTrialsInto(const OpenDataset& d, std::int64_t first, std::int64_t count, double* out);
void readTrialsInto(const OpenDataset& d, std::int64_t first, std::int64_t count, float* out);

/// Slabs (first trial, count) of at most `k` consecutive trials that cover
/// `trials` (strictly increasing), in order: the whole recording is one run
/// cut every k trials.
std::vector<std::pair<std::int64_t, std::int64_t>> slabsOf(const std::vector<std::int64_t>& trials,
                                                           std::int64_t k);

/// Reads the trials of `slice` and reduces exactly that slice of the states
/// and (when both are given) of outputs and targets into `s`.
void reduceSlice(const Slice& slice, const OpenDataset* st, const OpenDataset* out,
                 const OpenDataset* tgt, const ReadRequest& req, Progress& progress, Summary& s);

/// Reduces all of the states into `s`, with their non-finite count.
void reduceWholeStates(const OpenDataset& st, const std::vector<std::int64_t>& trials,
                       const ReadRequest& req, Progress& progress, Summary& s);

/// Reduces all of outputs and targets into `s`; counts their non-finite
/// values when an error is not finite.
void reduceWholeErrors(const OpenDataset& out, const OpenDataset& tgt,
                       const std::vector<std::int64_t>& trials, const ReadRequest& req,
                       Progress& progress, Summary& s);

/// Counts non-finite values, slab by slab (inputs), or reads a whole weight matrix.
std::int64_t scanNonFinite(const OpenDataset& d, std::size_t slabBytes, Progress& p);

} // namespace rnnloss::io::detail
