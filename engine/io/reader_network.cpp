// readNetwork: what the gradients need of a recording (docs/recording-format.md,
// "The network"): the weights, biases, activation, alpha and initial state of
// the network, and the inputs, targets and states it ran on. The datasets are
// found and checked as readRecording finds them (reader_layout.cpp,
// reader_open.cpp); the network's own objects go through the same rules.

#include "reader.h"

#include "hdf5global.h"
#include "networkerror.h"
#include "reader_internal.h"

#include <cmath>
#include <cstdio>
#include <new>

namespace rnnloss::io {

namespace {

using namespace detail;

/// The longest activation name read; nn4n's are at most 7 bytes.
constexpr std::size_t kMaxActivationBytes = 64;
/// The arrays are held whole for the simulation; a compressed file can declare
/// far more than it stores, so their size is bounded before anything is
/// allocated (the memory limit of the reader process stops less).
constexpr std::uint64_t kMaxArrayBytes = std::uint64_t(64) << 30;

/// Text from a file, fit for a one-line message: control characters shown as '?'.
std::string printable(std::string s)
{
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = '?';
    return s;
}

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

struct Bias
{
    Param param;
    const char* path;      ///< format v1
    const char* stateDict; ///< nn4n's state_dict() name
};
constexpr Bias kBiases[] = {
    {Param::BIn, "biases/input", "recurrent_layer.input_layer.bias"},
    {Param::BHid, "biases/hidden", "recurrent_layer.hidden_layer.bias"},
    {Param::BOut, "biases/readout", "readout_layer.bias"},
};

/// One error naming everything the gradients need that the files lack.
void requireComplete(const File& rec, const File* wts, const std::vector<OpenDataset>& open,
                     const Summary& s)
{
    std::vector<std::string> missing;
    if (!findDataset(open, Dataset::Inputs))
        missing.push_back("the dataset 'inputs'");
    // openDatasets() left the paths it looked at in the summary ("/weights/input
    // or /recurrent_layer.input_layer.weight").
    for (Dataset d : {Dataset::WeightsIn, Dataset::WeightsHid, Dataset::WeightsOut})
        if (!findDataset(open, d))
            missing.push_back("the dataset " + s.info(d).path +
                              (wts ? " in " + wts->name() : std::string()));
    if (!rec.hasAttribute("activation"))
        missing.push_back("the attribute 'activation'");
    if (!rec.hasAttribute("alpha")) {
        const bool tau = rec.hasAttribute("tau"), dt = rec.hasAttribute("dt");
        if (!tau || !dt)
            missing.push_back(std::string("the attribute") +
                              (!tau && !dt ? "s 'tau' and 'dt'"
                               : !tau      ? " 'tau'"
                                           : " 'dt'") +
                              " (or 'alpha')");
    }
    if (missing.empty())
        return;
    std::string list;
    for (std::size_t i = 0; i < missing.size(); ++i)
        list += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + missing[i];
    throw ReadError(rec.name() + ": the gradients need " + list + std::string(kNetworkMissing));
}

Activation readActivation(const File& rec)
{
    std::vector<std::string> odd;
    const auto text = rec.textAttribute("activation", kMaxActivationBytes, odd);
    if (!text)
        rec.refuse("attribute 'activation' is not a single string; expected one of nn4n 1.2's "
                   "activations: relu, tanh, sigmoid, retanh");
    const ActivationParse a = parseActivation(printable(*text));
    if (!a.value)
        rec.refuse("attribute 'activation': " + a.error);
    return *a.value;
}

/// tau or dt in milliseconds: a positive finite duration.
double readDuration(const File& rec, const char* name, std::vector<std::string>& warnings)
{
    std::vector<std::string> odd;
    const Duration d = durationAttribute(rec, name, odd);
    if (!d.present)
        rec.refuse("attribute '" + std::string(name) + "' is not a single number or text");
    if (!d.ms || !std::isfinite(*d.ms) || *d.ms <= 0)
        rec.refuse("attribute '" + std::string(name) + "' is '" + printable(d.text) +
                   "', not a positive number of milliseconds (or text such as \"10 ms\", "
                   "\"0.01 s\")");
    warnings.insert(warnings.end(), odd.begin(), odd.end());
    return *d.ms;
}

/// alpha = dt / tau, or the attribute `alpha`, which wins.
double readAlpha(const File& rec, std::vector<std::string>& warnings)
{
    const bool both = rec.hasAttribute("tau") && rec.hasAttribute("dt");
    if (!rec.hasAttribute("alpha")) {
        const double tau = readDuration(rec, "tau", warnings);
        const double dt = readDuration(rec, "dt", warnings);
        const double alpha = dt / tau;
        if (!(alpha > 0.0 && alpha <= 1.0))
            rec.refuse("dt / tau is " + number(dt) + " / " + number(tau) + " = " + number(alpha) +
                       "; alpha = dt / tau must be in (0, 1] (dt at most tau)");
        return alpha;
    }
    std::vector<std::string> odd;
    const auto alpha = rec.numberAttribute("alpha", odd);
    if (!alpha)
        rec.refuse("attribute 'alpha' is not a single number");
    if (!(*alpha > 0.0 && *alpha <= 1.0))
        rec.refuse("attribute 'alpha' is " + number(*alpha) + "; it must be a number in (0, 1]");
    if (both) {
        std::vector<std::string> ignored;
        const Duration tau = durationAttribute(rec, "tau", ignored);
        const Duration dt = durationAttribute(rec, "dt", ignored);
        if (tau.ms && dt.ms && std::abs(*dt.ms / *tau.ms - *alpha) > 1e-6 * *alpha)
            warnings.push_back(rec.name() + ": attribute 'alpha' (" + number(*alpha) +
                               ") is not dt / tau (" + number(*dt.ms / *tau.ms) +
                               "); alpha is used");
    }
    return *alpha;
}

/// The values of `d`, refused when one is not finite: the network must be.
std::vector<double> finiteValues(const OpenDataset& d)
{
    std::vector<double> v = readWeightValues(d);
    if (const std::int64_t bad = countNonFinite(v.data(), static_cast<std::int64_t>(v.size())))
        throw ReadError(d.file + ": " + d.label() + " holds " + std::to_string(bad) +
                        " non-finite value(s) (NaN or Inf); the gradients need a finite network");
    return v;
}

WeightMatrix matrixOf(const OpenDataset& d, std::int64_t rows, std::int64_t cols)
{
    const std::vector<double> v = finiteValues(d);
    return Eigen::Map<const WeightMatrix>(v.data(), rows, cols);
}

void readWeightMatrices(const std::vector<OpenDataset>& open, Network& net)
{
    const OpenDataset& in = *findDataset(open, Dataset::WeightsIn);
    const OpenDataset& hid = *findDataset(open, Dataset::WeightsHid);
    const OpenDataset& out = *findDataset(open, Dataset::WeightsOut);
    net.wIn = matrixOf(in, in.dims[0], in.dims[1]);
    net.wHid = matrixOf(hid, hid.dims[0], hid.dims[1]);
    net.wOut = matrixOf(out, out.dims[0], out.dims[1]);
}

/// The three biases from the file of the weights; a missing one is 0.
void readBiases(const File& f, const Shape& shape, Network& net)
{
    for (const Bias& b : kBiases) {
        std::string path;
        for (const char* p : {b.path, b.stateDict})
            if (path.empty() && f.exists(p))
                path = p;
        if (path.empty())
            continue;
        const bool out = b.param == Param::BOut;
        const std::int64_t want = out ? shape.nOut : shape.nHid;
        const OpenDataset d = f.openNetworkObject(path, 1, 1, out ? "(N_out)" : "(N_hid)");
        if (d.dims[0] != want)
            f.refuse(d.label() + " has " + std::to_string(d.dims[0]) + " entries, but the " +
                     (out ? "readout has N_out = " : "network has N_hid = ") +
                     std::to_string(want));
        const std::vector<double> v = finiteValues(d);
        Eigen::VectorXd& slot = b.param == Param::BIn ? net.bIn : out ? net.bOut : net.bHid;
        slot = Eigen::Map<const Eigen::VectorXd>(v.data(), want);
    }
}

/// The optional pre-activation v_0: (N_hid), or (B, N_hid) one row per trial.
void readInitState(const File& rec, const Shape& shape, Network& net)
{
    if (!rec.exists("init_state"))
        return;
    const OpenDataset d = rec.openNetworkObject("init_state", 1, 2, "(N_hid) or (B, N_hid)");
    const bool perTrial = d.dims.size() == 2;
    const std::int64_t rows = perTrial ? d.dims[0] : 1;
    if (d.dims.back() != shape.nHid || (perTrial && rows != shape.batch && rows != 1))
        rec.refuse(d.label() + " is " + formatDims(d.dims) + ", expected (" +
                   std::to_string(shape.nHid) + ") or (" + std::to_string(shape.batch) + ", " +
                   std::to_string(shape.nHid) + "): (N_hid) or (B, N_hid)");
    net.initState = matrixOf(d, rows, shape.nHid);
}

template <class Real>
std::vector<Real> readWhole(const OpenDataset& d, std::size_t slabBytes, Progress& progress)
{
    const std::uint64_t n = checkedProduct(d.dims, 1, d.label());
    std::vector<Real> v(n);
    const std::uint64_t perTrial = n / static_cast<std::uint64_t>(d.dims[0]);
    const std::int64_t k = slabTrials(d, slabBytes, sizeof(Real));
    for (std::int64_t b = 0; b < d.dims[0]; b += k) {
        const std::int64_t count = std::min(k, d.dims[0] - b);
        readTrialsInto(d, b, count, v.data() + static_cast<std::uint64_t>(b) * perTrial);
        progress.advance(static_cast<std::uint64_t>(count) * perTrial, d.path);
    }
    return v;
}

/// A time series whole, in its stored precision (half as float).
RealData readSeries(const OpenDataset* d, std::size_t slabBytes, Progress& progress)
{
    if (!d)
        return std::vector<double>{};
    if (d->wide)
        return readWhole<double>(*d, slabBytes, progress);
    return readWhole<float>(*d, slabBytes, progress);
}

void requireFiniteInputs(const OpenDataset& d, const RealData& inputs)
{
    const std::int64_t bad = std::visit(
        [](const auto& v) { return countNonFinite(v.data(), static_cast<std::int64_t>(v.size())); },
        inputs);
    if (bad)
        throw ReadError(d.file + ": " + d.label() + " holds " + std::to_string(bad) +
                        " non-finite value(s) (NaN or Inf); the network cannot be re-simulated "
                        "on them");
}

/// The network of the files, checked whole.
Network readNetworkObjects(const File& rec, const File* wts, const std::vector<OpenDataset>& open,
                           Summary& s)
{
    Network net;
    net.activation = readActivation(rec);
    net.alpha = readAlpha(rec, s.warnings);
    readWeightMatrices(open, net);
    readBiases(wts ? *wts : rec, s.shape, net);
    readInitState(rec, s.shape, net);
    if (const std::string why = net.validate(s.shape.batch); !why.empty())
        rec.refuse("the network: " + why);
    return net;
}

void readArrays(const ReadRequest& req, const std::vector<OpenDataset>& open,
                const ProgressFn& progressFn, NetworkRead& r)
{
    const OpenDataset* in = findDataset(open, Dataset::Inputs);
    const OpenDataset* tgt = findDataset(open, Dataset::Targets);
    const OpenDataset* st = findDataset(open, Dataset::States);
    std::uint64_t total = 0, bytes = 0;
    for (const OpenDataset* d : {in, tgt, st})
        if (d) {
            total += checkedProduct(d->dims, 1, d->label());
            bytes += checkedProduct(d->dims, d->wide ? 8 : 4, d->label());
        }
    if (bytes > kMaxArrayBytes)
        throw ReadError(in->file +
                        ": the gradients hold 'inputs', 'targets' and 'states' in "
                        "memory, " +
                        std::to_string(bytes >> 30) + " GiB here, more than the " +
                        std::to_string(kMaxArrayBytes >> 30) + " GiB the reader allows");
    Progress progress(progressFn, total);
    progress.advance(0, "opening");
    r.inputs = readSeries(in, req.slabBytes, progress);
    requireFiniteInputs(*in, r.inputs);
    r.targets = readSeries(tgt, req.slabBytes, progress);
    r.states = readSeries(st, req.slabBytes, progress);
}

NetworkRead readNetworkLocked(const ReadRequest& req, const ProgressFn& progress)
{
    if (req.recording.empty())
        throw ReadError(req.weights.empty() ? std::string("no file given")
                                            : req.weights + ": the gradients need a recording "
                                                            "(its inputs), not only the weights");
    NetworkRead r;
    const File rec(req.recording, req.recordingImage);
    std::optional<File> wts;
    if (!req.weights.empty())
        wts.emplace(req.weights, std::span<const std::uint8_t>{});
    Summary& s = r.recording;
    const std::vector<OpenDataset> open = openDatasets(&rec, wts ? &*wts : nullptr, rec.name(), s);
    agreeShape(open, rec.name(), s);
    readAttributes(rec, s);
    requireComplete(rec, wts ? &*wts : nullptr, open, s);
    r.network = readNetworkObjects(rec, wts ? &*wts : nullptr, open, s);
    r.slice = resolveSlice(req, s, rec.name());
    readArrays(req, open, progress, r);
    return r;
}

} // namespace

GradientInput NetworkRead::gradientInput() const
{
    GradientInput in;
    in.shape = recording.shape;
    auto view = [](const RealData& d) -> RealView {
        return std::visit([](const auto& v) -> RealView { return std::span(v); }, d);
    };
    in.inputs = view(inputs);
    in.targets = view(targets);
    in.states = view(states);
    return in;
}

NetworkRead readNetwork(const ReadRequest& request, const ProgressFn& progress)
{
    const auto lock = hdf5Lock();
    NetworkRead result;
    const std::string name = request.recording.empty() ? request.weights : request.recording;
    try {
        result = readNetworkLocked(request, progress);
    } catch (const ReadError& e) {
        result = NetworkRead{};
        result.error = e.what();
    } catch (const Cancelled&) {
        result = NetworkRead{};
        result.error = name + ": reading cancelled";
    } catch (const std::bad_alloc&) {
        result = NetworkRead{};
        result.error = name + ": out of memory while reading the recording for the gradients";
    }
    H5Eclear2(H5E_DEFAULT);
    return result;
}

} // namespace rnnloss::io
