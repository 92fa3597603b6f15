#pragma once
// The Gradients tab in the window: makes its view (the ninth tab) and its
// GradientController, and keeps them in step with the window: the recording
// shown and its selection go to the controller, its progress, status and
// results to the view, every lambda change to the view (which answers it from
// the Gram matrices, without the controller) and to the lambda panel's
// gradient shares (of the parameter the tab shows). The set's auto-balance
// and History take their gradients and parameter from here too.

#include "gradientcontroller.h"

#include <QObject>
#include <QString>

namespace rnnloss {

class GradientView;
class LambdaModel;
class LambdaPanel;
class MainWindow;
class RecordingSet;
class SelectionController;

class GradientBinding : public QObject
{
    Q_OBJECT
public:
    /// Adds the tab to `window`'s tabs; computes with defaultGradientSource(readerExe).
    /// The window's lambda panel, models, selection and set must exist.
    GradientBinding(MainWindow& window, const QString& readerExe);

    GradientView* view() const { return m_view; }
    GradientController* controller() const { return m_controller; }
    /// The source of every gradient in the window (the tab's, the History's).
    void setSource(const GradientSource& source);

private:
    void onActiveChanged();
    void onSelectionShown();
    void onLambdasChanged();
    void updatePanelShares();

    MainWindow& m_window;
    GradientController* m_controller;
    GradientView* m_view;
    RecordingSet* m_recordings;
    SelectionController* m_selection;
    LambdaModel* m_lambdas;
    LambdaPanel* m_panel;
};

} // namespace rnnloss
