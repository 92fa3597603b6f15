#pragma once
// The Gradients tab in the window: makes its view (the ninth tab) and its
// GradientController, and keeps them in step with the window: the recording
// shown and its selection go to the controller, its progress, status and
// results to the view, every lambda change to the view (which answers it from
// the Gram matrices, without the controller) and to the lambda panel's
// gradient shares (of the parameter the tab shows). The set's auto-balance
// and History take their gradients and parameter from here too.

#include "gradientcontroller.h"
#include "gradientprefetch.h"

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
    /// Adds the tab to `window`'s tabs; computes through the reader
    /// `readerExe`, starting the pass of a recording opened alone while it
    /// loads (gradientprefetch.h).
    /// The window's lambda panel, models, selection and set must exist.
    GradientBinding(MainWindow& window, const QString& readerExe);

    GradientView* view() const { return m_view; }
    GradientController* controller() const { return m_controller; }
    /// The source of every gradient in the window (the tab's, the History's).
    void setSource(const GradientSource& source);

    /// The pass started at the load (for tests).
    const GradientPrefetch& prefetch() const { return *m_prefetch; }

private:
    void onLoadStarted(const LoadRequest& files);
    void onActiveChanged();
    void onSelectionShown();
    void onLambdasChanged();
    void updatePanelShares();

    MainWindow& m_window;
    QString m_readerExe;
    std::shared_ptr<GradientPrefetch> m_prefetch;
    bool m_readerSource = true; ///< the source is the reader (not a test's): prefetch
    GradientController* m_controller;
    GradientView* m_view;
    RecordingSet* m_recordings;
    SelectionController* m_selection;
    LambdaModel* m_lambdas;
    LambdaPanel* m_panel;
};

} // namespace rnnloss
