#include "gradreport.h"

#include "gradgram.h"
#include "report.h"

#include <cstdio>
#include <sstream>

namespace rnnloss {

namespace {

std::array<bool, kTermCount> allEnabled()
{
    std::array<bool, kTermCount> e;
    e.fill(true);
    return e;
}

std::string key(Term t)
{
    return jsonString(std::string(termKey(t)));
}

std::string key(Param p)
{
    return jsonString(std::string(paramKey(p)));
}

/// {"W_in": f(W_in), ...} over the six parameters.
template <class F> std::string perParam(F&& f)
{
    std::string s = "{";
    for (Param p : kAllParams)
        s += (p == Param::WIn ? "" : ", ") + key(p) + ": " + f(p);
    return s + "}";
}

std::string parametersJson(const GradientSummary& g)
{
    return perParam([&](Param p) {
        std::string s = "[";
        const auto dims = g.paramDims(p);
        for (std::size_t i = 0; i < dims.size(); ++i)
            s += (i ? ", " : "") + std::to_string(dims[i]);
        return s + "]";
    });
}

std::string termJson(const GradientSummary& g, const TermArray& lambdas, Term k)
{
    const double lambda = lambdas[index(k)];
    std::string s = key(k) + ": {\"lambda\": " + jsonNumber(lambda) + ", \"grad_norm\": ";
    if (!g[k].defined)
        return s + "null, \"weighted_grad_norm\": null, \"reason\": " + jsonString(g[k].reason) +
               "}";
    s += perParam([&](Param p) { return jsonNumber(gradNorm(g[p], k)); });
    s += ", \"weighted_grad_norm\": ";
    s += perParam([&](Param p) {
        // 0 when lambda is 0, whatever the norm: the term is not added.
        return jsonNumber(lambda == 0.0 ? 0.0 : lambda * *gradNorm(g[p], k));
    });
    return s + "}";
}

std::string cosineJson(const GradientSummary& g)
{
    return perParam([&](Param p) {
        std::string s = "{";
        for (Term k : kAllTerms) {
            s += (k == Term::Mse ? "" : ", ") + key(k) + ": {";
            for (Term l : kAllTerms)
                s += (l == Term::Mse ? "" : ", ") + key(l) + ": " + jsonNumber(cosine(g[p], k, l));
            s += "}";
        }
        return s + "}";
    });
}

std::string fmt(double v, const char* format = "%.4g")
{
    char buf[48];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

/// One cell per parameter: the weighted norm and its share of the parameter's update.
std::string termRow(const GradientSummary& g, const TermArray& lambdas, Term k)
{
    const double lambda = lambdas[index(k)];
    char line[64];
    std::string row;
    std::snprintf(line, sizeof line, "%-7s %10s", std::string(termKey(k)).c_str(),
                  lambda == 0.0 ? "-" : fmt(lambda, "%.6g").c_str());
    row = line;
    for (Param p : kAllParams) {
        std::string cell = "-";
        if (!g[k].defined)
            cell = lambda == 0.0 ? "-" : "undefined";
        else if (lambda != 0.0 && *gradNorm(g[p], k) == 0.0)
            cell = "0"; // the term does not depend on the parameter
        else if (lambda != 0.0) {
            cell = fmt(lambda * *gradNorm(g[p], k));
            const auto share = gradShares(g[p], lambdas, allEnabled())[index(k)];
            if (share)
                cell += " (" + fmt(100.0 * *share, "%.3g") + "%)";
        }
        std::snprintf(line, sizeof line, " %20s", cell.c_str());
        row += line;
    }
    return row + "\n";
}

std::string totalRow(const GradientSummary& g, const TermArray& lambdas)
{
    char line[64];
    std::snprintf(line, sizeof line, "%-7s %10s", "total", "");
    std::string row = line;
    for (Param p : kAllParams) {
        const auto t = weightedTotalNorm(g[p], lambdas, allEnabled());
        std::snprintf(line, sizeof line, " %20s", t ? fmt(*t).c_str() : "undefined");
        row += line;
    }
    return row + "\n";
}

std::string cosineTable(const GradientSummary& g, Param p)
{
    std::ostringstream o;
    o << "cosine between the terms' gradients of " << paramKey(p)
      << " (-1 opposed ... 1 aligned; '.' where either is 0 or undefined)\n";
    char cell[32];
    std::snprintf(cell, sizeof cell, "%-7s", "");
    o << cell;
    for (Term l : kAllTerms) {
        std::snprintf(cell, sizeof cell, " %6s", std::string(termKey(l)).c_str());
        o << cell;
    }
    o << "\n";
    for (Term k : kAllTerms) {
        std::snprintf(cell, sizeof cell, "%-7s", std::string(termKey(k)).c_str());
        o << cell;
        for (Term l : kAllTerms) {
            const auto c = cosine(g[p], k, l);
            std::snprintf(cell, sizeof cell, " %6s", c ? fmt(*c, "%.2f").c_str() : ".");
            o << cell;
        }
        o << "\n";
    }
    return o.str();
}

} // namespace

std::string gradientJson(const GradientSummary& g, const TermArray& lambdas,
                         const std::string& file, const std::optional<std::string>& label)
{
    std::ostringstream o;
    o << "{\"file\": " << jsonString(file);
    if (label)
        o << ", \"label\": " << jsonString(*label);
    o << ", \"convention\": " << jsonString(std::string(conventionName(g.convention)))
      << ", \"replay_error\": " << jsonNumber(g.replayError)
      << ", \"parameters\": " << parametersJson(g) << ", \"terms\": {";
    for (Term k : kAllTerms)
        o << (k == Term::Mse ? "" : ", ") << termJson(g, lambdas, k);
    o << "}, \"total\": {\"grad_norm\": " << perParam([&](Param p) {
        return jsonNumber(weightedTotalNorm(g[p], lambdas, allEnabled()));
    })
      << "}, \"cosine\": " << cosineJson(g) << "}\n";
    return o.str();
}

std::string gradientTable(const GradientSummary& g, const TermArray& lambdas,
                          const std::string& title)
{
    std::ostringstream o;
    const Shape& s = g.shape;
    o << title << "\nshape: B=" << s.batch << " T=" << s.time << " N_in=" << s.nIn
      << " N_hid=" << s.nHid << " N_out=" << s.nOut << "   " << activationName(g.activation)
      << ", alpha " << fmt(g.alpha, "%.6g") << "   convention: " << conventionName(g.convention)
      << "\nreplay: ";
    if (g.replayError)
        o << "the recorded states differ from the noise-free re-simulation by up to "
          << fmt(*g.replayError, "%.3g") << " (max |r| " << fmt(g.maxAbsRate, "%.3g") << ")\n";
    else
        o << "no recorded states to compare with\n";
    o << "\nlambda x ||dL/dp|| (Frobenius) and its share of the sum over the terms, per "
         "parameter\n";
    char line[64];
    std::snprintf(line, sizeof line, "%-7s %10s", "term", "lambda");
    o << line;
    for (Param p : kAllParams) {
        std::snprintf(line, sizeof line, " %20s", std::string(paramKey(p)).c_str());
        o << line;
    }
    o << "\n";
    for (Term k : kAllTerms)
        o << termRow(g, lambdas, k);
    o << totalRow(g, lambdas);
    for (Term k : kAllTerms)
        if (!g[k].defined && (lambdas[index(k)] != 0.0 || g[k].available))
            o << "  L_" << termKey(k) << ": " << g[k].reason << "\n";
    o << "\n" << cosineTable(g, Param::WHid);
    return o.str();
}

} // namespace rnnloss
