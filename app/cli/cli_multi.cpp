// rnnloss compute A.h5 B.h5 ...: the same lambdas and convention over several
// recordings (checkpoints of one run, runs with other lambdas), one result each.

#include "cli_commands.h"
#include "cli_common.h"
#include "loss.h"
#include "neuronstats.h"
#include "recordingfiles.h"
#include "report.h"
#include "runs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace rnnloss::cli {

const char* const kCommandsHelp = R"(
compute A.h5 B.h5 ... | compute DIR ...
  With several recordings: the same options, one result per recording in the
  order given. A folder stands for every recording (*.h5, *.hdf5) and summary
  file (*.rnnsum) under it at any depth, by path; a recording's current
  summary file is used in its place (a summary beside its recording is not
  listed apart). The table has one row per recording: its label (root
  attribute `label`, else `step`/`epoch`, else the file name), its run (root
  attribute `run`, else the name of its folder), each weighted term and the
  total. --json prints one object per line (JSON Lines), each the object of a
  single-recording compute with "file", "label" and "run" added. A recording
  that cannot be read or evaluated gets its "error:" line on stderr; the
  others are still computed, and the exit status is 2.

sweep [RECORDING] --term KEY [--from X] [--to Y] [--points N] [options]
  The total and every term's share of it as the lambda of KEY runs over a log
  grid from X (default 1e-6) to Y (default 1e3) inclusive, N points (default 37,
  at least 2); the other lambdas as given. Closed-form: the terms are computed
  once. JSON: {"term": KEY, "points": [{"lambda": x, "total": t,
  "shares": {KEY: fraction of the total, ...}}, ...]}.

balance [RECORDING] --share KEY=FRACTION [--share KEY=FRACTION]... [options]
  The lambdas that make each KEY take FRACTION (0 <= FRACTION < 1) of the total,
  the other lambdas fixed as given. JSON: {"lambdas": {"lambda_mse": x, ...},
  "total": t, "shares": {KEY: fraction, ...}}. A request no lambdas can meet
  (shares summing to 1 or more, a term whose value is 0 or undefined, nothing
  else contributing to the total) exits 2 with one "error:" line saying why.

Options of compute (several recordings), sweep, balance and stats:
)";

namespace {

struct Row
{
    std::string label;
    std::string run;
    LossResult result;
};

std::string cell(const TermResult& tr)
{
    if (tr.lambda == 0.0)
        return "-";
    if (!tr.weighted)
        return "undefined";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", *tr.weighted);
    return buf;
}

/// Characters, not bytes, so that UTF-8 labels line up.
std::size_t displayWidth(const std::string& s)
{
    return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

/// `s` cut to `width` characters (at a character boundary) and padded to it.
std::string padded(const std::string& s, std::size_t width)
{
    std::string out;
    std::size_t chars = 0;
    for (char c : s) {
        if ((c & 0xC0) != 0x80 && chars++ == width)
            break;
        out += c;
    }
    return out + std::string(width - std::min(width, displayWidth(out)), ' ');
}

std::string table(const std::vector<Row>& rows, Convention c)
{
    std::size_t width = 5, runWidth = 3;
    for (const Row& r : rows) {
        width = std::max(width, std::min<std::size_t>(displayWidth(r.label), 40));
        runWidth = std::max(runWidth, std::min<std::size_t>(displayWidth(r.run), 24));
    }
    std::ostringstream o;
    o << "weighted terms, convention " << conventionName(c) << "\n\n";
    char buf[64];
    o << padded("label", width) << " " << padded("run", runWidth);
    for (Term t : kAllTerms) {
        std::snprintf(buf, sizeof buf, " %12s", std::string(termKey(t)).c_str());
        o << buf;
    }
    o << " " << std::string(12 - 5, ' ') << "total\n";
    for (const Row& r : rows) {
        o << padded(r.label, width) << " " << padded(r.run, runWidth);
        for (Term t : kAllTerms) {
            std::snprintf(buf, sizeof buf, " %12s", cell(r.result[t]).c_str());
            o << buf;
        }
        if (r.result.total)
            std::snprintf(buf, sizeof buf, " %12.6g\n", *r.result.total);
        else
            std::snprintf(buf, sizeof buf, " %12s\n", "undefined");
        o << buf;
    }
    return o.str();
}

/// The files of `given`, each folder replaced by what is under it; a folder
/// that holds none, or cannot be listed, is an error on stderr (`status` 2).
std::vector<std::string> filesOf(const std::vector<std::string>& given, int& status)
{
    std::vector<std::string> files;
    for (const std::string& path : given) {
        FolderFiles found = expandFolders({path});
        for (const std::string& e : found.errors)
            status = fail(e);
        if (found.files.empty())
            status = fail(path + ": no recording (*.h5, *.hdf5) or summary file (*.rnnsum) in "
                                 "this folder or under it");
        files.insert(files.end(), found.files.begin(), found.files.end());
    }
    return files;
}

} // namespace

int computeMany(const std::vector<std::string>& args)
{
    Options o;
    try {
        for (std::size_t i = 0; i < args.size(); ++i)
            if (!parseShared(args, i, o))
                throw UsageError{"unknown option " + args[i] + " (see rnnloss --help)"};
        finish(o);
    } catch (const UsageError& e) {
        return fail(e.message);
    }
    const Convention conv = o.loss.convention.value_or(kDefaultConvention);
    std::vector<Row> rows;
    int status = 0;
    for (const std::string& path : filesOf(o.recordings, status)) {
        const ReaderOutcome outcome = read(o, path);
        if (!outcome.summary) {
            status = fail(outcome.error);
            continue;
        }
        const Summary& s = *outcome.summary;
        LossResult r = evaluate(computeTerms(s, conv), effectiveLambdas(s, o.loss));
        if (!r.errors.empty()) {
            status = fail(path + ": " + r.errors.front());
            continue;
        }
        // A summary file is labelled as its recording would be (ckpt.h5, not ckpt.h5.rnnsum).
        const std::string label = recordingLabel(
            s, isSummaryFile(path) ? path.substr(0, path.size() - kSidecarSuffix.size()) : path);
        const std::string run = runOf(s, path);
        if (o.json) {
            // Today's single-recording object, with the file, its label and run in front.
            const std::string one = lossJson(s, r, computeNeuronStats(s, conv));
            std::cout << "{\"file\": " << jsonString(path) << ", \"label\": " << jsonString(label)
                      << ", \"run\": " << jsonString(run) << ", " << one.substr(1);
            std::cout.flush();
        } else {
            for (const auto& w : s.warnings)
                std::cerr << "warning: " << w << "\n";
            rows.push_back({label, run, std::move(r)});
        }
    }
    if (!o.json && !rows.empty())
        std::cout << table(rows, conv);
    std::cout.flush();
    if (!std::cout)
        return 1;
    return status;
}

} // namespace rnnloss::cli
