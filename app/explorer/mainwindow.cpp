#include "mainwindow.h"

#include "heatmapview.h"
#include "helpdialogs.h"
#include "lambdapanel.h"
#include "lossbreakdownview.h"
#include "neurondetailview.h"
#include "neuronexports.h"
#include "neurontable.h"
#include "ratehistogramview.h"
#include "report.h"
#include "compareview.h"
#include "historyview.h"
#include "sweepview.h"
#include "weightsview.h"

#include <QApplication>
#include <QChartView>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QUndoStack>
#include <QVBoxLayout>

#include <cmath>
#include <tuple>

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

MainWindow::MainWindow(const QString& readerExe, QWidget* parent)
    : QMainWindow(parent), m_lambdas(new LambdaModel(this)),
      m_recordings(new RecordingSet(readerExe, this)), m_analysis(new AnalysisController(this)),
      m_exporter(std::make_unique<Exporter>([this] {
          const int n = m_analysis ? m_analysis->neuron() : -1;
          Provenance p{recordingFile(), m_lambdas->state(), {}, {}};
          if (m_selection && m_selection->slice())
              p.selection = m_selection->describe();
          if (n >= 0)
              p.neuron = tr("neuron %1").arg(m_selection ? m_selection->neuronId(n) : n);
          return p;
      }))
{
    setWindowTitle(tr("RNNLoss Explorer"));
    setAcceptDrops(true);
    buildViews();
    m_selection = new SelectionController(readerExe, m_selectionBar, m_analysis, m_table, m_detail,
                                          this);
    m_set->setShownData(m_analysis); // auto-balance balances what the views show
    buildExports();
    buildMenus();
    wire();
    m_lambdaPanel->setTrainingLambdasAvailable(false);
    resize(1280, 800);
    // Wide enough for the panel's natural width: no horizontal scroll bar at
    // the default size (a narrower window still scrolls it rather than squeeze).
    resizeDocks({m_dock}, {m_lambdaPanel->sizeHint().width() + 24}, Qt::Horizontal);
    // Until the user picks an axis (or one is restored): log when the bars
    // span more than two decades, so that no regulariser is invisible.
    m_breakdown->setAutoLogScale(true);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildViews()
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
    addDockWidget(Qt::LeftDockWidgetArea, m_set->dock());

    m_errorBanner = new QLabel;
    m_errorBanner->setWordWrap(true);
    m_errorBanner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorBanner->setStyleSheet("QLabel { background: #fde8e8; color: #8a1f11; padding: 6px; "
                                 "border: 1px solid #e0a0a0; }");
    m_errorBanner->hide();
    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 4);
    m_selectionBar = new SelectionBar;
    layout->addWidget(m_errorBanner);
    layout->addWidget(m_selectionBar);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    m_statusText = new QLabel(tr("No data"));
    // Long file names must not set the window's minimum width.
    m_statusText->setMinimumWidth(1);
    m_progress = new QProgressBar;
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->hide();
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->hide();
    m_selectionStatus = new QLabel(tr("whole recording"));
    m_selectionStatus->setObjectName("selectionStatus");
    statusBar()->addWidget(m_statusText, 1);
    statusBar()->addPermanentWidget(m_selectionStatus);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
}

