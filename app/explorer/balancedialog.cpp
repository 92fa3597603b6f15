#include "balancedialog.h"

#include "gradgram.h"
#include "slice.h"
#include "sweep.h"

#include "chartutil.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

#include <vector>

namespace rnnloss {

namespace {

/// "0:16" for a short list of indices, else "16 of 64" (a list nobody reads).
QString indicesText(const std::vector<std::int64_t>& indices, std::int64_t whole)
{
    const std::string spec = indexSpecText(indices);
    if (spec.size() <= 40)
        return QString::fromStdString(spec);
    return QObject::tr("%1 of %2").arg(indices.size()).arg(whole);
}

} // namespace

QString BalanceDialog::dataDescription(const Summary& s, const QString& fileName)
{
    QStringList parts;
    if (s.slice) {
        const Slice& sl = *s.slice;
        const std::pair<const char*, std::pair<const std::vector<std::int64_t>*, std::int64_t>>
            axes[] = {{"trials", {&sl.trials, sl.whole.batch}},
                      {"steps", {&sl.steps, sl.whole.time}},
                      {"neurons", {&sl.neurons, sl.whole.nHid}}};
        for (const auto& [name, axis] : axes)
            if (std::int64_t(axis.first->size()) != axis.second)
                parts << QStringLiteral("%1 %2").arg(QLatin1String(name),
                                                     indicesText(*axis.first, axis.second));
    }
    if (parts.isEmpty())
        return tr("the whole of %1").arg(fileName);
    return tr("%1 of %2").arg(parts.join(QStringLiteral(", ")), fileName);
}

TermValues BalanceDialog::termValues(const LossResult& loss)
{
    TermValues v;
    v.convention = loss.convention;
    for (Term t : kAllTerms)
        v.terms[std::size_t(index(t))] = {loss[t].available, loss[t].value, loss[t].reason};
    return v;
}

BalanceDialog::BalanceDialog(const TermValues& values, const LambdaState& state,
                             const QString& data, QWidget* parent)
    : QDialog(parent), m_values(values), m_state(state)
{
    setObjectName("balanceDialog");
    setWindowTitle(tr("Auto-balance"));
    m_intro = new QLabel;
    m_intro->setWordWrap(true);
    // The shares are those of this data: with a selection, the whole
    // recording's would come out otherwise.
    m_data = new QLabel(tr("Balances %1, the data the views show.").arg(data));
    m_data->setObjectName("balanceData");
    m_data->setTextFormat(Qt::PlainText);
    m_data->setWordWrap(true);
    auto* grid = new QGridLayout;
    grid->addWidget(new QLabel(tr("<b>term</b>")), 0, 0);
    grid->addWidget(new QLabel(tr("<b>target share</b>")), 0, 1);
    grid->addWidget(new QLabel(tr("<b>λ now</b>")), 0, 2);
    grid->addWidget(new QLabel(tr("<b>λ solved</b>")), 0, 3);
    int row = 1;
    for (Term t : kAllTerms) {
        if (t == Term::Mse)
            continue; // the data term is what the regularisers are balanced against
        Row& r = m_rows[std::size_t(index(t))];
        r.target = new QCheckBox(qs(termKey(t)));
        r.target->setObjectName(QStringLiteral("target_%1").arg(qs(termKey(t))));
        r.percent = new QDoubleSpinBox;
        r.percent->setObjectName(QStringLiteral("share_%1").arg(qs(termKey(t))));
        r.percent->setRange(0.0, 99.9999);
        r.percent->setDecimals(4);
        r.percent->setSuffix(QStringLiteral(" %"));
        r.percent->setValue(5.0);
        r.percent->setEnabled(false);
        r.now = new QLabel(QString::number(state.effective()[std::size_t(index(t))], 'g', 6));
        r.solved = new QLabel(QStringLiteral("—"));
        r.solved->setTextInteractionFlags(Qt::TextSelectableByMouse);
        const bool ok = canTarget(t);
        r.target->setEnabled(ok);
        if (!ok)
            r.target->setToolTip(values[t].available
                                     ? tr("Switched off: enable it in the Lambdas panel first")
                                     : QString::fromStdString(values[t].reason));
        grid->addWidget(r.target, row, 0);
        grid->addWidget(r.percent, row, 1);
        grid->addWidget(r.now, row, 2);
        grid->addWidget(r.solved, row, 3);
        ++row;
        connect(r.target, &QCheckBox::toggled, this, [this, &r](bool on) {
            r.percent->setEnabled(on);
            solve();
        });
        connect(r.percent, &QDoubleSpinBox::valueChanged, this, [this] { solve(); });
    }
    m_message = new QLabel;
    m_message->setObjectName("balanceMessage");
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_total = new QLabel;
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Cancel);
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this,
            &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_intro);
    layout->addLayout(buildBasisRow());
    layout->addWidget(m_data);
    layout->addLayout(grid);
    layout->addWidget(m_total);
    layout->addWidget(m_message);
    layout->addWidget(m_buttons);
    solve();
}

