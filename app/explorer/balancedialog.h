#pragma once
// Auto-balance: the user gives target shares of the total for one or more
// enabled regularisers; the dialog solves for their lambdas with the others
// fixed (engine/balance.h), shows the result, or the engine's reason when the
// request is infeasible. It balances the data the views show (the selection,
// if any) and says which. The caller applies solvedState() as one undo step.

#include "balance.h"
#include "lambdastate.h"

#include <QDialog>

#include <array>
#include <optional>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
QT_END_NAMESPACE

namespace rnnloss {

class BalanceDialog : public QDialog
{
    Q_OBJECT
public:
    /// `values`: the unweighted terms of the data shown under `state`'s
    /// convention; `data` names that data (dataDescription()).
    BalanceDialog(const TermValues& values, const LambdaState& state, const QString& data,
                  QWidget* parent = nullptr);

    /// "trials 0:16 of step300.h5", "the whole of step300.h5": the part of
    /// `fileName` that `s` summarises (its slice), as the balance uses it.
    static QString dataDescription(const Summary& s, const QString& fileName);
    /// The unweighted terms of an evaluation (they do not depend on its lambdas).
    static TermValues termValues(const LossResult& loss);
    /// What the dialog says it balances.
    QString dataText() const;

    /// Makes `term` a target with `share` (a fraction of the total), or not a
    /// target with nullopt. Terms that are off or unavailable cannot be targets.
    void setTarget(Term term, std::optional<double> share);
    bool canTarget(Term term) const;

    const BalanceResult& result() const { return m_result; }
    /// What is shown when nothing can be applied: the engine's reason, or that no target is set.
    QString errorText() const;
    /// The state to apply: the solved lambdas, every target term on. Empty when infeasible.
    std::optional<LambdaState> solvedState() const;
    QPushButton* applyButton() const;

private:
    struct Row
    {
        QCheckBox* target = nullptr;
        QDoubleSpinBox* percent = nullptr;
        QLabel* now = nullptr;
        QLabel* solved = nullptr;
    };
    void solve();

    TermValues m_values;
    LambdaState m_state;
    std::array<Row, kTermCount> m_rows{};
    BalanceResult m_result;
    bool m_anyTarget = false;
    QLabel* m_data = nullptr;
    QLabel* m_message = nullptr;
    QLabel* m_total = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace rnnloss
