#include "exportwiring.h"

#include "compareview.h"
#include "gradientcsv.h"
#include "gradientview.h"
#include "heatmapview.h"
#include "historyview.h"
#include "lossbreakdownview.h"
#include "mainwindow.h"
#include "neurondetailview.h"
#include "neuronexports.h"
#include "populationcontroller.h"
#include "populationview.h"
#include "ratehistogramview.h"
#include "report.h"
#include "runsscatterview.h"
#include "setmetricsbinding.h"
#include "statisticview.h"
#include "sweepview.h"
#include "weightsview.h"

#include <QAction>
#include <QChartView>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMenu>
#include <QMessageBox>
#include <QStatusBar>
#include <QTabWidget>

#include <tuple>

namespace rnnloss {

ExportWiring::ExportWiring(MainWindow* window) : QObject(window), m_window(window)
{
    registerCharts();
    registerTables();
}

void ExportWiring::registerCharts()
{
    using S = ChartScope;
    const MainWindow& w = *m_window;
    const std::tuple<QString, QWidget*, ChartScope> charts[] = {
        {"breakdown", w.breakdownView(), S::Recording},
        {"rates", w.rateView()->chartView(), S::Recording},
        {"neuron-histogram", w.neuronDetail()->histogramView(), S::Neuron},
        {"psth", w.neuronDetail()->psthView(), S::Neuron},
        {"w_in", w.weightsView()->heatmap(0), S::Recording},
        {"w_hid", w.weightsView()->heatmap(1), S::Recording},
        {"w_out", w.weightsView()->heatmap(2), S::Recording},
        {"w_in-histogram", w.weightsView()->histogramView(0), S::Recording},
        {"w_hid-histogram", w.weightsView()->histogramView(1), S::Recording},
        {"w_out-histogram", w.weightsView()->histogramView(2), S::Recording},
        {"history", w.recordingSet()->historyView(), S::Set},
        {"sweep", w.recordingSet()->sweepView()->chartView(), S::Set},
        {"compare-rates", w.recordingSet()->compareView()->distributionView(), S::Set},
        {"compare-breakdown", w.recordingSet()->compareView()->barsView(), S::Set},
        {"compare-scatter", w.recordingSet()->compareView()->scatterView(), S::Set},
        {"statistic", w.population()->statisticView()->chartView(), S::Recording},
        {"accuracy", w.population()->populationView()->accuracyView(), S::Recording},
        {"psychometric", w.population()->populationView()->psychometricView(), S::Recording},
        {"gradients", w.gradientView()->exportableCharts()[0].widget, S::Recording},
        {"gradient-conflicts", w.gradientView()->exportableCharts()[1].widget, S::Recording},
        {"runs-scatter", w.setMetrics()->scatter(), S::Set},
    };
    // The views' own description of each chart (the chart alone, vector in
    // SVG/PDF); a widget no view lists is exported whole.
    QList<ExportableChart> listed =
        w.breakdownView()->exportableCharts() + w.rateView()->exportableCharts() +
        w.neuronDetail()->exportableCharts() + w.weightsView()->exportableCharts() +
        w.population()->statisticView()->exportableCharts() +
        w.population()->populationView()->exportableCharts() +
        w.gradientView()->exportableCharts();
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
        w.exporter()->addChart(key, widget, chart, scope);
        addChartMenu(key, widget);
    }
}

void ExportWiring::registerTables()
{
    Exporter* exporter = m_window->exporter();
    const AnalysisController* a = m_window->analysis();
    exporter->addTable("breakdown", "csv", [a]() -> std::optional<std::string> {
        if (!a->lastResult())
            return std::nullopt;
        return breakdownCsv(a->lastResult()->loss);
    });
    exporter->addTable("neurons", "csv", [a]() -> std::optional<std::string> {
        if (!a->lastResult() || !a->lastResult()->stats)
            return std::nullopt;
        // Rows named by the recording's neuron numbers (a slice's rows are not).
        const Summary* s = a->lastResult()->summary.get();
        return neuronCsv(*a->lastResult()->stats,
                         s && s->slice ? s->slice->neurons : std::vector<std::int64_t>{},
                         s ? s->neuronGroups : std::vector<std::string>{});
    });
    exporter->addTable("loss", "json", [a]() -> std::optional<std::string> {
        if (!a->lastResult() || !a->lastResult()->stats || !a->summary())
            return std::nullopt;
        return lossJson(*a->summary(), a->lastResult()->loss, *a->lastResult()->stats);
    });
    addNeuronTables(*exporter, a, m_window->selection()); // "psth", "neuron-histogram"
    const StatisticView* stat = m_window->population()->statisticView();
    exporter->addTable("statistic", "csv", [a, stat]() -> std::optional<std::string> {
        if (!a->lastResult() || stat->values().empty())
            return std::nullopt;
        const Summary* s = a->lastResult()->summary.get();
        return stat->csv(s && s->slice ? s->slice->neurons : std::vector<std::int64_t>{});
    });
    const CompareView* compare = m_window->recordingSet()->compareView();
    exporter->addTable(
        "compare-statistic", "csv",
        [compare]() -> std::optional<std::string> {
            if (compare->binEdges().empty())
                return std::nullopt;
            return compare->distributionCsv();
        },
        ChartScope::Set);
    SetMetricsBinding* metrics = m_window->setMetrics();
    exporter->addTable(
        "runs-scatter", "csv",
        [metrics]() -> std::optional<std::string> { return metrics->scatter()->csv(); },
        ChartScope::Set);
    const LambdaModel* m = m_window->lambdaModel();
    exporter->addTable("lambdas", "json", [m]() -> std::optional<std::string> {
        return lambdasJson(m->state().effective(), m->state().convention);
    });
    const GradientController* g = m_window->gradients();
    exporter->addTable("gradients", "csv", [a, g, m]() -> std::optional<std::string> {
        if (!a->summary())
            return std::nullopt;
        if (!g->result()) // computing, or cancelled: the file says so
            return "# no gradients: " + g->status().toStdString() + "\n";
        return gradientCsv(*g->result(), m->state().values, m->state().enabled);
    });
}