QLayout* BalanceDialog::buildBasisRow()
{
    m_byLoss = new QRadioButton(tr("Shares of the loss"));
    m_byLoss->setObjectName("basisLoss");
    m_byLoss->setChecked(true);
    m_byGradient = new QRadioButton(tr("Shares of the gradient of"));
    m_byGradient->setObjectName("basisGradient");
    m_byGradient->setEnabled(false);
    m_byGradient->setToolTip(tr("No gradients of this data"));
    auto* group = new QButtonGroup(this);
    group->addButton(m_byLoss);
    group->addButton(m_byGradient);
    m_paramBox = new QComboBox;
    m_paramBox->setObjectName("basisParam");
    for (Param p : kAllParams)
        m_paramBox->addItem(qs(paramKey(p)), index(p));
    m_paramBox->setCurrentIndex(index(m_param));
    m_paramBox->setEnabled(false);
    connect(m_byGradient, &QRadioButton::toggled, this,
            [this](bool on) { setBasis(on ? Basis::Gradient : Basis::Loss); });
    connect(m_paramBox, &QComboBox::activated, this,
            [this](int i) { setParam(static_cast<Param>(m_paramBox->itemData(i).toInt())); });
    auto* row = new QHBoxLayout;
    row->addWidget(m_byLoss);
    row->addSpacing(12);
    row->addWidget(m_byGradient);
    row->addWidget(m_paramBox);
    row->addStretch(1);
    return row;
}

void BalanceDialog::setGradients(std::shared_ptr<const GradientResult> gradients, Param param,
                                 const QString& why)
{
    m_gradients = gradients && gradients->ok() ? std::move(gradients) : nullptr;
    m_param = param;
    m_paramBox->setCurrentIndex(index(param));
    m_byGradient->setEnabled(m_gradients != nullptr);
    m_byGradient->setToolTip(m_gradients ? tr("λ_k ‖∂L_k/∂p‖ over the sum of them: the shares "
                                              "the Gradients tab and the lambda panel show")
                                         : tr("No gradients of this data: %1").arg(why));
    if (!m_gradients)
        setBasis(Basis::Loss);
    solve();
}

void BalanceDialog::setBasis(Basis basis)
{
    if (basis == Basis::Gradient && !m_gradients)
        basis = Basis::Loss;
    m_basis = basis;
    const bool byGradient = basis == Basis::Gradient;
    if (m_byGradient->isChecked() != byGradient)
        (byGradient ? m_byGradient : m_byLoss)->setChecked(true); // re-enters once
    m_paramBox->setEnabled(byGradient);
    solve();
}

void BalanceDialog::setParam(Param param)
{
    m_param = param;
    m_paramBox->setCurrentIndex(index(param));
    solve();
}

bool BalanceDialog::canTarget(Term term) const
{
    return term != Term::Mse && m_state.enabled[std::size_t(index(term))] &&
           m_values[term].available;
}

void BalanceDialog::setTarget(Term term, std::optional<double> share)
{
    Row& r = m_rows[std::size_t(index(term))];
    if (!r.target)
        return;
    if (share)
        r.percent->setValue(100.0 * *share);
    r.target->setChecked(share.has_value() && canTarget(term));
    solve();
}

