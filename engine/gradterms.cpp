// The derivatives of the terms with respect to the rates (for the backward
// pass) and to the weights (closed form), exactly as computeTerms() (loss.cpp)
// and docs/loss.md define the terms in each convention. With S the slice's
// samples (trials x steps) and N its neurons, m_n = sum r / S and
// a_n = sum |r| / S, dL/dr_btn = dL/dm_n / S (or dL/da_n sign(r) / S).

#include "gradpass.h"

#include <cmath>
#include <string>

namespace rnnloss::gradpass {

namespace {

using Vec = Eigen::VectorXd;

constexpr const char* kDiverges =
    "the re-simulated rates are not finite: the network diverges on the recording's inputs";
constexpr const char* kSdZero =
    "the SD is 0 (every selected neuron has the same mean), where the square root has no "
    "derivative";

/// The value of a term; its gradient when `grad` is set and the value is finite.
void setTerm(TermGradient& t, double value, bool grad, const char* noGrad = kSdZero)
{
    if (!std::isfinite(value)) {
        t.reason = "the value is not finite";
        return;
    }
    t.value = value;
    t.defined = grad;
    if (!grad)
        t.reason = noGrad;
}

struct RateTerms
{
    const Plan& plan;
    Vec m, a; ///< per selected neuron
    double n = 0.0;
    GradientResult& r;
    std::vector<Cotangent>& out;

    TermGradient& term(Term t) { return r.terms[index(t)]; }

    /// Adds a cotangent from dL/dm (or dL/da) per selected neuron.
    void add(Term t, Kind kind, const Vec& dm)
    {
        if (!term(t).defined)
            return;
        Cotangent c{t, kind, Vec::Zero(plan.shape.nHid), 0.0};
        for (std::size_t j = 0; j < plan.neurons.size(); ++j)
            c.c[plan.neurons[j]] = dm[static_cast<Eigen::Index>(j)] / plan.samples;
        out.push_back(std::move(c));
    }

    void spec(double sumSq)
    {
        const double mu = m.mean();
        const double sd = std::sqrt((m.array() - mu).square().sum() / n);
        setTerm(term(Term::Fr), sumSq / (plan.samples * n), true);
        add(Term::Fr, Kind::Linear, Vec::Constant(m.size(), 2.0 / n));
        setTerm(term(Term::FrSd), sd, sd > 0.0);
        add(Term::FrSd, Kind::Const, (m.array() - mu) / (n * sd));
        if (mu == 0.0) {
            term(Term::FrCv).reason = "the network mean rate is 0, so SD/mean is undefined";
            return;
        }
        setTerm(term(Term::FrCv), sd / mu, sd > 0.0);
        add(Term::FrCv, Kind::Const,
            ((m.array() - mu) / (n * sd * mu) - sd / (n * mu * mu)).matrix());
    }

    void nn4n()
    {
        setTerm(term(Term::Fr), m.squaredNorm() / n, true);
        add(Term::Fr, Kind::Const, 2.0 * m / n);
        if (plan.neurons.size() < 2) {
            term(Term::FrSd).reason = term(Term::FrCv).reason =
                "the sample SD (divide by N-1) needs at least 2 neurons";
            return;
        }
        const double mu = m.mean();
        const double sd = std::sqrt((m.array() - mu).square().sum() / (n - 1.0));
        setTerm(term(Term::FrSd), sd, sd > 0.0);
        add(Term::FrSd, Kind::Const, (m.array() - mu) / ((n - 1.0) * sd));
        const double nu = a.mean();
        if (nu == 0.0) {
            term(Term::FrCv).reason = "the mean of |r| is 0, so SD/mean is undefined";
            return;
        }
        const double sa = std::sqrt((a.array() - nu).square().sum() / (n - 1.0));
        setTerm(term(Term::FrCv), sa / nu, sa > 0.0);
        // |r| = sqrt(r^2) as nn4n writes it, differentiated with sign(0) = 0.
        add(Term::FrCv, Kind::Sign,
            ((a.array() - nu) / ((n - 1.0) * sa * nu) - sa / (n * nu * nu)).matrix());
    }
};

void mseTerm(const RateSums& sums, const Plan& plan, bool targets, GradientResult& r,
             std::vector<Cotangent>& out)
{
    TermGradient& t = r.terms[index(Term::Mse)];
    t.available = targets;
    if (!targets) {
        t.reason = "needs 'targets', which the recording does not hold";
        return;
    }
    if (!sums.finite) {
        t.reason = kDiverges;
        return;
    }
    if (sums.targetsNonFinite) {
        t.reason = "'targets' holds " + std::to_string(sums.targetsNonFinite) +
                   " non-finite value(s) in the selected trials and steps";
        return;
    }
    const double count = plan.samples * static_cast<double>(plan.shape.nOut);
    setTerm(t, sums.sqErr / count, true);
    if (t.defined)
        out.push_back({Term::Mse, Kind::Output, {}, 2.0 / count});
}

} // namespace

std::vector<Cotangent> rateCotangents(const RateSums& sums, const Plan& plan, bool targets,
                                      Convention c, GradientResult& r)
{
    std::vector<Cotangent> out;
    mseTerm(sums, plan, targets, r, out);
    for (Term t : {Term::Fr, Term::FrSd, Term::FrCv}) {
        r.terms[index(t)].available = true;
        if (!sums.finite)
            r.terms[index(t)].reason = kDiverges;
    }
    if (!sums.finite)
        return out;
    const auto k = static_cast<Eigen::Index>(plan.neurons.size());
    RateTerms rt{plan, Vec(k), Vec(k), static_cast<double>(k), r, out};
    double sumSq = 0.0;
    for (Eigen::Index j = 0; j < k; ++j) {
        const auto n = plan.neurons[j];
        rt.m[j] = sums.r[n] / plan.samples;
        rt.a[j] = sums.abs[n] / plan.samples;
        sumSq += sums.sq[n];
    }
    if (c == Convention::Spec)
        rt.spec(sumSq);
    else
        rt.nn4n();
    return out;
}

void weightTerms(const Network& net, GradientResult& r, Gradients& g)
{
    const std::array<std::pair<Term, Param>, 3> terms = {
        std::pair{Term::In, Param::WIn}, {Term::Hid, Param::WHid}, {Term::Out, Param::WOut}};
    const std::array<const WeightMatrix*, 3> w = {&net.wIn, &net.wHid, &net.wOut};
    for (int i = 0; i < 3; ++i) {
        const auto [term, param] = terms[i];
        const double size = static_cast<double>(w[i]->size());
        TermGradient& t = r.terms[index(term)];
        t.available = true;
        setTerm(t, w[i]->squaredNorm() / size, true);
        g[index(term)][index(param)] = (2.0 / size) * *w[i];
    }
}

} // namespace rnnloss::gradpass
