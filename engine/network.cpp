#include "network.h"

#include <cmath>
#include <cstdio>

namespace rnnloss {

namespace {

std::string dims(std::int64_t r, std::int64_t c)
{
    return std::string("(") + std::to_string(r) + ", " + std::to_string(c) + ")";
}

template <class M> std::string nonFinite(const M& m, const char* name)
{
    if (m.size() == 0 || m.allFinite())
        return {};
    std::int64_t bad = 0;
    for (Eigen::Index i = 0; i < m.size(); ++i)
        bad += !std::isfinite(m.data()[i]);
    return std::string(name) + " holds " + std::to_string(bad) + " non-finite value(s)";
}

std::string checkBias(const Eigen::VectorXd& b, std::int64_t n, const char* name, const char* what)
{
    if (b.size() != 0 && b.size() != n)
        return std::string(name) + " has " + std::to_string(b.size()) + " entries, but the " +
               what + " has " + std::to_string(n);
    return nonFinite(b, name);
}

std::string checkShapes(const Network& net)
{
    const std::int64_t n = net.wHid.rows();
    if (n == 0 || net.wHid.cols() != n)
        return "W_hid has shape " + dims(net.wHid.rows(), net.wHid.cols()) +
               "; it must be square and not empty (N_hid x N_hid)";
    if (net.wIn.rows() != n || net.wIn.cols() == 0)
        return "W_in has shape " + dims(net.wIn.rows(), net.wIn.cols()) + ", expected (" +
               std::to_string(n) + ", N_in) with N_in > 0 for " + std::to_string(n) +
               " hidden units";
    if (net.wOut.cols() != n || net.wOut.rows() == 0)
        return "W_out has shape " + dims(net.wOut.rows(), net.wOut.cols()) + ", expected (N_out, " +
               std::to_string(n) + ") with N_out > 0 for " + std::to_string(n) + " hidden units";
    return {};
}

} // namespace

std::string_view activationName(Activation a)
{
    switch (a) {
    case Activation::Relu:
        return "relu";
    case Activation::Tanh:
        return "tanh";
    case Activation::Sigmoid:
        return "sigmoid";
    case Activation::Retanh:
        return "retanh";
    }
    return {};
}

ActivationParse parseActivation(std::string_view name)
{
    for (Activation a :
         {Activation::Relu, Activation::Tanh, Activation::Sigmoid, Activation::Retanh})
        if (name == activationName(a))
            return {a, {}};
    // A name too long to be one is cut, so that the message stays one line.
    std::string shown(name.substr(0, 40));
    if (name.size() > 40)
        shown += "...";
    return {std::nullopt,
            "'" + shown + "' is not one of nn4n 1.2's activations: relu, tanh, sigmoid, retanh"};
}

std::string Network::validate(std::int64_t batch) const
{
    if (std::string why = checkShapes(*this); !why.empty())
        return why;
    const std::int64_t n = nHid();
    for (const std::string& why :
         {checkBias(bIn, n, "b_in", "network"), checkBias(bHid, n, "b_hid", "network"),
          checkBias(bOut, nOut(), "b_out", "readout"), nonFinite(wIn, "W_in"),
          nonFinite(wHid, "W_hid"), nonFinite(wOut, "W_out")})
        if (!why.empty())
            return why;
    if (!(alpha > 0.0 && alpha <= 1.0)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%g", alpha);
        return std::string("alpha (dt / tau) is ") + buf + "; it must be in (0, 1]";
    }
    if (initState.size() != 0) {
        const bool rowsOk = initState.rows() == 1 || batch < 0 || initState.rows() == batch;
        if (initState.cols() != n || !rowsOk)
            return "init_state has shape " + dims(initState.rows(), initState.cols()) +
                   ", expected (" + std::to_string(n) + ") or (" +
                   (batch < 0 ? std::string("B") : std::to_string(batch)) + ", " +
                   std::to_string(n) + ")";
        if (std::string why = nonFinite(initState, "init_state"); !why.empty())
            return why;
    }
    return {};
}

} // namespace rnnloss
