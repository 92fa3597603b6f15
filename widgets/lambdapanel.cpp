#include "lambdapanel.h"

#include "chartutil.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QStyle>
#include <QWheelEvent>
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

/// The gradient share's colour: told apart from the loss share above it.
const QString kGradStyle = QStringLiteral("QLabel { color: #2f5f99; }");

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

double LambdaPanel::nextRoundValue(double v, int direction)
{
    const double lowest = sliderToValue(0), highest = sliderToValue(kSliderSteps);
    if (direction > 0 && !(v >= lowest))
        return lowest; // 0 (off) and values below the slider come up to its end
    if (direction > 0 && v >= highest)
        return v;
    if (direction < 0 && v > highest)
        return highest;
    if (direction < 0 && !(v > lowest))
        return v;
    // v = m * 10^(e-1) with 10 <= m < 100: the grid's neighbours are whole m.
    int e = static_cast<int>(std::floor(std::log10(v)));
    auto scaled = [](double x, int e_) {
        const int k = 1 - e_;
        return k >= 0 ? x * exactPow10(k) : x / exactPow10(-k);
    };
    double m = scaled(v, e);
    if (m >= 100.0 - 1e-9) {
        ++e;
        m = scaled(v, e);
    } else if (m < 10.0 - 1e-9) {
        --e;
        m = scaled(v, e);
    }
    double n = direction > 0 ? std::floor(m + 1e-9) + 1.0 : std::ceil(m - 1e-9) - 1.0;
    if (n >= 100.0) {
        n = 10.0;
        ++e;
    } else if (n < 10.0) {
        n = 99.0;
        --e;
    }
    const int k = 1 - e;
    const double out = k >= 0 ? n / exactPow10(k) : n * exactPow10(-k);
    return std::clamp(out, lowest, highest);
}

QString LambdaPanel::formatLambda(double v)
{
    // Six significant digits: every step's value (two digits) and values typed
    // by hand (0.001, 1e-3) print as typed.
    return QString::number(v, 'g', 6);
}

bool LambdaPanel::parseLambda(const QString& text, double* value, QString* error)
{
    // parseLambdaValue refuses a comma by name ("use a point: 0.05, not 0,05"),
    // the same message as the CLI's.
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
        if (c != ColShare) {
            grid->addWidget(h, 0, c, c >= ColWeighted ? Qt::AlignRight : Qt::AlignLeft);
            continue;
        }
        // The share of the loss, and under it the share of a parameter's gradient.
        h->setToolTip(tr("Each term's share of the loss: λ · L over the total"));
        m_gradHeader = new QLabel(QStringLiteral("∇"), this);
        m_gradHeader->setObjectName(QStringLiteral("gradientHeader"));
        f.setPointSizeF(f.pointSizeF() * 0.85);
        m_gradHeader->setFont(f);
        m_gradHeader->setStyleSheet(kGradStyle);
        auto* box = new QVBoxLayout;
        box->setSpacing(0);
        box->addWidget(h, 0, Qt::AlignRight);
        box->addWidget(m_gradHeader, 0, Qt::AlignRight);
        grid->addLayout(box, 0, c);
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
        r.name->setObjectName(QStringLiteral("name_") + qs(termKey(t)));
        r.slider = new QSlider(Qt::Horizontal, this);
        r.slider->setRange(0, kSliderSteps);
        r.slider->setSingleStep(1);
        r.slider->setPageStep(kSliderSteps / 9); // one decade
        // The slider gives way first; 9 decades in 120 px is still coarse, so the
        // wheel steps by the round values and Shift slows a drag down.
        r.slider->setMinimumWidth(120);
        r.slider->installEventFilter(this);
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
        r.weighted->setObjectName(QStringLiteral("weighted_") + qs(termKey(t)));
        r.weighted->setFont(mono);
        r.weighted->setMinimumWidth(readoutWidth);
        r.weighted->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        r.share = new QLabel(this);
        r.share->setObjectName(QStringLiteral("share_") + qs(termKey(t)));
        r.share->setFont(mono);
        r.share->setMinimumWidth(shareWidth);
        r.share->setAlignment(Qt::AlignRight | Qt::AlignVCenter);

        grid->addWidget(r.enable, gridRow, ColEnable);
        if (t == Term::FrCv) {
            // The neuron table has a CV too (of one neuron over time): this one
            // is across neurons, and says so where the name is read.
            r.caption = new QLabel(tr("CV across\nneurons"), this);
            r.caption->setObjectName(QStringLiteral("caption_fr_cv"));
            QFont small = r.caption->font();
            small.setPointSizeF(small.pointSizeF() * 0.85);
            r.caption->setFont(small);
            r.caption->setStyleSheet(QStringLiteral("QLabel { color: #666666; }"));
            auto* nameBox = new QVBoxLayout;
            nameBox->setSpacing(0);
            nameBox->addWidget(r.name);
            nameBox->addWidget(r.caption);
            grid->addLayout(nameBox, gridRow, ColName);
        } else {
            grid->addWidget(r.name, gridRow, ColName);
        }
        grid->addWidget(r.slider, gridRow, ColSlider);
        grid->addWidget(r.edit, gridRow, ColEdit);
        grid->addWidget(r.weighted, gridRow, ColWeighted);
        r.gradShare = new QLabel(this);
        r.gradShare->setObjectName(QStringLiteral("gradShare_") + qs(termKey(t)));
        QFont smallMono = mono;
        smallMono.setPointSizeF(mono.pointSizeF() * 0.85);
        r.gradShare->setFont(smallMono);
        r.gradShare->setStyleSheet(kGradStyle);
        r.gradShare->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        auto* shareBox = new QVBoxLayout;
        shareBox->setSpacing(0);
        shareBox->addWidget(r.share);
        shareBox->addWidget(r.gradShare);
        grid->addLayout(shareBox, gridRow, ColShare);

        connect(r.slider, &QSlider::valueChanged, this,
                [this, i](int pos) { onSliderMoved(i, pos); });
        connect(r.slider, &QSlider::actionTriggered, this,
                [this, i](int action) { onSliderAction(i, action); });
        connect(r.edit, &QLineEdit::textEdited, this,
                [this, i](const QString& text) { onTextEdited(i, text); });
        connect(r.enable, &QCheckBox::toggled, this, [this, i](bool on) { onToggled(i, on); });
        // A drag is one gesture from press to release; so is typing until Enter
        // or leaving the field.
        auto endGesture = [this] {
            m_lastEditedTerm = -1;
            m_typingTerm = -1;
        };
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
    setGradientShares({}, {}, tr("no gradients yet"));
}

