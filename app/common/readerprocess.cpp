#include "readerprocess.h"

#include "summarycodec.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <span>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

// Sanitizer runtimes reserve terabytes of address space for their shadow
// memory, so an address-space limit would stop the child from starting at all.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RNNLOSS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RNNLOSS_SANITIZED 1
#endif
#endif

namespace rnnloss {

namespace {

void closeFd(int& fd)
{
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

std::string signalName(int sig)
{
    const char* d = ::strsignal(sig);
    return "signal " + std::to_string(sig) + (d ? std::string(", ") + d : std::string());
}

/// The tail of what the child printed on stderr, on one line.
std::string lastLine(const std::string& err)
{
    std::string s = err;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
        s.pop_back();
    const auto nl = s.rfind('\n');
    if (nl != std::string::npos)
        s = s.substr(nl + 1);
    if (s.size() > 300)
        s = "..." + s.substr(s.size() - 300);
    return s;
}

/// The reader's command line for `job`.
std::vector<std::string> readerArguments(const ReaderJob& job)
{
    std::vector<std::string> args = {job.readerExe.empty() ? readerExecutable() : job.readerExe};
    if (!job.recording.empty())
        args.insert(args.end(), {"--recording", job.recording});
    if (!job.weights.empty())
        args.insert(args.end(), {"--weights", job.weights});
    args.insert(args.end(), {"--slab-bytes", std::to_string(job.slabBytes), "--active-threshold",
                             std::to_string(job.reduce.activeThreshold), "--histogram-bins",
                             std::to_string(job.reduce.histogramBins), "--threads",
                             std::to_string(job.reduce.threads)});
    for (const auto& [opt, spec] :
         {std::pair{"--trials", &job.trials}, std::pair{"--steps", &job.steps},
          std::pair{"--neurons", &job.neurons}})
        if (!spec->empty())
            args.insert(args.end(), {opt, *spec});
    for (const auto& [opt, label] : {std::pair{"--trial-label", &job.trialLabel},
                                     std::pair{"--neuron-group", &job.neuronGroup}})
        if (*label)
            args.insert(args.end(), {opt, **label});
    if (job.rawLayout)
        args.push_back("--raw-layout");
    if (!job.weightMatrices)
        args.push_back("--weight-norms-only");
    if (job.gradients) {
        args.insert(args.end(),
                    {"--gradients", "--gradient-threads", std::to_string(job.gradientThreads)});
        if (job.convention)
            args.insert(args.end(), {"--convention", std::string(conventionName(*job.convention))});
    }
    if (job.stats)
        args.push_back("--stats");
    if (job.stats && !job.responseWindow.empty())
        args.insert(args.end(), {"--response-window", job.responseWindow});
    return args;
}

rlim_t addressSpaceLimit(const ReaderJob& job)
{
#ifdef RNNLOSS_SANITIZED
    (void)job;
    return RLIM_INFINITY;
#else
    return job.memoryLimitBytes ? job.memoryLimitBytes : RLIM_INFINITY;
#endif
}

/// The started reader: its pid and the read ends of its stdout and stderr.
struct Child
{
    pid_t pid = -1;
    int outFd = -1;
    int errFd = -1;
};

/// Runs argv[0] with stdout and stderr on `outFd` and `errFd` and stdin on
/// /dev/null, without copying this process: posix_spawn (vfork, then exec).
/// fork() would copy the page tables of the app, which grow with the
/// recordings it holds, and make every page it then writes fault once more:
/// per load, a cost that grew with the set. The reader applies its memory
/// limit itself (--memory-limit) before it reads anything, as the setrlimit
/// in a forked child did before exec. Returns the pid, or -1 with errno set.
pid_t spawnReader(char* const argv[], int outFd, int errFd)
{
    posix_spawn_file_actions_t files;
    posix_spawnattr_t attr;
    if (int e = ::posix_spawn_file_actions_init(&files); e != 0) {
        errno = e;
        return -1;
    }
    ::posix_spawnattr_init(&attr);
    ::posix_spawn_file_actions_adddup2(&files, outFd, STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&files, errFd, STDERR_FILENO);
    ::posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    // The loader threads may block signals; the reader starts with none blocked.
    sigset_t none;
    sigemptyset(&none);
    ::posix_spawnattr_setsigmask(&attr, &none);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    const int e = ::posix_spawn(&pid, argv[0], &files, &attr, argv, environ);
    ::posix_spawnattr_destroy(&attr);
    ::posix_spawn_file_actions_destroy(&files);
    if (e != 0) {
        errno = e;
        return -1;
    }
    return pid;
}

/// Starts the reader with stdout and stderr on pipes and stdin on /dev/null,
/// asking it for the address-space limit `limit` (it sets that and no core
/// dumps itself, before it reads anything). Returns why it cannot, else empty.
std::string startChild(std::vector<std::string>& args, rlim_t limit, Child& child)
{
    if (limit != RLIM_INFINITY)
        args.insert(args.begin() + 1, {"--memory-limit", std::to_string(limit)});
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    int outPipe[2], errPipe[2];
    if (::pipe2(outPipe, O_CLOEXEC) != 0)
        return std::string("cannot start the reader: ") + std::strerror(errno);
    if (::pipe2(errPipe, O_CLOEXEC) != 0) {
        ::close(outPipe[0]);
        ::close(outPipe[1]);
        return std::string("cannot start the reader: ") + std::strerror(errno);
    }
    const pid_t pid = spawnReader(argv.data(), outPipe[1], errPipe[1]);
    if (pid < 0) {
        const int why = errno;
        for (int fd : {outPipe[0], outPipe[1], errPipe[0], errPipe[1]})
            ::close(fd);
        return why == ENOENT || why == EACCES || why == ENOEXEC
                   ? "cannot execute the reader '" + args.front() + "': " + std::strerror(why)
                   : std::string("cannot start the reader: ") + std::strerror(why);
    }
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    child = {pid, outPipe[0], errPipe[0]};
    return {};
}

/// What the reader sent: frames on stdout, the tail of its stderr.
struct Streamed
{
    FrameParser parser;
    std::optional<Summary> summary;
    std::optional<GradientSummary> gradients;
    std::optional<PassStats> stats;
    std::vector<std::string> warnings;
    std::string stderrTail, childError, protocolError;
    bool timedOut = false;
};

/// Feeds bytes of the child's stdout to the parser and hands on its frames;
/// false when the stream breaks the protocol.
bool takeFrames(std::span<const std::uint8_t> bytes, const ReaderProcess::ProgressFn& progress,
                Streamed& st)
{
    std::vector<FrameParser::Event> events;
    if (!st.parser.feed(bytes, events)) {
        st.protocolError = st.parser.error();
        return false;
    }
    for (auto& ev : events) {
        switch (ev.type) {
        case FrameType::Progress:
            if (progress)
                progress(ev.progress.fraction, ev.progress.stage);
            break;
        case FrameType::Warning:
            st.warnings.push_back(ev.text);
            break;
        case FrameType::Error:
            st.childError = ev.text;
            break;
        case FrameType::Summary:
            st.summary = std::move(ev.summary);
            break;
        case FrameType::Gradients:
            st.gradients = std::move(ev.gradients);
            break;
        case FrameType::Stats:
            st.stats = std::move(ev.stats);
            break;
        }
    }
    return true;
}

/// Reads the child's stdout and stderr until both are closed, or until a
/// cancel, the watchdog or a protocol error stops it early (returns true: the
/// child is to be killed). Both pipes are closed on return.
bool collect(Child& child, int wakeFd, const std::atomic<bool>& cancelled, int watchdogMs,
             const ReaderProcess::ProgressFn& progress, Streamed& st)
{
    int& outFd = child.outFd;
    int& errFd = child.errFd;
    auto lastData = std::chrono::steady_clock::now();
    std::vector<std::uint8_t> buf(1 << 16);
    while (outFd >= 0 || errFd >= 0) {
        pollfd fds[3] = {{outFd, POLLIN, 0}, {errFd, POLLIN, 0}, {wakeFd, POLLIN, 0}};
        const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - lastData)
                              .count();
        const int wait = static_cast<int>(std::max<long long>(0, watchdogMs - idle));
        const int n = ::poll(fds, 3, wait);
        if (n < 0 && errno == EINTR)
            continue;
        if (cancelled)
            break;
        if (n == 0) {
            st.timedOut = true;
            break;
        }
        if (outFd >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            const ssize_t got = ::read(outFd, buf.data(), buf.size());
            if (got > 0) {
                lastData = std::chrono::steady_clock::now();
                if (!takeFrames({buf.data(), static_cast<std::size_t>(got)}, progress, st))
                    break;
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                closeFd(outFd);
            }
        }
        if (errFd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            const ssize_t got = ::read(errFd, buf.data(), buf.size());
            if (got > 0) {
                st.stderrTail.append(reinterpret_cast<const char*>(buf.data()),
                                     static_cast<std::size_t>(got));
                if (st.stderrTail.size() > 8192)
                    st.stderrTail.erase(0, st.stderrTail.size() - 8192);
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                closeFd(errFd);
            }
        }
    }
    const bool stopped = outFd >= 0 || errFd >= 0; // left the loop early
    closeFd(outFd);
    closeFd(errFd);
    return stopped;
}

/// Waits for the child, killed first when it was `stopped`; returns its wait
/// status and puts its peak memory in `out`.
int reap(pid_t pid, bool stopped, ReaderOutcome& out)
{
    if (stopped)
        ::kill(pid, SIGKILL);
    int status = 0;
    struct rusage usage = {};
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    out.peakRssBytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
    return status;
}

/// How the run ended, into `out`: the summary with the reader's warnings, or
/// no summary and an error naming the file `name` (cancelled, stalled, a broken
/// stream, the reader's own error, a crash, a failed exit).
void judge(ReaderOutcome& out, const std::string& name, const ReaderJob& job, bool cancelled,
           int status, Streamed& st)
{
    auto failWith = [&](const std::string& msg) { out.error = name + ": " + msg; };
    if (cancelled) {
        out.cancelled = true;
        return failWith("loading cancelled");
    }
    if (st.timedOut)
        return failWith("the reader stopped responding (no progress for " +
                        std::to_string(job.watchdogMs / 1000.0).substr(0, 4) +
                        " s) and was stopped; the file is probably malformed");
    if (!st.protocolError.empty())
        return failWith("the reader sent a malformed result (" + st.protocolError + ")");
    if (!st.childError.empty()) {
        out.error = st.childError; // the reader's own words, already naming the file
        return;
    }
    const std::string tail = lastLine(st.stderrTail);
    if (WIFSIGNALED(status)) {
        std::string msg = "the reader crashed (" + signalName(WTERMSIG(status)) +
                          ") while reading; the file is probably malformed (a known weakness of "
                          "HDF5 1.10 with damaged files)";
        if (!tail.empty())
            msg += "; it said: " + tail;
        return failWith(msg);
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    // The one result the job asked for, and nothing else.
    const int sent = int(st.summary.has_value()) + int(st.gradients.has_value()) +
                     int(st.stats.has_value());
    const bool result = sent == 1 && (job.gradients ? st.gradients.has_value()
                                      : job.stats   ? st.stats.has_value()
                                                    : st.summary.has_value());
    if (result && code == 0 && st.parser.pending() == 0) {
        if (job.gradients)
            for (auto& w : st.warnings)
                st.gradients->warnings.push_back(std::move(w));
        else
            out.weightsWarnings = std::move(st.warnings);
        out.summary = std::move(st.summary);
        out.gradients = std::move(st.gradients);
        out.stats = std::move(st.stats);
        return;
    }
    if (code == 0 && sent > 0) {
        std::string what;
        for (const auto& [there, name] : {std::pair{st.summary.has_value(), "a summary"},
                                          std::pair{st.gradients.has_value(), "gradients"},
                                          std::pair{st.stats.has_value(), "statistics"}})
            if (there)
                what += (what.empty() ? "" : " and ") + std::string(name);
        return failWith("the reader sent " + what +
                        (job.gradients ? ", but gradients alone were asked for"
                         : job.stats   ? ", but statistics alone were asked for"
                                       : ", but a summary alone was asked for"));
    }
    if (code == 127)
        return failWith("cannot execute the reader '" + job.readerExe + "': " + tail);
    std::string msg = "the reader failed (exit code " + std::to_string(code) + ")";
    if (job.memoryLimitBytes && st.stderrTail.find("alloc") != std::string::npos)
        msg += ", probably out of its " + std::to_string(job.memoryLimitBytes >> 20) +
               " MiB memory limit";
    if (!tail.empty())
        msg += "; it said: " + tail;
    return failWith(msg);
}

} // namespace

std::string currentExecutable()
{
    std::vector<char> buf(4096);
    const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
    return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string();
}

std::string helperExecutable(const std::string& name)
{
    // Beside the running program in a build tree (and for a relocated
    // install); in Debian's place for helper programs when installed.
    const std::string exe = currentExecutable();
    const auto slash = exe.rfind('/');
    if (slash != std::string::npos) {
        const std::string beside = exe.substr(0, slash + 1) + name;
        if (::access(beside.c_str(), X_OK) == 0)
            return beside;
    }
    return std::string(RNNLOSS_LIBEXEC_DIR) + "/" + name;
}

std::string readerExecutable()
{
    return helperExecutable("rnnloss-reader");
}

ReaderProcess::ReaderProcess()
{
    if (::pipe2(m_wake, O_CLOEXEC | O_NONBLOCK) != 0)
        m_wake[0] = m_wake[1] = -1;
}

ReaderProcess::~ReaderProcess()
{
    closeFd(m_wake[0]);
    closeFd(m_wake[1]);
}

void ReaderProcess::cancel()
{
    m_cancelled = true;
    if (m_wake[1] >= 0) {
        const char c = 1;
        [[maybe_unused]] auto r = ::write(m_wake[1], &c, 1);
    }
}

ReaderOutcome ReaderProcess::run(const ReaderJob& job, const ProgressFn& progress)
{
    ReaderOutcome out;
    const std::string name = job.recording.empty() ? job.weights : job.recording;
    // A cancel() that came before this run started counts (a load cancelled
    // right after it was started); once the run is over, the object is re-armed
    // for the next run: stale wake-ups drained, the flag cleared.
    struct Rearm
    {
        ReaderProcess* self;
        ~Rearm()
        {
            char drain[64];
            while (self->m_wake[0] >= 0 && ::read(self->m_wake[0], drain, sizeof drain) > 0) {
            }
            self->m_cancelled = false;
        }
    } rearm{this};
    if (m_cancelled) {
        out.cancelled = true;
        out.error = name + ": loading cancelled";
        return out;
    }

    std::vector<std::string> args = readerArguments(job);
    const auto started = std::chrono::steady_clock::now();
    Child child;
    if (const std::string why = startChild(args, addressSpaceLimit(job), child); !why.empty()) {
        out.error = name + ": " + why;
        return out;
    }
    Streamed streamed;
    const bool stopped = collect(child, m_wake[0], m_cancelled, job.watchdogMs, progress, streamed);
    const int status = reap(child.pid, stopped, out);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    judge(out, name, job, m_cancelled, status, streamed);
    return out;
}

} // namespace rnnloss
