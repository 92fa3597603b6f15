#include "rawlayout.h"

namespace rnnloss {

const RawDataset* RawLayout::find(Dataset d) const
{
    for (const RawDataset& r : datasets)
        if (r.which == d)
            return &r;
    return nullptr;
}

std::string checkLayout(const RawLayout& layout, const Shape& shape)
{
    std::array<bool, kDatasetCount> seen{};
    for (const RawDataset& d : layout.datasets) {
        const std::string name = "raw layout of '" + std::string(datasetName(d.which)) + "'";
        if (d.which != Dataset::Outputs && d.which != Dataset::Targets &&
            d.which != Dataset::States)
            return "raw layout of a dataset that is read whole";
        if (seen[static_cast<int>(d.which)])
            return name + " given twice";
        seen[static_cast<int>(d.which)] = true;
        const std::int64_t width = d.which == Dataset::States ? shape.nHid : shape.nOut;
        if (d.batch != shape.batch || d.time != shape.time || d.width != width || d.batch <= 0 ||
            d.time <= 0 || d.width <= 0)
            return name + ": its shape disagrees with the recording's";
        if (d.elementSize != 4 && d.elementSize != 8)
            return name + ": elements of " + std::to_string(d.elementSize) + " bytes";
        // (T x N x element) fits 64 bits: each factor is at most 2^40, and T*N
        // is bounded by the summary's own sizes; checked anyway.
        const auto T = static_cast<std::uint64_t>(d.time), N = static_cast<std::uint64_t>(d.width);
        if (N > (std::uint64_t(1) << 62) / T / 8)
            return name + ": a trial's size overflows";
        const std::uint64_t perTrial = T * N * static_cast<std::uint64_t>(d.elementSize);
        std::int64_t next = 0;
        for (const RawExtent& e : d.extents) {
            if (e.firstTrial != next || e.trials <= 0 || e.trials > d.batch - next)
                return name + ": its extents do not cover the trials once, in order";
            if (static_cast<std::uint64_t>(e.trials) > (std::uint64_t(1) << 62) / perTrial ||
                e.bytes != static_cast<std::uint64_t>(e.trials) * perTrial)
                return name + ": an extent's size is not its trials' size";
            if (e.offset > layout.fileSize || e.bytes > layout.fileSize - e.offset)
                return name + ": an extent lies past the end of the file";
            next += e.trials;
        }
        if (next != d.batch)
            return name + ": its extents do not cover the trials once, in order";
    }
    return {};
}

} // namespace rnnloss
