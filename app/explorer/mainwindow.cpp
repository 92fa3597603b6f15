#include "mainwindow.h"

#include "lambdabinding.h"
#include "lambdapanel.h"
#include "lossbreakdownview.h"
#include "neurondetailview.h"
#include "neurontable.h"
#include "populationcontroller.h"
#include "populationsource.h"
#include "ratehistogramview.h"
#include "resultviews.h"
#include "weightsview.h"
#include "windowmenus.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QFileInfo>
#include <QMimeData>
#include <QScrollArea>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace rnnloss {

MainWindow::MainWindow(const QString& readerExe, QWidget* parent)
    : QMainWindow(parent), m_lambdas(new LambdaModel(this)),
      m_recordings(new RecordingSet(readerExe, this)), m_analysis(new AnalysisController(this)),
      m_population(new PopulationController(readerPopulationSource(readerExe), this)),
      m_exporter(std::make_unique<Exporter>([this] { return ExportWiring::provenance(*this); }))
{
    setWindowTitle(tr("RNNLoss Explorer"));
    setAcceptDrops(true);
    buildViews();
    m_selection =
        new SelectionController(readerExe, m_selectionBar, m_analysis, m_table, m_detail, this);
    m_set->setShownData(m_analysis); // auto-balance balances what the views show
    m_gradientTab = new GradientBinding(*this, readerExe);  // the Gradients tab
    m_setMetrics = new SetMetricsBinding(*this, readerExe); // Runs scatter, the last tab
    m_results = std::make_unique<ResultViews>(m_lambdaPanel, m_breakdown, m_rates, m_table,
                                              m_detail, m_selection);
    new WindowMenus(this, m_exports = new ExportWiring(this));
    m_settings = std::make_unique<WindowSettings>(this, &m_pending);
    wire();
    m_lambdaPanel->setTrainingLambdasAvailable(false);
    resize(1280, 800);
    // The panel's natural width: no horizontal scroll bar at the default size.
    resizeDocks({m_dock}, {m_lambdaPanel->sizeHint().width() + 24}, Qt::Horizontal);
    // Until the user picks an axis (or one is restored): log when the bars
    // span more than two decades, so that no regulariser is invisible.
    m_breakdown->setAutoLogScale(true);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildViews()
{
    buildDock();
    buildTabs();
    m_status = new StatusArea(this, m_recordings);
    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 4);
    m_selectionBar = new SelectionBar;
    layout->addWidget(m_status->banner());
    layout->addWidget(m_selectionBar);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);
}

void MainWindow::buildDock()
{
    m_lambdaPanel = new LambdaPanel;
    // The panel keeps its natural width; a narrow window scrolls it rather
    // than squeezing its fields.
    m_lambdaPanel->setMinimumSize(m_lambdaPanel->sizeHint());
    auto* scroll = new QScrollArea;
    scroll->setWidget(m_lambdaPanel);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_dock = new QDockWidget(tr("Lambdas"), this);
    m_dock->setObjectName("lambdaDock");
    m_dock->setWidget(scroll);
    m_dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                        QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::LeftDockWidgetArea, m_dock);
}

void MainWindow::buildTabs()
{
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
    m_set = new SetController(this, m_recordings, m_lambdas);
    m_set->addTabs(m_tabs);
    m_tabs->addTab(m_population->createTab(), tr("Population"));
    addDockWidget(Qt::LeftDockWidgetArea, m_set->dock());
}

void MainWindow::wire()
{
    connect(m_recordings, &RecordingSet::loaded, this, &MainWindow::onLoaded);
    connect(m_recordings, &RecordingSet::failed, this, [this](const QString& error) {
        m_status->loadFailed(error, summary() != nullptr, recordingFile());
    });
    connect(m_recordings, &RecordingSet::batchFinished, this, [this](int loaded) {
        m_status->batchFinished();
        m_commandSelection.applyTo(*m_selection, m_recordings->active());
        emit loadFinished(loaded > 0);
    });
    connect(m_recordings, &RecordingSet::activeChanged, this, &MainWindow::showActive);
    connect(m_analysis, &AnalysisController::resultReady, this,
            [this](const ComputeResult& r, bool newStats, bool newNeuron) {
                m_results->show(r, newStats, newNeuron);
                m_population->setResult(r, newStats, {recordingFile(), weightsFile()});
                emit resultShown();
            });
    new LambdaBinding(m_lambdaPanel, m_lambdas, m_analysis, this);
    connect(m_lambdaPanel, &LambdaPanel::formulasRequested, this,
            [this] { showFormulasDialog(this); });
    wireNeurons();
    connect(m_selection, &SelectionController::selectionShown, m_status->selectionLabel(),
            &QLabel::setText);
    connect(m_selection, &SelectionController::failed, this,
            [this](const QString& error, bool stale) {
                m_commandSelection.failed(error); // --screenshot and --export report it
                m_status->showSelectionError(error, stale);
            });
}

