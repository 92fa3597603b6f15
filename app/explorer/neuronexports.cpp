#include "neuronexports.h"

#include "analysiscontroller.h"
#include "exporter.h"
#include "selectioncontroller.h"

#include <charconv>
#include <cmath>

namespace rnnloss {

namespace {

/// Shortest round-trip text; empty for a value that is not finite.
std::string number(double v)
{
    if (!std::isfinite(v))
        return {};
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    return std::string(buf, end);
}

/// A CSV field, quoted (a trial label may hold commas or quotes).
std::string quoted(const std::string& s)
{
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

struct Column
{
    std::string name;
    const std::vector<double>* values = nullptr;
};

/// The lines the Neurons tab draws for `r`, as the view draws them.
std::vector<Column> psthColumns(const ComputeResult& r, const std::function<int(int)>& neuronId)
{
    std::vector<Column> cols;
    if (r.neuron < 0)
        return cols;
    auto pair = [&](const std::string& name, const Psth& p) {
        cols.push_back({"mean (" + name + ")", &p.mean});
        cols.push_back({"sd (" + name + ")", &p.sd});
    };
    if (r.splitByLabel && !r.labelPsths.empty()) {
        for (const LabelPsth& l : r.labelPsths)
            pair("neuron " + std::to_string(neuronId(r.neuron)) + ", " + l.label, l.psth);
    } else if (r.psths.size() > 1) {
        for (std::size_t i = 0; i < r.psths.size(); ++i)
            pair("neuron " + std::to_string(neuronId(r.psthNeurons[i])), r.psths[i]);
        if (!r.populationPsth.mean.empty())
            cols.push_back({"population mean", &r.populationPsth.mean});
    } else {
        pair("neuron " + std::to_string(neuronId(r.neuron)), r.neuronPsth);
    }
    return cols;
}

} // namespace

int mostActiveNeuron(const NeuronStats& stats)
{
    int best = -1;
    for (std::size_t n = 0; n < stats.mean.size(); ++n)
        if (std::isfinite(stats.mean[n]) &&
            (best < 0 || stats.mean[n] > stats.mean[std::size_t(best)]))
            best = int(n);
    return best < 0 && !stats.mean.empty() ? 0 : best;
}

std::string psthCsv(const ComputeResult& r, const std::function<int(int)>& neuronId)
{
    const std::vector<Column> cols = psthColumns(r, neuronId);
    const Summary* s = r.summary.get();
    const std::optional<double> dt = s ? s->dtMs : std::nullopt;
    std::string out = dt ? "step,time_ms" : "step";
    std::size_t rows = 0;
    for (const Column& c : cols) {
        out += "," + quoted(c.name);
        rows = std::max(rows, c.values->size());
    }
    out += "\n";
    for (std::size_t t = 0; t < rows; ++t) {
        // The steps of the recording the rows stand for (a window starts later).
        const std::int64_t step =
            s && s->slice && t < s->slice->steps.size() ? s->slice->steps[t] : std::int64_t(t);
        out += std::to_string(step);
        if (dt)
            out += "," + number(double(step) * *dt);
        for (const Column& c : cols)
            out += "," + (t < c.values->size() ? number((*c.values)[t]) : std::string());
        out += "\n";
    }
    return out;
}

std::string neuronHistogramCsv(const ComputeResult& r)
{
    const Histogram& h = r.neuronHistogram;
    std::string out = "bin_lo,bin_hi,count\n";
    for (std::size_t i = 0; i < h.counts.size(); ++i)
        out += number(h.lo + h.width * double(i)) + "," + number(h.lo + h.width * double(i + 1)) +
               "," + number(h.counts[i]) + "\n";
    return out;
}

void addNeuronTables(Exporter& exporter, const AnalysisController* analysis,
                     const SelectionController* selection)
{
    const auto neuronId = [selection](int row) {
        return selection ? selection->neuronId(row) : row;
    };
    exporter.addTable(
        "psth", "csv",
        [analysis, neuronId]() -> std::optional<std::string> {
            const ComputeResult* r = analysis->lastResult();
            if (!r || r->neuron < 0) // the view then shows no PSTH either
                return std::nullopt;
            return psthCsv(*r, neuronId);
        },
        ChartScope::Neuron);
    exporter.addTable(
        "neuron-histogram", "csv",
        [analysis]() -> std::optional<std::string> {
            const ComputeResult* r = analysis->lastResult();
            if (!r || r->neuron < 0)
                return std::nullopt;
            return neuronHistogramCsv(*r);
        },
        ChartScope::Neuron);
}

} // namespace rnnloss
