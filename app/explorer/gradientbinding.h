#pragma once
// Keeps the Gradients tab in step with the window: the recording shown and
// its selection go to the GradientController, its progress, status and
// results to the GradientView, and every lambda change to the view (which
// answers it from the Gram matrices, without the controller) and to the
// lambda panel's gradient shares (of the parameter the tab shows); the set's
// auto-balance takes its gradients from here too.

#include <QObject>

namespace rnnloss {

class GradientController;
class GradientView;
class LambdaModel;
class LambdaPanel;
class RecordingSet;
class SelectionController;
class SetController;

class GradientBinding : public QObject
{
    Q_OBJECT
public:
    GradientBinding(GradientView* view, GradientController* controller, RecordingSet* recordings,
                    SelectionController* selection, LambdaModel* lambdas, LambdaPanel* panel,
                    SetController* set, QObject* parent);

private:
    void onActiveChanged();
    void onSelectionShown();
    void onLambdasChanged();
    void updatePanelShares();

    GradientView* m_view;
    GradientController* m_controller;
    RecordingSet* m_recordings;
    SelectionController* m_selection;
    LambdaModel* m_lambdas;
    LambdaPanel* m_panel;
};

} // namespace rnnloss
