#pragma once
// A legend drawn inside a chart, under its plot, that wraps its entries onto
// as many rows as the chart's width needs and never shortens a name. Qt's own
// legend puts every entry in one row or column and elides the names that do
// not fit ("ste…"), or takes a third of the chart's width beside it.

#include <QBrush>
#include <QFont>
#include <QGraphicsObject>
#include <QList>
#include <QMargins>
#include <QPen>
#include <QString>

QT_BEGIN_NAMESPACE
class QChart;
QT_END_NAMESPACE

namespace rnnloss {

class ChartLegend : public QGraphicsObject
{
    Q_OBJECT

public:
    struct Entry
    {
        QString name;
        QPen pen;             ///< a line marker when set (Qt::NoPen: a filled square)
        QBrush brush;         ///< the square's fill when `pen` is Qt::NoPen
        bool square = false;  ///< a filled square (bars, bands) instead of a line
    };

    /// Hides the chart's own legend and takes the room under the plot that its
    /// rows need (the chart's bottom margin), following the chart's size.
    explicit ChartLegend(QChart* chart);

    void setEntries(const QList<Entry>& entries);
    const QList<Entry>& entries() const { return m_entries; }
    /// Each entry's rectangle (marker and name) in the chart's coordinates.
    QList<QRectF> entryRects() const;
    QFont font() const { return m_font; }

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
               QWidget* widget) override;

private:
    void relayout();
    double entryWidth(const Entry& e) const;

    QChart* m_chart = nullptr;
    QList<Entry> m_entries;
    QList<QRectF> m_rects; ///< local coordinates
    QFont m_font;
    QMargins m_baseMargins; ///< the chart's margins without the legend
    double m_height = 0.0;
    double m_width = 0.0;
};

} // namespace rnnloss
