#pragma once
// Bar chart of the loss: one bar per term (lambda * value) and the total.

#include "chartexport.h"
#include "loss.h"

#include <QList>

#include <QStringList>
#include <QtCharts/QChartView>
#include <array>

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

class LossBreakdownView : public QChartView
{
    Q_OBJECT

public:
    explicit LossBreakdownView(QWidget* parent = nullptr);

    void setResult(const LossResult& result);
    const LossResult& result() const { return m_result; }

    /// Adds the unweighted values as a second bar per term.
    void setShowUnweighted(bool on);
    bool showUnweighted() const { return m_showUnweighted; }
    /// Logarithmic value axis; zero and undefined bars are left empty. Its
    /// floor is half a decade or more below the smallest positive bar.
    /// Calling this ends the automatic choice (autoLogScale()).
    void setLogScale(bool on);
    bool logScale() const { return m_logScale; }
    /// While on, the view picks the axis for each result: log when the
    /// positive weighted bars span more than two decades (an MSE at 98 % would
    /// leave every regulariser invisible on a linear axis). The user's own pick
    /// (setLogScale, the action) turns it off. Off by default so that a window
    /// restoring the user's saved choice is not overridden; the app turns it on
    /// when there is no saved choice.
    void setAutoLogScale(bool on);
    bool autoLogScale() const { return m_autoLog; }
    /// Where a bar of 0 (or an undefined one) stands: 0 on a linear axis, the
    /// floor of a log axis, where it is not drawn.
    double barBase() const;
    /// The value written above each bar ("" where no bar is drawn), weighted
    /// bars first (terms, then total), then unweighted ones when shown.
    QStringList valueLabels() const;
    /// Scene rectangles of the value labels and their bars' tops, for tests.
    QList<QRectF> valueLabelRects() const;
    QList<QPointF> barTops() const;
    /// Each term's share of the total under its name.
    void setShowShares(bool on);
    bool showShares() const { return m_showShares; }

    /// Checkable actions for the three toggles (also in the context menu).
    QList<QAction*> actions() const { return {m_actUnweighted, m_actLog, m_actShares}; }

    /// Category labels as shown (plain text, lines split by '\n'), one per term
    /// and "total" last.
    QStringList categoryLabels() const { return m_labels; }
    /// The bar heights as plotted: weighted set, then unweighted set.
    QList<double> weightedBars() const;
    QList<double> unweightedBars() const;

    /// The chart alone, for export.
    QList<ExportableChart> exportableCharts() const;

private:
    void refresh();
    void refreshLabels();
    void updateAxisAttachment();
    void onHovered(bool status, int index, bool weighted);
    void applyLogScale(bool on);
    void placeValueLabels();

    LossResult m_result;
    bool m_showUnweighted = false;
    bool m_logScale = false;
    bool m_showShares = true;
    bool m_autoLog = false;
    std::array<double, kTermCount + 1> m_barValue{};  ///< weighted bar tops, NaN where none
    std::array<double, kTermCount + 1> m_ubarValue{}; ///< unweighted bar tops, NaN where none
    QList<QGraphicsSimpleTextItem*> m_valueItems;     ///< weighted labels, then unweighted

    QChart* m_chart = nullptr;
    QBarSeries* m_series = nullptr;
    QBarSet* m_weighted = nullptr;
    QBarSet* m_unweighted = nullptr;
    QBarCategoryAxis* m_categoryAxis = nullptr;
    QValueAxis* m_linearAxis = nullptr;
    QLogValueAxis* m_logAxis = nullptr;
    QStringList m_categories; ///< as given to the axis (rich text)
    QStringList m_labels;     ///< the same as plain text
    QAction* m_actUnweighted = nullptr;
    QAction* m_actLog = nullptr;
    QAction* m_actShares = nullptr;
};

} // namespace rnnloss
