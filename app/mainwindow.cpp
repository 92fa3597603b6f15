#include "mainwindow.h"

#include "chartexport.h"
#include "lambdapanel.h"
#include "lossbreakdownview.h"
#include "neurondetailview.h"
#include "neurontable.h"
#include "ratehistogramview.h"
#include "report.h"
#include "weightsview.h"

#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QUndoStack>
#include <QVBoxLayout>

namespace rnnloss {

TermArray LambdaState::effective() const
{
    TermArray e{};
    for (int i = 0; i < kTermCount; ++i)
        e[i] = enabled[i] ? values[i] : 0.0;
    return e;
}

namespace {

constexpr int kMaxRecent = 8;

/// One lambda edit. Consecutive edits of the same rows within a short time
/// (one slider drag, typing in a field) merge into one undo step.
class LambdaCommand : public QUndoCommand
{
public:
    LambdaCommand(std::function<void(const LambdaState&)> apply, LambdaState before,
                  LambdaState after)
        : m_apply(std::move(apply)), m_before(before), m_after(after),
          m_time(QDateTime::currentMSecsSinceEpoch())
    {
        setText(QObject::tr("lambda change"));
    }
    void undo() override { m_apply(m_before); }
    void redo() override { m_apply(m_after); }
    int id() const override { return 1; }
    bool mergeWith(const QUndoCommand* other) override
    {
        const auto* o = static_cast<const LambdaCommand*>(other);
        if (o->m_time - m_time > 600 || changed(m_before, m_after) != changed(o->m_before, o->m_after))
            return false;
        m_after = o->m_after;
        m_time = o->m_time;
        return true;
    }

private:
    static std::array<bool, kTermCount + 1> changed(const LambdaState& a, const LambdaState& b)
    {
        std::array<bool, kTermCount + 1> c{};
        for (int i = 0; i < kTermCount; ++i)
            c[i] = a.values[i] != b.values[i] || a.enabled[i] != b.enabled[i];
        c[kTermCount] = a.convention != b.convention;
        return c;
    }
    std::function<void(const LambdaState&)> m_apply;
    LambdaState m_before, m_after;
    qint64 m_time;
};

QString errorPrefix(const QString& path)
{
    return QFileInfo(path).fileName();
}

} // namespace

MainWindow::MainWindow(const QString& readerExe, QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(tr("RNNLoss Explorer"));
    setAcceptDrops(true);
    m_undo = new QUndoStack(this);

    // Views
    m_lambdaPanel = new LambdaPanel;
    auto* dock = new QDockWidget(tr("Lambdas"), this);
    dock->setObjectName("lambdaDock");
    dock->setWidget(m_lambdaPanel);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    m_breakdown = new LossBreakdownView;
    m_rates = new RateHistogramView;
    m_table = new NeuronTableView;
    m_detail = new NeuronDetailView;
    m_weights = new WeightsView;
    auto* neurons = new QSplitter(Qt::Horizontal);
    neurons->setObjectName("neuronSplitter");
    neurons->addWidget(m_table);
    neurons->addWidget(m_detail);
    neurons->setStretchFactor(0, 1);
    neurons->setStretchFactor(1, 1);
    neurons->setSizes({560, 440});
    m_tabs = new QTabWidget;
    m_tabs->addTab(m_breakdown, tr("Loss breakdown"));
    m_tabs->addTab(m_rates, tr("Firing rates"));
    m_tabs->addTab(neurons, tr("Neurons"));
    m_tabs->addTab(m_weights, tr("Weights"));
    for (QWidget* w : {static_cast<QWidget*>(m_breakdown), static_cast<QWidget*>(m_rates),
                       static_cast<QWidget*>(m_detail), static_cast<QWidget*>(m_weights)})
        installExportMenu(w);

    m_errorBanner = new QLabel;
    m_errorBanner->setWordWrap(true);
    m_errorBanner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorBanner->setStyleSheet("QLabel { background: #fde8e8; color: #8a1f11; padding: 6px; "
                                 "border: 1px solid #e0a0a0; }");
    m_errorBanner->hide();
    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_errorBanner);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    m_statusText = new QLabel(tr("No data"));
    m_progress = new QProgressBar;
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->hide();
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->hide();
    statusBar()->addWidget(m_statusText, 1);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);

    // The reader process and the compute thread
    m_loader = new LoadController(readerExe, this);
    m_worker = new ComputeWorker;
    m_worker->moveToThread(&m_computeThread);
    connect(&m_computeThread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_computeThread.setObjectName("compute");
    m_computeThread.start();

    connect(m_loader, &LoadController::progress, this, [this](double f, const QString& stage) {
        m_progress->setValue(static_cast<int>(f * 1000));
        m_statusText->setText(tr("Reading %1 (%2)…").arg(errorPrefix(m_loader->isLoading() ? m_statusText->property("file").toString() : QString()), stage));
    });
    connect(m_loader, &LoadController::loaded, this, &MainWindow::onLoaded);
    connect(m_loader, &LoadController::failed, this, &MainWindow::onLoadFailed);
    connect(m_loader, &LoadController::cancelled, this, [this](const LoadRequest& r) {
        setLoading(false);
        m_statusText->setText(tr("Loading %1 cancelled; nothing changed").arg(errorPrefix(r.recording)));
        emit loadFinished(false);
    });
    connect(m_cancel, &QPushButton::clicked, m_loader, &LoadController::cancel);
    connect(m_worker, &ComputeWorker::resultReady, this, &MainWindow::onResult);

    connect(m_lambdaPanel, &LambdaPanel::lambdasEdited, this, &MainWindow::onPanelEdited);
    connect(m_lambdaPanel, &LambdaPanel::conventionChanged, this, &MainWindow::onPanelEdited);
    connect(m_lambdaPanel, &LambdaPanel::resetToDefaultsRequested, this, [this] {
        LambdaState s = m_state;
        s.values.fill(0.0);
        s.enabled.fill(false);
        applyState(s);
    });
    connect(m_lambdaPanel, &LambdaPanel::resetToTrainingRequested, this, [this] {
        if (!m_summary)
            return;
        LambdaState s = m_state;
        s.values = initialLambdas(*m_summary);
        for (int i = 0; i < kTermCount; ++i)
            s.enabled[i] = s.values[i] != 0.0;
        applyState(s);
    });
    connect(m_table, &NeuronTableView::neuronSelected, this, &MainWindow::selectNeuron);
    connect(m_table, &NeuronTableView::selectionChanged, m_rates,
            &RateHistogramView::setHighlightedNeurons);
    connect(m_rates, &RateHistogramView::binClicked, this, [this](const QVector<int>& n) {
        m_table->selectNeurons(n);
        m_rates->setHighlightedNeurons(n);
        if (!n.isEmpty())
            selectNeuron(n.front());
    });

    buildMenus();
    m_lambdaPanel->setTrainingLambdasAvailable(false);
    resize(1280, 800);
}

