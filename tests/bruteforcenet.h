#pragma once
// The network of engine/network.h simulated by naive loops, its seven terms
// by tests/bruteforce.h, and their gradients by central finite differences:
// the brute-force reference of the gradient tests (test_gradient,
// test_grad_cli). It shares no code with the engine's gradient pass; the
// engine's Network is only the container of the parameters.

#include "bruteforce.h"
#include "gradient.h"
#include "network.h"
#include "slice.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

namespace bruteforcenet {

using namespace rnnloss;

struct Case
{
    Network net;
    Shape shape;
    std::vector<double> inputs, targets;
};

inline double act(Activation a, double x)
{
    switch (a) {
    case Activation::Relu:
        return x > 0.0 ? x : 0.0;
    case Activation::Tanh:
        return std::tanh(x);
    case Activation::Sigmoid:
        return 1.0 / (1.0 + std::exp(-x));
    case Activation::Retanh:
        return std::max(std::tanh(x), 0.0);
    }
    return NAN;
}

inline double biasAt(const Eigen::VectorXd& b, long i)
{
    return b.size() ? b[i] : 0.0;
}

struct Sim
{
    std::vector<double> r, y; ///< B x T x N_hid, B x T x N_out
};

/// The CTRNN of network.h written out element by element.
inline Sim simulate(const Network& n, const std::vector<double>& u, const Shape& s)
{
    const long N = s.nHid, I = s.nIn, O = s.nOut;
    Sim out;
    out.r.resize(s.batch * s.time * N);
    out.y.resize(s.batch * s.time * O);
    for (long b = 0; b < s.batch; ++b) {
        std::vector<double> v(N, 0.0), r(N), next(N);
        for (long i = 0; i < N; ++i) {
            if (n.initState.size())
                v[i] = n.initState(n.initState.rows() == 1 ? 0 : b, i);
            r[i] = act(n.activation, v[i]);
        }
        for (long t = 0; t < s.time; ++t) {
            for (long i = 0; i < N; ++i) {
                double drive = biasAt(n.bHid, i) + biasAt(n.bIn, i);
                for (long j = 0; j < N; ++j)
                    drive += n.wHid(i, j) * r[j];
                for (long k = 0; k < I; ++k)
                    drive += n.wIn(i, k) * u[(b * s.time + t) * I + k];
                next[i] = (1.0 - n.alpha) * v[i] + n.alpha * drive;
            }
            v = next;
            for (long i = 0; i < N; ++i) {
                r[i] = act(n.activation, v[i]);
                out.r[(b * s.time + t) * N + i] = r[i];
            }
            for (long o = 0; o < O; ++o) {
                double y = biasAt(n.bOut, o);
                for (long i = 0; i < N; ++i)
                    y += n.wOut(o, i) * r[i];
                out.y[(b * s.time + t) * O + o] = y;
            }
        }
    }
    return out;
}

inline std::vector<double> flat(const WeightMatrix& m)
{
    return {m.data(), m.data() + m.size()};
}

inline std::vector<long> toLong(const std::vector<std::int64_t>& v)
{
    return {v.begin(), v.end()};
}

/// The seven terms of the simulated network, by tests/bruteforce.h.
inline std::array<std::optional<double>, kTermCount> bruteLoss(const Network& n, const Case& c,
                                                               Convention conv, const Slice* slice)
{
    const Sim sim = simulate(n, c.inputs, c.shape);
    Recording rec;
    rec.shape = c.shape;
    rec.states = sim.r;
    if (!c.targets.empty()) {
        rec.outputs = sim.y;
        rec.targets = c.targets;
    }
    rec.wIn = flat(n.wIn);
    rec.wHid = flat(n.wHid);
    rec.wOut = flat(n.wOut);
    const auto t = slice ? bruteforce::compute(rec, conv == Convention::Nn4n, toLong(slice->trials),
                                               toLong(slice->neurons), toLong(slice->steps))
                         : bruteforce::compute(rec, conv == Convention::Nn4n);
    return {t.mse, t.in, t.hid, t.out, t.fr, t.frSd, t.frCv};
}

/// The storage of a parameter as a flat array; absent biases become zeros.
inline std::pair<double*, long> paramData(Network& n, Param p)
{
    auto bias = [&](Eigen::VectorXd& b, long size) {
        if (b.size() == 0)
            b.setZero(size);
        return std::pair{b.data(), size};
    };
    switch (p) {
    case Param::WIn:
        return {n.wIn.data(), static_cast<long>(n.wIn.size())};
    case Param::BIn:
        return bias(n.bIn, n.nHid());
    case Param::WHid:
        return {n.wHid.data(), static_cast<long>(n.wHid.size())};
    case Param::BHid:
        return bias(n.bHid, n.nHid());
    case Param::WOut:
        return {n.wOut.data(), static_cast<long>(n.wOut.size())};
    case Param::BOut:
        return bias(n.bOut, n.nOut());
    }
    return {nullptr, 0};
}

using FdGradients = std::array<std::array<std::vector<double>, kParamCount>, kTermCount>;

/// Central differences of every term with respect to every parameter entry.
inline FdGradients centralDifferences(const Case& c, Convention conv, const Slice* slice, double h)
{
    FdGradients fd;
    for (Param p : kAllParams) {
        Network n = c.net;
        auto [data, size] = paramData(n, p);
        for (auto& term : fd)
            term[index(p)].resize(size);
        for (long i = 0; i < size; ++i) {
            const double keep = data[i];
            data[i] = keep + h;
            const auto up = bruteLoss(n, c, conv, slice);
            data[i] = keep - h;
            const auto down = bruteLoss(n, c, conv, slice);
            data[i] = keep;
            for (Term k : kAllTerms)
                fd[index(k)][index(p)][i] = up[index(k)] && down[index(k)]
                                                ? (*up[index(k)] - *down[index(k)]) / (2 * h)
                                                : NAN;
        }
    }
    return fd;
}

} // namespace bruteforcenet
