#pragma once
// The selection of the shown recording: takes what the selection bar says,
// resolves it against the recording (slice.h), has the SliceController
// compute that slice off the GUI thread and hands the result to the
// AnalysisController, which recomputes every view. Keeps the neuron table's
// and the PSTH's indices in the recording's terms (a slice renumbers them).

#include "recordingset.h"
#include "selectionbar.h"
#include "slicecontroller.h"

#include <QObject>
#include <QString>

#include <memory>
#include <optional>

namespace rnnloss {

class AnalysisController;
class NeuronDetailView;
class NeuronTableView;

class SelectionController : public QObject
{
    Q_OBJECT
public:
    SelectionController(const QString& readerExe, SelectionBar* bar, AnalysisController* analysis,
                        NeuronTableView* table, NeuronDetailView* detail, QObject* parent = nullptr);

    /// A recording is shown: the whole of it, the bar set up for its labels.
    void setRecording(const RecordingEntry& recording);
    /// As if the user had typed `choice` into the bar and pressed Enter.
    /// Returns what is wrong with it (also shown in the bar), empty when it fits.
    QString apply(const SelectionBar::Choice& choice);

    /// The slice the views show now (empty: the whole recording).
    const std::optional<Slice>& slice() const { return m_slices->current(); }
    /// What is selected, for the status bar and exports: "whole recording", or
    /// "trials 0:64 (label 'left', 32 of 128) · steps 50:250 (500–2500 ms) · ...".
    QString describe() const;
    /// The choice the data shown was selected by (the set's population
    /// measures resolve it against each recording).
    SliceChoice shownChoice() const;
    /// The recording's index of the neuron in row `local` of the data the
    /// views show now (the last result's).
    int neuronId(int local) const;
    SliceController* slices() const { return m_slices; }

signals:
    /// A selection reached the views (they now recompute for it).
    void selectionShown(const QString& description);
    /// The data shown now has other neurons than before (rows renumbered):
    /// selections of neurons in the views no longer apply.
    void neuronsReplaced();
    /// A selection could not be computed; the views keep what they show.
    /// `stale`: the file changed since it was loaded (a reload helps).
    void failed(const QString& error, bool stale);

private:
    QString onEdited(const SelectionBar::Choice& choice, bool final);
    void onSliced(std::shared_ptr<const Summary> summary, std::uint64_t generation);
    void useTableSelection();
    /// Selects in the table the row of the neuron kept across a change of
    /// neurons, once the table holds the new rows.
    void selectKeptRow();

    SelectionBar* m_bar;
    AnalysisController* m_analysis;
    NeuronTableView* m_table;
    NeuronDetailView* m_detail;
    SliceController* m_slices;
    std::shared_ptr<const Summary> m_whole;
    /// The choices asked for and not yet shown, with their slices: the one
    /// delivered names what is shown (describe()), not the newest asked for.
    std::vector<std::pair<std::optional<Slice>, SelectionBar::Choice>> m_requested;
    SelectionBar::Choice m_shown; ///< the choice of the data shown
    int m_keptRow = -1;           ///< the kept neuron's row until the table has it
};

} // namespace rnnloss
