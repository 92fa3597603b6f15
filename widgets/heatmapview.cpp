#include "heatmapview.h"

#include "chartutil.h"

#include <QEvent>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace rnnloss {

namespace {

// ColorBrewer RdBu (reversed: negative blue, positive red), 11 classes.
constexpr std::array<QRgb, 11> kStops = {0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7,
                                         0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b, 0x67001f};

constexpr int kMarginLeft = 46;   // y title and row ticks
constexpr int kMarginTop = 24;    // title
constexpr int kMarginBottom = 36; // col ticks and x title
constexpr int kBarGap = 10;
constexpr int kBarWidth = 14;
constexpr int kBarLabels = 58;

} // namespace

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent)
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent, false);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
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
        m_limit = 1.0;
        update();
        return;
    }
    m_rows = rows;
    m_cols = cols;
    m_data.assign(data, data + static_cast<std::size_t>(rows) * cols);
    double lim = 0.0;
    for (float v : m_data)
        if (std::isfinite(v))
            lim = std::max(lim, static_cast<double>(std::abs(v)));
    m_limit = lim > 0.0 ? lim : 1.0;

    // A lookup table keeps large matrices cheap.
    constexpr int kLut = 512;
    std::array<QRgb, kLut> lut;
    for (int i = 0; i < kLut; ++i)
        lut[i] = colorFor(-1.0 + 2.0 * i / (kLut - 1)).rgb();
    const QRgb nanColor = colorFor(std::nan("")).rgb();
    m_image = QImage(cols, rows, QImage::Format_RGB32);
    for (int r = 0; r < rows; ++r) {
        auto* line = reinterpret_cast<QRgb*>(m_image.scanLine(r));
        const float* src = m_data.data() + static_cast<std::size_t>(r) * cols;
        for (int c = 0; c < cols; ++c) {
            const double v = src[c];
            if (!std::isfinite(v)) {
                line[c] = nanColor;
                continue;
            }
            const int k = static_cast<int>(std::lround((v / m_limit + 1.0) * 0.5 * (kLut - 1)));
            line[c] = lut[std::clamp(k, 0, kLut - 1)];
        }
    }
    update();
}

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

QRect HeatmapView::imageRect() const
{
    const int barSpace = kBarGap + kBarWidth + kBarLabels;
    QRect r = rect().adjusted(kMarginLeft, kMarginTop, -barSpace, -kMarginBottom);
    if (r.width() < 1 || r.height() < 1 || m_cols <= 0 || m_rows <= 0)
        return r;
    // Cells as square as the room allows: the image's aspect is the matrix's,
    // bounded to 1:4 .. 4:1 so that a thin matrix (W_in is N x 3, W_out 2 x N)
    // still gets a readable strip rather than a line.
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
    r = QRect(r.left() + (r.width() - fit.width()) / 2, r.top() + (r.height() - fit.height()) / 2,
              fit.width(), fit.height());
    return r;
}

QString HeatmapView::cellText(int row, int col) const
{
    return tr("%1 = %2, %3 = %4\nvalue = %5")
        .arg(m_yTitle)
        .arg(row)
        .arg(m_xTitle)
        .arg(col)
        .arg(QString::number(valueAt(row, col), 'g', 5));
}

bool HeatmapView::cellAt(const QPoint& pos, int* row, int* col) const
{
    const QRect r = imageRect();
    if (m_image.isNull() || !r.contains(pos))
        return false;
    const int c = std::clamp((pos.x() - r.left()) * m_cols / std::max(1, r.width()), 0, m_cols - 1);
    const int rr =
        std::clamp((pos.y() - r.top()) * m_rows / std::max(1, r.height()), 0, m_rows - 1);
    if (row)
        *row = rr;
    if (col)
        *col = c;
    return true;
}

bool HeatmapView::event(QEvent* e)
{
    if (e->type() == QEvent::ToolTip) {
        auto* he = static_cast<QHelpEvent*>(e);
        int r = 0, c = 0;
        if (cellAt(he->pos(), &r, &c))
            QToolTip::showText(he->globalPos(),
                               cellText(r, c),
                               this, QRect(he->pos(), QSize(1, 1)));
        else
            QToolTip::hideText();
        return true;
    }
    if (e->type() == QEvent::MouseMove && QToolTip::isVisible()) {
        // Follow the pointer while the tooltip is up.
        auto* me = static_cast<QMouseEvent*>(e);
        int r = 0, c = 0;
        if (cellAt(me->position().toPoint(), &r, &c))
            QToolTip::showText(me->globalPosition().toPoint(),
                               cellText(r, c),
                               this);
    }
    return QWidget::event(e);
}

