#pragma once
// Brute force over the arrays the stats_*.h5 fixtures were written from
// (fixtures/statsfixture.h, rounded as stored), for the tests that hold the
// stats pass to it (test_stats_cli, test_population): the arrays, a
// selection, and the silent and saturated fractions by their rules and the
// participation ratio from an Eigen eigen-decomposition of a two-pass
// covariance. Shares no code with the engine.

#include "fixtures/fixturedata.h"
#include "fixtures/statsfixture.h"

#include <QString>

#include <Eigen/Dense>

#include <vector>

namespace statsref {

/// What a stats_*.h5 file holds, as stored (rounded to its bits).
struct Arrays
{
    std::vector<double> states, outputs, targets; ///< B x T x width
    std::vector<double> values;
    std::vector<QString> labels, groups;
    double s(int b, int t, int n) const { return states[(b * sfx::T + t) * sfx::N + n]; }
    double o(int b, int t, int k) const { return outputs[(b * sfx::T + t) * sfx::NOUT + k]; }
    double y(int b, int t, int k) const { return targets[(b * sfx::T + t) * sfx::NOUT + k]; }
};

inline Arrays arrays(int bits, bool relu = false, bool zeroTargets = false, bool intLabels = false,
              int valueBits = 64)
{
    Arrays a;
    for (int b = 0; b < sfx::B; ++b) {
        for (int t = 0; t < sfx::T; ++t) {
            for (int n = 0; n < sfx::N; ++n)
                a.states.push_back(
                    fx::roundTo(relu ? sfx::reluState(b, t, n) : sfx::state(b, t, n), bits));
            for (int k = 0; k < sfx::NOUT; ++k) {
                a.outputs.push_back(fx::roundTo(sfx::output(b, t, k), bits));
                a.targets.push_back(zeroTargets ? 0.0 : fx::roundTo(sfx::target(b, t, k), bits));
            }
        }
        a.values.push_back(fx::roundTo(sfx::value(b), valueBits));
        const QString l = QString::fromStdString(sfx::label(b));
        a.labels.push_back(intLabels ? (l == "right" ? "1" : "0") : l);
    }
    for (int n = 0; n < sfx::N; ++n)
        a.groups.push_back(QString::fromStdString(sfx::group(n)));
    return a;
}

/// The indices a selection keeps (all when empty).
struct Sel
{
    std::vector<int> trials, steps, neurons;
};

inline std::vector<int> range(int a, int b)
{
    std::vector<int> v;
    for (int i = a; i < b; ++i)
        v.push_back(i);
    return v;
}

inline Sel whole()
{
    return {range(0, sfx::B), range(0, sfx::T), range(0, sfx::N)};
}

/// Rows (trial, step) x columns (neuron) of the selection.
inline Eigen::MatrixXd samples(const Arrays& a, const Sel& s)
{
    Eigen::MatrixXd m(s.trials.size() * s.steps.size(), s.neurons.size());
    int row = 0;
    for (int b : s.trials)
        for (int t : s.steps) {
            for (std::size_t j = 0; j < s.neurons.size(); ++j)
                m(row, j) = a.s(b, t, s.neurons[j]);
            ++row;
        }
    return m;
}

inline double silentRef(const Eigen::MatrixXd& x, double threshold)
{
    int silent = 0;
    for (int j = 0; j < x.cols(); ++j)
        silent += x.col(j).cwiseAbs().maxCoeff() <= threshold;
    return double(silent) / x.cols();
}

inline double saturatedRef(const Eigen::MatrixXd& x, bool tanh)
{
    int saturated = 0;
    for (int j = 0; j < x.cols(); ++j) {
        int high = 0;
        for (int i = 0; i < x.rows(); ++i)
            high += x(i, j) > 0.99 || (tanh && x(i, j) < -0.99);
        saturated += 2 * high > x.rows();
    }
    return double(saturated) / x.cols();
}

/// From the eigenvalues of the covariance (two passes: mean, then centred products).
inline double participationRef(const Eigen::MatrixXd& x)
{
    const Eigen::RowVectorXd mean = x.colwise().mean();
    const Eigen::MatrixXd c = x.rowwise() - mean;
    const Eigen::MatrixXd cov = c.transpose() * c / double(x.rows());
    const Eigen::VectorXd ev = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(cov).eigenvalues();
    return ev.sum() * ev.sum() / ev.squaredNorm();
}

} // namespace statsref
