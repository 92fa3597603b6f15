#include "heatmapview.h"

#include "chartutil.h"

#include <QAction>
#include <QEvent>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPaintEngine>
#include <QPainter>
#include <QRegularExpression>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace rnnloss {

namespace {

// ColorBrewer RdBu (reversed: negative blue, positive red), 11 classes.
constexpr std::array<QRgb, 11> kStops = {0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7,
                                         0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b, 0x67001f};

constexpr int kBarGap = 8;
constexpr int kBarWidth = 12;
constexpr double kWheelStep = 1.25; // zoom per wheel notch

QFont smallFont(const QFont& f)
{
    QFont s = f;
    s.setPointSizeF(std::max(7.0, f.pointSizeF() * 0.85));
    return s;
}

QFont boldFont(const QFont& f)
{
    QFont b = f;
    b.setBold(true);
    return b;
}

/// Room around the cells: title above; row ticks and y title left; column
/// ticks, x title and the range note below; the colour bar right.
struct Margins
{
    int left, top, right, bottom;
};

Margins marginsFor(const QFont& font, int rows)
{
    const QFontMetrics fm(smallFont(font)), tfm(font), bfm(boldFont(font));
    Margins m{};
    m.top = bfm.height() + 6;
    m.left = tfm.height() + 4 + fm.horizontalAdvance(QString::number(std::max(0, rows - 1))) + 8;
    m.bottom = 4 + fm.height() + tfm.height() + 2 + fm.height() + 4;
    m.right = kBarGap + kBarWidth + 6 + fm.horizontalAdvance(QStringLiteral("-0.000")) + 4;
    return m;
}

/// Ticks on whole indices in [lo, hi): nice steps, at least `minSpacing` px apart.
std::vector<int> indexTicks(double lo, double hi, int room, int minSpacing)
{
    std::vector<int> out;
    const double span = hi - lo;
    if (span <= 0)
        return out;
    const int maxTicks = std::max(2, room / std::max(1, minSpacing));
    const double step = std::max(1.0, niceNumber(span / maxTicks, false));
    for (double t = std::ceil(lo / step) * step; t < hi; t += step)
        out.push_back(static_cast<int>(t));
    return out;
}

} // namespace

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent)
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent, false);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    m_actRobust = new QAction(
        tr("Robust colour range (%1th percentile of |w|)").arg(kRobustPercentile), this);
    m_actRobust->setCheckable(true);
    connect(m_actRobust, &QAction::toggled, this, &HeatmapView::setRobustRange);
    m_actReset = new QAction(tr("Show the whole matrix"), this);
    connect(m_actReset, &QAction::triggered, this, &HeatmapView::resetZoom);
    addAction(m_actRobust);
    addAction(m_actReset);
    setContextMenuPolicy(Qt::ActionsContextMenu);
}

QList<QAction*> HeatmapView::viewActions() const
{
    return {m_actRobust, m_actReset};
}

QColor HeatmapView::colorFor(double x)
{
    if (!std::isfinite(x))
        return QColor(0xa0, 0xa0, 0xa0);
    x = std::clamp(x, -1.0, 1.0);
    const double pos = (x + 1.0) * 0.5 * (kStops.size() - 1);
    const int i = std::min(static_cast<int>(pos), static_cast<int>(kStops.size()) - 2);
    const double f = pos - i;
    const QColor a = QColor::fromRgb(kStops[i]), b = QColor::fromRgb(kStops[i + 1]);
    return QColor::fromRgbF(static_cast<float>(a.redF() + f * (b.redF() - a.redF())),
                            static_cast<float>(a.greenF() + f * (b.greenF() - a.greenF())),
                            static_cast<float>(a.blueF() + f * (b.blueF() - a.blueF())));
}

