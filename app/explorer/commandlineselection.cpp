#include "commandlineselection.h"

#include "recordingset.h"
#include "selectioncontroller.h"

namespace rnnloss {

void CommandLineSelection::set(const SelectionBar::Choice& choice)
{
    m_choice = choice;
    m_pending = !choice.whole();
}

void CommandLineSelection::reapply()
{
    m_pending = !m_choice.whole();
    m_error.clear();
}

void CommandLineSelection::applyTo(SelectionController& selection, const RecordingEntry* active)
{
    if (!m_pending || !active)
        return;
    m_pending = false;
    m_error = selection.apply(m_choice);
    if (!m_error.isEmpty())
        m_error = QObject::tr("%1: the selection does not fit: %2")
                      .arg(active->files.recording, m_error);
}

void CommandLineSelection::failed(const QString& error)
{
    if (m_error.isEmpty())
        m_error = error;
}

} // namespace rnnloss