void ExportWiring::addChartMenu(const QString& key, QWidget* chart)
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

void ExportWiring::addMenu(QMenu* file)
{
    QMenu* exp = file->addMenu(tr("&Export"));
    const QTabWidget* tabs = m_window->tabs();
    QAction* current =
        exp->addAction(tr("&Current chart…"), QKeySequence(tr("Ctrl+E")), this, [this, tabs] {
            exportInteractively(chartOfTab(tabs->currentIndex()), "png", false);
        });
    current->setObjectName("exportCurrent");
    for (const QString& fmt : {QStringLiteral("svg"), QStringLiteral("pdf")})
        exp->addAction(tr("Current chart as %1…").arg(fmt.toUpper()), this, [this, tabs, fmt] {
            exportInteractively(chartOfTab(tabs->currentIndex()), fmt, false);
        });
    QAction* caption = exp->addAction(tr("Caption under figures"));
    caption->setObjectName("exportCaption");
    caption->setCheckable(true);
    Exporter* exporter = m_window->exporter();
    connect(caption, &QAction::toggled, this,
            [exporter](bool on) { exporter->setFigureOptions(on, exporter->figureSize()); });
    exp->addAction(tr("Figure size…"), this, &ExportWiring::askFigureSize);
    exp->addSeparator();
    exp->addAction(tr("Loss breakdown as CSV…"), this,
                   [this] { exportInteractively("breakdown", "csv", true); });
    exp->addAction(tr("Neuron statistics as CSV…"), this,
                   [this] { exportInteractively("neurons", "csv", true); });
    exp->addAction(tr("Per-neuron statistic as CSV…"), this,
                   [this] { exportInteractively("statistic", "csv", true); });
    exp->addAction(tr("PSTH as CSV…"), this, [this] { exportInteractively("psth", "csv", true); });
    exp->addAction(tr("Loss and statistics as JSON…"), this,
                   [this] { exportInteractively("loss", "json", true); });
    exp->addAction(tr("Lambdas as JSON…"), this,
                   [this] { exportInteractively("lambdas", "json", true); });
    exp->addAction(tr("Gradient norms, shares and cosines as CSV…"), this,
                   [this] { exportInteractively("gradients", "csv", true); });
    exp->addAction(tr("Compare's distributions as CSV…"), this,
                   [this] { exportInteractively("compare-statistic", "csv", true); });
    exp->addAction(tr("Runs scatter as CSV…"), this,
                   [this] { exportInteractively("runs-scatter", "csv", true); });
}

void ExportWiring::askFigureSize()
{
    Exporter* exporter = m_window->exporter();
    const QSize now = exporter->figureSize();
    bool ok = false;
    const QString text = QInputDialog::getText(
        m_window, tr("Figure size"),
        tr("Width x height in pixels (PNG at twice that), or empty for the size on screen:"),
        QLineEdit::Normal,
        now.isValid() ? QStringLiteral("%1x%2").arg(now.width()).arg(now.height()) : QString(),
        &ok);
    if (!ok)
        return;
    if (const auto size = Exporter::parseFigureSize(text))
        exporter->setFigureOptions(exporter->caption(), *size);
    else
        QMessageBox::warning(m_window, tr("Figure size"),
                             tr("'%1' is not a size: give it as 800x600 (50 to 10000 "
                                "pixels each), or leave it empty")
                                 .arg(text));
}

void ExportWiring::exportInteractively(const QString& key, const QString& format, bool table)
{
    Exporter* exporter = m_window->exporter();
    // Proposed beside the recording, named after it and the view.
    QString proposed = exporter->defaultFileName(key, format);
    if (const QString rec = m_window->recordingFile(); !rec.isEmpty())
        proposed = QFileInfo(rec).absoluteDir().filePath(proposed);
    QString path =
        QFileDialog::getSaveFileName(m_window, tr("Export"), proposed,
                                     QStringLiteral("%1 (*.%2)").arg(format.toUpper(), format));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QLatin1Char('.') + format;
    const ExportOutcome out =
        table ? exporter->exportTable(key, path) : exporter->exportChart(key, path);
    if (!out.ok())
        QMessageBox::warning(m_window, tr("Export failed"), out.error);
    else
        m_window->statusBar()->showMessage(tr("Wrote %1").arg(path), 5000);
}

Provenance ExportWiring::provenance(const MainWindow& w)
{
    const AnalysisController* analysis = w.analysis();
    const SelectionController* selection = w.selection();
    const int n = analysis ? analysis->neuron() : -1;
    Provenance p{w.recordingFile(), w.lambdaModel()->state(), {}, {}};
    if (selection && selection->slice())
        p.selection = selection->describe();
    if (n >= 0)
        p.neuron = tr("neuron %1").arg(selection ? selection->neuronId(n) : n);
    return p;
}

QString ExportWiring::chartOfTab(int tab)
{
    static const QStringList keys{"breakdown", "rates",         "psth",  "w_hid",
                                  "history",   "compare-rates", "sweep", "statistic",
                                  "gradients", "runs-scatter"};
    return keys.value(std::clamp(tab, 0, int(keys.size()) - 1));
}

} // namespace rnnloss
