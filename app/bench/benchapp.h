#pragma once
// The app as the benchmark starts it (`rnnloss bench --many`, `--set-app`):
// rnnloss-explorer beside the rnnloss timed, offscreen, with settings of its
// own, exiting once it has shown what it was given and grabbed its window
// (--screenshot).

#include "benchproc.h"

#include <string>
#include <vector>

namespace rnnloss::bench {

/// The rnnloss-explorer beside `cli`.
std::string explorerBeside(const std::string& cli);

/// `exe FILES... --screenshot SHOT`: every file read, the terms of each
/// computed, the set's views drawn and the window grabbed into `shot`.
std::vector<std::string> appArgs(const std::string& exe, const std::vector<std::string>& files,
                                 const std::string& shot);

/// Offscreen, with a settings folder of its own under `tmp` (the user's
/// lambdas and layout left out and left alone).
Environment appEnvironment(const std::string& tmp);

} // namespace rnnloss::bench
