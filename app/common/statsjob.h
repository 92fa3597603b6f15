#pragma once
// The reader job of the stats pass for what a summary covers: what the CLI's
// `rnnloss stats` and the app's Population tab both ask the reader for.

#include "readerprocess.h"
#include "summary.h"

#include <string>

namespace rnnloss {

/// `base` (recording, weights, limits, reduce.threads) turned into the stats
/// pass (ReaderJob::stats) over exactly what `shown` covers: its slice's
/// trials, steps and neurons as index specs (none for a whole recording), so
/// that the pass and the summary match whatever chose them (options, labels,
/// the selection bar); statsMismatch (popreport.h) checks it on arrival.
/// `responseWindow`: "a:b" in the recording's steps, or empty for the default.
ReaderJob statsJob(ReaderJob base, const Summary& shown, const std::string& responseWindow);

} // namespace rnnloss
