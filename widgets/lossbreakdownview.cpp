#include "lossbreakdownview.h"

#include "chartutil.h"

#include <QAction>
#include <QCursor>
#include <QGraphicsSimpleTextItem>
#include <QToolTip>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QLegend>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace rnnloss {

namespace {

constexpr int kBars = kTermCount + 1; // the terms, then the total


QString barName(int i)
{
    return i < kTermCount ? qs(termKey(kAllTerms[i])) : QStringLiteral("total");
}

/// Three significant digits: enough to read a bar, short enough to sit on it.
QString valueText(double v)
{
    return QString::number(v, 'g', 3);
}

} // namespace

LossBreakdownView::LossBreakdownView(QWidget* parent) : QChartView(parent)
{
    m_chart = new QChart;
    styleChart(m_chart);
    // QChartView(parent) made a chart of its own; setChart() releases it
    // without deleting it.
    QChart* defaultChart = chart();
    setChart(m_chart);
    delete defaultChart;
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(360, 240);

    m_series = new QBarSeries(m_chart);
    m_series->setBarWidth(0.8);
    m_weighted = new QBarSet(tr("λ · L (weighted)"));
    m_weighted->setColor(QColor(0x4c, 0x72, 0xb0));
    m_weighted->setBorderColor(QColor(0x4c, 0x72, 0xb0).darker(130));
    m_weighted->setSelectedColor(QColor(0x55, 0x55, 0x55)); // the total bar
    // Owned by the view until it joins the series (append() reparents it to
    // the series, and take() leaves the series as its parent).
    m_unweighted = new QBarSet(tr("L (unweighted)"), this);
    m_unweighted->setColor(QColor(0xdd, 0x84, 0x52));
    m_unweighted->setBorderColor(QColor(0xdd, 0x84, 0x52).darker(130));
    QList<qreal> zeros(kBars, 0.0);
    m_weighted->append(zeros);
    m_unweighted->append(zeros);
    m_series->append(m_weighted);
    m_weighted->selectBar(kBars - 1);
    m_chart->addSeries(m_series);

    m_categoryAxis = new QBarCategoryAxis(m_chart);
    for (int i = 0; i < kBars; ++i)
        m_labels << barName(i);
    m_categories = m_labels;
    m_categoryAxis->append(m_categories);
    QFont f = m_categoryAxis->labelsFont();
    f.setPointSizeF(8.5);
    m_categoryAxis->setLabelsFont(f);
    // "undefined" is a little wider than a narrow bar; truncated it would read "unde...".
    m_categoryAxis->setTruncateLabels(false);
    m_chart->addAxis(m_categoryAxis, Qt::AlignBottom);
    m_series->attachAxis(m_categoryAxis);

    m_linearAxis = new QValueAxis(this);
    m_linearAxis->setTitleText(tr("loss"));
    m_linearAxis->setLabelsFont(f);
    m_logAxis = new QLogValueAxis(this);
    m_logAxis->setTitleText(tr("loss (log)"));
    m_logAxis->setLabelsFont(f);
    m_logAxis->setBase(10.0);
    m_logAxis->setRange(1e-3, 1.0);
    m_logAxis->setMinorGridLineColor(QColor(0xee, 0xee, 0xee));
    m_chart->addAxis(m_linearAxis, Qt::AlignLeft);
    m_series->attachAxis(m_linearAxis);
    m_chart->legend()->setVisible(false);
    m_chart->legend()->setAlignment(Qt::AlignTop);

    QFont valueFont = f;
    valueFont.setPointSizeF(8.0);
    for (int i = 0; i < 2 * kBars; ++i) {
        auto* item = new QGraphicsSimpleTextItem(m_chart);
        item->setFont(valueFont);
        item->setBrush(QColor(0x33, 0x33, 0x33));
        item->setZValue(10);
        item->hide();
        m_valueItems << item;
    }
    m_barValue.fill(std::nan(""));
    m_ubarValue.fill(std::nan(""));

    connect(m_chart, &QChart::plotAreaChanged, this, [this] {
        refreshLabels();
        placeValueLabels();
    });
    connect(m_weighted, &QBarSet::hovered, this,
            [this](bool st, int i) { onHovered(st, i, true); });
    connect(m_unweighted, &QBarSet::hovered, this,
            [this](bool st, int i) { onHovered(st, i, false); });

    m_actUnweighted = new QAction(tr("Show unweighted values"), this);
    m_actUnweighted->setCheckable(true);
    connect(m_actUnweighted, &QAction::toggled, this, &LossBreakdownView::setShowUnweighted);
    m_actLog = new QAction(tr("Logarithmic value axis"), this);
    m_actLog->setCheckable(true);
    connect(m_actLog, &QAction::triggered, this, &LossBreakdownView::setLogScale);
    m_actShares = new QAction(tr("Show share of total"), this);
    m_actShares->setCheckable(true);
    m_actShares->setChecked(true);
    connect(m_actShares, &QAction::toggled, this, &LossBreakdownView::setShowShares);
    addAction(m_actUnweighted);
    addAction(m_actLog);
    addAction(m_actShares);
    setContextMenuPolicy(Qt::ActionsContextMenu);

    refresh();
}

