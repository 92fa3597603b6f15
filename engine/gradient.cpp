#include "gradient.h"

#include "gradpass.h"
#include "slice.h"

#include <cmath>
#include <cstdio>
#include <new>
#include <system_error>

namespace rnnloss {

std::string_view paramKey(Param p)
{
    static constexpr std::array<std::string_view, kParamCount> keys = {"W_in",  "b_in",  "W_hid",
                                                                       "b_hid", "W_out", "b_out"};
    return keys[index(p)];
}

std::optional<Param> paramFromKey(std::string_view key)
{
    for (Param p : kAllParams)
        if (key == paramKey(p))
            return p;
    return std::nullopt;
}

namespace {

std::size_t viewSize(const RealView& v)
{
    return std::visit([](auto s) { return s.size(); }, v);
}

std::int64_t viewNonFinite(const RealView& v)
{
    return std::visit(
        [](auto s) {
            std::int64_t bad = 0;
            for (auto x : s)
                bad += !std::isfinite(x);
            return bad;
        },
        v);
}

std::string sizeMismatch(const char* name, std::size_t got, const Shape& s, std::int64_t width,
                         const char* widthName)
{
    return std::string("'") + name + "' holds " + std::to_string(got) +
           " values, expected B x T x " + widthName + " = " + std::to_string(s.batch) + " x " +
           std::to_string(s.time) + " x " + std::to_string(width);
}

std::string checkNetwork(const Network& net, const Shape& s)
{
    const std::pair<std::int64_t, std::int64_t> sizes[] = {
        {net.nIn(), s.nIn}, {net.nHid(), s.nHid}, {net.nOut(), s.nOut}};
    const char* what[] = {"N_in (W_in's columns)", "N_hid (W_hid's rows)", "N_out (W_out's rows)"};
    const char* data[] = {"'inputs' has", "the recording has", "the recording has"};
    for (int i = 0; i < 3; ++i)
        if (sizes[i].first != sizes[i].second)
            return "the network's " + std::string(what[i]) + " is " +
                   std::to_string(sizes[i].first) + " but " + data[i] + " " +
                   std::to_string(sizes[i].second);
    return net.validate(s.batch);
}

std::string checkInput(const Network& net, const GradientInput& in)
{
    const Shape& s = in.shape;
    if (s.batch <= 0 || s.time <= 0 || s.nIn <= 0 || s.nHid <= 0 || s.nOut <= 0)
        return "the recording's shape has an empty axis (B, T, N_in, N_hid and N_out must be > 0)";
    if (std::string why = checkNetwork(net, s); !why.empty())
        return why;
    const std::size_t bt = static_cast<std::size_t>(s.batch * s.time);
    if (viewSize(in.inputs) == 0)
        return "the gradients need the recording's 'inputs', which it does not hold";
    if (viewSize(in.inputs) != bt * s.nIn)
        return sizeMismatch("inputs", viewSize(in.inputs), s, s.nIn, "N_in");
    if (std::int64_t bad = viewNonFinite(in.inputs))
        return "'inputs' holds " + std::to_string(bad) + " non-finite value(s)";
    if (viewSize(in.targets) != 0 && viewSize(in.targets) != bt * s.nOut)
        return sizeMismatch("targets", viewSize(in.targets), s, s.nOut, "N_out");
    if (viewSize(in.states) != 0 && viewSize(in.states) != bt * s.nHid)
        return sizeMismatch("states", viewSize(in.states), s, s.nHid, "N_hid");
    return {};
}

std::string makePlan(const GradientInput& in, const GradientOptions& o, gradpass::Plan& p)
{
    Slice slice = o.slice ? *o.slice : wholeSlice(in.shape);
    if (o.slice) {
        if (!(slice.whole == in.shape))
            return "the slice is of a recording of another shape";
        if (std::string why = checkSlice(slice); !why.empty())
            return why;
    }
    p.shape = in.shape;
    p.trials = std::move(slice.trials);
    p.steps = std::move(slice.steps);
    p.neurons = std::move(slice.neurons);
    p.tsim = p.steps.back() + 1;
    p.stepSelected.assign(static_cast<std::size_t>(p.tsim), 0);
    for (auto t : p.steps)
        p.stepSelected[t] = 1;
    p.samples = static_cast<double>(p.trials.size()) * static_cast<double>(p.steps.size());
    return {};
}

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

void addReplayWarning(GradientResult& r)
{
    if (!r.replayError)
        return;
    const double e = *r.replayError;
    if (!std::isfinite(e)) {
        r.warnings.push_back("the recorded 'states' hold non-finite values, so they cannot be "
                             "compared with the network's noise-free re-simulation");
    } else if (e > kReplayTolerance * r.maxAbsRate) {
        r.warnings.push_back(
            "the recorded 'states' differ from the network's noise-free re-simulation by up to " +
            number(e) + " (max |r| " + number(r.maxAbsRate) +
            "): they are not this network's noise-free trajectory (noise while recording, "
            "another activation or tau?); the gradients are those of the noise-free network");
    }
}

void fillGram(GradientResult& r, gradpass::Gradients& g, bool keep, const Network& net)
{
    const std::array<std::pair<std::int64_t, std::int64_t>, kParamCount> shapes = {
        std::pair{net.nHid(), net.nIn()}, {net.nHid(), 1},
        {net.nHid(), net.nHid()},         {net.nHid(), 1},
        {net.nOut(), net.nHid()},         {net.nOut(), 1}};
    for (Param p : kAllParams) {
        ParamGram& gram = r.gram[index(p)];
        gram.param = p;
        for (Term k : kAllTerms) {
            gram.defined[index(k)] = r.terms[index(k)].defined;
            gram.reason[index(k)] = r.terms[index(k)].reason;
            for (Term l : kAllTerms) {
                const WeightMatrix& a = g[index(k)][index(p)];
                const WeightMatrix& b = g[index(l)][index(p)];
                const bool both = gram.defined[index(k)] && r.terms[index(l)].defined;
                gram.g[index(k)][index(l)] =
                    both && a.size() && b.size() ? a.cwiseProduct(b).sum() : 0.0;
            }
        }
    }
    if (!keep)
        return;
    for (Term k : kAllTerms)
        for (Param p : kAllParams) {
            WeightMatrix& m = g[index(k)][index(p)];
            if (m.size() == 0 || !r.terms[index(k)].defined)
                m.setZero(shapes[index(p)].first, shapes[index(p)].second);
            r.gradients[index(k)][index(p)] = std::move(m);
        }
}

} // namespace

GradientResult computeGradients(const Network& net, const GradientInput& in,
                                const GradientOptions& options)
{
    GradientResult r;
    r.convention = options.convention;
    if (std::string why = checkInput(net, in); !why.empty()) {
        r.error = why;
        return r;
    }
    gradpass::Plan plan;
    if (std::string why = makePlan(in, options, plan); !why.empty()) {
        r.error = why;
        return r;
    }
    try {
        gradpass::Gradients g;
        if (!gradpass::run(net, in, plan, options, r, g)) {
            r.cancelled = true;
            return r;
        }
        addReplayWarning(r);
        fillGram(r, g, options.keepGradients, net);
    } catch (const std::system_error& e) {
        GradientResult failed;
        failed.convention = options.convention;
        failed.error = std::string("could not start a thread for the gradient pass: ") + e.what();
        return failed;
    } catch (const std::bad_alloc&) {
        GradientResult failed;
        failed.convention = options.convention;
        failed.error = "not enough memory for the gradient pass (it keeps every re-simulated "
                       "rate in double: " +
                       number(8.0 * static_cast<double>(plan.tsim + 1) *
                              static_cast<double>(plan.trials.size()) *
                              static_cast<double>(in.shape.nHid) / 1e9) +
                       " GB)";
        return failed;
    }
    return r;
}

} // namespace rnnloss
