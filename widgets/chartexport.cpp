#include "chartexport.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QImageWriter>
#include <QMessageBox>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QPixmap>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QWidget>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QXYSeries>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace rnnloss {

namespace {

const QString kCreator = QStringLiteral("RNNLoss Explorer");

// Qt Charts lays out its text for the screen's logical DPI; painting into a
// device of the same resolution keeps text and boxes in proportion.
int figureDpi(const ExportableChart& c)
{
    const int dpi = c.widget ? c.widget->logicalDpiY() : 0;
    return dpi > 0 ? dpi : 96;
}

QSize onScreenSize(const ExportableChart& c)
{
    if (c.chart)
        return c.chart->size().toSize();
    return c.widget ? c.widget->size() : QSize();
}

QFont captionFont(const ExportableChart& c)
{
    QFont f = c.widget ? c.widget->font() : QFont();
    f.setPointSizeF(8.0);
    f.setBold(false);
    return f;
}

/// Height of the caption block under a figure `width` wide; 0 without caption.
int captionHeight(const ExportableChart& c, const ExportInfo& info, int width)
{
    if (!info.caption)
        return 0;
    const QFontMetrics fm(captionFont(c));
    const QRect r = fm.boundingRect(QRect(0, 0, std::max(1, width - 12), 100000), Qt::TextWordWrap,
                                    exportDescription(c, info));
    return r.height() + 8;
}

/// Gives the chart `size` for as long as it lives and lays it out at once, so
/// that a chart exported at a size other than its own is laid out, not stretched.
class ChartResize
{
public:
    ChartResize(QChart* chart, const QSizeF& size) : m_chart(chart)
    {
        if (!chart || chart->size() == size)
            return;
        m_old = chart->geometry();
        m_resized = true;
        apply(QRectF(m_old.topLeft(), size));
    }
    ~ChartResize()
    {
        if (m_resized)
            apply(m_old);
    }
    ChartResize(const ChartResize&) = delete;
    ChartResize& operator=(const ChartResize&) = delete;

private:
    void apply(const QRectF& r)
    {
        m_chart->setGeometry(r);
        // Twice: a chart that answers its new size by changing its own layout
        // (a legend's rows, an axis' tick count) is laid out again before it
        // is painted.
        for (int pass = 0; pass < 2 && m_chart->layout(); ++pass)
            m_chart->layout()->activate();
    }
    QChart* m_chart = nullptr;
    QRectF m_old;
    bool m_resized = false;
};

/// Hides, for as long as it lives, the series of `chart` that have no point
/// to draw. An empty area series (the PSTH's band while several lines are
/// shown) still paints its empty path, which Qt's PDF engine writes as a
/// closepath without a current point ("h f"), a syntax error for PDF readers.
/// Their legend markers keep the visibility the view gave them.
class EmptySeriesHidden
{
public:
    explicit EmptySeriesHidden(QChart* chart)
    {
        if (!chart)
            return;
        for (QAbstractSeries* s : chart->series()) {
            if (!s->isVisible() || !nothingToDraw(s))
                continue;
            Hidden h{s, {}};
            if (chart->legend())
                for (QLegendMarker* m : chart->legend()->markers(s))
                    h.markers.emplace_back(m, m->isVisible());
            s->setVisible(false);
            m_hidden.push_back(std::move(h));
        }
    }
    ~EmptySeriesHidden()
    {
        for (const Hidden& h : m_hidden) {
            h.series->setVisible(true);
            for (const auto& [marker, visible] : h.markers)
                marker->setVisible(visible);
        }
    }
    EmptySeriesHidden(const EmptySeriesHidden&) = delete;
    EmptySeriesHidden& operator=(const EmptySeriesHidden&) = delete;

private:
    static bool nothingToDraw(const QAbstractSeries* s)
    {
        if (const auto* area = qobject_cast<const QAreaSeries*>(s))
            return !area->upperSeries() || area->upperSeries()->count() == 0;
        if (const auto* xy = qobject_cast<const QXYSeries*>(s))
            return xy->count() == 0;
        return false;
    }
    struct Hidden
    {
        QAbstractSeries* series = nullptr;
        std::vector<std::pair<QLegendMarker*, bool>> markers;
    };
    std::vector<Hidden> m_hidden;
};

/// Paints the figure (without caption) into (0, 0, size).
void paintFigure(QPainter& p, const ExportableChart& c, const QSize& size, bool vector)
{
    const QRect target(QPoint(0, 0), size);
    if (const auto* fp = dynamic_cast<const FigurePainter*>(c.widget)) {
        fp->paintFigure(p, target, vector);
        return;
    }
    if (c.chart && c.chart->scene()) {
        ChartResize resize(c.chart, QSizeF(size));
        const EmptySeriesHidden hidden(c.chart);
        const QRectF source = c.chart->mapRectToScene(c.chart->rect());
        c.chart->scene()->render(&p, QRectF(target), source, Qt::IgnoreAspectRatio);
        return;
    }
    // A plain widget keeps its layout; another size scales it.
    p.save();
    const QSize own = c.widget->size();
    p.scale(size.width() / qreal(own.width()), size.height() / qreal(own.height()));
    c.widget->render(&p, QPoint(), QRegion(),
                     QWidget::DrawWindowBackground | QWidget::DrawChildren);
    p.restore();
}

void paintCaption(QPainter& p, const ExportableChart& c, const ExportInfo& info, const QSize& size,
                  int height)
{
    if (height <= 0)
        return;
    const QRect r(0, size.height(), size.width(), height);
    p.fillRect(r, Qt::white);
    p.setFont(captionFont(c));
    p.setPen(QColor(0x40, 0x40, 0x40));
    p.drawText(r.adjusted(6, 4, -6, -4), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
               exportDescription(c, info));
}

/// The whole page: white background, figure, caption.
void paintPage(QPainter& p, const ExportableChart& c, const ExportInfo& info, const QSize& size,
               int captionH, bool vector)
{
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    p.fillRect(QRect(0, 0, size.width(), size.height() + captionH), Qt::white);
    paintFigure(p, c, size, vector);
    paintCaption(p, c, info, size, captionH);
}

QString xmlEscaped(const QString& s)
{
    return s.toHtmlEscaped();
}

QByteArray xmpPacket(const QString& title, const QString& description, const QString& source)
{
    QString x;
    x += QStringLiteral("<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
                        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                        "<rdf:Description rdf:about=\"\" "
                        "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
                        "xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n");
    x += QStringLiteral("<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">%1</rdf:li></rdf:Alt>"
                        "</dc:title>\n")
             .arg(xmlEscaped(title));
    x += QStringLiteral("<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">%1</rdf:li>"
                        "</rdf:Alt></dc:description>\n")
             .arg(xmlEscaped(description));
    if (!source.isEmpty())
        x += QStringLiteral("<dc:source>%1</dc:source>\n").arg(xmlEscaped(source));
    x += QStringLiteral("<xmp:CreatorTool>%1</xmp:CreatorTool>\n").arg(kCreator);
    x += QStringLiteral("</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>");
    return x.toUtf8();
}

QString openFailed(const QString& what, const QString& path, const QSaveFile& f)
{
    return QObject::tr("Could not write the %1 file %2: %3").arg(what, path, f.errorString());
}

QString commit(QSaveFile& f, const QString& what, const QString& path)
{
    if (!f.commit())
        return QObject::tr("Could not finish the %1 file %2: %3").arg(what, path, f.errorString());
    return {};
}

QString exportPng(const ExportableChart& c, const QString& path, const ExportInfo& info,
                  const QSize& size)
{
    constexpr qreal kRatio = 2.0;
    const int captionH = captionHeight(c, info, size.width());
    // A pixmap paints text as the screen does (its DPI is the screen's).
    QPixmap pixmap(QSize(size.width(), size.height() + captionH) * kRatio);
    pixmap.setDevicePixelRatio(kRatio);
    pixmap.fill(Qt::white);
    {
        QPainter p(&pixmap);
        paintPage(p, c, info, size, captionH, false);
    }
    QImage image = pixmap.toImage();
    // Printed at this resolution the figure has its size on screen.
    const int dpm = static_cast<int>(std::lround(figureDpi(c) * kRatio / 0.0254));
    image.setDotsPerMeterX(dpm);
    image.setDotsPerMeterY(dpm);
    image.setText(QStringLiteral("Title"), c.title);
    image.setText(QStringLiteral("Description"), exportDescription(c, info));
    image.setText(QStringLiteral("Software"), kCreator);
    if (!info.file.isEmpty())
        image.setText(QStringLiteral("Source"), info.file);

    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return openFailed(QStringLiteral("PNG"), path, f);
    QImageWriter writer(&f, "png");
    if (!writer.write(image)) {
        f.cancelWriting();
        return QObject::tr("Could not write the PNG file %1: %2").arg(path, writer.errorString());
    }
    return commit(f, QStringLiteral("PNG"), path);
}

QString exportSvg(const ExportableChart& c, const QString& path, const ExportInfo& info,
                  const QSize& size)
{
    const int captionH = captionHeight(c, info, size.width());
    const QSize page(size.width(), size.height() + captionH);
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return openFailed(QStringLiteral("SVG"), path, f);
    QSvgGenerator svg;
    svg.setOutputDevice(&f);
    svg.setResolution(figureDpi(c));
    svg.setSize(page);
    svg.setViewBox(QRect(QPoint(0, 0), page));
    svg.setTitle(c.title);
    svg.setDescription(exportDescription(c, info));
    QPainter p;
    if (!p.begin(&svg)) {
        f.cancelWriting();
        return QObject::tr("Could not write the SVG file %1.").arg(path);
    }
    paintPage(p, c, info, size, captionH, true);
    if (!p.end()) {
        f.cancelWriting();
        return QObject::tr("Could not finish the SVG file %1.").arg(path);
    }
    return commit(f, QStringLiteral("SVG"), path);
}

QString exportPdf(const ExportableChart& c, const QString& path, const ExportInfo& info,
                  const QSize& size)
{
    const int captionH = captionHeight(c, info, size.width());
    const int dpi = figureDpi(c);
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return openFailed(QStringLiteral("PDF"), path, f);
    QPdfWriter pdf(&f);
    pdf.setCreator(kCreator);
    pdf.setTitle(c.title + (info.file.isEmpty() ? QString() : QStringLiteral(" — ") + info.file));
    pdf.setDocumentXmpMetadata(xmpPacket(c.title, exportDescription(c, info), info.file));
    // One device unit per logical pixel (the painter scale stays 1: at a large
    // scale Qt Charts 6.4 drops legend markers and text); the page is the
    // figure's size in points.
    pdf.setResolution(dpi);
    const QSizeF points(size.width() * 72.0 / dpi, (size.height() + captionH) * 72.0 / dpi);
    pdf.setPageLayout(
        QPageLayout(QPageSize(points, QPageSize::Point, QString(), QPageSize::ExactMatch),
                    QPageLayout::Portrait, QMarginsF(0, 0, 0, 0), QPageLayout::Point));
    QPainter p;
    if (!p.begin(&pdf)) {
        f.cancelWriting();
        return QObject::tr("Could not write the PDF file %1.").arg(path);
    }
    // Images go in lossless (Flate), never as JPEG.
    p.setRenderHint(QPainter::LosslessImageRendering);
    paintPage(p, c, info, size, captionH, true);
    if (!p.end()) {
        f.cancelWriting();
        return QObject::tr("Could not finish the PDF file %1.").arg(path);
    }
    return commit(f, QStringLiteral("PDF"), path);
}

} // namespace

