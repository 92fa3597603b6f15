#include "selectioncontroller.h"

#include "analysiscontroller.h"
#include "neurondetailview.h"
#include "neurontable.h"

namespace rnnloss {

namespace {

QStringList toQt(const std::vector<std::string>& v)
{
    QStringList out;
    for (const std::string& s : v)
        out << QString::fromStdString(s);
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
    connect(m_slices, &SliceController::failed, this, [this](const QString& error, bool stale) {
        m_bar->setSummary(tr("Selection not applied: %1").arg(error));
        emit failed(error, stale);
    });
}

void SelectionController::setRecording(const RecordingEntry& rec)
{
    m_whole = rec.summary;
    m_choice = {};
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
    m_choice = choice;
    // The window on the time strip, when the steps are one run short of all.
    const bool allSteps =
        !out.slice || std::int64_t(out.slice->steps.size()) == out.slice->whole.time;
    m_bar->setWindow(allSteps ? std::nullopt : stepRun(out.slice->steps));
    if (out.slice)
        m_bar->setSummary(tr("Computing the selection…"));
    // Every drag position is asked for; the controller computes the newest
    // when the one running ends (coalesced like the λ sliders).
    m_slices->request(out.slice);
    return {};
}

void SelectionController::onSliced(std::shared_ptr<const Summary> summary, std::uint64_t)
{
    const auto neuronsOf = [this](const Summary* s) {
        return s && s->slice ? s->slice->neurons : wholeSlice(m_whole->recordingShape()).neurons;
    };
    const auto before = m_analysis->summary();
    const bool sameNeurons = neuronsOf(before.get()) == neuronsOf(summary.get());
    m_table->setNeuronIds(summary->slice ? summary->slice->neurons : std::vector<std::int64_t>{},
                          m_whole->neuronGroups);
    m_detail->setPsthSteps(summary->slice ? summary->slice->steps : std::vector<std::int64_t>{});
    m_analysis->setSummary(std::move(summary), sameNeurons);
    const QString text = describe();
    m_bar->setSummary(text);
    emit selectionShown(text);
}

int SelectionController::neuronId(int local) const
{
    const auto& sl = m_slices->current();
    if (sl && local >= 0 && local < int(sl->neurons.size()))
        return int(sl->neurons[std::size_t(local)]);
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
        if (!m_choice.trialLabel.isEmpty())
            t += tr(" (label '%1')").arg(m_choice.trialLabel);
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
        if (!m_choice.neuronGroup.isEmpty())
            t += tr(" (group '%1')").arg(m_choice.neuronGroup);
        parts << t;
    }
    return tr("selection: %1").arg(parts.join(QStringLiteral(" · ")));
}

} // namespace rnnloss
