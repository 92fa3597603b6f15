#include "lambdapanel.h"

#include "chartutil.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QKeyEvent>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace rnnloss {

namespace {


enum Column
{
    ColEnable,
    ColName,
    ColSlider,
    ColEdit,
    ColWeighted,
    ColShare
};

} // namespace

namespace {

/// 10^k exactly for the small k a lambda needs (10^22 is the last exact double).
double exactPow10(int k)
{
    double p = 1.0;
    for (int i = 0; i < std::abs(k); ++i)
        p *= 10.0;
    return p;
}

/// `x` > 0 rounded to two significant digits, as the nearest double to the
/// decimal (what parsing "0.0025" gives): an integer divided or multiplied by
/// an exact power of ten.
double twoSignificant(double x)
{
    const int e = static_cast<int>(std::floor(std::log10(x)));
    const int k = 1 - e; // digits to shift so that two are left of the point
    return k >= 0 ? std::round(x * exactPow10(k)) / exactPow10(k)
                  : std::round(x / exactPow10(-k)) * exactPow10(-k);
}

} // namespace

double LambdaPanel::sliderToValue(int pos)
{
    pos = std::clamp(pos, 0, kSliderSteps);
    return twoSignificant(std::pow(10.0, kMinExp + (kMaxExp - kMinExp) * pos / kSliderSteps));
}

int LambdaPanel::valueToSlider(double v)
{
    if (!(v > 0.0))
        return 0;
    if (std::isinf(v))
        return kSliderSteps;
    const double exact = (std::log10(v) - kMinExp) / (kMaxExp - kMinExp) * kSliderSteps;
    const int nearest =
        static_cast<int>(std::clamp(std::lround(exact), 0L, static_cast<long>(kSliderSteps)));
    // Rounding to two digits moves a step's value by up to 5 %, about two
    // steps: prefer a step that shows exactly `v`.
    for (int d = 0; d <= 3; ++d)
        for (int p : {nearest - d, nearest + d})
            if (p >= 0 && p <= kSliderSteps && sliderToValue(p) == v)
                return p;
    return nearest;
}

bool LambdaPanel::outsideSliderRange(double v)
{
    return v > 0.0 && (v < sliderToValue(0) || v > sliderToValue(kSliderSteps));
}

QString LambdaPanel::formatLambda(double v)
{
    // Six significant digits: every step's value (two digits) and values typed
    // by hand (0.001, 1e-3) print as typed.
    return QString::number(v, 'g', 6);
}

bool LambdaPanel::parseLambda(const QString& text, double* value, QString* error)
{
    const LambdaParse p = parseLambdaValue(text.toStdString());
    if (!p.value) {
        if (error)
            *error = QString::fromStdString(p.error);
        return false;
    }
    if (value)
        *value = *p.value;
    return true;
}

