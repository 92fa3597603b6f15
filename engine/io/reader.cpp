#include "reader.h"

#include "filechecks.h"
#include "hdf5global.h"

#include <hdf5.h>
#include <H5PLpublic.h>

#include "rawlayout.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <future>
#include <limits>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

namespace rnnloss::io {

namespace {


struct ReadError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

struct Cancelled
{
};

/// The innermost message of HDF5's error stack, then clears it.
std::string hdf5Detail()
{
    std::string inner, outer;
    std::pair<std::string*, std::string*> msgs(&outer, &inner);
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_DOWNWARD,
        [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
            auto* msgs = static_cast<std::pair<std::string*, std::string*>*>(data);
            if (e->desc && *e->desc) {
                if (n == 0)
                    *msgs->first = e->desc;
                *msgs->second = e->desc;
            }
            return 0;
        },
        &msgs);
    H5Eclear2(H5E_DEFAULT);
    if (inner.empty())
        return outer.empty() ? "HDF5 reported an error" : outer;
    if (outer.empty() || outer == inner)
        return inner;
    return outer + " (" + inner + ")";
}

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

std::string formatDims(const std::vector<std::int64_t>& d)
{
    std::ostringstream s;
    if (d.size() == 2) {
        s << d[0] << "x" << d[1];
        return s.str();
    }
    s << "(";
    for (std::size_t i = 0; i < d.size(); ++i)
        s << (i ? "," : "") << d[i];
    s << ")";
    return s.str();
}

std::uint64_t checkedProduct(const std::vector<std::int64_t>& dims, std::uint64_t factor,
                             const std::string& what)
{
    std::uint64_t p = factor;
    for (auto d : dims) {
        if (d <= 0)
            throw ReadError(what + " has a zero-length dimension " + formatDims(dims));
        if (static_cast<std::uint64_t>(d) > (std::uint64_t(1) << 62) / p)
            throw ReadError(what + " declares a size " + formatDims(dims) +
                            " that overflows 64 bits");
        p *= static_cast<std::uint64_t>(d);
    }
    return p;
}

const char* typeClassName(H5T_class_t c)
{
    switch (c) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "floating-point";
    case H5T_TIME: return "time";
    case H5T_STRING: return "string";
    case H5T_BITFIELD: return "bitfield";
    case H5T_OPAQUE: return "opaque";
    case H5T_COMPOUND: return "compound";
    case H5T_REFERENCE: return "reference";
    case H5T_ENUM: return "enum";
    case H5T_VLEN: return "variable-length";
    case H5T_ARRAY: return "array";
    default: return "unknown";
    }
}

/// One opened, validated dataset of a file.
struct OpenDataset
{
    Dataset which;
    std::string file;  ///< as the user named it
    std::string path;  ///< inside the file
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

class File
{
public:
    File(std::string name, std::span<const std::uint8_t> image) : m_name(std::move(name))
    {
        Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
        if (!fapl)
            fail("cannot create file access properties");
        // Close every object with the file, whatever is still open.
        H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
        if (!image.empty()) {
            if (H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
                H5Pset_file_image(fapl.get(), const_cast<std::uint8_t*>(image.data()),
                                  image.size()) < 0)
                fail("cannot use the in-memory file image");
            m_size = image.size();
        } else {
            struct stat st{};
            if (::stat(m_name.c_str(), &st) != 0)
                throw ReadError(m_name + ": no such file");
            if (!S_ISREG(st.st_mode))
                throw ReadError(m_name + ": not a regular file");
            m_size = static_cast<std::uint64_t>(st.st_size);
            m_mtimeSec = st.st_mtim.tv_sec;
            m_mtimeNsec = st.st_mtim.tv_nsec;
            m_onDisk = true;
            const htri_t is = H5Fis_hdf5(m_name.c_str());
            if (is == 0)
                throw ReadError(m_name + ": not an HDF5 file" + notHdf5Hint(m_name));
            if (is < 0)
                fail("cannot read the file");
        }
        // With a file image the core driver refuses ("file already exists") any
        // name that exists on disk, so the image is opened under a name that
        // cannot exist; m_name is only used in messages then.
        const char* openName = image.empty() ? m_name.c_str() : "/dev/null/rnnloss-file-image";
        m_file = Handle(H5Fopen(openName, H5F_ACC_RDONLY, fapl.get()), H5Fclose);
        if (!m_file)
            fail("cannot open the file");
    }

    [[noreturn]] void fail(const std::string& what) const
    {
        throw ReadError(m_name + ": " + what + ": " + hdf5Detail());
    }
    [[noreturn]] void refuse(const std::string& what) const
    {
        throw ReadError(m_name + ": " + what);
    }

    const std::string& name() const { return m_name; }
    hid_t id() const { return m_file.get(); }

