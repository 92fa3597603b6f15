#include "historyview.h"

#include "chartutil.h"
#include "gradgram.h"

#include <QAction>
#include <QComboBox>
#include <QHash>
#include <QMouseEvent>
#include <QToolTip>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace rnnloss {

namespace {

constexpr int kSeries = kTermCount + 1; // the terms, then the total
constexpr int kTotal = kTermCount;
constexpr double kPickRadiusPx = 12.0;
/// More run lines than this are drawn without legend entries (hovering names the run).
constexpr int kMaxRunLegend = 12;

} // namespace

HistoryView::HistoryView(QWidget* parent) : QChartView(parent)
{
    m_chart = new QChart;
    styleChart(m_chart);
    QChart* defaultChart = chart();
    setChart(m_chart);
    delete defaultChart;
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(360, 240);
    setMouseTracking(true);

    for (int i = 0; i < kSeries; ++i) {
        auto* s = new QLineSeries(m_chart);
        s->setName(i < kTermCount ? qs(termKey(kAllTerms[i])) : tr("total"));
        QPen pen(termColor(i));
        pen.setWidthF(i == kTotal ? 2.6 : 1.6);
        s->setPen(pen);
        s->setPointsVisible(true);
        m_chart->addSeries(s);
        m_series << s;
    }
    m_metricSeries = new QLineSeries(m_chart);
    QPen metricPen(QColor(0x2a, 0x6f, 0xb5));
    metricPen.setWidthF(2.2);
    m_metricSeries->setPen(metricPen);
    m_metricSeries->setPointsVisible(true);
    m_metricSeries->setVisible(false);
    m_chart->addSeries(m_metricSeries);
    m_activeMark = new QScatterSeries(m_chart);
    m_activeMark->setName(tr("active"));
    m_activeMark->setMarkerSize(16);
    m_activeMark->setColor(Qt::transparent);
    m_activeMark->setBorderColor(QColor(0xd0, 0x20, 0x20));
    m_chart->addSeries(m_activeMark);

    m_xValue = new QValueAxis(m_chart);
    m_xOrder = new QCategoryAxis(m_chart);
    m_xOrder->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_xOrder->setTitleText(tr("recording (in the Recordings list's order)"));
    m_yLinear = new QValueAxis(m_chart);
    m_yLinear->setTitleText(tr("λ · L"));
    m_yLog = new QLogValueAxis(m_chart);
    m_yLog->setTitleText(tr("λ · L (log)"));
    m_yLog->setBase(10.0);
    m_yLog->setMinorGridLineColor(QColor(0xee, 0xee, 0xee));
    m_chart->addAxis(m_xValue, Qt::AlignBottom);
    m_chart->addAxis(m_xOrder, Qt::AlignBottom);
    m_chart->addAxis(m_yLinear, Qt::AlignLeft);
    m_chart->addAxis(m_yLog, Qt::AlignLeft);
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_chart->legend()->markers(m_activeMark).front()->setVisible(false);
    m_chart->legend()->markers(m_metricSeries).front()->setVisible(false);
    attachAxes();

    m_actLog = new QAction(tr("Logarithmic scale"), this);
    m_actLog->setCheckable(true);
    // triggered, not toggled: the automatic choice checks it too.
    connect(m_actLog, &QAction::triggered, this, &HistoryView::setLogScale);
    addAction(m_actLog);
    m_actGradient = new QAction(tr("Gradient shares instead of loss values"), this);
    m_actGradient->setCheckable(true);
    m_actGradient->setToolTip(tr("Each term's share of the gradient of the parameter the "
                                 "Gradients tab shows, per recording"));
    connect(m_actGradient, &QAction::triggered, this, [this](bool on) {
        setGradientShares(on);
        emit gradientSharesToggled(on);
    });
    addAction(m_actGradient);
    setContextMenuPolicy(Qt::ActionsContextMenu);

    // What the run lines plot, chosen over the chart; shown only with runs.
    m_quantityBox = new QComboBox(this);
    m_quantityBox->setObjectName("historyRunQuantity");
    for (Term t : kAllTerms)
        m_quantityBox->addItem(tr("λ·L %1 per run").arg(qs(termKey(t))));
    m_quantityBox->addItem(tr("total per run"));
    m_quantityBox->setCurrentIndex(m_runQuantity);
    m_quantityBox->move(8, 8);
    m_quantityBox->adjustSize();
    m_quantityBox->hide();
    connect(m_quantityBox, &QComboBox::activated, this, &HistoryView::setRunQuantity);
    refresh();
}

