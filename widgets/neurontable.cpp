#include "neurontable.h"

#include <QHeaderView>
#include <QItemSelection>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace rnnloss {

namespace {

/// A header that sizes a two-line label ("L_fr\ncontrib.") by its longer
/// line: the style measures it as one line ("L_fr contrib."), which made the
/// columns wider than their numbers and pushed the last one out of view.
class MultiLineHeader : public QHeaderView
{
public:
    using QHeaderView::QHeaderView;

protected:
    QSize sectionSizeFromContents(int logicalIndex) const override
    {
        QSize size = QHeaderView::sectionSizeFromContents(logicalIndex);
        const QString text =
            model() ? model()->headerData(logicalIndex, orientation()).toString() : QString();
        if (!text.contains(QLatin1Char('\n')))
            return size;
        const QFontMetrics fm = fontMetrics();
        int longest = 0;
        for (const QString& line : text.split(QLatin1Char('\n')))
            longest = std::max(longest, fm.horizontalAdvance(line));
        QString oneLine = text;
        oneLine.replace(QLatin1Char('\n'), QLatin1Char(' '));
        size.setWidth(size.width() - fm.horizontalAdvance(oneLine) + longest);
        return size;
    }
};

} // namespace

NeuronTableModel::NeuronTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void NeuronTableModel::setStats(const NeuronStats& stats)
{
    if (stats.size() == m_stats.size() && !m_stats.mean.empty()) {
        m_stats = stats;
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColCount - 1));
        return;
    }
    beginResetModel();
    m_stats = stats;
    endResetModel();
}

void NeuronTableModel::setNeuronIds(std::vector<std::int64_t> ids, std::vector<std::string> groups)
{
    m_ids = std::move(ids);
    m_groups = std::move(groups);
    if (rowCount() > 0)
        emit dataChanged(index(0, ColNeuron), index(rowCount() - 1, ColNeuron));
}

std::int64_t NeuronTableModel::neuronId(int row) const
{
    return row >= 0 && row < static_cast<int>(m_ids.size()) ? m_ids[static_cast<std::size_t>(row)]
                                                             : row;
}

int NeuronTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_stats.size());
}

int NeuronTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColCount;
}

double NeuronTableModel::value(int row, int column) const
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (row < 0 || row >= rowCount())
        return nan;
    auto at = [&](const std::vector<double>& v) {
        return row < static_cast<int>(v.size()) ? v[row] : nan;
    };
    switch (column) {
    case ColNeuron:
        return static_cast<double>(neuronId(row));
    case ColMean:
        return at(m_stats.mean);
    case ColSd:
        return at(m_stats.sd);
    case ColCv:
        return at(m_stats.cv);
    case ColMax:
        return at(m_stats.max);
    case ColActive:
        return at(m_stats.fractionActive);
    case ColFrContribution:
        return at(m_stats.frContribution);
    default:
        return nan;
    }
}

QVariant NeuronTableModel::data(const QModelIndex& idx, int role) const
{
    if (!idx.isValid() || idx.row() >= rowCount() || idx.column() >= ColCount)
        return {};
    const double v = value(idx.row(), idx.column());
    switch (role) {
    case Qt::DisplayRole:
        if (idx.column() == ColNeuron) {
            const std::int64_t id = neuronId(idx.row());
            if (id >= 0 && id < static_cast<std::int64_t>(m_groups.size()))
                return QStringLiteral("%1 · %2").arg(id).arg(
                    QString::fromStdString(m_groups[static_cast<std::size_t>(id)]));
            return static_cast<qlonglong>(id);
        }
        if (!std::isfinite(v))
            return QStringLiteral("—");
        // Three digits keep all seven columns in view at the default window
        // size; the tooltip has ten.
        if (idx.column() == ColActive)
            return QString::number(100.0 * v, 'f', 1) + QStringLiteral(" %");
        if (idx.column() == ColFrContribution)
            return QString::number(v, 'e', 2);
        return QString::number(v, 'g', 3);
    case Qt::EditRole:
    case SortRole:
        return v;
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        return std::isfinite(v) ? QString::number(v, 'g', 10) : tr("undefined");
    default:
        return {};
    }
}

