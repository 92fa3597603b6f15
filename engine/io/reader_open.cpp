// Opening a file and its datasets, and refusing what is unsafe or damaged
// before anything is read: links out of the file, external and virtual
// storage, unavailable filters, non-IEEE types, unwritten or truncated data.

#include "reader_internal.h"

#include "filechecks.h"

#include <limits>
#include <sstream>
#include <sys/stat.h>

namespace rnnloss::io::detail {

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

namespace {

const char* typeClassName(H5T_class_t c)
{
    switch (c) {
    case H5T_INTEGER:
        return "integer";
    case H5T_FLOAT:
        return "floating-point";
    case H5T_TIME:
        return "time";
    case H5T_STRING:
        return "string";
    case H5T_BITFIELD:
        return "bitfield";
    case H5T_OPAQUE:
        return "opaque";
    case H5T_COMPOUND:
        return "compound";
    case H5T_REFERENCE:
        return "reference";
    case H5T_ENUM:
        return "enum";
    case H5T_VLEN:
        return "variable-length";
    case H5T_ARRAY:
        return "array";
    default:
        return "unknown";
    }
}

/// Whether `type` is IEEE half, single or double precision, in either byte order.
bool isIeeeFloat(hid_t type, std::size_t size, H5T_order_t order)
{
    std::size_t spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0;
    H5Tget_fields(type, &spos, &epos, &esize, &mpos, &msize);
    const std::size_t ebias = H5Tget_ebias(type);
    const auto fields = [&](std::size_t s, std::size_t e, std::size_t es, std::size_t ms,
                            std::size_t bias) {
        return spos == s && epos == e && esize == es && msize == ms && ebias == bias;
    };
    return (order == H5T_ORDER_LE || order == H5T_ORDER_BE) && H5Tget_offset(type) == 0 &&
           H5Tget_precision(type) == 8 * size && mpos == 0 &&
           ((size == 2 && fields(15, 10, 5, 10, 15)) || (size == 4 && fields(31, 23, 8, 23, 127)) ||
            (size == 8 && fields(63, 52, 11, 52, 1023)));
}

} // namespace

File::File(std::string name, std::span<const std::uint8_t> image) : m_name(std::move(name))
{
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (!fapl)
        fail("cannot create file access properties");
    // Close every object with the file, whatever is still open.
    H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
    if (!image.empty()) {
        if (H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
            H5Pset_file_image(fapl.get(), const_cast<std::uint8_t*>(image.data()), image.size()) <
                0)
            fail("cannot use the in-memory file image");
        m_size = image.size();
    } else {
        struct stat st
        {
        };
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

void File::fail(const std::string& what) const
{
    throw ReadError(m_name + ": " + what + ": " + hdf5Detail());
}

void File::refuse(const std::string& what) const
{
    throw ReadError(m_name + ": " + what);
}

bool File::exists(const std::string& path) const
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
            refuse("'" + prefix +
                   "' is an external link to another file; refused "
                   "(links out of the file are not followed)");
        if (li.type != H5L_TYPE_HARD)
            refuse("'" + prefix +
                   "' is a soft or user-defined link; only objects stored "
                   "in the file itself are read");
        if (slash == std::string::npos)
            return true;
        H5O_info_t oi{};
        if (H5Oget_info_by_name2(m_file.get(), prefix.c_str(), &oi, H5O_INFO_BASIC, H5P_DEFAULT) <
            0)
            fail("cannot inspect '" + prefix + "'");
        if (oi.type != H5O_TYPE_GROUP)
            refuse("'" + prefix + "' is not a group, so '" + path + "' cannot be in it");
        start = slash + 1;
    }
    return false;
}

OpenDataset File::open(Dataset which, const std::string& path, int rank) const
{
    OpenDataset od;
    od.which = which;
    od.file = m_name;
    od.path = path;
    od.dset = openDatasetObject(path);
    checkElementType(od);
    const Handle space = readShape(od, rank);
    std::uint64_t bytes = 0;
    try {
        bytes = checkedProduct(od.dims, od.elementSize, od.label());
    } catch (const ReadError& e) {
        refuse(e.what());
    }
    const Handle dcpl = checkStorage(od);
    checkWritten(od, dcpl, space, rank, bytes);
    return od;
}

/// The object at `path`, opened when it is a dataset.
Handle File::openDatasetObject(const std::string& path) const
{
    H5O_info_t oi{};
    if (H5Oget_info_by_name2(m_file.get(), path.c_str(), &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        fail("cannot inspect '" + path + "'");
    if (oi.type != H5O_TYPE_DATASET)
        refuse("'" + path + "' is a " +
               (oi.type == H5O_TYPE_GROUP ? std::string("group") : std::string("named datatype")) +
               ", expected a dataset");
    Handle dset(H5Dopen2(m_file.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dset)
        fail("cannot open dataset '" + path + "'");
    return dset;
}

/// Element type: IEEE floating point of 16, 32 or 64 bits, either byte order.
void File::checkElementType(OpenDataset& od) const
{
    const std::string what = od.label();
    Handle type(H5Dget_type(od.dset.get()), H5Tclose);
    if (!type)
        fail("cannot read the type of " + what);
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls != H5T_FLOAT)
        refuse(what + " holds " + typeClassName(cls) +
               " data; only IEEE floating point (16, 32 or 64 bit) is accepted");
    const std::size_t size = H5Tget_size(type.get());
    const H5T_order_t order = H5Tget_order(type.get());
    if (!isIeeeFloat(type.get(), size, order))
        refuse(what + " holds a " + std::to_string(8 * size) +
               "-bit floating-point type that is not IEEE half, single or double precision");
    od.wide = size == 8;
    od.elementSize = size;
    od.bigEndian = order == H5T_ORDER_BE;
}

/// The dimensions, `rank` of them; returns the dataset's dataspace.
Handle File::readShape(OpenDataset& od, int rank) const
{
    const std::string what = od.label();
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
    return space;
}

/// Refuses storage that reads other files: a virtual dataset, raw data in
/// external files. Returns the dataset's creation properties.
Handle File::refuseForeignStorage(const Handle& dset, const std::string& what) const
{
    Handle dcpl(H5Dget_create_plist(dset.get()), H5Pclose);
    if (!dcpl)
        fail("cannot read the storage properties of " + what);
    if (H5Pget_layout(dcpl.get()) == H5D_VIRTUAL)
        refuse(what + " is a virtual dataset (it maps data from other datasets or files); "
                      "refused");
    if (H5Pget_external_count(dcpl.get()) != 0)
        refuse(what + " keeps its raw data in external file(s); refused (it could read "
                      "any file on this machine)");
    return dcpl;
}

/// Storage: refuse anything that reads other files or runs foreign code.
/// Returns the dataset's creation properties.
Handle File::checkStorage(OpenDataset& od) const
{
    const std::string what = od.label();
    Handle dcpl = refuseForeignStorage(od.dset, what);
    od.layout = H5Pget_layout(dcpl.get());
    const int nfilters = H5Pget_nfilters(dcpl.get());
    if (nfilters < 0)
        fail("cannot read the filters of " + what);
    od.filtered = nfilters > 0;
    for (int i = 0; i < nfilters; ++i) {
        unsigned flags = 0, config = 0;
        size_t ncd = 0;
        char fname[128] = {0};
        const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &ncd,
                                               nullptr, sizeof fname, fname, &config);
        if (id < 0)
            fail("cannot read the filters of " + what);
        if (H5Zfilter_avail(id) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            refuse(what + " is compressed with filter " + std::to_string(id) +
                   (fname[0] ? " ('" + std::string(fname) + "')" : std::string()) +
                   ", which is not available here (filter plugins are not loaded)");
        }
    }
    return dcpl;
}

/// Fully written? Unwritten chunks would read back as fill values, not data;
/// `bytes` is the size the shape declares.
void File::checkWritten(OpenDataset& od, const Handle& dcpl, const Handle& space, int rank,
                        std::uint64_t bytes) const
{
    const std::string what = od.label();
    if (od.layout == H5D_CHUNKED) {
        checkChunksWritten(od, dcpl, space, rank);
    } else if (od.layout == H5D_CONTIGUOUS) {
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
    } else if (od.layout == H5D_COMPACT) {
        // Compact data sit in the object header; HDF5 1.10.8 trusts the
        // shape and reads past a stored block that is shorter (found by
        // fuzz_reader: it returned heap bytes as data).
        const hsize_t stored = H5Dget_storage_size(od.dset.get());
        if (stored != bytes)
            refuse(what + " is damaged: its compact storage holds " + std::to_string(stored) +
                   " bytes, its shape " + formatDims(od.dims) + " needs " + std::to_string(bytes));
    }
}

/// Every chunk the shape needs is stored; records the chunk shape.
void File::checkChunksWritten(OpenDataset& od, const Handle& dcpl, const Handle& space,
                              int rank) const
{
    const std::string what = od.label();
    hsize_t cd[3] = {0, 0, 0};
    if (H5Pget_chunk(dcpl.get(), rank, cd) != rank)
        fail("cannot read the chunking of " + what);
    std::uint64_t needed = 1;
    for (int i = 0; i < rank; ++i) {
        if (cd[i] == 0)
            refuse(what + " has a zero chunk dimension");
        od.chunk.push_back(static_cast<std::int64_t>(cd[i]));
        const auto dim = static_cast<hsize_t>(od.dims[i]);
        needed *= (dim + cd[i] - 1) / cd[i]; // bounded: dims product checked before
    }
    hsize_t have = 0;
    if (H5Dget_num_chunks(od.dset.get(), space.get(), &have) < 0)
        fail("cannot count the chunks of " + what);
    if (have != needed)
        refuse(what + " is not fully written: " + std::to_string(have) + " of " +
               std::to_string(needed) + " chunks are stored");
}

Handle File::openAttribute(const std::string& name) const
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

} // namespace rnnloss::io::detail