void MainWindow::buildExports()
{
    using S = ChartScope;
    const std::tuple<QString, QWidget*, ChartScope> charts[] = {
        {"breakdown", m_breakdown, S::Recording},
        {"rates", m_rates->chartView(), S::Recording},
        {"neuron-histogram", m_detail->histogramView(), S::Neuron},
        {"psth", m_detail->psthView(), S::Neuron},
        {"w_in", m_weights->heatmap(0), S::Recording},
        {"w_hid", m_weights->heatmap(1), S::Recording},
        {"w_out", m_weights->heatmap(2), S::Recording},
        {"w_in-histogram", m_weights->histogramView(0), S::Recording},
        {"w_hid-histogram", m_weights->histogramView(1), S::Recording},
        {"w_out-histogram", m_weights->histogramView(2), S::Recording},
        {"history", m_set->historyView(), S::Set},
        {"sweep", m_set->sweepView()->chartView(), S::Set},
        {"compare-rates", m_set->compareView()->distributionView(), S::Set},
        {"compare-breakdown", m_set->compareView()->barsView(), S::Set},
        {"compare-scatter", m_set->compareView()->scatterView(), S::Set},
    };
    // The views' own description of each chart (the chart alone, vector in
    // SVG/PDF); a widget no view lists is exported whole.
    QList<ExportableChart> listed = m_breakdown->exportableCharts() + m_rates->exportableCharts() +
                                    m_detail->exportableCharts() + m_weights->exportableCharts();
    for (const auto& [key, widget, scope] : charts) {
        ExportableChart chart;
        for (const ExportableChart& c : listed)
            if (c.widget == widget)
                chart = c;
        // A chart view no view lists (the set's charts): its chart alone,
        // laid out at the figure's size rather than scaled to it.
        if (!chart.widget)
            if (auto* view = qobject_cast<QChartView*>(widget))
                chart = {key, key, view, view->chart()};
        m_exporter->addChart(key, widget, chart, scope);
        addChartMenu(key, widget);
    }
    const AnalysisController* a = m_analysis;
    m_exporter->addTable("breakdown", "csv", [a]() -> std::optional<std::string> {
        if (!a->lastResult())
            return std::nullopt;
        return breakdownCsv(a->lastResult()->loss);
    });
    m_exporter->addTable("neurons", "csv", [a]() -> std::optional<std::string> {
        if (!a->lastResult() || !a->lastResult()->stats)
            return std::nullopt;
        // Rows named by the recording's neuron numbers (a slice's rows are not).
        const Summary* s = a->lastResult()->summary.get();
        return neuronCsv(*a->lastResult()->stats,
                         s && s->slice ? s->slice->neurons : std::vector<std::int64_t>{},
                         s ? s->neuronGroups : std::vector<std::string>{});
    });
    m_exporter->addTable("loss", "json", [a]() -> std::optional<std::string> {
        if (!a->lastResult() || !a->lastResult()->stats || !a->summary())
            return std::nullopt;
        return lossJson(*a->summary(), a->lastResult()->loss, *a->lastResult()->stats);
    });
    addNeuronTables(*m_exporter, m_analysis, m_selection); // "psth", "neuron-histogram"
    const LambdaModel* m = m_lambdas;
    m_exporter->addTable("lambdas", "json", [m]() -> std::optional<std::string> {
        return lambdasJson(m->state().effective(), m->state().convention);
    });
}

void MainWindow::addChartMenu(const QString& key, QWidget* chart)
{
    if (!chart->actions().isEmpty()) {
        auto* sep = new QAction(chart);
        sep->setSeparator(true);
        chart->addAction(sep);
    }
    for (const QString& format : Exporter::chartFormats()) {
        auto* a = new QAction(tr("Export as %1…").arg(format.toUpper()), chart);
        connect(a, &QAction::triggered, this,
                [this, key, format] { exportInteractively(key, format, false); });
        chart->addAction(a);
    }
    chart->setContextMenuPolicy(Qt::ActionsContextMenu);
}

void MainWindow::exportInteractively(const QString& key, const QString& format, bool table)
{
    // Proposed beside the recording, named after it and the view.
    QString proposed = m_exporter->defaultFileName(key, format);
    if (const QString rec = recordingFile(); !rec.isEmpty())
        proposed = QFileInfo(rec).absoluteDir().filePath(proposed);
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export"), proposed, QStringLiteral("%1 (*.%2)").arg(format.toUpper(), format));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QLatin1Char('.') + format;
    const ExportOutcome out =
        table ? m_exporter->exportTable(key, path) : m_exporter->exportChart(key, path);
    if (!out.ok())
        QMessageBox::warning(this, tr("Export failed"), out.error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path), 5000);
}

