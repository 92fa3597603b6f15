#include "resultviews.h"

#include "computeworker.h"
#include "lambdapanel.h"
#include "lossbreakdownview.h"
#include "neurondetailview.h"
#include "neurontable.h"
#include "ratehistogramview.h"
#include "selectioncontroller.h"

namespace rnnloss {

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
            traces.append({QString::fromStdString(l.label), l.psth});
        m_detail->setPsths(traces, {}, dt, true);
    } else if (r.psths.size() > 1) {
        // Several neurons selected: their PSTHs overlaid with the population mean.
        QList<PsthTrace> traces;
        for (std::size_t i = 0; i < r.psths.size(); ++i)
            traces.append(
                {QStringLiteral("n%1").arg(m_selection->neuronId(r.psthNeurons[i])), r.psths[i]});
        m_detail->setPsths(traces, r.populationPsth, dt);
    } else {
        m_detail->setPsths({PsthTrace{QStringLiteral("n%1").arg(id), r.neuronPsth}}, {}, dt);
    }
}

} // namespace rnnloss
