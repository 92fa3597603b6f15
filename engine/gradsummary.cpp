#include "gradsummary.h"

namespace rnnloss {

std::vector<std::int64_t> GradientSummary::paramDims(Param p) const
{
    switch (p) {
    case Param::WIn:
        return {shape.nHid, shape.nIn};
    case Param::BIn:
    case Param::BHid:
        return {shape.nHid};
    case Param::WHid:
        return {shape.nHid, shape.nHid};
    case Param::WOut:
        return {shape.nOut, shape.nHid};
    case Param::BOut:
        return {shape.nOut};
    }
    return {};
}

GradientSummary summarizeGradients(const GradientResult& r, const Network& net,
                                   const Summary& recording)
{
    GradientSummary g;
    g.convention = r.convention;
    g.shape = recording.recordingShape();
    g.activation = net.activation;
    g.alpha = net.alpha;
    g.terms = r.terms;
    g.gram = r.gram;
    g.replayError = r.replayError;
    g.maxAbsRate = r.maxAbsRate;
    g.warnings = recording.warnings;
    g.warnings.insert(g.warnings.end(), r.warnings.begin(), r.warnings.end());
    g.trainingLambdas = recording.trainingLambdas;
    g.label = recording.label;
    g.step = recording.step;
    g.epoch = recording.epoch;
    return g;
}

Summary recordingOf(const GradientSummary& g)
{
    Summary s;
    s.shape = g.shape;
    s.trainingLambdas = g.trainingLambdas;
    s.label = g.label;
    s.step = g.step;
    s.epoch = g.epoch;
    return s;
}

} // namespace rnnloss
