#pragma once
// The Neurons tab's numbers as tables: the PSTH shown (one mean and SD column
// pair per line: the selected neuron, each trial label, or each overlaid
// neuron) and the selected neuron's rate histogram, each naming its neuron by
// the recording's number. Also the neuron the headless export shows when none
// is asked for.

#include "computeworker.h"

#include <functional>
#include <optional>
#include <string>

namespace rnnloss {

class AnalysisController;
class Exporter;
class SelectionController;

/// "psth" and "neuron-histogram" CSV tables of what `analysis` last computed.
void addNeuronTables(Exporter& exporter, const AnalysisController* analysis,
                     const SelectionController* selection);

/// The PSTH of `r` as CSV: step, time_ms (with dt), then a mean and an SD
/// column per line, named "n<recording number>" or by trial label.
/// `neuronId` maps a row of the data to the recording's neuron number.
std::string psthCsv(const ComputeResult& r, const std::function<int(int)>& neuronId);
/// The selected neuron's rate histogram: bin_lo, bin_hi, count.
std::string neuronHistogramCsv(const ComputeResult& r);

/// The row of the most active neuron of the data (largest mean rate; the
/// first of equals), or -1 without neurons.
int mostActiveNeuron(const NeuronStats& stats);

} // namespace rnnloss
