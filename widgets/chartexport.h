#pragma once
// Writing one chart to an image or document file, with a record of what it
// shows, and the context-menu entries that ask for the file name.

#include <QList>
#include <QSize>
#include <QString>

#include <functional>

QT_BEGIN_NAMESPACE
class QChart;
class QPainter;
class QRect;
class QWidget;
QT_END_NAMESPACE

namespace rnnloss {

/// One chart a view can export on its own, without the view's controls.
struct ExportableChart
{
    QString id;                ///< file-name friendly, e.g. "weights-w_hid-heatmap"
    QString title;             ///< for menus and metadata, e.g. "W_hid heatmap"
    QWidget* widget = nullptr; ///< what shows it on screen; its size is the default size
    QChart* chart = nullptr;   ///< when set, the chart alone is exported, as vector in SVG/PDF
};

/// What an export shows, recorded in the file's metadata (PNG text chunks,
/// SVG <title>/<desc>, PDF title and XMP description) and, when `caption`,
/// in a line drawn under the figure.
struct ExportInfo
{
    QString file;       ///< the recording (and weights file) shown
    QString selection;  ///< e.g. "neurons 3, 17"; empty when nothing is selected
    QString convention; ///< "nn4n" or "spec"
    QString lambdas;    ///< e.g. "lambda_mse=1, lambda_fr=0.01"
    bool caption = false;
    QSize size; ///< logical pixels; invalid: the size on screen
};

/// One line naming the chart and everything `info` records, fields separated
/// by " · ", empty fields left out. The caption and the metadata description.
QString exportDescription(const ExportableChart& chart, const ExportInfo& info);

/// A default file name saying recording and view: "example-weights-w_hid-heatmap.png".
QString defaultExportName(const QString& recording, const ExportableChart& chart,
                          const QString& suffix);

/// A widget that paints itself for export differently from the screen, e.g.
/// heatmap cells as rectangles in a vector file. exportChart() uses it when the
/// chart's widget implements it.
class FigurePainter
{
public:
    virtual ~FigurePainter() = default;
    /// Paints the figure into `rect` of `p`. `vector`: the device is SVG or PDF.
    virtual void paintFigure(QPainter& p, const QRect& rect, bool vector) const = 0;
};

/// Writes `chart` to `path`, the format chosen by the suffix: .png (device
/// pixel ratio 2), .svg or .pdf (vector where the chart is; the page is the
/// figure's size). The file is replaced only when complete. Returns an empty
/// string on success, else a message naming the file.
QString exportChart(const ExportableChart& chart, const QString& path, const ExportInfo& info);

/// The whole of `w` (controls included), as exportChart() with no information.
/// On failure returns false and, when `error` is given, a message naming the file.
bool exportWidget(QWidget* w, const QString& path, QString* error = nullptr);

/// Adds "Export <title> as PNG/SVG/PDF…" to the context menu of `chart.widget`
/// (switching it to Qt::ActionsContextMenu, so actions already added to the
/// widget stay). Each entry asks for a file name, records what `info` returns
/// at that moment, and reports failures in a message box.
void installExportMenu(const ExportableChart& chart, std::function<ExportInfo()> info = {});

/// The same for a whole view (controls included).
void installExportMenu(QWidget* view);

} // namespace rnnloss