QString MainWindow::chartOfTab(int tab)
{
    static const QStringList keys{"breakdown", "rates", "psth", "w_hid", "history", "compare-rates", "sweep"};
    return keys.value(std::clamp(tab, 0, int(keys.size()) - 1));
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open recording…"), QKeySequence::Open, this, [this] {
        const QString f = QFileDialog::getOpenFileName(
            this, tr("Open recording"), {}, tr("HDF5 recordings (*.h5 *.hdf5);;All files (*)"));
        if (!f.isEmpty())
            openFiles(f);
    });
    file->addAction(tr("Open &weights…"), this, [this] {
        const QString f = QFileDialog::getOpenFileName(
            this, tr("Open weights"), {}, tr("HDF5 files (*.h5 *.hdf5);;All files (*)"));
        if (!f.isEmpty())
            openFiles(recordingFile(), f);
    });
    m_set->addFileActions(file);
    m_recentMenu = file->addMenu(tr("Open &recent"));
    QAction* reload = file->addAction(tr("Re&load"), QKeySequence(Qt::Key_F5), this, [this] {
        if (const RecordingEntry* r = m_recordings->active()) {
            // A reload reads the file again and keeps the lambdas being tuned
            // and the selection (checked again against what the file now holds).
            m_restored = {r->files.recording, state()};
            setCommandLineSelection(m_selectionBar->choice(), m_detail->splitByLabel());
            m_selectionError.clear();
            openFiles(r->files.recording, r->files.weights);
        }
    });
    reload->setObjectName("reload");
    file->addSeparator();
    QMenu* exp = file->addMenu(tr("&Export"));
    QAction* current =
        exp->addAction(tr("&Current chart…"), QKeySequence(tr("Ctrl+E")), this, [this] {
            exportInteractively(chartOfTab(m_tabs->currentIndex()), "png", false);
        });
    current->setObjectName("exportCurrent");
    for (const QString& fmt : {QStringLiteral("svg"), QStringLiteral("pdf")})
        exp->addAction(tr("Current chart as %1…").arg(fmt.toUpper()), this, [this, fmt] {
            exportInteractively(chartOfTab(m_tabs->currentIndex()), fmt, false);
        });
    QAction* caption = exp->addAction(tr("Caption under figures"));
    caption->setObjectName("exportCaption");
    caption->setCheckable(true);
    connect(caption, &QAction::toggled, this, [this](bool on) {
        m_exporter->setFigureOptions(on, m_exporter->figureSize());
    });
    exp->addAction(tr("Figure size…"), this, [this] {
        const QSize now = m_exporter->figureSize();
        bool ok = false;
        const QString text = QInputDialog::getText(
            this, tr("Figure size"),
            tr("Width x height in pixels (PNG at twice that), or empty for the size on screen:"),
            QLineEdit::Normal,
            now.isValid() ? QStringLiteral("%1x%2").arg(now.width()).arg(now.height()) : QString(),
            &ok);
        if (!ok)
            return;
        if (const auto size = Exporter::parseFigureSize(text))
            m_exporter->setFigureOptions(m_exporter->caption(), *size);
        else
            QMessageBox::warning(this, tr("Figure size"),
                                 tr("'%1' is not a size: give it as 800x600 (50 to 10000 "
                                    "pixels each), or leave it empty")
                                     .arg(text));
    });
    exp->addSeparator();
    exp->addAction(tr("Loss breakdown as CSV…"), this,
                   [this] { exportInteractively("breakdown", "csv", true); });
    exp->addAction(tr("Neuron statistics as CSV…"), this,
                   [this] { exportInteractively("neurons", "csv", true); });
    exp->addAction(tr("PSTH as CSV…"), this, [this] { exportInteractively("psth", "csv", true); });
    exp->addAction(tr("Loss and statistics as JSON…"), this,
                   [this] { exportInteractively("loss", "json", true); });
    exp->addAction(tr("Lambdas as JSON…"), this,
                   [this] { exportInteractively("lambdas", "json", true); });
    file->addAction(tr("&Copy RNNLoss(…) line"), QKeySequence(tr("Ctrl+Shift+C")), this, [this] {
        QApplication::clipboard()->setText(nn4nLine());
        statusBar()->showMessage(tr("Copied: %1").arg(nn4nLine()), 5000);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence(tr("Ctrl+Z")));
    // Spelled out: QKeySequence::Redo is Ctrl+Shift+Z on some platforms, which
    // next to an explicit Ctrl+Shift+Z made the shortcut ambiguous (and dead).
    QAction* redo = undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    m_set->addEditActions(edit);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* dock = m_dock->toggleViewAction();
    dock->setText(tr("&Lambdas panel"));
    dock->setShortcut(QKeySequence(tr("Ctrl+L")));
    view->addAction(dock);
    view->addSeparator();
    for (int i = 0; i < m_tabs->count(); ++i) {
        QAction* a =
            view->addAction(m_tabs->tabText(i), this, [this, i] { m_tabs->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)));
    }
    view->addSeparator();
    for (QAction* a : m_breakdown->actions())
        view->addAction(a);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Formulas"), QKeySequence::HelpContents, this, &MainWindow::showFormulas);
    help->addAction(tr("&Keyboard shortcuts"), this, &MainWindow::showShortcuts);
    help->addAction(tr("&About"), this, &MainWindow::showAbout);
}

