#include "writer.h"

#include "hdf5global.h"

#include <hdf5.h>

#include <cmath>
#include <limits>
#include <mutex>
#include <vector>

namespace rnnloss::io {

namespace {

std::string writeDataset(hid_t loc, const std::string& name, const std::vector<double>& data,
                         const std::vector<hsize_t>& dims, const WriteOptions& o)
{
    if (data.empty())
        return {};
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (o.chunkTrials > 0 && dims.size() == 3) {
        std::vector<hsize_t> chunk = dims;
        chunk[0] = std::min<hsize_t>(dims[0], static_cast<hsize_t>(o.chunkTrials));
        H5Pset_chunk(dcpl, 3, chunk.data());
        if (o.gzipLevel > 0)
            H5Pset_deflate(dcpl, static_cast<unsigned>(o.gzipLevel));
    }
    const hid_t ftype = o.doublePrecision ? H5T_IEEE_F64LE : H5T_IEEE_F32LE;
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    const hid_t d = H5Dcreate2(loc, name.c_str(), ftype, space, lcpl, dcpl, H5P_DEFAULT);
    herr_t st = -1;
    if (d >= 0) {
        st = H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
        H5Dclose(d);
    }
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    return st < 0 ? "cannot write dataset '" + name + "'" : std::string();
}

/// The seven arrays of the recording, under their format-v1 or state_dict names.
std::string writeArrays(hid_t f, const Recording& rec, const WriteOptions& o)
{
    const Shape& s = rec.shape;
    using D = std::vector<hsize_t>;
    auto u = [](std::int64_t v) { return static_cast<hsize_t>(v); };
    std::string err;
    auto put = [&](const std::string& name, const std::vector<double>& data, D dims) {
        if (err.empty())
            err = writeDataset(f, name, data, dims, o);
    };
    put("outputs", rec.outputs, {u(s.batch), u(s.time), u(s.nOut)});
    put("targets", rec.targets, {u(s.batch), u(s.time), u(s.nOut)});
    put("states", rec.states, {u(s.batch), u(s.time), u(s.nHid)});
    put("inputs", rec.inputs, {u(s.batch), u(s.time), u(s.nIn)});
    put(o.stateDictNames ? "recurrent_layer.input_layer.weight" : "weights/input", rec.wIn,
        {u(s.nHid), u(s.nIn)});
    put(o.stateDictNames ? "recurrent_layer.hidden_layer.weight" : "weights/hidden", rec.wHid,
        {u(s.nHid), u(s.nHid)});
    put(o.stateDictNames ? "readout_layer.weight" : "weights/readout", rec.wOut,
        {u(s.nOut), u(s.nHid)});
    return err;
}

/// The training lambdas the recording has, as root attributes.
std::string writeLambdas(hid_t f, const Recording& rec)
{
    for (Term t : kAllTerms) {
        const auto& l = rec.trainingLambdas[index(t)];
        if (!l)
            continue;
        const hid_t sp = H5Screate(H5S_SCALAR);
        const hid_t a = H5Acreate2(f, std::string(lambdaKey(t)).c_str(), H5T_IEEE_F64LE, sp,
                                   H5P_DEFAULT, H5P_DEFAULT);
        std::string err;
        if (a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, &*l) < 0)
            err = "cannot write attribute " + std::string(lambdaKey(t));
        if (a >= 0)
            H5Aclose(a);
        H5Sclose(sp);
        if (!err.empty())
            return err;
    }
    return {};
}

/// One label dataset (trial_labels, neuron_groups): 64-bit integers or
/// variable-length UTF-8 strings.
std::string writeLabelDataset(hid_t f, const char* name, const std::vector<std::string>& labels,
                              bool integers)
{
    const hsize_t n = labels.size();
    const hid_t sp = H5Screate_simple(1, &n, nullptr);
    hid_t type = -1, d = -1;
    herr_t w = -1;
    if (integers) {
        std::vector<long long> v;
        for (const std::string& l : labels)
            v.push_back(std::stoll(l));
        d = H5Dcreate2(f, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        w = d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    } else {
        type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, H5T_VARIABLE);
        H5Tset_cset(type, H5T_CSET_UTF8);
        std::vector<const char*> v;
        for (const std::string& l : labels)
            v.push_back(l.c_str());
        d = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        w = d < 0 ? -1 : H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    }
    if (d >= 0)
        H5Dclose(d);
    if (type >= 0)
        H5Tclose(type);
    H5Sclose(sp);
    return w < 0 ? std::string("cannot write dataset ") + name : std::string();
}

/// One root attribute: a double, or text.
std::string writeAttribute(hid_t f, const char* name, const std::optional<double>& number,
                           const std::string& text)
{
    const hid_t sp = H5Screate(H5S_SCALAR);
    hid_t type = H5T_IEEE_F64LE, a = -1;
    herr_t w = -1;
    if (number) {
        a = H5Acreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
        w = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_DOUBLE, &*number);
    } else {
        type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, text.size());
        a = H5Acreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
        w = a < 0 ? -1 : H5Awrite(a, type, text.data());
        H5Tclose(type);
    }
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return w < 0 ? std::string("cannot write attribute ") + name : std::string();
}