void HeatmapView::setMatrix(const float* data, int rows, int cols, const QString& title)
{
    m_title = title;
    if (!data || rows <= 0 || cols <= 0) {
        m_data.clear();
        m_rows = m_cols = 0;
        m_image = QImage();
        m_fullLimit = m_robustLimit = 1.0;
        m_clipped = 0;
        m_view = QRectF();
        update();
        return;
    }
    m_rows = rows;
    m_cols = cols;
    m_data.assign(data, data + static_cast<std::size_t>(rows) * cols);
    std::vector<double> mags;
    mags.reserve(m_data.size());
    for (float v : m_data)
        if (std::isfinite(v))
            mags.push_back(std::abs(static_cast<double>(v)));
    const double lim = mags.empty() ? 0.0 : *std::max_element(mags.begin(), mags.end());
    m_fullLimit = lim > 0.0 ? lim : 1.0;
    const double robust = percentile(std::move(mags), kRobustPercentile);
    m_robustLimit = robust > 0.0 ? robust : m_fullLimit;
    // Counted once here: the note under the map shows it on every paint.
    m_clipped = static_cast<int>(std::count_if(m_data.begin(), m_data.end(), [this](float v) {
        return std::isfinite(v) && std::abs(static_cast<double>(v)) > m_robustLimit;
    }));
    m_view = QRectF(0, 0, cols, rows);
    rebuildImage();
}

void HeatmapView::rebuildImage()
{
    if (m_data.empty())
        return;
    // A lookup table keeps large matrices cheap.
    constexpr int kLut = 512;
    std::array<QRgb, kLut> lut;
    for (int i = 0; i < kLut; ++i)
        lut[i] = colorFor(-1.0 + 2.0 * i / (kLut - 1)).rgb();
    const QRgb nanColor = colorFor(std::nan("")).rgb();
    const double lim = limit();
    m_image = QImage(m_cols, m_rows, QImage::Format_RGB32);
    for (int r = 0; r < m_rows; ++r) {
        auto* line = reinterpret_cast<QRgb*>(m_image.scanLine(r));
        const float* src = m_data.data() + static_cast<std::size_t>(r) * m_cols;
        for (int c = 0; c < m_cols; ++c) {
            const double v = src[c];
            if (!std::isfinite(v)) {
                line[c] = nanColor;
                continue;
            }
            const int k = static_cast<int>(std::lround((v / lim + 1.0) * 0.5 * (kLut - 1)));
            line[c] = lut[std::clamp(k, 0, kLut - 1)];
        }
    }
    update();
}

void HeatmapView::setRobustRange(bool on)
{
    if (on == m_robust)
        return;
    m_robust = on;
    m_actRobust->setChecked(on);
    rebuildImage();
    update();
    emit robustRangeChanged(on);
}

bool HeatmapView::isClipped(int row, int col) const
{
    const double v = valueAt(row, col);
    return m_robust && std::isfinite(v) && std::abs(v) > m_robustLimit;
}

int HeatmapView::clippedCount() const { return m_robust ? m_clipped : 0; }

void HeatmapView::setAxisTitles(const QString& x, const QString& y)
{
    m_xTitle = x;
    m_yTitle = y;
    update();
}

void HeatmapView::setEmptyText(const QString& text)
{
    m_emptyText = text;
    update();
}

double HeatmapView::valueAt(int row, int col) const
{
    if (row < 0 || col < 0 || row >= m_rows || col >= m_cols)
        return std::numeric_limits<double>::quiet_NaN();
    return m_data[static_cast<std::size_t>(row) * m_cols + col];
}

QRect HeatmapView::imageRect(const QRect& area) const
{
    const Margins m = marginsFor(font(), m_rows);
    QRect r = area.adjusted(m.left, m.top, -m.right, -m.bottom);
    if (r.width() < 1 || r.height() < 1 || m_cols <= 0 || m_rows <= 0)
        return r;
    // Cells as square as the room allows: the image's aspect is the matrix's,
    // bounded to 1:4 .. 4:1 so that a thin matrix (W_in is N x 3, W_out 2 x N)
    // still gets a readable strip rather than a line. Zooming keeps this
    // rectangle and shows fewer cells in it.
    const double want = std::clamp(double(m_cols) / m_rows, 0.25, 4.0);
    QSize fit(r.width(), int(std::lround(r.width() / want)));
    if (fit.height() > r.height())
        fit = QSize(int(std::lround(r.height() * want)), r.height());
    fit = fit.expandedTo(QSize(1, 1));
    // Whole pixels per cell when cells are a few pixels or more: no uneven
    // cells from nearest-neighbour scaling.
    const int cw = fit.width() / m_cols, ch = fit.height() / m_rows;
    if (cw >= 2 && ch >= 2)
        fit = QSize(cw * m_cols, ch * m_rows);
    return QRect(r.left() + (r.width() - fit.width()) / 2,
                 r.top() + (r.height() - fit.height()) / 2, fit.width(), fit.height());
}

