#pragma once
// What the CLI's commands over recordings share: the options that choose the
// recordings and the lambdas, reading a recording through the reader process,
// and the precedence of lambdas (command line > --lambdas-from > the file's own).

#include "cliargs.h"
#include "options.h"
#include "loss.h"
#include "readerprocess.h"
#include "summary.h"
#include "summaryfiles.h"

#include <optional>
#include <string>
#include <vector>

namespace rnnloss::cli {

using rnnloss::UsageError;
using rnnloss::value;
using rnnloss::realNumber;
using rnnloss::wholeNumber;
using rnnloss::fail;

struct Options
{
    LossOptions loss;                    ///< loss.recording is unused: see recordings
    std::vector<std::string> recordings; ///< in the order given
    std::string lambdasFrom;             ///< --lambdas-from FILE.json
    bool json = false;
    bool verbose = false;
    SliceOptions slice;  ///< --trials, --steps, --neurons: the same slice of every recording
    bool direct = true;  ///< read unfiltered data straight from the file (not --via-reader)
    ReaderJob job;
    SummaryLookup summaries; ///< --no-summaries, --summary-dir DIR
};


/// Consumes a[i] (and its value) when it is an option every command takes, or
/// a recording; returns false for anything else. Throws UsageError.
bool parseShared(const std::vector<std::string>& a, std::size_t& i, Options& o);

/// After parsing: applies --lambdas-from. Throws UsageError naming the file.
void finish(Options& o);

/// The reader process's job for `recording` under the options of `o`.
ReaderJob readerJob(const Options& o, const std::string& recording);

/// The summary file that stands for `given` under `o` (chooseSummary with
/// --no-summaries and --summary-dir; --weights reads the recording), its
/// warning said on stderr, and its note under --verbose.
SummaryChoice lookupSummary(const Options& o, const std::string& given);

/// What `given` (a recording or a summary file) comes to under `o`: its
/// summary file's summary (or the slice of `o` of it) in `outcome`, or the
/// recording to read in `read`. Which file and why are said on stderr under
/// --verbose; a summary file that could not be used always.
struct Source
{
    std::optional<ReaderOutcome> outcome;
    std::string read; ///< when outcome is empty
};
Source source(const Options& o, const std::string& given);

/// Reads `recording` (and --weights), or its current summary file in its
/// place (source()): the isolated reader process parses the file;
/// unfiltered data is then read straight from it (readDirect), and the slice
/// of `o` taken.
ReaderOutcome read(const Options& o, const std::string& recording);

/// The CLI's half of a direct read: the reader sent the raw layout of the
/// data; reads and reduces `slice` of it (or all), keeping only what the
/// reports need. Returns the error, empty on success.
std::string readDirect(Summary& s, const SliceOptions& slice, bool verbose);

/// The lambdas a command uses for a recording: given ones, else the file's
/// training lambdas, else 0.
TermArray effectiveLambdas(const Summary& s, const LossOptions& opts);

/// One recording read and its terms computed, for the commands over lambdas.
struct Loaded
{
    std::string path;
    Summary summary;
    TermValues values;
    TermArray lambdas; ///< effectiveLambdas()
};

/// Reads the one recording of `o` (the bundled example when none is given;
/// UsageError for more than one) and computes its terms. Empty with `error`
/// set when it cannot be read, or an enabled term's data is missing.
std::optional<Loaded> loadSingle(const Options& o, std::string& error);


/// The help text of the options above, for `rnnloss --help`.
extern const char* const kSharedHelp;

} // namespace rnnloss::cli