    /// Follows `path` link by link; refuses anything but hard links. Returns
    /// false when some part of the path does not exist.
    bool exists(const std::string& path) const
    {
        std::string prefix;
        std::size_t start = 0;
        while (start <= path.size()) {
            const std::size_t slash = path.find('/', start);
            const std::string part =
                path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
            prefix += (prefix.empty() ? "" : "/") + part;
            const htri_t ex = H5Lexists(m_file.get(), prefix.c_str(), H5P_DEFAULT);
            if (ex < 0)
                fail("cannot look up '" + prefix + "'");
            if (ex == 0)
                return false;
            H5L_info_t li{};
            if (H5Lget_info(m_file.get(), prefix.c_str(), &li, H5P_DEFAULT) < 0)
                fail("cannot look up '" + prefix + "'");
            if (li.type == H5L_TYPE_EXTERNAL)
                refuse("'" + prefix + "' is an external link to another file; refused "
                       "(links out of the file are not followed)");
            if (li.type != H5L_TYPE_HARD)
                refuse("'" + prefix + "' is a soft or user-defined link; only objects stored "
                       "in the file itself are read");
            if (slash == std::string::npos)
                return true;
            H5O_info_t oi{};
            if (H5Oget_info_by_name2(m_file.get(), prefix.c_str(), &oi, H5O_INFO_BASIC,
                                     H5P_DEFAULT) < 0)
                fail("cannot inspect '" + prefix + "'");
            if (oi.type != H5O_TYPE_GROUP)
                refuse("'" + prefix + "' is not a group, so '" + path + "' cannot be in it");
            start = slash + 1;
        }
        return false;
    }

