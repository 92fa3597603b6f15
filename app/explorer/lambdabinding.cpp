#include "lambdabinding.h"

#include "analysiscontroller.h"
#include "lambdamodel.h"
#include "lambdapanel.h"

namespace rnnloss {

LambdaBinding::LambdaBinding(LambdaPanel* panel, LambdaModel* model, AnalysisController* analysis,
                             QObject* parent)
    : QObject(parent), m_panel(panel), m_model(model), m_analysis(analysis)
{
    connect(m_model, &LambdaModel::changed, this, &LambdaBinding::onModelChanged);
    connect(m_panel, &LambdaPanel::lambdasEdited, this, &LambdaBinding::onPanelEdited);
    connect(m_panel, &LambdaPanel::conventionChanged, this, &LambdaBinding::onPanelEdited);
    connect(m_panel, &LambdaPanel::resetToDefaultsRequested, this, &LambdaBinding::resetToDefaults);
    connect(m_panel, &LambdaPanel::resetToTrainingRequested, this, &LambdaBinding::resetToTraining);
}

void LambdaBinding::onPanelEdited()
{
    LambdaState s;
    s.values = m_panel->rawLambdas();
    s.enabled = m_panel->enabled();
    s.convention = m_panel->convention();
    m_model->edit(s, m_panel->editId());
}

void LambdaBinding::onModelChanged()
{
    const LambdaState& s = m_model->state();
    if (m_panel->rawLambdas() != s.values || m_panel->enabled() != s.enabled)
        m_panel->setLambdas(s.values, s.enabled);
    if (m_panel->convention() != s.convention)
        m_panel->setConvention(s.convention);
    m_analysis->setLambdas(s);
}

void LambdaBinding::resetToDefaults()
{
    const Convention c = m_model->state().convention;
    const auto summary = m_analysis->summary();
    m_model->edit(summary ? nn4nDefaults(c, *summary) : nn4nDefaults(c));
}

void LambdaBinding::resetToTraining()
{
    if (const auto summary = m_analysis->summary())
        m_model->edit(fileLambdas(*summary));
}

} // namespace rnnloss
