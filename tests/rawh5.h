#pragma once
// A recording's arrays read straight with the HDF5 C API, as doubles, and the
// loss the brute force (bruteforce.h) gives for them: the expected numbers of
// tests that run the app on files, without the app's reader (engine/io) or
// its engine (summary, reducers, evaluate) in between.

#include "bruteforce.h"
#include "loss.h"

#include <QString>
#include <QStringList>

#include <hdf5.h>

#include <cstdio>

#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace rawh5 {

/// The first of `paths` that names a dataset of `file`: its dimensions and
/// values converted to double by HDF5. False when none exists.
inline bool readFirst(hid_t file, std::initializer_list<const char*> paths,
                      std::vector<hsize_t>& dims, std::vector<double>& values)
{
    for (const char* path : paths) {
        // H5Lexists needs every group on the way to exist.
        const std::string p(path);
        bool exists = true;
        for (std::size_t slash = p.find('/'); exists; slash = p.find('/', slash + 1)) {
            exists = H5Lexists(file, p.substr(0, slash).c_str(), H5P_DEFAULT) > 0;
            if (slash == std::string::npos)
                break;
        }
        if (!exists)
            continue;
        const hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
        if (d < 0)
            continue;
        const hid_t space = H5Dget_space(d);
        dims.assign(std::size_t(H5Sget_simple_extent_ndims(space)), 0);
        H5Sget_simple_extent_dims(space, dims.data(), nullptr);
        hsize_t n = 1;
        for (hsize_t x : dims)
            n *= x;
        values.assign(std::size_t(n), 0.0);
        const herr_t ok =
            H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
        H5Sclose(space);
        H5Dclose(d);
        return ok >= 0;
    }
    return false;
}

