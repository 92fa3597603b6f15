#pragma once
// Child processes for the benchmark's side-by-side figures (issue 17): a
// program run to completion and timed as a user runs it, and a long-lived
// peer that times one repetition on request, so that its own start is left out.

#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace rnnloss::bench {

using Environment = std::vector<std::pair<std::string, std::string>>;

/// The median of `v` (the mean of the middle two for an even count); 0 when empty.
double medianOf(std::vector<double> v);

/// Runs `args` (args[0] the program) with `env` added to the environment and
/// its output discarded; returns the wall seconds from start to exit.
/// Throws std::runtime_error naming the command unless it exits 0. With
/// `peakKb`: the peak resident set of the program (its own, not its children's).
/// With `errText`: what it wrote on stderr (which is otherwise discarded).
double timeProcess(const std::vector<std::string>& args, const Environment& env = {},
                   long* peakKb = nullptr, std::string* errText = nullptr);

/// Resets this process's peak resident set to its current one
/// (/proc/self/clear_refs, "5"). A child's peak (wait4's ru_maxrss) starts
/// from its parent's peak at exec, with fork and posix_spawn alike, so a
/// child's own peak is only seen when this process's is small first.
void resetPeakRss();

/// A program that answers each line it reads on stdin with one line on
/// stdout (here: the milliseconds one repetition took, timed inside it).
class Peer
{
public:
    Peer(const std::vector<std::string>& args, const Environment& env);
    ~Peer();
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;

    /// Sends a line and returns the answer, parsed as a number.
    double ask(const std::string& line);

private:
    pid_t m_pid = -1;
    int m_in = -1;  ///< its stdin
    int m_out = -1; ///< its stdout
    std::string m_pending;
    std::string m_name;
};

} // namespace rnnloss::bench