QString exportDescription(const ExportableChart& chart, const ExportInfo& info)
{
    QStringList parts;
    if (!chart.title.isEmpty())
        parts << chart.title;
    if (!info.file.isEmpty())
        parts << info.file;
    if (!info.selection.isEmpty())
        parts << info.selection;
    if (!info.convention.isEmpty())
        parts << QObject::tr("convention %1").arg(info.convention);
    if (!info.lambdas.isEmpty())
        parts << info.lambdas;
    return parts.join(QStringLiteral(" · "));
}

QString defaultExportName(const QString& recording, const ExportableChart& chart,
                          const QString& suffix)
{
    QString base = QFileInfo(recording).completeBaseName();
    QString id = chart.id;
    static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9_.-]+"));
    base.replace(unsafe, QStringLiteral("_"));
    id.replace(unsafe, QStringLiteral("_"));
    QString name = base.isEmpty() ? id : id.isEmpty() ? base : base + QLatin1Char('-') + id;
    if (name.isEmpty())
        name = QStringLiteral("figure");
    return name + QLatin1Char('.') + suffix;
}

QString exportChart(const ExportableChart& chart, const QString& path, const ExportInfo& info)
{
    if (!chart.widget && !chart.chart)
        return QObject::tr("Nothing to export to %1.").arg(path);
    if (!chart.widget && chart.chart && !chart.chart->scene())
        return QObject::tr("Nothing to export to %1: the chart is not shown.").arg(path);
    const QSize size =
        info.size.isValid() && !info.size.isEmpty() ? info.size : onScreenSize(chart);
    if (size.width() <= 0 || size.height() <= 0)
        return QObject::tr("Cannot export an empty view to %1.").arg(path);
    constexpr int kMaxSide = 20000;
    if (size.width() > kMaxSide || size.height() > kMaxSide)
        return QObject::tr("Cannot export to %1: %2 × %3 is larger than %4 pixels a side.")
            .arg(path)
            .arg(size.width())
            .arg(size.height())
            .arg(kMaxSide);
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png"))
        return exportPng(chart, path, info, size);
    if (suffix == QLatin1String("svg"))
        return exportSvg(chart, path, info, size);
    if (suffix == QLatin1String("pdf"))
        return exportPdf(chart, path, info, size);
    return QObject::tr("Cannot export to %1: the file name must end in .png, .svg or .pdf.")
        .arg(path);
}

