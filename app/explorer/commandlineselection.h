#pragma once
// The selection named on the command line (--trials, --steps, --neurons,
// --trial-label, --neuron-group): applied to the next recording that starts a
// set, and why it did not fit. --screenshot and --export wait for it and
// report its error instead of writing the whole recording.

#include "selectionbar.h"

#include <QString>

namespace rnnloss {

class SelectionController;

class CommandLineSelection
{
public:
    /// Waits for the next recording (nothing waits for the whole recording).
    void set(const SelectionBar::Choice& choice);
    /// Waits again for the next recording, the last error forgotten.
    void reapply();
    /// `recording` starts a set and is shown whole: `selection` applies the waiting choice.
    void applyTo(SelectionController& selection, const QString& recording);
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
