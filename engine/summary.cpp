#include "summary.h"

namespace rnnloss {

std::string_view datasetName(Dataset d)
{
    static constexpr std::array<std::string_view, kDatasetCount> names = {
        "outputs", "targets", "states", "inputs", "weights/input", "weights/hidden",
        "weights/readout"};
    return names[static_cast<int>(d)];
}

} // namespace rnnloss
