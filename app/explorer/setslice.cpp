#include "setslice.h"

namespace rnnloss {

RecordingSlice sliceOfEntry(const RecordingEntry& entry, const SliceChoice& choice,
                            const SliceController::FileStamp& loaded, const QString& readerExe,
                            const std::atomic<bool>* cancel)
{
    if (!entry.summary || !entry.summary->hasStates())
        return {nullptr, "the recording has no states"};
    const Summary& whole = *entry.summary;
    const ChoiceOutcome resolved =
        resolveChoice(whole.recordingShape(), whole.trialLabels, whole.neuronGroups, choice);
    if (!resolved.error.empty())
        return {nullptr, "the selection does not fit: " + resolved.error};
    if (!resolved.slice)
        return {entry.summary, {}};
    // Without a stamp (tests), the file as it is now.
    const SliceController::FileStamp stamp =
        loaded.size < 0 ? SliceController::stampOf(entry.files.recording) : loaded;
    const SliceController::Outcome sliced =
        SliceController::compute(whole, entry.files, stamp, resolved.slice, readerExe, cancel);
    if (!sliced.summary)
        return {nullptr, sliced.error.isEmpty() ? std::string("the selection was not computed")
                                                : sliced.error.toStdString()};
    return {sliced.summary, {}};
}

} // namespace rnnloss
