// What a recording may add to its data (docs/recording-format.md): root
// attributes (training lambdas, loss convention, label, run, step, epoch, dt,
// activation) and the trial_labels / neuron_groups datasets. They only add:
// anything odd in them is a warning, never a refusal (storage outside the
// file excepted). trial_values is data, refused when bad like every dataset.

#include "reader_internal.h"

#include "filechecks.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace rnnloss::io::detail {

namespace {

/// A label is for display; a longer one is cut.
constexpr std::size_t kMaxLabelBytes = 1024;

} // namespace

Handle File::variableStringType(const Handle& stored, const std::string& failure) const
{
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    if (!mem || H5Tset_size(mem.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(mem.get(), H5Tget_cset(stored.get())) < 0)
        fail(failure);
    return mem;
}

std::optional<File::Scalar> File::scalarAttribute(const std::string& name, H5T_class_t cls,
                                                  H5T_class_t alt, const char* what,
                                                  std::vector<std::string>& warnings) const
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

std::optional<double> File::numberAttribute(const std::string& name,
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

std::optional<double> File::attribute(const std::string& name,
                                      std::vector<std::string>& warnings) const
{
    const auto v = numberAttribute(name, warnings);
    if (v && (!std::isfinite(*v) || *v < 0)) {
        warnings.push_back(m_name + ": attribute '" + name + "' is " + std::to_string(*v) +
                           ", not a finite lambda >= 0; ignored");
        return std::nullopt;
    }
    return v;
}

bool File::attributeIsText(const std::string& name) const
{
    const Handle attr = openAttribute(name);
    if (!attr)
        return false;
    Handle type(H5Aget_type(attr.get()), H5Tclose);
    return type && H5Tget_class(type.get()) == H5T_STRING;
}

std::optional<std::string> File::textAttribute(const std::string& name, std::size_t maxBytes,
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
        const Handle mem = variableStringType(type, "cannot read attribute '" + name + "'");
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

std::vector<std::string> File::labelDataset(const std::string& name, std::int64_t expected,
                                            std::size_t maxBytes,
                                            std::vector<std::string>& warnings) const
{
    if (!exists(name))
        return {};
    const std::string what = m_name + ": dataset '" + name + "' ";
    H5O_info_t oi{};
    if (H5Oget_info_by_name2(m_file.get(), name.c_str(), &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        fail("cannot inspect '" + name + "'");
    if (oi.type != H5O_TYPE_DATASET) {
        warnings.push_back(what + "is not a dataset; ignored");
        return {};
    }
    Handle dset(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
    Handle space(dset ? H5Dget_space(dset.get()) : -1, H5Sclose);
    Handle type(dset ? H5Dget_type(dset.get()) : -1, H5Tclose);
    if (!dset || !space || !type)
        fail("cannot open dataset '" + name + "'");
    // The same storage rules as the time series: nothing read from other files.
    refuseForeignStorage(dset, "dataset '" + name + "'");
    hsize_t n = 0;
    if (H5Sget_simple_extent_ndims(space.get()) != 1 ||
        H5Sget_simple_extent_dims(space.get(), &n, nullptr) != 1 ||
        static_cast<std::int64_t>(n) != expected) {
        warnings.push_back(what + "should hold one entry per " +
                           (name == "trial_labels" ? std::string("trial (B = ")
                                                   : std::string("hidden unit (N_hid = ")) +
                           std::to_string(expected) + ") in one dimension; ignored");
        return {};
    }
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls == H5T_INTEGER)
        return readIntegerLabels(dset, name, n);
    if (cls != H5T_STRING) {
        warnings.push_back(what + "holds neither integers nor strings; ignored");
        return {};
    }
    const htri_t variable = H5Tis_variable_str(type.get());
    if (variable < 0)
        fail("cannot read dataset '" + name + "'");
    if (variable)
        return readVariableLabels(dset, type, space, name, n, maxBytes);
    return readFixedLabels(dset, type, name, n, maxBytes, warnings);
}

std::vector<std::string> File::readIntegerLabels(const Handle& dset, const std::string& name,
                                                 hsize_t n) const
{
    std::vector<std::string> out;
    out.reserve(n);
    std::vector<long long> v(n);
    if (H5Dread(dset.get(), H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
        fail("cannot read dataset '" + name + "'");
    for (long long x : v)
        out.push_back(std::to_string(x));
    return out;
}

std::vector<std::string> File::readVariableLabels(const Handle& dset, const Handle& type,
                                                  const Handle& space, const std::string& name,
                                                  hsize_t n, std::size_t maxBytes) const
{
    std::vector<std::string> out;
    out.reserve(n);
    const Handle mem = variableStringType(type, "cannot read dataset '" + name + "'");
    std::vector<char*> p(n, nullptr);
    if (H5Dread(dset.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) < 0)
        fail("cannot read dataset '" + name + "'");
    for (char* c : p)
        out.emplace_back(c ? c : "", c ? strnlen(c, maxBytes) : 0);
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, p.data());
    return out;
}

std::vector<std::string> File::readFixedLabels(const Handle& dset, const Handle& type,
                                               const std::string& name, hsize_t n,
                                               std::size_t maxBytes,
                                               std::vector<std::string>& warnings) const
{
    std::vector<std::string> out;
    out.reserve(n);
    const std::size_t size = H5Tget_size(type.get());
    // At most 256 MB of label text: a label is display text, not data.
    if (size == 0 || size > 4096 || size * n > (std::size_t(256) << 20)) {
        warnings.push_back(m_name + ": dataset '" + name + "' holds " + std::to_string(n) +
                           " strings of " + std::to_string(size) + " bytes; ignored");
        return {};
    }
    std::vector<char> buf(size * n);
    if (H5Dread(dset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
        fail("cannot read dataset '" + name + "'");
    for (hsize_t i = 0; i < n; ++i) {
        const char* c = buf.data() + i * size;
        out.emplace_back(c, strnlen(c, std::min(size, maxBytes)));
    }
    return out;
}

std::vector<double> File::trialValues(std::int64_t batch) const
{
    const std::string name = "trial_values";
    if (!exists(name))
        return {};
    const std::string what = "dataset '" + name + "'";
    const std::string wanted = "one finite number per trial";
    {
        // The rank first, in the words of this dataset (open()'s speak of
        // time series and weights).
        const Handle dset = openDatasetObject(name);
        const Handle space(H5Dget_space(dset.get()), H5Sclose);
        if (!space)
            fail("cannot read the shape of " + what);
        const int nd = H5Sget_simple_extent_ndims(space.get());
        if (nd != 1)
            refuse(what + " has " + std::to_string(std::max(nd, 0)) +
                   " dimension(s); it must hold " + wanted + ", shape (B,)");
    }
    if (batch <= 0)
        refuse(what + " needs outputs, targets, states or inputs to know the number of trials");
    const OpenDataset od = open(Dataset::Inputs, name, 1); // type, storage, written
    if (od.dims[0] != batch)
        refuse(what + " holds " + std::to_string(od.dims[0]) + " values for " +
               std::to_string(batch) + " trials; it must hold " + wanted);
    std::vector<double> v(static_cast<std::size_t>(batch));
    if (H5Dread(od.dset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
        fail("cannot read " + what);
    for (std::size_t b = 0; b < v.size(); ++b)
        if (!std::isfinite(v[b]))
            refuse(what + " holds " + (std::isnan(v[b]) ? "NaN" : "an infinity") + " at trial " +
                   std::to_string(b) + "; it must hold " + wanted);
    return v;
}

namespace {

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
    // The run groups checkpoints (runs.h); it is read as the label is, and
    // shown in tables and JSON lines: control characters become spaces.
    if (auto run = f.textAttribute("run", kMaxLabelBytes, s.warnings); run && !run->empty()) {
        if (run->size() == kMaxLabelBytes)
            dropIncompleteUtf8(*run);
        for (char& c : *run)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                c = ' ';
        s.run = std::move(*run);
    }
    for (auto [name, slot] : {std::pair{"step", &s.step}, std::pair{"epoch", &s.epoch}}) {
        *slot = f.numberAttribute(name, s.warnings);
        if (*slot && !std::isfinite(**slot)) {
            s.warnings.push_back(f.name() + ": attribute '" + name + "' is not finite; ignored");
            slot->reset();
        }
    }
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

/// The optional dt: a number of milliseconds, or text such as "10 ms" or "0.01 s".
void readDt(const File& f, Summary& s)
{
    const Duration d = durationAttribute(f, "dt", s.warnings);
    if (!d.present)
        return;
    // A time step from a nanosecond to a day: anything else is a unit mix-up
    // (and would make time axes of infinite or zero span).
    if (d.ms && std::isfinite(*d.ms) && *d.ms >= kMinDtMs && *d.ms <= kMaxDtMs)
        s.dtMs = d.ms;
    else
        s.warnings.push_back(f.name() + ": attribute 'dt' is '" + d.text +
                             "', not a number of milliseconds from 1e-6 to 8.64e7 (or \"10 ms\", "
                             "\"0.01 s\"); ignored");
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
    readDt(f, s);
}

} // namespace

/// What says which checkpoint `f` holds, to compare a weights file with its
/// recording; what is wrong with these attributes is reported elsewhere, if at all.
FileNaming namingOf(const File& f)
{
    std::vector<std::string> ignored;
    return {f.name(), f.textAttribute("label", kMaxLabelBytes, ignored),
            f.textAttribute("checkpoint", kMaxLabelBytes, ignored),
            f.numberAttribute("step", ignored), f.numberAttribute("epoch", ignored)};
}

std::vector<std::string> weightsMismatches(const File& rec, const File& wts)
{
    return namingMismatches(namingOf(rec), namingOf(wts));
}

Duration durationAttribute(const File& f, const std::string& name,
                           std::vector<std::string>& warnings)
{
    Duration d;
    if (f.attributeIsText(name)) {
        d.present = true;
        d.text = f.textAttribute(name, 64, warnings).value_or("");
        d.ms = parseDuration(d.text);
    } else if ((d.ms = f.numberAttribute(name, warnings))) {
        // Anything else is absent here, with numberAttribute's warning.
        d.present = true;
        d.text = std::to_string(*d.ms);
    }
    return d;
}

ActivationRead activationAttribute(const File& rec)
{
    ActivationRead a;
    std::vector<std::string> odd;
    const std::optional<std::string> text = rec.textAttribute("activation", 64, odd);
    if (!text) {
        a.note = odd.empty() ? "the recording has no 'activation' attribute (nn4n's relu, tanh, "
                               "sigmoid or retanh)"
                             : "the recording's 'activation' attribute is not a single string";
        return a;
    }
    const ActivationParse p = parseActivation(*text);
    if (p.value) {
        a.value = p.value;
        return a;
    }
    // parseActivation quotes the text: printable ASCII only, for a JSON or a table.
    a.note = "attribute 'activation': " + p.error;
    for (char& c : a.note)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            c = '?';
    return a;
}

void readAttributes(const File& rec, Summary& s)
{
    for (Term t : kAllTerms)
        s.trainingLambdas[index(t)] = rec.attribute(std::string(lambdaKey(t)), s.warnings);
    if (const auto c = rec.textAttribute("loss_convention", 64, s.warnings)) {
        s.lossConvention = conventionFromName(*c);
        if (!s.lossConvention)
            s.warnings.push_back(rec.name() + ": attribute 'loss_convention' is '" + *c +
                                 "', not 'nn4n' or 'spec'; ignored");
    }
    readNaming(rec, s);
    readLabels(rec, s);
}

} // namespace rnnloss::io::detail