void MainWindow::wire()
{
    connect(m_recordings, &RecordingSet::progress, this, [this](double f, const QString& stage) {
        m_progress->setValue(static_cast<int>(f * 1000));
        m_statusText->setText(tr("Reading %1 (%2)…").arg(fileName(m_loading), stage));
    });
    connect(m_recordings, &RecordingSet::loaded, this, &MainWindow::onLoaded);
    connect(m_recordings, &RecordingSet::failed, this, &MainWindow::onLoadFailed);
    connect(m_recordings, &RecordingSet::cancelled, this, [this](const LoadRequest& r) {
        m_statusText->setText(tr("Loading %1 cancelled; nothing changed").arg(fileName(r.recording)));
    });
    connect(m_recordings, &RecordingSet::batchFinished, this, &MainWindow::onBatchFinished);
    connect(m_recordings, &RecordingSet::activeChanged, this, &MainWindow::showActive);
    connect(m_recordings, &RecordingSet::recentFilesChanged, this, &MainWindow::rebuildRecentMenu);
    connect(m_cancel, &QPushButton::clicked, m_recordings, &RecordingSet::cancel);

    connect(m_lambdas, &LambdaModel::changed, this, &MainWindow::onStateChanged);
    connect(m_analysis, &AnalysisController::resultReady, this, &MainWindow::onResult);

    connect(m_lambdaPanel, &LambdaPanel::lambdasEdited, this, &MainWindow::onPanelEdited);
    connect(m_lambdaPanel, &LambdaPanel::conventionChanged, this, &MainWindow::onPanelEdited);
    connect(m_lambdaPanel, &LambdaPanel::resetToDefaultsRequested, this, [this] {
        applyState(summary() ? nn4nDefaults(state().convention, *summary())
                             : nn4nDefaults(state().convention));
    });
    connect(m_lambdaPanel, &LambdaPanel::resetToTrainingRequested, this, [this] {
        if (summary())
            applyState(fileLambdas(*summary()));
    });
    connect(m_table, &NeuronTableView::neuronSelected, this, &MainWindow::selectNeuron);
    connect(m_table, &NeuronTableView::selectionChanged, m_rates,
            &RateHistogramView::setHighlightedNeurons);
    connect(m_table, &NeuronTableView::selectionChanged, this, &MainWindow::setPsthNeurons);
    connect(m_lambdaPanel, &LambdaPanel::formulasRequested, this, &MainWindow::showFormulas);
    connect(m_selection, &SelectionController::selectionShown, m_selectionStatus, &QLabel::setText);
    connect(m_selection, &SelectionController::neuronsReplaced, this, [this] {
        m_rates->setHighlightedNeurons({});
        m_analysis->setPsthNeurons({});
    });
    connect(m_selection, &SelectionController::failed, this, [this](const QString& error, bool stale) {
        // --screenshot and --export report it instead of writing the whole recording.
        if (m_selectionError.isEmpty())
            m_selectionError = error;
        showError(stale ? tr("%1\nFile ▸ Reload (F5) reads it again; the views keep what they show.")
                              .arg(error)
                        : error);
    });
    connect(m_detail, &NeuronDetailView::splitByLabelChanged, m_analysis,
            &AnalysisController::setSplitByLabel);
    connect(m_rates, &RateHistogramView::binClicked, this, [this](const QVector<int>& n) {
        m_table->selectNeurons(n);
        m_rates->setHighlightedNeurons(n);
        setPsthNeurons(n);
        if (!n.isEmpty())
            selectNeuron(n.front());
    });
}

