#pragma once
// The bench's client of `rnnloss-reader --bench-helper`, which does the
// bench's file writing and HDF5 reading (the reader is the one program that
// links HDF5; common/benchhelperwire.h; this side includes none of it): one
// helper process for the bench's life, asked over a pipe. A request's round trip is tens of
// microseconds, so timing a helper's read from here times the read.

#include "benchhelperwire.h"

#include <optional>
#include <string>
#include <sys/types.h>

namespace rnnloss {

class BenchReader
{
public:
    /// Starts the reader beside this program; throws when it cannot.
    BenchReader();
    ~BenchReader();
    BenchReader(const BenchReader&) = delete;
    BenchReader& operator=(const BenchReader&) = delete;

    struct WriteSettings
    {
        std::int64_t chunkTrials = 0; ///< 0: contiguous
        std::optional<double> step{}; ///< the root attribute `step`
        const Network* network = nullptr;
    };
    /// Writes `rec` as a format-v1 file (engine/io/writer.h); throws with its error.
    void write(const std::string& path, const Recording& rec, const WriteSettings& s);
    /// HDF5's own read of `dataset` in slabs (io::readRaw): the sum of its values.
    double readRaw(const std::string& path, const std::string& dataset, std::size_t slabBytes);
    /// The engine's read and reduction in one process (io::readRecording).
    void readHere(const std::string& path, int threads);
    /// Reads and reduces `recording` as `rnnloss summarize` keeps it and writes
    /// its summary file beside it; the summary file's size.
    std::uintmax_t summarize(const std::string& recording, const std::string& generator);

private:
    /// Sends `q`, waits for its answer; throws with the helper's error.
    double ask(const benchwire::Request& q);

    pid_t m_pid = -1;
    int m_to = -1, m_from = -1;
};

} // namespace rnnloss
