#pragma once
// A small symmetric matrix of values in [-1, 1] with named rows and columns,
// in the heatmap's diverging colours (HeatmapView::colorFor): the cosines
// between the terms' gradients, where -1 is two terms pulling exactly against
// each other. Each cell shows its value; undefined cells are hatched and say
// why on hover; rows of terms that do not count now are drawn faded.

#include "chartexport.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <optional>
#include <vector>

namespace rnnloss {

class ConflictMatrixView : public QWidget, public FigurePainter
{
    Q_OBJECT

public:
    explicit ConflictMatrixView(QWidget* parent = nullptr);

    /// `values` and `notes` are row-major, labels.size() squared; a cell
    /// without a value is undefined, its note says why. Fewer values than
    /// that clears the matrix (emptyText() is shown instead).
    void setMatrix(const QStringList& labels, const std::vector<std::optional<double>>& values,
                   const std::vector<QString>& notes);
    /// Row and column `i` faded (a term that does not count in the total now).
    /// Repaints only.
    void setFaded(const std::vector<bool>& faded);
    void setTitle(const QString& title);
    /// What an empty matrix shows (why there is nothing).
    void setEmptyText(const QString& text);

    QString title() const { return m_title; }
    QString emptyText() const { return m_emptyText; }
    int size() const { return int(m_labels.size()); }
    std::optional<double> valueAt(int row, int col) const;
    bool isFaded(int i) const;
    /// The hover text of a cell: the pair, the value or why there is none.
    QString cellText(int row, int col) const;
    /// The cell under a widget position, or false outside the cells.
    bool cellAt(const QPoint& pos, int* row, int* col) const;
    /// The rectangle of the cells when the widget paints into `area`.
    QRect gridRect(const QRect& area) const;

    void paintFigure(QPainter& p, const QRect& rect, bool vector) const override;

    QSize sizeHint() const override { return {380, 340}; }
    QSize minimumSizeHint() const override { return {220, 200}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    int labelWidth() const;
    void paintAll(QPainter& p, const QRect& area) const;
    void paintCells(QPainter& p, const QRect& grid) const;
    void paintLabels(QPainter& p, const QRect& grid) const;
    void paintColorBar(QPainter& p, const QRect& grid, const QRect& area) const;

    QStringList m_labels;
    std::vector<std::optional<double>> m_values;
    std::vector<QString> m_notes;
    std::vector<bool> m_faded;
    QString m_title;
    QString m_emptyText;
};

} // namespace rnnloss
