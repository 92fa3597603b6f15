#pragma once
// Shows a computed result in the views that display one: the lambda panel's
// availability and values, the loss breakdown, the rate histogram, the neuron
// table and the selected neuron's detail (its PSTH per neuron or per label).

#include <utility>

namespace rnnloss {

class LambdaPanel;
class LossBreakdownView;
class NeuronDetailView;
class NeuronTableView;
class RateHistogramView;
class SelectionController;
struct ComputeResult;
struct Summary;

/// The range a recording's rates can take, for clipping the PSTH band: [0, inf)
/// when every neuron's minimum over the whole recording is >= 0, else unbounded.
std::pair<double, double> rateRange(const Summary* whole);

class ResultViews
{
public:
    ResultViews(LambdaPanel* panel, LossBreakdownView* breakdown, RateHistogramView* rates,
                NeuronTableView* table, NeuronDetailView* detail, SelectionController* selection);

    /// `newStats`: the statistics changed (data or convention); `newNeuron`: the neuron did.
    void show(const ComputeResult& result, bool newStats, bool newNeuron);

private:
    void showStats(const ComputeResult& result);
    void showNeuron(const ComputeResult& result);

    LambdaPanel* m_panel;
    LossBreakdownView* m_breakdown;
    RateHistogramView* m_rates;
    NeuronTableView* m_table;
    NeuronDetailView* m_detail;
    SelectionController* m_selection;
};

} // namespace rnnloss
