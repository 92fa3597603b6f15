#include "setmetricsbinding.h"

#include "chartutil.h"
#include "comparestatistics.h"
#include "historyview.h"
#include "mainwindow.h"
#include "populationsource.h"
#include "runs.h"
#include "runsscatterview.h"
#include "selectioncontroller.h"
#include "setpopulation.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTabWidget>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace rnnloss {

namespace {

// The axis choices: the population measures, then MSE (unweighted), each
// term's weighted value, the total, then each term's training lambda.
constexpr int kPopulation = int(kAllSetMetrics.size());
constexpr int kMse = kPopulation;
constexpr int kWeighted = kMse + 1;
constexpr int kTotal = kWeighted + kTermCount;
constexpr int kTraining = kTotal + 1;
constexpr int kChoices = kTraining + kTermCount;

} // namespace

QStringList SetMetricsBinding::axisChoices()
{
    QStringList out;
    for (SetMetric m : kAllSetMetrics)
        out << setMetricName(m);
    out << QObject::tr("MSE (unweighted)");
    for (Term t : kAllTerms)
        out << QObject::tr("λ · L %1 (the panel's λ)").arg(qs(termKey(t)));
    out << QObject::tr("total loss (the panel's λ)");
    for (Term t : kAllTerms)
        out << QObject::tr("training λ %1").arg(qs(termKey(t)));
    return out;
}

Goal SetMetricsBinding::defaultGoal(int choice)
{
    const bool higher =
        choice == int(SetMetric::Accuracy) || choice == int(SetMetric::ParticipationRatio);
    return higher ? Goal::Maximise : Goal::Minimise;
}

SetMetricsBinding::SetMetricsBinding(MainWindow& window, const QString& readerExe)
    : QObject(&window), m_window(window),
      m_population(new SetPopulation(readerPopulationSource(readerExe), this)),
      m_compare(new CompareStatistics(window.recordingSet()->compareView(), window.recordings(),
                                      window.lambdaModel(), this))
{
    window.tabs()->addTab(makeTab(), tr("Runs scatter"));
    // Compare's statistics are of the recordings it is given (the runs' last
    // checkpoints, or every one shown), named as it names them.
    SetController* setController = window.recordingSet();
    const RecordingSet* recordings = window.recordings();
    const SetPopulation* population = m_population;
    m_compare->setRecordings([setController, recordings, population](auto& out) {
        const QStringList& labels = setController->compareLabels();
        const std::vector<int>& idx = setController->compareRecordings();
        for (std::size_t k = 0; k < idx.size(); ++k) {
            const RecordingEntry& e = recordings->entries()[std::size_t(idx[k])];
            out.push_back({labels.value(int(k)), e, population->stamp(e.generation)});
        }
    });
    m_compare->setReaderExe(readerExe);
    connect(setController, &SetController::compareRecordingsChanged, m_compare,
            &CompareStatistics::refresh);
    RecordingSet* set = window.recordings();
    HistoryView* history = window.recordingSet()->historyView();
    QStringList metrics;
    for (SetMetric m : kAllSetMetrics)
        metrics << setMetricName(m);
    history->setMetricChoices(metrics);
    connect(history, &HistoryView::metricChosen, this, [this](const QString& name) {
        m_historyMetric = name;
        updateWanted();
        refreshHistory();
    });
    connect(set, &RecordingSet::entriesChanged, this, [this, set] {
        m_population->setEntries(set->entries());
        refreshScatter();
        refreshHistory();
    });
    connect(m_population, &SetPopulation::changed, this, [this] {
        refreshScatter();
        refreshHistory();
        emit updated();
    });
    connect(window.recordingSet()->analysis(), &SetAnalysis::termsChanged, this, [this] {
        refreshScatter();
        emit updated();
    });
    // The History's recordings (the runs shown) are redrawn after the set changes.
    connect(window.recordingSet(), &SetController::termViewsRedrawn, this,
            &SetMetricsBinding::refreshHistory);
    m_population->setReaderExe(readerExe);
    connect(window.population(), &PopulationController::settingsChanged, this,
            &SetMetricsBinding::syncSettings);
    connect(window.lambdaModel(), &LambdaModel::changed, this, [this] { refreshScatter(); });
    connect(window.tabs(), &QTabWidget::currentChanged, this, [this] {
        updateWanted();
        if (m_scatterStale)
            refreshScatter();
    });
    connect(m_scatter, &RunsScatterView::pointClicked, set, [this, set](int point) {
        if (const int i = recordingOfPoint(point); i >= 0)
            set->setActive(i); // a run's point opens its last checkpoint
    });
    m_scatterTimer.setSingleShot(true);
    m_scatterTimer.setInterval(500);
    connect(&m_scatterTimer, &QTimer::timeout, this, [this] { refreshScatter(true); });
    m_population->setEntries(set->entries());
    setAxes(int(SetMetric::ParticipationRatio), kMse);
}