bool exportWidget(QWidget* w, const QString& path, QString* error)
{
    ExportableChart c;
    c.widget = w;
    c.title =
        w && !w->windowTitle().isEmpty() ? w->windowTitle() : QFileInfo(path).completeBaseName();
    const QString message = exportChart(c, path, ExportInfo{});
    if (error && !message.isEmpty())
        *error = message;
    return message.isEmpty();
}

namespace {

/// `name(suffix)` proposes a file name; `write(path)` exports and returns the error.
void addExportActions(QWidget* host, const QString& titleForMenu,
                      std::function<QString(const QString&)> name,
                      std::function<QString(const QString&)> write)
{
    struct Format
    {
        const char* label;
        const char* suffix;
        const char* filter;
    };
    static const Format formats[] = {
        {QT_TRANSLATE_NOOP("rnnloss", "Export %1 as PNG…"), "png",
         QT_TRANSLATE_NOOP("rnnloss", "PNG image (*.png)")},
        {QT_TRANSLATE_NOOP("rnnloss", "Export %1 as SVG…"), "svg",
         QT_TRANSLATE_NOOP("rnnloss", "SVG image (*.svg)")},
        {QT_TRANSLATE_NOOP("rnnloss", "Export %1 as PDF…"), "pdf",
         QT_TRANSLATE_NOOP("rnnloss", "PDF document (*.pdf)")},
    };
    if (!host->actions().isEmpty()) {
        auto* sep = new QAction(host);
        sep->setSeparator(true);
        host->addAction(sep);
    }
    for (const Format& f : formats) {
        auto* a = new QAction(QObject::tr(f.label).arg(titleForMenu), host);
        const QString suffix = QString::fromLatin1(f.suffix);
        const QString filter = QObject::tr(f.filter);
        QObject::connect(a, &QAction::triggered, host, [host, suffix, filter, name, write] {
            QString path =
                QFileDialog::getSaveFileName(host, QObject::tr("Export"), name(suffix), filter);
            if (path.isEmpty())
                return;
            if (QFileInfo(path).suffix().isEmpty())
                path += QLatin1Char('.') + suffix;
            const QString error = write(path);
            if (!error.isEmpty())
                QMessageBox::warning(host, QObject::tr("Export failed"), error);
        });
        host->addAction(a);
    }
    host->setContextMenuPolicy(Qt::ActionsContextMenu);
}

} // namespace

void installExportMenu(const ExportableChart& chart, std::function<ExportInfo()> info)
{
    if (!chart.widget)
        return;
    addExportActions(
        chart.widget, chart.title,
        [chart, info](const QString& suffix) {
            return defaultExportName(info ? info().file : QString(), chart, suffix);
        },
        [chart, info](const QString& path) {
            return exportChart(chart, path, info ? info() : ExportInfo{});
        });
}

void installExportMenu(QWidget* view)
{
    if (!view)
        return;
    addExportActions(
        view, QObject::tr("view"),
        [](const QString& suffix) { return QStringLiteral("view.") + suffix; },
        [view](const QString& path) {
            QString error;
            exportWidget(view, path, &error);
            return error;
        });
}

} // namespace rnnloss