void LambdaPanel::setLambdas(const TermArray& values, const Flags& enabled)
{
    bool changed = false;
    for (int i = 0; i < kTermCount; ++i) {
        const double v = std::isfinite(values[i]) && values[i] >= 0.0 ? values[i] : 0.0;
        if (v != m_values[i] || enabled[i] != m_enabled[i]) {
            changed = true;
            // Undo, a reset or a file replaces what was being typed.
            clearFieldMark(i);
            m_rows[i].edit->setText(formatLambda(v));
        }
        m_values[i] = v;
        m_enabled[i] = enabled[i];
        updateRow(i);
    }
    if (changed) {
        m_typingTerm = -1;
        dropRefusalMessage();
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
        const QString key = qs(termKey(t));
        const QString valueText = tr_.value ? QString::number(*tr_.value, 'e', 3) : tr("undefined");
        QString tip = tr("L_%1 = %2\nλ = %3").arg(key, valueText, formatLambda(tr_.lambda));
        if (!tr_.reason.empty())
            tip += QStringLiteral("\n") + QString::fromStdString(tr_.reason);
        bool unweighted = false;
        if (tr_.lambda == 0.0) {
            // The spec leaves a zero-weighted term out of the total. Its own value
            // is still worth seeing (is it worth switching on?): greyed, unweighted.
            unweighted = tr_.value.has_value();
            r.weighted->setText(unweighted ? valueText : QStringLiteral("—"));
            r.share->setText(m_enabled[i] ? QStringLiteral("λ = 0") : tr("off"));
            tip += unweighted ? tr("\nGreyed: the unweighted L_%1; λ = 0, not added to the total")
                                    .arg(key)
                              : tr("\nλ = 0: not added to the total");
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
        if (r.weighted->property("unweighted").toBool() != unweighted) {
            r.weighted->setProperty("unweighted", unweighted);
            r.weighted->setStyleSheet(unweighted ? QStringLiteral("QLabel { color: #8c8c8c; }")
                                                 : QString());
        }
        if (!result.total && !result.totalReason.empty())
            tip += tr("\nTotal undefined: %1").arg(QString::fromStdString(result.totalReason));
        r.weighted->setToolTip(tip);
        r.share->setToolTip(tip);
        updateGradientShare(i); // its tooltip names the loss share too
    }
}

void LambdaPanel::setGradientShares(const Shares& shares, const QString& param, const QString& why)
{
    m_gradShares = shares;
    m_gradParam = param;
    m_gradWhy = why;
    const QString header = param.isEmpty() ? QStringLiteral("∇") : QStringLiteral("∇") + param;
    if (m_gradHeader->text() != header)
        m_gradHeader->setText(header);
    m_gradHeader->setToolTip(
        param.isEmpty()
            ? tr("Each term's share of a parameter's gradient: %1").arg(why)
            : tr("Each term's share of the gradient of %1: λ_k ‖∂L_k/∂%1‖ over the sum of "
                 "them (the parameter the Gradients tab shows)")
                  .arg(param));
    for (int i = 0; i < kTermCount; ++i)
        updateGradientShare(i);
}

void LambdaPanel::updateGradientShare(int i)
{
    Row& r = m_rows[std::size_t(i)];
    QString text = QStringLiteral("—");
    if (!m_gradParam.isEmpty()) {
        if (!m_enabled[std::size_t(i)])
            text = tr("off");
        else if (m_values[std::size_t(i)] == 0.0)
            text = QStringLiteral("λ = 0");
        else if (const auto& s = m_gradShares[std::size_t(i)])
            text = shareText(*s);
    }
    if (r.gradShare->text() != text)
        r.gradShare->setText(text);
    const QString loss = r.share->text();
    QString tip;
    if (m_gradParam.isEmpty())
        tip = tr("No gradient share: %1").arg(m_gradWhy);
    else if (m_gradShares[std::size_t(i)] && text.endsWith(QLatin1Char('%')))
        tip = tr("%1 of loss · %2 of ∇%3")
                  .arg(loss.endsWith('%') ? loss : tr("—"), text, m_gradParam);
    else
        tip =
            tr("%1 of ∇%2: %3")
                .arg(qs(termKey(kAllTerms[std::size_t(i)])), m_gradParam,
                     text == QStringLiteral("—") ? tr("undefined (an enabled term has no gradient)")
                                                 : text);
    r.gradShare->setToolTip(tip);
}

QString LambdaPanel::gradientShareText(Term t) const
{
    return m_rows[std::size_t(index(t))].gradShare->text();
}

QString LambdaPanel::gradientShareTip(Term t) const
{
    return m_rows[std::size_t(index(t))].gradShare->toolTip();
}

QString LambdaPanel::gradientHeader() const
{
    return m_gradHeader->text();
}

void LambdaPanel::onSliderMoved(int term, int pos)
{
    const double v = sliderToValue(pos);
    clearFieldMark(term);
    m_typingTerm = -1;
    m_rows[term].edit->setText(formatLambda(v));
    if (v == m_values[term])
        return; // steps that round to the same value
    m_values[term] = v;
    updateRangeMark(term);
    dropRefusalMessage();
    if (!m_rows[term].slider->isSliderDown())
        m_lastEditedTerm = -1; // a key press or a click on the groove: a gesture of its own
    emitEdited(term);
}

void LambdaPanel::onSliderAction(int term, int action)
{
    // Arrow keys move one step, and near 1.0 several steps round to the same
    // two digits: go on to the next step that changes the value.
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

bool LambdaPanel::sliderEvent(int term, QEvent* event)
{
    QSlider* s = m_rows[term].slider;
    if (event->type() == QEvent::Wheel && s->isEnabled()) {
        // One notch, one round value: 0.05 -> 0.051, whatever the slider's width.
        auto* w = static_cast<QWheelEvent*>(event);
        const QPoint d = w->angleDelta();
        m_wheelDelta[term] += d.y() != 0 ? d.y() : d.x();
        const int notches = m_wheelDelta[term] / QWheelEvent::DefaultDeltasPerStep;
        m_wheelDelta[term] -= notches * QWheelEvent::DefaultDeltasPerStep;
        double v = m_values[term];
        for (int k = 0; k < std::abs(notches); ++k)
            v = nextRoundValue(v, notches);
        if (v != m_values[term]) {
            m_lastEditedTerm = -1; // each notch is an undo step of its own
            applyValue(term, v);
        }
        w->accept();
        return true;
    }
    if (event->type() == QEvent::MouseButtonRelease)
        m_fineAnchor.reset();
    if (event->type() == QEvent::MouseMove && s->isSliderDown()) {
        // Shift during a drag: ten times finer from where Shift was first held,
        // until the button is released (letting go of Shift first does not jump).
        auto* m = static_cast<QMouseEvent*>(event);
        const int x = qRound(m->position().x());
        if (!m_fineAnchor && (m->modifiers() & Qt::ShiftModifier))
            m_fineAnchor = std::pair{x, s->sliderPosition()};
        if (!m_fineAnchor)
            return false;
        const int groove =
            std::max(1, s->width() - s->style()->pixelMetric(QStyle::PM_SliderLength, nullptr, s));
        const double steps = double(x - m_fineAnchor->first) * kSliderSteps / groove;
        s->setSliderPosition(std::clamp(
            m_fineAnchor->second + int(std::lround(steps / kFineDragFactor)), 0, kSliderSteps));
        m->accept();
        return true;
    }
    return false;
}

void LambdaPanel::applyValue(int term, double v)
{
    clearFieldMark(term);
    m_typingTerm = -1;
    m_values[term] = v;
    m_rows[term].edit->setText(formatLambda(v));
    {
        const QSignalBlocker block(m_rows[term].slider);
        m_rows[term].slider->setValue(valueToSlider(v));
    }
    updateRangeMark(term);
    dropRefusalMessage();
    emitEdited(term);
}

void LambdaPanel::onTextEdited(int term, const QString& text)
{
    // Typing is one gesture until Enter or leaving the field. A value applied on
    // the way ("0" of "0,05") is withdrawn as soon as the text stops being a
    // number: a prefix never stays applied.
    if (m_typingTerm != term) {
        m_typingTerm = term;
        m_typingStart = m_values[term];
    }
    double v = 0.0;
    QString why;
    const bool ok = parseLambda(text, &v, &why);
    if (ok) {
        clearFieldMark(term);
        dropRefusalMessage();
    } else {
        v = m_typingStart;
    }
    const bool changed = v != m_values[term];
    if (changed) {
        m_values[term] = v; // exactly as typed, also beyond the slider's ends
        // Position the slider, but never write its rounded value back.
        const QSignalBlocker block(m_rows[term].slider);
        m_rows[term].slider->setValue(valueToSlider(v));
    }
    updateRangeMark(term);
    if (!ok)
        markField(term, text, why); // after the range mark: the refusal is the news
    if (changed)
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
    const QString kept = formatLambda(m_values[term]);
    e->setToolTip(tr("Not applied: %1.\nλ_%2 stays %3.").arg(m_refusal[term], key, kept));
    showMessage(tr("λ_%1: %2; λ_%1 stays %3.").arg(key, m_refusal[term], kept),
                MessageKind::Refusal, term);
}

void LambdaPanel::clearFieldMark(int term, bool keepMessage)
{
    if (m_refusal[term].isEmpty())
        return;
    m_refusal[term].clear();
    QLineEdit* e = m_rows[term].edit;
    e->setProperty("refused", false);
    e->setStyleSheet(QString());
    updateTooltips();
    if (!keepMessage && m_messageKind == MessageKind::Refusal && m_messageTerm == term)
        showMessage(QString());
}

void LambdaPanel::dropRefusalMessage()
{
    // "λ_x stays 0.02" is news until a lambda changes by other means.
    if (m_messageKind == MessageKind::Refusal)
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
                             formatLambda(sliderToValue(kSliderSteps))),
                    MessageKind::Range, term);
    else if (m_messageKind == MessageKind::Range && m_messageTerm == term)
        showMessage(QString());
}

