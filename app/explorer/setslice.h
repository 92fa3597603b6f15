#pragma once
// One recording of the set under the user's selection (issue 19): the
// selection bar's choice (ranges, a trial label, a neuron group) resolved
// against the recording's own shape, labels and groups — a label picks each
// recording's own trials — and its slice read with SliceController::compute.
// The set's population measures (SetPopulation) and Compare's distributions
// (CompareStatistics) both take their recordings' data from here.

#include "recordingset.h"
#include "slice.h"
#include "slicecontroller.h"

#include <QString>

#include <atomic>
#include <memory>
#include <string>

namespace rnnloss {

struct RecordingSlice
{
    std::shared_ptr<const Summary> summary; ///< null: `reason` says why
    std::string reason;
};

/// The summary of `entry` under `choice`, here and now (run it on a worker:
/// a slice reads the file again). The whole recording's summary as it is
/// (no read) when the choice covers all of it. `loaded`: the file's stamp
/// when it was read (none: as it is now); `cancel` stops the read.
RecordingSlice sliceOfEntry(const RecordingEntry& entry, const SliceChoice& choice,
                            const SliceController::FileStamp& loaded = {},
                            const QString& readerExe = {},
                            const std::atomic<bool>* cancel = nullptr);

} // namespace rnnloss