LambdaPanel::LambdaPanel(QWidget* parent) : QWidget(parent)
{
    auto* outer = new QVBoxLayout(this);

    auto* convRow = new QHBoxLayout;
    auto* convLabel = new QLabel(tr("Convention:"), this);
    m_convCombo = new QComboBox(this);
    m_convCombo->addItem(QStringLiteral("nn4n"), static_cast<int>(Convention::Nn4n));
    m_convCombo->addItem(QStringLiteral("spec"), static_cast<int>(Convention::Spec));
    m_convCombo->setItemData(0, tr("What nn4n's RNNLoss code computes: the numbers your training printed"), Qt::ToolTipRole);
    m_convCombo->setItemData(1, tr("The documented formulas (nn4n's criterion documentation)"), Qt::ToolTipRole);
    convLabel->setBuddy(m_convCombo);
    convRow->addWidget(convLabel);
    convRow->addWidget(m_convCombo);
    convRow->addStretch(1);
    outer->addLayout(convRow);
    // What the choice changes, in one line, with the formulas one click away.
    m_convHint = new QLabel(this);
    m_convHint->setObjectName(QStringLiteral("conventionHint"));
    m_convHint->setWordWrap(true);
    m_convHint->setTextFormat(Qt::RichText);
    m_convHint->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    connect(m_convHint, &QLabel::linkActivated, this, &LambdaPanel::formulasRequested);
    outer->addWidget(m_convHint);

    auto* grid = new QGridLayout;
    grid->setHorizontalSpacing(8);
    const QStringList headers = {QString(), tr("term"),  tr("λ (log scale)"),
                                 tr("λ"),   tr("λ · L"), tr("share")};
    for (int c = 0; c < headers.size(); ++c) {
        auto* h = new QLabel(headers[c], this);
        QFont f = h->font();
        f.setBold(true);
        h->setFont(f);
        grid->addWidget(h, 0, c, c >= ColWeighted ? Qt::AlignRight : Qt::AlignLeft);
    }

    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    const QFontMetrics monoMetrics(mono);
    const int readoutWidth = monoMetrics.horizontalAdvance(QStringLiteral("8.888e-888")) + 4;
    const int shareWidth = monoMetrics.horizontalAdvance(QStringLiteral("< 0.1 %")) + 4;
    // The longest text formatLambda() writes ("0.000123457", "1.23457e-05"),
    // plus the line edit's frame and text margins: a squeezed panel must never
    // cut a lambda to "001".
    const int editWidth = monoMetrics.horizontalAdvance(QStringLiteral("0.000123457")) + 16;

    for (Term t : kAllTerms) {
        const int i = index(t);
        Row& r = m_rows[i];
        const int gridRow = i + 1;
        r.enable = new QCheckBox(this);
        r.enable->setToolTip(tr("Include %1 in the total").arg(qs(termKey(t))));
        r.name = new QLabel(qs(termKey(t)), this);
        r.slider = new QSlider(Qt::Horizontal, this);
        r.slider->setRange(0, kSliderSteps);
        r.slider->setSingleStep(1);
        r.slider->setPageStep(kSliderSteps / 9); // one decade
        r.slider->setMinimumWidth(80); // the slider gives way first; it stays usable at 80 px
        r.slider->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        r.slider->setTracking(true);
        // No validator: it would drop the '-' of "-1" and set 1. Every text is
        // read by parseLambda, and a refused one is marked with the reason.
        r.edit = new QLineEdit(this);
        r.edit->setFont(mono);
        r.edit->setFixedWidth(editWidth);
        r.edit->setAlignment(Qt::AlignRight);
        r.edit->installEventFilter(this);
        r.weighted = new QLabel(this);
        r.weighted->setFont(mono);
        r.weighted->setMinimumWidth(readoutWidth);
        r.weighted->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        r.share = new QLabel(this);
        r.share->setFont(mono);
        r.share->setMinimumWidth(shareWidth);
        r.share->setAlignment(Qt::AlignRight | Qt::AlignVCenter);

        grid->addWidget(r.enable, gridRow, ColEnable);
        grid->addWidget(r.name, gridRow, ColName);
        grid->addWidget(r.slider, gridRow, ColSlider);
        grid->addWidget(r.edit, gridRow, ColEdit);
        grid->addWidget(r.weighted, gridRow, ColWeighted);
        grid->addWidget(r.share, gridRow, ColShare);

        connect(r.slider, &QSlider::valueChanged, this,
                [this, i](int pos) { onSliderMoved(i, pos); });
        connect(r.slider, &QSlider::actionTriggered, this,
                [this, i](int action) { onSliderAction(i, action); });
        connect(r.edit, &QLineEdit::textEdited, this,
                [this, i](const QString& text) { onTextEdited(i, text); });
        connect(r.enable, &QCheckBox::toggled, this, [this, i](bool on) { onToggled(i, on); });
        // A drag is one gesture from press to release; so is typing until Enter
        // or leaving the field.
        auto endGesture = [this] { m_lastEditedTerm = -1; };
        connect(r.slider, &QSlider::sliderPressed, this, endGesture);
        connect(r.slider, &QSlider::sliderReleased, this, endGesture);
        connect(r.edit, &QLineEdit::editingFinished, this, endGesture);

        m_enabled[i] = true;
        m_available[i] = true;
    }
    grid->setColumnStretch(ColSlider, 1);
    outer->addLayout(grid);

    auto* buttons = new QHBoxLayout;
    m_resetDefaults = new QPushButton(tr("Reset to nn4n defaults"), this);
    m_resetDefaults->setToolTip(tr("lambda_mse = 1, every other lambda 0: nn4n's RNNLoss defaults"));
    m_resetTraining = new QPushButton(tr("Reset to file's training lambdas"), this);
    m_resetTraining->setEnabled(false);
    m_resetTraining->setToolTip(tr("The recording holds no training lambdas"));
    buttons->addWidget(m_resetDefaults);
    buttons->addWidget(m_resetTraining);
    buttons->addStretch(1);
    outer->addLayout(buttons);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("lambdaMessage"));
    m_message->setWordWrap(true);
    m_message->setStyleSheet(QStringLiteral("QLabel { color: #8a1f11; }"));
    m_message->hide();
    outer->addWidget(m_message);
    outer->addStretch(1);

    connect(m_resetDefaults, &QPushButton::clicked, this, &LambdaPanel::resetToDefaultsRequested);
    connect(m_resetTraining, &QPushButton::clicked, this, &LambdaPanel::resetToTrainingRequested);
    connect(m_convCombo, &QComboBox::currentIndexChanged, this, [this](int idx) {
        m_convention = static_cast<Convention>(m_convCombo->itemData(idx).toInt());
        updateTooltips();
        updateConventionHint();
        ++m_editId;
        m_lastEditedTerm = -1;
        emit conventionChanged(m_convention);
    });

    for (int i = 0; i < kTermCount; ++i)
        updateRow(i);
    updateTooltips();
    updateConventionHint();
    for (int i = 0; i < kTermCount; ++i) {
        m_rows[i].weighted->setText(QStringLiteral("—"));
        m_rows[i].share->setText(QStringLiteral("—"));
    }
}

