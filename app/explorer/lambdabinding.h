#pragma once
// Keeps the lambda panel and the lambda model in step: an edit in the panel
// is an edit of the model (undoable, merged while one slider is dragged), a
// change of the model shows in the panel and goes to the analysis, and the
// panel's reset buttons set nn4n's defaults or the recording's own lambdas.

#include <QObject>

namespace rnnloss {

class AnalysisController;
class LambdaModel;
class LambdaPanel;

class LambdaBinding : public QObject
{
    Q_OBJECT
public:
    LambdaBinding(LambdaPanel* panel, LambdaModel* model, AnalysisController* analysis,
                  QObject* parent);

private:
    void onPanelEdited();
    void onModelChanged();
    void resetToDefaults();
    void resetToTraining();

    LambdaPanel* m_panel;
    LambdaModel* m_model;
    AnalysisController* m_analysis;
};

} // namespace rnnloss
