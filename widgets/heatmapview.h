#pragma once
// A matrix as an image with a diverging colormap symmetric about 0
// (blue - white - red), a colour bar and axis titles. The colour range is the
// full one (max |value|) or a robust one (a high percentile of |value|, the
// cells beyond it marked with a dot). The wheel zooms about the pointer, a
// drag pans, a double click shows the whole matrix again.

#include "chartexport.h"

#include <QImage>
#include <QRectF>
#include <QString>
#include <QWidget>

#include <vector>

QT_BEGIN_NAMESPACE
class QAction;
QT_END_NAMESPACE

namespace rnnloss {

class HeatmapView : public QWidget, public FigurePainter
{
    Q_OBJECT

public:
    explicit HeatmapView(QWidget* parent = nullptr);

    /// Copies `rows` x `cols` row-major values and shows the whole matrix. An
    /// empty matrix shows emptyText() under the title.
    void setMatrix(const float* data, int rows, int cols, const QString& title);
    void setAxisTitles(const QString& x, const QString& y);
    void setEmptyText(const QString& text);
    QString emptyText() const { return m_emptyText; }
    QString title() const { return m_title; }

    int rows() const { return m_rows; }
    int cols() const { return m_cols; }

    /// The colour limit in use: robustLimit() when robustRange(), else fullLimit().
    double limit() const { return m_robust ? m_robustLimit : m_fullLimit; }
    /// max |value| over finite values (1 when all are 0).
    double fullLimit() const { return m_fullLimit; }
    /// The kRobustPercentile-th percentile of |value| (fullLimit() when that is 0).
    double robustLimit() const { return m_robustLimit; }
    void setRobustRange(bool on);
    bool robustRange() const { return m_robust; }
    /// True when the cell's |value| is beyond the colour limit in use.
    bool isClipped(int row, int col) const;
    int clippedCount() const;

    /// The value at (row, col), NaN outside.
    double valueAt(int row, int col) const;
    /// The tooltip text of one cell: its row, column and value.
    QString cellText(int row, int col) const;
    /// The cell under a widget position, or false outside the image.
    bool cellAt(const QPoint& pos, int* row, int* col) const;
    /// Diverging map: -1 blue, 0 white, +1 red; NaN grey.
    static QColor colorFor(double normalized);

    /// The part of the matrix shown, in cell units (x columns, y rows).
    QRectF visibleCells() const { return m_view; }
    /// Zooms by `factor` (> 1 in) keeping the cell under `pos` in place.
    void zoomAt(const QPointF& pos, double factor);
    void resetZoom();
    bool isZoomed() const;

    /// The rectangle the cells fill when the widget paints into `area`.
    QRect imageRect(const QRect& area) const;
    QRect imageRect() const { return imageRect(rect()); }

    /// FigurePainter: cells as rectangles of their exact colours in a vector
    /// file (a lossless image when there are very many).
    void paintFigure(QPainter& p, const QRect& rect, bool vector) const override;
    /// Matrices with more visible cells than this go into vector files as an image.
    static constexpr int kMaxVectorCells = 16384;

    QList<QAction*> viewActions() const;

    QSize sizeHint() const override { return {360, 300}; }
    QSize minimumSizeHint() const override { return {160, 110}; }

signals:
    void robustRangeChanged(bool on);

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    void rebuildImage();
    void setView(const QRectF& view);
    void paintAll(QPainter& p, const QRect& area, bool vector) const;
    void paintCells(QPainter& p, const QRect& img, bool vector) const;
    void paintClipMarks(QPainter& p, const QRect& img) const;
    void paintColorBar(QPainter& p, const QRect& img, int tall) const;
    QString rangeNote() const;

    std::vector<float> m_data;
    int m_rows = 0;
    int m_cols = 0;
    double m_fullLimit = 1.0;
    double m_robustLimit = 1.0;
    bool m_robust = false;
    int m_clipped = 0; ///< cells beyond m_robustLimit
    QImage m_image;
    QRectF m_view;
    QPointF m_dragStart;
    QRectF m_dragView;
    bool m_dragging = false;
    QString m_title;
    QString m_xTitle = tr("in");
    QString m_yTitle = tr("out");
    QString m_emptyText = tr("not in the recording");
    QAction* m_actRobust = nullptr;
    QAction* m_actReset = nullptr;
};

} // namespace rnnloss