QPushButton* BalanceDialog::applyButton() const
{
    return m_buttons->button(QDialogButtonBox::Apply);
}

void BalanceDialog::solveShares(const std::vector<ShareTarget>& targets)
{
    m_solvedShares = {};
    if (m_basis == Basis::Loss) {
        m_result = balanceShares(m_values, m_state.effective(), targets);
        if (m_result.lambdas)
            m_solvedShares = termShares(evaluate(m_values, *m_result.lambdas));
        return;
    }
    const ParamGram& g = (*m_gradients)[m_param];
    m_result = balanceByGradient(g, m_state.values, m_state.enabled, targets);
    if (!m_result.lambdas)
        return;
    std::array<bool, kTermCount> enabled = m_state.enabled;
    for (const ShareTarget& t : targets)
        enabled[std::size_t(index(t.term))] = true; // applied with its term on
    m_solvedShares = gradShares(g, *m_result.lambdas, enabled);
}

void BalanceDialog::solve()
{
    if (!m_buttons)
        return; // still being built
    const bool byGradient = m_basis == Basis::Gradient;
    m_intro->setText(byGradient ? tr("Choose the share of the gradient of %1 each regulariser "
                                     "should take (λ_k ‖∂L_k/∂%1‖ over the sum of them). Their "
                                     "lambdas are solved with the other lambdas fixed.")
                                      .arg(qs(paramKey(m_param)))
                                : tr("Choose the share of the total each regulariser should "
                                     "take. Their lambdas are solved with the other lambdas "
                                     "fixed."));
    std::vector<ShareTarget> targets;
    for (Term t : kAllTerms) {
        const Row& r = m_rows[std::size_t(index(t))];
        if (r.target && r.target->isChecked())
            targets.push_back({t, r.percent->value() / 100.0});
    }
    m_anyTarget = !targets.empty();
    m_result = {};
    m_solvedShares = {};
    if (m_anyTarget)
        solveShares(targets);
    const bool ok = m_anyTarget && m_result.lambdas.has_value();
    for (Term t : kAllTerms) {
        const Row& r = m_rows[std::size_t(index(t))];
        if (!r.solved)
            continue;
        if (ok && r.target->isChecked()) {
            const auto s = m_solvedShares[std::size_t(index(t))];
            r.solved->setText(
                QStringLiteral("%1  (%2 %)")
                    .arg(QString::number((*m_result.lambdas)[std::size_t(index(t))], 'g', 6))
                    .arg(s ? QString::number(100.0 * *s, 'g', 6) : QStringLiteral("—")));
        } else {
            r.solved->setText(QStringLiteral("—"));
        }
    }
    const QString totalText =
        byGradient ? tr("Sum of the weighted gradient norms ∂/∂%1 after balancing: %2")
                         .arg(qs(paramKey(m_param)))
                   : tr("Total after balancing: %1");
    m_total->setText(ok ? totalText.arg(m_result.total, 0, 'g', 6) : QString());
    m_message->setText(errorText());
    m_message->setStyleSheet(ok ? QString() : QStringLiteral("QLabel { color: #8a1f11; }"));
    applyButton()->setEnabled(ok);
}

QString BalanceDialog::dataText() const
{
    return m_data->text();
}

QString BalanceDialog::errorText() const
{
    if (!m_anyTarget)
        return tr("Choose at least one enabled regulariser and its share.");
    return QString::fromStdString(m_result.error);
}

std::optional<LambdaState> BalanceDialog::solvedState() const
{
    if (!m_anyTarget || !m_result.lambdas)
        return std::nullopt;
    LambdaState s = m_state;
    for (Term t : kAllTerms) {
        const Row& r = m_rows[std::size_t(index(t))];
        if (r.target && r.target->isChecked()) {
            s.values[std::size_t(index(t))] = (*m_result.lambdas)[std::size_t(index(t))];
            s.enabled[std::size_t(index(t))] = true;
        }
    }
    return s;
}

} // namespace rnnloss
