#include "terms.h"

namespace rnnloss {

std::string_view termKey(Term t)
{
    static constexpr std::array<std::string_view, kTermCount> keys = {
        "mse", "in", "hid", "out", "fr", "fr_sd", "fr_cv"};
    return keys[index(t)];
}

std::string_view lambdaKey(Term t)
{
    static constexpr std::array<std::string_view, kTermCount> keys = {
        "lambda_mse", "lambda_in", "lambda_hid", "lambda_out",
        "lambda_fr",  "lambda_fr_sd", "lambda_fr_cv"};
    return keys[index(t)];
}

std::optional<Term> termFromKey(std::string_view key)
{
    for (Term t : kAllTerms)
        if (key == termKey(t) || key == lambdaKey(t))
            return t;
    return std::nullopt;
}

std::string_view conventionName(Convention c)
{
    return c == Convention::Spec ? "spec" : "nn4n";
}

std::optional<Convention> conventionFromName(std::string_view name)
{
    if (name == "spec" || name == "seed")
        return Convention::Spec;
    if (name == "nn4n")
        return Convention::Nn4n;
    return std::nullopt;
}

std::string_view termFormula(Term t, Convention c)
{
    const bool seed = c == Convention::Spec;
    switch (t) {
    case Term::Mse:
        return "L_mse = mean over b,t,o of (y_hat - y)^2";
    case Term::In:
        return "L_in = ||W_in||_F^2 / (N_in * N_hid)";
    case Term::Hid:
        return "L_hid = ||W_hid||_F^2 / (N_hid * N_hid)";
    case Term::Out:
        return "L_out = ||W_out||_F^2 / (N_out * N_hid)";
    case Term::Fr:
        return seed ? "L_fr = mean over b,t,n of r^2"
                    : "L_fr = mean over n of m_n^2, m_n = mean over b,t of r (nn4n code)";
    case Term::FrSd:
        return seed ? "L_fr_sd = population SD (divide by N) of m_n, m_n = mean over b,t of r"
                    : "L_fr_sd = sample SD (divide by N-1) of m_n (nn4n code)";
    case Term::FrCv:
        return seed ? "L_fr_cv = population SD of m_n / mean of m_n"
                    : "L_fr_cv = sample SD of a_n / mean of a_n, a_n = mean over b,t of |r| (nn4n code)";
    }
    return {};
}

} // namespace rnnloss