void MainWindow::wireNeurons()
{
    connect(m_table, &NeuronTableView::neuronSelected, this, &MainWindow::selectNeuron);
    connect(m_table, &NeuronTableView::selectionChanged, m_rates,
            &RateHistogramView::setHighlightedNeurons);
    connect(m_table, &NeuronTableView::selectionChanged, this, &MainWindow::setPsthNeurons);
    connect(m_selection, &SelectionController::neuronsReplaced, this, [this] {
        m_rates->setHighlightedNeurons({});
        m_analysis->setPsthNeurons({});
    });
    connect(m_detail, &NeuronDetailView::splitByLabelChanged, m_analysis,
            &AnalysisController::setSplitByLabel);
    connect(m_detail, &NeuronDetailView::bandChanged, m_analysis,
            [this](PsthBand band) { m_analysis->setQuantiles(band == PsthBand::Quantiles); });
    const auto pick = [this](const QVector<int>& n) { // a histogram bar's neurons
        m_table->selectNeurons(n);
        m_rates->setHighlightedNeurons(n);
        setPsthNeurons(n);
        if (!n.isEmpty())
            selectNeuron(n.front());
    };
    connect(m_rates, &RateHistogramView::binClicked, this, pick);
    connect(m_population, &PopulationController::neuronsClicked, this, pick);
}

QString MainWindow::recordingFile() const
{
    return m_recordings->active() ? m_recordings->active()->files.recording : QString();
}

QString MainWindow::weightsFile() const
{
    return m_recordings->active() ? m_recordings->active()->files.weights : QString();
}

void MainWindow::openFiles(const QString& recording, const QString& weights)
{
    m_status->startBatch(recording.isEmpty() ? weights : recording);
    m_recordings->load({recording, weights});
    emit loadStarted({recording, weights});
}

void MainWindow::addRecordings(const QStringList& paths)
{
    if (paths.isEmpty())
        return;
    if (!m_recordings->isLoading())
        m_status->startBatch(paths.size() == 1 ? paths.front()
                                               : tr("%n recording(s)", nullptr, int(paths.size())));
    m_set->addFiles(paths);
}

void MainWindow::reload()
{
    const RecordingEntry* r = m_recordings->active();
    if (!r)
        return;
    const LoadRequest files = r->files;
    m_pending.keepFor(files.recording, state());
    setCommandLineSelection(m_selectionBar->choice(), m_detail->splitByLabel());
    m_commandSelection.reapply();
    openFiles(files.recording, files.weights);
}

void MainWindow::setCommandLineSelection(const SelectionBar::Choice& choice, bool splitByLabel)
{
    m_commandSelection.set(choice);
    m_detail->setSplitByLabel(splitByLabel);
    m_analysis->setSplitByLabel(splitByLabel);
}

bool MainWindow::selectionSettled() const
{
    const ComputeResult* r = m_analysis->lastResult();
    return !m_commandSelection.pending() && !m_selection->slices()->busy() && r &&
           r->summary == m_analysis->summary();
}

void MainWindow::onLoaded(const RecordingEntry& rec)
{
    if (!m_recordings->isLoading())
        m_status->setLoading(false);
    // One set of lambdas for all recordings: chosen when a set starts with its
    // first recording, kept as others join it.
    if (m_recordings->entries().size() != 1)
        return;
    const LambdaState lambdas = m_pending.take(*rec.summary, rec.files.recording);
    showRecordingSelection(rec);
    m_lambdas->reset(lambdas); // computes
}

void MainWindow::showRecordingSelection(const RecordingEntry& rec)
{
    m_analysis->setRecording(rec.summary, rec.generation);
    m_selection->setRecording(rec);
    m_status->selectionLabel()->setText(m_selection->describe());
}

void MainWindow::showActive()
{
    const RecordingEntry* rec = m_recordings->active();
    if (!rec)
        return;
    const Summary& s = *rec->summary;
    m_lambdaPanel->setTrainingLambdasAvailable(std::any_of(
        s.trainingLambdas.begin(), s.trainingLambdas.end(), [](auto& l) { return l.has_value(); }));
    m_weights->setWeights(s.weights[0], s.weights[1], s.weights[2]);
    m_detail->clear();
    m_status->showRecording(*rec);
    setWindowTitle(tr("RNNLoss Explorer — %1").arg(rec->name()));
    if (m_selection->slices()->whole() != rec->summary) { // another recording of the set
        showRecordingSelection(*rec);
        m_analysis->setLambdas(m_lambdas->state());
    }
}

void MainWindow::setPsthNeurons(const QVector<int>& neurons)
{
    // The PSTH view overlays at most kMaxPsthTraces; only those are computed.
    const auto n = std::min<qsizetype>(neurons.size(), NeuronDetailView::kMaxPsthTraces);
    m_analysis->setPsthNeurons(std::vector<int>(neurons.begin(), neurons.begin() + n));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_recordings->cancel();
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
    QStringList paths;
    for (const QUrl& u : event->mimeData()->urls())
        if (u.isLocalFile())
            paths << u.toLocalFile();
    if (paths.isEmpty())
        return;
    // One file replaces what is open; several files or a folder join the set.
    if (paths.size() == 1 && !QFileInfo(paths.front()).isDir())
        openFiles(paths.front());
    else
        addRecordings(paths);
    event->acceptProposedAction();
}

} // namespace rnnloss