QVariant NeuronTableModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, o, role);
    static const char* const names[ColCount] = {QT_TR_NOOP("neuron"),
                                                QT_TR_NOOP("mean"),
                                                QT_TR_NOOP("SD"),
                                                QT_TR_NOOP("CV over\ntime"),
                                                QT_TR_NOOP("max"),
                                                QT_TR_NOOP("active"),
                                                QT_TR_NOOP("L_fr\ncontrib.")};
    static const char* const tips[ColCount] = {
        QT_TR_NOOP("Neuron index (0-based)"),
        QT_TR_NOOP("Mean rate over trials and time steps"),
        QT_TR_NOOP("Population SD of the rate over trials and time steps"),
        QT_TR_NOOP("CV over time: SD / mean of this neuron's rate over time steps and trials. "
                   "(fr_cv in the λ panel is another CV: across neurons.)"),
        QT_TR_NOOP("Largest finite rate (all trials)"),
        QT_TR_NOOP("Share of samples above the activity threshold (all trials)"),
        QT_TR_NOOP("This neuron's contribution to L_fr; the column sums to L_fr")};
    if (section < 0 || section >= ColCount)
        return {};
    if (role == Qt::DisplayRole)
        return tr(names[section]);
    if (role == Qt::ToolTipRole)
        return tr(tips[section]);
    return {};
}

bool NeuronSortProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    const double a = left.data(NeuronTableModel::SortRole).toDouble();
    const double b = right.data(NeuronTableModel::SortRole).toDouble();
    const bool na = std::isnan(a), nb = std::isnan(b);
    if (na || nb) {
        // The view reverses lessThan for descending order; NaN stays last either way.
        const bool nanLast = sortOrder() == Qt::AscendingOrder;
        if (!(na && nb))
            return nanLast ? nb : na;
    } else if (a != b) {
        return a < b;
    }
    // Ties in neuron order whichever way the column sorts.
    return sortOrder() == Qt::AscendingOrder ? left.row() < right.row() : left.row() > right.row();
}

NeuronTableView::NeuronTableView(QWidget* parent) : QWidget(parent)
{
    m_model = new NeuronTableModel(this);
    m_proxy = new NeuronSortProxy(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(NeuronTableModel::SortRole);
    m_proxy->setDynamicSortFilter(true);

    m_table = new QTableView(this);
    auto* header = new MultiLineHeader(Qt::Horizontal, m_table);
    header->setSectionsClickable(true); // what QTableView's own header has
    header->setHighlightSections(true);
    m_table->setHorizontalHeader(header);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(NeuronTableModel::ColNeuron, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    // Every column as wide as its widest number, the last one too: stretched
    // to what was left, it went below its numbers ("5.90e-") when the room was
    // short, while the others kept theirs.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(false);

    // Narrower than its columns only when the window is: then it scrolls
    // sideways instead of squeezing numbers to "...".
    m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_table->setMinimumWidth(m_table->fontMetrics().horizontalAdvance(QStringLiteral("0.000e-00")) *
                             3);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_table);

    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &NeuronTableView::onSelectionChanged);
}

void NeuronTableView::setStats(const NeuronStats& stats)
{
    m_model->setStats(stats);
}

QVector<int> NeuronTableView::selectedNeurons() const
{
    QVector<int> out;
    for (const QModelIndex& i : m_table->selectionModel()->selectedRows())
        out.append(m_proxy->mapToSource(i).row());
    std::sort(out.begin(), out.end());
    return out;
}

void NeuronTableView::selectNeurons(const QVector<int>& neurons)
{
    m_settingSelection = true;
    QItemSelection sel;
    const int last = NeuronTableModel::ColCount - 1;
    QModelIndex first;
    for (int n : neurons) {
        if (n < 0 || n >= m_model->rowCount())
            continue;
        const QModelIndex a = m_proxy->mapFromSource(m_model->index(n, 0));
        const QModelIndex b = m_proxy->mapFromSource(m_model->index(n, last));
        sel.select(a, b);
        if (!first.isValid())
            first = a;
    }
    QItemSelectionModel* sm = m_table->selectionModel();
    sm->select(sel, QItemSelectionModel::ClearAndSelect);
    if (first.isValid()) {
        sm->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
        m_table->scrollTo(first);
    }
    m_settingSelection = false;
}

void NeuronTableView::onSelectionChanged()
{
    if (m_settingSelection)
        return;
    const QVector<int> neurons = selectedNeurons();
    emit selectionChanged(neurons);
    if (neurons.isEmpty())
        return;
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    int neuron = neurons.first();
    if (current.isValid()) {
        const int row = m_proxy->mapToSource(current).row();
        if (neurons.contains(row))
            neuron = row;
    }
    emit neuronSelected(neuron);
}

} // namespace rnnloss
