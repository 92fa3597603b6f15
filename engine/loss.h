#pragma once
// The loss from a Summary, in two steps so that the common edit is cheap:
//   computeTerms()  O(B*N): unweighted term values for a convention and selection;
//   evaluate()      O(terms): weights them by the lambdas and sums the total.

#include "summary.h"

#include <optional>
#include <string>

namespace rnnloss {

struct TermValue
{
    bool available = false;       ///< false: the data it needs is missing
    std::optional<double> value;  ///< unweighted; empty when unavailable or undefined
    std::string reason;           ///< why it is unavailable or undefined
};

struct TermValues
{
    Convention convention = kDefaultConvention;
    std::array<TermValue, kTermCount> terms;
    const TermValue& operator[](Term t) const { return terms[index(t)]; }
};

/// Unweighted values of all seven terms. Throws std::invalid_argument when the
/// selection's sizes do not match the summary or select nothing.
TermValues computeTerms(const Summary& s, Convention c, const Selection& sel = {});

struct TermResult
{
    double lambda = 0.0;
    bool available = false;
    std::optional<double> value;    ///< unweighted
    std::optional<double> weighted; ///< lambda * value; 0 when lambda is 0
    std::string reason;
};

struct LossResult
{
    Convention convention = kDefaultConvention;
    std::array<TermResult, kTermCount> terms;
    std::optional<double> total;     ///< empty when an enabled term is undefined or missing
    std::string totalReason;
    /// Enabled terms whose data is missing: these are user errors, one message each.
    std::vector<std::string> errors;
    const TermResult& operator[](Term t) const { return terms[index(t)]; }
};

/// A term with lambda 0 is not added to the total (the spec).
LossResult evaluate(const TermValues& values, const TermArray& lambdas);

/// Training lambdas from the file where present, 0 elsewhere.
TermArray initialLambdas(const Summary& s);

} // namespace rnnloss
