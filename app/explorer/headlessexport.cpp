#include "headlessexport.h"

#include "mainwindow.h"
#include "neuronexports.h"
#include "recordingfiles.h"
#include "slice.h"

#include <QFile>
#include <QFileInfo>
#include <QTabWidget>
#include <QTimer>

#include <algorithm>
#include <cstdio>

namespace rnnloss {

HeadlessExport::HeadlessExport(MainWindow& window, QStringList recordings, LossOptions options,
                               QString dir, QStringList formats, QObject* parent)
    : QObject(parent), m_window(window), m_recordings(std::move(recordings)),
      m_options(std::move(options)), m_dir(std::move(dir)), m_formats(std::move(formats))
{
    connect(&m_window, &MainWindow::loadFinished, this, &HeadlessExport::onLoadFinished);
    connect(&m_window, &MainWindow::resultShown, this, &HeadlessExport::onResultShown);
    // The gradients come on their own thread: the charts wait for them too.
    connect(m_window.gradients(), &GradientController::busyChanged, this, [this](bool busy) {
        if (!busy)
            onResultShown();
    });
    // The set's population measures are computed on a worker for the scatter
    // (and the History's metric) whatever tab is shown; the files wait for them.
    m_window.setMetrics()->setExporting(true);
    connect(m_window.setMetrics(), &SetMetricsBinding::updated, this,
            &HeadlessExport::onSetUpdated);
}

void HeadlessExport::start()
{
    next();
}

void HeadlessExport::next()
{
    if (++m_current >= m_recordings.size()) {
        emit finished(m_exitCode);
        return;
    }
    m_waitingForResult = false;
    m_waitingForSet = false;
    m_neuronChosen = false;
    m_window.setCommandLine(m_options); // the same lambdas for every recording
    m_window.reapplyCommandLineSelection(); // and the same selection
    const QString path = m_recordings[m_current];
    if (!QFileInfo(path).isDir()) {
        m_window.openFiles(path, QString::fromStdString(m_options.weights));
        return;
    }
    // A folder is one set: the recordings under it, at once.
    const FolderFiles found = expandFolders({QFile::encodeName(path).toStdString()});
    if (found.files.empty()) {
        std::fprintf(stderr,
                     "error: %s: no recording (*.h5, *.hdf5) or summary file (*.rnnsum) under it\n",
                     qPrintable(path));
        m_exitCode = 2;
        QTimer::singleShot(0, this, &HeadlessExport::next);
        return;
    }
    m_window.recordings()->clear();
    m_window.addRecordings({path});
}

void HeadlessExport::onLoadFinished(bool ok)
{
    if (!ok) {
        std::fprintf(stderr, "error: %s\n", qPrintable(m_window.lastError()));
        m_exitCode = 2;
        QTimer::singleShot(0, this,
                           &HeadlessExport::next); // after the loader has finished reporting
        return;
    }
    m_waitingForResult = true;
    // A set's first recording may have been computed before its last one loaded.
    onResultShown();
}

void HeadlessExport::onResultShown()
{
    const ComputeResult* r = m_window.lastResult();
    if (m_waitingForResult && !m_window.selectionError().isEmpty()) {
        // The selection asked for does not fit this recording: nothing written.
        std::fprintf(stderr, "error: %s\n", qPrintable(m_window.selectionError()));
        m_exitCode = 2;
        m_waitingForResult = false;
        QTimer::singleShot(0, this, &HeadlessExport::next);
        return;
    }
    if (!m_waitingForResult || !r || r->sequence != m_window.worker()->requestsSubmitted() ||
        !m_window.selectionSettled() || m_window.gradients()->busy())
        return; // a newer request (the selection's slice, the gradients) is on its way
    if (!m_neuronChosen) {
        m_neuronChosen = true;
        const int before = r->neuron;
        if (!chooseNeuron(*r)) {
            m_exitCode = 2;
            m_waitingForResult = false;
            QTimer::singleShot(0, this, &HeadlessExport::next);
            return;
        }
        if (m_window.analysis()->neuron() != before)
            return; // its PSTH and histogram are on their way
    }
    m_waitingForResult = false;
    m_waitingForSet = true;
    onSetUpdated();
}

void HeadlessExport::onSetUpdated()
{
    if (!m_waitingForSet || !m_window.setMetrics()->complete())
        return;
    m_waitingForSet = false;
    // Each tab is shown once, in its own turn of the event loop, so that its
    // charts are laid out before they are drawn.
    showTab(0);
}

bool HeadlessExport::chooseNeuron(const ComputeResult& r)
{
    if (!r.stats || r.stats->mean.empty())
        return true; // no neurons: nothing to choose
    if (!m_neuron) {
        // A silent neuron would be exported as a flat line: the most active one instead.
        m_window.selectNeuron(mostActiveNeuron(*r.stats));
        return true;
    }
    const Summary& s = *r.summary;
    const std::vector<std::int64_t> ids =
        s.slice ? s.slice->neurons : wholeSlice(s.recordingShape()).neurons;
    const auto it = std::find(ids.begin(), ids.end(), std::int64_t(*m_neuron));
    if (it == ids.end()) {
        std::fprintf(stderr, "error: %s: --neuron %d: not among the %zu neurons shown (N_hid = %lld%s)\n",
                     qPrintable(m_recordings[m_current]), *m_neuron, ids.size(),
                     static_cast<long long>(s.recordingShape().nHid),
                     s.slice ? ", with the selection" : "");
        return false;
    }
    m_window.selectNeuron(int(it - ids.begin()));
    return true;
}

void HeadlessExport::showTab(int tab)
{
    if (tab >= m_window.tabs()->count()) {
        QTimer::singleShot(0, this, &HeadlessExport::writeAll);
        return;
    }
    m_window.setTabIndexForScreenshot(tab);
    QTimer::singleShot(0, this, [this, tab] { showTab(tab + 1); });
}

void HeadlessExport::writeAll()
{
    int written = 0;
    for (const ExportOutcome& o : m_window.exporter()->exportAll(m_dir, m_formats)) {
        if (o.ok()) {
            ++written;
            continue;
        }
        std::fprintf(stderr, "error: %s\n", qPrintable(o.error));
        if (m_exitCode == 0)
            m_exitCode = 1;
    }
    std::fprintf(stderr, "%s: %d files written to %s\n", qPrintable(m_recordings[m_current]),
                 written, qPrintable(m_dir));
    next();
}

} // namespace rnnloss
