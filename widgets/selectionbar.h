#pragma once
// The selection bar above the views: which trials (a spec and/or a trial
// label), which time window (a spec, or dragged on a time strip) and which
// neurons (a spec, a group, or the table's selection) the views show. It
// only edits text: the app resolves it against the recording (slice.h's
// resolveChoice) and tells the bar what is wrong or what is selected.

#include <QString>
#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <optional>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QToolButton;
QT_END_NAMESPACE

namespace rnnloss {

/// A horizontal time axis of a recording's steps on which the user drags a
/// window [first, end); labelled in milliseconds when dt is known.
class TimeWindowStrip : public QWidget
{
    Q_OBJECT
public:
    explicit TimeWindowStrip(QWidget* parent = nullptr);

    void setSteps(std::int64_t steps, double dtMs);
    /// The window shown shaded; empty: none (the whole axis).
    void setWindow(std::optional<std::pair<std::int64_t, std::int64_t>> window);
    std::optional<std::pair<std::int64_t, std::int64_t>> window() const { return m_window; }
    std::int64_t steps() const { return m_steps; }
    /// The step under x (widget coordinates), clamped to [0, steps].
    std::int64_t stepAt(int x) const;

    /// A tick of the strip: its x, and its label's text and rectangle (widget
    /// coordinates). The last label carries the unit ("1200 ms"), so the unit
    /// never sits on a tick; labels that would touch a neighbour are left out.
    struct Tick
    {
        int x = 0;
        QString text;
        QRect rect; ///< empty when the label is left out
    };
    QList<Tick> ticks() const;
    /// Where the tick marks are drawn (their x are the ticks' x).
    QRect tickMarkArea() const;
    QSize sizeHint() const override;

signals:
    /// While dragging (`final` false) and once on release (`final` true).
    void windowDragged(std::int64_t first, std::int64_t end, bool final);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    QRect axisRect() const;
    QFont labelFont() const;
    int xOf(std::int64_t step) const;
    void dragTo(int x, bool final);

    std::int64_t m_steps = 0;
    double m_dtMs = 0.0;
    std::optional<std::pair<std::int64_t, std::int64_t>> m_window;
    std::optional<std::int64_t> m_anchor; ///< the step where the drag began
};

class SelectionBar : public QWidget
{
    Q_OBJECT
public:
    /// What the fields say. Empty specs mean the whole axis; an empty label
    /// or group means any.
    struct Choice
    {
        QString trials, steps, neurons;
        QString trialLabel, neuronGroup;
        bool operator==(const Choice&) const = default;
        bool whole() const { return *this == Choice{}; }
    };
    enum class Field { Trials, Steps, Neurons };

    explicit SelectionBar(QWidget* parent = nullptr);

    /// A new recording: its sizes, the distinct trial labels and neuron
    /// groups (empty lists hide those pickers) and dt (0 when unknown).
    /// Clears the choice without emitting.
    void setRecording(std::int64_t trials, std::int64_t steps, std::int64_t neurons,
                      const QStringList& trialLabels, const QStringList& neuronGroups,
                      double dtMs);
    Choice choice() const;
    void setChoice(const Choice& choice); ///< without emitting choiceEdited
    /// Marks a field as wrong (red, the message in its tooltip and the summary
    /// line); an empty message clears every mark.
    void setError(Field field, const QString& message);
    void clearError();
    /// The line that says what is selected (or that it is being computed);
    /// shown under the fields only while an error is marked.
    void setSummary(const QString& text);
    QString summary() const;
    /// The window drawn on the time strip (from the resolved steps).
    void setWindow(std::optional<std::pair<std::int64_t, std::int64_t>> window);

    QLineEdit* trialsEdit() const { return m_trials; }
    QLineEdit* stepsEdit() const { return m_steps; }
    QLineEdit* neuronsEdit() const { return m_neurons; }
    QComboBox* labelBox() const { return m_label; }
    QComboBox* groupBox() const { return m_group; }
    TimeWindowStrip* timeStrip() const { return m_strip; }
    QPushButton* resetButton() const { return m_reset; }
    QToolButton* fromTableButton() const { return m_fromTable; }

signals:
    /// The user changed the choice (Enter in a field, a picker, a drag of the
    /// window). `final` is false while a drag goes on.
    void choiceEdited(const rnnloss::SelectionBar::Choice& choice, bool final);
    /// "From table": the neurons field should take the table's selection.
    void tableSelectionRequested();

private:
    void emitEdited(bool final = true);

    QLineEdit* m_trials = nullptr;
    QLineEdit* m_steps = nullptr;
    QLineEdit* m_neurons = nullptr;
    QComboBox* m_label = nullptr;
    QComboBox* m_group = nullptr;
    QToolButton* m_fromTable = nullptr;
    QPushButton* m_reset = nullptr;
    TimeWindowStrip* m_strip = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_ms = nullptr;
    double m_dtMs = 0.0;
};

} // namespace rnnloss

Q_DECLARE_METATYPE(rnnloss::SelectionBar::Choice)
