#pragma once
// Inside computeGradients (gradient.h): the re-simulation and the one
// backward pass through time, and the cotangents of the terms that need it.
// Not a public interface.

#include "gradient.h"
#include "gradkernel.h"

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <vector>

namespace rnnloss::gradpass {

/// The slice resolved: every list strictly increasing and not empty.
struct Plan
{
    Shape shape; ///< the whole recording's
    std::vector<std::int64_t> trials, steps, neurons;
    std::int64_t tsim = 0;          ///< steps simulated: up to the last selected
    std::vector<char> stepSelected; ///< per simulated step
    double samples = 0.0;           ///< selected trials x selected steps
};

/// gradients[term][param]; an empty matrix is a gradient of 0.
using Gradients = std::array<std::array<WeightMatrix, kParamCount>, kTermCount>;

/// How a term's cotangent dL/dr_t depends on the rates r_t at a selected
/// step (0 at the others): c_n, c_n r, c_n sign(r), or through the outputs
/// (mse: dL/dy_t = scale (y_t - target_t), dL/dr_t = W_out^T dL/dy_t).
enum class Kind
{
    Const,
    Linear,
    Sign,
    Output
};

struct Cotangent
{
    Term term = Term::Mse;
    Kind kind = Kind::Const;
    Eigen::VectorXd c; ///< per hidden unit (N_hid), 0 outside the slice's neurons
    double scale = 0.0;
};

/// Per-neuron sums over the slice's trials and steps of the re-simulated rates.
struct RateSums
{
    Eigen::ArrayXd r, abs, sq;         ///< sum of r, |r|, r^2 per hidden unit
    double sqErr = 0.0;                ///< sum of (y - target)^2
    std::int64_t targetsNonFinite = 0; ///< in the slice's trials and steps
    bool finite = true;                ///< every simulated rate finite
};

/// Sets the values, `defined` and reasons of mse, fr, fr_sd and fr_cv in `r`
/// and returns the cotangents of those with a gradient, mse first.
std::vector<Cotangent> rateCotangents(const RateSums& sums, const Plan& plan, bool targets,
                                      Convention c, GradientResult& r);

/// The weight terms: values, definedness and closed-form gradients.
void weightTerms(const Network& net, GradientResult& r, Gradients& g);

// The pass itself, in gradpass.cpp (driver), gradforward.cpp and gradback.cpp.

/// The network as the pass uses it.
struct Model
{
    const Network& net;
    std::int64_t nIn, nHid, nOut;
    Eigen::RowVectorXd bSum, bOut; ///< b_in + b_hid (both enter the same sum), b_out
    gradkernel::GemmFn gemm;
};

/// One thread's trials: positions [first, first + count) of plan.trials.
struct Block
{
    std::int64_t first = 0, count = 0;
    WeightMatrix u;  ///< tsim * count x N_in; row (t - 1) * count + j is u_t
    WeightMatrix r;  ///< (tsim + 1) * count x N_hid; row t * count + j is r_t
    WeightMatrix v;  ///< count x N_hid, the pre-activation of the last step simulated
    WeightMatrix dy; ///< tsim * count x N_out: (y - target) at selected steps, later dL/dy
    RateSums sums;
    double maxAbs = 0.0, replay = 0.0;
    // backward
    WeightMatrix carry, chunk, g, e, fp; ///< delta_{t+1} across chunks, a chunk's deltas, scratch
    WeightMatrix dWhid, dWin, dWout;
    Eigen::RowVectorXd db, dbOut;
};

/// Reads the block's inputs and initial state; sets r_0.
void loadBlock(Block& b, const Model& m, const GradientInput& in, const Plan& p);
/// r_t from r_{t-1}, for t in [t0, t1).
void forward(Block& b, const Model& m, std::int64_t t0, std::int64_t t1);
/// The block's rate sums, max |r|, replay error and output errors.
void reduce(Block& b, const Model& m, const GradientInput& in, const Plan& p);

/// Buffers and zeroed sums for `terms` cotangents, chunks of `chunkSteps` steps.
void prepareBackward(Block& b, const Model& m, std::size_t terms, std::int64_t chunkSteps);
/// dL/dW_out and dL/db_out of the mse; turns dy into dL/dy = scale dy.
void outputGradients(Block& b, const Model& m, const Plan& p, double scale);
/// The steps ta ... tb (1-based, ta <= tb) backwards, after those above tb.
void backward(Block& b, const Model& m, const std::vector<Cotangent>& terms, const Plan& p,
              std::int64_t ta, std::int64_t tb);
/// The blocks' sums as each term's gradients.
void collect(const std::vector<Block>& blocks, const std::vector<Cotangent>& terms, const Model& m,
             Gradients& g);

/// Everything but the Gram matrices and the warnings: term values and
/// reasons, replayError, maxAbsRate and the gradients. False when cancelled.
/// Throws std::bad_alloc when the rates do not fit in memory.
bool run(const Network& net, const GradientInput& in, const Plan& plan,
         const GradientOptions& options, GradientResult& r, Gradients& g);

} // namespace rnnloss::gradpass
