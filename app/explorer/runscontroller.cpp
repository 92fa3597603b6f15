#include "runscontroller.h"

#include "runs.h"

#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QHBoxLayout>
#include <QLabel>
#include <QMainWindow>
#include <QVBoxLayout>

namespace rnnloss {

RunsController::RunsController(QMainWindow* window, const RecordingSet* set,
                               const SetAnalysis* analysis)
    : QObject(window), m_set(set), m_analysis(analysis)
{
    m_table = new RunsTable;
    m_table->setObjectName("runsTable");
    m_dock = new QDockWidget(tr("Runs"), window);
    m_dock->setObjectName("runsDock");
    m_scopeBox = new QComboBox;
    m_scopeBox->setObjectName("compareScope");
    // In SetController::Scope's order.
    m_scopeBox->addItems({tr("the recordings picked"), tr("the last checkpoint of each run")});
    m_scopeBox->setToolTip(tr("The recordings picked: Compare has every recording of the runs "
                              "selected (its table picks the ones drawn), the λ sweep the "
                              "recording open. The last checkpoint of each run: both have one "
                              "recording per run selected (every run when none is)."));
    auto* top = new QHBoxLayout;
    top->setContentsMargins(4, 2, 4, 0);
    top->addWidget(new QLabel(tr("Compare and λ sweep show")));
    top->addWidget(m_scopeBox);
    top->addStretch(1);
    auto* panel = new QWidget;
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);
    m_dock->setWidget(panel);
    window->addDockWidget(Qt::BottomDockWidgetArea, m_dock);
    // Hidden until the set has runs to compare: one recording, or one run,
    // keeps the window's whole height (View ▸ Runs table shows it).
    m_dock->hide();
    connect(m_table, &RunsTable::runsSelected, this, [this](const QStringList& runs) {
        if (runs == m_shown)
            return;
        m_shown = runs;
        emit shownRunsChanged(m_shown);
    });
}

std::vector<RunRow> RunsController::rows(const std::vector<RecordingEntry>& entries,
                                         const SetAnalysis& analysis)
{
    std::vector<RunMember> members;
    members.reserve(entries.size());
    for (const RecordingEntry& e : entries) {
        const QString& path = e.files.recording.isEmpty() ? e.files.weights : e.files.recording;
        members.push_back({e.summary.get(), QFile::encodeName(path).toStdString()});
    }
    std::vector<RunRow> out;
    for (const Run& run : groupRuns(members)) {
        RunRow row;
        row.name = QString::fromStdString(run.name);
        row.checkpoints = int(run.checkpoints.size());
        for (int t = 0; t < kTermCount; ++t) {
            bool first = true;
            for (std::size_t i : run.checkpoints) {
                const auto& l = entries[i].summary->trainingLambdas[std::size_t(t)];
                if (first)
                    row.trainingLambdas[std::size_t(t)] = l;
                else if (l != row.trainingLambdas[std::size_t(t)])
                    row.mixed[std::size_t(t)] = true;
                first = false;
            }
            if (row.mixed[std::size_t(t)])
                row.trainingLambdas[std::size_t(t)].reset();
        }
        const RecordingEntry& last = entries[run.checkpoints.back()];
        row.lastLabel = last.label();
        if (const auto terms = analysis.terms(last.generation))
            row.last = terms->values;
        out.push_back(std::move(row));
    }
    return out;
}

void RunsController::refresh()
{
    const std::vector<RunRow> runs = rows(m_set->entries(), *m_analysis);
    if (runs.size() > 1 && !m_shownOnce) {
        m_shownOnce = true;
        m_dock->show();
    }
    m_table->setRuns(runs);
}

} // namespace rnnloss