QString MainWindow::recordingFile() const
{
    const RecordingEntry* r = m_recordings->active();
    return r ? r->files.recording : QString();
}

QString MainWindow::weightsFile() const
{
    const RecordingEntry* r = m_recordings->active();
    return r ? r->files.weights : QString();
}

QString MainWindow::statusText() const
{
    return m_statusText->text();
}

QString MainWindow::selectionStatus() const
{
    return m_selectionStatus->text();
}

void MainWindow::openFiles(const QString& recording, const QString& weights)
{
    m_batchErrors.clear();
    setLoading(true, recording.isEmpty() ? weights : recording);
    m_recordings->load({recording, weights});
}

void MainWindow::addRecordings(const QStringList& paths)
{
    if (paths.isEmpty())
        return;
    if (!m_recordings->isLoading()) {
        m_batchErrors.clear();
        setLoading(true, paths.size() == 1 ? paths.front() : tr("%n recording(s)", nullptr, int(paths.size())));
    }
    m_set->addFiles(paths);
}

void MainWindow::setCommandLine(const LossOptions& options)
{
    m_commandLine = options;
}

void MainWindow::setCommandLineSelection(const SelectionBar::Choice& choice, bool splitByLabel)
{
    m_commandChoice = choice;
    m_commandChoicePending = !choice.whole();
    m_detail->setSplitByLabel(splitByLabel);
    m_analysis->setSplitByLabel(splitByLabel);
}

void MainWindow::reapplyCommandLineSelection()
{
    m_commandChoicePending = !m_commandChoice.whole();
    m_selectionError.clear();
}

bool MainWindow::selectionSettled() const
{
    const ComputeResult* r = m_analysis->lastResult();
    return !m_commandChoicePending && !m_selection->slices()->busy() && r &&
           r->summary == m_analysis->summary();
}

void MainWindow::applyState(const LambdaState& s)
{
    m_lambdas->edit(s);
}

void MainWindow::setLoading(bool loading, const QString& what)
{
    m_progress->setVisible(loading);
    m_cancel->setVisible(loading);
    m_progress->setValue(0);
    if (loading) {
        m_loading = what;
        m_statusText->setText(tr("Reading %1…").arg(fileName(what)));
    }
}

void MainWindow::onLoaded(const RecordingEntry& rec)
{
    if (!m_recordings->isLoading())
        setLoading(false);
    // One set of lambdas for all recordings: chosen when a set starts with its
    // first recording, kept as others join it.
    if (m_recordings->entries().size() != 1)
        return;
    const Summary& s = *rec.summary;
    // Saved lambdas come back for the recording they were tuned on only.
    std::optional<LambdaState> restored;
    if (m_restored && QFileInfo(m_restored->first) == QFileInfo(rec.files.recording))
        restored = m_restored->second;
    const LambdaState lambdas = resolveLambdas(s, restored, m_commandLine);
    m_restored.reset();
    m_commandLine = {};
    m_analysis->setRecording(rec.summary, rec.generation);
    m_selection->setRecording(rec);
    m_selectionStatus->setText(m_selection->describe());
    m_lambdas->reset(lambdas); // computes
    if (m_commandChoicePending) {
        m_commandChoicePending = false;
        m_selectionError = m_selection->apply(m_commandChoice);
        if (!m_selectionError.isEmpty())
            m_selectionError = tr("%1: the selection does not fit: %2")
                                   .arg(rec.files.recording, m_selectionError);
    }
}

