// The noise-free re-simulation of the network and what is reduced from it
// (gradpass.h).

#include "gradpass.h"

#include <algorithm>
#include <cmath>

namespace rnnloss::gradpass {

namespace {

using Mat = WeightMatrix;
using MapM = Eigen::Map<Mat>;

template <class Dst, class Src> void activate(Activation a, const Src& v, Dst&& out)
{
    switch (a) {
    case Activation::Relu:
        out = v.cwiseMax(0.0);
        break;
    case Activation::Tanh:
        out = v.array().tanh().matrix();
        break;
    case Activation::Sigmoid:
        out = (1.0 + (-v.array()).exp()).inverse().matrix();
        break;
    case Activation::Retanh:
        out = v.array().tanh().max(0.0).matrix();
        break;
    }
}

template <class Real>
void copyRows(std::span<const Real> src, std::int64_t trial, std::int64_t steps, std::int64_t T,
              std::int64_t width, std::int64_t count, std::int64_t j, double* dst)
{
    for (std::int64_t t = 0; t < steps; ++t) {
        const Real* row = src.data() + (trial * T + t) * width;
        double* out = dst + (t * count + j) * width;
        for (std::int64_t i = 0; i < width; ++i)
            out[i] = static_cast<double>(row[i]);
    }
}

template <class Real>
double replayRows(std::span<const Real> states, const Block& b, const Plan& p, std::int64_t n)
{
    double worst = 0.0;
    for (std::int64_t j = 0; j < b.count; ++j) {
        const std::int64_t trial = p.trials[b.first + j];
        for (std::int64_t t = 1; t <= p.tsim; ++t) {
            const Real* rec = states.data() + (trial * p.shape.time + t - 1) * n;
            const auto diff = (Eigen::Map<const Eigen::Matrix<Real, 1, Eigen::Dynamic>>(rec, n)
                                   .template cast<double>() -
                               b.r.row(t * b.count + j))
                                  .cwiseAbs();
            if (!diff.allFinite())
                return INFINITY;
            worst = std::max(worst, diff.maxCoeff());
        }
    }
    return worst;
}

/// dy = y - target at selected steps (0 elsewhere) and its squared sum.
template <class Real>
void outputErrors(std::span<const Real> targets, Block& b, const Model& m, const Plan& p)
{
    const std::int64_t cnt = b.count, o = m.nOut;
    b.dy.resize(p.tsim * cnt, o);
    m.gemm(false, true, p.tsim * cnt, o, m.nHid, b.r.data() + cnt * m.nHid, m.nHid,
           m.net.wOut.data(), m.nHid, false, b.dy.data(), o);
    for (std::int64_t t = 0; t < p.tsim; ++t)
        for (std::int64_t j = 0; j < cnt; ++j) {
            auto row = b.dy.row(t * cnt + j);
            if (!p.stepSelected[t]) {
                row.setZero();
                continue;
            }
            const Real* y = targets.data() + (p.trials[b.first + j] * p.shape.time + t) * o;
            const auto target = Eigen::Map<const Eigen::Matrix<Real, 1, Eigen::Dynamic>>(y, o)
                                    .template cast<double>();
            b.sums.targetsNonFinite += o - target.array().isFinite().count();
            row += m.bOut - target;
        }
    b.sums.sqErr = b.dy.squaredNorm();
}

} // namespace

void loadBlock(Block& b, const Model& m, const GradientInput& in, const Plan& p)
{
    const std::int64_t n = m.nHid, cnt = b.count;
    b.u.resize(p.tsim * cnt, m.nIn);
    b.r.resize((p.tsim + 1) * cnt, n);
    b.v.resize(cnt, n);
    const Mat& v0 = m.net.initState;
    for (std::int64_t j = 0; j < cnt; ++j) {
        const std::int64_t trial = p.trials[b.first + j];
        std::visit(
            [&](auto s) { copyRows(s, trial, p.tsim, p.shape.time, m.nIn, cnt, j, b.u.data()); },
            in.inputs);
        if (v0.size() == 0)
            b.v.row(j).setZero();
        else
            b.v.row(j) = v0.row(v0.rows() == 1 ? 0 : trial);
    }
    activate(m.net.activation, b.v, b.r.topRows(cnt));
}

/// r_t from r_{t-1}, for t in [t0, t1).
void forward(Block& b, const Model& m, std::int64_t t0, std::int64_t t1)
{
    const std::int64_t n = m.nHid, cnt = b.count;
    const double alpha = m.net.alpha;
    for (std::int64_t t = t0; t < t1; ++t) {
        double* rt = b.r.data() + t * cnt * n;
        m.gemm(false, true, cnt, n, n, rt - cnt * n, n, m.net.wHid.data(), n, false, rt, n);
        m.gemm(false, true, cnt, n, m.nIn, b.u.data() + (t - 1) * cnt * m.nIn, m.nIn,
               m.net.wIn.data(), m.nIn, true, rt, n);
        MapM drive(rt, cnt, n);
        drive.rowwise() += m.bSum;
        b.v = (1.0 - alpha) * b.v + alpha * drive;
        activate(m.net.activation, b.v, drive);
    }
}

void reduce(Block& b, const Model& m, const GradientInput& in, const Plan& p)
{
    const std::int64_t n = m.nHid, cnt = b.count;
    RateSums& s = b.sums;
    s.r.setZero(n);
    s.abs.setZero(n);
    s.sq.setZero(n);
    for (std::int64_t t = 1; t <= p.tsim; ++t) {
        const auto rows = b.r.middleRows(t * cnt, cnt);
        if (!rows.allFinite()) {
            s.finite = false;
            continue;
        }
        b.maxAbs = std::max(b.maxAbs, rows.cwiseAbs().maxCoeff());
        if (!p.stepSelected[t - 1])
            continue;
        s.r += rows.colwise().sum().transpose().array();
        s.abs += rows.cwiseAbs().colwise().sum().transpose().array();
        s.sq += rows.cwiseAbs2().colwise().sum().transpose().array();
    }
    if (std::visit([](auto v) { return !v.empty(); }, in.states))
        b.replay = std::visit([&](auto v) { return replayRows(v, b, p, n); }, in.states);
    if (std::visit([](auto v) { return !v.empty(); }, in.targets) && s.finite)
        std::visit([&](auto v) { outputErrors(v, b, m, p); }, in.targets);
}

} // namespace rnnloss::gradpass
