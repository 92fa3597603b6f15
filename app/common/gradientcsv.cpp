#include "gradientcsv.h"

#include "gradgram.h"
#include "report.h"

#include <sstream>

namespace rnnloss {

namespace {

std::string number(const std::optional<double>& v)
{
    return v ? csvNumber(*v) : std::string();
}

/// Free text in a CSV field: quoted, its quotes doubled.
std::string quoted(const std::string& s)
{
    std::string q = "\"";
    for (char c : s)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

void termRow(std::ostringstream& o, const ParamGram& g, Term k, const TermArray& lambdas,
             const std::array<bool, kTermCount>& enabled, const Shares& shares)
{
    const int i = index(k);
    const bool counted = enabled[std::size_t(i)] && lambdas[std::size_t(i)] != 0.0;
    const std::optional<double> n = gradNorm(g, k);
    std::optional<double> weighted;
    if (!counted)
        weighted = 0.0;
    else if (n)
        weighted = lambdas[std::size_t(i)] * *n;
    o << paramKey(g.param) << ',' << termKey(k) << ',' << csvNumber(lambdas[std::size_t(i)]) << ','
      << (enabled[std::size_t(i)] ? "1" : "0") << ',' << number(n) << ',' << number(weighted) << ','
      << number(shares[std::size_t(i)]);
    for (Term l : kAllTerms)
        o << ',' << number(cosine(g, k, l));
    o << ',' << (g.defined[std::size_t(i)] ? std::string() : quoted(g.reason[std::size_t(i)]))
      << '\n';
}

} // namespace

std::string gradientCsv(const GradientResult& r, const TermArray& lambdas,
                        const std::array<bool, kTermCount>& enabled)
{
    std::ostringstream o;
    if (!r.ok()) {
        o << "# no gradients: " << (r.cancelled ? std::string("cancelled") : r.error) << '\n';
        return o.str();
    }
    o << "param,term,lambda,enabled,grad_norm,weighted_grad_norm,share";
    for (Term l : kAllTerms)
        o << ",cos_" << termKey(l);
    o << ",reason\n";
    for (Param p : kAllParams) {
        const ParamGram& g = r[p];
        const Shares shares = gradShares(g, lambdas, enabled);
        for (Term k : kAllTerms)
            termRow(o, g, k, lambdas, enabled, shares);
        const std::optional<double> total = weightedTotalNorm(g, lambdas, enabled);
        o << paramKey(p) << ",total,,,," << number(total) << ",,,,,,,,,"
          << (total ? std::string() : quoted("an enabled term has no gradient")) << '\n';
    }
    return o.str();
}

} // namespace rnnloss