void HistoryView::setRuns(const std::vector<int>& runOfRecording, const QStringList& names)
{
    const bool fits = runOfRecording.size() == std::size_t(m_labels.size()) &&
                      std::all_of(runOfRecording.begin(), runOfRecording.end(),
                                  [&](int r) { return r >= 0 && r < names.size(); });
    m_runOf = fits ? runOfRecording : std::vector<int>{};
    m_runNames = fits ? names : QStringList{};
    // Without positions, a checkpoint's place in its run (in the order given) is its x.
    m_runOrder.assign(m_runOf.size(), 0.0);
    std::vector<int> count(std::size_t(m_runNames.size()), 0);
    for (std::size_t i = 0; i < m_runOf.size(); ++i)
        m_runOrder[i] = ++count[std::size_t(m_runOf[i])];
    syncRunSeries();
    attachAxes();
    refresh();
}

bool HistoryView::perRun() const
{
    // A metric is drawn per run whatever the loss mode; the gradient shares are not.
    return m_runNames.size() > 1 && (!m_metric.isEmpty() || !m_gradientMode);
}

void HistoryView::setRunQuantity(int quantity)
{
    if (quantity < 0 || quantity >= kSeries)
        return;
    m_runQuantity = quantity;
    m_quantityBox->setCurrentIndex(quantity);
    refresh();
}

int HistoryView::runLineCount() const
{
    return perRun() ? int(m_runNames.size()) : 0;
}

QList<QPointF> HistoryView::plottedRun(int run) const
{
    return perRun() && run >= 0 && run < m_runSeries.size() ? m_runSeries[run]->points()
                                                            : QList<QPointF>{};
}

void HistoryView::syncRunSeries()
{
    while (m_runSeries.size() > m_runNames.size()) {
        QLineSeries* s = m_runSeries.takeLast();
        m_chart->removeSeries(s);
        delete s;
    }
    while (m_runSeries.size() < m_runNames.size()) {
        auto* s = new QLineSeries(m_chart);
        QPen pen(distinctColor(int(m_runSeries.size())));
        pen.setWidthF(1.8);
        s->setPen(pen);
        s->setPointsVisible(true);
        m_chart->addSeries(s);
        m_runSeries << s;
    }
    for (int r = 0; r < m_runSeries.size(); ++r)
        m_runSeries[r]->setName(m_runNames[r]);
}

void HistoryView::setGradients(const std::vector<std::optional<ParamGram>>& grams,
                               const QString& param, const QString& note)
{
    m_grams = grams;
    m_gradParam = param;
    m_gradNote = note;
    computeShares();
    refresh();
}

void HistoryView::setGradientShares(bool on)
{
    if (on == m_gradientMode)
        return;
    m_gradientMode = on;
    m_actGradient->setChecked(on);
    m_actLog->setEnabled(!on);
    m_yLinear->setTitleText(on ? tr("share of the gradient (%)") : tr("λ · L"));
    attachAxes();
    refresh();
}

void HistoryView::computeShares()
{
    // The lambdas are the effective ones: a term that is off has λ 0 and does not count.
    std::array<bool, kTermCount> all{};
    all.fill(true);
    m_shares.assign(m_labels.size(), Shares{});
    for (std::size_t i = 0; i < m_shares.size() && i < m_grams.size(); ++i)
        if (m_grams[i])
            m_shares[i] = gradShares(*m_grams[i], m_lambdas, all);
}

