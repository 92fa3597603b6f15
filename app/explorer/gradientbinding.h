#pragma once
// Keeps the Gradients tab in step with the window: the recording shown and
// its selection go to the GradientController, its progress, status and
// results to the GradientView, and every lambda change to the view (which
// answers it from the Gram matrices, without the controller).

#include <QObject>

namespace rnnloss {

class GradientController;
class GradientView;
class LambdaModel;
class RecordingSet;
class SelectionController;

class GradientBinding : public QObject
{
    Q_OBJECT
public:
    GradientBinding(GradientView* view, GradientController* controller, RecordingSet* recordings,
                    SelectionController* selection, LambdaModel* lambdas, QObject* parent);

private:
    void onActiveChanged();
    void onSelectionShown();
    void onLambdasChanged();

    GradientView* m_view;
    GradientController* m_controller;
    RecordingSet* m_recordings;
    SelectionController* m_selection;
    LambdaModel* m_lambdas;
};

} // namespace rnnloss
