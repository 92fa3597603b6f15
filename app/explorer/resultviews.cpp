#include "resultviews.h"

#include "computeworker.h"
#include "lambdapanel.h"
#include "lossbreakdownview.h"
#include "neurondetailview.h"
#include "neurontable.h"
#include "ratehistogramview.h"
#include "selectioncontroller.h"
#include "slicecontroller.h"

#include <cmath>
#include <limits>

namespace rnnloss {

std::pair<double, double> rateRange(const Summary* whole)
{
    constexpr double inf = std::numeric_limits<double>::infinity();
    // TODO: take the range from the recording's `activation` attribute (relu
    // [0, inf), tanh [-1, 1], sigmoid [0, 1]) once the Summary carries it;
    // until then the data's own bound: a recording whose every rate is >= 0
    // (relu, or any non-negative activation) keeps its bands >= 0.
    if (!whole || whole->neuronMin.empty())
        return {-inf, inf};
    for (double m : whole->neuronMin)
        if (m < 0.0) // NaN (no finite sample) says nothing either way
            return {-inf, inf};
    return {0.0, inf};
}

ResultViews::ResultViews(LambdaPanel* panel, LossBreakdownView* breakdown, RateHistogramView* rates,
                         NeuronTableView* table, NeuronDetailView* detail,
                         SelectionController* selection)
    : m_panel(panel), m_breakdown(breakdown), m_rates(rates), m_table(table), m_detail(detail),
      m_selection(selection)
{
}

void ResultViews::show(const ComputeResult& r, bool newStats, bool newNeuron)
{
    if (newStats)
        showStats(r);
    m_panel->showResult(r.loss);
    m_breakdown->setResult(r.loss);
    if (r.neuron >= 0 && (newNeuron || newStats)) {
        showNeuron(r);
    } else if (r.neuron < 0 && (newNeuron || newStats)) {
        m_detail->clear(); // no neuron (another selection renumbered them)
        m_detail->setNote(QString::fromStdString(r.detailNote));
    }
}

void ResultViews::showStats(const ComputeResult& r)
{
    LambdaPanel::Flags available{};
    LambdaPanel::Reasons reasons;
    for (Term t : kAllTerms) {
        available[index(t)] = r.loss[t].available;
        reasons[index(t)] = QString::fromStdString(r.loss[t].reason);
    }
    m_panel->setAvailability(available, reasons);
    m_rates->setData(r.stats->mean, r.spread, r.convention);
    // The rows' neuron numbers and the PSTH's steps are those of the data
    // this result was computed from, set with its statistics.
    const Summary* s = r.summary.get();
    m_table->setNeuronIds(s && s->slice ? s->slice->neurons : std::vector<std::int64_t>{},
                          s ? s->neuronGroups : std::vector<std::string>{});
    m_detail->setPsthSteps(s && s->slice ? s->slice->steps : std::vector<std::int64_t>{});
    const auto [lo, hi] = rateRange(m_selection->slices()->whole().get());
    m_detail->setValueRange(lo, hi);
    m_table->setStats(*r.stats);
}

void ResultViews::showNeuron(const ComputeResult& r)
{
    const Summary* s = r.summary.get();
    const double dt = s && s->dtMs ? *s->dtMs : 0.0;
    const int id = m_selection->neuronId(r.neuron);
    m_detail->setNeuron(id);
    m_detail->setHistogram(r.neuronHistogram);
    m_detail->setNote(QString::fromStdString(r.detailNote));
    if (r.splitByLabel && !r.labelPsths.empty()) {
        // The selected neuron once per trial label (condition).
        QList<PsthTrace> traces;
        // Named by label alone: the title says whose PSTH it is.
        for (const LabelPsth& l : r.labelPsths)
            traces.append({QString::fromStdString(l.label), l.psth, l.trials, l.q10, l.q90});
        m_detail->setPsths(traces, {}, dt, true);
    } else if (r.psths.size() > 1) {
        // Several neurons selected: their PSTHs overlaid with the population mean.
        QList<PsthTrace> traces;
        for (std::size_t i = 0; i < r.psths.size(); ++i)
            traces.append({QStringLiteral("n%1").arg(m_selection->neuronId(r.psthNeurons[i])),
                           r.psths[i], r.trials});
        m_detail->setPsths(traces, r.populationPsth, dt);
    } else {
        m_detail->setPsths({PsthTrace{QStringLiteral("n%1").arg(id), r.neuronPsth, r.trials,
                                      r.neuronQ10, r.neuronQ90}},
                           {}, dt);
    }
}

} // namespace rnnloss