bool HistoryView::seriesShown(int s) const
{
    if (!m_metric.isEmpty())
        return s == kSeries;
    if (s == kSeries)
        return false;
    // A term that is switched off weighs nothing: its line would lie on 0.
    if (s == kTotal)
        return !m_gradientMode;
    return m_lambdas[std::size_t(s)] != 0.0;
}

void HistoryView::refreshTitle()
{
    QString title;
    if (!m_metric.isEmpty()) {
        title = perRun() ? tr("%1 of each checkpoint, one line per run").arg(m_metric)
                         : tr("%1 of each recording").arg(m_metric);
        if (!m_metricNote.isEmpty())
            title += QStringLiteral(" — ") + m_metricNote;
    } else if (m_gradientMode) {
        title = tr("Share of each term in the gradient of %1")
                    .arg(m_gradParam.isEmpty() ? tr("a parameter") : m_gradParam);
        if (!m_gradNote.isEmpty())
            title += QStringLiteral(" — ") + m_gradNote;
    }
    if (m_chart->title() != title)
        m_chart->setTitle(title);
}

void HistoryView::setRecordings(const QStringList& labels, const std::vector<double>& x,
                                const QString& xTitle,
                                const std::vector<std::optional<TermValues>>& values)
{
    m_labels = labels;
    m_numericX = !x.empty();
    m_x = x;
    if (!m_numericX)
        for (int i = 0; i < labels.size(); ++i)
            m_x.push_back(i + 1);
    m_values = values;
    m_values.resize(std::size_t(labels.size()));
    m_xTitle = xTitle;
    m_xValue->setTitleText(xTitle);
    // The runs are of other recordings until setRuns says otherwise.
    if (m_runOf.size() != std::size_t(labels.size())) {
        m_runOf.clear();
        m_runNames.clear();
        m_runOrder.clear();
        syncRunSeries();
    }
    // Category labels must be unique; two files may carry the same one.
    for (const QString& c : m_xOrder->categoriesLabels())
        m_xOrder->remove(c);
    QStringList used;
    for (int i = 0; i < labels.size() && !m_numericX; ++i) {
        QString l = labels[i];
        while (used.contains(l))
            l += QLatin1Char(' ');
        used << l;
        m_xOrder->append(l, i + 1);
    }
    if (m_active >= labels.size())
        m_active = -1;
    attachAxes();
    setLambdas(m_lambdas);
}

void HistoryView::setLambdas(const TermArray& lambdas)
{
    m_lambdas = lambdas;
    m_results.assign(m_values.size(), std::nullopt);
    for (std::size_t i = 0; i < m_values.size(); ++i)
        if (m_values[i])
            m_results[i] = evaluate(*m_values[i], lambdas);
    computeShares();
    refresh();
}

void HistoryView::setActive(int index)
{
    m_active = index >= 0 && index < int(m_labels.size()) ? index : -1;
    refresh();
}

void HistoryView::setLogScale(bool on)
{
    m_autoLog = false;
    applyLogScale(on);
}

void HistoryView::setAutoLogScale(bool on)
{
    m_autoLog = on;
    refresh();
}

void HistoryView::applyLogScale(bool on)
{
    if (on == m_logScale)
        return;
    m_logScale = on;
    m_actLog->setChecked(on);
    // Points at 0 would warn on a log axis: drop them before it comes in, and
    // bring them back only once it is gone.
    if (on)
        refresh();
    attachAxes();
    refresh();
}

