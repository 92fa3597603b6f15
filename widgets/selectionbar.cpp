#include "selectionbar.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QToolButton>

#include <algorithm>
#include <cmath>

namespace rnnloss {

namespace {

/// A tick spacing of 1, 2 or 5 times a power of ten giving about `target` ticks.
double niceStep(double span, int target)
{
    const double raw = span / std::max(1, target);
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * p)
            return m * p;
    return 10.0 * p;
}

} // namespace

TimeWindowStrip::TimeWindowStrip(QWidget* parent) : QWidget(parent)
{
    setMinimumHeight(30);
    setMinimumWidth(100);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setCursor(Qt::IBeamCursor);
    setToolTip(tr("Drag to choose a time window; click without dragging for the whole recording"));
}

QSize TimeWindowStrip::sizeHint() const
{
    return {400, 34};
}

void TimeWindowStrip::setSteps(std::int64_t steps, double dtMs)
{
    m_steps = std::max<std::int64_t>(0, steps);
    m_dtMs = dtMs > 0.0 && std::isfinite(dtMs) && std::isfinite(double(m_steps) * dtMs) ? dtMs : 0.0;
    m_window.reset();
    m_anchor.reset();
    update();
}

void TimeWindowStrip::setWindow(std::optional<std::pair<std::int64_t, std::int64_t>> window)
{
    m_window = window;
    update();
}

QRect TimeWindowStrip::axisRect() const
{
    return rect().adjusted(8, 2, -8, -16);
}

int TimeWindowStrip::xOf(std::int64_t step) const
{
    const QRect r = axisRect();
    if (m_steps <= 0)
        return r.left();
    return r.left() + static_cast<int>(std::lround(double(step) / double(m_steps) * r.width()));
}

std::int64_t TimeWindowStrip::stepAt(int x) const
{
    const QRect r = axisRect();
    if (m_steps <= 0 || r.width() <= 0)
        return 0;
    const double f = double(x - r.left()) / double(r.width());
    return std::clamp<std::int64_t>(std::llround(f * double(m_steps)), 0, m_steps);
}

QFont TimeWindowStrip::labelFont() const
{
    QFont f = font();
    f.setPointSizeF(std::max(7.0, f.pointSizeF() - 1.0));
    return f;
}

QRect TimeWindowStrip::tickMarkArea() const
{
    const QRect r = axisRect();
    return QRect(QPoint(r.left(), r.bottom() - 4), QPoint(r.right() + 1, r.bottom()));
}

QList<TimeWindowStrip::Tick> TimeWindowStrip::ticks() const
{
    QList<Tick> out;
    const QRect r = axisRect();
    if (m_steps <= 0)
        return out;
    // Ticks in the unit the views use: milliseconds when dt is known.
    const double unit = m_dtMs > 0.0 ? m_dtMs : 1.0;
    const double span = double(m_steps) * unit;
    const int target = std::max(2, r.width() / 70);
    const double step = niceStep(span, target);
    if (!(step > 0.0) || !std::isfinite(step) || !std::isfinite(span) || span / step > 1000.0)
        return out;
    for (double v = 0.0; v <= span + 1e-9 * span; v += step)
        out.append({r.left() + static_cast<int>(std::lround(v / span * r.width())),
                    QString::number(v, 'g', 6), QRect()});
    if (out.isEmpty())
        return out;
    out.back().text += QLatin1Char(' ') + (m_dtMs > 0.0 ? tr("ms") : tr("step"));
    const QFontMetrics fm(labelFont());
    const int gap = fm.horizontalAdvance(QLatin1Char(' '));
    auto place = [&](Tick& t) {
        const int w = fm.horizontalAdvance(t.text);
        const int left = std::clamp(t.x - w / 2, 0, std::max(0, width() - w));
        t.rect = QRect(left, height() - 3 - fm.ascent(), w, fm.height());
    };
    // The last label (with the unit) first: a label in its way gives way.
    place(out.back());
    QRect previous;
    for (int i = 0; i + 1 < out.size(); ++i) {
        place(out[i]);
        const QRect padded = out[i].rect.adjusted(-gap, 0, gap, 0);
        if ((!previous.isNull() && padded.intersects(previous)) ||
            padded.intersects(out.back().rect))
            out[i].rect = QRect();
        else
            previous = out[i].rect;
    }
    return out;
}

