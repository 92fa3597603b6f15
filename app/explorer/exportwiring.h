#pragma once
// The window's side of exporting: which chart and table of the views the
// Exporter knows under which key, each chart's "Export as …" context menu,
// File ▸ Export, and the save dialog that asks where to write.

#include "exporter.h"

#include <QObject>
#include <QString>

class QMenu;
class QWidget;

namespace rnnloss {

class MainWindow;

class ExportWiring : public QObject
{
    Q_OBJECT
public:
    /// Registers the charts and tables of `window`'s views on its exporter.
    explicit ExportWiring(MainWindow* window);

    /// File ▸ Export: the current chart, the figure options, the tables.
    void addMenu(QMenu* file);
    /// Asks where to write `key` as `format` (proposed beside the recording), then writes it.
    void exportInteractively(const QString& key, const QString& format, bool table);

    /// What an export records of what `window` shows: the recording, the
    /// lambdas, the selection and the neuron. The window may be half built.
    static Provenance provenance(const MainWindow& window);

    /// The chart a tab shows first: what File ▸ Export ▸ Current chart writes.
    static QString chartOfTab(int tab);

private:
    void registerCharts();
    void registerTables();
    void addChartMenu(const QString& key, QWidget* chart);
    void askFigureSize();

    MainWindow* m_window;
};

} // namespace rnnloss