void HistoryView::attachAxes()
{
    const bool numeric = m_numericX || perRun();
    QAbstractAxis* x = numeric ? static_cast<QAbstractAxis*>(m_xValue) : m_xOrder;
    QAbstractAxis* y = logAxis() ? static_cast<QAbstractAxis*>(m_yLog) : m_yLinear;
    QList<QAbstractSeries*> all;
    for (QLineSeries* s : m_series)
        all << s;
    for (QLineSeries* s : m_runSeries)
        all << s;
    all << m_metricSeries << m_activeMark;
    for (QAbstractSeries* s : all) {
        for (QAbstractAxis* a : s->attachedAxes())
            s->detachAxis(a);
        s->attachAxis(x);
        s->attachAxis(y);
    }
    m_xValue->setVisible(numeric);
    m_xOrder->setVisible(!numeric);
    m_yLinear->setVisible(!logAxis());
    m_yLog->setVisible(logAxis());
}

std::optional<double> HistoryView::plotValue(int recording, int series) const
{
    if (series == kSeries) {
        if (recording >= int(m_metricValues.size()))
            return std::nullopt;
        const auto& v = m_metricValues[std::size_t(recording)];
        return v && std::isfinite(*v) ? v : std::nullopt;
    }
    if (m_gradientMode) {
        if (series == kTotal || recording >= int(m_shares.size()))
            return std::nullopt;
        const auto& share = m_shares[std::size_t(recording)][std::size_t(series)];
        return share ? std::optional<double>(100.0 * *share) : std::nullopt;
    }
    const auto& r = m_results[std::size_t(recording)];
    if (!r)
        return std::nullopt;
    const std::optional<double> v = series == kTotal ? r->total : (*r)[kAllTerms[series]].weighted;
    if (!v || !std::isfinite(*v) || (logAxis() && *v <= 0.0))
        return std::nullopt;
    return v;
}

std::optional<bool> HistoryView::wantedLog() const
{
    if (!m_autoLog || m_gradientMode)
        return std::nullopt;
    const bool runs = perRun();
    std::vector<double> values;
    for (std::size_t i = 0; i < m_results.size(); ++i)
        for (int s = 0; s < kSeries; ++s) {
            const bool drawn =
                runs ? s == m_runQuantity : (s == kTotal || m_lambdas[std::size_t(s)] != 0.0);
            if (m_results[i] && drawn) {
                const auto& r = *m_results[i];
                if (const auto v = s == kTotal ? r.total : r[kAllTerms[s]].weighted)
                    values.push_back(*v);
            }
        }
    return wantsLogAxis(values);
}

QLineSeries* HistoryView::lineOf(int recording, int series) const
{
    // A metric replaces every other line while it is plotted: one line, or
    // one per run.
    if (!m_metric.isEmpty()) {
        if (series != kSeries)
            return nullptr;
        return perRun() ? m_runSeries[m_runOf[std::size_t(recording)]] : m_metricSeries;
    }
    if (series == kSeries)
        return nullptr;
    if (perRun())
        return series == m_runQuantity ? m_runSeries[m_runOf[std::size_t(recording)]] : nullptr;
    return seriesShown(series) ? m_series[series] : nullptr;
}

double HistoryView::plotX(int recording) const
{
    return perRun() && !m_numericX ? m_runOrder[std::size_t(recording)]
                                   : m_x[std::size_t(recording)];
}

void HistoryView::refresh()
{
    refreshTitle();
    if (!m_metric.isEmpty()) {
        refreshMetric();
        return;
    }
    if (const auto log = wantedLog(); log && *log != m_logScale) {
        applyLogScale(*log); // refreshes with the new axis
        return;
    }
    const bool runs = perRun();
    m_quantityBox->setVisible(runs);
    double lo = 0.0, hi = 0.0;
    const QHash<QLineSeries*, QList<QPointF>> points = linePoints(lo, hi);
    for (int s = 0; s < kSeries; ++s) {
        const bool shown = !runs && seriesShown(s);
        m_series[s]->replace(points.value(m_series[s]));
        m_series[s]->setVisible(shown);
        for (QLegendMarker* m : m_chart->legend()->markers(m_series[s]))
            m->setVisible(shown);
    }
    showRunLines(points, runs);
    refreshMark();
    refreshRanges(lo, hi);
}

