// The backward pass through time (gradpass.cpp explains the layout).

#include "gradpass.h"

#include <algorithm>

namespace rnnloss::gradpass {

namespace {

using Mat = WeightMatrix;
using MapM = Eigen::Map<Mat>;

using Strided = Eigen::Map<Mat, 0, Eigen::OuterStride<>>;

/// f'(v) from r = f(v), as PyTorch's backward computes it (0 at relu's and
/// retanh's kink).
template <class Src> void derivative(Activation a, const Src& r, Mat& out)
{
    switch (a) {
    case Activation::Relu:
        out = (r.array() > 0.0).template cast<double>().matrix();
        break;
    case Activation::Tanh:
        out = (1.0 - r.array().square()).matrix();
        break;
    case Activation::Sigmoid:
        out = (r.array() * (1.0 - r.array())).matrix();
        break;
    case Activation::Retanh:
        out = (r.array() > 0.0).select(1.0 - r.array().square(), 0.0).matrix();
        break;
    }
}

/// The term's own cotangent e_t = dL/dr_t of the block at step t (selected).
void cotangent(const Cotangent& c, Block& b, const Model& m, std::int64_t t)
{
    const std::int64_t cnt = b.count, n = m.nHid;
    const auto r = b.r.middleRows(t * cnt, cnt).array();
    switch (c.kind) {
    case Kind::Output:
        m.gemm(false, false, cnt, n, m.nOut, b.dy.data() + (t - 1) * cnt * m.nOut, m.nOut,
               m.net.wOut.data(), n, false, b.e.data(), n);
        break;
    case Kind::Const:
        b.e.rowwise() = c.c.transpose();
        break;
    case Kind::Linear:
        b.e = (r.rowwise() * c.c.transpose().array()).matrix();
        break;
    case Kind::Sign:
        b.e = (r.sign().rowwise() * c.c.transpose().array()).matrix();
        break;
    }
}

/// delta_t into `out` (count x K N) from delta_{t+1} in `next` (null at the last step).
void backStep(Block& b, const Model& m, const std::vector<Cotangent>& terms, const Plan& p,
              std::int64_t t, double* out, const double* next)
{
    const std::int64_t cnt = b.count, n = m.nHid;
    const auto k = static_cast<std::int64_t>(terms.size());
    const double alpha = m.net.alpha;
    if (next)
        m.gemm(false, false, cnt * k, n, n, next, n, m.net.wHid.data(), n, false, b.g.data(), n);
    derivative(m.net.activation, b.r.middleRows(t * cnt, cnt), b.fp);
    const bool selected = p.stepSelected[t - 1];
    const Eigen::OuterStride<> stride(k * n);
    for (std::int64_t i = 0; i < k; ++i) {
        if (selected)
            cotangent(terms[i], b, m, t);
        else
            b.e.setZero();
        Strided d(out + i * n, cnt, n, stride);
        if (!next) {
            d = (alpha * b.fp.array() * b.e.array()).matrix();
            continue;
        }
        const Strided g(b.g.data() + i * n, cnt, n, stride);
        const Strided dn(const_cast<double*>(next) + i * n, cnt, n, stride);
        d = (alpha * b.fp.array() * (b.e.array() + g.array()) + (1.0 - alpha) * dn.array())
                .matrix();
    }
}

} // namespace

/// The steps ta ... tb (1-based, ta <= tb) backwards, then their sums.
void backward(Block& b, const Model& m, const std::vector<Cotangent>& terms, const Plan& p,
              std::int64_t ta, std::int64_t tb)
{
    const std::int64_t cnt = b.count, n = m.nHid;
    const std::int64_t width = static_cast<std::int64_t>(terms.size()) * n;
    const std::int64_t slot = cnt * width;
    for (std::int64_t t = tb; t >= ta; --t) {
        const double* next = t < tb       ? b.chunk.data() + (t + 1 - ta) * slot
                             : t < p.tsim ? b.carry.data()
                                          : nullptr;
        backStep(b, m, terms, p, t, b.chunk.data() + (t - ta) * slot, next);
    }
    const std::int64_t rows = (tb - ta + 1) * cnt;
    m.gemm(true, false, width, n, rows, b.chunk.data(), width, b.r.data() + (ta - 1) * cnt * n, n,
           true, b.dWhid.data(), n);
    m.gemm(true, false, width, m.nIn, rows, b.chunk.data(), width,
           b.u.data() + (ta - 1) * cnt * m.nIn, m.nIn, true, b.dWin.data(), m.nIn);
    b.db += b.chunk.topRows(rows).colwise().sum();
    b.carry = b.chunk.topRows(cnt);
}

void prepareBackward(Block& b, const Model& m, std::size_t terms, std::int64_t chunkSteps)
{
    const std::int64_t cnt = b.count, n = m.nHid, k = static_cast<std::int64_t>(terms);
    b.chunk.resize(chunkSteps * cnt, k * n);
    b.carry.resize(cnt, k * n);
    b.g.resize(cnt * k, n);
    b.e.resize(cnt, n);
    b.fp.resize(cnt, n);
    b.dWhid.setZero(k * n, n);
    b.dWin.setZero(k * n, m.nIn);
    b.db.setZero(k * n);
}

/// dL/dW_out and dL/db_out of the mse, once its dL/dy is known.
void outputGradients(Block& b, const Model& m, const Plan& p, double scale)
{
    b.dy *= scale;
    b.dWout.resize(m.nOut, m.nHid);
    m.gemm(true, false, m.nOut, m.nHid, p.tsim * b.count, b.dy.data(), m.nOut,
           b.r.data() + b.count * m.nHid, m.nHid, false, b.dWout.data(), m.nHid);
    b.dbOut = b.dy.colwise().sum();
}

void collect(const std::vector<Block>& blocks, const std::vector<Cotangent>& terms, const Model& m,
             Gradients& g)
{
    const std::int64_t n = m.nHid;
    for (std::size_t i = 0; i < terms.size(); ++i) {
        auto& out = g[index(terms[i].term)];
        const auto k = static_cast<std::int64_t>(i);
        out[index(Param::WHid)].setZero(n, n);
        out[index(Param::WIn)].setZero(n, m.nIn);
        out[index(Param::BIn)].setZero(n, 1);
        for (const Block& b : blocks) {
            out[index(Param::WHid)] += b.dWhid.middleRows(k * n, n);
            out[index(Param::WIn)] += b.dWin.middleRows(k * n, n);
            out[index(Param::BIn)] += b.db.segment(k * n, n).transpose();
        }
        out[index(Param::BHid)] = out[index(Param::BIn)];
        if (terms[i].kind != Kind::Output)
            continue;
        out[index(Param::WOut)].setZero(m.nOut, n);
        out[index(Param::BOut)].setZero(m.nOut, 1);
        for (const Block& b : blocks) {
            out[index(Param::WOut)] += b.dWout;
            out[index(Param::BOut)] += b.dbOut.transpose();
        }
    }
}

} // namespace rnnloss::gradpass
