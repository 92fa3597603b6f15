// `rnnloss bench --versus-nn4n`: rnnloss compute against what users run today,
// h5py + nn4n's RNNLoss (issue 17, section 4: at least 5x, aim 8x).

#include "benchgoals.h"
#include "benchproc.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace rnnloss::bench {

void versusNn4n(const std::string& cli, const std::string& file, int reps, const std::string& nn4n,
                const std::string& script, const std::string& before)
{
    if (!std::filesystem::exists(script))
        throw std::runtime_error("rnnloss bench --versus-nn4n: no " + script +
                                 " (give --peer-script PATH)");
    const std::string reader =
        (std::filesystem::path(cli).parent_path() / "rnnloss-reader").string();
    // The peer imports torch once, runs once, then times one run per request.
    Peer peer({"/usr/bin/python3", script, file, "--serve"}, {{"NN4N_PATH", nn4n}});
    // Ours as a user runs it, whole processes; the start of rnnloss and the
    // reader child alone (locating the raw extents) show where the time goes.
    const std::vector<std::string> compute{cli, "compute", file, "--json"};
    std::vector<double> tOurs, tPeer, tStart, tReader, tBefore;
    timeProcess(compute); // the page cache holds the file for both
    for (int r = 0; r < reps; ++r) {
        tOurs.push_back(timeProcess(compute));
        tPeer.push_back(peer.ask("run") / 1e3);
        tStart.push_back(timeProcess({cli, "--version"}));
        tReader.push_back(timeProcess({reader, "--recording", file, "--raw-layout"}));
        if (!before.empty())
            tBefore.push_back(timeProcess({before, "compute", file, "--json"}));
    }
    const double ours = medianOf(tOurs), theirs = medianOf(tPeer);
    auto lowest = [](const std::vector<double>& v) {
        return *std::min_element(v.begin(), v.end());
    };
    std::printf("rnnloss compute against h5py + nn4n's RNNLoss (issue 17: >= 5x, aim 8x)\n"
                "%s, %.1f MB; %d repetitions interleaved (medians; min)\n\n",
                file.c_str(), double(std::filesystem::file_size(file)) / 1e6, reps);
    std::printf("    %-48s %8.1f ms  (min %.1f)\n", "rnnloss compute --json, whole process",
                ours * 1e3, lowest(tOurs) * 1e3);
    std::printf("    %-48s %8.1f ms  (min %.1f)\n", "h5py + nn4n RNNLoss, timed inside Python",
                theirs * 1e3, lowest(tPeer) * 1e3);
    std::printf("    %-48s %8.2fx\n", "ratio of the medians", theirs / ours);
    std::printf("    %-48s %8.1f ms\n", "  of ours: rnnloss --version (process start)",
                medianOf(tStart) * 1e3);
    std::printf("    %-48s %8.1f ms\n", "  of ours: rnnloss-reader --raw-layout alone",
                medianOf(tReader) * 1e3);
    if (!tBefore.empty())
        std::printf("    %-48s %8.1f ms  (min %.1f): %.2fx h5py + nn4n\n",
                    ("before: " + before).c_str(), medianOf(tBefore) * 1e3, lowest(tBefore) * 1e3,
                    theirs / medianOf(tBefore));
}

} // namespace rnnloss::bench