QHash<QLineSeries*, QList<QPointF>> HistoryView::linePoints(double& lo, double& hi) const
{
    // Lines run along the axis even when the recordings were given out of order.
    std::vector<int> byX(m_labels.size());
    for (int i = 0; i < int(byX.size()); ++i)
        byX[std::size_t(i)] = i;
    std::stable_sort(byX.begin(), byX.end(), [this](int a, int b) { return plotX(a) < plotX(b); });
    lo = std::numeric_limits<double>::infinity();
    hi = -lo;
    // Each line gets the points of the recordings drawn in it.
    QHash<QLineSeries*, QList<QPointF>> points;
    for (int i : byX)
        for (int s = 0; s <= kSeries; ++s)
            if (QLineSeries* line = lineOf(i, s))
                if (const auto v = plotValue(i, s)) {
                    points[line] << QPointF(plotX(i), *v);
                    lo = std::min(lo, *v);
                    hi = std::max(hi, *v);
                }
    return points;
}

void HistoryView::showRunLines(const QHash<QLineSeries*, QList<QPointF>>& points, bool shown)
{
    for (QLineSeries* line : m_runSeries) {
        line->replace(points.value(line));
        line->setVisible(shown);
        for (QLegendMarker* m : m_chart->legend()->markers(line))
            m->setVisible(shown && m_runSeries.size() <= kMaxRunLegend);
    }
}

void HistoryView::refreshMark()
{
    QList<QPointF> mark;
    for (int s = kSeries; s >= 0 && m_active >= 0 && mark.isEmpty(); --s)
        if (const auto p = lineOf(m_active, s) ? plotValue(m_active, s) : std::nullopt)
            mark << QPointF(plotX(m_active), *p);
    m_activeMark->replace(mark);
}

void HistoryView::refreshRanges(double lo, double hi)
{
    const bool runs = perRun();
    const QString quantity =
        m_runQuantity == kTotal ? tr("total") : qs(termKey(kAllTerms[m_runQuantity]));
    if (!m_gradientMode) {
        m_yLinear->setTitleText(runs ? tr("λ · L: %1").arg(quantity) : tr("λ · L"));
        m_yLog->setTitleText(runs ? tr("λ · L: %1 (log)").arg(quantity) : tr("λ · L (log)"));
    }
    if (!std::isfinite(lo)) {
        lo = logAxis() ? 1e-3 : 0.0;
        hi = 1.0;
    }
    if (m_gradientMode)
        // Shares: the whole 0-100 % at a glance, the top point not cut by the frame.
        setExactRangeNiceTicks(m_yLinear, 0.0, 103.0, 6);
    else if (logAxis())
        setDecadeRange(m_yLog, lo, hi);
    else
        // 5 % headroom: the top point (and its ring) is drawn whole, not cut by the frame.
        setNiceRange(m_yLinear, std::min(lo, 0.0),
                     hi > 0 ? hi + 0.05 * (hi - std::min(lo, 0.0)) : 1.0);
    refreshXRange();
}

void HistoryView::refreshXRange()
{
    const bool runs = perRun();
    m_xValue->setTitleText(runs && !m_numericX ? tr("checkpoint (in its run's order)") : m_xTitle);
    if ((m_numericX || runs) && !m_x.empty()) {
        double mn = std::numeric_limits<double>::infinity(), mx = -mn;
        for (int i = 0; i < int(m_x.size()); ++i) {
            mn = std::min(mn, plotX(i));
            mx = std::max(mx, plotX(i));
        }
        // Steps 0…400 on 0…400 (nice ends made it −200…600); one recording gets
        // a small span around it.
        const double pad = mx > mn ? 0.0 : std::max(1.0, 0.05 * std::abs(mn));
        setFittedRange(m_chart, m_xValue, mn - pad, mx + pad, true, 7);
    } else {
        m_xOrder->setRange(0.5, std::max<double>(1.0, double(m_labels.size())) + 0.5);
    }
}