void TimeWindowStrip::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QRect r = axisRect();
    p.fillRect(r, palette().base());
    if (m_window && m_steps > 0) {
        const int a = xOf(m_window->first), b = xOf(m_window->second);
        p.fillRect(QRect(QPoint(a, r.top()), QPoint(std::max(a + 1, b), r.bottom())),
                   QColor(0x4c, 0x72, 0xb0, 90));
    }
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(r.adjusted(0, 0, -1, -1));
    p.setFont(labelFont());
    p.setPen(palette().color(QPalette::WindowText));
    const QRect marks = tickMarkArea();
    for (const Tick& t : ticks()) {
        p.drawLine(t.x, marks.top(), t.x, marks.bottom());
        if (!t.rect.isNull())
            p.drawText(t.rect, Qt::AlignLeft | Qt::AlignVCenter, t.text);
    }
}

void TimeWindowStrip::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || m_steps <= 0)
        return QWidget::mousePressEvent(event);
    m_anchor = stepAt(event->position().toPoint().x());
}

void TimeWindowStrip::mouseMoveEvent(QMouseEvent* event)
{
    if (!m_anchor)
        return QWidget::mouseMoveEvent(event);
    dragTo(event->position().toPoint().x(), false);
}

void TimeWindowStrip::mouseReleaseEvent(QMouseEvent* event)
{
    if (!m_anchor)
        return QWidget::mouseReleaseEvent(event);
    dragTo(event->position().toPoint().x(), true);
    m_anchor.reset();
}

void TimeWindowStrip::dragTo(int x, bool final)
{
    const std::int64_t here = stepAt(x);
    std::int64_t a = std::min(*m_anchor, here), b = std::max(*m_anchor, here);
    if (a == b) {
        // A click: the whole recording (on release), nothing while pressing.
        if (!final)
            return;
        a = 0;
        b = m_steps;
    }
    m_window = std::pair{a, b};
    update();
    emit windowDragged(a, b, final);
}

SelectionBar::SelectionBar(QWidget* parent) : QWidget(parent)
{
    qRegisterMetaType<rnnloss::SelectionBar::Choice>();
    auto edit = [this](const QString& name, const QString& tip) {
        auto* e = new QLineEdit(this);
        e->setObjectName(name);
        e->setPlaceholderText(tr("all"));
        e->setClearButtonEnabled(true);
        e->setToolTip(tip);
        e->setMinimumWidth(60);
        e->setMaximumWidth(260);
        connect(e, &QLineEdit::editingFinished, this, [this, e] {
            if (e->isModified()) {
                e->setModified(false);
                emitEdited();
            }
        });
        return e;
    };
    const QString specHelp =
        tr("0-based indices and half-open ranges, comma-separated: 0:16,20  50:  :8");
    m_trials = edit("trialsEdit", tr("Trials: ") + specHelp);
    m_steps = edit("stepsEdit", tr("Time steps: ") + specHelp);
    m_neurons = edit("neuronsEdit", tr("Hidden units: ") + specHelp);
    auto picker = [this](const QString& name, const QString& any) {
        auto* c = new QComboBox(this);
        c->setObjectName(name);
        c->addItem(any);
        c->setSizeAdjustPolicy(QComboBox::AdjustToContents);
        connect(c, &QComboBox::activated, this, [this] { emitEdited(); });
        return c;
    };
    m_label = picker("trialLabelBox", tr("any label"));
    m_label->setToolTip(tr("Only the trials with this trial_labels value"));
    m_group = picker("neuronGroupBox", tr("any group"));
    m_group->setToolTip(tr("Only the neurons with this neuron_groups value"));
    m_fromTable = new QToolButton(this);
    m_fromTable->setText(tr("From table"));
    m_fromTable->setToolTip(tr("The neurons selected in the Neurons tab (or the histogram)"));
    connect(m_fromTable, &QToolButton::clicked, this, &SelectionBar::tableSelectionRequested);
    m_reset = new QPushButton(tr("Whole recording"), this);
    m_reset->setAutoDefault(false);
    m_reset->setObjectName("wholeRecording");
    m_reset->setToolTip(tr("Select every trial, step and neuron again"));
    connect(m_reset, &QPushButton::clicked, this, [this] {
        setChoice({});
        emitEdited();
    });
    m_strip = new TimeWindowStrip(this);
    connect(m_strip, &TimeWindowStrip::windowDragged, this,
            [this](std::int64_t a, std::int64_t b, bool final) {
                m_steps->setText(a == 0 && b == m_strip->steps()
                                     ? QString()
                                     : QStringLiteral("%1:%2").arg(a).arg(b));
                emitEdited(final);
            });
    m_ms = new QLabel(this);
    // Its room reserved, so that the time strip does not move when it fills
    // in the middle of a drag.
    m_ms->setMinimumWidth(m_ms->fontMetrics().horizontalAdvance(QStringLiteral("00000–00000 ms")));
    m_summary = new QLabel(this);
    m_summary->setObjectName("selectionSummary");
    m_summary->setMinimumWidth(1);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Two short rows, so the window stays usable at 1024 px beside the
    // Lambdas panel; the summary line appears only to say what is wrong.
    auto* top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(new QLabel(tr("Trials"), this));
    top->addWidget(m_trials, 1);
    top->addWidget(m_label);
    top->addSpacing(6);
    top->addWidget(new QLabel(tr("Neurons"), this));
    top->addWidget(m_neurons, 1);
    top->addWidget(m_group);
    top->addWidget(m_fromTable);
    auto* time = new QHBoxLayout;
    time->setContentsMargins(0, 0, 0, 0);
    time->addWidget(new QLabel(tr("Time"), this));
    time->addWidget(m_steps);
    time->addWidget(m_ms);
    time->addWidget(m_strip, 1);
    time->addWidget(m_reset);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    layout->addLayout(top);
    layout->addLayout(time);
    layout->addWidget(m_summary);
    m_summary->hide();
    setRecording(0, 0, 0, {}, {}, 0.0);
}

