#include "chartexport.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QPixmap>
#include <QSvgGenerator>
#include <QWidget>

namespace rnnloss {

namespace {

bool fail(QString* error, const QString& message)
{
    if (error)
        *error = message;
    return false;
}

bool exportPng(QWidget* w, const QString& path, QString* error)
{
    constexpr qreal kRatio = 2.0;
    QPixmap pixmap(w->size() * kRatio);
    pixmap.setDevicePixelRatio(kRatio);
    pixmap.fill(w->palette().window().color());
    w->render(&pixmap, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
    if (!pixmap.save(path, "PNG"))
        return fail(error, QObject::tr("Could not write the PNG file %1.").arg(path));
    return true;
}

bool exportSvg(QWidget* w, const QString& path, QString* error)
{
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(w->size());
    svg.setViewBox(QRect(QPoint(0, 0), w->size()));
    svg.setTitle(w->windowTitle().isEmpty() ? QFileInfo(path).completeBaseName()
                                            : w->windowTitle());
    svg.setDescription(QObject::tr("Exported from RNNLoss Explorer"));
    QPainter p;
    if (!p.begin(&svg))
        return fail(error, QObject::tr("Could not write the SVG file %1.").arg(path));
    w->render(&p, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
    if (!p.end())
        return fail(error, QObject::tr("Could not finish the SVG file %1.").arg(path));
    return true;
}

bool exportPdf(QWidget* w, const QString& path, QString* error)
{
    QPdfWriter pdf(path);
    pdf.setCreator(QStringLiteral("RNNLoss Explorer"));
    // Points: the painter scale stays near 1. At 300 dpi (scale ~6) Qt Charts
    // 6.4 drops legend markers and text from the PDF; the output is vector anyway.
    pdf.setResolution(72);
    const auto orientation =
        w->width() >= w->height() ? QPageLayout::Landscape : QPageLayout::Portrait;
    pdf.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), orientation, QMarginsF(10, 10, 10, 10),
                                  QPageLayout::Millimeter));
    QPainter p;
    if (!p.begin(&pdf))
        return fail(error, QObject::tr("Could not write the PDF file %1.").arg(path));
    const QRect page = pdf.pageLayout().paintRectPixels(pdf.resolution());
    const qreal scale =
        std::min(page.width() / qreal(w->width()), page.height() / qreal(w->height()));
    // paintRectPixels is relative to the paper; the painter starts at the margin.
    p.translate((page.width() - w->width() * scale) / 2.0, 0.0);
    p.scale(scale, scale);
    w->render(&p, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
    if (!p.end())
        return fail(error, QObject::tr("Could not finish the PDF file %1.").arg(path));
    return true;
}

} // namespace

bool exportWidget(QWidget* w, const QString& path, QString* error)
{
    if (!w)
        return fail(error, QObject::tr("Nothing to export to %1.").arg(path));
    if (w->width() <= 0 || w->height() <= 0)
        return fail(error, QObject::tr("Cannot export an empty view to %1.").arg(path));
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png"))
        return exportPng(w, path, error);
    if (suffix == QLatin1String("svg"))
        return exportSvg(w, path, error);
    if (suffix == QLatin1String("pdf"))
        return exportPdf(w, path, error);
    return fail(error, QObject::tr("Cannot export to %1: the file name must end in .png, .svg "
                                   "or .pdf.")
                           .arg(path));
}

void installExportMenu(QWidget* view)
{
    if (!view)
        return;
    struct Format
    {
        const char* label;
        const char* suffix;
        const char* filter;
    };
    static const Format formats[] = {
        {QT_TRANSLATE_NOOP("rnnloss", "Export as PNG…"), "png",
         QT_TRANSLATE_NOOP("rnnloss", "PNG image (*.png)")},
        {QT_TRANSLATE_NOOP("rnnloss", "Export as SVG…"), "svg",
         QT_TRANSLATE_NOOP("rnnloss", "SVG image (*.svg)")},
        {QT_TRANSLATE_NOOP("rnnloss", "Export as PDF…"), "pdf",
         QT_TRANSLATE_NOOP("rnnloss", "PDF document (*.pdf)")},
    };
    if (!view->actions().isEmpty()) {
        auto* sep = new QAction(view);
        sep->setSeparator(true);
        view->addAction(sep);
    }
    for (const Format& f : formats) {
        auto* a = new QAction(QObject::tr(f.label), view);
        const QString suffix = QString::fromLatin1(f.suffix);
        const QString filter = QObject::tr(f.filter);
        QObject::connect(a, &QAction::triggered, view, [view, suffix, filter] {
            QString path = QFileDialog::getSaveFileName(view, QObject::tr("Export view"),
                                                        QStringLiteral("view.") + suffix, filter);
            if (path.isEmpty())
                return;
            if (QFileInfo(path).suffix().isEmpty())
                path += QLatin1Char('.') + suffix;
            QString error;
            if (!exportWidget(view, path, &error))
                QMessageBox::warning(view, QObject::tr("Export failed"), error);
        });
        view->addAction(a);
    }
    view->setContextMenuPolicy(Qt::ActionsContextMenu);
}

} // namespace rnnloss
