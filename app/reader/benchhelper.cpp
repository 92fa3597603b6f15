#include "benchhelper.h"

#include "benchhelperwire.h"
#include "reader.h"
#include "sidecar.h"
#include "summaryfiles.h"
#include "writer.h"

#include <fstream>
#include <iostream>
#include <unistd.h>

namespace rnnloss {

namespace {

using benchwire::Answer;
using benchwire::Op;
using benchwire::Request;

/// No request is larger: the bench's largest recording as doubles, with room.
constexpr std::uint64_t kMostBytes = std::uint64_t(16) << 30;

Answer write(const Request& q)
{
    io::WriteOptions o;
    o.chunkTrials = q.chunkTrials;
    o.step = q.step;
    o.network = q.network ? &*q.network : nullptr;
    return {io::writeRecording(q.path, q.recording, o), 0.0};
}

Answer readHere(const Request& q)
{
    io::ReadRequest req;
    req.recording = q.path;
    req.reduce.threads = q.threads;
    const io::ReadResult r = io::readRecording(req);
    return {r.summary ? std::string() : r.error, 0.0};
}

/// As `rnnloss summarize` keeps a recording (no per-time sums, the rate
/// histograms), written beside it; answers the summary file's size.
Answer summarize(const Request& q)
{
    const FileStampResult stamp = fileStamp(q.path);
    if (!stamp.value)
        return {stamp.error, 0.0};
    io::ReadRequest req;
    req.recording = q.path;
    req.reduce.perTime = false;
    req.reduce.histograms = true;
    io::ReadResult r = io::readRecording(req);
    if (!r.summary)
        return {r.error, 0.0};
    const std::vector<std::uint8_t> bytes =
        summaryFileBytes(std::move(*r.summary), q.path, *stamp.value, true, q.generator);
    // Benchmark data: written straight, without summarize's fsync per file.
    const std::string file = sidecarPathFor(q.path);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out)
        return {file + ": cannot write", 0.0};
    return {std::string(), double(bytes.size())};
}

Answer answer(const Request& q)
{
    switch (q.op) {
    case Op::Write:
        return write(q);
    case Op::ReadRaw: {
        const double sum = io::readRaw(q.path, q.dataset, q.slabBytes);
        if (sum != sum)
            return {q.path + ": " + q.dataset + ": HDF5 cannot read it", 0.0};
        return {std::string(), sum};
    }
    case Op::ReadHere:
        return readHere(q);
    case Op::Summarize:
        return summarize(q);
    case Op::Quit:
        break;
    }
    return {};
}

} // namespace

int benchHelperMain()
{
    for (;;) {
        const auto bytes = benchwire::receiveMessage(STDIN_FILENO, kMostBytes);
        if (!bytes)
            return 0; // the bench has gone
        Request q;
        try {
            q = benchwire::decodeRequest(*bytes);
        } catch (const std::exception& e) {
            std::cerr << "rnnloss-reader --bench-helper: " << e.what() << "\n";
            return 2;
        }
        if (q.op == Op::Quit)
            return 0;
        if (!benchwire::sendMessage(STDOUT_FILENO, benchwire::encodeAnswer(answer(q))))
            return 1;
    }
}

} // namespace rnnloss
