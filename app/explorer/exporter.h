#pragma once
// One way out for every chart and table of the window: the File menu, the
// charts' context menus and the headless `--export` mode all write through
// here. Failures come back as values naming the file; nothing half-written
// is left behind (tables go through QSaveFile).

#include "chartexport.h"
#include "lambdastate.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <optional>
#include <string>
#include <vector>

class QWidget;

namespace rnnloss {

/// What an export shows: recorded in its header line and its default name.
struct Provenance
{
    QString recording; ///< file path; empty before a load
    LambdaState lambdas;
    /// The part of the recording shown, e.g. "selection: 4 of 32 trials
    /// (label 'left')"; empty for the whole recording.
    QString selection;
    /// The neuron the neuron charts show, e.g. "neuron 12"; only their
    /// exports record it. Empty when none is selected.
    QString neuron;
};

/// What a chart shows, and so which parts of the provenance its export records.
enum class ChartScope
{
    Recording, ///< the selection of the active recording
    Neuron,    ///< the same, and the selected neuron
    Set,       ///< whole recordings of the set: never the selection
};

struct ExportOutcome
{
    QString path;
    QString error; ///< empty when the file was written
    bool ok() const { return error.isEmpty(); }
};

class Exporter
{
public:
    /// The text of a table, or nothing while there is nothing to export.
    using TextSource = std::function<std::optional<std::string>()>;

    explicit Exporter(std::function<Provenance()> provenance);

    /// A chart: written as PNG, SVG or PDF by widgets' exportChart, its
    /// metadata recording the provenance. When `chart` is given (a view's
    /// exportableCharts() entry), the chart alone is drawn, vector in SVG/PDF.
    void addChart(const QString& key, QWidget* widget, const ExportableChart& chart = {},
                  ChartScope scope = ChartScope::Recording);
    /// A table in one format ("csv" or "json"). A CSV's first line records the
    /// recording, convention and lambdas, as a '#' comment (and the selected
    /// neuron for a table of ChartScope::Neuron).
    void addTable(const QString& key, const QString& format, TextSource text,
                  ChartScope scope = ChartScope::Recording);

    QStringList chartKeys() const;
    QWidget* chart(const QString& key) const;

    ExportOutcome exportChart(const QString& key, const QString& path) const;
    ExportOutcome exportTable(const QString& key, const QString& path) const;

    /// "<recording>-<key>.<format>", e.g. "example-breakdown.png".
    QString defaultFileName(const QString& key, const QString& format) const;
    /// Every chart in each of `formats` that is an image format (png, svg,
    /// pdf) and every table whose format is listed, into `dir` under default names.
    std::vector<ExportOutcome> exportAll(const QString& dir, const QStringList& formats) const;

    static const QStringList& chartFormats();
    static const QStringList& tableFormats();
    /// "# file=... convention=... lambda_mse=... ..." (no newline); with
    /// ChartScope::Neuron also neuron="neuron 12".
    static std::string csvHeader(const Provenance& p, ChartScope scope = ChartScope::Recording);
    /// What a figure records of `p` (its metadata; a caption when asked for).
    ExportInfo exportInfo(const Provenance& p, ChartScope scope) const;

    /// Figures: a one-line caption under each (what it shows), and the size
    /// in logical pixels (invalid: the size on screen).
    void setFigureOptions(bool caption, QSize size);
    bool caption() const { return m_caption; }
    QSize figureSize() const { return m_size; }
    /// "800x600" -> that size; "" or "screen" -> invalid (the size on screen);
    /// anything else -> nullopt.
    static std::optional<QSize> parseFigureSize(const QString& text);

private:
    struct Chart
    {
        QString key;
        QWidget* widget = nullptr;
        ExportableChart chart;
        ChartScope scope = ChartScope::Recording;
    };
    struct Table
    {
        QString key;
        QString format;
        TextSource text;
        ChartScope scope = ChartScope::Recording;
    };
    const Table* table(const QString& key, const QString& format) const;

    std::function<Provenance()> m_provenance;
    std::vector<Chart> m_charts;
    std::vector<Table> m_tables;
    bool m_caption = false;
    QSize m_size;
};

} // namespace rnnloss
