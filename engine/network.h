#pragma once
// The recorded network itself, for what needs more than its traces (the
// gradients of the terms): nn4n 1.2's CTRNN as its code runs in eval mode,
// without noise (layer/recurrent_layer.py, model/ctrnn.py):
//
//   v_t = (1 - alpha) v_{t-1} + alpha (W_hid r_{t-1} + b_hid + W_in u_t + b_in)
//   r_t = f(v_t),   y_t = W_out r_t + b_out,   t = 1 ... T,   r_0 = f(v_0)
//
// `states[:, t-1]` of a recording is r_t, `inputs[:, t-1]` is u_t.

#include <Eigen/Core>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rnnloss {

/// nn4n 1.2's activations (utils/helper_functions.py, get_activation):
/// relu max(x, 0), tanh, sigmoid 1 / (1 + e^-x), retanh max(tanh(x), 0).
enum class Activation
{
    Relu,
    Tanh,
    Sigmoid,
    Retanh
};

/// "relu", "tanh", "sigmoid", "retanh": the names nn4n takes.
std::string_view activationName(Activation a);

struct ActivationParse
{
    std::optional<Activation> value;
    std::string error; ///< empty when value is set
};
/// Exactly nn4n's names; anything else is refused by name ("'gelu' is not
/// one of nn4n 1.2's activations: relu, tanh, sigmoid, retanh").
ActivationParse parseActivation(std::string_view name);

/// Row-major, PyTorch's (out, in) orientation for the weights.
using WeightMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Network
{
    WeightMatrix wIn;  ///< N_hid x N_in
    WeightMatrix wHid; ///< N_hid x N_hid
    WeightMatrix wOut; ///< N_out x N_hid
    /// N_hid, N_hid and N_out entries; an empty vector is a bias of 0 (nn4n's
    /// `biases=None`).
    Eigen::VectorXd bIn, bHid, bOut;
    Activation activation = Activation::Relu;
    double alpha = 0.1; ///< dt / tau, in (0, 1]
    /// The pre-activation v_0: empty (zeros, nn4n's default), 1 x N_hid (the
    /// same for every trial) or B x N_hid (one row per trial of the recording).
    WeightMatrix initState;

    std::int64_t nIn() const { return wIn.cols(); }
    std::int64_t nHid() const { return wHid.rows(); }
    std::int64_t nOut() const { return wOut.rows(); }

    /// Empty when the network is consistent: W_hid square and not empty,
    /// W_in and W_out with N_hid rows / columns, biases empty or of their
    /// length, alpha in (0, 1], an init state of 1 or `batch` rows of N_hid
    /// (any number of rows when batch < 0), every value finite. Otherwise
    /// what is wrong, naming the object (W_in, b_hid, alpha, init_state, ...).
    std::string validate(std::int64_t batch = -1) const;
};

} // namespace rnnloss
