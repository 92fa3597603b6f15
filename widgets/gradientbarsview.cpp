#include "gradientbarsview.h"

#include "chartutil.h"
#include "gradgram.h"

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

#include <cmath>
#include <limits>

namespace rnnloss {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString barName(int i)
{
    return i < kTermCount ? qs(termKey(kAllTerms[std::size_t(i)])) : QObject::tr("total");
}

bool counts(const TermArray& lambdas, const std::array<bool, kTermCount>& enabled, int k)
{
    return enabled[std::size_t(k)] && lambdas[std::size_t(k)] != 0.0;
}

} // namespace

GradientBarsView::GradientBarsView(QWidget* parent) : QChartView(parent)
{
    m_values.fill(kNaN);
    m_drawn.fill(kNaN);
    build();
    m_actLog = new QAction(tr("Logarithmic value axis"), this);
    m_actLog->setCheckable(true);
    connect(m_actLog, &QAction::triggered, this, &GradientBarsView::setLogScale);
    addAction(m_actLog);
    setContextMenuPolicy(Qt::ActionsContextMenu);
    refresh();
}

void GradientBarsView::build()
{
    ++m_builds;
    m_chart = new QChart;
    styleChart(m_chart);
    QChart* defaultChart = chart();
    setChart(m_chart);
    delete defaultChart;
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 220);

    m_series = new QBarSeries(m_chart);
    m_series->setBarWidth(0.8);
    m_set = new QBarSet(tr("‖λ · ∇L‖"));
    m_set->setColor(QColor(0x4c, 0x72, 0xb0));
    m_set->setBorderColor(QColor(0x4c, 0x72, 0xb0).darker(130));
    m_set->setSelectedColor(QColor(0x55, 0x55, 0x55)); // the total bar
    m_set->append(QList<qreal>(kBars, 0.0));
    m_series->append(m_set);
    m_set->selectBar(kBars - 1);
    m_chart->addSeries(m_series);

    m_categoryAxis = new QBarCategoryAxis(m_chart);
    for (int i = 0; i < kBars; ++i)
        m_labels << barName(i);
    m_categories = m_labels;
    m_categoryAxis->append(m_categories);
    QFont f = m_categoryAxis->labelsFont();
    f.setPointSizeF(8.5);
    m_categoryAxis->setLabelsFont(f);
    m_categoryAxis->setTruncateLabels(false);
    m_chart->addAxis(m_categoryAxis, Qt::AlignBottom);
    m_series->attachAxis(m_categoryAxis);

    m_linearAxis = new QValueAxis(this);
    m_linearAxis->setTitleText(tr("gradient norm"));
    m_linearAxis->setLabelsFont(f);
    m_logAxis = new QLogValueAxis(this);
    m_logAxis->setTitleText(tr("gradient norm (log)"));
    m_logAxis->setLabelsFont(f);
    m_logAxis->setBase(10.0);
    m_logAxis->setMinorGridLineColor(QColor(0xee, 0xee, 0xee));
    m_chart->addAxis(m_linearAxis, Qt::AlignLeft);
    m_series->attachAxis(m_linearAxis);
    m_chart->legend()->setVisible(false);

    f.setPointSizeF(8.0);
    for (int i = 0; i < kBars; ++i) {
        auto* item = new QGraphicsSimpleTextItem(m_chart);
        item->setFont(f);
        item->setBrush(QColor(0x33, 0x33, 0x33));
        item->setZValue(10);
        item->hide();
        m_valueItems << item;
    }
    connect(m_chart, &QChart::plotAreaChanged, this, [this] {
        refreshLabels();
        placeValueLabels();
    });
    connect(m_set, &QBarSet::hovered, this, &GradientBarsView::onHovered);
}

void GradientBarsView::setGram(const std::optional<ParamGram>& gram, Convention convention,
                               const QString& why)
{
    m_gram = gram;
    m_convention = convention;
    m_why = why;
    recompute();
}

void GradientBarsView::setLambdas(const TermArray& lambdas,
                                  const std::array<bool, kTermCount>& enabled)
{
    if (lambdas == m_lambdas && enabled == m_enabled)
        return;
    m_lambdas = lambdas;
    m_enabled = enabled;
    recompute();
}