void LambdaPanel::setLambdas(const TermArray& values, const Flags& enabled)
{
    for (int i = 0; i < kTermCount; ++i) {
        m_values[i] = std::isfinite(values[i]) && values[i] >= 0.0 ? values[i] : 0.0;
        m_enabled[i] = enabled[i];
        updateRow(i);
    }
}

TermArray LambdaPanel::lambdas() const
{
    TermArray out{};
    for (int i = 0; i < kTermCount; ++i)
        out[i] = m_enabled[i] ? m_values[i] : 0.0;
    return out;
}

void LambdaPanel::setAvailability(Flags available, Reasons reasons)
{
    m_available = available;
    m_reasons = std::move(reasons);
    for (int i = 0; i < kTermCount; ++i)
        updateRow(i);
    updateTooltips();
}

void LambdaPanel::setConvention(Convention c)
{
    m_convention = c;
    {
        const QSignalBlocker block(m_convCombo);
        m_convCombo->setCurrentIndex(m_convCombo->findData(static_cast<int>(c)));
    }
    updateTooltips();
    updateConventionHint();
}

void LambdaPanel::setTrainingLambdasAvailable(bool available)
{
    m_resetTraining->setEnabled(available);
    m_resetTraining->setToolTip(available ? tr("The lambdas the recording was trained with")
                                          : tr("The recording holds no training lambdas"));
}

void LambdaPanel::showResult(const LossResult& result)
{
    for (Term t : kAllTerms) {
        const int i = index(t);
        const TermResult& tr_ = result[t];
        Row& r = m_rows[i];
        const QString valueText = tr_.value ? QString::number(*tr_.value, 'e', 3) : tr("undefined");
        QString tip =
            tr("L_%1 = %2\nλ = %3").arg(qs(termKey(t)), valueText, formatLambda(tr_.lambda));
        if (!tr_.reason.empty())
            tip += QStringLiteral("\n") + QString::fromStdString(tr_.reason);
        if (tr_.lambda == 0.0) {
            // The spec leaves a zero-weighted term out of the total.
            r.weighted->setText(QStringLiteral("—"));
            r.share->setText(QStringLiteral("—"));
            tip += tr("\nλ = 0: not added to the total");
        } else if (!tr_.weighted) {
            r.weighted->setText(tr("undefined"));
            r.share->setText(QStringLiteral("—"));
        } else {
            r.weighted->setText(QString::number(*tr_.weighted, 'e', 3));
            if (result.total && *result.total != 0.0) {
                const double pct = 100.0 * *tr_.weighted / *result.total;
                r.share->setText(pct > 0.0 && pct < 0.1
                                     ? QStringLiteral("< 0.1 %")
                                     : QString::number(pct, 'f', 1) + QStringLiteral(" %"));
            } else
                r.share->setText(QStringLiteral("—"));
        }
        if (!result.total && !result.totalReason.empty())
            tip += tr("\nTotal undefined: %1").arg(QString::fromStdString(result.totalReason));
        r.weighted->setToolTip(tip);
        r.share->setToolTip(tip);
    }
}