void SelectionBar::setRecording(std::int64_t trials, std::int64_t steps, std::int64_t neurons,
                                const QStringList& trialLabels, const QStringList& neuronGroups,
                                double dtMs)
{
    m_dtMs = dtMs > 0.0 && std::isfinite(dtMs) ? dtMs : 0.0;
    for (auto [box, items] : {std::pair{m_label, &trialLabels}, std::pair{m_group, &neuronGroups}}) {
        while (box->count() > 1)
            box->removeItem(1);
        box->addItems(*items);
        box->setVisible(!items->isEmpty());
    }
    m_trials->setPlaceholderText(tr("all %1").arg(trials));
    m_steps->setPlaceholderText(tr("all %1").arg(steps));
    m_neurons->setPlaceholderText(tr("all %1").arg(neurons));
    m_strip->setSteps(steps, m_dtMs);
    setChoice({});
    clearError();
    setEnabled(trials > 0 || neurons > 0);
}

SelectionBar::Choice SelectionBar::choice() const
{
    Choice c;
    c.trials = m_trials->text().trimmed();
    c.steps = m_steps->text().trimmed();
    c.neurons = m_neurons->text().trimmed();
    if (m_label->currentIndex() > 0)
        c.trialLabel = m_label->currentText();
    if (m_group->currentIndex() > 0)
        c.neuronGroup = m_group->currentText();
    return c;
}

void SelectionBar::setChoice(const Choice& c)
{
    m_trials->setText(c.trials);
    m_steps->setText(c.steps);
    m_neurons->setText(c.neurons);
    m_label->setCurrentIndex(c.trialLabel.isEmpty() ? 0 : std::max(0, m_label->findText(c.trialLabel)));
    m_group->setCurrentIndex(c.neuronGroup.isEmpty() ? 0
                                                     : std::max(0, m_group->findText(c.neuronGroup)));
    for (QLineEdit* e : {m_trials, m_steps, m_neurons})
        e->setModified(false);
}

void SelectionBar::setError(Field field, const QString& message)
{
    clearError();
    QLineEdit* e = field == Field::Trials ? m_trials : field == Field::Steps ? m_steps : m_neurons;
    e->setStyleSheet(QStringLiteral("QLineEdit { background: #fde8e8; }"));
    e->setToolTip(message);
    m_summary->setStyleSheet(QStringLiteral("QLabel { color: #8a1f11; }"));
    m_summary->setText(message);
    m_summary->show();
}

void SelectionBar::clearError()
{
    for (QLineEdit* e : {m_trials, m_steps, m_neurons})
        e->setStyleSheet({});
    m_summary->setStyleSheet({});
    m_summary->hide();
}

void SelectionBar::setSummary(const QString& text)
{
    m_summary->setText(text);
}

QString SelectionBar::summary() const
{
    return m_summary->text();
}

void SelectionBar::setWindow(std::optional<std::pair<std::int64_t, std::int64_t>> window)
{
    m_strip->setWindow(window);
    m_ms->setText(window && m_dtMs > 0.0
                      ? tr("%1–%2 ms")
                            .arg(QString::number(double(window->first) * m_dtMs, 'g', 6),
                                 QString::number(double(window->second) * m_dtMs, 'g', 6))
                      : QString());
}

void SelectionBar::emitEdited(bool final)
{
    emit choiceEdited(choice(), final);
}

} // namespace rnnloss
