#pragma once
// Bars of each term's weighted gradient norm ||lambda_k dL_k/dp|| with respect
// to one parameter p, the term's share under its name (gradgram.h's
// gradShares) and the norm of the weighted total ||sum lambda_k dL_k/dp|| as
// the last bar. Everything comes from the parameter's Gram matrix, so a
// lambda change replaces eight bar heights and labels: no chart is rebuilt.
// The value axis follows the loss breakdown's rule (chartutil's wantsLogAxis).

#include "chartexport.h"
#include "gradient.h"
#include "sweep.h"

#include <QList>
#include <QStringList>
#include <QtCharts/QChartView>

#include <array>
#include <optional>

QT_BEGIN_NAMESPACE
class QAction;
class QBarCategoryAxis;
class QBarSeries;
class QBarSet;
class QGraphicsSimpleTextItem;
class QLogValueAxis;
class QValueAxis;
QT_END_NAMESPACE

namespace rnnloss {

class GradientBarsView : public QChartView
{
    Q_OBJECT

public:
    static constexpr int kBars = kTermCount + 1; ///< the terms, then the total

    explicit GradientBarsView(QWidget* parent = nullptr);

    /// The Gram matrix of the parameter shown; empty: nothing to show, with
    /// `why` in the title.
    void setGram(const std::optional<ParamGram>& gram, Convention convention,
                 const QString& why = {});
    /// Lambdas as the panel holds them (disabled ones included) and which are on.
    void setLambdas(const TermArray& lambdas, const std::array<bool, kTermCount>& enabled);

    /// Logarithmic value axis; calling this ends the automatic choice.
    void setLogScale(bool on);
    bool logScale() const { return m_logScale; }
    /// While on (the default), log when the bars span more than two decades.
    void setAutoLogScale(bool on);
    bool autoLogScale() const { return m_autoLog; }
    /// Where a bar of 0 (or an undefined one) stands.
    double barBase() const;

    /// What the bars show, before any axis clipping: term k's lambda_k ||g_k||
    /// (0 when it does not count, NaN when it counts and has no gradient),
    /// then the total's norm (NaN when undefined). Empty values without a Gram.
    const std::array<double, kBars>& values() const { return m_values; }
    /// Each term's share (gradShares); all empty when undefined.
    const Shares& shares() const { return m_shares; }
    /// The bar heights as plotted (clipped to the axis base).
    QList<double> bars() const;
    /// Category labels as shown (plain text, lines split by '\n').
    QStringList categoryLabels() const { return m_labels; }
    /// The value written above each bar ("" where none is drawn).
    QStringList valueLabels() const;
    /// The text of bar `i`'s tooltip.
    QString barText(int i) const;

    /// Times the series, sets and axes were created: once, in the constructor.
    /// Tests read it to prove a lambda change only replaces values.
    int chartBuilds() const { return m_builds; }
    QBarSet* barSet() const { return m_set; }
    QAction* logAction() const { return m_actLog; }

    QList<ExportableChart> exportableCharts() const;

private:
    void build();
    void recompute();
    void refresh();
    void refreshLabels();
    void placeValueLabels();
    void applyLogScale(bool on);
    void onHovered(bool status, int index);

    std::optional<ParamGram> m_gram;
    Convention m_convention = kDefaultConvention;
    QString m_why;
    TermArray m_lambdas{};
    std::array<bool, kTermCount> m_enabled{};
    std::array<double, kBars> m_values{};
    Shares m_shares{};
    std::array<double, kBars> m_drawn{}; ///< bar tops that carry a value label, NaN where none
    bool m_logScale = false;
    bool m_autoLog = true;
    int m_builds = 0;

    QChart* m_chart = nullptr;
    QBarSeries* m_series = nullptr;
    QBarSet* m_set = nullptr;
    QBarCategoryAxis* m_categoryAxis = nullptr;
    QValueAxis* m_linearAxis = nullptr;
    QLogValueAxis* m_logAxis = nullptr;
    QStringList m_categories; ///< as given to the axis (rich text)
    QStringList m_labels;     ///< the same as plain text
    QList<QGraphicsSimpleTextItem*> m_valueItems;
    QAction* m_actLog = nullptr;
};

} // namespace rnnloss
