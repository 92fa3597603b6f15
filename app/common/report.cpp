#include "report.h"

#include "slice.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace rnnloss {

namespace {

std::string g(double v, int digits)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
}

std::string cell(std::optional<double> v)
{
    return v && std::isfinite(*v) ? g(*v, 6) : std::string("undefined");
}

/// The shortest form that reads back as the same double.
std::string shortest(double v)
{
    for (int digits = 6; digits < 17; ++digits) {
        const std::string s = g(v, digits);
        if (std::strtod(s.c_str(), nullptr) == v)
            return s;
    }
    return g(v, 17);
}

} // namespace

std::string csvNumber(double v)
{
    return std::isfinite(v) ? shortest(v) : std::string();
}

std::string jsonNumber(std::optional<double> v)
{
    return v && std::isfinite(*v) ? g(*v, 17) : std::string("null");
}

std::string jsonString(const std::string& s)
{
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

std::string lossJson(const Summary& s, const LossResult& r, const NeuronStats& st)
{
    std::ostringstream o;
    const Shape& sh = s.recordingShape();
    o << "{\"convention\": " << jsonString(std::string(conventionName(r.convention)))
      << ", \"shape\": {\"batch\": " << sh.batch << ", \"time\": " << sh.time
      << ", \"n_in\": " << sh.nIn << ", \"n_hid\": " << sh.nHid << ", \"n_out\": " << sh.nOut
      << "}, \"terms\": {";
    for (Term t : kAllTerms) {
        const TermResult& tr = r[t];
        o << (t == Term::Mse ? "" : ", ") << jsonString(std::string(termKey(t)))
          << ": {\"lambda\": " << shortest(tr.lambda) << ", \"value\": " << jsonNumber(tr.value)
          << ", \"weighted\": " << jsonNumber(tr.weighted) << ", \"available\": "
          << (tr.available ? "true" : "false");
        if (!tr.value)
            o << ", \"reason\": " << jsonString(tr.reason);
        o << "}";
    }
    o << "}, \"total\": " << jsonNumber(r.total) << ", \"neurons\": {";
    const std::pair<const char*, const std::vector<double>*> cols[] = {
        {"mean_rate", &st.mean},    {"sd", &st.sd},   {"cv", &st.cv},
        {"max", &st.max},           {"fraction_active", &st.fractionActive},
        {"fr_contribution", &st.frContribution}};
    bool first = true;
    for (const auto& [name, v] : cols) {
        o << (first ? "" : ", ") << "\"" << name << "\": [";
        for (std::size_t i = 0; i < v->size(); ++i)
            o << (i ? ", " : "") << jsonNumber((*v)[i]);
        o << "]";
        first = false;
    }
    o << "}, \"warnings\": [";
    for (std::size_t i = 0; i < s.warnings.size(); ++i)
        o << (i ? ", " : "") << jsonString(s.warnings[i]);
    o << "]";
    if (s.slice)
        o << ", \"selection\": " << selectionJson(*s.slice);
    o << "}\n";
    return o.str();
}

std::string selectionJson(const Slice& slice)
{
    std::ostringstream o;
    o << "{";
    const std::pair<const char*, const std::vector<std::int64_t>*> axes[] = {
        {"trials", &slice.trials}, {"steps", &slice.steps}, {"neurons", &slice.neurons}};
    for (const auto& [name, v] : axes)
        o << (name == axes[0].first ? "" : ", ") << "\"" << name << "\": {\"spec\": "
          << jsonString(indexSpecText(*v)) << ", \"count\": " << v->size() << "}";
    o << "}";
    return o.str();
}

std::string lossTable(const Summary& s, const LossResult& r, const std::string& title)
{
    std::ostringstream o;
    const Shape& sh = s.recordingShape();
    o << title << "\n";
    o << "shape: B=" << sh.batch << " T=" << sh.time << " N_in=" << sh.nIn
      << " N_hid=" << sh.nHid << " N_out=" << sh.nOut
      << "   convention: " << conventionName(r.convention) << "\n";
    if (s.slice)
        o << "slice: trials " << indexSpecText(s.slice->trials) << ", steps "
          << indexSpecText(s.slice->steps) << ", neurons " << indexSpecText(s.slice->neurons)
          << " (B=" << s.shape.batch << " T=" << s.shape.time << " N_hid=" << s.shape.nHid
          << ")\n";
    o << "\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-7s %12s %14s %14s %7s\n", "term", "lambda", "value",
                  "weighted", "share");
    o << line;
    for (Term t : kAllTerms) {
        const TermResult& tr = r[t];
        std::string share = "";
        if (r.total && *r.total != 0.0 && tr.weighted && tr.lambda != 0.0)
            share = g(100.0 * *tr.weighted / *r.total, 3) + "%";
        std::snprintf(line, sizeof line, "%-7s %12s %14s %14s %7s\n",
                      std::string(termKey(t)).c_str(), g(tr.lambda, 6).c_str(),
                      tr.available ? cell(tr.value).c_str() : "missing",
                      tr.lambda == 0.0 ? "-" : cell(tr.weighted).c_str(), share.c_str());
        o << line;
    }
    std::snprintf(line, sizeof line, "%-7s %12s %14s %14s\n", "total", "", "",
                  cell(r.total).c_str());
    o << line;
    bool notes = false;
    for (Term t : kAllTerms) {
        const TermResult& tr = r[t];
        if (!tr.value && (tr.lambda != 0.0 || tr.available)) {
            o << (notes ? "" : "\n") << "  L_" << termKey(t) << ": " << tr.reason << "\n";
            notes = true;
        }
    }
    if (!r.total)
        o << "  total: " << r.totalReason << "\n";
    for (const auto& w : s.warnings)
        o << "warning: " << w << "\n";
    return o.str();
}