void LossBreakdownView::setResult(const LossResult& result)
{
    m_result = result;
    refresh();
}

void LossBreakdownView::setShowUnweighted(bool on)
{
    if (on == m_showUnweighted)
        return;
    m_showUnweighted = on;
    m_actUnweighted->setChecked(on);
    if (on)
        m_series->append(m_unweighted);
    else
        m_series->take(m_unweighted);
    m_chart->legend()->setVisible(on);
    refresh();
}

void LossBreakdownView::setLogScale(bool on)
{
    m_autoLog = false;
    applyLogScale(on);
}

void LossBreakdownView::setAutoLogScale(bool on)
{
    m_autoLog = on;
    refresh();
}

void LossBreakdownView::applyLogScale(bool on)
{
    if (on == m_logScale)
        return;
    m_logScale = on;
    m_actLog->setChecked(on);
    // A bar at 0 on a log axis warns: clip the bars before the log axis comes in.
    if (on)
        refresh();
    updateAxisAttachment();
    refresh();
}

void LossBreakdownView::setShowShares(bool on)
{
    if (on == m_showShares)
        return;
    m_showShares = on;
    m_actShares->setChecked(on);
    refresh();
}

void LossBreakdownView::updateAxisAttachment()
{
    QAbstractAxis* from = m_logScale ? static_cast<QAbstractAxis*>(m_linearAxis) : m_logAxis;
    QAbstractAxis* to = m_logScale ? static_cast<QAbstractAxis*>(m_logAxis) : m_linearAxis;
    m_series->detachAxis(from);
    m_chart->removeAxis(from);
    from->setParent(this); // the chart released it; keep it for the next toggle
    m_chart->addAxis(to, Qt::AlignLeft);
    m_series->attachAxis(to);
}

double LossBreakdownView::barBase() const
{
    return m_logScale ? m_logAxis->min() : 0.0;
}

QList<double> LossBreakdownView::weightedBars() const
{
    QList<double> v;
    for (int i = 0; i < m_weighted->count(); ++i)
        v << m_weighted->at(i);
    return v;
}

QList<double> LossBreakdownView::unweightedBars() const
{
    QList<double> v;
    for (int i = 0; i < m_unweighted->count(); ++i)
        v << m_unweighted->at(i);
    return v;
}

void LossBreakdownView::refresh()
{
    // Raw values first; NaN marks a bar with nothing to draw.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::array<double, kBars> w{}, u{};
    for (int i = 0; i < kTermCount; ++i) {
        const TermResult& t = m_result.terms[i];
        w[i] = t.lambda != 0.0 && t.weighted ? *t.weighted : (t.lambda == 0.0 ? 0.0 : nan);
        u[i] = t.value ? *t.value : nan;
    }
    w[kTermCount] = m_result.total ? *m_result.total : nan;
    u[kTermCount] = nan; // an unweighted total means nothing

    const bool withU = m_showUnweighted;
    std::array<double, 2 * kBars> shown{};
    std::copy(w.begin(), w.end(), shown.begin());
    for (int i = 0; i < kBars; ++i)
        shown[kBars + i] = withU ? u[i] : nan;
    const auto [lo, hi] = positiveRange(shown);

    if (m_autoLog) {
        const bool wantLog = wantsLogAxis(w);
        if (wantLog != m_logScale) {
            applyLogScale(wantLog); // re-enters refresh() with the new axis
            return;
        }
    }

    // Bars at the log axis's floor are not drawn.
    const double base =
        setBarRange(m_logScale ? static_cast<QAbstractAxis*>(m_logAxis) : m_linearAxis, lo, hi);
    auto plotted = [&](double v) { return std::isfinite(v) && v > base ? v : base; };
    for (int i = 0; i < kBars; ++i) {
        if (m_weighted->at(i) != plotted(w[i]))
            m_weighted->replace(i, plotted(w[i]));
        if (m_unweighted->at(i) != plotted(u[i]))
            m_unweighted->replace(i, plotted(u[i]));
    }

    for (int i = 0; i < kBars; ++i) {
        m_barValue[i] = std::isfinite(w[i]) && w[i] > base ? w[i] : std::nan("");
        m_ubarValue[i] = withU && std::isfinite(u[i]) && u[i] > base ? u[i] : std::nan("");
    }

    refreshLabels();
    placeValueLabels();

    QString title = tr("Loss (%1)").arg(qs(conventionName(m_result.convention)));
    if (m_result.total)
        title += tr(": total = %1").arg(QString::number(*m_result.total, 'e', 3));
    else
        title += tr(": total undefined");
    if (m_chart->title() != title)
        m_chart->setTitle(title);
}