void LambdaPanel::showMessage(const QString& text, MessageKind kind, int term)
{
    m_messageKind = text.isEmpty() ? MessageKind::None : kind;
    m_messageTerm = text.isEmpty() ? -1 : term;
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
    dropRefusalMessage();
    emitEdited(term);
}

bool LambdaPanel::eventFilter(QObject* watched, QEvent* event)
{
    for (int i = 0; i < kTermCount; ++i)
        if (watched == m_rows[i].slider)
            return sliderEvent(i, event) || QWidget::eventFilter(watched, event);
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
            if (watched != e)
                continue;
            if (m_typingTerm == i)
                m_typingTerm = -1;
            if (!parseLambda(e->text(), nullptr)) {
                // Leave no refused text behind; the message still says what was
                // refused and which value stays.
                e->setText(formatLambda(m_values[i]));
                clearFieldMark(i, true);
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
    // A refused text stays while its value is unchanged: the user is fixing it.
    double shown = -1.0;
    const bool parsed = parseLambda(r.edit->text(), &shown);
    if ((parsed && shown != m_values[i]) || (!parsed && m_refusal[i].isEmpty()))
        r.edit->setText(formatLambda(m_values[i]));
    updateRangeMark(i);
    r.enable->setEnabled(avail || (m_enabled[i] && m_values[i] != 0.0));
    r.name->setEnabled(avail && m_enabled[i]);
    if (r.caption)
        r.caption->setEnabled(avail && m_enabled[i]);
    r.slider->setEnabled(avail && m_enabled[i]);
    r.edit->setEnabled(avail && m_enabled[i]);
    r.weighted->setEnabled(avail && m_enabled[i]);
    r.share->setEnabled(avail && m_enabled[i]);
    r.gradShare->setEnabled(avail && m_enabled[i]);
    updateGradientShare(i); // "off" and "λ = 0" follow the row
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
