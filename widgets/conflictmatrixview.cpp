#include "conflictmatrixview.h"

#include "heatmapview.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace rnnloss {

namespace {

constexpr int kTitleHeight = 24;
constexpr int kBarWidth = 14;
constexpr int kMaxCell = 64;

/// With a real minus sign: "−0.43"; never "−0.00".
QString cellValueText(double v, int decimals)
{
    QString t = QString::number(v, 'f', decimals);
    if (t.startsWith(QLatin1Char('-')) && t.count(QLatin1Char('0')) == t.size() - 2)
        t.remove(0, 1);
    t.replace(QLatin1Char('-'), QChar(0x2212));
    return t;
}

QString meaning(double v)
{
    if (v <= -0.5)
        return QObject::tr("they pull against each other");
    if (v < -0.05)
        return QObject::tr("they partly conflict");
    if (v <= 0.05)
        return QObject::tr("nearly orthogonal");
    if (v < 0.5)
        return QObject::tr("partly aligned");
    return QObject::tr("aligned");
}

} // namespace

ConflictMatrixView::ConflictMatrixView(QWidget* parent) : QWidget(parent)
{
    setMouseTracking(true);
    m_emptyText = tr("No gradients yet");
}

void ConflictMatrixView::setMatrix(const QStringList& labels,
                                   const std::vector<std::optional<double>>& values,
                                   const std::vector<QString>& notes)
{
    const std::size_t n = std::size_t(labels.size());
    if (values.size() < n * n) {
        m_labels.clear();
        m_values.clear();
        m_notes.clear();
    } else {
        m_labels = labels;
        m_values.assign(values.begin(), values.begin() + std::ptrdiff_t(n * n));
        m_notes = notes;
        m_notes.resize(n * n);
    }
    m_faded.resize(std::size_t(m_labels.size()), false);
    update();
}

void ConflictMatrixView::setFaded(const std::vector<bool>& faded)
{
    std::vector<bool> f = faded;
    f.resize(std::size_t(m_labels.size()), false);
    if (f == m_faded)
        return;
    m_faded = std::move(f);
    update();
}

void ConflictMatrixView::setTitle(const QString& title)
{
    if (title == m_title)
        return;
    m_title = title;
    update();
}

void ConflictMatrixView::setEmptyText(const QString& text)
{
    if (text == m_emptyText)
        return;
    m_emptyText = text;
    update();
}

std::optional<double> ConflictMatrixView::valueAt(int row, int col) const
{
    const int n = size();
    if (row < 0 || col < 0 || row >= n || col >= n)
        return std::nullopt;
    return m_values[std::size_t(row * n + col)];
}

bool ConflictMatrixView::isFaded(int i) const
{
    return i >= 0 && i < int(m_faded.size()) && m_faded[std::size_t(i)];
}

QString ConflictMatrixView::cellText(int row, int col) const
{
    const int n = size();
    if (row < 0 || col < 0 || row >= n || col >= n)
        return {};
    const QString pair = tr("cos(%1, %2)").arg(m_labels[row], m_labels[col]);
    const std::optional<double> v = m_values[std::size_t(row * n + col)];
    const QString& note = m_notes[std::size_t(row * n + col)];
    QString text = v ? tr("%1 = %2: %3").arg(pair, QString::number(*v, 'f', 4), meaning(*v))
                     : tr("%1 undefined").arg(pair);
    if (!note.isEmpty())
        text += QStringLiteral("\n") + note;
    if (isFaded(row) || isFaded(col))
        text += tr("\n(faded: a term that is off or has λ = 0 does not count now)");
    return text;
}

int ConflictMatrixView::labelWidth() const
{
    const QFontMetrics fm(font());
    int w = 0;
    for (const QString& l : m_labels)
        w = std::max(w, fm.horizontalAdvance(l));
    return w;
}

QRect ConflictMatrixView::gridRect(const QRect& area) const
{
    const int n = size();
    if (n == 0)
        return {};
    const QFontMetrics fm(font());
    const int labelW = labelWidth();
    const int left = area.left() + labelW + 10;
    const int barSpace = kBarWidth + fm.horizontalAdvance(QStringLiteral("−1")) + 28;
    const int availW = area.right() - left - barSpace;
    // Column labels upright when they fit above their cells, else turned.
    auto cellFor = [&](int labelsH) {
        const int availH = area.bottom() - (area.top() + kTitleHeight + labelsH) - 8;
        return std::clamp(std::min(availW, availH) / n, 8, kMaxCell);
    };
    int labelsH = fm.height() + 6;
    int cell = cellFor(labelsH);
    if (labelW + 4 > cell) {
        labelsH = labelW + 8;
        cell = cellFor(labelsH);
    }
    return {left, area.top() + kTitleHeight + labelsH, cell * n, cell * n};
}

bool ConflictMatrixView::cellAt(const QPoint& pos, int* row, int* col) const
{
    const QRect g = gridRect(rect());
    if (g.isEmpty() || !g.contains(pos))
        return false;
    const int cell = g.width() / size();
    *col = std::min((pos.x() - g.left()) / cell, size() - 1);
    *row = std::min((pos.y() - g.top()) / cell, size() - 1);
    return true;
}

void ConflictMatrixView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    paintAll(p, rect());
}

void ConflictMatrixView::paintFigure(QPainter& p, const QRect& rect, bool) const
{
    // Seven by seven cells: rectangles of exact colours in every format.
    p.save();
    p.setFont(font());
    paintAll(p, rect);
    p.restore();
}

