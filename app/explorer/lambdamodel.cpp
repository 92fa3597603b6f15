#include "lambdamodel.h"

#include <QUndoStack>

namespace rnnloss {

class LambdaModel::Command : public QUndoCommand
{
public:
    Command(LambdaModel* model, const LambdaState& before, const LambdaState& after,
            std::uint64_t editId)
        : m_model(model), m_before(before), m_after(after), m_editId(editId)
    {
        setText(QObject::tr("lambda change"));
    }
    void undo() override { m_model->set(m_before); }
    void redo() override { m_model->set(m_after); }
    int id() const override { return 1; } // all lambda edits; mergeWith decides
    bool mergeWith(const QUndoCommand* other) override
    {
        const auto* o = static_cast<const Command*>(other);
        if (m_editId == 0 || o->m_editId != m_editId)
            return false;
        m_after = o->m_after;
        // A drag that ends where it started leaves no step behind.
        setObsolete(m_after == m_before);
        return true;
    }

private:
    LambdaModel* m_model;
    LambdaState m_before, m_after;
    std::uint64_t m_editId;
};

LambdaModel::LambdaModel(QObject* parent) : QObject(parent), m_undo(new QUndoStack(this)) {}

void LambdaModel::edit(const LambdaState& state, std::uint64_t editId)
{
    if (state == m_state)
        return;
    m_undo->push(new Command(this, m_state, state, editId));
}

void LambdaModel::reset(const LambdaState& state)
{
    m_undo->clear();
    set(state);
}

void LambdaModel::set(const LambdaState& state)
{
    m_state = state;
    emit changed();
}

} // namespace rnnloss