QString HeatmapView::cellText(int row, int col) const
{
    QString text = tr("%1 = %2, %3 = %4\nvalue = %5")
                       .arg(m_yTitle)
                       .arg(row)
                       .arg(m_xTitle)
                       .arg(col)
                       .arg(QString::number(valueAt(row, col), 'g', 5));
    if (isClipped(row, col))
        text += tr("\nbeyond the colour range ±%1").arg(QString::number(m_robustLimit, 'g', 3));
    return text;
}

bool HeatmapView::cellAt(const QPoint& pos, int* row, int* col) const
{
    const QRect r = imageRect();
    if (m_image.isNull() || !r.contains(pos) || m_view.isEmpty())
        return false;
    const double x = m_view.left() + (pos.x() - r.left() + 0.5) * m_view.width() / r.width();
    const double y = m_view.top() + (pos.y() - r.top() + 0.5) * m_view.height() / r.height();
    const int c = std::clamp(static_cast<int>(std::floor(x)), 0, m_cols - 1);
    const int rr = std::clamp(static_cast<int>(std::floor(y)), 0, m_rows - 1);
    if (row)
        *row = rr;
    if (col)
        *col = c;
    return true;
}

bool HeatmapView::isZoomed() const
{
    return !m_view.isEmpty() && (m_view.width() < m_cols - 1e-9 || m_view.height() < m_rows - 1e-9);
}

void HeatmapView::setView(const QRectF& v)
{
    if (m_rows <= 0 || m_cols <= 0)
        return;
    QRectF r = v;
    r.setWidth(std::min(r.width(), double(m_cols)));
    r.setHeight(std::min(r.height(), double(m_rows)));
    r.moveLeft(std::clamp(r.left(), 0.0, m_cols - r.width()));
    r.moveTop(std::clamp(r.top(), 0.0, m_rows - r.height()));
    if (r != m_view) {
        m_view = r;
        update();
    }
}

void HeatmapView::resetZoom()
{
    setView(QRectF(0, 0, m_cols, m_rows));
}

void HeatmapView::zoomAt(const QPointF& pos, double factor)
{
    const QRect img = imageRect();
    if (m_view.isEmpty() || img.isEmpty() || !(factor > 0.0))
        return;
    // Fractions of the image left of and above the pointer stay the same.
    const double fx = std::clamp((pos.x() - img.left()) / img.width(), 0.0, 1.0);
    const double fy = std::clamp((pos.y() - img.top()) / img.height(), 0.0, 1.0);
    const QPointF anchor(m_view.left() + fx * m_view.width(), m_view.top() + fy * m_view.height());
    // One scale for both axes keeps cells square; at most zoomed in to one
    // cell along the longer side, at most out to the whole matrix.
    const double sMin = std::min(1.0, std::max(1.0 / m_view.width(), 1.0 / m_view.height()));
    const double sMax = std::min(m_cols / m_view.width(), m_rows / m_view.height());
    const double s = std::clamp(1.0 / factor, sMin, std::max(sMin, sMax));
    const QSizeF size(m_view.width() * s, m_view.height() * s);
    setView(QRectF(QPointF(anchor.x() - fx * size.width(), anchor.y() - fy * size.height()), size));
}

void HeatmapView::wheelEvent(QWheelEvent* e)
{
    if (m_image.isNull() || e->angleDelta().y() == 0) {
        QWidget::wheelEvent(e);
        return;
    }
    zoomAt(e->position(), std::pow(kWheelStep, e->angleDelta().y() / 120.0));
    e->accept();
}

void HeatmapView::mousePressEvent(QMouseEvent* e)
{
    if (e->button() == Qt::LeftButton && isZoomed()) {
        m_dragging = true;
        m_dragStart = e->position();
        m_dragView = m_view;
        setCursor(Qt::ClosedHandCursor);
        e->accept();
        return;
    }
    QWidget::mousePressEvent(e);
}

void HeatmapView::mouseMoveEvent(QMouseEvent* e)
{
    if (m_dragging) {
        const QRect img = imageRect();
        const QPointF d = e->position() - m_dragStart;
        setView(m_dragView.translated(-d.x() * m_view.width() / std::max(1, img.width()),
                                      -d.y() * m_view.height() / std::max(1, img.height())));
        e->accept();
        return;
    }
    QWidget::mouseMoveEvent(e);
}

