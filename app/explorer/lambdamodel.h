#pragma once
// The lambda state the window shows, with its undo history. Every change goes
// through here: edits are undoable, loads replace the state and the history.

#include "lambdastate.h"

#include <QObject>

#include <cstdint>

class QUndoStack;

namespace rnnloss {

class LambdaModel : public QObject
{
    Q_OBJECT
public:
    explicit LambdaModel(QObject* parent = nullptr);

    const LambdaState& state() const { return m_state; }
    QUndoStack* undoStack() const { return m_undo; }

    /// A user's edit, as one undo step. Consecutive edits that carry the same
    /// non-zero `editId` (one slider drag, typing in one field) merge into one
    /// step; 0 never merges. An edit that changes nothing is ignored.
    void edit(const LambdaState& state, std::uint64_t editId = 0);
    /// Sets the state without an undo step and clears the history: the edits
    /// belonged to data that is gone.
    void reset(const LambdaState& state);

signals:
    /// After every change of state(): edits, undo, redo and reset.
    void changed();

private:
    class Command;
    void set(const LambdaState& state);

    LambdaState m_state;
    QUndoStack* m_undo = nullptr;
};

} // namespace rnnloss
