#pragma once
// A matrix as an image with a diverging colormap symmetric about 0
// (blue - white - red, limit = max |value|), a colour bar and axis titles.

#include <QImage>
#include <QString>
#include <QWidget>

#include <vector>

namespace rnnloss {

class HeatmapView : public QWidget
{
    Q_OBJECT

public:
    explicit HeatmapView(QWidget* parent = nullptr);

    /// Copies `rows` x `cols` row-major values. An empty matrix shows
    /// emptyText() under the title.
    void setMatrix(const float* data, int rows, int cols, const QString& title);
    void setAxisTitles(const QString& x, const QString& y);
    void setEmptyText(const QString& text);
    QString emptyText() const { return m_emptyText; }

    int rows() const { return m_rows; }
    int cols() const { return m_cols; }
    /// The colour limit: max |value| over finite values (1 when all are 0).
    double limit() const { return m_limit; }
    /// The value at (row, col), NaN outside.
    double valueAt(int row, int col) const;
    /// The tooltip text of one cell: its row, column and value.
    QString cellText(int row, int col) const;
    /// The cell under a widget position, or false outside the image.
    bool cellAt(const QPoint& pos, int* row, int* col) const;
    /// Diverging map: -1 blue, 0 white, +1 red; NaN grey.
    static QColor colorFor(double normalized);

    QSize sizeHint() const override { return {360, 300}; }
    QSize minimumSizeHint() const override { return {200, 160}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    QRect imageRect() const;

    std::vector<float> m_data;
    int m_rows = 0;
    int m_cols = 0;
    double m_limit = 1.0;
    QImage m_image;
    QString m_title;
    QString m_xTitle = tr("in");
    QString m_yTitle = tr("out");
    QString m_emptyText = tr("not in the recording");
};

} // namespace rnnloss
