#include "gradientview.h"

#include "chartutil.h"
#include "conflictmatrixview.h"
#include "gradgram.h"
#include "gradientbarsview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

namespace rnnloss {

namespace {

bool isBias(Param p)
{
    return p == Param::BIn || p == Param::BHid || p == Param::BOut;
}

QString termName(Term t)
{
    return QStringLiteral("L_") + qs(termKey(t));
}

/// Why cos(g_k, g_l) has no value: a term without a gradient, or one of 0.
QString undefinedNote(const ParamGram& g, Term k, Term l)
{
    for (Term t : {k, l}) {
        if (!g.defined[std::size_t(index(t))])
            return QObject::tr("%1 has no gradient: %2")
                .arg(termName(t), QString::fromStdString(g.reason[std::size_t(index(t))]));
    }
    for (Term t : {k, l})
        if (gradNorm(g, t).value_or(0.0) == 0.0)
            return QObject::tr("The gradient of %1 with respect to %2 is 0: no direction")
                .arg(termName(t), qs(paramKey(g.param)));
    return {};
}

} // namespace

GradientView::GradientView(QWidget* parent) : QWidget(parent)
{
    m_paramBox = new QComboBox;
    m_paramBox->setToolTip(tr("The parameter whose gradient the bars and the matrix show"));
    m_biases = new QCheckBox(tr("Biases"));
    m_biases->setToolTip(tr("Offer the biases b_in, b_hid and b_out too"));
    m_status = new QLabel;
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_button = new QPushButton(tr("Compute"));
    m_warning = new QLabel;
    m_warning->setWordWrap(true);
    m_warning->setStyleSheet(QStringLiteral("QLabel { background: #fff4e0; color: #7a4a00; "
                                            "border: 1px solid #e0b060; padding: 3px; }"));
    m_warning->hide();
    m_bars = new GradientBarsView;
    m_matrix = new ConflictMatrixView;

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Parameter:")));
    top->addWidget(m_paramBox);
    top->addWidget(m_biases);
    top->addSpacing(12);
    top->addWidget(m_status, 1);
    top->addWidget(m_button);
    m_split = new QSplitter(Qt::Horizontal);
    m_split->addWidget(m_bars);
    m_split->addWidget(m_matrix);
    m_split->setStretchFactor(0, 1);
    m_split->setStretchFactor(1, 1);
    m_split->setSizes({480, 520});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(m_warning);
    layout->addWidget(m_split, 1);

    fillParamBox();
    connect(m_paramBox, &QComboBox::activated, this,
            [this](int i) { setParam(static_cast<Param>(m_paramBox->itemData(i).toInt())); });
    connect(m_biases, &QCheckBox::toggled, this, &GradientView::applyBiases);
    connect(m_button, &QPushButton::clicked, this, [this] {
        if (m_computing)
            emit cancelRequested();
        else
            emit computeRequested();
    });
    m_enabled.fill(false);
    clearResult(tr("No recording"));
}

void GradientView::fillParamBox()
{
    const bool biases = m_biases->isChecked();
    m_paramBox->clear();
    for (Param p : kAllParams)
        if (biases || !isBias(p))
            m_paramBox->addItem(qs(paramKey(p)), index(p));
    m_paramBox->setCurrentIndex(m_paramBox->findData(index(m_param)));
}

bool GradientView::showBiases() const
{
    return m_biases->isChecked();
}

void GradientView::setShowBiases(bool on)
{
    m_biases->setChecked(on); // applyBiases() through toggled when it changes
}

void GradientView::applyBiases(bool on)
{
    fillParamBox();
    // Without the biases a bias cannot stay shown: its weight matrix is shown instead.
    if (!on && isBias(m_param))
        setParam(m_param == Param::BIn    ? Param::WIn
                 : m_param == Param::BHid ? Param::WHid
                                          : Param::WOut);
}

void GradientView::setParam(Param p)
{
    if (isBias(p) && !showBiases())
        setShowBiases(true);
    m_paramBox->setCurrentIndex(m_paramBox->findData(index(p)));
    if (p == m_param)
        return;
    m_param = p;
    showParam();
    emit paramChanged(p);
}

void GradientView::setResult(const GradientResult& result)
{
    if (!result.ok()) {
        clearResult(result.cancelled ? tr("Cancelled") : QString::fromStdString(result.error));
        return;
    }
    m_result = result;
    m_why.clear();
    QStringList warnings;
    for (const std::string& w : result.warnings)
        warnings << QString::fromStdString(w);
    m_warning->setText(warnings.join(QLatin1Char('\n')));
    m_warning->setVisible(!warnings.isEmpty());
    showParam();
}

void GradientView::clearResult(const QString& why)
{
    m_result.reset();
    m_why = why;
    m_warning->clear();
    m_warning->hide();
    showParam();
}

QString GradientView::warningText() const
{
    return m_warning->text();
}

void GradientView::setLambdas(const TermArray& lambdas, const std::array<bool, kTermCount>& enabled)
{
    m_lambdas = lambdas;
    m_enabled = enabled;
    m_bars->setLambdas(lambdas, enabled);
    updateFaded();
}

void GradientView::setStatus(const QString& text)
{
    if (m_status->text() != text)
        m_status->setText(text);
}

QString GradientView::status() const
{
    return m_status->text();
}

void GradientView::setComputing(bool on)
{
    m_computing = on;
    m_button->setText(on ? tr("Cancel") : tr("Compute"));
    m_button->setToolTip(on ? tr("Stop computing the gradients")
                            : tr("Compute the gradients of the data shown again"));
}

void GradientView::showParam()
{
    if (!m_result) {
        m_bars->setGram(std::nullopt, kDefaultConvention, m_why);
        m_matrix->setMatrix({}, {}, {});
        m_matrix->setTitle(tr("Conflicts"));
        m_matrix->setEmptyText(m_why);
        return;
    }
    m_bars->setGram((*m_result)[m_param], m_result->convention);
    showMatrix();
}

void GradientView::showMatrix()
{
    const ParamGram& g = (*m_result)[m_param];
    QStringList labels;
    std::vector<std::optional<double>> values;
    std::vector<QString> notes;
    for (Term k : kAllTerms) {
        labels << qs(termKey(k));
        for (Term l : kAllTerms) {
            values.push_back(cosine(g, k, l));
            notes.push_back(values.back() ? QString() : undefinedNote(g, k, l));
        }
    }
    m_matrix->setMatrix(labels, values, notes);
    m_matrix->setTitle(tr("Conflicts: cos(∇L_k, ∇L_l), ∂/∂%1").arg(qs(paramKey(m_param))));
    updateFaded();
}

void GradientView::updateFaded()
{
    std::vector<bool> faded;
    for (int k = 0; k < kTermCount; ++k)
        faded.push_back(!m_enabled[std::size_t(k)] || m_lambdas[std::size_t(k)] == 0.0);
    m_matrix->setFaded(faded);
}

QList<ExportableChart> GradientView::exportableCharts() const
{
    return m_bars->exportableCharts() +
           QList<ExportableChart>{{QStringLiteral("gradient-conflicts"),
                                   tr("Gradient conflicts (cosines)"), m_matrix, nullptr}};
}

} // namespace rnnloss
