// libFuzzer target: the summary file decoder (engine/sidecar.h) on arbitrary
// bytes. A mutated file almost always fails its checksum first, so each input
// is also decoded with its checksum made right: the fuzzer then reaches the
// section table, the identity, the summary and the gradients inside. The
// seeds (test_sidecar writeFuzzSeeds) hold valid gradient sections.

#include "gradgram.h"
#include "loss.h"
#include "neuronstats.h"
#include "sidecar.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

void exercise(const rnnloss::GradientSummary& g)
{
    using namespace rnnloss;
    // What grad and the Gradients tab compute from a summary file's Gram
    // matrices, under lambdas of every sign and size.
    const TermArray lambdas{1, 0, 1e-3, 2, 1e300, 0.5, 1};
    std::array<bool, kTermCount> all;
    all.fill(true);
    for (const ParamGram& p : g.gram) {
        weightedTotalNorm(p, lambdas, all);
        gradShares(p, lambdas, all);
        for (Term k : kAllTerms) {
            gradNorm(p, k);
            for (Term l : kAllTerms)
                cosine(p, k, l);
        }
    }
}

void exercise(const rnnloss::Sidecar& sc)
{
    using namespace rnnloss;
    const Summary& s = sc.summary;
    if (sc.gradients) {
        exercise(sc.gradients->spec);
        exercise(sc.gradients->nn4n);
    }
    // Whatever decodes must be safe to compute on.
    for (Convention c : {Convention::Spec, Convention::Nn4n}) {
        evaluate(computeTerms(s, c), TermArray{1, 1, 1, 1, 1, 1, 1});
        computeNeuronStats(s, c);
    }
    for (std::int64_t n = 0; n < std::min<std::int64_t>(s.shape.nHid, 4); ++n) {
        neuronRateHistogram(s, n);
        psth(s, n);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace rnnloss;
    auto d = decodeSidecar({data, size}, "fuzz.rnnsum");
    if (d.value)
        exercise(*d.value);
    if (size < 8)
        return 0;
    std::vector<std::uint8_t> sealed(data, data + size);
    const std::uint64_t h = xxh64({sealed.data(), size - 8});
    std::memcpy(sealed.data() + size - 8, &h, 8);
    d = decodeSidecar(sealed, "fuzz.rnnsum");
    if (d.value) {
        exercise(*d.value);
        // A decoded file encodes again (the encoder's checks hold for it).
        encodeSidecar(d.value->header, d.value->summary, d.value->sections);
    }
    return 0;
}