MainWindow::~MainWindow()
{
    m_computeThread.quit();
    m_computeThread.wait();
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open recording…"), QKeySequence::Open, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Open recording"), {},
                                                       tr("HDF5 recordings (*.h5 *.hdf5);;All files (*)"));
        if (!f.isEmpty())
            openFiles(f);
    });
    file->addAction(tr("Open &weights…"), this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Open weights"), {},
                                                       tr("HDF5 files (*.h5 *.hdf5);;All files (*)"));
        if (!f.isEmpty())
            openFiles(m_files.recording, f);
    });
    m_recentMenu = file->addMenu(tr("Open &recent"));
    file->addSeparator();
    QMenu* exp = file->addMenu(tr("&Export"));
    for (const QString& fmt : {QStringLiteral("PNG"), QStringLiteral("SVG"), QStringLiteral("PDF")}) {
        exp->addAction(tr("Current chart as %1…").arg(fmt), this, [this, fmt] {
            const QString f = QFileDialog::getSaveFileName(this, tr("Export chart"),
                                                           "chart." + fmt.toLower(), fmt + " (*." + fmt.toLower() + ")");
            if (!f.isEmpty() && !exportChart(m_tabs->currentIndex(), f))
                showError(m_lastError);
        });
    }
    exp->addSeparator();
    exp->addAction(tr("Loss breakdown as CSV…"), this, [this] {
        const QString f = QFileDialog::getSaveFileName(this, tr("Export breakdown"), "breakdown.csv", "CSV (*.csv)");
        if (!f.isEmpty() && !exportBreakdownCsv(f))
            showError(m_lastError);
    });
    exp->addAction(tr("Neuron statistics as CSV…"), this, [this] {
        const QString f = QFileDialog::getSaveFileName(this, tr("Export neuron statistics"), "neurons.csv", "CSV (*.csv)");
        if (!f.isEmpty() && !exportNeuronCsv(f))
            showError(m_lastError);
    });
    exp->addAction(tr("Lambdas as JSON…"), this, [this] {
        const QString f = QFileDialog::getSaveFileName(this, tr("Export lambdas"), "lambdas.json", "JSON (*.json)");
        if (!f.isEmpty() && !exportLambdasJson(f))
            showError(m_lastError);
    });
    file->addAction(tr("&Copy RNNLoss(…) line"), QKeySequence(tr("Ctrl+Shift+C")), this, [this] {
        QApplication::clipboard()->setText(nn4nLine());
        statusBar()->showMessage(tr("Copied: %1").arg(nn4nLine()), 5000);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_undo->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = m_undo->createRedoAction(this, tr("&Redo"));
    redo->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence::Redo});
    edit->addAction(undo);
    edit->addAction(redo);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QAction* a : m_breakdown->actions())
        view->addAction(a);
}

