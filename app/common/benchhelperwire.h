#pragma once
// What rnnloss-bench asks of `rnnloss-reader --bench-helper`, and the answers:
// the benchmark's HDF5 work (writing its synthetic recordings, timing HDF5's
// own read, summarising a sweep's checkpoints) runs in the reader, the one
// program that links HDF5 (docs/security.md), so that the bench links none.
// A request and an answer are each a length (u64) and that many bytes; the
// bytes are decoded with every count checked (engine/wirecodec.h). Trusted
// input from the parent, but a malformed request is still refused, not read
// past.

#include "network.h"
#include "reducer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rnnloss::benchwire {

enum class Op : std::uint8_t
{
    Write = 1,     ///< write a Recording as a format-v1 file
    ReadRaw = 2,   ///< HDF5's own read of one dataset (io::readRaw); answers its sum
    ReadHere = 3,  ///< io::readRecording in the helper: read and reduce, no answer but "done"
    Summarize = 4, ///< read, reduce and write the summary file beside the recording
    Quit = 5
};

struct Request
{
    Op op = Op::Quit;
    std::string path;
    // Write: the writer's options the bench uses, and the recording.
    std::int64_t chunkTrials = 0;
    std::optional<double> step;
    std::optional<Network> network;
    Recording recording;
    // ReadRaw: the dataset and slab; ReadHere: the reduction's threads.
    std::string dataset;
    std::uint64_t slabBytes = 64u << 20;
    int threads = 2;
    // Summarize: the generator named in the summary file.
    std::string generator;
};

struct Answer
{
    std::string error; ///< empty: done
    double value = 0.0;
};

std::vector<std::uint8_t> encodeRequest(const Request& r);
/// Throws wire::Malformed (a std::runtime_error) naming what is wrong.
Request decodeRequest(const std::vector<std::uint8_t>& bytes);
std::vector<std::uint8_t> encodeAnswer(const Answer& a);
Answer decodeAnswer(const std::vector<std::uint8_t>& bytes);

/// One message on `fd`: its length, then its bytes. False when the pipe is gone.
bool sendMessage(int fd, const std::vector<std::uint8_t>& bytes);
/// The next message from `fd`; nullopt at end of file or on a read error, or
/// when it announces more than `most` bytes.
std::optional<std::vector<std::uint8_t>> receiveMessage(int fd, std::uint64_t most);

} // namespace rnnloss::benchwire