double HistoryView::xOf(int recording) const
{
    return m_x.at(std::size_t(recording));
}

QList<QPointF> HistoryView::plotted(Term term) const
{
    return m_series[index(term)]->isVisible() ? m_series[index(term)]->points() : QList<QPointF>{};
}

QList<QPointF> HistoryView::plottedTotal() const
{
    return m_series[kTotal]->points();
}

std::optional<QPoint> HistoryView::pointPosition(int recording) const
{
    if (recording < 0 || recording >= int(m_results.size()))
        return std::nullopt;
    for (int s = kSeries; s >= 0; --s) {
        QLineSeries* line = lineOf(recording, s);
        if (!line)
            continue;
        if (const auto v = plotValue(recording, s)) {
            const QPointF c = m_chart->mapToPosition(QPointF(plotX(recording), *v), line);
            return mapFromScene(m_chart->mapToScene(c));
        }
    }
    return std::nullopt;
}

int HistoryView::recordingAt(const QPoint& pos) const
{
    int best = -1;
    double bestDist = kPickRadiusPx;
    for (int i = 0; i < int(m_results.size()); ++i)
        for (int s = 0; s <= kSeries; ++s) {
            QLineSeries* line = lineOf(i, s);
            const auto v = line ? plotValue(i, s) : std::nullopt;
            if (!v)
                continue;
            const QPointF c = m_chart->mapToPosition(QPointF(plotX(i), *v), line);
            const QPointF d = QPointF(mapFromScene(m_chart->mapToScene(c))) - QPointF(pos);
            const double dist = std::hypot(d.x(), d.y());
            if (dist <= bestDist) {
                bestDist = dist;
                best = i;
            }
        }
    return best;
}

QString HistoryView::hoverText(int recording) const
{
    if (recording < 0 || recording >= int(m_results.size()))
        return {};
    QStringList lines{QStringLiteral("<b>%1</b>").arg(m_labels.value(recording).toHtmlEscaped())};
    if (recording < int(m_runOf.size()))
        lines << tr("run %1").arg(
            m_runNames.value(m_runOf[std::size_t(recording)]).toHtmlEscaped());
    if (m_numericX)
        lines << QStringLiteral("%1 = %2")
                     .arg(m_xValue->titleText())
                     .arg(m_x[std::size_t(recording)], 0, 'g', 10);
    if (!m_metric.isEmpty()) {
        const auto v = plotValue(recording, kSeries);
        const QString value = v ? QString::number(*v, 'g', 6) : tr("not computed");
        lines << QStringLiteral("%1 = %2").arg(m_metric, value);
        return lines.join(QStringLiteral("<br>"));
    }
    if (m_gradientMode) {
        const Shares sh =
            recording < int(m_shares.size()) ? m_shares[std::size_t(recording)] : Shares{};
        if (!sh[0])
            return lines.join(QStringLiteral("<br>")) + tr("<br>no gradient shares") +
                   (m_gradNote.isEmpty() ? QString() : QStringLiteral(": ") + m_gradNote);
        for (Term t : kAllTerms)
            if (m_lambdas[index(t)] != 0.0)
                lines << tr("%1: %2 of ∇%3")
                             .arg(qs(termKey(t)), shareText(*sh[std::size_t(index(t))]),
                                  m_gradParam);
        return lines.join(QStringLiteral("<br>"));
    }
    const auto& r = m_results[std::size_t(recording)];
    if (!r)
        return lines.join(QStringLiteral("<br>")) + tr("<br>computing…");
    auto num = [](const std::optional<double>& v) {
        return v ? QString::number(*v, 'g', 6) : QStringLiteral("undefined");
    };
    for (Term t : kAllTerms)
        if (m_lambdas[index(t)] != 0.0)
            lines << QStringLiteral("λ·L %1 = %2").arg(qs(termKey(t)), num((*r)[t].weighted));
    lines << tr("total = %1").arg(num(r->total));
    return lines.join(QStringLiteral("<br>"));
}

