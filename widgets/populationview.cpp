#include "populationview.h"

#include "chartutil.h"

#include <QDoubleValidator>
#include <QEvent>
#include <QFontMetrics>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace rnnloss {

namespace {

QString num(double v, int digits = 4)
{
    return QString::number(v, 'g', digits);
}

QString fractionText(const Fraction& f)
{
    if (!f.value)
        return QObject::tr("— (%1)").arg(qs(f.reason));
    QString s = QObject::tr("%1 (%2 of %3)").arg(num(*f.value, 3)).arg(f.count).arg(f.of);
    if (f.excluded > 0)
        s += QObject::tr(", %1 left out").arg(f.excluded);
    return s;
}

QString proportionText(const Proportion& p)
{
    if (!p.value)
        return QObject::tr("— (no trials)");
    return QObject::tr("%1 [%2, %3] (%4 of %5)")
        .arg(num(*p.value, 3), num(p.lo, 3), num(p.hi, 3))
        .arg(p.successes)
        .arg(p.trials);
}

/// A vertical interval with caps, as one polyline around x.
QLineSeries* errorBar(QChart* chart, double x, double lo, double hi, double cap, QColor color)
{
    auto* s = new QLineSeries(chart);
    s->replace({QPointF(x - cap, lo), QPointF(x + cap, lo), QPointF(x, lo), QPointF(x, hi),
                QPointF(x - cap, hi), QPointF(x + cap, hi)});
    QPen pen(color);
    pen.setWidthF(1.5);
    s->setPen(pen);
    chart->addSeries(s);
    return s;
}

void resetChart(QChart* chart)
{
    chart->removeAllSeries();
    for (QAbstractAxis* a : chart->axes())
        chart->removeAxis(a), delete a;
}

QLabel* wrapping(QWidget* parent)
{
    auto* l = new QLabel(parent);
    l->setWordWrap(true);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    l->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    return l;
}

} // namespace