/// The network's biases, initial state, activation and alpha.
std::string writeNetwork(hid_t f, const Network& n, const WriteOptions& o)
{
    WriteOptions plain = o;
    plain.chunkTrials = 0;
    for (const auto& [name, b] :
         {std::pair{"biases/input", &n.bIn}, std::pair{"biases/hidden", &n.bHid},
          std::pair{"biases/readout", &n.bOut}}) {
        const std::vector<double> v(b->data(), b->data() + b->size());
        if (std::string err = writeDataset(f, name, v, {hsize_t(v.size())}, plain); !err.empty())
            return err;
    }
    const std::vector<double> init(n.initState.data(), n.initState.data() + n.initState.size());
    const std::vector<hsize_t> dims = {hsize_t(n.initState.rows()), hsize_t(n.initState.cols())};
    if (std::string err = writeDataset(f, "init_state", init, dims, plain); !err.empty())
        return err;
    if (std::string err = writeAttribute(f, "activation", std::nullopt,
                                         std::string(activationName(n.activation)));
        !err.empty())
        return err;
    return writeAttribute(f, "alpha", n.alpha, {});
}

/// Everything of the recording into the created file `f`; the first error.
std::string writeContents(hid_t f, const Recording& rec, const WriteOptions& o)
{
    if (std::string err = writeArrays(f, rec, o); !err.empty())
        return err;
    if (std::string err = writeLambdas(f, rec); !err.empty())
        return err;
    for (auto [name, labels] :
         {std::pair{"trial_labels", &o.trialLabels}, std::pair{"neuron_groups", &o.neuronGroups}}) {
        if (labels->empty())
            continue;
        if (std::string err = writeLabelDataset(f, name, *labels, o.integerLabels); !err.empty())
            return err;
    }
    if (o.network)
        if (std::string err = writeNetwork(f, *o.network, o); !err.empty())
            return err;
    if (o.step)
        if (std::string err = writeAttribute(f, "step", o.step, {}); !err.empty())
            return err;
    // dt as a number of milliseconds or as text, when the options give one.
    if (!o.dtMs && o.dtText.empty())
        return {};
    return writeAttribute(f, "dt", o.dtMs, o.dtText);
}

} // namespace

std::string writeRecording(const std::string& path, const Recording& rec, const WriteOptions& o)
{
    const auto lock = detail::hdf5Lock();
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return path + ": cannot create the file";
    const std::string err = writeContents(f, rec, o);
    H5Fclose(f);
    return err.empty() ? err : path + ": " + err;
}

double readRaw(const std::string& path, const std::string& name, std::size_t slabBytes)
{
    const auto lock = detail::hdf5Lock();
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return std::numeric_limits<double>::quiet_NaN();
    const hid_t d = H5Dopen2(f, name.c_str(), H5P_DEFAULT);
    const hid_t fs = H5Dget_space(d);
    hsize_t dims[3] = {0, 0, 0};
    H5Sget_simple_extent_dims(fs, dims, nullptr);
    const hsize_t perTrial = dims[1] * dims[2];
    const hsize_t k = std::max<hsize_t>(1, slabBytes / (perTrial * sizeof(float)));
    std::vector<float> buf;
    double sum = 0.0;
    for (hsize_t b = 0; b < dims[0]; b += k) {
        const hsize_t n = std::min(k, dims[0] - b);
        hsize_t start[3] = {b, 0, 0}, count[3] = {n, dims[1], dims[2]};
        buf.resize(n * perTrial);
        const hid_t ms = H5Screate_simple(3, count, nullptr);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, nullptr, count, nullptr);
        H5Dread(d, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, buf.data());
        H5Sclose(ms);
        sum += buf.front() + buf.back();
    }
    H5Sclose(fs);
    H5Dclose(d);
    H5Fclose(f);
    return sum;
}

} // namespace rnnloss::io