void MainWindow::openFiles(const QString& recording, const QString& weights)
{
    LoadRequest r{recording, weights};
    setLoading(true, recording.isEmpty() ? weights : recording);
    m_loader->load(r);
}

void MainWindow::setPendingLambdas(const std::array<std::optional<double>, kTermCount>& lambdas,
                                   std::optional<Convention> convention)
{
    m_pendingLambdas = lambdas;
    m_pendingConvention = convention;
    m_hasPending = true;
    if (m_summary && !m_loader->isLoading()) {
        LambdaState s = m_state;
        for (int i = 0; i < kTermCount; ++i)
            if (lambdas[i]) {
                s.values[i] = *lambdas[i];
                s.enabled[i] = *lambdas[i] != 0.0;
            }
        if (convention)
            s.convention = *convention;
        m_hasPending = false;
        applyState(s);
    }
}

void MainWindow::setLoading(bool loading, const QString& what)
{
    m_progress->setVisible(loading);
    m_cancel->setVisible(loading);
    m_progress->setValue(0);
    if (loading) {
        m_statusText->setProperty("file", what);
        m_statusText->setText(tr("Reading %1…").arg(errorPrefix(what)));
    }
}

void MainWindow::onLoaded(std::shared_ptr<const Summary> summary, const LoadRequest& request)
{
    setLoading(false);
    m_errorBanner->hide();
    m_lastError.clear();
    m_summary = std::move(summary);
    ++m_generation;
    m_files = request;
    m_neuron = -1;
    m_result.reset();
    if (!request.recording.isEmpty())
        addRecent(request.recording);

    // The file's training lambdas become the lambdas; then command-line ones.
    LambdaState s = m_state;
    bool training = false;
    for (Term t : kAllTerms)
        if (m_summary->trainingLambdas[index(t)]) {
            training = true;
            s.values[index(t)] = *m_summary->trainingLambdas[index(t)];
            s.enabled[index(t)] = s.values[index(t)] != 0.0;
        }
    if (m_hasPending) {
        for (int i = 0; i < kTermCount; ++i)
            if (m_pendingLambdas[i]) {
                s.values[i] = *m_pendingLambdas[i];
                s.enabled[i] = s.values[i] != 0.0;
            }
        if (m_pendingConvention)
            s.convention = *m_pendingConvention;
        m_hasPending = false;
    }
    m_lambdaPanel->setTrainingLambdasAvailable(training);
    m_undo->clear(); // the edits belonged to the data that is gone
    m_weights->setWeights(m_summary->weights[0], m_summary->weights[1], m_summary->weights[2]);
    m_detail->clear();

    const Shape& sh = m_summary->shape;
    QString text = tr("%1: B=%2 T=%3 N_in=%4 N_hid=%5 N_out=%6")
                       .arg(errorPrefix(request.recording.isEmpty() ? request.weights : request.recording))
                       .arg(sh.batch).arg(sh.time).arg(sh.nIn).arg(sh.nHid).arg(sh.nOut);
    if (!request.weights.isEmpty())
        text += tr(", weights from %1").arg(errorPrefix(request.weights));
    if (!m_summary->warnings.empty())
        text += tr("  — %n warning(s): ", nullptr, int(m_summary->warnings.size())) +
                QString::fromStdString(m_summary->warnings.front());
    m_statusText->setText(text);
    setWindowTitle(tr("RNNLoss Explorer — %1").arg(QFileInfo(request.recording.isEmpty() ? request.weights : request.recording).fileName()));
    setStateQuietly(s);
    emit loadFinished(true);
}