    /// Opens and validates the dataset at `path` (which exists) for `which`.
    OpenDataset open(Dataset which, const std::string& path, int rank) const
    {
        OpenDataset od;
        od.which = which;
        od.file = m_name;
        od.path = path;
        const std::string what = "dataset '" + path + "'";
        H5O_info_t oi{};
        if (H5Oget_info_by_name2(m_file.get(), path.c_str(), &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
            fail("cannot inspect '" + path + "'");
        if (oi.type != H5O_TYPE_DATASET)
            refuse("'" + path + "' is a " +
                   (oi.type == H5O_TYPE_GROUP ? std::string("group") : std::string("named datatype")) +
                   ", expected a dataset");
        od.dset = Handle(H5Dopen2(m_file.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
        if (!od.dset)
            fail("cannot open " + what);

        // Element type: IEEE floating point of 16, 32 or 64 bits, either byte order.
        Handle type(H5Dget_type(od.dset.get()), H5Tclose);
        if (!type)
            fail("cannot read the type of " + what);
        const H5T_class_t cls = H5Tget_class(type.get());
        if (cls != H5T_FLOAT)
            refuse(what + " holds " + typeClassName(cls) +
                   " data; only IEEE floating point (16, 32 or 64 bit) is accepted");
        const std::size_t size = H5Tget_size(type.get());
        std::size_t spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0;
        H5Tget_fields(type.get(), &spos, &epos, &esize, &mpos, &msize);
        const H5T_order_t order = H5Tget_order(type.get());
        const std::size_t ebias = H5Tget_ebias(type.get());
        const bool ieee = (order == H5T_ORDER_LE || order == H5T_ORDER_BE) &&
                          H5Tget_offset(type.get()) == 0 &&
                          H5Tget_precision(type.get()) == 8 * size && mpos == 0 &&
                          ((size == 2 && spos == 15 && epos == 10 && esize == 5 && msize == 10 && ebias == 15) ||
                           (size == 4 && spos == 31 && epos == 23 && esize == 8 && msize == 23 && ebias == 127) ||
                           (size == 8 && spos == 63 && epos == 52 && esize == 11 && msize == 52 && ebias == 1023));
        if (!ieee)
            refuse(what + " holds a " + std::to_string(8 * size) +
                   "-bit floating-point type that is not IEEE half, single or double precision");
        od.wide = size == 8;
        od.elementSize = size;
        od.bigEndian = order == H5T_ORDER_BE;

        // Shape
        Handle space(H5Dget_space(od.dset.get()), H5Sclose);
        if (!space)
            fail("cannot read the shape of " + what);
        if (H5Sget_simple_extent_type(space.get()) != H5S_SIMPLE)
            refuse(what + " is scalar or empty, expected " + std::to_string(rank) + " dimensions");
        const int nd = H5Sget_simple_extent_ndims(space.get());
        if (nd != rank)
            refuse(what + " has " + std::to_string(nd) + " dimension(s), expected " +
                   std::to_string(rank) +
                   (rank == 3 ? " (batch, time, units)" : " (out, in) as PyTorch stores weights"));
        hsize_t dims[3] = {0, 0, 0};
        H5Sget_simple_extent_dims(space.get(), dims, nullptr);
        for (int i = 0; i < nd; ++i) {
            if (dims[i] > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max()))
                refuse(what + " declares a dimension too large to address");
            od.dims.push_back(static_cast<std::int64_t>(dims[i]));
        }
        std::uint64_t bytes = 0;
        try {
            bytes = checkedProduct(od.dims, size, what);
        } catch (const ReadError& e) {
            refuse(e.what());
        }

        // Storage: refuse anything that reads other files or runs foreign code.
        Handle dcpl(H5Dget_create_plist(od.dset.get()), H5Pclose);
        if (!dcpl)
            fail("cannot read the storage properties of " + what);
        const H5D_layout_t layout = H5Pget_layout(dcpl.get());
        od.layout = layout;
        if (layout == H5D_VIRTUAL)
            refuse(what + " is a virtual dataset (it maps data from other datasets or files); "
                          "refused");
        const int external = H5Pget_external_count(dcpl.get());
        if (external != 0)
            refuse(what + " keeps its raw data in external file(s); refused (it could read "
                          "any file on this machine)");
        const int nfilters = H5Pget_nfilters(dcpl.get());
        if (nfilters < 0)
            fail("cannot read the filters of " + what);
        od.filtered = nfilters > 0;
        for (int i = 0; i < nfilters; ++i) {
            unsigned flags = 0, config = 0;
            size_t ncd = 0;
            char fname[128] = {0};
            const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags,
                                                   &ncd, nullptr, sizeof fname, fname, &config);
            if (id < 0)
                fail("cannot read the filters of " + what);
            if (H5Zfilter_avail(id) <= 0) {
                H5Eclear2(H5E_DEFAULT);
                refuse(what + " is compressed with filter " + std::to_string(id) +
                       (fname[0] ? " ('" + std::string(fname) + "')" : std::string()) +
                       ", which is not available here (filter plugins are not loaded)");
            }
        }

        // Fully written? Unwritten chunks would read back as fill values, not data.
        if (layout == H5D_CHUNKED) {
            hsize_t cd[3] = {0, 0, 0};
            if (H5Pget_chunk(dcpl.get(), rank, cd) != rank)
                fail("cannot read the chunking of " + what);
            std::uint64_t needed = 1;
            for (int i = 0; i < rank; ++i) {
                if (cd[i] == 0)
                    refuse(what + " has a zero chunk dimension");
                od.chunk.push_back(static_cast<std::int64_t>(cd[i]));
                needed *= (dims[i] + cd[i] - 1) / cd[i]; // bounded: dims product checked above
            }
            hsize_t have = 0;
            if (H5Dget_num_chunks(od.dset.get(), space.get(), &have) < 0)
                fail("cannot count the chunks of " + what);
            if (have != needed)
                refuse(what + " is not fully written: " + std::to_string(have) + " of " +
                       std::to_string(needed) + " chunks are stored");
        } else if (layout == H5D_CONTIGUOUS) {
            H5D_space_status_t status{};
            if (H5Dget_space_status(od.dset.get(), &status) < 0)
                fail("cannot read the allocation of " + what);
            if (status != H5D_SPACE_STATUS_ALLOCATED)
                refuse(what + " is not written: its declared shape " + formatDims(od.dims) +
                       " has no data behind it");
            const haddr_t offset = H5Dget_offset(od.dset.get());
            if (offset == HADDR_UNDEF || offset > m_size || bytes > m_size - offset)
                refuse(what + " is truncated: " + std::to_string(bytes) +
                       " bytes declared, the file ends before them");
        } else if (layout == H5D_COMPACT) {
            // Compact data sit in the object header; HDF5 1.10.8 trusts the
            // shape and reads past a stored block that is shorter (found by
            // fuzz_reader: it returned heap bytes as data).
            const hsize_t stored = H5Dget_storage_size(od.dset.get());
            if (stored != bytes)
                refuse(what + " is damaged: its compact storage holds " + std::to_string(stored) +
                       " bytes, its shape " + formatDims(od.dims) + " needs " +
                       std::to_string(bytes));
        }
        return od;
    }

    /// A root attribute and its type, when it holds one value of class
    /// `cls` (or `alt`); absent gives nothing, anything else a warning naming
    /// `what` it should have held.
    struct Scalar
    {
        Handle attr, type;
    };
    std::optional<Scalar> scalarAttribute(const std::string& name, H5T_class_t cls, H5T_class_t alt,
                                          const char* what, std::vector<std::string>& warnings) const
    {
        Handle attr = openAttribute(name);
        if (!attr)
            return std::nullopt;
        Handle type(H5Aget_type(attr.get()), H5Tclose);
        Handle space(H5Aget_space(attr.get()), H5Sclose);
        const H5T_class_t c = type ? H5Tget_class(type.get()) : H5T_NO_CLASS;
        const hssize_t n = space ? H5Sget_simple_extent_npoints(space.get()) : -1;
        if ((c != cls && c != alt) || n != 1) {
            warnings.push_back(m_name + ": attribute '" + name + "' is not a single " + what +
                               "; ignored");
            return std::nullopt;
        }
        return Scalar{std::move(attr), std::move(type)};
    }

    /// A root attribute holding one number; empty (with a warning) when it holds anything else.
    std::optional<double> numberAttribute(const std::string& name,
                                          std::vector<std::string>& warnings) const
    {
        const auto a = scalarAttribute(name, H5T_FLOAT, H5T_INTEGER, "number", warnings);
        if (!a)
            return std::nullopt;
        double v = 0.0;
        if (H5Aread(a->attr.get(), H5T_NATIVE_DOUBLE, &v) < 0)
            fail("cannot read attribute '" + name + "'");
        return v;
    }

    std::optional<double> attribute(const std::string& name, std::vector<std::string>& warnings) const
    {
        const auto v = numberAttribute(name, warnings);
        if (v && (!std::isfinite(*v) || *v < 0)) {
            warnings.push_back(m_name + ": attribute '" + name + "' is " + std::to_string(*v) +
                               ", not a finite lambda >= 0; ignored");
            return std::nullopt;
        }
        return v;
    }

    /// The optional 1-D dataset `name` of `expected` integers or strings
    /// (trial_labels, neuron_groups) as text, each cut to `maxBytes`. Empty
    /// when absent; empty with a warning when it is anything else: the
    /// datasets only add to a recording, so they never refuse it.
    std::vector<std::string> labelDataset(const std::string& name, std::int64_t expected,
                                          std::size_t maxBytes,
                                          std::vector<std::string>& warnings) const
    {
        std::vector<std::string> out;
        if (!exists(name))
            return out;
        const std::string what = m_name + ": dataset '" + name + "' ";
        H5O_info_t oi{};
        if (H5Oget_info_by_name2(m_file.get(), name.c_str(), &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
            fail("cannot inspect '" + name + "'");
        if (oi.type != H5O_TYPE_DATASET) {
            warnings.push_back(what + "is not a dataset; ignored");
            return out;
        }
        Handle dset(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
        Handle space(dset ? H5Dget_space(dset.get()) : -1, H5Sclose);
        Handle type(dset ? H5Dget_type(dset.get()) : -1, H5Tclose);
        if (!dset || !space || !type)
            fail("cannot open dataset '" + name + "'");
        // The same storage rules as the time series: nothing read from other files.
        Handle dcpl(H5Dget_create_plist(dset.get()), H5Pclose);
        if (!dcpl)
            fail("cannot read the storage properties of dataset '" + name + "'");
        if (H5Pget_layout(dcpl.get()) == H5D_VIRTUAL)
            refuse("dataset '" + name + "' is a virtual dataset (it maps data from other "
                   "datasets or files); refused");
        if (H5Pget_external_count(dcpl.get()) != 0)
            refuse("dataset '" + name + "' keeps its raw data in external file(s); refused (it "
                   "could read any file on this machine)");
        hsize_t n = 0;
        if (H5Sget_simple_extent_ndims(space.get()) != 1 ||
            H5Sget_simple_extent_dims(space.get(), &n, nullptr) != 1 ||
            static_cast<std::int64_t>(n) != expected) {
            warnings.push_back(what + "should hold one entry per " +
                               (name == "trial_labels" ? std::string("trial (B = ")
                                                       : std::string("hidden unit (N_hid = ")) +
                               std::to_string(expected) + ") in one dimension; ignored");
            return out;
        }
        const H5T_class_t cls = H5Tget_class(type.get());
        out.reserve(n);
        if (cls == H5T_INTEGER) {
            std::vector<long long> v(n);
            if (H5Dread(dset.get(), H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
                fail("cannot read dataset '" + name + "'");
            for (long long x : v)
                out.push_back(std::to_string(x));
            return out;
        }
        if (cls != H5T_STRING) {
            warnings.push_back(what + "holds neither integers nor strings; ignored");
            return out;
        }
        const htri_t variable = H5Tis_variable_str(type.get());
        if (variable < 0)
            fail("cannot read dataset '" + name + "'");
        if (variable) {
            Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
            if (!mem || H5Tset_size(mem.get(), H5T_VARIABLE) < 0 ||
                H5Tset_cset(mem.get(), H5Tget_cset(type.get())) < 0)
                fail("cannot read dataset '" + name + "'");
            std::vector<char*> p(n, nullptr);
            if (H5Dread(dset.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) < 0)
                fail("cannot read dataset '" + name + "'");
            for (char* c : p)
                out.emplace_back(c ? c : "", c ? strnlen(c, maxBytes) : 0);
            H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, p.data());
        } else {
            const std::size_t size = H5Tget_size(type.get());
            // At most 256 MB of label text: a label is display text, not data.
            if (size == 0 || size > 4096 || size * n > (std::size_t(256) << 20)) {
                warnings.push_back(what + "holds " + std::to_string(n) + " strings of " +
                                   std::to_string(size) + " bytes; ignored");
                return out;
            }
            std::vector<char> buf(size * n);
            if (H5Dread(dset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
                fail("cannot read dataset '" + name + "'");
            for (hsize_t i = 0; i < n; ++i) {
                const char* c = buf.data() + i * size;
                out.emplace_back(c, strnlen(c, std::min(size, maxBytes)));
            }
        }
        return out;
    }

    /// Whether the root attribute `name` exists and holds text.
    bool attributeIsText(const std::string& name) const
    {
        const Handle attr = openAttribute(name);
        if (!attr)
            return false;
        Handle type(H5Aget_type(attr.get()), H5Tclose);
        return type && H5Tget_class(type.get()) == H5T_STRING;
    }

    /// A root attribute holding one string (fixed or variable length), cut
    /// to `maxBytes`; empty (with a warning) when it holds anything else.
    std::optional<std::string> textAttribute(const std::string& name, std::size_t maxBytes,
                                             std::vector<std::string>& warnings) const
    {
        const auto a = scalarAttribute(name, H5T_STRING, H5T_STRING, "string", warnings);
        if (!a)
            return std::nullopt;
        const Handle& attr = a->attr;
        const Handle& type = a->type;
        std::string text;
        const htri_t variable = H5Tis_variable_str(type.get());
        if (variable < 0)
            fail("cannot read attribute '" + name + "'");
        if (variable) {
            Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
            if (!mem || H5Tset_size(mem.get(), H5T_VARIABLE) < 0 ||
                H5Tset_cset(mem.get(), H5Tget_cset(type.get())) < 0)
                fail("cannot read attribute '" + name + "'");
            char* p = nullptr;
            if (H5Aread(attr.get(), mem.get(), &p) < 0)
                fail("cannot read attribute '" + name + "'");
            if (p)
                text.assign(p, strnlen(p, maxBytes));
            H5free_memory(p);
        } else {
            const std::size_t size = H5Tget_size(type.get());
            if (size == 0 || size > (std::size_t(1) << 20)) {
                warnings.push_back(m_name + ": attribute '" + name + "' is a string of " +
                                   std::to_string(size) + " bytes; ignored");
                return std::nullopt;
            }
            std::string buf(size, '\0');
            if (H5Aread(attr.get(), type.get(), buf.data()) < 0)
                fail("cannot read attribute '" + name + "'");
            text.assign(buf.c_str(), strnlen(buf.c_str(), std::min(size, maxBytes)));
        }
        return text;
    }

private:
    /// The root attribute `name`, or an empty handle when the file has none.
    Handle openAttribute(const std::string& name) const
    {
        const htri_t ex = H5Aexists(m_file.get(), name.c_str());
        if (ex <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return Handle();
        }
        Handle attr(H5Aopen(m_file.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
        if (!attr)
            fail("cannot open attribute '" + name + "'");
        return attr;
    }

    std::string m_name;
public:
    std::uint64_t size() const { return m_size; }
    std::int64_t mtimeSec() const { return m_mtimeSec; }
    std::int64_t mtimeNsec() const { return m_mtimeNsec; }
    bool onDisk() const { return m_onDisk; }

private:
    std::uint64_t m_size = 0;
    std::int64_t m_mtimeSec = 0, m_mtimeNsec = 0;
    bool m_onDisk = false;
    Handle m_file;
};

/// A label is for display; a longer one is cut.
constexpr std::size_t kMaxLabelBytes = 1024;

/// Drops a UTF-8 sequence that a cut at the byte limit left incomplete, so the
/// label stays valid text in JSON and tables.
void dropIncompleteUtf8(std::string& s)
{
    std::size_t i = s.size(), cont = 0;
    while (i > 0 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80 && cont < 3) {
        --i;
        ++cont;
    }
    if (i == 0)
        return;
    const unsigned char lead = static_cast<unsigned char>(s[i - 1]);
    const std::size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
    if (need > cont)
        s.resize(i - 1);
}

/// The root attributes that name a recording in a set (docs/recording-format.md).
void readNaming(const File& f, Summary& s)
{
    s.label = f.textAttribute("label", kMaxLabelBytes, s.warnings).value_or("");
    if (s.label.size() == kMaxLabelBytes)
        dropIncompleteUtf8(s.label);
    for (auto [name, slot] : {std::pair{"step", &s.step}, std::pair{"epoch", &s.epoch}}) {
        *slot = f.numberAttribute(name, s.warnings);
        if (*slot && !std::isfinite(**slot)) {
            s.warnings.push_back(f.name() + ": attribute '" + name + "' is not finite; ignored");
            slot->reset();
        }
    }
}

/// What says which checkpoint `f` holds, to compare a weights file with its
/// recording; what is wrong with these attributes is reported elsewhere, if at all.
FileNaming namingOf(const File& f)
{
    std::vector<std::string> ignored;
    return {f.name(), f.textAttribute("label", kMaxLabelBytes, ignored),
            f.textAttribute("checkpoint", kMaxLabelBytes, ignored),
            f.numberAttribute("step", ignored), f.numberAttribute("epoch", ignored)};
}

/// "10", "10 ms", "10ms", "0.01 s": milliseconds; empty for anything else.
std::optional<double> parseDuration(const std::string& text)
{
    const char* begin = text.c_str();
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(begin, &end);
    if (end == begin || errno != 0)
        return std::nullopt;
    std::string_view unit(end);
    while (!unit.empty() && unit.front() == ' ')
        unit.remove_prefix(1);
    while (!unit.empty() && unit.back() == ' ')
        unit.remove_suffix(1);
    if (unit.empty() || unit == "ms")
        return v;
    if (unit == "s")
        return v * 1000.0;
    return std::nullopt;
}

/// The optional per-trial labels, per-neuron groups and dt of a recording
/// (docs/recording-format.md); the shape must be known.
void readLabels(const File& f, Summary& s)
{
    constexpr std::size_t kMaxLabelText = 256; // summarycodec.cpp's limit
    if (s.shape.batch > 0)
        s.trialLabels = f.labelDataset("trial_labels", s.shape.batch, kMaxLabelText, s.warnings);
    if (s.shape.nHid > 0)
        s.neuronGroups = f.labelDataset("neuron_groups", s.shape.nHid, kMaxLabelText, s.warnings);
    for (auto* v : {&s.trialLabels, &s.neuronGroups})
        for (std::string& l : *v) {
            if (l.size() == kMaxLabelText)
                dropIncompleteUtf8(l);
            // Display text on one line: control characters (a newline would
            // break an export's header line) become spaces.
            for (char& c : l)
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                    c = ' ';
        }
    // A number of milliseconds, or text such as "10 ms" or "0.01 s".
    std::optional<double> dt;
    std::string text;
    if (f.attributeIsText("dt")) {
        text = f.textAttribute("dt", 64, s.warnings).value_or("");
        dt = parseDuration(text);
    } else if ((dt = f.numberAttribute("dt", s.warnings))) {
        text = std::to_string(*dt);
    } else {
        return;
    }
    // A time step from a nanosecond to a day: anything else is a unit mix-up
    // (and would make time axes of infinite or zero span).
    if (dt && std::isfinite(*dt) && *dt >= kMinDtMs && *dt <= kMaxDtMs)
        s.dtMs = *dt;
    else
        s.warnings.push_back(f.name() + ": attribute 'dt' is '" + text +
                             "', not a number of milliseconds from 1e-6 to 8.64e7 (or \"10 ms\", "
                             "\"0.01 s\"); ignored");
}

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

class Progress
{
public:
    Progress(const ProgressFn& fn, std::uint64_t total) : m_fn(fn), m_total(std::max<std::uint64_t>(1, total)) {}
    void advance(std::uint64_t done, const std::string& stage)
    {
        m_done += done;
        if (m_fn && !m_fn(std::min(1.0, static_cast<double>(m_done) / static_cast<double>(m_total)), stage))
            throw Cancelled{};
    }

private:
    const ProgressFn& m_fn;
    std::uint64_t m_total;
    std::uint64_t m_done = 0;
};

/// Trials per slab: as many whole trials as fit `slabBytes`, a multiple of the
/// chunk's trial extent when it is smaller, so slabs never split chunks.
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

template <class Real>
void readSlab(const OpenDataset& d, std::int64_t first, std::int64_t count, std::vector<Real>& buf)
{
    const int rank = static_cast<int>(d.dims.size());
    hsize_t start[3] = {static_cast<hsize_t>(first), 0, 0};
    hsize_t extent[3] = {static_cast<hsize_t>(count), 0, 0};
    std::uint64_t n = static_cast<std::uint64_t>(count);
    for (int i = 1; i < rank; ++i) {
        extent[i] = static_cast<hsize_t>(d.dims[i]);
        n *= extent[i];
    }
    buf.resize(n);
    Handle fspace(H5Dget_space(d.dset.get()), H5Sclose);
    Handle mspace(H5Screate_simple(rank, extent, nullptr), H5Sclose);
    if (!fspace || !mspace ||
        H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, extent, nullptr) < 0 ||
        H5Dread(d.dset.get(), std::is_same_v<Real, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT,
                mspace.get(), fspace.get(), H5P_DEFAULT, buf.data()) < 0)
        throw ReadError(d.file + ": cannot read " + d.label() + ": " + hdf5Detail());
}

/// Slabs of at most `k` consecutive trials that cover `trials` (strictly
/// increasing), in order: the whole recording is one run cut every k trials.
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
        std::future<void> reduced = std::async(
            std::launch::async, [&sink, &cur, b = b, n = n] { sink(cur.data(), b, n); });
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

/// Counts non-finite values, slab by slab (inputs), or reads a whole weight matrix.
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
    } else if (d.layout == H5D_CHUNKED) {
        if (d.chunk.size() != 3 || d.chunk[1] != r.time || d.chunk[2] != r.width)
            return std::nullopt;
        // Whatever HDF5 cannot say here leaves the data to the usual read.
        Handle space(H5Dget_space(d.dset.get()), H5Sclose);
        hsize_t count = 0;
        if (!space || H5Dget_num_chunks(d.dset.get(), space.get(), &count) < 0) {
            H5Eclear2(H5E_DEFAULT);
            return std::nullopt;
        }
        for (hsize_t i = 0; i < count; ++i) {
            hsize_t coords[3] = {0, 0, 0};
            unsigned mask = 0;
            haddr_t addr = HADDR_UNDEF;
            hsize_t size = 0;
            if (H5Dget_chunk_info(d.dset.get(), space.get(), i, coords, &mask, &addr, &size) < 0) {
                H5Eclear2(H5E_DEFAULT);
                return std::nullopt;
            }
            const std::int64_t first = static_cast<std::int64_t>(coords[0]);
            if (mask != 0 || addr == HADDR_UNDEF || coords[1] != 0 || coords[2] != 0 ||
                first < 0 || first >= r.batch || size != perTrial * static_cast<std::uint64_t>(d.chunk[0]))
                return std::nullopt;
            const std::int64_t trials = std::min(d.chunk[0], r.batch - first);
            r.extents.push_back({addr, perTrial * static_cast<std::uint64_t>(trials), first, trials});
        }
        std::sort(r.extents.begin(), r.extents.end(),
                  [](const RawExtent& a, const RawExtent& b) { return a.firstTrial < b.firstTrial; });
    } else {
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

/// The raw layout of the given datasets (null ones skipped) when every one
/// of them can be read straight from `rec`; else std::nullopt, and the reader
/// reduces them itself.
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

/// Reads the trials of `slice` and reduces exactly that slice of the states
/// and (when both are given) of outputs and targets into `s`.
void reduceSlice(const Slice& slice, const OpenDataset* st, const OpenDataset* out,
                 const OpenDataset* tgt, const ReadRequest& req, Progress& progress, Summary& s)
{
    SliceReducer r(slice, st != nullptr, out != nullptr, req.reduce);
    if (st) {
        auto sink = [&r](const auto* data, std::int64_t b, std::int64_t n) {
            r.addStates(data, b, n);
        };
        if (st->wide)
            reduceStates<double>(*st, slice.trials, sink, req.slabBytes, progress);
        else
            reduceStates<float>(*st, slice.trials, sink, req.slabBytes, progress);
    }
    if (out) {
        auto sink = [&r](const auto* o, const auto* y, std::int64_t b, std::int64_t n) {
            r.addErrors(o, y, b, n);
        };
        if (out->wide || tgt->wide)
            reduceError<double>(*out, *tgt, slice.trials, sink, req.slabBytes, progress);
        else
            reduceError<float>(*out, *tgt, slice.trials, sink, req.slabBytes, progress);
    }
    r.finish(s);
}

constexpr std::uint64_t kMaxSummaryBytes = std::uint64_t(2) << 30;
constexpr std::uint64_t kMaxWeightValues = std::uint64_t(1) << 26; // 64 Mi values, 256 MiB as float

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
    std::vector<std::string> weightsWarnings;

    // Find and validate every dataset before reading anything.
    std::vector<OpenDataset> open;
    open.reserve(kDatasetCount);
    for (const Candidate& c : candidates()) {
        const File* f = isWeight(c.which) && wts ? &*wts : (rec ? &*rec : nullptr);
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
        throw ReadError(mainFile + ": holds none of the datasets of a recording (outputs, targets, "
                                   "states, inputs, weights/...); see recording-format.md (docs/ in "
                                   "the source, /usr/share/doc/rnnloss-explorer/ when installed)");

    // Every dimension must agree across datasets.
    Dim B{"B (trials)"}, T{"T (time steps)"}, nIn{"N_in"}, nHid{"N_hid"}, nOut{"N_out"};
    auto find = [&](Dataset d) -> const OpenDataset* {
        for (const auto& o : open)
            if (o.which == d)
                return &o;
        return nullptr;
    };
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

    if (find(Dataset::Outputs) && !find(Dataset::Targets))
        s.warnings.push_back(mainFile + ": has 'outputs' but no 'targets'; L_mse is unavailable");
    if (find(Dataset::Targets) && !find(Dataset::Outputs))
        s.warnings.push_back(mainFile + ": has 'targets' but no 'outputs'; L_mse is unavailable");

    if (rec) {
        for (Term t : kAllTerms)
            s.trainingLambdas[index(t)] = rec->attribute(std::string(lambdaKey(t)), s.warnings);
        if (const auto c = rec->textAttribute("loss_convention", 64, s.warnings)) {
            s.lossConvention = conventionFromName(*c);
            if (!s.lossConvention)
                s.warnings.push_back(mainFile + ": attribute 'loss_convention' is '" + *c +
                                     "', not 'nn4n' or 'spec'; ignored");
        }
        readNaming(*rec, s);
        readLabels(*rec, s);
        if (wts) // weights of another checkpoint give the terms of neither
            weightsWarnings = namingMismatches(namingOf(*rec), namingOf(*wts));
    }

    std::uint64_t total = 0;
    for (const auto& o : open)
        total += checkedProduct(o.dims, 1, o.label());
    Progress progress(progressFn, total);
    progress.advance(0, "opening");

    // Weights: whole matrices (bounded), for the norms and the heatmaps.
    const std::array<Dataset, 3> wsets = {Dataset::WeightsIn, Dataset::WeightsHid,
                                          Dataset::WeightsOut};
    for (int i = 0; i < 3; ++i) {
        const OpenDataset* o = find(wsets[i]);
        if (!o)
            continue;
        const std::uint64_t n = checkedProduct(o->dims, 1, o->label());
        if (n > kMaxWeightValues)
            throw ReadError(o->file + ": " + o->label() + " is " + formatDims(o->dims) +
                            ", more than the " + std::to_string(kMaxWeightValues) +
                            " values a weight matrix may have here");
        std::vector<double> buf;
        readSlab(*o, 0, o->dims[0], buf);
        const std::int64_t bad = countNonFinite(buf.data(), static_cast<std::int64_t>(n));
        s.info(wsets[i]).nonFinite = bad;
        double norm = 0.0;
        for (double v : buf)
            norm += v * v;
        s.weightNormSq[i] = norm;
        s.weights[i] = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic,
                                                      Eigen::RowMajor>>(buf.data(), o->dims[0],
                                                                        o->dims[1])
                           .cast<float>();
        progress.advance(n, "weights");
    }

    std::optional<Slice> slice;
    if (req.slice) {
        std::string why;
        slice = req.slice(s, why);
        if (slice && why.empty() && slice->whole != s.shape)
            why = "the selection was made for another shape";
        if (slice && why.empty())
            why = checkSlice(*slice);
        if (!why.empty())
            throw ReadError(mainFile + ": " + why);
    }
    const Slice all = slice ? *slice : wholeSlice(s.shape);
    const Shape reduced = {static_cast<std::int64_t>(all.trials.size()),
                           static_cast<std::int64_t>(all.steps.size()), s.shape.nIn,
                           static_cast<std::int64_t>(all.neurons.size()), s.shape.nOut};
    const OpenDataset* st = find(Dataset::States);
    if (st) {
        // The summary is O(B*N + T*N); refuse before allocating one that cannot fit.
        const double summaryBytes =
            8.0 * (3.0 * double(reduced.batch) + 2.0 * double(reduced.time) +
                   double(req.reduce.histogramBins) + 8.0) * double(reduced.nHid);
        if (summaryBytes > double(kMaxSummaryBytes))
            throw ReadError(st->file + ": " + st->label() + " is " + formatDims(st->dims) +
                            ": its summary would need " +
                            std::to_string(static_cast<long long>(summaryBytes / (1 << 20))) +
                            " MiB, more than the " + std::to_string(kMaxSummaryBytes >> 20) +
                            " MiB the reader allows");
    }
    const OpenDataset* out = find(Dataset::Outputs);
    const OpenDataset* tgt = find(Dataset::Targets);
    if (req.rawLayout && rec && rec->onDisk()) {
        if (auto layout = directLayout(*rec, st, out && tgt ? out : nullptr, out && tgt ? tgt : nullptr)) {
            for (const RawDataset& d : layout->datasets)
                s.info(d.which).present = false;
            s.layout = std::move(layout);
            slice.reset(); // the caller cuts the slice out of what it reads
            st = nullptr;
            if (out && tgt)
                out = tgt = nullptr;
        }
    }
    if (slice) {
        reduceSlice(*slice, st, out && tgt ? out : nullptr, out && tgt ? tgt : nullptr, req,
                    progress, s);
    } else {
        if (st) {
            StatesReducer r(s.shape.batch, s.shape.time, s.shape.nHid, req.reduce);
            auto sink = [&r](const auto* data, std::int64_t b, std::int64_t n) {
                r.addTrials(data, b, n);
            };
            if (st->wide)
                reduceStates<double>(*st, all.trials, sink, req.slabBytes, progress);
            else
                reduceStates<float>(*st, all.trials, sink, req.slabBytes, progress);
            r.finish(s);
            std::int64_t bad = 0;
            for (auto v : s.neuronNonFinite)
                bad += v;
            s.info(Dataset::States).nonFinite = bad;
        }
        if (out && tgt) {
            ErrorReducer r(s.shape.batch, s.shape.time, s.shape.nOut);
            auto sink = [&r](const auto* o, const auto* y, std::int64_t b, std::int64_t n) {
                r.addTrials(o, y, b, n);
            };
            if (out->wide || tgt->wide)
                reduceError<double>(*out, *tgt, all.trials, sink, req.slabBytes, progress);
            else
                reduceError<float>(*out, *tgt, all.trials, sink, req.slabBytes, progress);
            r.finish(s);
            // Non-finite outputs or targets make every squared error non-finite; count them exactly.
            std::int64_t badSum = 0;
            for (double v : s.sqErrPerTrial)
                badSum += !std::isfinite(v);
            if (badSum) {
                s.info(Dataset::Outputs).nonFinite = scanNonFinite(*out, req.slabBytes, progress);
                s.info(Dataset::Targets).nonFinite = scanNonFinite(*tgt, req.slabBytes, progress);
            }
        }
    }
    if (!(out && tgt)) {
        for (const OpenDataset* o : {out, tgt})
            if (o)
                s.info(o->which).nonFinite = scanNonFinite(*o, req.slabBytes, progress);
    }
    if (const OpenDataset* in = find(Dataset::Inputs))
        s.info(Dataset::Inputs).nonFinite = scanNonFinite(*in, req.slabBytes, progress);

    for (const auto& o : open) {
        const auto bad = s.info(o.which).nonFinite;
        if (bad)
            s.warnings.push_back(o.file + ": " + o.label() + " holds " + std::to_string(bad) +
                                 " non-finite value(s) (NaN or Inf); terms that use it are "
                                 "undefined");
    }
    ReadResult result;
    result.summary = std::move(s);
    result.weightsWarnings = std::move(weightsWarnings);
    return result;
}

} // namespace

ReadResult readRecording(const ReadRequest& request, const ProgressFn& progress)
{
    const auto lock = detail::hdf5Lock();
    ReadResult result;
    try {
        result = readLocked(request, progress);
    } catch (const ReadError& e) {
        result.error = e.what();
    } catch (const Cancelled&) {
        result.error = (request.recording.empty() ? request.weights : request.recording) +
                       ": reading cancelled";
    } catch (const std::bad_alloc&) {
        result.error = (request.recording.empty() ? request.weights : request.recording) +
                       ": out of memory while reading";
    }
    H5Eclear2(H5E_DEFAULT);
    return result;
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
