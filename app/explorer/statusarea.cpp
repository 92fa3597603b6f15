#include "statusarea.h"

#include "recordingset.h"

#include <QFileInfo>
#include <QLabel>
#include <QMainWindow>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>

namespace rnnloss {

namespace {

QString fileName(const QString& path)
{
    return QFileInfo(path).fileName();
}

/// "B=32 T=100 N_in=3 N_hid=64 N_out=2"; a dimension no dataset gave is "absent".
QString shapeText(const Summary& s)
{
    auto dim = [](const char* name, std::int64_t n, bool present) {
        return present ? QStringLiteral("%1=%2").arg(QLatin1String(name)).arg(n)
                       : QStringLiteral("%1 absent").arg(QLatin1String(name));
    };
    const Shape& sh = s.shape;
    const bool rec = s.has(Dataset::Outputs) || s.has(Dataset::Targets) || s.hasStates() ||
                     s.has(Dataset::Inputs);
    return QStringList{
        dim("B", sh.batch, rec), dim("T", sh.time, rec),
        dim("N_in", sh.nIn, s.has(Dataset::Inputs) || s.has(Dataset::WeightsIn)),
        dim("N_hid", sh.nHid,
            s.hasStates() || s.has(Dataset::WeightsHid) || s.has(Dataset::WeightsIn) ||
                s.has(Dataset::WeightsOut)),
        dim("N_out", sh.nOut,
            s.has(Dataset::Outputs) || s.has(Dataset::Targets) || s.has(Dataset::WeightsOut))}
        .join(QLatin1Char(' '));
}

/// The status bar's line for a recording: its name, shape, weights file and first warning.
QString recordingStatus(const RecordingEntry& rec)
{
    const Summary& s = *rec.summary;
    QString text = QObject::tr("%1: %2").arg(rec.name(), shapeText(s));
    if (!rec.files.weights.isEmpty())
        text += QObject::tr(", weights from %1").arg(fileName(rec.files.weights));
    if (!s.warnings.empty())
        text += QObject::tr("  — %n warning(s): ", nullptr, int(s.warnings.size())) +
                QString::fromStdString(s.warnings.front());
    return text;
}

} // namespace

StatusArea::StatusArea(QMainWindow* window, RecordingSet* recordings)
    : QObject(window), m_recordings(recordings)
{
    m_banner = new QLabel;
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet("QLabel { background: #fde8e8; color: #8a1f11; padding: 6px; "
                            "border: 1px solid #e0a0a0; }");
    m_banner->hide();

    m_text = new QLabel(tr("No data"));
    // Long file names must not set the window's minimum width.
    m_text->setMinimumWidth(1);
    m_progress = new QProgressBar;
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->hide();
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->hide();
    m_selection = new QLabel(tr("whole recording"));
    m_selection->setObjectName("selectionStatus");
    window->statusBar()->addWidget(m_text, 1);
    window->statusBar()->addPermanentWidget(m_selection);
    window->statusBar()->addPermanentWidget(m_progress);
    window->statusBar()->addPermanentWidget(m_cancel);
    connect(m_cancel, &QPushButton::clicked, m_recordings, &RecordingSet::cancel);
    connect(m_recordings, &RecordingSet::progress, this, &StatusArea::showProgress);
    connect(m_recordings, &RecordingSet::cancelled, this,
            [this](const LoadRequest& r) { showCancelled(r.recording); });
}

void StatusArea::startBatch(const QString& what)
{
    m_batchErrors.clear();
    setLoading(true, what);
}

void StatusArea::setLoading(bool loading, const QString& what)
{
    m_progress->setVisible(loading);
    m_cancel->setVisible(loading);
    m_progress->setValue(0);
    if (loading) {
        m_loading = what;
        m_text->setText(tr("Reading %1…").arg(fileName(what)));
    }
}

void StatusArea::showProgress(double fraction, const QString& stage)
{
    m_progress->setValue(static_cast<int>(fraction * 1000));
    m_text->setText(tr("Reading %1 (%2)…").arg(fileName(m_loading), stage));
}

void StatusArea::showCancelled(const QString& file)
{
    m_text->setText(tr("Loading %1 cancelled; nothing changed").arg(fileName(file)));
}

void StatusArea::loadFailed(const QString& error, bool hasData, const QString& shown)
{
    // Each file of a batch fails on its own: the banner lists every failure.
    m_batchErrors << error;
    showError(m_batchErrors.join(QLatin1Char('\n')));
    m_text->setText(hasData ? tr("Load failed; still showing %1").arg(fileName(shown))
                            : tr("Load failed; no data"));
}

void StatusArea::batchFinished()
{
    setLoading(false);
    if (m_batchErrors.isEmpty()) {
        m_banner->hide();
        m_lastError.clear();
        if (const RecordingEntry* rec = m_recordings->active())
            m_text->setText(recordingStatus(*rec));
    }
}

void StatusArea::showRecording(const RecordingEntry& recording)
{
    if (!m_recordings->isLoading())
        m_text->setText(recordingStatus(recording));
}

void StatusArea::showError(const QString& error)
{
    m_lastError = error;
    m_banner->setText(error);
    m_banner->show();
}

void StatusArea::showSelectionError(const QString& error, bool stale)
{
    showError(
        stale
            ? tr("%1\nFile ▸ Reload (F5) reads it again; the views keep what they show.").arg(error)
            : error);
}

QString StatusArea::text() const
{
    return m_text->text();
}

} // namespace rnnloss
