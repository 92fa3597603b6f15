#include "gradientbinding.h"

#include "chartutil.h"
#include "gradgram.h"
#include "gradientcontroller.h"
#include "gradientview.h"
#include "lambdamodel.h"
#include "lambdapanel.h"
#include "mainwindow.h"
#include "recordingset.h"
#include "selectioncontroller.h"
#include "setcontroller.h"

#include <QTabWidget>

namespace rnnloss {

GradientBinding::GradientBinding(MainWindow& window, const QString& readerExe)
    : QObject(&window), m_window(window), m_readerExe(readerExe),
      m_prefetch(std::make_shared<GradientPrefetch>()),
      m_controller(new GradientController(readerGradientSource(readerExe, m_prefetch), this)),
      m_view(new GradientView), m_recordings(window.recordings()), m_selection(window.selection()),
      m_lambdas(window.lambdaModel()), m_panel(window.lambdaPanel())
{
    window.tabs()->addTab(m_view, tr("Gradients"));
    connect(&window, &MainWindow::loadStarted, this, &GradientBinding::onLoadStarted);
    // A load that fails shows nothing new: its pass is not wanted.
    connect(m_recordings, &RecordingSet::failed, this, [this] { m_prefetch->drop(); });
    connect(m_recordings, &RecordingSet::activeChanged, this, &GradientBinding::onActiveChanged);
    connect(m_selection, &SelectionController::selectionShown, this,
            &GradientBinding::onSelectionShown);
    connect(m_lambdas, &LambdaModel::changed, this, &GradientBinding::onLambdasChanged);
    connect(m_controller, &GradientController::statusChanged, m_view, &GradientView::setStatus);
    connect(m_controller, &GradientController::busyChanged, m_view, &GradientView::setComputing);
    connect(m_controller, &GradientController::cleared, this, [this](const QString& why) {
        m_view->clearResult(why);
        updatePanelShares();
    });
    connect(m_controller, &GradientController::resultReady, this,
            [this](const std::shared_ptr<const GradientResult>& r) {
                m_view->setResult(*r);
                updatePanelShares();
            });
    connect(m_view, &GradientView::paramChanged, this, &GradientBinding::updatePanelShares);
    connect(m_view, &GradientView::cancelRequested, m_controller, &GradientController::cancel);
    connect(m_view, &GradientView::computeRequested, m_controller, &GradientController::recompute);
    SetController* set = window.recordingSet();
    set->setShownGradients(m_controller, m_view);
    set->setGradientSource(m_controller->source());
    connect(m_view, &GradientView::paramChanged, set, &SetController::setGradientParam);
    m_view->setStatus(m_controller->status());
    onLambdasChanged();
}

void GradientBinding::setSource(const GradientSource& source)
{
    m_readerSource = false;
    m_prefetch->drop();
    m_controller->setSource(source);
    m_window.recordingSet()->setGradientSource(source); // the History's, per recording
}

void GradientBinding::onLoadStarted(const LoadRequest& files)
{
    // What onActiveChanged() will ask for when the load has finished: the
    // whole recording (a fresh load shows all of it) in the panel's
    // convention. Anything else asked for then cancels this.
    if (m_readerSource && !files.recording.isEmpty())
        m_prefetch->start(gradientReaderJob(m_readerExe, files, nullptr, std::nullopt,
                                            m_lambdas->state().convention));
}

void GradientBinding::onActiveChanged()
{
    const RecordingEntry* rec = m_recordings->active();
    if (!rec) {
        m_controller->clear(tr("No recording"));
        return;
    }
    if (rec->generation == m_controller->generation())
        return;
    m_controller->setRecording(rec->files, rec->summary, rec->generation,
                               m_lambdas->state().convention, m_selection->slice());
}

void GradientBinding::onSelectionShown()
{
    // The views show this selection now (of the active recording).
    const RecordingEntry* rec = m_recordings->active();
    if (rec && rec->generation == m_controller->generation())
        m_controller->setSlice(m_selection->slice());
}

void GradientBinding::onLambdasChanged()
{
    const LambdaState& s = m_lambdas->state();
    m_view->setLambdas(s.values, s.enabled);
    updatePanelShares();
    m_controller->setConvention(s.convention);
}

void GradientBinding::updatePanelShares()
{
    const std::optional<GradientResult>& r = m_view->result();
    if (!r) {
        m_panel->setGradientShares({}, {}, m_controller->status());
        return;
    }
    const LambdaState& s = m_lambdas->state();
    const Param p = m_view->param();
    m_panel->setGradientShares(gradShares((*r)[p], s.values, s.enabled), qs(paramKey(p)));
}

} // namespace rnnloss
