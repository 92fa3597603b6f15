#include "chartlegend.h"

#include <QFontMetricsF>
#include <QGraphicsLayout>
#include <QPainter>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>

#include <algorithm>

namespace rnnloss {

namespace {

constexpr double kMarker = 16.0; // a line marker's length, a square's side is 10
constexpr double kGap = 5.0;     // between marker and name
constexpr double kSpacing = 14.0; // between entries
constexpr double kSide = 8.0;    // left and right of the rows

} // namespace

ChartLegend::ChartLegend(QChart* chart) : QGraphicsObject(chart), m_chart(chart)
{
    chart->legend()->setVisible(false);
    m_baseMargins = chart->margins();
    m_font = chart->legend()->font();
    m_font.setPointSizeF(8.0);
    setZValue(20);
    connect(chart, &QGraphicsWidget::geometryChanged, this, &ChartLegend::relayout);
    relayout();
}

void ChartLegend::setEntries(const QList<Entry>& entries)
{
    m_entries = entries;
    relayout();
    update();
}

double ChartLegend::entryWidth(const Entry& e) const
{
    return kMarker + kGap + QFontMetricsF(m_font).horizontalAdvance(e.name);
}

void ChartLegend::relayout()
{
    // Rows as wide as the chart: an entry goes on when the row has room for all
    // of its name, else starts the next row. A name is never shortened.
    const QFontMetricsF fm(m_font);
    const double rowHeight = std::max(fm.height(), 10.0) + 3.0;
    const double width = m_chart->size().width();
    m_rects.clear();
    double x = kSide, y = 0.0;
    for (const Entry& e : m_entries) {
        const double w = entryWidth(e);
        if (x > kSide && x + w > width - kSide) {
            x = kSide;
            y += rowHeight;
        }
        m_rects.append(QRectF(x, y, w, rowHeight));
        x += w + kSpacing;
    }
    prepareGeometryChange();
    m_width = width;
    m_height = m_entries.isEmpty() ? 0.0 : y + rowHeight;
    QMargins margins = m_baseMargins;
    margins.setBottom(m_baseMargins.bottom() + static_cast<int>(std::ceil(m_height)));
    if (m_chart->margins() != margins)
        m_chart->setMargins(margins);
    setPos(0.0, m_chart->size().height() - m_baseMargins.bottom() - m_height);
}

QList<QRectF> ChartLegend::entryRects() const
{
    QList<QRectF> out;
    for (const QRectF& r : m_rects)
        out.append(mapRectToParent(r));
    return out;
}

QRectF ChartLegend::boundingRect() const
{
    return QRectF(0.0, 0.0, m_width, m_height);
}

void ChartLegend::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
    painter->setFont(m_font);
    painter->setRenderHint(QPainter::Antialiasing);
    for (int i = 0; i < m_entries.size() && i < m_rects.size(); ++i) {
        const Entry& e = m_entries[i];
        const QRectF& r = m_rects[i];
        const double cy = r.center().y();
        if (e.square) {
            painter->setPen(e.pen.style() == Qt::NoPen ? QPen(e.brush.color().darker(130))
                                                       : e.pen);
            painter->setBrush(e.brush);
            painter->drawRect(QRectF(r.left() + 3.0, cy - 5.0, 10.0, 10.0));
        } else {
            QPen pen = e.pen;
            pen.setWidthF(std::max(pen.widthF(), 2.0));
            painter->setPen(pen);
            painter->drawLine(QPointF(r.left(), cy), QPointF(r.left() + kMarker, cy));
        }
        painter->setPen(QColor(0x20, 0x20, 0x20));
        painter->drawText(QRectF(r.left() + kMarker + kGap, r.top(), r.width() - kMarker - kGap,
                                 r.height()),
                          Qt::AlignLeft | Qt::AlignVCenter | Qt::TextDontClip, e.name);
    }
}

} // namespace rnnloss