void MainWindow::onLoadFailed(const QString& error, const LoadRequest&)
{
    setLoading(false);
    showError(error);
    m_statusText->setText(m_summary ? tr("Load failed; still showing %1").arg(errorPrefix(m_files.recording))
                                    : tr("Load failed; no data"));
    emit loadFinished(false);
}

void MainWindow::showError(const QString& error)
{
    m_lastError = error;
    m_errorBanner->setText(error);
    m_errorBanner->show();
}

void MainWindow::onPanelEdited()
{
    LambdaState s;
    s.values = m_lambdaPanel->rawLambdas();
    s.enabled = m_lambdaPanel->enabled();
    s.convention = m_lambdaPanel->convention();
    applyState(s);
}

void MainWindow::applyState(const LambdaState& s)
{
    if (s == m_state)
        return;
    m_undo->push(new LambdaCommand([this](const LambdaState& st) { setStateQuietly(st); }, m_state, s));
}

void MainWindow::setStateQuietly(const LambdaState& s)
{
    m_state = s;
    if (m_lambdaPanel->rawLambdas() != s.values || m_lambdaPanel->enabled() != s.enabled)
        m_lambdaPanel->setLambdas(s.values, s.enabled);
    if (m_lambdaPanel->convention() != s.convention)
        m_lambdaPanel->setConvention(s.convention);
    requestCompute();
}

void MainWindow::selectNeuron(int neuron)
{
    if (neuron == m_neuron)
        return;
    m_neuron = neuron;
    requestCompute();
}

void MainWindow::setTabIndexForScreenshot(int tab)
{
    m_tabs->setCurrentIndex(std::clamp(tab, 0, m_tabs->count() - 1));
}

void MainWindow::requestCompute()
{
    if (!m_summary)
        return;
    ComputeRequest r;
    r.summary = m_summary;
    r.generation = m_generation;
    r.lambdas = m_state.effective();
    r.convention = m_state.convention;
    r.neuron = m_neuron;
    m_worker->submit(std::move(r));
}

void MainWindow::onResult(const ComputeResult& r)
{
    m_worker->resultTaken(); // lets the worker start the latest request
    if (r.generation != m_generation)
        return; // computed for data that has since been replaced
    const bool newStats = !m_result || m_result->stats != r.stats;
    if (newStats) {
        LambdaPanel::Flags available{};
        LambdaPanel::Reasons reasons;
        for (Term t : kAllTerms) {
            available[index(t)] = r.loss[t].available;
            reasons[index(t)] = QString::fromStdString(r.loss[t].reason);
        }
        m_lambdaPanel->setAvailability(available, reasons);
        m_rates->setData(r.stats->mean, r.spread, r.convention);
        m_table->setStats(*r.stats);
    }
    m_lambdaPanel->showResult(r.loss);
    m_breakdown->setResult(r.loss);
    if (r.neuron >= 0 && (!m_result || m_result->neuron != r.neuron || newStats)) {
        m_detail->setNeuron(r.neuron);
        m_detail->setHistogram(r.neuronHistogram);
        m_detail->setPsth(r.neuronPsth);
    }
    m_result = r;
    emit resultShown();
}