PopulationView::PopulationView(QWidget* parent) : QWidget(parent)
{
    m_measures = wrapping(this);
    m_measures->setObjectName("populationMeasures");
    m_performance = wrapping(this);
    m_performance->setObjectName("taskPerformance");
    m_rules = wrapping(this);
    m_rules->setStyleSheet(QStringLiteral("color: #555; font-size: small"));
    m_busy = new QLabel(tr("computing…"), this);
    m_busy->setVisible(false);
    m_threshold = new QLineEdit(QString::number(kSilentThreshold), this);
    m_threshold->setObjectName("silentThreshold");
    m_threshold->setValidator(new QDoubleValidator(0.0, 1e300, 17, m_threshold));
    m_threshold->setToolTip(qs(kSilentRule));
    m_window = new QLineEdit(this);
    m_window->setObjectName("responseWindow");
    m_window->setPlaceholderText(tr("default: where any target is not zero"));
    m_window->setToolTip(tr("Response window a:b (steps a to b−1 of the shown data); empty: %1")
                             .arg(qs(kChoiceRule)));
    auto* fields = new QFormLayout;
    fields->addRow(tr("silent threshold"), m_threshold);
    fields->addRow(tr("response window a:b"), m_window);

    auto makeChart = [this](QChart*& chart) {
        chart = new QChart;
        styleChart(chart);
        auto* view = new QChartView(chart, this);
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumSize(220, 150);
        return view;
    };
    m_accuracyView = makeChart(m_accuracyChart);
    m_psychView = makeChart(m_psychChart);
    // The label names are turned when they no longer fit under their bars.
    m_accuracyView->installEventFilter(this);
    auto* charts = new QHBoxLayout;
    charts->addWidget(m_accuracyView, 1);
    charts->addWidget(m_psychView, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->addLayout(fields);
    layout->addWidget(m_busy);
    layout->addWidget(m_measures);
    layout->addWidget(m_performance);
    layout->addLayout(charts, 1);
    layout->addWidget(m_rules);

    connect(m_threshold, &QLineEdit::editingFinished, this, [this] {
        bool ok = false;
        const double t = m_threshold->text().toDouble(&ok);
        if (ok && t >= 0.0 && std::isfinite(t))
            emit silentThresholdChanged(t);
    });
    connect(m_window, &QLineEdit::editingFinished, this,
            [this] { emit responseWindowChanged(m_window->text().trimmed()); });
    setMeasures({});
}

void PopulationView::setBusy(bool busy)
{
    m_busy->setVisible(busy);
}

void PopulationView::setMeasures(const PopulationMeasures& m)
{
    m_m = m;
    showMeasures();
    showPerformance();
    drawAccuracy();
    drawPsychometric();
    m_rules->setText(rulesText());
}

QString PopulationView::rulesText() const
{
    return QStringList{qs(kSilentRule), qs(kSaturatedRule), qs(kParticipationRatioRule),
                       tr("choice: %1").arg(qs(kChoiceRule)),
                       tr("intervals: 95 % Wilson score intervals")}
        .join(QStringLiteral("\n"));
}

void PopulationView::showMeasures()
{
    const QString raw = m_m.rawReason.empty() ? tr("not computed") : qs(m_m.rawReason);
    QStringList rows;
    rows << tr("Silent fraction (threshold %1): %2")
                .arg(num(m_m.silentThreshold), fractionText(m_m.silent));
    rows << tr("Saturated fraction: %1")
                .arg(m_m.saturated ? fractionText(*m_m.saturated) : tr("— (%1)").arg(raw));
    for (const GroupRate& g : m_m.groupRates)
        rows << tr("Mean rate of group %1 (%2 neurons): %3")
                    .arg(qs(g.group))
                    .arg(g.neurons)
                    .arg(g.meanRate.value ? num(*g.meanRate.value)
                                          : tr("— (%1)").arg(qs(g.meanRate.reason)));
    if (m_m.groupRates.empty())
        rows << tr("Mean rate per group: — (the recording has no neuron_groups)");
    QString pr = tr("— (%1)").arg(raw);
    if (m_m.participationRatio)
        pr = m_m.participationRatio->value ? num(*m_m.participationRatio->value)
                                           : tr("— (%1)").arg(qs(m_m.participationRatio->reason));
    rows << tr("Participation ratio: %1").arg(pr);
    m_measures->setText(rows.join(QStringLiteral("\n")));
    m_measures->setToolTip(
        QStringList{qs(kSilentRule), qs(kSaturatedRule), qs(kParticipationRatioRule)}.join(
            QStringLiteral("\n")));
}

void PopulationView::showPerformance()
{
    QStringList rows;
    if (!m_m.windowError.empty())
        rows << tr("Response window: %1").arg(qs(m_m.windowError));
    if (!m_m.accuracy) {
        rows << tr("Accuracy: — (%1)")
                    .arg(m_m.rawReason.empty() ? tr("not computed") : qs(m_m.rawReason));
    } else if (!m_m.accuracy->error.empty()) {
        rows << tr("Accuracy: — (%1)").arg(qs(m_m.accuracy->error));
    } else {
        const Accuracy& a = *m_m.accuracy;
        rows << tr("Accuracy in steps %1:%2 (95 % interval): %3")
                    .arg(a.window.begin)
                    .arg(a.window.end)
                    .arg(proportionText(a.overall));
        for (const LabelAccuracy& l : a.byLabel)
            rows << QStringLiteral("   %1: %2").arg(qs(l.label), proportionText(l.correct));
        if (a.undefined > 0)
            rows << tr("   %n trial(s) left out: choice or answer undefined", nullptr,
                       int(a.undefined));
    }
    if (m_m.psychometric && m_m.psychometric->error.empty()) {
        const auto& fits = m_m.psychometric->fits;
        const LogisticFit* f = fits.size() >= 2 ? &fits[1] : fits.empty() ? nullptr : &fits[0];
        if (f && f->bias && f->slope)
            rows << tr("Psychometric fit of P(choice = unit %1): bias %2 ± %3, slope %4 ± %5")
                        .arg(fits.size() >= 2 ? 1 : 0)
                        .arg(num(*f->bias), num(f->biasSe, 2), num(*f->slope), num(f->slopeSe, 2));
        else if (f)
            rows << tr("Psychometric fit: — (%1)").arg(qs(f->error));
    } else {
        const std::string why = m_m.psychometric ? m_m.psychometric->error : m_m.psychometricReason;
        rows << tr("Psychometric curve: — (%1)")
                    .arg(why.empty() ? tr("no trial_values in the recording") : qs(why));
    }
    m_performance->setText(rows.join(QStringLiteral("\n")));
    m_performance->setToolTip(qs(kChoiceRule));
}

QString PopulationView::measuresText() const
{
    return m_measures->text();
}

QString PopulationView::performanceText() const
{
    return m_performance->text();
}

void PopulationView::drawAccuracy()
{
    resetChart(m_accuracyChart);
    if (!m_m.accuracy || !m_m.accuracy->error.empty()) {
        m_accuracyChart->setTitle(tr("No accuracy")); // the panel's text says why
        return;
    }
    const Accuracy& a = *m_m.accuracy;
    QStringList names{tr("overall")};
    QList<Proportion> props{a.overall};
    for (const LabelAccuracy& l : a.byLabel) {
        names << qs(l.label);
        props << l.correct;
    }
    auto* set = new QBarSet(tr("accuracy"));
    set->setColor(QColor(0x9e, 0xb9, 0xd4));
    set->setBorderColor(QColor(0x4c, 0x72, 0xb0));
    for (const Proportion& p : props)
        set->append(p.value.value_or(0.0));
    auto* bars = new QBarSeries(m_accuracyChart);
    bars->append(set);
    m_accuracyChart->addSeries(bars);
    auto* cats = new QBarCategoryAxis(m_accuracyChart);
    cats->append(names);
    auto* x = new QValueAxis(m_accuracyChart); // in bar units, for the intervals
    x->setRange(-0.5, names.size() - 0.5);
    x->setVisible(false);
    auto* y = new QValueAxis(m_accuracyChart);
    y->setRange(0.0, 1.0);
    y->setTitleText(tr("fraction correct (95 % CI)"));
    m_accuracyChart->addAxis(cats, Qt::AlignBottom);
    m_accuracyChart->addAxis(x, Qt::AlignBottom);
    m_accuracyChart->addAxis(y, Qt::AlignLeft);
    bars->attachAxis(cats);
    bars->attachAxis(y);
    for (int i = 0; i < props.size(); ++i) {
        if (!props[i].value)
            continue;
        QLineSeries* e = errorBar(m_accuracyChart, i, props[i].lo, props[i].hi, 0.12, Qt::black);
        e->attachAxis(x);
        e->attachAxis(y);
    }
    m_accuracyChart->legend()->setVisible(false);
    // Short enough for half the panel at 1280 x 800; the intervals' rule is
    // in the rules under the charts (and the axis says "95 % CI").
    m_accuracyChart->setTitle(tr("Accuracy, steps %1:%2").arg(a.window.begin).arg(a.window.end));
    fitCategoryLabels();
}

void PopulationView::fitCategoryLabels()
{
    const auto axes = m_accuracyChart->axes(Qt::Horizontal);
    auto* cats = axes.isEmpty() ? nullptr : qobject_cast<QBarCategoryAxis*>(axes.front());
    if (!cats || cats->count() == 0)
        return;
    const QFontMetrics fm(cats->labelsFont());
    int widest = 0;
    for (const QString& c : cats->categories())
        widest = std::max(widest, fm.horizontalAdvance(c));
    // Qt elides a label wider than its bar's slot ("ch..."): turned upright,
    // it needs only the text's height.
    const double slot = m_accuracyChart->plotArea().width() / cats->count();
    const int angle = widest + 6 > slot ? -90 : 0;
    if (cats->labelsAngle() != angle)
        cats->setLabelsAngle(angle);
}

bool PopulationView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_accuracyView && event->type() == QEvent::Resize)
        QMetaObject::invokeMethod(this, &PopulationView::fitCategoryLabels, Qt::QueuedConnection);
    return QWidget::eventFilter(watched, event);
}

