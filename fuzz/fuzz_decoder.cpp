// libFuzzer target: the app-side decoder of the reader's frame stream, on
// arbitrary bytes fed in arbitrary pieces; the whole input also as a summary
// payload, as a gradient payload (engine/gradcodec.h) and as a stats payload.

#include "gradcodec.h"
#include "gradgram.h"
#include "loss.h"
#include "neuronstats.h"
#include "popstats.h"
#include "statscodec.h"
#include "summarycodec.h"
#include "taskperf.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace rnnloss;
    // The whole input as one summary payload ...
    auto d = decodeSummary({data, size});
    if (d.value) {
        // ... and whatever decodes must be safe to compute on.
        for (Convention c : {Convention::Spec, Convention::Nn4n}) {
            evaluate(computeTerms(*d.value, c), TermArray{1, 1, 1, 1, 1, 1, 1});
            computeNeuronStats(*d.value, c);
        }
        for (std::int64_t n = 0; n < std::min<std::int64_t>(d.value->shape.nHid, 4); ++n) {
            neuronRateHistogram(*d.value, n);
            psth(*d.value, n);
        }
    }
    // ... as a gradient payload, and what the views compute from it ...
    auto g = decodeGradients({data, size});
    if (g.value) {
        std::array<bool, kTermCount> on;
        on.fill(true);
        const TermArray lambdas{1, 0.5, 0.1, 0, 2, 0.01, 1};
        for (Param p : kAllParams) {
            weightedTotalNorm((*g.value)[p], lambdas, on);
            gradShares((*g.value)[p], lambdas, on);
            for (Term k : kAllTerms)
                cosine((*g.value)[p], k, Term::Fr);
            const ShareTarget target{Term::Fr, 0.3};
            balanceByGradient((*g.value)[p], lambdas, on, {&target, 1});
        }
    }
    // ... as a stats payload, and whatever decodes must be safe to report on ...
    auto st = decodeStats({data, size});
    if (st.value) {
        if (st.value->saturation)
            saturatedFraction(*st.value->saturation);
        if (st.value->choices) {
            accuracy(*st.value->choices);
            if (!st.value->trialValues.empty())
                psychometric(*st.value->choices, st.value->trialValues);
        }
    }
    // ... and as a stream, split at a point the first byte chooses.
    FrameParser p;
    std::vector<FrameParser::Event> events;
    const std::size_t cut = size ? data[0] % (size + 1) : 0;
    if (p.feed({data, cut}, events))
        p.feed({data + cut, size - cut}, events);
    return 0;
}
