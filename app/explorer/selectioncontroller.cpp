#include "selectioncontroller.h"

#include "analysiscontroller.h"
#include "computeworker.h"
#include "neurondetailview.h"
#include "neurontable.h"

#include <algorithm>

namespace rnnloss {

namespace {

/// A picker's items: at most 1000 (trial ids used as labels would make a
/// list nobody can use; a range in the field beside it selects those).
QStringList toQt(const std::vector<std::string>& v)
{
    QStringList out;
    for (const std::string& s : v) {
        if (out.size() == 1000)
            break;
        out << QString::fromStdString(s);
    }
    return out;
}

SliceChoice toEngine(const SelectionBar::Choice& c)
{
    SliceChoice e;
    e.trials = c.trials.toStdString();
    e.steps = c.steps.toStdString();
    e.neurons = c.neurons.toStdString();
    if (!c.trialLabel.isEmpty())
        e.trialLabel = c.trialLabel.toStdString();
    if (!c.neuronGroup.isEmpty())
        e.neuronGroup = c.neuronGroup.toStdString();
    return e;
}

/// [first, end) when the steps are one run, else empty.
std::optional<std::pair<std::int64_t, std::int64_t>> stepRun(const std::vector<std::int64_t>& steps)
{
    if (steps.empty() || steps.back() - steps.front() + 1 != std::int64_t(steps.size()))
        return std::nullopt;
    return std::pair{steps.front(), steps.back() + 1};
}

} // namespace

SelectionController::SelectionController(const QString& readerExe, SelectionBar* bar,
                                         AnalysisController* analysis, NeuronTableView* table,
                                         NeuronDetailView* detail, QObject* parent)
    : QObject(parent), m_bar(bar), m_analysis(analysis), m_table(table), m_detail(detail),
      m_slices(new SliceController(readerExe, this))
{
    connect(m_bar, &SelectionBar::choiceEdited, this, &SelectionController::onEdited);
    connect(m_bar, &SelectionBar::tableSelectionRequested, this,
            &SelectionController::useTableSelection);
    connect(m_slices, &SliceController::sliced, this, &SelectionController::onSliced);
    // Queued: after the window has given the table the new rows (their model is reset).
    connect(m_analysis, &AnalysisController::resultReady, this, &SelectionController::selectKeptRow,
            Qt::QueuedConnection);
    connect(m_slices, &SliceController::failed, this, [this](const QString& error, bool stale) {
        m_bar->setSummary(tr("Selection not applied: %1").arg(error));
        emit failed(error, stale);
    });
}

void SelectionController::setRecording(const RecordingEntry& rec)
{
    m_whole = rec.summary;
    m_requested.clear();
    m_shown = {};
    const Summary& s = *m_whole;
    const Shape& sh = s.recordingShape();
    m_slices->setRecording(m_whole, rec.generation, rec.files);
    m_bar->setRecording(sh.batch, sh.time, sh.nHid, toQt(distinctLabels(s.trialLabels)),
                        toQt(distinctLabels(s.neuronGroups)), s.dtMs.value_or(0.0));
    m_bar->setWindow(std::nullopt);
    m_bar->setSummary(describe());
    m_table->setNeuronIds({}, s.neuronGroups);
    m_detail->setPsthSteps({});
    m_detail->setSplitAvailable(!s.trialLabels.empty());
    m_analysis->setSplitByLabel(m_detail->splitByLabel());
}

QString SelectionController::apply(const SelectionBar::Choice& choice)
{
    m_bar->setChoice(choice);
    return onEdited(choice, true);
}

QString SelectionController::onEdited(const SelectionBar::Choice& choice, bool /*final*/)
{
    if (!m_whole)
        return {};
    const Summary& s = *m_whole;
    const ChoiceOutcome out =
        resolveChoice(s.recordingShape(), s.trialLabels, s.neuronGroups, toEngine(choice));
    if (!out.error.empty()) {
        const SelectionBar::Field field = out.field == "trials"  ? SelectionBar::Field::Trials
                                          : out.field == "steps" ? SelectionBar::Field::Steps
                                                                 : SelectionBar::Field::Neurons;
        m_bar->setError(field, QString::fromStdString(out.error));
        return QString::fromStdString(out.error);
    }
    m_bar->clearError();
    if (out.slice)
        m_bar->setSummary(tr("Computing the selection…"));
    // Every drag position is asked for; the controller computes the newest
    // when the one running ends (coalesced like the λ sliders). The whole
    // recording comes back at once (onSliced runs inside request()).
    m_requested.emplace_back(out.slice, choice);
    m_slices->request(out.slice);
    return {};
}

void SelectionController::onSliced(std::shared_ptr<const Summary> summary, std::uint64_t)
{
    // The choice this slice was asked for (the newest such one), and no older one.
    for (auto it = m_requested.rbegin(); it != m_requested.rend(); ++it)
        if (it->first == summary->slice) {
            m_shown = it->second;
            m_requested.erase(m_requested.begin(), it.base());
            break;
        }
    const auto neuronsOf = [this](const Summary* s) {
        return s && s->slice ? s->slice->neurons : wholeSlice(m_whole->recordingShape()).neurons;
    };
    const auto before = m_analysis->summary();
    const std::vector<std::int64_t> was = neuronsOf(before.get()), now = neuronsOf(summary.get());
    const bool sameNeurons = was == now;
    // The neuron shown stays shown when the new data still has it (group E
    // after the whole recording), in its new row.
    int kept = -1;
    if (const int n = m_analysis->neuron(); !sameNeurons && n >= 0 && n < int(was.size()))
        if (const auto it = std::find(now.begin(), now.end(), was[std::size_t(n)]); it != now.end())
            kept = int(it - now.begin());
    // The time strip shows the window shown, when the steps are one run short of all.
    const auto& sl = summary->slice;
    const bool allSteps = !sl || std::int64_t(sl->steps.size()) == sl->whole.time;
    m_bar->setWindow(allSteps ? std::nullopt : stepRun(sl->steps));
    m_keptRow = kept;
    m_analysis->setSummary(std::move(summary), sameNeurons, kept);
    if (!sameNeurons) {
        m_table->selectNeurons({});
        emit neuronsReplaced();
    }
    const QString text = describe();
    m_bar->setSummary(text);
    emit selectionShown(text);
}

void SelectionController::selectKeptRow()
{
    const ComputeResult* r = m_analysis->lastResult();
    if (m_keptRow < 0 || !r || r->summary != m_analysis->summary())
        return;
    if (r->neuron == m_keptRow && m_table->selectedNeurons().isEmpty())
        m_table->selectNeurons({m_keptRow});
    m_keptRow = -1;
}

SliceChoice SelectionController::shownChoice() const
{
    return toEngine(m_shown);
}

int SelectionController::neuronId(int local) const
{
    // The rows on screen are those of the last result (a newer slice may be
    // set already and not yet computed).
    const ComputeResult* r = m_analysis->lastResult();
    const Summary* s = r ? r->summary.get() : m_analysis->summary().get();
    if (s && s->slice && local >= 0 && local < int(s->slice->neurons.size()))
        return int(s->slice->neurons[std::size_t(local)]);
    return local;
}

void SelectionController::useTableSelection()
{
    std::vector<std::int64_t> ids;
    for (int row : m_table->selectedNeurons())
        ids.push_back(neuronId(row));
    if (ids.empty()) {
        m_bar->setSummary(tr("Select neurons in the Neurons tab (or a bar of the rate histogram) "
                             "first"));
        return;
    }
    std::sort(ids.begin(), ids.end());
    SelectionBar::Choice c = m_bar->choice();
    c.neurons = QString::fromStdString(indexSpecText(ids));
    c.neuronGroup.clear();
    apply(c);
}

QString SelectionController::describe() const
{
    const auto& sl = m_slices->current();
    if (!m_whole)
        return {};
    if (!sl)
        return tr("whole recording");
    const Shape& w = sl->whole;
    QStringList parts;
    if (std::int64_t(sl->trials.size()) != w.batch) {
        QString t = tr("%1 of %2 trials").arg(sl->trials.size()).arg(w.batch);
        if (!m_shown.trialLabel.isEmpty())
            t += tr(" (label '%1')").arg(m_shown.trialLabel);
        parts << t;
    }
    if (std::int64_t(sl->steps.size()) != w.time) {
        QString t;
        if (const auto run = stepRun(sl->steps)) {
            t = tr("steps %1:%2").arg(run->first).arg(run->second);
            if (m_whole->dtMs)
                t += tr(" (%1–%2 ms)")
                         .arg(QString::number(double(run->first) * *m_whole->dtMs, 'g', 6),
                              QString::number(double(run->second) * *m_whole->dtMs, 'g', 6));
        } else {
            t = tr("%1 of %2 steps").arg(sl->steps.size()).arg(w.time);
        }
        parts << t;
    }
    if (std::int64_t(sl->neurons.size()) != w.nHid) {
        QString t = tr("%1 of %2 neurons").arg(sl->neurons.size()).arg(w.nHid);
        if (!m_shown.neuronGroup.isEmpty())
            t += tr(" (group '%1')").arg(m_shown.neuronGroup);
        parts << t;
    }
    return tr("selection: %1").arg(parts.join(QStringLiteral(" · ")));
}

} // namespace rnnloss
