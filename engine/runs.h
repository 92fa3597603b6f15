#pragma once
// Runs (issue 16): a sweep's recordings are checkpoints of training runs. A
// recording's run is its root attribute `run`, else the name of the folder it
// lies in (a sweep that keeps one folder per run needs no attribute). The
// app's History and Runs table and `rnnloss compute DIR` group by it alike.

#include "summary.h"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rnnloss {

/// The name of the folder `path` lies in ("run3" for "sweep/run3/ckpt.h5"),
/// relative paths taken from the working folder; empty at the file system's root.
std::string folderName(const std::string& path);

/// The run of the recording `s` read from `path`: `s.run`, else folderName().
std::string runOf(const Summary& s, const std::string& path);

/// Where a checkpoint lies in its run: its step, else its epoch.
std::optional<double> checkpointPosition(const Summary& s);

/// Orders names as a person would: "run2" before "run10", then bytewise.
bool naturalLess(const std::string& a, const std::string& b);

/// One recording to group: its summary and the path it was opened from.
struct RunMember
{
    const Summary* summary = nullptr;
    std::string path;
};

struct Run
{
    std::string name;
    /// Indices into the grouped recordings, by step (else epoch); those with
    /// neither come last, in the order given.
    std::vector<std::size_t> checkpoints;
};

/// The runs of `recordings`, by name (naturalLess).
std::vector<Run> groupRuns(std::span<const RunMember> recordings);

} // namespace rnnloss