void HeatmapView::mouseReleaseEvent(QMouseEvent* e)
{
    if (m_dragging && e->button() == Qt::LeftButton) {
        m_dragging = false;
        unsetCursor();
        e->accept();
        return;
    }
    QWidget::mouseReleaseEvent(e);
}

void HeatmapView::mouseDoubleClickEvent(QMouseEvent* e)
{
    if (e->button() == Qt::LeftButton) {
        resetZoom();
        e->accept();
        return;
    }
    QWidget::mouseDoubleClickEvent(e);
}

bool HeatmapView::event(QEvent* e)
{
    if (e->type() == QEvent::ToolTip) {
        auto* he = static_cast<QHelpEvent*>(e);
        int r = 0, c = 0;
        if (cellAt(he->pos(), &r, &c))
            QToolTip::showText(he->globalPos(), cellText(r, c), this,
                               QRect(he->pos(), QSize(1, 1)));
        else
            QToolTip::hideText();
        return true;
    }
    if (e->type() == QEvent::MouseMove && QToolTip::isVisible() && !m_dragging) {
        // Follow the pointer while the tooltip is up.
        auto* me = static_cast<QMouseEvent*>(e);
        int r = 0, c = 0;
        if (cellAt(me->position().toPoint(), &r, &c))
            QToolTip::showText(me->globalPosition().toPoint(), cellText(r, c), this);
    }
    return QWidget::event(e);
}

void HeatmapView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    // QWidget::render() of a whole view into a PDF or SVG paints this widget
    // too, with a painter of its own: the cells are vector there as well.
    const QPaintEngine* engine = p.paintEngine();
    const bool vector = engine && (engine->type() == QPaintEngine::Pdf ||
                                   engine->type() == QPaintEngine::SVG);
    paintAll(p, rect(), vector);
}

void HeatmapView::paintFigure(QPainter& p, const QRect& rect, bool vector) const
{
    p.save();
    p.translate(rect.topLeft());
    paintAll(p, QRect(QPoint(0, 0), rect.size()), vector);
    p.restore();
}

void HeatmapView::paintCells(QPainter& p, const QRect& img, bool vector) const
{
    const int c0 = std::max(0, static_cast<int>(std::floor(m_view.left())));
    const int r0 = std::max(0, static_cast<int>(std::floor(m_view.top())));
    const int c1 = std::min(m_cols, static_cast<int>(std::ceil(m_view.right() - 1e-9)));
    const int r1 = std::min(m_rows, static_cast<int>(std::ceil(m_view.bottom() - 1e-9)));
    const double sx = img.width() / m_view.width(), sy = img.height() / m_view.height();
    auto xAt = [&](double c) { return img.left() + (c - m_view.left()) * sx; };
    auto yAt = [&](double r) { return img.top() + (r - m_view.top()) * sy; };
    p.save();
    p.setClipRect(img);
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    const qint64 visible = qint64(c1 - c0) * (r1 - r0);
    if (!vector) {
        p.drawImage(QRectF(img), m_image, m_view);
    } else if (visible <= kMaxVectorCells) {
        // One rectangle per cell in its exact colour. Each reaches a little
        // into its right and lower neighbours, which are drawn later and cover
        // it: no hairline seams where a viewer antialiases the edges.
        p.setRenderHint(QPainter::Antialiasing, false);
        p.setPen(Qt::NoPen);
        for (int r = r0; r < r1; ++r) {
            const double y = yAt(r), h = sy + (r + 1 < r1 ? 0.5 : 0.0);
            for (int c = c0; c < c1; ++c) {
                const double x = xAt(c), w = sx + (c + 1 < c1 ? 0.5 : 0.0);
                p.fillRect(QRectF(x, y, w, h), QColor::fromRgb(m_image.pixel(c, r)));
            }
        }
    } else {
        // Very many cells: one image, blown up by whole pixels per cell (at
        // least the cell's size, at least 8) so that a viewer that smooths
        // images (librsvg ignores image-rendering) blurs only cell edges.
        const QImage part = m_image.copy(c0, r0, c1 - c0, r1 - r0);
        constexpr int kMaxSide = 4096;
        const int want = std::max(8, static_cast<int>(std::ceil(std::max(sx, sy))));
        const int k =
            std::clamp(want, 1, std::max(1, kMaxSide / std::max(part.width(), part.height())));
        const QImage big =
            part.scaled(part.size() * k, Qt::IgnoreAspectRatio, Qt::FastTransformation);
        p.drawImage(QRectF(QPointF(xAt(c0), yAt(r0)), QPointF(xAt(c1), yAt(r1))), big);
    }
    p.restore();
}