void LossBreakdownView::refreshLabels()
{
    // A narrow bar gets "undef.": Qt hides labels that overlap their neighbours.
    const QFontMetrics fm(m_categoryAxis->labelsFont());
    const bool narrow =
        m_chart->plotArea().width() / kBars < fm.horizontalAdvance(tr("undefined")) + 4;
    const QString undefinedText = narrow ? tr("undef.") : tr("undefined");
    const bool haveTotal = m_result.total && *m_result.total != 0.0;
    for (int i = 0; i < kBars; ++i) {
        QString second;
        if (i < kTermCount) {
            const TermResult& t = m_result.terms[i];
            if (t.lambda != 0.0 && !t.weighted)
                second = undefinedText;
            else if (m_showShares && t.lambda == 0.0)
                second = QStringLiteral("λ = 0");
            else if (m_showShares && haveTotal)
                second = shareText(*t.weighted / *m_result.total);
        } else if (!m_result.total) {
            second = undefinedText;
        }
        const QString plain =
            second.isEmpty() ? barName(i) : barName(i) + QLatin1Char('\n') + second;
        if (plain == m_labels[i])
            continue; // each change relayouts the chart
        // Category labels are rich text: <br> breaks the line, the div centres it.
        QString html = plain.toHtmlEscaped();
        html.replace(QLatin1Char('\n'), QStringLiteral("<br>"));
        html = QStringLiteral("<div align=\"center\">%1</div>").arg(html);
        m_categoryAxis->replace(m_categories[i], html);
        m_categories[i] = html;
        m_labels[i] = plain;
    }
}

void LossBreakdownView::placeValueLabels()
{
    // Above each drawn bar, centred on it: with the unweighted set shown the
    // two bars of a category share its width (barWidth 0.8).
    const int sets = m_showUnweighted ? 2 : 1;
    const double barW = 0.8 / sets;
    for (int k = 0; k < 2 * kBars; ++k) {
        const bool unweighted = k >= kBars;
        const int i = k % kBars;
        const double v = unweighted ? m_ubarValue[i] : m_barValue[i];
        QGraphicsSimpleTextItem* item = m_valueItems[k];
        if (std::isnan(v)) {
            item->hide();
            continue;
        }
        const double x = i - 0.4 + barW * ((unweighted ? 1 : 0) + 0.5);
        const QPointF top = m_chart->mapToPosition(QPointF(x, v), m_series);
        const QString text = valueText(v);
        if (item->text() != text)
            item->setText(text);
        const QRectF r = item->boundingRect();
        item->setPos(top.x() - r.width() / 2.0, top.y() - r.height() - 1.0);
        item->show();
    }
}

QStringList LossBreakdownView::valueLabels() const
{
    QStringList out;
    for (int k = 0; k < (m_showUnweighted ? 2 * kBars : kBars); ++k)
        out << (m_valueItems[k]->isVisible() ? m_valueItems[k]->text() : QString());
    return out;
}

QList<QRectF> LossBreakdownView::valueLabelRects() const
{
    QList<QRectF> out;
    for (int k = 0; k < (m_showUnweighted ? 2 * kBars : kBars); ++k)
        out << m_valueItems[k]->sceneBoundingRect();
    return out;
}

QList<QPointF> LossBreakdownView::barTops() const
{
    QList<QPointF> out;
    const int sets = m_showUnweighted ? 2 : 1;
    for (int k = 0; k < sets * kBars; ++k) {
        const bool unweighted = k >= kBars;
        const int i = k % kBars;
        const double v = unweighted ? m_ubarValue[i] : m_barValue[i];
        const double x = i - 0.4 + 0.8 / sets * ((unweighted ? 1 : 0) + 0.5);
        out << (std::isnan(v) ? QPointF() : m_chart->mapToPosition(QPointF(x, v), m_series));
    }
    return out;
}

void LossBreakdownView::onHovered(bool status, int i, bool weighted)
{
    if (!status) {
        QToolTip::hideText();
        return;
    }
    QString text;
    if (i >= kTermCount) {
        text = m_result.total
                   ? tr("total = %1").arg(QString::number(*m_result.total, 'e', 4))
                   : tr("total undefined: %1").arg(QString::fromStdString(m_result.totalReason));
    } else {
        const Term term = kAllTerms[i];
        const TermResult& t = m_result.terms[i];
        const QString key = qs(termKey(term));
        text = tr("L_%1 = %2\nλ = %3")
                   .arg(key, t.value ? QString::number(*t.value, 'e', 4) : tr("undefined"),
                        QString::number(t.lambda, 'g', 6));
        if (t.weighted)
            text += tr("\nλ · L = %1").arg(QString::number(*t.weighted, 'e', 4));
        if (t.weighted && m_result.total && *m_result.total != 0.0)
            text += tr("\nshare = %1 %").arg(100.0 * *t.weighted / *m_result.total, 0, 'f', 2);
        if (!t.reason.empty())
            text += QStringLiteral("\n") + QString::fromStdString(t.reason);
        if (!weighted && !t.value)
            text += tr("\n(no unweighted value to draw)");
    }
    QToolTip::showText(QCursor::pos(), text, this);
}

QList<ExportableChart> LossBreakdownView::exportableCharts() const
{
    return {{QStringLiteral("breakdown"), tr("Loss breakdown"),
             const_cast<LossBreakdownView*>(this), m_chart}};
}

} // namespace rnnloss