void MainWindow::showActive()
{
    const RecordingEntry* rec = m_recordings->active();
    if (!rec)
        return;
    const Summary& s = *rec->summary;
    bool training = false;
    for (const auto& l : s.trainingLambdas)
        training |= l.has_value();
    m_lambdaPanel->setTrainingLambdasAvailable(training);
    m_weights->setWeights(s.weights[0], s.weights[1], s.weights[2]);
    m_detail->clear();

    if (!m_recordings->isLoading())
        m_statusText->setText(recordingStatus(*rec));
    setWindowTitle(tr("RNNLoss Explorer — %1").arg(rec->name()));
    if (m_selection->slices()->whole() != rec->summary) { // another recording of the set
        m_analysis->setRecording(rec->summary, rec->generation);
        m_selection->setRecording(*rec);
        m_selectionStatus->setText(m_selection->describe());
        m_analysis->setLambdas(m_lambdas->state());
    }
}

void MainWindow::onBatchFinished(int loaded)
{
    setLoading(false);
    if (m_batchErrors.isEmpty()) {
        m_errorBanner->hide();
        m_lastError.clear();
        if (const RecordingEntry* rec = m_recordings->active())
            m_statusText->setText(recordingStatus(*rec));
    }
    emit loadFinished(loaded > 0);
}

void MainWindow::onLoadFailed(const QString& error)
{
    // Each file of a batch fails on its own: the banner lists every failure.
    m_batchErrors << error;
    showError(m_batchErrors.join(QLatin1Char('\n')));
    m_statusText->setText(summary() ? tr("Load failed; still showing %1").arg(fileName(recordingFile()))
                                    : tr("Load failed; no data"));
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
    m_lambdas->edit(s, m_lambdaPanel->editId());
}

void MainWindow::onStateChanged()
{
    const LambdaState& s = m_lambdas->state();
    if (m_lambdaPanel->rawLambdas() != s.values || m_lambdaPanel->enabled() != s.enabled)
        m_lambdaPanel->setLambdas(s.values, s.enabled);
    if (m_lambdaPanel->convention() != s.convention)
        m_lambdaPanel->setConvention(s.convention);
    m_analysis->setLambdas(s);
}

void MainWindow::selectNeuron(int neuron)
{
    m_analysis->setNeuron(neuron);
}

void MainWindow::setPsthNeurons(const QVector<int>& neurons)
{
    // The PSTH view overlays at most kMaxPsthTraces; only those are computed.
    const auto n = std::min<qsizetype>(neurons.size(), NeuronDetailView::kMaxPsthTraces);
    m_analysis->setPsthNeurons(std::vector<int>(neurons.begin(), neurons.begin() + n));
}

void MainWindow::setTabIndexForScreenshot(int tab)
{
    m_tabs->setCurrentIndex(std::clamp(tab, 0, m_tabs->count() - 1));
}