void HistoryView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton) {
        const int i = recordingAt(event->position().toPoint());
        if (i >= 0) {
            emit recordingClicked(i);
            event->accept();
            return;
        }
    }
    QChartView::mousePressEvent(event);
}

void HistoryView::mouseMoveEvent(QMouseEvent* event)
{
    const int i = recordingAt(event->position().toPoint());
    if (i >= 0)
        QToolTip::showText(event->globalPosition().toPoint(), hoverText(i), this);
    else
        QToolTip::hideText();
    QChartView::mouseMoveEvent(event);
}

} // namespace rnnloss

namespace rnnloss {

void HistoryView::setMetricChoices(const QStringList& names)
{
    for (QAction* a : m_metricActions) {
        removeAction(a);
        delete a;
    }
    m_metricActions.clear();
    // One exclusive choice of what the lines are: the terms, or one metric.
    QStringList all{QString()};
    all << names;
    for (const QString& name : all) {
        auto* a = new QAction(
            name.isEmpty() ? tr("Plot the loss terms") : tr("Plot the %1 instead").arg(name), this);
        a->setCheckable(true);
        a->setData(name);
        a->setChecked(name == m_metric);
        connect(a, &QAction::triggered, this, [this, name] { emit metricChosen(name); });
        addAction(a);
        m_metricActions << a;
    }
}

void HistoryView::setMetric(const QString& name, const std::vector<std::optional<double>>& values,
                            const QString& note)
{
    const bool modeChanged = name.isEmpty() != m_metric.isEmpty();
    m_metric = name;
    m_metricValues = values;
    m_metricNote = note;
    for (QAction* a : m_metricActions)
        a->setChecked(a->data().toString() == name);
    m_actLog->setEnabled(name.isEmpty() && !m_gradientMode);
    m_actGradient->setEnabled(name.isEmpty());
    m_metricSeries->setName(name);
    m_metricSeries->setVisible(!name.isEmpty());
    if (name.isEmpty()) {
        m_metricSeries->clear();
        m_yLinear->setTitleText(m_gradientMode ? tr("share of the gradient (%)") : tr("λ · L"));
    }
    if (modeChanged)
        attachAxes();
    refresh();
}

QList<QPointF> HistoryView::plottedMetric() const
{
    return m_metric.isEmpty() ? QList<QPointF>{} : m_metricSeries->points();
}

void HistoryView::refreshMetric()
{
    // In the terms' place, on a linear axis titled by the metric: one line,
    // or one per run in the runs' colours and legend.
    m_quantityBox->hide();
    for (QLineSeries* s : m_series) {
        s->clear();
        s->setVisible(false);
        for (QLegendMarker* m : m_chart->legend()->markers(s))
            m->setVisible(false);
    }
    const bool runs = perRun();
    double lo = 0.0, hi = 0.0;
    const QHash<QLineSeries*, QList<QPointF>> points = linePoints(lo, hi);
    m_metricSeries->replace(points.value(m_metricSeries));
    m_metricSeries->setVisible(!runs);
    showRunLines(points, runs);
    refreshMark();
    m_yLinear->setTitleText(m_metric);
    if (!std::isfinite(lo)) {
        lo = 0.0;
        hi = 1.0;
    }
    const double pad = hi > lo ? 0.05 * (hi - lo) : std::max(1e-3, 0.05 * std::abs(hi));
    setNiceRange(m_yLinear, std::min(lo, 0.0), hi + pad);
    refreshXRange();
}

} // namespace rnnloss
