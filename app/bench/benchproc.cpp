#include "benchproc.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <spawn.h>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rnnloss::bench {

namespace {

/// The command, its arguments cut short when there are many (files).
std::string commandLine(const std::vector<std::string>& args)
{
    std::string line;
    for (std::size_t i = 0; i < args.size() && i < 4; ++i)
        line += (line.empty() ? "" : " ") + args[i];
    if (args.size() > 4)
        line += " ... (" + std::to_string(args.size() - 1) + " arguments)";
    return line;
}

/// argv and envp for posix_spawn: this process's environment with `env` set.
struct SpawnArgs
{
    std::vector<std::string> args, envStrings;
    std::vector<char*> argv, envp;

    SpawnArgs(const std::vector<std::string>& a, const Environment& env) : args(a)
    {
        for (char** e = environ; *e; ++e) {
            const std::string s = *e;
            const bool replaced = std::any_of(env.begin(), env.end(), [&](const auto& kv) {
                return s.rfind(kv.first + "=", 0) == 0;
            });
            if (!replaced)
                envStrings.push_back(s);
        }
        for (const auto& [name, value] : env)
            envStrings.push_back(name + "=" + value);
        for (std::string& s : args)
            argv.push_back(s.data());
        argv.push_back(nullptr);
        for (std::string& s : envStrings)
            envp.push_back(s.data());
        envp.push_back(nullptr);
    }
};

/// Starts the program with the given file actions; throws when it cannot.
pid_t spawn(SpawnArgs& s, const posix_spawn_file_actions_t* files)
{
    pid_t pid = -1;
    if (const int e = ::posix_spawn(&pid, s.argv[0], files, nullptr, s.argv.data(), s.envp.data());
        e != 0)
        throw std::runtime_error(commandLine(s.args) + ": cannot start: " + std::strerror(e));
    return pid;
}

int waitFor(pid_t pid, long* peakKb = nullptr)
{
    int status = 0;
    struct rusage usage
    {
    };
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    if (peakKb)
        *peakKb = usage.ru_maxrss;
    return status;
}

} // namespace

double medianOf(std::vector<double> v)
{
    if (v.empty())
        return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

namespace {

/// A temporary file the child's stderr goes to, read and removed after.
struct ErrFile
{
    std::string path;
    explicit ErrFile(bool wanted)
    {
        if (!wanted)
            return;
        std::string pattern =
            (std::filesystem::temp_directory_path() / "rnnloss-bench-XXXXXX").string();
        const int fd = ::mkstemp(pattern.data());
        if (fd < 0)
            throw std::runtime_error("cannot make a temporary file: " +
                                     std::string(std::strerror(errno)));
        ::close(fd);
        path = pattern;
    }
    ~ErrFile()
    {
        if (!path.empty())
            std::filesystem::remove(path);
    }
    std::string text() const
    {
        std::ifstream in(path);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
};

} // namespace

double timeProcess(const std::vector<std::string>& args, const Environment& env, long* peakKb,
                   std::string* errText)
{
    SpawnArgs s(args, env);
    const ErrFile err(errText != nullptr);
    posix_spawn_file_actions_t files;
    ::posix_spawn_file_actions_init(&files);
    ::posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_addopen(&files, STDERR_FILENO,
                                       errText ? err.path.c_str() : "/dev/null", O_WRONLY, 0);
    const auto started = std::chrono::steady_clock::now();
    pid_t pid = -1;
    try {
        pid = spawn(s, &files);
    } catch (...) {
        ::posix_spawn_file_actions_destroy(&files);
        throw;
    }
    ::posix_spawn_file_actions_destroy(&files);
    const int status = waitFor(pid, peakKb);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (errText)
        *errText = err.text();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error(
            commandLine(args) + " failed after " + std::to_string(int(seconds)) + " s" +
            (WIFEXITED(status) ? " (exit code " + std::to_string(WEXITSTATUS(status)) + ")"
                               : std::string(" (a signal)")));
    return seconds;
}

Peer::Peer(const std::vector<std::string>& args, const Environment& env) : m_name(commandLine(args))
{
    int toPeer[2], fromPeer[2];
    if (::pipe2(toPeer, O_CLOEXEC) != 0)
        throw std::runtime_error(m_name + ": cannot make a pipe");
    if (::pipe2(fromPeer, O_CLOEXEC) != 0) {
        ::close(toPeer[0]);
        ::close(toPeer[1]);
        throw std::runtime_error(m_name + ": cannot make a pipe");
    }
    SpawnArgs s(args, env);
    posix_spawn_file_actions_t files;
    ::posix_spawn_file_actions_init(&files);
    ::posix_spawn_file_actions_adddup2(&files, toPeer[0], STDIN_FILENO);
    ::posix_spawn_file_actions_adddup2(&files, fromPeer[1], STDOUT_FILENO);
    try {
        m_pid = spawn(s, &files);
    } catch (...) {
        ::posix_spawn_file_actions_destroy(&files);
        for (int fd : {toPeer[0], toPeer[1], fromPeer[0], fromPeer[1]})
            ::close(fd);
        throw;
    }
    ::posix_spawn_file_actions_destroy(&files);
    ::close(toPeer[0]);
    ::close(fromPeer[1]);
    m_in = toPeer[1];
    m_out = fromPeer[0];
}

Peer::~Peer()
{
    if (m_in >= 0)
        ::close(m_in); // end of input: it leaves its loop
    if (m_out >= 0)
        ::close(m_out);
    if (m_pid > 0)
        waitFor(m_pid);
}

double Peer::ask(const std::string& line)
{
    const std::string out = line + "\n";
    if (::write(m_in, out.data(), out.size()) != ssize_t(out.size()))
        throw std::runtime_error(m_name + ": stopped reading");
    std::size_t nl;
    while ((nl = m_pending.find('\n')) == std::string::npos) {
        char buf[256];
        const ssize_t got = ::read(m_out, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            throw std::runtime_error(m_name + ": ended without an answer");
        m_pending.append(buf, std::size_t(got));
    }
    const std::string answer = m_pending.substr(0, nl);
    m_pending.erase(0, nl + 1);
    char* end = nullptr;
    const double v = std::strtod(answer.c_str(), &end);
    if (end == answer.c_str())
        throw std::runtime_error(m_name + ": answered '" + answer + "', not a number");
    return v;
}

void resetPeakRss()
{
    std::ofstream("/proc/self/clear_refs") << "5";
}

} // namespace rnnloss::bench
