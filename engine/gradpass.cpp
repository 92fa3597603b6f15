// The re-simulation and the backward pass through time (docs/loss.md,
// "Gradients"). The trials are split into blocks, one per thread; each block
// keeps its rates r_0 ... r_T in double, time-major (row t * count + j is r_t
// of its j-th trial), so that the rows of a run of steps are one matrix.
//
// The backward pass carries the cotangents of all K rate-dependent terms at
// once: delta_t of a block is a count x (K N) matrix, which is the same memory
// as a (count K) x N matrix, so one product with W_hid moves all K terms a
// step back. With delta_t = alpha dL/dv_t:
//   delta_t = alpha f'(v_t) (e_t + W_hid^T delta_{t+1}) + (1 - alpha) delta_{t+1}
//   dL/dW_hid = sum_t delta_t r_{t-1}^T, dL/dW_in = sum_t delta_t u_t^T,
//   dL/db_in = dL/db_hid = sum_t delta_t,
// where e_t = dL/dr_t is the term's own cotangent. The deltas of a chunk of
// steps are kept, and each of the sums is one large product per chunk.

#include "gradpass.h"

#include <algorithm>
#include <exception>
#include <thread>

namespace rnnloss::gradpass {

namespace {

template <class F> void forBlocks(std::vector<Block>& blocks, const F& f)
{
    std::vector<std::exception_ptr> errors(blocks.size());
    std::vector<std::thread> threads;
    const auto guarded = [&](std::size_t i) {
        try {
            f(blocks[i]);
        } catch (...) {
            errors[i] = std::current_exception();
        }
    };
    for (std::size_t i = 1; i < blocks.size(); ++i)
        threads.emplace_back(guarded, i);
    guarded(0);
    for (auto& t : threads)
        t.join();
    for (auto& e : errors)
        if (e)
            std::rethrow_exception(e);
}

/// Steps per chunk of the backward pass: enough rows for efficient products,
/// at most ~64 MB of deltas per block.
std::int64_t chunkSteps(std::int64_t count, std::int64_t n, std::size_t terms, std::int64_t tsim)
{
    std::int64_t steps = std::clamp<std::int64_t>((2048 + count - 1) / count, 1, tsim);
    const double perStep = 8.0 * static_cast<double>(count * n) * static_cast<double>(terms);
    while (steps > 1 && perStep * static_cast<double>(steps) > 64e6)
        steps /= 2;
    return steps;
}

struct Progress
{
    const GradientProgress& fn;
    double total = 1.0, done = 0.0;
    bool step(double work, const char* stage)
    {
        done += work;
        return !fn || fn(std::min(1.0, done / total), stage);
    }
};

std::vector<Block> makeBlocks(const Plan& p, int threads)
{
    const auto trials = static_cast<std::int64_t>(p.trials.size());
    const std::int64_t nb = std::clamp<std::int64_t>(threads, 1, trials);
    std::vector<Block> blocks(static_cast<std::size_t>(nb));
    for (std::int64_t i = 0; i < nb; ++i) {
        blocks[i].first = i * trials / nb;
        blocks[i].count = (i + 1) * trials / nb - blocks[i].first;
    }
    return blocks;
}

bool simulate(std::vector<Block>& blocks, const Model& m, const GradientInput& in, const Plan& p,
              std::int64_t chunk, Progress& progress)
{
    forBlocks(blocks, [&](Block& b) { loadBlock(b, m, in, p); });
    for (std::int64_t t0 = 1; t0 <= p.tsim; t0 += chunk) {
        const std::int64_t t1 = std::min(p.tsim + 1, t0 + chunk);
        forBlocks(blocks, [&](Block& b) { forward(b, m, t0, t1); });
        if (!progress.step(static_cast<double>(t1 - t0), "simulating"))
            return false;
    }
    forBlocks(blocks, [&](Block& b) { reduce(b, m, in, p); });
    return true;
}

RateSums combine(const std::vector<Block>& blocks, GradientResult& r, bool states)
{
    RateSums s = blocks[0].sums;
    double replay = blocks[0].replay;
    r.maxAbsRate = blocks[0].maxAbs;
    for (std::size_t i = 1; i < blocks.size(); ++i) {
        const RateSums& o = blocks[i].sums;
        s.r += o.r;
        s.abs += o.abs;
        s.sq += o.sq;
        s.sqErr += o.sqErr;
        s.targetsNonFinite += o.targetsNonFinite;
        s.finite = s.finite && o.finite;
        replay = std::max(replay, blocks[i].replay);
        r.maxAbsRate = std::max(r.maxAbsRate, blocks[i].maxAbs);
    }
    if (states)
        r.replayError = replay;
    return s;
}

Model makeModel(const Network& net)
{
    Model m{net,
            net.nIn(),
            net.nHid(),
            net.nOut(),
            Eigen::RowVectorXd::Zero(net.nHid()),
            Eigen::RowVectorXd::Zero(net.nOut()),
            gradkernel::bestGemm().fn};
    if (net.bIn.size())
        m.bSum += net.bIn.transpose();
    if (net.bHid.size())
        m.bSum += net.bHid.transpose();
    if (net.bOut.size())
        m.bOut = net.bOut.transpose();
    return m;
}

} // namespace

bool run(const Network& net, const GradientInput& in, const Plan& plan,
         const GradientOptions& options, GradientResult& r, Gradients& g)
{
    const Model m = makeModel(net);
    std::vector<Block> blocks = makeBlocks(plan, options.threads);
    const bool targets = std::visit([](auto v) { return !v.empty(); }, in.targets);
    const bool states = std::visit([](auto v) { return !v.empty(); }, in.states);
    const std::size_t maxTerms = targets ? 4 : 3;
    const std::int64_t chunk = chunkSteps(blocks[0].count, m.nHid, maxTerms, plan.tsim);
    const double steps = static_cast<double>(plan.tsim);
    Progress progress{options.progress, steps * (1.0 + 2.0 * static_cast<double>(maxTerms))};
    if (!simulate(blocks, m, in, plan, chunk, progress))
        return false;
    const RateSums sums = combine(blocks, r, states);
    const std::vector<Cotangent> terms = rateCotangents(sums, plan, targets, options.convention, r);
    weightTerms(net, r, g);
    if (terms.empty())
        return true;
    forBlocks(blocks, [&](Block& b) {
        if (terms[0].kind == Kind::Output)
            outputGradients(b, m, plan, terms[0].scale);
        prepareBackward(b, m, terms.size(), chunk);
    });
    progress.total = steps * (1.0 + 2.0 * static_cast<double>(terms.size()));
    for (std::int64_t tb = plan.tsim; tb >= 1; tb -= chunk) {
        const std::int64_t ta = std::max<std::int64_t>(1, tb - chunk + 1);
        forBlocks(blocks, [&](Block& b) { backward(b, m, terms, plan, ta, tb); });
        const double work = 2.0 * static_cast<double>((tb - ta + 1) * terms.size());
        if (!progress.step(work, "backpropagating"))
            return false;
    }
    collect(blocks, terms, m, g);
    return true;
}

} // namespace rnnloss::gradpass
