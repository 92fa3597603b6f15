#pragma once
// What a gradient pass leaves for the app and the CLI (the reader process
// computes it and sends it, gradcodec.h): everything of a GradientResult but
// the gradients themselves. The Gram matrices are what the views need: every
// norm, share and cosine for any lambdas follows from them (gradgram.h).

#include "gradient.h"
#include "network.h"
#include "summary.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rnnloss {

struct GradientSummary
{
    Convention convention = kDefaultConvention;
    Shape shape; ///< the whole recording's B, T, N_in, N_hid, N_out
    Activation activation = Activation::Relu;
    double alpha = 0.1; ///< dt / tau
    std::array<TermGradient, kTermCount> terms;
    /// Per parameter; `defined` and `reason` are those of `terms`.
    std::array<ParamGram, kParamCount> gram;
    std::optional<double> replayError; ///< as GradientResult::replayError
    double maxAbsRate = 0.0;
    /// The read's warnings, then the pass's (the replay warning among them).
    std::vector<std::string> warnings;

    // The recording's own attributes, so that a client can name it and take
    // its training lambdas without a summary of its values.
    std::array<std::optional<double>, kTermCount> trainingLambdas;
    std::string label;
    std::optional<double> step, epoch;

    const TermGradient& operator[](Term t) const { return terms[index(t)]; }
    const ParamGram& operator[](Param p) const { return gram[index(p)]; }
    /// The parameter's dimensions: {N_hid, N_in} for W_in, {N_hid} for b_in, ...
    std::vector<std::int64_t> paramDims(Param p) const;
};

/// The summary of a finished pass `r` (r.ok()) of `net` on the recording
/// `recording` (a summary without values is enough: its shape, attributes
/// and warnings are taken).
GradientSummary summarizeGradients(const GradientResult& r, const Network& net,
                                   const Summary& recording);

/// The recording's attributes of `g` as a Summary without values, for what
/// names a recording or picks its lambdas from one (recordingLabel,
/// initialLambdas).
Summary recordingOf(const GradientSummary& g);

} // namespace rnnloss
