#pragma once
// Slices of trials and neurons taken from a whole recording's summary, without
// its raw data: what a summary file (sidecar.h) answers for a trial or neuron
// selection. The terms and the neuron statistics need only per-trial sums per
// neuron, which a slice of whole trials and whole neurons picks out unchanged,
// so the values are those of a reduction of that slice of the raw data, bit
// for bit (the same sums added in the same order). A time window cannot be
// taken: each trial's sums run over all of its steps.

#include "summary.h"

#include <optional>
#include <string>

namespace rnnloss {

struct SummarySliceResult
{
    std::optional<Summary> value;
    /// Why the slice needs the raw data (or is not a slice of `whole`); set
    /// when value is empty.
    std::string error;
};

/// The summary of `slice` (checkSlice'd, of `whole`'s shape) of the recording
/// whose whole summary is `whole`. Refused: a `whole` that is itself a slice
/// or carries a raw layout, a slice of other steps than all of them, and a
/// selection of some trials of a recording with non-finite outputs, targets
/// or states (their count in those trials is not in the sums).
///
/// A selection of some trials keeps what every term and the per-neuron mean,
/// SD, CV and L_fr contribution need; what only the samples give is not
/// known for those trials and is left out: neuronMin, neuronMax, neuronActive
/// and the per-neuron histograms are empty (computeNeuronStats gives NaN for
/// min, max and fraction active), as are sqErrPerTime and the per-time sums.
/// A selection of neurons over every trial keeps all of them, per neuron.
SummarySliceResult sliceFromSummary(const Summary& whole, const Slice& slice);

} // namespace rnnloss
