#include "terms.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

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

LambdaParse parseLambdaValue(std::string_view text)
{
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!text.empty() && blank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && blank(text.back()))
        text.remove_suffix(1);
    if (text.empty())
        return {std::nullopt, "is empty (type a number >= 0, e.g. 0.001 or 1e-3)"};
    // A comma is the decimal separator a European user types. Read as "not a
    // number" it gave no hint (and a prefix, "0" of "0,05", once gave a value);
    // say what to type, in the app and the CLI alike.
    if (text.find(',') != std::string_view::npos) {
        std::string pointed(text);
        std::replace(pointed.begin(), pointed.end(), ',', '.');
        if (parseLambdaValue(pointed).value)
            return {std::nullopt,
                    "has a comma: use a point: " + pointed + ", not " + std::string(text)};
        return {std::nullopt, "has a comma: use a point for decimals: 0.05, not 0,05"};
    }
    std::string_view digits = text;
    bool negative = false;
    if (digits.front() == '+' || digits.front() == '-') {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
    }
    double v = 0.0;
    const char* end = digits.data() + digits.size();
    // from_chars also takes a sign, "inf" and "nan": a second sign is no number,
    // the words are caught as not finite below.
    const auto [ptr, ec] = digits.empty() || digits.front() == '+' || digits.front() == '-'
                               ? std::from_chars_result{digits.data(), std::errc::invalid_argument}
                               : std::from_chars(digits.data(), end, v);
    if (ec == std::errc::result_out_of_range && ptr == end)
        return {std::nullopt, "is out of the range of a double"};
    if (ec != std::errc() || ptr != end)
        return {std::nullopt, "is not a number (e.g. 0.001 or 1e-3)"};
    if (!std::isfinite(v))
        return {std::nullopt, "is not finite"};
    // "-0" too: a minus sign is a mistake whatever follows, and a field that
    // took "-0" while "-0.5" is being typed would apply 0 on the way.
    if (negative)
        return {std::nullopt, "is negative (a lambda is >= 0)"};
    return {v, {}};
}

} // namespace rnnloss
