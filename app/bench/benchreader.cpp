#include "benchreader.h"

#include "readerprocess.h"

#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace rnnloss {

namespace {

/// No answer is larger (an error message and a number).
constexpr std::uint64_t kMostAnswer = 1u << 20;

} // namespace

BenchReader::BenchReader()
{
    int to[2], from[2];
    if (::pipe2(to, O_CLOEXEC) != 0)
        throw std::runtime_error("cannot make a pipe for the bench reader");
    if (::pipe2(from, O_CLOEXEC) != 0) {
        ::close(to[0]);
        ::close(to[1]);
        throw std::runtime_error("cannot make a pipe for the bench reader");
    }
    std::string exe = readerExecutable();
    std::string flag = "--bench-helper";
    char* argv[] = {exe.data(), flag.data(), nullptr};
    posix_spawn_file_actions_t files;
    ::posix_spawn_file_actions_init(&files);
    ::posix_spawn_file_actions_adddup2(&files, to[0], STDIN_FILENO);
    ::posix_spawn_file_actions_adddup2(&files, from[1], STDOUT_FILENO);
    const int e = ::posix_spawn(&m_pid, exe.c_str(), &files, nullptr, argv, environ);
    ::posix_spawn_file_actions_destroy(&files);
    ::close(to[0]);
    ::close(from[1]);
    m_to = to[1];
    m_from = from[0];
    if (e != 0) {
        m_pid = -1;
        ::close(m_to);
        ::close(m_from);
        throw std::runtime_error(exe + ": cannot start the bench reader");
    }
    // A helper that dies must not kill the bench with SIGPIPE on the next request.
    std::signal(SIGPIPE, SIG_IGN);
}

BenchReader::~BenchReader()
{
    benchwire::Request quit;
    quit.op = benchwire::Op::Quit;
    benchwire::sendMessage(m_to, benchwire::encodeRequest(quit));
    ::close(m_to);
    ::close(m_from);
    int status = 0;
    while (m_pid > 0 && ::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
}

double BenchReader::ask(const benchwire::Request& q)
{
    if (!benchwire::sendMessage(m_to, benchwire::encodeRequest(q)))
        throw std::runtime_error("the bench reader (rnnloss-reader --bench-helper) has gone");
    const auto bytes = benchwire::receiveMessage(m_from, kMostAnswer);
    if (!bytes)
        throw std::runtime_error("the bench reader (rnnloss-reader --bench-helper) gave no answer");
    const benchwire::Answer a = benchwire::decodeAnswer(*bytes);
    if (!a.error.empty())
        throw std::runtime_error(a.error);
    return a.value;
}

void BenchReader::write(const std::string& path, const Recording& rec, const WriteSettings& s)
{
    benchwire::Request q;
    q.op = benchwire::Op::Write;
    q.path = path;
    q.chunkTrials = s.chunkTrials;
    q.step = s.step;
    if (s.network)
        q.network = *s.network;
    q.recording = rec;
    ask(q);
}

double BenchReader::readRaw(const std::string& path, const std::string& dataset,
                           std::size_t slabBytes)
{
    benchwire::Request q;
    q.op = benchwire::Op::ReadRaw;
    q.path = path;
    q.dataset = dataset;
    q.slabBytes = slabBytes;
    return ask(q);
}

void BenchReader::readHere(const std::string& path, int threads)
{
    benchwire::Request q;
    q.op = benchwire::Op::ReadHere;
    q.path = path;
    q.threads = threads;
    ask(q);
}

std::uintmax_t BenchReader::summarize(const std::string& recording, const std::string& generator)
{
    benchwire::Request q;
    q.op = benchwire::Op::Summarize;
    q.path = recording;
    q.generator = generator;
    return static_cast<std::uintmax_t>(ask(q));
}

} // namespace rnnloss