QWidget* SetMetricsBinding::makeTab()
{
    m_tab = new QWidget;
    m_tab->setObjectName("runsScatterTab");
    m_scatter = new RunsScatterView;
    m_scatter->setObjectName("runsScatter");
    m_scatter->setPointsName(tr("recordings")); // until runs exist
    const QStringList choices = axisChoices();
    auto goalBox = [] {
        auto* b = new QComboBox;
        b->addItems({tr("lower is better"), tr("higher is better")});
        return b;
    };
    m_xBox = new QComboBox;
    m_yBox = new QComboBox;
    m_xBox->addItems(choices);
    m_yBox->addItems(choices);
    m_xGoal = goalBox();
    m_yGoal = goalBox();
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("x:")));
    controls->addWidget(m_xBox);
    controls->addWidget(m_xGoal);
    controls->addSpacing(16);
    controls->addWidget(new QLabel(tr("y:")));
    controls->addWidget(m_yBox);
    controls->addWidget(m_yGoal);
    controls->addStretch(1);
    auto* layout = new QVBoxLayout(m_tab);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_scatter, 1);
    connect(m_xBox, &QComboBox::activated, this,
            [this](int x) { setAxes(x, m_yBox->currentIndex()); });
    connect(m_yBox, &QComboBox::activated, this,
            [this](int y) { setAxes(m_xBox->currentIndex(), y); });
    for (QComboBox* b : {m_xGoal, m_yGoal})
        connect(b, &QComboBox::activated, this, [this] { refreshScatter(); });
    return m_tab;
}

void SetMetricsBinding::setAxes(int x, int y)
{
    if (x < 0 || x >= kChoices || y < 0 || y >= kChoices)
        return;
    m_xBox->setCurrentIndex(x);
    m_yBox->setCurrentIndex(y);
    m_xGoal->setCurrentIndex(defaultGoal(x) == Goal::Maximise ? 1 : 0);
    m_yGoal->setCurrentIndex(defaultGoal(y) == Goal::Maximise ? 1 : 0);
    updateWanted();
    refreshScatter();
}

void SetMetricsBinding::setPopulationSource(PopulationSource source)
{
    m_population->setSource(std::move(source));
}

void SetMetricsBinding::setExporting(bool on)
{
    m_exporting = on;
    updateWanted();
}

bool SetMetricsBinding::populationNeeded() const
{
    return !m_historyMetric.isEmpty() || m_xBox->currentIndex() < kPopulation ||
           m_yBox->currentIndex() < kPopulation;
}

bool SetMetricsBinding::complete() const
{
    return m_window.recordingSet()->analysis()->complete() &&
           (!populationNeeded() || m_population->complete());
}

void SetMetricsBinding::updateWanted()
{
    // A pass over each recording's raw data: only while something shows it.
    const bool scatterShown = m_exporting || m_window.tabs()->currentWidget() == m_tab;
    const bool scatterWants =
        m_xBox->currentIndex() < kPopulation || m_yBox->currentIndex() < kPopulation;
    m_population->setWanted(!m_historyMetric.isEmpty() || (scatterShown && scatterWants));
    emit updated();
}

void SetMetricsBinding::syncSettings()
{
    const PopulationController* tab = m_window.population();
    SetPopulationSettings s;
    s.silentThreshold = tab->silentThreshold();
    s.responseWindow = tab->responseWindow().toStdString();
    s.selection = m_window.selection()->shownChoice();
    m_population->setSettings(s); // nothing when they are the same
    m_compare->setSelection(s.selection);
}

