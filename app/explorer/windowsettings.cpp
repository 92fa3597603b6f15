#include "windowsettings.h"

#include "lossbreakdownview.h"
#include "mainwindow.h"
#include "pendinglambdas.h"
#include "ratehistogramview.h"

#include <QFileInfo>
#include <QSettings>

#include <cmath>

namespace rnnloss {

WindowSettings::WindowSettings(MainWindow* window, PendingLambdas* pending)
    : m_window(window), m_pending(pending)
{
}

void WindowSettings::save() const
{
    QSettings s;
    s.setValue("window/geometry", m_window->saveGeometry());
    s.setValue("window/state", m_window->saveState());
    s.setValue("files/recent", m_window->recordings()->recentFiles());
    const LossBreakdownView* breakdown = m_window->breakdownView();
    // The axis only when the user picked it; an automatic one stays automatic.
    if (!breakdown->autoLogScale())
        s.setValue("view/logScale", breakdown->logScale());
    s.setValue("view/unweighted", breakdown->showUnweighted());
    s.setValue("view/rateBins", m_window->rateView()->binCount());
    saveLambdas(s);
}

void WindowSettings::saveLambdas(QSettings& s) const
{
    // Lambdas belong to the recording they were tuned on; with none shown
    // (a failed start) the saved ones stay as they were.
    const QString file = m_window->recordingFile();
    if (file.isEmpty())
        return;
    const LambdaState& st = m_window->lambdaModel()->state();
    QVariantList values, enabled;
    for (int i = 0; i < kTermCount; ++i) {
        values << st.values[i];
        enabled << st.enabled[i];
    }
    s.setValue("lambdas/file", QFileInfo(file).absoluteFilePath());
    s.setValue("lambdas/values", values);
    s.setValue("lambdas/enabled", enabled);
    s.setValue("lambdas/convention", QString::fromUtf8(conventionName(st.convention).data()));
}

QString WindowSettings::lastSessionRecording()
{
    return QSettings().value("lambdas/file").toString();
}

void WindowSettings::restore()
{
    QSettings s;
    m_window->restoreGeometry(s.value("window/geometry").toByteArray());
    m_window->restoreState(s.value("window/state").toByteArray());
    m_window->recordings()->setRecentFiles(s.value("files/recent").toStringList());
    LossBreakdownView* breakdown = m_window->breakdownView();
    if (s.contains("view/logScale"))
        breakdown->setLogScale(s.value("view/logScale").toBool());
    breakdown->setShowUnweighted(s.value("view/unweighted", breakdown->showUnweighted()).toBool());
    RateHistogramView* rates = m_window->rateView();
    rates->setBinCount(s.value("view/rateBins", rates->binCount()).toInt());
    restoreLambdas(s);
}

void WindowSettings::restoreLambdas(QSettings& s)
{
    const QVariantList values = s.value("lambdas/values").toList();
    const QVariantList enabled = s.value("lambdas/enabled").toList();
    const QString file = s.value("lambdas/file").toString();
    if (values.size() != kTermCount || enabled.size() != kTermCount || file.isEmpty())
        return;
    LambdaModel* lambdas = m_window->lambdaModel();
    LambdaState st = lambdas->state();
    for (int i = 0; i < kTermCount; ++i) {
        bool ok = false;
        const double v = values[i].toDouble(&ok);
        if (ok && std::isfinite(v) && v >= 0) {
            st.values[i] = v;
            st.enabled[i] = enabled[i].toBool();
        }
    }
    if (auto c = conventionFromName(s.value("lambdas/convention").toString().toStdString()))
        st.convention = *c;
    m_pending->keepFor(file, st);
    lambdas->reset(st);
}

} // namespace rnnloss
