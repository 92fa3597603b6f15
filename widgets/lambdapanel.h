#pragma once
// The lambdas of the seven loss terms: one row per term with an enable box, a
// logarithmic slider, a number field and read-outs of the weighted value and
// its share of the total, and beside it the term's share of the gradient of
// one parameter (the one the Gradients tab shows).

#include "loss.h"
#include "sweep.h"
#include "terms.h"

#include <QString>
#include <QWidget>

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
QT_END_NAMESPACE

namespace rnnloss {

class LambdaPanel : public QWidget
{
    Q_OBJECT

public:
    using Flags = std::array<bool, kTermCount>;
    using Reasons = std::array<QString, kTermCount>;

    /// Slider scale: 10^kMinExp ... 10^kMaxExp in kSliderSteps steps.
    static constexpr int kSliderSteps = 900;
    static constexpr double kMinExp = -6.0;
    static constexpr double kMaxExp = 3.0;

    explicit LambdaPanel(QWidget* parent = nullptr);

    /// Sets every row without emitting lambdasEdited.
    void setLambdas(const TermArray& values, const Flags& enabled);
    /// Effective lambdas: a disabled term counts as 0 (its own value is kept).
    TermArray lambdas() const;
    /// The lambdas as the rows hold them, disabled ones included.
    TermArray rawLambdas() const { return m_values; }
    Flags enabled() const { return m_enabled; }

    /// Unavailable rows are disabled with the reason as tooltip. Their box stays
    /// usable while it enables a nonzero lambda, so the user can clear the error.
    void setAvailability(Flags available, Reasons reasons);
    void setConvention(Convention c);
    Convention convention() const { return m_convention; }
    /// Updates the read-outs (weighted value, share of the total).
    void showResult(const LossResult& result);
    /// Each term's share of the gradient of `param` (gradgram.h's gradShares),
    /// beside its share of the loss: "3.0 % of loss · 41.0 % of ∇W_hid". An
    /// empty `param` shows none, with `why` (no gradients yet, or their error).
    void setGradientShares(const Shares& shares, const QString& param, const QString& why = {});
    /// The gradient share column's text and tooltip of a term, and its header.
    QString gradientShareText(Term t) const;
    QString gradientShareTip(Term t) const;
    QString gradientHeader() const;
    void setTrainingLambdasAvailable(bool available);

    /// Identifies the gesture the latest lambdasEdited / conventionChanged came
    /// from: the same for every step of one slider drag or of typing in one
    /// field, new for the next gesture. Undo merges edits with equal ids.
    std::uint64_t editId() const { return m_editId; }

    /// The value of a slider step: 10^(exponent of the step) rounded to two
    /// significant digits, so a drag gives 0.0025, never 0.025704.
    static double sliderToValue(int pos);
    /// A slider step for `v`: one whose value is `v` when there is one near,
    /// else the nearest on the log scale, clamped; 0 and below map to 0.
    static int valueToSlider(double v);
    /// True for a positive value the slider cannot show (beyond either end):
    /// it is kept exactly as typed and the slider is marked.
    static bool outsideSliderRange(double v);
    /// The number field's text: parses back to the same value for every step.
    static QString formatLambda(double v);
    /// Parses a field's text with the engine's parseLambdaValue (the CLI's
    /// parser); false unless a finite number >= 0. `error` gets the reason. A
    /// comma is refused by name ("use a point: 0.05, not 0,05"), never read as
    /// the number before it.
    static bool parseLambda(const QString& text, double* value, QString* error = nullptr);
    /// The next value of the two-significant-digit grid above (`direction` > 0)
    /// or below `v`: 0.05 -> 0.051 / 0.049, 0.099 -> 0.1. What one wheel notch
    /// does. Clamped to the slider's ends; 0 goes up to the lowest end.
    static double nextRoundValue(double v, int direction);

    /// The panel's last message: a refused input or a value beyond the slider.
    /// A refusal stays until a lambda changes by other means (a slider, a
    /// valid text, undo, a reset); leaving the field keeps it.
    QString message() const;

    /// Dragging a slider with Shift held moves it this many times more finely.
    static constexpr int kFineDragFactor = 10;

signals:
    void lambdasEdited(const rnnloss::TermArray& effective,
                       const std::array<bool, rnnloss::kTermCount>& enabled);
    void conventionChanged(rnnloss::Convention c);
    void resetToDefaultsRequested();
    void resetToTrainingRequested();
    /// The user asked to see the formulas of both conventions (Help > Formulas).
    void formulasRequested();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Row
    {
        QCheckBox* enable = nullptr;
        QLabel* name = nullptr;
        QSlider* slider = nullptr;
        QLineEdit* edit = nullptr;
        QLabel* weighted = nullptr;
        QLabel* share = nullptr;
        QLabel* gradShare = nullptr; ///< the share of the chosen parameter's gradient
        QLabel* caption = nullptr; ///< under the name, where a term needs telling apart
    };

    enum class MessageKind
    {
        None,
        Refusal, ///< a field's text was not applied
        Range    ///< a value beyond the slider was kept
    };

    void onSliderMoved(int term, int pos);
    void onTextEdited(int term, const QString& text);
    bool sliderEvent(int term, QEvent* event);
    void applyValue(int term, double v);
    void onToggled(int term, bool on);
    void onSliderAction(int term, int action);
    void updateRow(int term);
    void updateGradientShare(int term);
    void updateTooltips();
    void updateConventionHint();
    void markField(int term, const QString& refusedText, const QString& reason);
    void clearFieldMark(int term, bool keepMessage = false);
    void updateRangeMark(int term);
    void showMessage(const QString& text, MessageKind kind = MessageKind::None, int term = -1);
    void dropRefusalMessage();
    void emitEdited(int term);

    std::array<Row, kTermCount> m_rows{};
    TermArray m_values{};
    Flags m_enabled{};
    Flags m_available{};
    Reasons m_reasons{};
    Shares m_gradShares{};
    QString m_gradParam; ///< empty: no gradient shares
    QString m_gradWhy;
    QLabel* m_gradHeader = nullptr;
    Convention m_convention = kDefaultConvention;
    std::array<QString, kTermCount> m_refusal{}; ///< why a field's text is refused, or empty
    QComboBox* m_convCombo = nullptr;
    QLabel* m_convHint = nullptr;
    QLabel* m_message = nullptr;
    QPushButton* m_resetDefaults = nullptr;
    QPushButton* m_resetTraining = nullptr;
    std::uint64_t m_editId = 1;
    int m_lastEditedTerm = -1; ///< -1 after a gesture ended
    /// The field being typed in (-1: none) and its value before the typing
    /// began: what a text that stops being a number falls back to.
    int m_typingTerm = -1;
    double m_typingStart = 0.0;
    MessageKind m_messageKind = MessageKind::None;
    int m_messageTerm = -1;
    std::array<int, kTermCount> m_wheelDelta{}; ///< eighths of a degree not yet a notch
    /// A Shift drag: the cursor's x and the slider's position where it began.
    std::optional<std::pair<int, int>> m_fineAnchor;
};

} // namespace rnnloss
