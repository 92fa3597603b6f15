// rnnloss balance REC.h5 --share KEY=FRACTION...: the lambdas that give terms
// chosen shares of the total (engine/balance.h), checked by evaluating them.

#include "balance.h"
#include "cli_commands.h"
#include "cli_common.h"
#include "report.h"
#include "sweep.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace rnnloss::cli {

namespace {

ShareTarget parseShare(const std::string& arg)
{
    const auto eq = arg.find('=');
    if (eq == std::string::npos)
        throw UsageError{"--share " + arg + ": expected KEY=FRACTION, e.g. fr=0.05"};
    const auto term = termFromKey(arg.substr(0, eq));
    if (!term)
        throw UsageError{"--share " + arg + ": unknown term '" + arg.substr(0, eq) +
                         "' (one of mse, in, hid, out, fr, fr_sd, fr_cv)"};
    const std::string text = arg.substr(eq + 1);
    char* end = nullptr;
    const double share = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size())
        throw UsageError{"--share " + arg + ": '" + text +
                         "' is not a number; give a fraction of the total, e.g. 0.05 for 5%"};
    return {*term, share};
}

std::string balanceJson(const TermArray& lambdas, const LossResult& r)
{
    const Shares shares = termShares(r);
    std::ostringstream o;
    o << "{\"lambdas\": {";
    for (Term t : kAllTerms)
        o << (t == Term::Mse ? "" : ", ") << jsonString(std::string(lambdaKey(t))) << ": "
          << jsonNumber(lambdas[index(t)]);
    o << "}, \"total\": " << jsonNumber(r.total) << ", \"shares\": {";
    for (Term t : kAllTerms)
        o << (t == Term::Mse ? "" : ", ") << jsonString(std::string(termKey(t))) << ": "
          << jsonNumber(shares[index(t)]);
    o << "}}\n";
    return o.str();
}

std::string balanceTable(const TermArray& before, const TermArray& after, const LossResult& r,
                         const std::vector<ShareTarget>& targets, const std::string& path)
{
    const Shares shares = termShares(r);
    std::ostringstream o;
    o << path << "\nlambdas for the target shares, convention " << conventionName(r.convention)
      << "\n\n";
    char line[160];
    std::snprintf(line, sizeof line, "%-7s %14s %14s %14s %8s %8s\n", "term", "lambda was",
                  "lambda", "weighted", "share", "target");
    o << line;
    for (Term t : kAllTerms) {
        std::string target;
        for (const ShareTarget& s : targets)
            if (s.term == t) {
                char b[32];
                std::snprintf(b, sizeof b, "%.4g%%", 100.0 * s.share);
                target = b;
            }
        char weighted[32] = "-", share[32] = "";
        if (after[index(t)] != 0.0 && r[t].weighted)
            std::snprintf(weighted, sizeof weighted, "%.6g", *r[t].weighted);
        if (shares[index(t)] && after[index(t)] != 0.0)
            std::snprintf(share, sizeof share, "%.4g%%", 100.0 * *shares[index(t)]);
        std::snprintf(line, sizeof line, "%-7s %14.6g %14.6g %14s %8s %8s\n",
                      std::string(termKey(t)).c_str(), before[index(t)], after[index(t)], weighted,
                      share, target.c_str());
        o << line;
    }
    std::snprintf(line, sizeof line, "%-7s %14s %14s %14.6g\n", "total", "", "",
                  r.total.value_or(0.0));
    o << line;
    return o.str();
}

} // namespace

int balance(const std::vector<std::string>& args)
{
    Options o;
    std::vector<ShareTarget> targets;
    try {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& s = args[i];
            if (s == "--share")
                targets.push_back(parseShare(value(args, i)));
            else if (s.rfind("--share=", 0) == 0)
                targets.push_back(parseShare(s.substr(8)));
            else if (!parseShared(args, i, o))
                throw UsageError{"unknown option " + s + " (see rnnloss --help)"};
        }
        if (targets.empty())
            throw UsageError{"balance needs at least one --share KEY=FRACTION, e.g. fr=0.05"};
        finish(o);
        std::string error;
        const auto loaded = loadSingle(o, error);
        if (!loaded)
            return fail(error);
        const BalanceResult b = balanceShares(loaded->values, loaded->lambdas, targets);
        if (!b.lambdas)
            return fail(loaded->path + ": " + b.error);
        // What is printed is the ordinary evaluation of the lambdas found.
        const LossResult r = evaluate(loaded->values, *b.lambdas);
        std::cout << (o.json ? balanceJson(*b.lambdas, r)
                             : balanceTable(loaded->lambdas, *b.lambdas, r, targets, loaded->path));
    } catch (const UsageError& e) {
        return fail(e.message);
    }
    std::cout.flush();
    return std::cout ? 0 : 1;
}

} // namespace rnnloss::cli
