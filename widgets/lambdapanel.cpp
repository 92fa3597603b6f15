#include "lambdapanel.h"

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
#include <QRegularExpressionValidator>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace rnnloss {

namespace {

QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

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

double LambdaPanel::sliderToValue(int pos)
{
    pos = std::clamp(pos, 0, kSliderSteps);
    return std::pow(10.0, kMinExp + (kMaxExp - kMinExp) * pos / kSliderSteps);
}

int LambdaPanel::valueToSlider(double v)
{
    if (!(v > 0.0))
        return 0;
    if (std::isinf(v))
        return kSliderSteps;
    const double pos = (std::log10(v) - kMinExp) / (kMaxExp - kMinExp) * kSliderSteps;
    return static_cast<int>(std::clamp(std::lround(pos), 0L, static_cast<long>(kSliderSteps)));
}

QString LambdaPanel::formatLambda(double v)
{
    // Six significant digits: steps are 2.3 % apart, so this reads back to the
    // same step, and values typed by hand (0.001, 1e-3) print as typed.
    return QString::number(v, 'g', 6);
}

bool LambdaPanel::parseLambda(const QString& text, double* value)
{
    bool ok = false;
    const double v = QLocale::c().toDouble(text.trimmed(), &ok);
    if (!ok || !std::isfinite(v) || v < 0.0)
        return false;
    if (value)
        *value = v;
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
    const int readoutWidth =
        QFontMetrics(mono).horizontalAdvance(QStringLiteral("-8.888e-888")) + 4;
    const int shareWidth = QFontMetrics(mono).horizontalAdvance(QStringLiteral("< 0.1 %")) + 4;
    // Digits, optional fraction, optional exponent; nothing negative.
    const QRegularExpression number(
        QStringLiteral(R"(\s*(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?\s*)"));

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
        r.slider->setMinimumWidth(160);
        r.slider->setTracking(true);
        r.edit = new QLineEdit(this);
        r.edit->setValidator(new QRegularExpressionValidator(number, r.edit));
        r.edit->setFont(mono);
        r.edit->setMaximumWidth(readoutWidth + 16);
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
    outer->addStretch(1);

    connect(m_resetDefaults, &QPushButton::clicked, this, &LambdaPanel::resetToDefaultsRequested);
    connect(m_resetTraining, &QPushButton::clicked, this, &LambdaPanel::resetToTrainingRequested);
    connect(m_convCombo, &QComboBox::currentIndexChanged, this, [this](int idx) {
        m_convention = static_cast<Convention>(m_convCombo->itemData(idx).toInt());
        updateTooltips();
        ++m_editId;
        m_lastEditedTerm = -1;
        emit conventionChanged(m_convention);
    });

    for (int i = 0; i < kTermCount; ++i)
        updateRow(i);
    updateTooltips();
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
    // The field shows six digits; keep the value equal to what it shows.
    const QString text = formatLambda(sliderToValue(pos));
    double v = sliderToValue(pos);
    parseLambda(text, &v);
    m_values[term] = v;
    m_rows[term].edit->setText(text);
    if (!m_rows[term].slider->isSliderDown())
        m_lastEditedTerm = -1; // a key press or a click on the groove: a gesture of its own
    emitEdited(term);
}

void LambdaPanel::onTextEdited(int term, const QString& text)
{
    double v = 0.0;
    if (!parseLambda(text, &v))
        return; // intermediate input ("1e-"): wait for more
    m_values[term] = v;
    {
        // Position the slider, but never write its quantized value back.
        const QSignalBlocker block(m_rows[term].slider);
        m_rows[term].slider->setValue(valueToSlider(v));
    }
    emitEdited(term);
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
            if (watched == e && !parseLambda(e->text(), nullptr))
                e->setText(formatLambda(m_values[i])); // leave no half-typed number behind
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
    if (!parseLambda(r.edit->text(), &shown) || shown != m_values[i])
        r.edit->setText(formatLambda(m_values[i]));
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
        m_rows[i].slider->setToolTip(rowTip);
        m_rows[i].edit->setToolTip(rowTip.isEmpty() ? tr("λ ≥ 0, e.g. 0.001 or 1e-3") : rowTip);
        if (!m_available[i])
            m_rows[i].enable->setToolTip(rowTip);
        else
            m_rows[i].enable->setToolTip(tr("Include %1 in the total").arg(qs(termKey(t))));
    }
}

void LambdaPanel::emitEdited(int term)
{
    if (term != m_lastEditedTerm)
        ++m_editId;
    m_lastEditedTerm = term;
    emit lambdasEdited(lambdas(), m_enabled);
}

} // namespace rnnloss
