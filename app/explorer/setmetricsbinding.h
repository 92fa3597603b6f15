#pragma once
// Issue 19's measures over a set of recordings, in the window: the Runs
// scatter tab (the last; one point per recording of the set until runs exist,
// any two of the population measures, MSE, a term's weighted value under the
// panel's lambdas, the total or a training lambda against each other, with
// their Pareto front; clicking a point makes its recording the active one),
// the History's metric mode (one population measure against step), and the
// values behind Compare's choice of statistic (CompareStatistics). The
// population measures of the set (SetPopulation) are computed only while the
// History plots one or the scatter shows one.

#include "pareto.h"
#include "populationcontroller.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <optional>
#include <vector>

class QComboBox;
class QWidget;

namespace rnnloss {

class CompareStatistics;
class MainWindow;
class RunsScatterView;
class SetPopulation;

class SetMetricsBinding : public QObject
{
    Q_OBJECT
public:
    /// Adds the Runs scatter tab to `window`'s tabs; the population measures
    /// come from the reader process (readerPopulationSource(readerExe)). The
    /// window's set, its views and the lambda model must exist.
    SetMetricsBinding(MainWindow& window, const QString& readerExe);

    /// The scatter, brought up to date (while its tab is hidden it is not
    /// redrawn: a set of 10,000 recordings changes 10,000 times as it loads).
    RunsScatterView* scatter()
    {
        if (m_scatterStale)
            refreshScatter(true);
        return m_scatter;
    }
    /// The recording (index in the set) that plotted point `point` stands for.
    int recordingOfPoint(int point) const;
    QWidget* tab() const { return m_tab; }
    SetPopulation* population() const { return m_population; }
    CompareStatistics* compareStatistics() const { return m_compare; }
    /// The numbers the scatter's axes can show, in the order of its boxes.
    static QStringList axisChoices();
    /// Chooses the scatter's axes by their index in axisChoices().
    void setAxes(int x, int y);
    /// The raw-data source of the set's population measures (tests).
    void setPopulationSource(PopulationSource source);
    /// While on, what the scatter's axes and the History's metric need is
    /// computed whatever tab is shown (--export shows each tab only once).
    void setExporting(bool on);
    /// Everything the scatter and the History's metric show is computed: the
    /// set's terms, and its population measures when an axis or the metric is one.
    bool complete() const;

signals:
    /// complete() may have changed (a result arrived, or the settings changed).
    void updated();

private:
    /// Each recording's value of axis choice `choice` (empty where missing).
    std::vector<std::optional<double>> values(int choice) const;
    static Goal defaultGoal(int choice);
    /// Redraws the scatter when its tab is shown (or `now`); else marks it stale.
    void refreshScatter(bool now = false);
    void refreshHistory();
    void updateWanted();
    /// The set's measures follow the Population tab's settings; Compare its selection.
    void syncSettings();
    bool populationNeeded() const;
    QWidget* makeTab();

    MainWindow& m_window;
    SetPopulation* m_population;
    CompareStatistics* m_compare;
    RunsScatterView* m_scatter = nullptr;
    QWidget* m_tab = nullptr;
    QComboBox* m_xBox = nullptr;
    QComboBox* m_yBox = nullptr;
    QComboBox* m_xGoal = nullptr;
    QComboBox* m_yGoal = nullptr;
    QString m_historyMetric; ///< the History's metric mode; empty: its terms
    /// The recording each plotted point stands for: with several runs, each
    /// run's last checkpoint; else every recording.
    std::vector<int> m_pointRecording;
    bool m_scatterStale = true;
    bool m_exporting = false;
    QTimer m_scatterTimer; ///< the coalesced redraw of a hidden scatter
};

} // namespace rnnloss
