#pragma once
// Summary files (engine/sidecar.h) as the programs use them: which one stands
// for a recording and whether it is current, a read summary made into one,
// and one made back into the summary of the recording at hand. Plain C++, so
// that the CLI and the app's loader decide alike.

#include "sidecar.h"
#include "summary.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rnnloss {

/// Whether `path` names a summary file (ends in .rnnsum).
bool isSummaryFile(const std::string& path);

struct SummaryLookup
{
    bool use = true; ///< false: read recordings (--no-summaries, --weights)
    std::string readReason = "--no-summaries"; ///< why not, for messages
    std::string summaryDir; ///< also look under this folder (summarize --out-dir)
};

/// Why the summary file of `header` does not stand for `recording` as it is
/// now (another file name, size or modification time, or the recording is
/// gone); empty when it does. The fingerprint is not compared: that needs the
/// recording's metadata read, which is what a summary spares.
std::string whyStale(const SidecarHeader& header, const std::string& recording);

/// What opening `path` (a recording or a summary file) comes to.
struct SummaryChoice
{
    /// Set: use this summary instead of reading the recording. Its file names
    /// are those of `recording` (or of where it would be).
    std::optional<Summary> summary;
    /// With `summary`: its file's gradients (summarize --gradients), named as it is.
    std::optional<SidecarGradients> gradients;
    std::string summaryFile; ///< the summary file used, or looked at
    SidecarHeader header;    ///< of the summary file used
    /// The recording to read raw data from (a time window, a PSTH), present
    /// and, when `summary` is set, the one it summarises as it is now; empty
    /// when there is none: only the summary is here.
    std::string recording;
    std::string note;    ///< which file is used and why (--verbose)
    std::string warning; ///< a summary file that could not be used, and why
    std::string error;   ///< a summary file named that cannot be used: nothing to open
};

/// A recording's summary is used when it is current (same file name, size
/// and modification time): beside it (REC.h5.rnnsum) or under
/// `lookup.summaryDir`, the first found. A damaged or stale one is passed
/// over (`warning` or `note` says so). A summary file named itself is used
/// unless its recording lies beside it and has changed since (then the
/// recording is read, with a warning), or `lookup.use` is false (then its
/// recording is read when it is there, else `error`).
SummaryChoice chooseSummary(const std::string& path, const SummaryLookup& lookup);

/// The metadata fingerprint of a recording as summarised in `s`: its
/// datasets' paths, dimensions and presence, its attributes, trial labels and
/// neuron groups, in a fixed order (FingerprintBuilder).
std::uint64_t metadataFingerprint(const Summary& s);

/// Makes `s` (a whole recording's summary as read from `recordingPath`, of
/// which `stamp` is the size and time before the read) into the bytes of its
/// summary file: no per-time sums, no raw layout, file names without folders
/// (so that the bytes do not depend on where the recording was named from),
/// and without the weight matrices when `weights` is false (their norms stay).
/// `gradients`, when given, go in the gradient section, named alike.
std::vector<std::uint8_t> summaryFileBytes(Summary s, const std::string& recordingPath,
                                           const FileStamp& stamp, bool weights,
                                           const std::string& producer,
                                           std::optional<SidecarGradients> gradients = {});

/// Replaces the file name `from` by `to` in the datasets' files and at the
/// head of the warnings.
void renameFile(Summary& s, const std::string& from, const std::string& to);
/// The same at the head of the gradients' warnings.
void renameFile(SidecarGradients& g, const std::string& from, const std::string& to);

/// Gives a summary file's summary `s` the raw layout of its recording, which
/// the reader process sent in `read` (a read asked for the raw layout): then
/// what needs raw data (slices, PSTHs) reads the file as for a recording read
/// whole. Refused (the error says why) unless `read` has a layout and is of
/// the same shape, and the layout's file is the size `header` says.
std::string attachLayout(Summary& s, const SidecarHeader& header, const Summary& read);

} // namespace rnnloss
