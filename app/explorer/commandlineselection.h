#pragma once
// The selection named on the command line (--trials, --steps, --neurons,
// --trial-label, --neuron-group): applied to the recording active when the
// next batch has loaded, and why it did not fit. --screenshot and --export wait for it and
// report its error instead of writing the whole recording.

#include "selectionbar.h"

#include <QString>

namespace rnnloss {

class SelectionController;
struct RecordingEntry;

class CommandLineSelection
{
public:
    /// Waits for the next recording (nothing waits for the whole recording).
    void set(const SelectionBar::Choice& choice);
    /// Waits again for the next recording, the last error forgotten.
    void reapply();
    /// `active` is the recording shown once a batch has loaded (its first in
    /// History's order, shown whole): `selection` applies the waiting choice.
    /// Nothing without a recording.
    void applyTo(SelectionController& selection, const RecordingEntry* active);
    /// A selection the views could not compute; the first error is kept.
    void failed(const QString& error);

    bool pending() const { return m_pending; }
    /// Why the selection does not fit the recording; empty when it does.
    QString error() const { return m_error; }

private:
    SelectionBar::Choice m_choice;
    bool m_pending = false;
    QString m_error;
};

} // namespace rnnloss
