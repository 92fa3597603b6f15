#pragma once
// nn4n's gradient reference cases (tests/data/gradient/reference.json, made by
// tools/make_gradient_reference.py with nn4n 1.2.0 and PyTorch autograd) and
// the writer that turns one into a recording with the HDF5 C API, for the
// tests that check gradients against them (test_grad_cli, test_gradientapp).
// Shares no code with the engine or its reader.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <hdf5.h>

#include <string>
#include <vector>

namespace gradientref {

inline const QString kReference = QStringLiteral(RNNLOSS_TESTDATA_DIR "/gradient/reference.json");

/// Writes float64 datasets and attributes (intermediate groups created).
class H5Writer
{
public:
    explicit H5Writer(const QString& path)
        : m_file(H5Fcreate(QFile::encodeName(path).constData(), H5F_ACC_TRUNC, H5P_DEFAULT,
                           H5P_DEFAULT)),
          m_lcpl(H5Pcreate(H5P_LINK_CREATE))
    {
        H5Pset_create_intermediate_group(m_lcpl, 1);
    }
    ~H5Writer()
    {
        H5Pclose(m_lcpl);
        if (m_file >= 0)
            H5Fclose(m_file);
    }
    bool ok() const { return m_file >= 0; }
    void data(const char* path, const std::vector<hsize_t>& dims, const std::vector<double>& v)
    {
        const hid_t sp = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
        const hid_t d =
            H5Dcreate2(m_file, path, H5T_IEEE_F64LE, sp, m_lcpl, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
        H5Dclose(d);
        H5Sclose(sp);
    }
    void number(const char* name, double v)
    {
        const hid_t sp = H5Screate(H5S_SCALAR);
        const hid_t a = H5Acreate2(m_file, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
        H5Aclose(a);
        H5Sclose(sp);
    }
    void text(const char* name, const std::string& v)
    {
        const hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, v.size());
        const hid_t sp = H5Screate(H5S_SCALAR);
        const hid_t a = H5Acreate2(m_file, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, t, v.data());
        H5Aclose(a);
        H5Sclose(sp);
        H5Tclose(t);
    }

private:
    hid_t m_file;
    hid_t m_lcpl;
};


inline const QJsonObject& referenceCases()
{
    static const QJsonObject cases = [] {
        QFile f(kReference);
        if (!f.open(QIODevice::ReadOnly))
            return QJsonObject();
        return QJsonDocument::fromJson(f.readAll()).object()["cases"].toObject();
    }();
    return cases;
}

inline std::vector<double> numbers(const QJsonValue& v)
{
    std::vector<double> out;
    for (const QJsonValue& x : v.toArray()) {
        if (x.isArray())
            for (double y : numbers(x))
                out.push_back(y);
        else
            out.push_back(x.toDouble());
    }
    return out;
}

/// The reference case as a recording: format-v1 names, or nn4n's state_dict
/// names with `stateDict`; tau and dt as numbers.
inline bool writeReferenceCase(const QJsonObject& j, const QString& path, bool stateDict)
{
    H5Writer w(path);
    if (!w.ok())
        return false;
    const QJsonObject s = j["shape"].toObject();
    const hsize_t B = s["batch"].toInteger(), T = s["time"].toInteger(), I = s["n_in"].toInteger(),
                  N = s["n_hid"].toInteger(), O = s["n_out"].toInteger();
    w.data("inputs", {B, T, I}, numbers(j["inputs"]));
    w.data("targets", {B, T, O}, numbers(j["targets"]));
    w.data("states", {B, T, N}, numbers(j["states"]));
    w.data("outputs", {B, T, O}, numbers(j["outputs"]));
    const QJsonObject wts = j["weights"].toObject();
    w.data(stateDict ? "recurrent_layer.input_layer.weight" : "weights/input", {N, I},
           numbers(wts["W_in"]));
    w.data(stateDict ? "recurrent_layer.hidden_layer.weight" : "weights/hidden", {N, N},
           numbers(wts["W_hid"]));
    w.data(stateDict ? "readout_layer.weight" : "weights/readout", {O, N}, numbers(wts["W_out"]));
    if (j["biases"].isObject()) {
        const QJsonObject b = j["biases"].toObject();
        w.data(stateDict ? "recurrent_layer.input_layer.bias" : "biases/input", {N},
               numbers(b["b_in"]));
        w.data(stateDict ? "recurrent_layer.hidden_layer.bias" : "biases/hidden", {N},
               numbers(b["b_hid"]));
        w.data(stateDict ? "readout_layer.bias" : "biases/readout", {O}, numbers(b["b_out"]));
    }
    const QJsonValue init = j["init_state"];
    if (init.isArray()) {
        if (init.toArray()[0].isArray())
            w.data("init_state", {B, N}, numbers(init));
        else
            w.data("init_state", {N}, numbers(init));
    }
    w.text("activation", j["activation"].toString().toStdString());
    w.number("tau", j["tau"].toDouble());
    w.number("dt", j["dt"].toDouble());
    return true;
}

} // namespace gradientref