void MainWindow::onResult(const ComputeResult& r, bool newStats, bool newNeuron)
{
    if (newStats) {
        LambdaPanel::Flags available{};
        LambdaPanel::Reasons reasons;
        for (Term t : kAllTerms) {
            available[index(t)] = r.loss[t].available;
            reasons[index(t)] = QString::fromStdString(r.loss[t].reason);
        }
        m_lambdaPanel->setAvailability(available, reasons);
        m_rates->setData(r.stats->mean, r.spread, r.convention);
        // The rows' neuron numbers and the PSTH's steps are those of the data
        // this result was computed from, set with its statistics.
        const Summary* s = r.summary.get();
        m_table->setNeuronIds(s && s->slice ? s->slice->neurons : std::vector<std::int64_t>{},
                              s ? s->neuronGroups : std::vector<std::string>{});
        m_detail->setPsthSteps(s && s->slice ? s->slice->steps : std::vector<std::int64_t>{});
        m_table->setStats(*r.stats);
    }
    m_lambdaPanel->showResult(r.loss);
    m_breakdown->setResult(r.loss);
    if (r.neuron >= 0 && (newNeuron || newStats)) {
        const Summary* s = r.summary.get();
        const double dt = s && s->dtMs ? *s->dtMs : 0.0;
        const int id = m_selection->neuronId(r.neuron);
        m_detail->setNeuron(id);
        m_detail->setHistogram(r.neuronHistogram);
        m_detail->setNote(QString::fromStdString(r.detailNote));
        if (r.splitByLabel && !r.labelPsths.empty()) {
            // The selected neuron once per trial label (condition).
            QList<PsthTrace> traces;
            // Named by label alone: the title says whose PSTH it is.
            for (const LabelPsth& l : r.labelPsths)
                traces.append({QString::fromStdString(l.label), l.psth});
            m_detail->setPsths(traces, {}, dt, true);
        } else if (r.psths.size() > 1) {
            // Several neurons selected: their PSTHs overlaid with the population mean.
            QList<PsthTrace> traces;
            for (std::size_t i = 0; i < r.psths.size(); ++i)
                traces.append({QStringLiteral("n%1").arg(m_selection->neuronId(r.psthNeurons[i])),
                               r.psths[i]});
            m_detail->setPsths(traces, r.populationPsth, dt);
        } else {
            m_detail->setPsths({PsthTrace{QStringLiteral("n%1").arg(id), r.neuronPsth}}, {}, dt);
        }
    } else if (r.neuron < 0 && (newNeuron || newStats)) {
        m_detail->clear(); // no neuron (another selection renumbered them)
        m_detail->setNote(QString::fromStdString(r.detailNote));
    }
    emit resultShown();
}

QString MainWindow::nn4nLine() const
{
    return QString::fromStdString(nn4nCall(state().effective(), state().convention));
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = m_recordings->recentFiles();
    for (const QString& f : recent)
        m_recentMenu->addAction(f, this, [this, f] { openFiles(f); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::showFormulas()
{
    showFormulasDialog(this);
}

QString MainWindow::shortcutsHtml() const
{
    return rnnloss::shortcutsHtml(findChildren<QAction*>());
}

void MainWindow::showShortcuts()
{
    showShortcutsDialog(this, shortcutsHtml());
}

QString MainWindow::aboutText()
{
    return rnnloss::aboutText();
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About RNNLoss Explorer"), aboutText());
}

void MainWindow::saveSettings() const
{
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    s.setValue("files/recent", m_recordings->recentFiles());
    // The axis only when the user picked it; an automatic one stays automatic.
    if (!m_breakdown->autoLogScale())
        s.setValue("view/logScale", m_breakdown->logScale());
    s.setValue("view/unweighted", m_breakdown->showUnweighted());
    s.setValue("view/rateBins", m_rates->binCount());
    // Lambdas belong to the recording they were tuned on; with none shown
    // (a failed start) the saved ones stay as they were.
    const QString file = recordingFile();
    if (file.isEmpty())
        return;
    const LambdaState& st = m_lambdas->state();
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

void MainWindow::forgetSessionLambdas()
{
    m_restored.reset();
}

QString MainWindow::lastSessionRecording()
{
    return QSettings().value("lambdas/file").toString();
}

void MainWindow::restoreSettings()
{
    QSettings s;
    restoreGeometry(s.value("window/geometry").toByteArray());
    restoreState(s.value("window/state").toByteArray());
    m_recordings->setRecentFiles(s.value("files/recent").toStringList());
    if (s.contains("view/logScale"))
        m_breakdown->setLogScale(s.value("view/logScale").toBool());
    m_breakdown->setShowUnweighted(
        s.value("view/unweighted", m_breakdown->showUnweighted()).toBool());
    m_rates->setBinCount(s.value("view/rateBins", m_rates->binCount()).toInt());

    const QVariantList values = s.value("lambdas/values").toList();
    const QVariantList enabled = s.value("lambdas/enabled").toList();
    const QString file = s.value("lambdas/file").toString();
    if (values.size() != kTermCount || enabled.size() != kTermCount || file.isEmpty())
        return;
    LambdaState st = m_lambdas->state();
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
    m_restored = {file, st};
    m_lambdas->reset(st);
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