void LambdaPanel::onSliderMoved(int term, int pos)
{
    const double v = sliderToValue(pos);
    clearFieldMark(term);
    m_rows[term].edit->setText(formatLambda(v));
    if (v == m_values[term])
        return; // steps that round to the same value
    m_values[term] = v;
    updateRangeMark(term);
    if (!m_rows[term].slider->isSliderDown())
        m_lastEditedTerm = -1; // a key press or a click on the groove: a gesture of its own
    emitEdited(term);
}

void LambdaPanel::onSliderAction(int term, int action)
{
    // Arrow keys and the wheel move one step, and near 1.0 several steps round
    // to the same two digits: go on to the next step that changes the value.
    if (action != QAbstractSlider::SliderSingleStepAdd &&
        action != QAbstractSlider::SliderSingleStepSub)
        return;
    QSlider* s = m_rows[term].slider;
    const int dir = action == QAbstractSlider::SliderSingleStepAdd ? 1 : -1;
    const double current = m_values[term];
    int p = s->sliderPosition();
    while (p > 0 && p < kSliderSteps && sliderToValue(p) == current)
        p += dir;
    s->setSliderPosition(p);
}

void LambdaPanel::onTextEdited(int term, const QString& text)
{
    double v = 0.0;
    QString why;
    if (!parseLambda(text, &v, &why)) {
        markField(term, text, why); // the value stays as it was
        return;
    }
    clearFieldMark(term);
    m_values[term] = v; // exactly as typed, also beyond the slider's ends
    {
        // Position the slider, but never write its rounded value back.
        const QSignalBlocker block(m_rows[term].slider);
        m_rows[term].slider->setValue(valueToSlider(v));
    }
    updateRangeMark(term);
    emitEdited(term);
}

void LambdaPanel::markField(int term, const QString& refusedText, const QString& reason)
{
    const QString key = qs(termKey(kAllTerms[term]));
    m_refusal[term] = tr("'%1' %2").arg(refusedText.trimmed(), reason);
    QLineEdit* e = m_rows[term].edit;
    e->setProperty("refused", true);
    e->setStyleSheet(
        QStringLiteral("QLineEdit { border: 1px solid #c0392b; background: #fdecea; }"));
    e->setToolTip(tr("Not applied: %1.\nλ_%2 stays %3.")
                      .arg(m_refusal[term], key, formatLambda(m_values[term])));
    showMessage(
        tr("λ_%1: %2; it stays %3.").arg(key, m_refusal[term], formatLambda(m_values[term])));
}

void LambdaPanel::clearFieldMark(int term)
{
    if (m_refusal[term].isEmpty())
        return;
    m_refusal[term].clear();
    QLineEdit* e = m_rows[term].edit;
    e->setProperty("refused", false);
    e->setStyleSheet(QString());
    updateTooltips();
    showMessage(QString());
}

void LambdaPanel::updateRangeMark(int term)
{
    // A value beyond the slider is kept exactly (a researcher who types 1e9
    // means 1e9); the slider sits at its end in another colour and says so.
    QSlider* s = m_rows[term].slider;
    const double v = m_values[term];
    const bool outside = outsideSliderRange(v);
    if (s->property("outOfRange").toBool() == outside && !outside)
        return;
    s->setProperty("outOfRange", outside);
    if (outside) {
        QPalette pal = s->palette();
        pal.setColor(QPalette::Highlight, QColor(0xd3, 0x54, 0x00));
        s->setPalette(pal);
    } else {
        s->setPalette(QPalette()); // back to the inherited palette
    }
    updateTooltips();
    const QString key = qs(termKey(kAllTerms[term]));
    if (outside)
        showMessage(tr("λ_%1 = %2 is beyond the slider (%3 … %4): kept as typed; the slider "
                       "shows its end.")
                        .arg(key, formatLambda(v), formatLambda(sliderToValue(0)),
                             formatLambda(sliderToValue(kSliderSteps))));
    else if (m_message->text().startsWith(tr("λ_%1 = ").arg(key)))
        showMessage(QString());
}