void HeatmapView::paintClipMarks(QPainter& p, const QRect& img) const
{
    if (!m_robust)
        return;
    const double sx = img.width() / m_view.width(), sy = img.height() / m_view.height();
    const double cell = std::min(sx, sy);
    if (cell < 3.0)
        return; // too small for a mark; the note below the map counts them
    const double radius = std::clamp(cell * 0.18, 1.0, 3.0);
    const int c0 = std::max(0, static_cast<int>(std::floor(m_view.left())));
    const int r0 = std::max(0, static_cast<int>(std::floor(m_view.top())));
    const int c1 = std::min(m_cols, static_cast<int>(std::ceil(m_view.right())));
    const int r1 = std::min(m_rows, static_cast<int>(std::ceil(m_view.bottom())));
    p.save();
    p.setClipRect(img);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(Qt::NoPen);
    p.setBrush(Qt::white);
    for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c)
            if (isClipped(r, c))
                p.drawEllipse(QPointF(img.left() + (c + 0.5 - m_view.left()) * sx,
                                      img.top() + (r + 0.5 - m_view.top()) * sy),
                              radius, radius);
    p.restore();
}

void HeatmapView::paintColorBar(QPainter& p, const QRect& img, int tall) const
{
    const QFont small = smallFont(font());
    const QFontMetrics fm(small);
    const double lim = limit();
    const bool clipped = m_robust && m_robustLimit < m_fullLimit;
    // Arrow tips on the bar's ends say that colours saturate beyond them.
    const int tip = clipped ? kBarWidth / 2 + 2 : 0;
    const QRect bar(img.right() + kBarGap, img.center().y() - tall / 2 + tip, kBarWidth,
                    tall - 2 * tip);
    QLinearGradient g(bar.bottomLeft(), bar.topLeft());
    for (int i = 0; i < static_cast<int>(kStops.size()); ++i)
        g.setColorAt(static_cast<double>(i) / (kStops.size() - 1), QColor::fromRgb(kStops[i]));
    p.fillRect(bar, g);
    p.setPen(QPen(palette().mid().color(), 1));
    p.drawRect(bar.adjusted(0, 0, -1, -1));
    if (clipped) {
        p.save();
        p.setRenderHint(QPainter::Antialiasing, true);
        const double l = bar.left(), r = bar.right() + 1, mid = (l + r) / 2;
        const QPolygonF up{QPointF(l, bar.top()), QPointF(r, bar.top()),
                           QPointF(mid, bar.top() - tip)};
        const QPolygonF down{QPointF(l, bar.bottom() + 1), QPointF(r, bar.bottom() + 1),
                             QPointF(mid, bar.bottom() + 1 + tip)};
        p.setBrush(QColor::fromRgb(kStops.back()));
        p.drawPolygon(up);
        p.setBrush(QColor::fromRgb(kStops.front()));
        p.drawPolygon(down);
        p.restore();
    }
    p.setPen(palette().text().color());
    p.setFont(small);
    const int maxTicks = std::clamp(bar.height() / (fm.height() + 8), 2, 7);
    // Multiples of a nice step inside [-lim, lim]; a finer step while fewer
    // than three fit (a range such as ±0.014 otherwise shows only "0").
    double step = niceTicks(-lim, lim, maxTicks).step;
    auto inside = [&](double s) { return 2 * int(std::floor(lim / s * (1 + 1e-9))) + 1; };
    for (int k = 0; k < 4 && inside(step) < 3; ++k)
        step /= (k % 3 == 1) ? 2.5 : 2.0; // 1 -> 0.5 -> 0.2 -> 0.1 -> 0.05
    const QString fmt = labelFormatForStep(step);
    const int half = int(std::floor(lim / step * (1 + 1e-9)));
    for (int i = -half; i <= half; ++i) {
        const double v = i * step;
        const double y = bar.bottom() - (v + lim) / (2 * lim) * bar.height();
        p.drawLine(QPointF(bar.right() + 1, y), QPointF(bar.right() + 4, y));
        QString label = QString::asprintf(fmt.toLatin1().constData(), i == 0 ? 0.0 : v);
        if (label.startsWith(QLatin1Char('-')) && label.count(QRegularExpression("[1-9]")) == 0)
            label.remove(0, 1); // never "-0.0"
        p.drawText(QRectF(bar.right() + 6, y - fm.height() / 2.0, 200, fm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, label);
    }
}

QString HeatmapView::rangeNote() const
{
    if (!m_robust)
        return tr("±%1 (max |w|)").arg(QString::number(m_fullLimit, 'g', 3));
    const int n = clippedCount();
    QString note =
        tr("±%1 (p%2 of |w|)").arg(QString::number(m_robustLimit, 'g', 3)).arg(kRobustPercentile);
    if (n > 0)
        note += tr(", %1 beyond ●").arg(n);
    return note;
}

void HeatmapView::paintAll(QPainter& p, const QRect& area, bool vector) const
{
    p.fillRect(area, palette().base());
    p.setPen(palette().text().color());
    const QFont small = smallFont(font());
    const Margins m = marginsFor(font(), m_rows);

    p.setFont(boldFont(font()));
    p.drawText(QRect(area.left(), area.top() + 2, area.width(), m.top - 4), Qt::AlignCenter,
               m_title);

    if (m_image.isNull()) {
        p.setFont(font());
        p.setPen(palette().placeholderText().color());
        p.drawText(area.adjusted(0, m.top, 0, 0), Qt::AlignCenter, m_emptyText);
        return;
    }

    const QRect img = imageRect(area);
    if (img.width() < 2 || img.height() < 2)
        return;
    paintCells(p, img, vector);
    paintClipMarks(p, img);
    p.setPen(QPen(palette().mid().color(), 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(img.adjusted(0, 0, -1, -1));

    // Ticks on both axes at nice indices of the visible cells.
    p.setFont(small);
    const QFontMetrics fm(small);
    p.setPen(palette().text().color());
    const double sx = img.width() / m_view.width(), sy = img.height() / m_view.height();
    for (int c : indexTicks(m_view.left() - 0.5, m_view.right() - 0.5, img.width(),
                            fm.horizontalAdvance(QStringLiteral("0000")) + 8)) {
        const double x = img.left() + (c + 0.5 - m_view.left()) * sx;
        p.drawLine(QPointF(x, img.bottom() + 1), QPointF(x, img.bottom() + 4));
        p.drawText(QRectF(x - 30, img.bottom() + 4, 60, fm.height()),
                   Qt::AlignHCenter | Qt::AlignTop, QString::number(c));
    }
    for (int r :
         indexTicks(m_view.top() - 0.5, m_view.bottom() - 0.5, img.height(), fm.height() + 6)) {
        const double y = img.top() + (r + 0.5 - m_view.top()) * sy;
        p.drawLine(QPointF(img.left() - 4, y), QPointF(img.left() - 1, y));
        p.drawText(QRectF(img.left() - 60, y - fm.height() / 2.0, 54, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, QString::number(r));
    }

    // Axis titles and the note on the colour range.
    p.setFont(font());
    const QFontMetrics tfm(font());
    const int xTitleTop = img.bottom() + 4 + fm.height();
    p.drawText(QRect(img.left(), xTitleTop, img.width(), tfm.height() + 2),
               Qt::AlignHCenter | Qt::AlignTop, m_xTitle);
    p.setFont(small);
    p.setPen(palette().placeholderText().color());
    p.drawText(QRect(area.left() + 2, xTitleTop + tfm.height() + 2, area.width() - 4, fm.height()),
               Qt::AlignHCenter | Qt::AlignTop, rangeNote());
    p.setPen(palette().text().color());
    // A flat image (W_out is 2 x N) is shorter than its titles and colour bar
    // need: those get at least `tall` pixels, centred on the image.
    const int tall = std::max(img.height(), std::min(160, area.height() - m.top - m.bottom));
    p.setFont(font());
    p.save();
    // Beside the row labels, not at the far edge of a wide area.
    const int rowLabels = fm.horizontalAdvance(QString::number(std::max(0, m_rows - 1))) + 8;
    p.translate(std::max(area.left() + 2, img.left() - rowLabels - tfm.height() - 2) + tfm.ascent(),
                img.center().y());
    p.rotate(-90);
    const int titleLength = std::max(tall, tfm.horizontalAdvance(m_yTitle) + 4);
    p.drawText(QRect(-titleLength / 2, -tfm.ascent(), titleLength, tfm.height()), Qt::AlignCenter,
               m_yTitle);
    p.restore();

    paintColorBar(p, img, tall);
}

} // namespace rnnloss
