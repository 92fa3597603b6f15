// rnnloss sweep REC.h5 --term KEY: the total and the shares as one lambda runs
// over a log grid (engine/sweep.h), the terms computed once.

#include "cli_commands.h"
#include "cli_common.h"
#include "report.h"
#include "sweep.h"

#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace rnnloss::cli {

namespace {

std::string sweepJson(const SweepResult& r)
{
    std::ostringstream o;
    o << "{\"term\": " << jsonString(std::string(termKey(r.term))) << ", \"points\": [";
    for (std::size_t i = 0; i < r.points.size(); ++i) {
        const SweepPoint& p = r.points[i];
        o << (i ? ", " : "") << "{\"lambda\": " << jsonNumber(p.lambda)
          << ", \"total\": " << jsonNumber(p.total) << ", \"shares\": {";
        for (Term t : kAllTerms)
            o << (t == Term::Mse ? "" : ", ") << jsonString(std::string(termKey(t))) << ": "
              << jsonNumber(p.shares[index(t)]);
        o << "}}";
    }
    o << "]}\n";
    return o.str();
}

/// Columns: the swept lambda, the total, the share of each term that has one.
std::string sweepTable(const SweepResult& r, const TermArray& lambdas, const std::string& path)
{
    std::ostringstream o;
    o << path << "\nsweep of lambda_" << termKey(r.term) << "; shares in % of the total\n\n";
    std::vector<Term> shown;
    for (Term t : kAllTerms)
        if (t == r.term || lambdas[index(t)] != 0.0)
            shown.push_back(t);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%14s %14s", ("lambda_" + std::string(termKey(r.term))).c_str(),
                  "total");
    o << buf;
    for (Term t : shown) {
        std::snprintf(buf, sizeof buf, " %8s", std::string(termKey(t)).c_str());
        o << buf;
    }
    o << "\n";
    for (const SweepPoint& p : r.points) {
        std::snprintf(buf, sizeof buf, "%14.6g %14.6g", p.lambda, p.total);
        o << buf;
        for (Term t : shown) {
            const auto& s = p.shares[index(t)];
            if (s)
                std::snprintf(buf, sizeof buf, " %8.3g", 100.0 * *s);
            else
                std::snprintf(buf, sizeof buf, " %8s", "-");
            o << buf;
        }
        o << "\n";
    }
    return o.str();
}

} // namespace

int sweep(const std::vector<std::string>& args)
{
    Options o;
    std::optional<Term> term;
    double from = 1e-6, to = 1e3;
    int points = 37;
    std::vector<double> grid;
    try {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& s = args[i];
            if (s == "--term") {
                const std::string key = value(args, i);
                term = termFromKey(key);
                if (!term)
                    throw UsageError{"--term " + key +
                                     ": expected one of mse, in, hid, out, fr, fr_sd, fr_cv"};
            } else if (s == "--from") {
                from = realNumber(s, value(args, i));
            } else if (s == "--to") {
                to = realNumber(s, value(args, i));
            } else if (s == "--points") {
                points = static_cast<int>(wholeNumber(s, value(args, i), 2, 100000));
            } else if (!parseShared(args, i, o)) {
                throw UsageError{"unknown option " + s + " (see rnnloss --help)"};
            }
        }
        if (!term)
            throw UsageError{"sweep needs --term KEY (mse, in, hid, out, fr, fr_sd or fr_cv)"};
        try {
            grid = logGrid(from, to, points);
        } catch (const std::invalid_argument& e) {
            throw UsageError{"--from " + jsonNumber(from) + " --to " + jsonNumber(to) + ": " +
                             e.what()};
        }
        finish(o);
        std::string error;
        const auto loaded = loadSingle(o, error);
        if (!loaded)
            return fail(error);
        const SweepResult r = sweepLambda(loaded->values, loaded->lambdas, *term, grid);
        if (!r.error.empty())
            return fail(loaded->path + ": " + r.error);
        std::cout << (o.json ? sweepJson(r) : sweepTable(r, loaded->lambdas, loaded->path));
    } catch (const UsageError& e) {
        return fail(e.message);
    }
    std::cout.flush();
    return std::cout ? 0 : 1;
}

} // namespace rnnloss::cli