bool MainWindow::writeText(const QString& path, const std::string& text)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(text.data(), qint64(text.size())) != qint64(text.size()) ||
        !f.commit()) {
        m_lastError = tr("%1: cannot write: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

bool MainWindow::exportChart(int tab, const QString& path)
{
    QWidget* w = tab == 0 ? static_cast<QWidget*>(m_breakdown)
               : tab == 1 ? static_cast<QWidget*>(m_rates)
               : tab == 2 ? m_tabs->widget(2)
                          : static_cast<QWidget*>(m_weights);
    QString error;
    if (!exportWidget(w, path, &error)) {
        m_lastError = error;
        return false;
    }
    return true;
}

bool MainWindow::exportBreakdownCsv(const QString& path)
{
    if (!m_result) {
        m_lastError = tr("nothing to export yet");
        return false;
    }
    return writeText(path, breakdownCsv(m_result->loss));
}

bool MainWindow::exportNeuronCsv(const QString& path)
{
    if (!m_result || !m_result->stats) {
        m_lastError = tr("nothing to export yet");
        return false;
    }
    return writeText(path, neuronCsv(*m_result->stats));
}

bool MainWindow::exportLambdasJson(const QString& path)
{
    return writeText(path, lambdasJson(m_state.effective(), m_state.convention));
}

QString MainWindow::nn4nLine() const
{
    return QString::fromStdString(nn4nCall(m_state.effective()));
}

void MainWindow::addRecent(const QString& path)
{
    const QString abs = QFileInfo(path).absoluteFilePath();
    m_recent.removeAll(abs);
    m_recent.prepend(abs);
    while (m_recent.size() > kMaxRecent)
        m_recent.removeLast();
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    for (const QString& f : m_recent)
        m_recentMenu->addAction(f, this, [this, f] { openFiles(f); });
    m_recentMenu->setEnabled(!m_recent.isEmpty());
}

void MainWindow::saveSettings() const
{
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    s.setValue("files/recent", m_recent);
    QVariantList values, enabled;
    for (int i = 0; i < kTermCount; ++i) {
        values << m_state.values[i];
        enabled << m_state.enabled[i];
    }
    s.setValue("lambdas/values", values);
    s.setValue("lambdas/enabled", enabled);
    s.setValue("lambdas/convention", QString::fromUtf8(conventionName(m_state.convention).data()));
}

void MainWindow::restoreSettings()
{
    QSettings s;
    restoreGeometry(s.value("window/geometry").toByteArray());
    restoreState(s.value("window/state").toByteArray());
    m_recent = s.value("files/recent").toStringList();
    rebuildRecentMenu();
    const QVariantList values = s.value("lambdas/values").toList();
    const QVariantList enabled = s.value("lambdas/enabled").toList();
    LambdaState st = m_state;
    if (values.size() == kTermCount && enabled.size() == kTermCount) {
        for (int i = 0; i < kTermCount; ++i) {
            bool ok = false;
            const double v = values[i].toDouble(&ok);
            if (ok && std::isfinite(v) && v >= 0) {
                st.values[i] = v;
                st.enabled[i] = enabled[i].toBool();
            }
        }
    }
    if (auto c = conventionFromName(s.value("lambdas/convention").toString().toStdString()))
        st.convention = *c;
    setStateQuietly(st);
    // Restored lambdas win over the next file's training lambdas, like
    // command-line ones; the user can still reset to the file's.
    if (values.size() == kTermCount) {
        for (int i = 0; i < kTermCount; ++i)
            if (!m_pendingLambdas[i])
                m_pendingLambdas[i] = st.enabled[i] ? st.values[i] : 0.0;
        if (!m_pendingConvention)
            m_pendingConvention = st.convention;
        m_hasPending = true;
    }
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_loader->cancel();
    saveSettings();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile())
        return;
    // One file: a recording. Two: a recording and its weights.
    openFiles(urls.front().toLocalFile(), urls.size() > 1 ? urls[1].toLocalFile() : QString());
    event->acceptProposedAction();
}

} // namespace rnnloss