std::string breakdownCsv(const LossResult& r)
{
    std::ostringstream o;
    o << "term,lambda,value,weighted,share\n";
    for (Term t : kAllTerms) {
        const TermResult& tr = r[t];
        std::string share;
        if (r.total && *r.total != 0.0 && tr.weighted)
            share = csvNumber(*tr.weighted / *r.total);
        o << termKey(t) << "," << shortest(tr.lambda) << ","
          << (tr.value ? csvNumber(*tr.value) : "") << ","
          << (tr.weighted ? csvNumber(*tr.weighted) : "") << "," << share << "\n";
    }
    o << "total,,," << (r.total ? csvNumber(*r.total) : "") << ",\n";
    return o.str();
}

std::string neuronCsv(const NeuronStats& st, const std::vector<std::int64_t>& ids,
                      const std::vector<std::string>& groups)
{
    // A group is free text: quoted, with its quotes doubled.
    auto quoted = [](const std::string& s) {
        std::string q = "\"";
        for (char c : s)
            q += c == '"' ? std::string("\"\"") : std::string(1, c);
        return q + "\"";
    };
    std::ostringstream o;
    o << "neuron," << (groups.empty() ? "" : "group,")
      << "mean_rate,sd,cv_over_time,min,max,fraction_active,fr_contribution\n";
    for (std::size_t n = 0; n < st.size(); ++n) {
        const std::int64_t id = n < ids.size() ? ids[n] : static_cast<std::int64_t>(n);
        o << id << ",";
        if (!groups.empty())
            o << (id >= 0 && std::size_t(id) < groups.size() ? quoted(groups[std::size_t(id)])
                                                             : std::string())
              << ",";
        o << csvNumber(st.mean[n]) << "," << csvNumber(st.sd[n]) << ","
          << csvNumber(st.cv[n]) << "," << csvNumber(st.min[n]) << "," << csvNumber(st.max[n])
          << "," << csvNumber(st.fractionActive[n]) << "," << csvNumber(st.frContribution[n])
          << "\n";
    }
    return o.str();
}

std::string lambdasJson(const TermArray& lambdas, Convention c)
{
    std::ostringstream o;
    o << "{\n  \"convention\": " << jsonString(std::string(conventionName(c)));
    for (Term t : kAllTerms)
        o << ",\n  \"" << lambdaKey(t) << "\": " << shortest(lambdas[index(t)]);
    o << "\n}\n";
    return o.str();
}

std::string nn4nCall(const TermArray& lambdas, Convention c)
{
    std::string s = "RNNLoss(model";
    for (Term t : kAllTerms)
        if (t == Term::Mse || lambdas[index(t)] != 0.0)
            s += ", " + std::string(lambdaKey(t)) + "=" + shortest(lambdas[index(t)]);
    s += ")";
    const bool firingRates = lambdas[index(Term::Fr)] != 0.0 ||
                             lambdas[index(Term::FrSd)] != 0.0 || lambdas[index(Term::FrCv)] != 0.0;
    if (c == Convention::Spec && firingRates)
        s += "  # tuned under the spec convention: nn4n's RNNLoss computes L_fr, L_fr_sd and "
             "L_fr_cv differently (the nn4n convention), so its firing-rate terms will differ";
    return s;
}

} // namespace rnnloss