void GradientBarsView::recompute()
{
    m_values.fill(kNaN);
    m_shares = {};
    if (m_gram) {
        const ParamGram& g = *m_gram;
        for (int k = 0; k < kTermCount; ++k) {
            const std::optional<double> n = gradNorm(g, kAllTerms[std::size_t(k)]);
            if (!counts(m_lambdas, m_enabled, k))
                m_values[std::size_t(k)] = 0.0;
            else if (n)
                m_values[std::size_t(k)] = m_lambdas[std::size_t(k)] * *n;
        }
        m_values[kTermCount] = weightedTotalNorm(g, m_lambdas, m_enabled).value_or(kNaN);
        m_shares = gradShares(g, m_lambdas, m_enabled);
    }
    refresh();
}

void GradientBarsView::setLogScale(bool on)
{
    m_autoLog = false;
    applyLogScale(on);
}

void GradientBarsView::setAutoLogScale(bool on)
{
    m_autoLog = on;
    refresh();
}

void GradientBarsView::applyLogScale(bool on)
{
    if (on == m_logScale)
        return;
    m_logScale = on;
    m_actLog->setChecked(on);
    // The log axis must not see a bar at 0: clip to its floor before it comes in.
    if (on)
        refresh();
    QAbstractAxis* from = on ? static_cast<QAbstractAxis*>(m_linearAxis) : m_logAxis;
    QAbstractAxis* to = on ? static_cast<QAbstractAxis*>(m_logAxis) : m_linearAxis;
    m_series->detachAxis(from);
    m_chart->removeAxis(from);
    from->setParent(this); // the chart released it; kept for the next toggle
    m_chart->addAxis(to, Qt::AlignLeft);
    m_series->attachAxis(to);
    refresh();
}

double GradientBarsView::barBase() const
{
    return m_logScale ? m_logAxis->min() : 0.0;
}

void GradientBarsView::refresh()
{
    if (m_autoLog && wantsLogAxis(m_values) != m_logScale) {
        applyLogScale(!m_logScale); // re-enters refresh() with the other axis
        return;
    }
    const auto [lo, hi] = positiveRange(m_values);
    const double base =
        setBarRange(m_logScale ? static_cast<QAbstractAxis*>(m_logAxis) : m_linearAxis, lo, hi);
    for (int i = 0; i < kBars; ++i) {
        const double v = m_values[std::size_t(i)];
        const bool drawn = std::isfinite(v) && v > base;
        m_drawn[std::size_t(i)] = drawn ? v : kNaN;
        // replace() repaints the bar; an unchanged one is left alone.
        if (m_set->at(i) != (drawn ? v : base))
            m_set->replace(i, drawn ? v : base);
    }
    refreshLabels();
    placeValueLabels();

    const QString param = m_gram ? qs(paramKey(m_gram->param)) : QStringLiteral("p");
    QString title = tr("∂/∂%1 per term (%2)").arg(param, qs(conventionName(m_convention)));
    if (!m_gram)
        title = tr("No gradients");
    else if (std::isfinite(m_values[kTermCount]))
        title += tr(": ‖total‖ = %1").arg(QString::number(m_values[kTermCount], 'g', 3));
    else
        title += tr(": ‖total‖ undefined");
    if (m_chart->title() != title)
        m_chart->setTitle(title);
}