/// The arrays of `recording` and, when given, the weights of `weights` (then
/// the recording's own weights are not used, as the app does). Empty arrays
/// for datasets a file does not have.
inline bruteforce::Recording read(const QString& recording, const QString& weights = {})
{
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    bruteforce::Recording r;
    std::vector<hsize_t> dims;
    const hid_t f = H5Fopen(recording.toLocal8Bit().constData(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return r;
    if (readFirst(f, {"outputs"}, dims, r.outputs)) {
        r.shape.batch = std::int64_t(dims[0]);
        r.shape.time = std::int64_t(dims[1]);
        r.shape.nOut = std::int64_t(dims[2]);
    }
    readFirst(f, {"targets"}, dims, r.targets);
    if (readFirst(f, {"states"}, dims, r.states)) {
        r.shape.batch = std::int64_t(dims[0]);
        r.shape.time = std::int64_t(dims[1]);
        r.shape.nHid = std::int64_t(dims[2]);
    }
    const hid_t w = weights.isEmpty()
                        ? f
                        : H5Fopen(weights.toLocal8Bit().constData(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (w >= 0) {
        readFirst(w, {"weights/input", "recurrent_layer.input_layer.weight"}, dims, r.wIn);
        readFirst(w, {"weights/hidden", "recurrent_layer.hidden_layer.weight"}, dims, r.wHid);
        readFirst(w, {"weights/readout", "readout_layer.weight"}, dims, r.wOut);
        if (w != f)
            H5Fclose(w);
    }
    H5Fclose(f);
    return r;
}

/// Sets a root attribute of an existing file, replacing one of the same name:
/// text (a fixed-length string) or, with `text` empty, the number `number`.
inline bool setAttribute(const QString& file, const char* name, const std::string& text,
                         double number = 0.0)
{
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t f = H5Fopen(file.toLocal8Bit().constData(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) {
        // Say why (a lock held by another process, ...): a failure here once
        // in a fresh root could not be reproduced.
        std::fprintf(stderr, "rawh5::setAttribute: %s: H5Fopen failed:\n",
                     file.toLocal8Bit().constData());
        H5Eprint2(H5E_DEFAULT, stderr);
        return false;
    }
    if (H5Aexists(f, name) > 0)
        H5Adelete(f, name);
    const hid_t type = text.empty() ? H5Tcopy(H5T_IEEE_F64LE) : H5Tcopy(H5T_C_S1);
    if (!text.empty())
        H5Tset_size(type, text.size());
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(f, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    const herr_t ok = a < 0          ? -1
                      : text.empty() ? H5Awrite(a, H5T_NATIVE_DOUBLE, &number)
                                     : H5Awrite(a, type, text.data());
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
    const bool done = H5Fclose(f) >= 0 && ok >= 0;
    if (!done) {
        std::fprintf(stderr, "rawh5::setAttribute: %s: attribute %s not written:\n",
                     file.toLocal8Bit().constData(), name);
        H5Eprint2(H5E_DEFAULT, stderr);
    }
    return done;
}

/// The brute force's seven values in term order; a value that is not finite
/// (NaN or Inf in the data) is undefined, as the app shows it.
inline std::array<std::optional<double>, rnnloss::kTermCount> values(const bruteforce::Terms& t)
{
    std::array<std::optional<double>, rnnloss::kTermCount> v{t.mse, t.in,   t.hid, t.out,
                                                             t.fr,  t.frSd, t.frCv};
    for (auto& x : v)
        if (x && !std::isfinite(*x))
            x.reset();
    return v;
}

/// The brute-force term values of a file pair under a convention, computed
/// once per test process (the raw arrays are not kept).
inline std::array<std::optional<double>, rnnloss::kTermCount>
termValues(const QString& recording, const QString& weights, rnnloss::Convention c,
           std::vector<long> trials = {}, std::vector<long> neurons = {},
           std::vector<long> steps = {})
{
    using Key =
        std::tuple<QString, QString, int, std::vector<long>, std::vector<long>, std::vector<long>>;
    static std::map<Key, std::array<std::optional<double>, rnnloss::kTermCount>> cache;
    const Key key{recording, weights, int(c), trials, neurons, steps};
    if (const auto it = cache.find(key); it != cache.end())
        return it->second;
    const bruteforce::Recording r = read(recording, weights);
    return cache[key] = values(
               bruteforce::compute(r, c == rnnloss::Convention::Nn4n, trials, neurons, steps));
}

/// The per-neuron mean rates m_n (over every trial and step), NaN where the
/// data is not finite.
inline std::vector<double> meanRates(const bruteforce::Recording& r)
{
    std::vector<double> m;
    const auto& s = r.shape;
    if (r.states.empty())
        return m;
    for (long n = 0; n < s.nHid; ++n) {
        double sum = 0;
        for (long b = 0; b < s.batch; ++b)
            for (long t = 0; t < s.time; ++t)
                sum += bruteforce::at(r.states, s, b, t, n, s.nHid);
        m.push_back(sum / double(s.batch * s.time));
    }
    return m;
}

inline bool near(double a, double b, double tol)
{
    return std::abs(a - b) <= tol * std::max({1e-300, std::abs(a), std::abs(b)});
}

/// What differs between an evaluation shown by the app and the brute force's
/// values weighted by hand (λ·value; a term with λ 0 is not added; the total
/// is undefined when an enabled term is); empty when they agree to `tol`.
inline QStringList diff(const rnnloss::LossResult& got,
                        const std::array<std::optional<double>, rnnloss::kTermCount>& want,
                        const rnnloss::TermArray& lambdas, double tol)
{
    QStringList out;
    auto opt = [&](const QString& what, std::optional<double> a, std::optional<double> b) {
        if (a.has_value() != b.has_value())
            out << QStringLiteral("%1: shown %2, brute force %3")
                       .arg(what, a ? QString::number(*a, 'g', 17) : "undefined",
                            b ? QString::number(*b, 'g', 17) : "undefined");
        else if (a && !near(*a, *b, tol))
            out << QStringLiteral("%1: shown %2, brute force %3")
                       .arg(what)
                       .arg(*a, 0, 'g', 17)
                       .arg(*b, 0, 'g', 17);
    };
    double total = 0.0;
    bool defined = true;
    for (rnnloss::Term t : rnnloss::kAllTerms) {
        const auto i = std::size_t(rnnloss::index(t));
        const QString key = QString::fromUtf8(rnnloss::termKey(t).data());
        const double l = lambdas[i];
        if (got[t].lambda != l)
            out << QStringLiteral("%1: λ shown %2, expected %3").arg(key).arg(got[t].lambda).arg(l);
        opt(key + " value", got[t].value, want[i]);
        std::optional<double> weighted = 0.0;
        if (l != 0.0) {
            weighted = want[i] ? std::optional<double>(l * *want[i]) : std::nullopt;
            defined = defined && weighted.has_value();
            total += weighted.value_or(0.0);
        }
        opt(key + " weighted", got[t].weighted, weighted);
    }
    opt("total", got.total, defined ? std::optional<double>(total) : std::nullopt);
    return out;
}

} // namespace rawh5