void HeatmapView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    p.setPen(palette().text().color());

    QFont titleFont = font();
    titleFont.setBold(true);
    QFont small = font();
    small.setPointSizeF(std::max(7.0, font().pointSizeF() * 0.85));

    p.setFont(titleFont);
    p.drawText(QRect(0, 2, width(), kMarginTop - 4), Qt::AlignCenter, m_title);

    if (m_image.isNull()) {
        p.setFont(font());
        p.setPen(palette().placeholderText().color());
        p.drawText(rect().adjusted(0, kMarginTop, 0, 0), Qt::AlignCenter, m_emptyText);
        return;
    }

    const QRect img = imageRect();
    if (img.width() < 2 || img.height() < 2)
        return;
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(img, m_image);
    p.setPen(QPen(palette().mid().color(), 1));
    p.drawRect(img.adjusted(0, 0, -1, -1));

    // Ticks on both axes: first and last index plus a few nice ones between.
    p.setFont(small);
    const QFontMetrics fm(small);
    p.setPen(palette().text().color());
    auto ticks = [](int n, int room, int minSpacing) {
        std::vector<int> out;
        if (n <= 0)
            return out;
        const int maxTicks = std::max(2, room / std::max(1, minSpacing));
        const double step = std::max(1.0, niceNumber(static_cast<double>(n) / maxTicks, false));
        for (double t = 0; t < n; t += step)
            out.push_back(static_cast<int>(t));
        return out;
    };
    for (int c : ticks(m_cols, img.width(), fm.horizontalAdvance(QStringLiteral("0000")) + 8)) {
        const double x = img.left() + (c + 0.5) * img.width() / m_cols;
        p.drawLine(QPointF(x, img.bottom() + 1), QPointF(x, img.bottom() + 4));
        p.drawText(QRectF(x - 30, img.bottom() + 4, 60, fm.height()),
                   Qt::AlignHCenter | Qt::AlignTop, QString::number(c));
    }
    for (int r : ticks(m_rows, img.height(), fm.height() + 6)) {
        const double y = img.top() + (r + 0.5) * img.height() / m_rows;
        p.drawLine(QPointF(img.left() - 4, y), QPointF(img.left() - 1, y));
        p.drawText(QRectF(img.left() - 40, y - fm.height() / 2.0, 34, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, QString::number(r));
    }

    // Axis titles.
    p.setFont(font());
    const QFontMetrics tfm(font());
    p.drawText(QRect(img.left(), img.bottom() + 4 + fm.height(), img.width(), tfm.height() + 2),
               Qt::AlignHCenter | Qt::AlignTop, m_xTitle);
    // A flat image (W_out is 2 x N) is shorter than its titles and colour bar
    // need: those get at least `tall` pixels, centred on the image.
    const int tall = std::max(img.height(), std::min(160, height() - kMarginTop - kMarginBottom));
    p.save();
    p.translate(img.left() - kMarginLeft + 4 + tfm.ascent() - tfm.descent(), img.center().y());
    p.rotate(-90);
    p.drawText(QRect(-tall / 2, -tfm.ascent(), tall, tfm.height()), Qt::AlignCenter, m_yTitle);
    p.restore();

    // Colour bar with nice ticks in [-limit, limit].
    const QRect bar(img.right() + kBarGap, img.center().y() - tall / 2, kBarWidth, tall);
    QLinearGradient g(bar.bottomLeft(), bar.topLeft());
    for (int i = 0; i < static_cast<int>(kStops.size()); ++i)
        g.setColorAt(static_cast<double>(i) / (kStops.size() - 1), QColor::fromRgb(kStops[i]));
    p.fillRect(bar, g);
    p.setPen(QPen(palette().mid().color(), 1));
    p.drawRect(bar.adjusted(0, 0, -1, -1));
    p.setPen(palette().text().color());
    p.setFont(small);
    const int maxTicks = std::clamp(bar.height() / (fm.height() + 8), 2, 7);
    const NiceTicks nt = niceTicks(-m_limit, m_limit, maxTicks);
    const QString fmt = labelFormatForStep(nt.step);
    for (int i = 0; i < nt.count; ++i) {
        const double v = nt.lo + i * nt.step;
        if (v < -m_limit * (1 + 1e-9) || v > m_limit * (1 + 1e-9))
            continue;
        const double y = bar.bottom() - (v + m_limit) / (2 * m_limit) * bar.height();
        p.drawLine(QPointF(bar.right() + 1, y), QPointF(bar.right() + 4, y));
        QString label =
            QString::asprintf(fmt.toLatin1().constData(), std::abs(v) < nt.step * 1e-6 ? 0.0 : v);
        p.drawText(QRectF(bar.right() + 6, y - fm.height() / 2.0, kBarLabels - 6, fm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, label);
    }
}

} // namespace rnnloss
