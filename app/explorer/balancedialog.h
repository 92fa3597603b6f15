#pragma once
// Auto-balance: the user gives target shares for one or more enabled
// regularisers, of the loss (engine/balance.h) or of the gradient of a chosen
// parameter (gradgram.h's balanceByGradient: the shares the Gradients tab and
// the lambda panel show); the dialog solves for their lambdas with the others
// fixed, shows the result, or the engine's reason when the request is
// infeasible. It balances the data the views show (the selection, if any) and
// says which. The caller applies solvedState() as one undo step.

#include "balance.h"
#include "gradient.h"
#include "lambdastate.h"
#include "sweep.h"

#include <QDialog>

#include <array>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QRadioButton;
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

    /// What the target shares are of.
    enum class Basis
    {
        Loss,    ///< of the total loss: lambda_k L_k / sum
        Gradient ///< of the gradient of a parameter: lambda_k ||dL_k/dp|| / sum
    };
    /// The gradients of the same data, which offer the gradient basis with
    /// `param` chosen; null: that choice is disabled and says `why`.
    void setGradients(std::shared_ptr<const GradientResult> gradients, Param param,
                      const QString& why = {});
    /// Refused (stays Loss) while there are no gradients.
    void setBasis(Basis basis);
    Basis basis() const { return m_basis; }
    void setParam(Param param);
    Param param() const { return m_param; }
    bool gradientsAvailable() const { return m_gradients != nullptr; }
    /// Each term's share under the solved lambdas, on the basis in use (empty
    /// when nothing is solved): what the solved column shows.
    const Shares& solvedShares() const { return m_solvedShares; }

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
    void solveShares(const std::vector<ShareTarget>& targets);
    QLayout* buildBasisRow();

    TermValues m_values;
    LambdaState m_state;
    std::array<Row, kTermCount> m_rows{};
    BalanceResult m_result;
    Shares m_solvedShares{};
    bool m_anyTarget = false;
    Basis m_basis = Basis::Loss;
    Param m_param = Param::WHid;
    std::shared_ptr<const GradientResult> m_gradients;
    QRadioButton* m_byLoss = nullptr;
    QRadioButton* m_byGradient = nullptr;
    QComboBox* m_paramBox = nullptr;
    QLabel* m_intro = nullptr;
    QLabel* m_data = nullptr;
    QLabel* m_message = nullptr;
    QLabel* m_total = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace rnnloss
