#pragma once
// A Gram matrix made from explicit gradient vectors, for the tests of the
// Gradients tab: the vectors are the reference, their dot products the Gram,
// their norms and cosines what the views must show.

#include "gradient.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace gradientfake {

using namespace rnnloss;

using Vec = std::vector<double>;
using Flags = std::array<bool, kTermCount>;

/// The test's gradients of the seven terms with respect to one parameter, as
/// explicit vectors (four entries stand for the parameter's entries); an
/// empty optional is a term without a gradient.
struct Gradients
{
    std::array<std::optional<Vec>, kTermCount> g;
};

inline Gradients example()
{
    Gradients x;
    x.g[index(Term::Mse)] = Vec{3, 4, 0, 0};  // ||.|| = 5
    x.g[index(Term::In)] = Vec{0, 0, 0, 0};   // L_in does not depend on it
    x.g[index(Term::Hid)] = Vec{0, 0, 2, 0};  // 2
    x.g[index(Term::Out)] = Vec{1, 1, 1, 1};  // 2
    x.g[index(Term::Fr)] = Vec{-3, -4, 0, 0}; // 5, exactly against mse
    x.g[index(Term::FrSd)] = Vec{0, 4, 3, 0}; // 5
    x.g[index(Term::FrCv)] = std::nullopt;    // undefined
    return x;
}

inline double dot(const Vec& a, const Vec& b)
{
    double s = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
        s += a[i] * b[i];
    return s;
}

inline double norm(const Vec& a)
{
    return std::sqrt(dot(a, a));
}

inline ParamGram gramOf(const Gradients& x, Param p)
{
    ParamGram g;
    g.param = p;
    for (int k = 0; k < kTermCount; ++k) {
        g.defined[k] = x.g[k].has_value();
        if (!g.defined[k])
            g.reason[k] = "the mean rate is 0";
        for (int l = 0; l < kTermCount; ++l)
            g.g[k][l] = x.g[k] && x.g[l] ? dot(*x.g[k], *x.g[l]) : 0.0;
    }
    return g;
}

inline GradientResult resultOf(const Gradients& x)
{
    GradientResult r;
    for (Param p : kAllParams)
        r.gram[index(p)] = gramOf(x, p);
    for (int k = 0; k < kTermCount; ++k) {
        r.terms[k].available = true;
        r.terms[k].defined = x.g[k].has_value();
    }
    return r;
}

/// The brute force: lambda_k ||g_k|| of the counted terms and the norm of the
/// summed vector, straight from the vectors.
struct Expected
{
    std::array<double, kTermCount + 1> bars{};
    std::array<double, kTermCount> shares{};
    bool defined = true;
};

inline Expected bruteForce(const Gradients& x, const TermArray& lambdas, const Flags& on)
{
    Expected e;
    Vec total(4, 0.0);
    double sum = 0.0;
    for (int k = 0; k < kTermCount; ++k) {
        if (!on[k] || lambdas[k] == 0.0)
            continue;
        if (!x.g[k]) {
            e.defined = false;
            continue;
        }
        e.bars[k] = lambdas[k] * norm(*x.g[k]);
        sum += e.bars[k];
        for (int i = 0; i < 4; ++i)
            total[i] += lambdas[k] * (*x.g[k])[i];
    }
    e.bars[kTermCount] = norm(total);
    for (int k = 0; k < kTermCount; ++k)
        e.shares[k] = e.bars[k] / sum;
    return e;
}

} // namespace gradientfake
