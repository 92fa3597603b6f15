// rnnloss grad REC.h5 ...: which term steers learning. The reader process
// re-simulates each recording's network, takes every term's gradient with
// respect to every parameter and sends back their Gram matrices
// (engine/gradsummary.h); the norms, shares and cosines for the lambdas come
// from those (app/common/gradreport.h).

#include "cli_commands.h"
#include "cli_common.h"
#include "gradreport.h"
#include "report.h"

#include <cstdio>
#include <iostream>

namespace rnnloss::cli {

const char* const kGradHelp = R"(
grad [RECORDING...] [--weights W.h5] [--convention nn4n|spec] [--lambda KEY=VALUE]...
     [--lambdas-from F] [--threads N] [slice options] [--json]
  Which term steers learning: the gradient of each term of the loss with
  respect to each parameter of the recorded network (W_in, b_in, W_hid, b_hid,
  W_out, b_out), through the noise-free re-simulation of the network on the
  recording's inputs (docs/loss.md, "Gradients"). The recording must hold the
  network: inputs, weights, activation, tau and dt (or alpha); biases and
  init_state are optional (recording-format.md, "The network"). On a slice,
  the slice's loss is differentiated through the whole simulation. The table
  gives lambda x ||dL/dp|| per term and parameter with its share of the sum,
  the norm of the weighted total, and the cosines between the terms' gradients
  of W_hid. The recorded states are compared with the re-simulation; when they
  differ by more than 1e-3 of max |r| a warning says they are not this
  network's noise-free trajectory (the gradients are still given).
  --convention         the command line, else the recording's loss_convention,
                       else nn4n
  --threads N          threads of the gradient pass (1..256; default 2)
  --json               one line per recording: {"file", ["label" with several
                       recordings,] "convention", "replay_error" (null without
                       states), "parameters": {PARAM: dims}, "terms": {KEY:
                       {"lambda", "grad_norm": {PARAM: ||dL/dp|| with lambda 1},
                       "weighted_grad_norm": {PARAM: lambda x it, 0 when lambda
                       is 0}}, or "grad_norm": null and "reason" when the term
                       has no gradient}, "total": {"grad_norm": {PARAM: norm of
                       the gradient of sum lambda_k L_k, null when a term with
                       lambda != 0 has none}}, "cosine": {PARAM: {KEY: {KEY:
                       cosine of the unweighted gradients, null where either
                       is 0 or undefined}}}}
  A non-zero lambda on a term whose data is missing is an error, as for compute.
  A summary file (or the current one beside a recording, as for compute;
  --no-summaries reads the recording) made with summarize --gradients answers
  without the recording, from its Gram matrices, when no slice is asked; a
  slice needs the recording.
)";

namespace {

struct GradArgs
{
    Options o;
    int threads = 2;
};

GradArgs parseGrad(const std::vector<std::string>& args)
{
    GradArgs g;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--threads")
            g.threads = static_cast<int>(wholeNumber(args[i], value(args, i), 1, 256));
        else if (!parseShared(args, i, g.o))
            throw UsageError{"unknown option " + args[i] + " (see rnnloss --help)"};
    }
    finish(g.o);
    if (g.o.recordings.empty())
        g.o.recordings.push_back(bundledExample());
    return g;
}

ReaderOutcome runGradients(const GradArgs& g, const std::string& path)
{
    ReaderJob job = readerJob(g.o, path);
    job.rawLayout = false;
    job.gradients = true;
    job.convention = g.o.loss.convention;
    job.gradientThreads = g.threads;
    ReaderProcess reader;
    double shown = -1.0;
    ReaderOutcome out = reader.run(job, [&](double f, const std::string& stage) {
        if (g.o.verbose && f - shown >= 0.1) {
            std::fprintf(stderr, "%s: %3.0f%% (%s)\n", path.c_str(), 100 * f, stage.c_str());
            shown = f;
        }
    });
    if (g.o.verbose)
        std::fprintf(stderr, "%s: gradients in %.2f s, reader peak RSS %.1f MB\n", path.c_str(),
                     out.seconds, out.peakRssBytes / 1e6);
    return out;
}

ReaderOutcome failure(std::string error)
{
    ReaderOutcome out;
    out.error = std::move(error);
    return out;
}

/// The gradients of `path`: from the Gram matrices of the summary file that
/// stands for it (summarize --gradients) when no selection is asked, else
/// computed from the recording by the reader process.
ReaderOutcome gradientsOf(const GradArgs& g, const std::string& path)
{
    SummaryChoice c = lookupSummary(g.o, path);
    if (!c.error.empty())
        return failure(c.error);
    if (!c.summary)
        return runGradients(g, c.recording);
    const bool selection = g.o.slice.any();
    if (!selection && c.gradients) {
        // As the reader chooses: the command line, else the recording's own.
        const Convention conv =
            g.o.loss.convention.value_or(c.summary->lossConvention.value_or(kDefaultConvention));
        ReaderOutcome out;
        out.gradients = c.gradients->of(conv);
        return out;
    }
    const std::string why =
        selection ? "a selection (--trials, --steps, --neurons, --trial-label, --neuron-group) "
                    "needs the recording"
                  : "its summary file holds no gradients (rnnloss summarize --gradients adds "
                    "them)";
    if (!c.recording.empty()) {
        if (g.o.verbose)
            std::fprintf(stderr, "%s: reading the recording: %s\n", path.c_str(), why.c_str());
        return runGradients(g, c.recording);
    }
    return failure(path + ": " + why + ", and only its summary (" + c.summaryFile + ") is here");
}

/// Empty when every term with a non-zero lambda has its data; else the error.
std::string missingData(const GradientSummary& gs, const TermArray& lambdas,
                        const std::string& path)
{
    for (Term t : kAllTerms)
        if (lambdas[index(t)] != 0.0 && !gs[t].available)
            return path + ": " + std::string(lambdaKey(t)) + " is " +
                   jsonNumber(lambdas[index(t)]) + " but L_" + std::string(termKey(t)) + " " +
                   gs[t].reason + " (--lambda " + std::string(termKey(t)) + "=0 leaves it out)";
    return {};
}

} // namespace

int grad(const std::vector<std::string>& args)
{
    GradArgs g;
    try {
        g = parseGrad(args);
    } catch (const UsageError& e) {
        return fail(e.message);
    }
    const bool several = g.o.recordings.size() > 1;
    int status = 0;
    for (const std::string& path : g.o.recordings) {
        const ReaderOutcome out = gradientsOf(g, path);
        if (!out.gradients) {
            status = fail(out.error);
            continue;
        }
        const GradientSummary& gs = *out.gradients;
        const Summary rec = recordingOf(gs);
        const TermArray lambdas = effectiveLambdas(rec, g.o.loss);
        if (const std::string err = missingData(gs, lambdas, path); !err.empty()) {
            status = fail(err);
            continue;
        }
        for (const auto& w : gs.warnings)
            std::cerr << "warning: " << w << "\n";
        const std::string label = recordingLabel(rec, path);
        if (g.o.json)
            std::cout << gradientJson(gs, lambdas, path,
                                      several ? std::optional(label) : std::nullopt);
        else
            std::cout << (several && &path != &g.o.recordings.front() ? "\n" : "")
                      << gradientTable(gs, lambdas, path + (several ? " (" + label + ")" : ""));
        std::cout.flush();
    }
    return std::cout ? status : 1;
}

} // namespace rnnloss::cli
