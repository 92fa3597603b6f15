#include "summary.h"

#include <cstdio>

namespace rnnloss {

std::string_view datasetName(Dataset d)
{
    static constexpr std::array<std::string_view, kDatasetCount> names = {
        "outputs", "targets", "states", "inputs", "weights/input", "weights/hidden",
        "weights/readout"};
    return names[static_cast<int>(d)];
}

std::string recordingLabel(const Summary& s, const std::string& path)
{
    if (!s.label.empty())
        return s.label;
    for (auto [name, value] : {std::pair{"step", s.step}, std::pair{"epoch", s.epoch}})
        if (value) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%s %.15g", name, *value);
            return buf;
        }
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace rnnloss