void GradientBarsView::refreshLabels()
{
    const bool haveShares = m_shares[0].has_value();
    // Qt hides a category label wider than its bar's space: narrow bars get
    // whole percents ("77 %") and "undef.".
    const QFontMetrics fm(m_categoryAxis->labelsFont());
    const bool narrow =
        m_chart->plotArea().width() / kBars < fm.horizontalAdvance(QStringLiteral("100.0 %")) + 6;
    const QString undefinedText = narrow ? tr("undef.") : tr("undefined");
    for (int i = 0; i < kBars; ++i) {
        QString second;
        if (!m_gram) {
        } else if (i == kTermCount) {
            if (!std::isfinite(m_values[kTermCount]))
                second = undefinedText;
        } else if (!counts(m_lambdas, m_enabled, i)) {
            second = m_enabled[std::size_t(i)] ? QStringLiteral("λ = 0") : tr("off");
        } else if (std::isnan(m_values[std::size_t(i)])) {
            second = undefinedText;
        } else if (haveShares) {
            const double s = *m_shares[std::size_t(i)];
            second = !narrow                ? shareText(s)
                     : s > 0.0 && s < 0.005 ? QStringLiteral("< 1 %")
                                            : QString::number(100.0 * s, 'f', 0) + " %";
        }
        const QString plain =
            second.isEmpty() ? barName(i) : barName(i) + QLatin1Char('\n') + second;
        if (plain == m_labels[i])
            continue; // each change relayouts the chart
        QString html = plain.toHtmlEscaped();
        html.replace(QLatin1Char('\n'), QStringLiteral("<br>"));
        html = QStringLiteral("<div align=\"center\">%1</div>").arg(html);
        m_categoryAxis->replace(m_categories[i], html);
        m_categories[i] = html;
        m_labels[i] = plain;
    }
}

void GradientBarsView::placeValueLabels()
{
    for (int i = 0; i < kBars; ++i) {
        QGraphicsSimpleTextItem* item = m_valueItems[i];
        const double v = m_drawn[std::size_t(i)];
        if (std::isnan(v)) {
            item->hide();
            continue;
        }
        const QPointF top = m_chart->mapToPosition(QPointF(i, v), m_series);
        const QString text = QString::number(v, 'g', 3);
        if (item->text() != text)
            item->setText(text);
        const QRectF r = item->boundingRect();
        item->setPos(top.x() - r.width() / 2.0, top.y() - r.height() - 1.0);
        item->show();
    }
}

QList<double> GradientBarsView::bars() const
{
    QList<double> v;
    for (int i = 0; i < m_set->count(); ++i)
        v << m_set->at(i);
    return v;
}

QStringList GradientBarsView::valueLabels() const
{
    QStringList out;
    for (const QGraphicsSimpleTextItem* item : m_valueItems)
        out << (item->isVisible() ? item->text() : QString());
    return out;
}

QString GradientBarsView::barText(int i) const
{
    if (!m_gram || i < 0 || i >= kBars)
        return m_why;
    const QString param = qs(paramKey(m_gram->param));
    if (i == kTermCount) {
        const double t = m_values[kTermCount];
        return std::isfinite(t)
                   ? tr("‖Σ λ_k ∇L_k‖ w.r.t. %1 = %2").arg(param, QString::number(t, 'e', 4))
                   : tr("The total's gradient is undefined: an enabled term has none");
    }
    const Term term = kAllTerms[std::size_t(i)];
    const QString key = qs(termKey(term));
    const std::optional<double> n = gradNorm(*m_gram, term);
    QString text = n ? tr("‖∇L_%1‖ w.r.t. %2 = %3").arg(key, param, QString::number(*n, 'e', 4))
                     : tr("L_%1 has no gradient: %2")
                           .arg(key, QString::fromStdString(m_gram->reason[std::size_t(i)]));
    text += tr("\nλ = %1").arg(QString::number(m_lambdas[std::size_t(i)], 'g', 6));
    if (!m_enabled[std::size_t(i)])
        text += tr(" (off)");
    if (n && counts(m_lambdas, m_enabled, i))
        text +=
            tr("\nλ · ‖∇L_%1‖ = %2").arg(key, QString::number(m_values[std::size_t(i)], 'e', 4));
    if (const auto& s = m_shares[std::size_t(i)]; s && counts(m_lambdas, m_enabled, i))
        text += tr("\nshare of the summed norms = %1 %").arg(100.0 * *s, 0, 'f', 2);
    return text;
}

void GradientBarsView::onHovered(bool status, int i)
{
    if (!status)
        QToolTip::hideText();
    else
        QToolTip::showText(QCursor::pos(), barText(i), this);
}

QList<ExportableChart> GradientBarsView::exportableCharts() const
{
    return {{QStringLiteral("gradients"), tr("Gradient norms per term"),
             const_cast<GradientBarsView*>(this), m_chart}};
}

} // namespace rnnloss
