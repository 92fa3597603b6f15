#pragma once
// The seven terms of the modular RNN loss (docs/loss.md) and the
// two conventions for computing the firing-rate terms.

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace rnnloss {

enum class Term { Mse, In, Hid, Out, Fr, FrSd, FrCv };
inline constexpr int kTermCount = 7;
inline constexpr std::array<Term, kTermCount> kAllTerms = {
    Term::Mse, Term::In, Term::Hid, Term::Out, Term::Fr, Term::FrSd, Term::FrCv};

/// Spec keys: "mse", "in", "hid", "out", "fr", "fr_sd", "fr_cv".
std::string_view termKey(Term t);
/// "lambda_mse", ... as nn4n's RNNLoss takes them.
std::string_view lambdaKey(Term t);
std::optional<Term> termFromKey(std::string_view key);       ///< accepts "mse" or "lambda_mse"
inline constexpr int index(Term t) { return static_cast<int>(t); }

enum class Convention {
    Spec, ///< the documented formulas (nn4n's criterion documentation)
    Nn4n, ///< what nn4n's RNNLoss code computes (the default: what training printed)
};
/// What a recording opens with when it names no convention: the numbers the
/// user's training printed.
inline constexpr Convention kDefaultConvention = Convention::Nn4n;
/// "spec" or "nn4n".
std::string_view conventionName(Convention c);
/// Accepts "spec", "nn4n" and "seed" (the old name of "spec").
std::optional<Convention> conventionFromName(std::string_view name);

/// One line, plain text, of how the term is computed in the convention.
std::string_view termFormula(Term t, Convention c);

/// A value per term: lambdas, values, ...
using TermArray = std::array<double, kTermCount>;

/// A lambda as a user typed it: the value, or why it is refused.
struct LambdaParse
{
    std::optional<double> value;
    std::string error; ///< e.g. "is negative (a lambda is >= 0)"; empty when value is set
};
/// The one parser of lambda values, for the CLI and the app: a finite number
/// >= 0 in C-locale notation ("0.001", "1e-3", "+2"), blanks around it ignored.
/// Locale-independent (a German desktop still types "0.5").
LambdaParse parseLambdaValue(std::string_view text);

} // namespace rnnloss