void ConflictMatrixView::paintAll(QPainter& p, const QRect& area) const
{
    p.fillRect(area, Qt::white);
    QFont tf = font();
    tf.setBold(true);
    tf.setPointSizeF(10.0);
    p.setFont(tf);
    p.setPen(QColor(0x20, 0x20, 0x20));
    p.drawText(QRect(area.left(), area.top(), area.width(), kTitleHeight), Qt::AlignCenter,
               QFontMetrics(tf).elidedText(m_title, Qt::ElideRight, area.width() - 8));
    p.setFont(font());
    const QRect grid = gridRect(area);
    if (grid.isEmpty()) {
        p.setPen(QColor(0x70, 0x70, 0x70));
        p.drawText(area.adjusted(12, kTitleHeight, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                   m_emptyText);
        return;
    }
    paintCells(p, grid);
    paintLabels(p, grid);
    paintColorBar(p, grid, area);
}

void ConflictMatrixView::paintCells(QPainter& p, const QRect& grid) const
{
    const int n = size();
    const int cell = grid.width() / n;
    // Two decimals where they fit, then one, then a smaller font; none in tiny cells.
    QFont cellFont = p.font();
    int decimals = -1;
    for (double scale : {1.0, 0.85, 0.72}) {
        QFont f = p.font();
        f.setPointSizeF(f.pointSizeF() * scale);
        const QFontMetrics fm(f);
        for (int d : {2, 1})
            if (decimals < 0 &&
                fm.horizontalAdvance(d == 2 ? QStringLiteral("−0.00") : QStringLiteral("−0.0")) +
                        2 <=
                    cell) {
                decimals = d;
                cellFont = f;
            }
    }
    p.save();
    p.setFont(cellFont);
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            const QRect box(grid.left() + c * cell, grid.top() + r * cell, cell, cell);
            const std::optional<double> v = m_values[std::size_t(r * n + c)];
            if (v) {
                p.fillRect(box, HeatmapView::colorFor(*v));
            } else {
                p.fillRect(box, QColor(0xf0, 0xf0, 0xf0));
                p.fillRect(box, QBrush(QColor(0xb8, 0xb8, 0xb8), Qt::BDiagPattern));
            }
            if (isFaded(r) || isFaded(c))
                p.fillRect(box, QColor(255, 255, 255, 170));
            if (decimals < 0)
                continue;
            const bool dark = v && std::abs(*v) > 0.6 && !isFaded(r) && !isFaded(c);
            p.setPen(dark ? Qt::white : QColor(0x30, 0x30, 0x30));
            p.drawText(box, Qt::AlignCenter, v ? cellValueText(*v, decimals) : QStringLiteral("–"));
        }
    p.restore();
    p.setPen(QPen(QColor(0x90, 0x90, 0x90), 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(grid);
}

void ConflictMatrixView::paintLabels(QPainter& p, const QRect& grid) const
{
    const int n = size();
    const int cell = grid.width() / n;
    const QFontMetrics fm(font());
    const bool turned = labelWidth() + 4 > cell;
    for (int i = 0; i < n; ++i) {
        p.setPen(isFaded(i) ? QColor(0xa0, 0xa0, 0xa0) : QColor(0x20, 0x20, 0x20));
        const QRect left(grid.left() - 206, grid.top() + i * cell, 200, cell);
        p.drawText(left, Qt::AlignRight | Qt::AlignVCenter, m_labels[i]);
        if (!turned) {
            const QRect top(grid.left() + i * cell - cell, grid.top() - fm.height() - 4, 3 * cell,
                            fm.height());
            p.drawText(top, Qt::AlignHCenter | Qt::AlignBottom, m_labels[i]);
            continue;
        }
        // Read from bottom to top, ending just above the column.
        p.save();
        p.translate(grid.left() + i * cell + cell / 2, grid.top() - 4);
        p.rotate(-90);
        p.drawText(QRect(0, -fm.height() / 2, 200, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   m_labels[i]);
        p.restore();
    }
}

void ConflictMatrixView::paintColorBar(QPainter& p, const QRect& grid, const QRect& area) const
{
    const QRect bar(grid.right() + 14, grid.top(), kBarWidth, grid.height());
    if (bar.right() > area.right())
        return;
    for (int y = 0; y < bar.height(); ++y) {
        const double v = 1.0 - 2.0 * (y + 0.5) / bar.height();
        p.fillRect(QRect(bar.left(), bar.top() + y, bar.width(), 1), HeatmapView::colorFor(v));
    }
    p.setPen(QPen(QColor(0x90, 0x90, 0x90), 1));
    p.drawRect(bar);
    p.setPen(QColor(0x30, 0x30, 0x30));
    const QFontMetrics fm(font());
    const struct
    {
        double v;
        const char* label;
    } ticks[] = {{1.0, "1"}, {0.0, "0"}, {-1.0, "−1"}};
    for (const auto& t : ticks) {
        const int y = bar.top() + int(std::lround((1.0 - t.v) / 2.0 * bar.height()));
        p.drawLine(bar.right(), y, bar.right() + 3, y);
        p.drawText(QRect(bar.right() + 5, y - fm.height() / 2, 60, fm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, QString::fromUtf8(t.label));
    }
}

bool ConflictMatrixView::event(QEvent* e)
{
    if (e->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(e);
        int r = 0, c = 0;
        if (cellAt(help->pos(), &r, &c))
            QToolTip::showText(help->globalPos(), cellText(r, c), this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(e);
}

} // namespace rnnloss
