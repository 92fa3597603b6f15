#include "runs.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace rnnloss {

std::string folderName(const std::string& path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path p = fs::path(path).lexically_normal();
    if (p.is_relative()) {
        // "ckpt.h5" or "../ckpt.h5": the folder's name needs the working folder.
        const fs::path abs = fs::absolute(p, ec);
        if (!ec)
            p = abs.lexically_normal();
    }
    return p.parent_path().filename().string();
}

std::string runOf(const Summary& s, const std::string& path)
{
    if (s.run && !s.run->empty())
        return *s.run;
    return folderName(path);
}

std::optional<double> checkpointPosition(const Summary& s)
{
    return s.step ? s.step : s.epoch;
}

bool naturalLess(const std::string& a, const std::string& b)
{
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (digit(a[i]) && digit(b[j])) {
            std::size_t ei = i, ej = j;
            while (ei < a.size() && digit(a[ei]))
                ++ei;
            while (ej < b.size() && digit(b[ej]))
                ++ej;
            // Leading zeros do not count: compare the significant digits.
            std::size_t si = i, sj = j;
            while (si + 1 < ei && a[si] == '0')
                ++si;
            while (sj + 1 < ej && b[sj] == '0')
                ++sj;
            if (ei - si != ej - sj)
                return ei - si < ej - sj;
            if (const int c = a.compare(si, ei - si, b, sj, ej - sj); c != 0)
                return c < 0;
            i = ei;
            j = ej;
            continue;
        }
        if (a[i] != b[j])
            return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
        ++i;
        ++j;
    }
    if ((a.size() - i) != (b.size() - j))
        return a.size() - i < b.size() - j;
    return a < b; // equal but for leading zeros: bytewise, so that the order is strict
}

std::vector<Run> groupRuns(std::span<const RunMember> recordings)
{
    std::vector<Run> runs;
    std::map<std::string, std::size_t> at;
    for (std::size_t i = 0; i < recordings.size(); ++i) {
        const RunMember& m = recordings[i];
        const std::string name = m.summary ? runOf(*m.summary, m.path) : folderName(m.path);
        auto [it, fresh] = at.try_emplace(name, runs.size());
        if (fresh)
            runs.push_back(Run{name, {}});
        runs[it->second].checkpoints.push_back(i);
    }
    for (Run& r : runs)
        std::stable_sort(r.checkpoints.begin(), r.checkpoints.end(),
                         [&](std::size_t a, std::size_t b) {
                             const Summary* sa = recordings[a].summary;
                             const Summary* sb = recordings[b].summary;
                             const auto pa = sa ? checkpointPosition(*sa) : std::nullopt;
                             const auto pb = sb ? checkpointPosition(*sb) : std::nullopt;
                             if (!pa || !pb)
                                 return pa.has_value() && !pb.has_value();
                             return *pa < *pb;
                         });
    std::sort(runs.begin(), runs.end(),
              [](const Run& a, const Run& b) { return naturalLess(a.name, b.name); });
    return runs;
}

} // namespace rnnloss