void LambdaPanel::showMessage(const QString& text)
{
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

QString LambdaPanel::message() const
{
    return m_message->text();
}

void LambdaPanel::onToggled(int term, bool on)
{
    m_enabled[term] = on;
    updateRow(term);
    m_lastEditedTerm = -1;
    emitEdited(term);
}

bool LambdaPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::ShortcutOverride) {
        // Undo/redo belong to the window's history, not to the field's own
        // text history (which would record the undo as a new edit).
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->matches(QKeySequence::Undo) || key->matches(QKeySequence::Redo) ||
            key->keyCombination() == QKeyCombination(Qt::ControlModifier, Qt::Key_Y) ||
            key->keyCombination() == QKeyCombination(Qt::ControlModifier | Qt::ShiftModifier, Qt::Key_Z)) {
            event->ignore();
            return true;
        }
    }
    if (event->type() == QEvent::FocusOut) {
        for (int i = 0; i < kTermCount; ++i) {
            QLineEdit* e = m_rows[i].edit;
            if (watched == e && !parseLambda(e->text(), nullptr)) {
                // Leave no refused text behind; the message still says what was refused.
                const QString msg = m_message->text();
                e->setText(formatLambda(m_values[i]));
                clearFieldMark(i);
                showMessage(msg);
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

void LambdaPanel::updateRow(int i)
{
    Row& r = m_rows[i];
    const bool avail = m_available[i];
    {
        const QSignalBlocker b1(r.enable);
        const QSignalBlocker b2(r.slider);
        r.enable->setChecked(m_enabled[i]);
        r.slider->setValue(valueToSlider(m_values[i]));
    }
    double shown = -1.0;
    if (!parseLambda(r.edit->text(), &shown) || shown != m_values[i]) {
        r.edit->setText(formatLambda(m_values[i]));
        clearFieldMark(i);
    }
    updateRangeMark(i);
    r.enable->setEnabled(avail || (m_enabled[i] && m_values[i] != 0.0));
    r.name->setEnabled(avail && m_enabled[i]);
    r.slider->setEnabled(avail && m_enabled[i]);
    r.edit->setEnabled(avail && m_enabled[i]);
    r.weighted->setEnabled(avail && m_enabled[i]);
    r.share->setEnabled(avail && m_enabled[i]);
}

void LambdaPanel::updateTooltips()
{
    for (Term t : kAllTerms) {
        const int i = index(t);
        QString tip =
            qs(termFormula(t, m_convention)) +
            tr("\n(%1 convention; %2)").arg(qs(conventionName(m_convention)), qs(lambdaKey(t)));
        if (!m_available[i])
            tip += tr("\n\nUnavailable: %1").arg(m_reasons[i]);
        m_rows[i].name->setToolTip(tip);
        const QString rowTip = m_available[i] ? QString() : tr("Unavailable: %1").arg(m_reasons[i]);
        QString sliderTip = rowTip;
        if (outsideSliderRange(m_values[i]))
            sliderTip =
                tr("λ = %1 is beyond the slider's range (%2 … %3); the slider shows its end")
                    .arg(formatLambda(m_values[i]), formatLambda(sliderToValue(0)),
                         formatLambda(sliderToValue(kSliderSteps)));
        m_rows[i].slider->setToolTip(sliderTip);
        if (m_refusal[i].isEmpty())
            m_rows[i].edit->setToolTip(rowTip.isEmpty() ? tr("λ ≥ 0, e.g. 0.001 or 1e-3; kept "
                                                             "exactly as typed")
                                                        : rowTip);
        if (!m_available[i])
            m_rows[i].enable->setToolTip(rowTip);
        else
            m_rows[i].enable->setToolTip(tr("Include %1 in the total").arg(qs(termKey(t))));
    }
}

void LambdaPanel::updateConventionHint()
{
    const QString what =
        m_convention == Convention::Nn4n
            ? tr("nn4n: what nn4n's RNNLoss code computes, the numbers your training printed.")
            : tr("spec: the documented formulas; L_fr, L_fr_sd and L_fr_cv differ from nn4n's "
                 "code.");
    m_convHint->setText(what.toHtmlEscaped() +
                        QStringLiteral(" <a href=\"formulas\">%1</a>").arg(tr("Formulas…")));
}

void LambdaPanel::emitEdited(int term)
{
    if (term != m_lastEditedTerm)
        ++m_editId;
    m_lastEditedTerm = term;
    emit lambdasEdited(lambdas(), m_enabled);
}

} // namespace rnnloss