void PopulationView::drawPsychometric()
{
    resetChart(m_psychChart);
    if (!m_m.psychometric || !m_m.psychometric->error.empty() || m_m.psychometric->points.empty()) {
        m_psychChart->setTitle(tr("No psychometric curve")); // the panel's text says why
        return;
    }
    const Psychometric& p = *m_m.psychometric;
    const int units = int(p.points.front().choice.size());
    double lo = p.points.front().value, hi = p.points.back().value;
    if (hi <= lo)
        hi = lo + 1.0;
    auto* x = new QValueAxis(m_psychChart);
    x->setTitleText(tr("trial value"));
    auto* y = new QValueAxis(m_psychChart);
    y->setRange(0.0, 1.0);
    y->setTitleText(tr("P(choice) (95 % CI)"));
    m_psychChart->addAxis(x, Qt::AlignBottom);
    m_psychChart->addAxis(y, Qt::AlignLeft);
    const double pad = 0.05 * (hi - lo);
    setNiceRange(x, lo - pad, hi + pad);
    // With two outputs unit 0's curve is unit 1's mirror image: one is enough.
    for (int k = units == 2 ? 1 : 0; k < units; ++k) {
        const QColor c = distinctColor(k);
        auto* dots = new QScatterSeries(m_psychChart);
        dots->setName(tr("unit %1").arg(k));
        dots->setColor(c);
        dots->setMarkerSize(8.0);
        m_psychChart->addSeries(dots);
        dots->attachAxis(x);
        dots->attachAxis(y);
        for (const PsychometricPoint& pt : p.points) {
            const Proportion& q = pt.choice[k];
            if (!q.value)
                continue;
            dots->append(pt.value, *q.value);
            QLineSeries* e = errorBar(m_psychChart, pt.value, q.lo, q.hi, 0.01 * (hi - lo), c);
            e->attachAxis(x);
            e->attachAxis(y);
            m_psychChart->legend()->markers(e).first()->setVisible(false);
        }
        if (k >= int(p.fits.size()) || !p.fits[k].bias || !p.fits[k].slope)
            continue;
        auto* fit = new QLineSeries(m_psychChart);
        fit->setName(tr("logistic fit, unit %1").arg(k));
        fit->setPen(QPen(c, 2.0));
        QList<QPointF> pts;
        for (int i = 0; i <= 100; ++i) {
            const double v = lo - pad + (hi - lo + 2 * pad) * i / 100.0;
            pts << QPointF(v, 1.0 / (1.0 + std::exp(-(*p.fits[k].bias + *p.fits[k].slope * v))));
        }
        fit->replace(pts);
        m_psychChart->addSeries(fit);
        fit->attachAxis(x);
        fit->attachAxis(y);
    }
    m_psychChart->legend()->setAlignment(Qt::AlignTop);
    m_psychChart->setTitle(tr("Psychometric curve"));
}

QList<ExportableChart> PopulationView::exportableCharts() const
{
    return {{QStringLiteral("accuracy"), tr("Accuracy per trial label"), m_accuracyView,
             m_accuracyChart},
            {QStringLiteral("psychometric"), tr("Psychometric curve"), m_psychView, m_psychChart}};
}

} // namespace rnnloss
