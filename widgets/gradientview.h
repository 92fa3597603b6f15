#pragma once
// The Gradients tab: which term steers the update of a weight matrix. For the
// chosen parameter (W_in, W_hid, W_out; the biases on a toggle), each term's
// weighted gradient norm with its share and the norm of the total
// (GradientBarsView), beside them the cosine between every two terms'
// gradients (ConflictMatrixView), and a status line saying what is being done
// or why there is nothing. It is given a GradientResult and the lambdas; a
// lambda change recomputes from the Gram matrices (O(7^2)) and repaints.

#include "chartexport.h"
#include "gradient.h"

#include <QString>
#include <QWidget>

#include <array>
#include <optional>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSplitter;
QT_END_NAMESPACE

namespace rnnloss {

class ConflictMatrixView;
class GradientBarsView;

class GradientView : public QWidget
{
    Q_OBJECT

public:
    explicit GradientView(QWidget* parent = nullptr);

    /// A computed result. One with an error shows nothing but the error.
    void setResult(const GradientResult& result);
    /// Nothing to show, and why ("no recording", "computing…").
    void clearResult(const QString& why);
    /// The lambdas as the panel holds them (disabled ones included) and which are on.
    void setLambdas(const TermArray& lambdas, const std::array<bool, kTermCount>& enabled);
    /// The parameter shown; a bias turns the biases on.
    void setParam(Param p);
    Param param() const { return m_param; }
    void setShowBiases(bool on);
    bool showBiases() const;
    /// The line that says what the tab is doing: "computing gradients… 40 %".
    void setStatus(const QString& text);
    QString status() const;
    /// While computing, the button cancels; otherwise it computes again.
    void setComputing(bool on);
    bool computing() const { return m_computing; }

    /// The result shown (empty before the first and after clearResult()).
    const std::optional<GradientResult>& result() const { return m_result; }
    /// The warnings of the result shown (the replay warning), one per line.
    QString warningText() const;
    GradientBarsView* barsView() const { return m_bars; }
    ConflictMatrixView* matrixView() const { return m_matrix; }
    QPushButton* actionButton() const { return m_button; }
    QComboBox* paramBox() const { return m_paramBox; }

    QList<ExportableChart> exportableCharts() const;

signals:
    void paramChanged(rnnloss::Param p);
    void cancelRequested();
    void computeRequested();

private:
    void fillParamBox();
    void applyBiases(bool on);
    void showParam();
    void showMatrix();
    void updateFaded();

    Param m_param = Param::WHid;
    std::optional<GradientResult> m_result;
    QString m_why;
    TermArray m_lambdas{};
    std::array<bool, kTermCount> m_enabled{};
    bool m_computing = false;

    QComboBox* m_paramBox = nullptr;
    QCheckBox* m_biases = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_warning = nullptr;
    QPushButton* m_button = nullptr;
    QSplitter* m_split = nullptr;
    GradientBarsView* m_bars = nullptr;
    ConflictMatrixView* m_matrix = nullptr;
};

} // namespace rnnloss