std::vector<std::optional<double>> SetMetricsBinding::values(int choice) const
{
    std::vector<std::optional<double>> out;
    const SetAnalysis* analysis = m_window.recordingSet()->analysis();
    const TermArray lambdas = m_window.lambdaModel()->state().effective();
    for (const RecordingEntry& e : m_window.recordings()->entries()) {
        std::optional<double> v;
        if (choice < kPopulation) {
            if (const auto r = m_population->result(e.generation))
                v = (*r)[kAllSetMetrics[std::size_t(choice)]];
        } else if (choice >= kTraining) {
            v = e.summary->trainingLambdas[std::size_t(choice - kTraining)];
        } else if (const auto t = analysis->terms(e.generation)) {
            if (choice == kMse) {
                v = t->values[Term::Mse].value;
            } else {
                const LossResult r = evaluate(t->values, lambdas);
                v = choice == kTotal ? r.total
                                     : r[kAllTerms[std::size_t(choice - kWeighted)]].weighted;
            }
        }
        out.push_back(v && std::isfinite(*v) ? v : std::nullopt);
    }
    return out;
}

int SetMetricsBinding::recordingOfPoint(int point) const
{
    return point >= 0 && point < int(m_pointRecording.size()) ? m_pointRecording[std::size_t(point)]
                                                              : -1;
}

void SetMetricsBinding::refreshScatter(bool now)
{
    if (!now && m_window.tabs()->currentWidget() != m_tab) {
        // Hidden: at most one redraw per half second (for the exports), not
        // one per change, which is quadratic while 10,000 recordings load.
        m_scatterStale = true;
        if (!m_scatterTimer.isActive())
            m_scatterTimer.start();
        return;
    }
    m_scatterStale = false;
    m_scatterTimer.stop();
    const int x = m_xBox->currentIndex(), y = m_yBox->currentIndex();
    const auto vx = values(x), vy = values(y);
    const auto& entries = m_window.recordings()->entries();
    // One point per run (its last checkpoint) when the set has several runs,
    // as the runs scatter asks; else one per recording.
    std::vector<RunMember> members;
    for (const RecordingEntry& e : entries)
        members.push_back({e.summary.get(), e.files.recording.toStdString()});
    const std::vector<Run> runs = groupRuns(members);
    QStringList names;
    m_pointRecording.clear();
    if (runs.size() > 1) {
        for (const Run& r : runs) {
            names << QString::fromStdString(r.name);
            m_pointRecording.push_back(int(r.checkpoints.back()));
        }
    } else {
        for (std::size_t i = 0; i < entries.size(); ++i) {
            names << entries[i].label();
            m_pointRecording.push_back(int(i));
        }
    }
    std::vector<double> xs, ys;
    int missing = 0;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (int i : m_pointRecording) {
        const auto& a = vx[std::size_t(i)];
        const auto& b = vy[std::size_t(i)];
        xs.push_back(a.value_or(nan));
        ys.push_back(b.value_or(nan));
        missing += !(a && b);
    }
    m_scatter->setGoals(m_xGoal->currentIndex() == 1 ? Goal::Maximise : Goal::Minimise,
                        m_yGoal->currentIndex() == 1 ? Goal::Maximise : Goal::Minimise);
    m_scatter->setAxisTitles(m_xBox->currentText(), m_yBox->currentText());
    m_scatter->setPoints(names, xs, ys);
    QString note;
    if (missing > 0) {
        const QString busy = m_population->status();
        note = runs.size() > 1 ? tr("%1 of %2 runs without both numbers")
                               : tr("%1 of %2 recordings without both numbers");
        note = note.arg(missing).arg(m_pointRecording.size());
        if ((x < kPopulation || y < kPopulation) && !busy.isEmpty())
            note += QStringLiteral(" — ") + busy;
    }
    m_scatter->setNote(note);
}

void SetMetricsBinding::refreshHistory()
{
    HistoryView* history = m_window.recordingSet()->historyView();
    if (m_historyMetric.isEmpty()) {
        if (!history->metric().isEmpty())
            history->setMetric({}, {});
        return;
    }
    const int choice = int(axisChoices().indexOf(m_historyMetric));
    // The History shows the recordings of the runs selected, in its order.
    const std::vector<std::optional<double>> all = values(choice);
    std::vector<std::optional<double>> shown;
    for (int i : m_window.recordingSet()->shownRecordings())
        shown.push_back(i >= 0 && i < int(all.size()) ? all[std::size_t(i)] : std::nullopt);
    history->setMetric(m_historyMetric, shown, m_population->status());
}

} // namespace rnnloss
