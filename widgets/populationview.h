#pragma once
// The population measures of the shown neurons (silent and saturated
// fractions, mean rate per neuron group, participation ratio) and the task
// performance (accuracy overall and per trial label with 95 % Wilson
// intervals, the psychometric curve with its logistic fit), each with the
// engine's rule in words. A value that cannot be given shows why.

#include "chartexport.h"
#include "popstats.h"
#include "taskperf.h"

#include <QWidget>

#include <optional>
#include <string>
#include <vector>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLabel;
class QLineEdit;
QT_END_NAMESPACE

namespace rnnloss {

/// What the panel shows. The raw-data parts (saturation, participation ratio,
/// accuracy, psychometric) are empty with `rawReason` when they were not computed.
struct PopulationMeasures
{
    Fraction silent;
    double silentThreshold = kSilentThreshold;
    std::vector<GroupRate> groupRates;
    std::optional<Fraction> saturated;
    std::optional<Measure> participationRatio;
    std::optional<Accuracy> accuracy;
    std::optional<Psychometric> psychometric;
    std::string rawReason;          ///< why the raw-data parts are missing
    std::string psychometricReason; ///< why there is no curve (no trial_values, ...)
    std::string windowError;        ///< the response-window field's text is not a window
};

class PopulationView : public QWidget
{
    Q_OBJECT
public:
    explicit PopulationView(QWidget* parent = nullptr);

    void setMeasures(const PopulationMeasures& m);
    /// "computing…" while a newer request is on its way.
    void setBusy(bool busy);

    /// The text of the measures and of the task performance, as shown.
    QString measuresText() const;
    QString performanceText() const;
    /// The rules under the numbers (engine constants).
    QString rulesText() const;
    QLineEdit* thresholdField() const { return m_threshold; }
    QLineEdit* windowField() const { return m_window; }
    QChartView* accuracyView() const { return m_accuracyView; }
    QChartView* psychometricView() const { return m_psychView; }
    QChart* psychometricChart() const { return m_psychChart; }
    QChart* accuracyChart() const { return m_accuracyChart; }
    QList<ExportableChart> exportableCharts() const;

signals:
    /// A valid threshold was entered.
    void silentThresholdChanged(double threshold);
    /// The response-window field was edited ("a:b"; empty: the default rule).
    void responseWindowChanged(const QString& text);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    /// Turns the accuracy chart's label names upright when they do not fit under their bars.
    void fitCategoryLabels();
    void showMeasures();
    void showPerformance();
    void drawAccuracy();
    void drawPsychometric();

    PopulationMeasures m_m;
    QLabel* m_measures = nullptr;
    QLabel* m_performance = nullptr;
    QLabel* m_rules = nullptr;
    QLabel* m_busy = nullptr;
    QLineEdit* m_threshold = nullptr;
    QLineEdit* m_window = nullptr;
    QChartView* m_accuracyView = nullptr;
    QChart* m_accuracyChart = nullptr;
    QChartView* m_psychView = nullptr;
    QChart* m_psychChart = nullptr;
};

} // namespace rnnloss
