#include "setcontroller.h"

#include "analysiscontroller.h"
#include "balancedialog.h"
#include "chartutil.h"
#include "compareview.h"
#include "gradientcontroller.h"
#include "gradientview.h"
#include "historyview.h"
#include "lambdapanel.h"
#include "lambdasfile.h"
#include "recordingfiles.h"
#include "runs.h"
#include "runscontroller.h"
#include "sweepview.h"

#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QListWidget>
#include <QMainWindow>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace rnnloss {

SetController::SetController(QMainWindow* window, RecordingSet* set, LambdaModel* lambdas)
    : QObject(window), m_window(window), m_set(set), m_lambdas(lambdas),
      m_analysis(new SetAnalysis(this)), m_setGradients(new SetGradients(this))
{
    m_list = new QListWidget;
    m_list->setObjectName("recordingList");
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    auto* add = new QPushButton(tr("Add…"));
    m_remove = new QPushButton(tr("Remove"));
    m_remove->setObjectName("removeRecording");
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(m_remove);
    buttons->addStretch(1);
    auto* panel = new QWidget;
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_list, 1);
    layout->addLayout(buttons);
    m_dock = new QDockWidget(tr("Recordings"), window);
    m_dock->setObjectName("recordingsDock");
    m_dock->setWidget(panel);

    m_history = new HistoryView;
    m_history->setObjectName("historyView");
    m_compare = new CompareView;
    m_compare->setObjectName("compareView");
    m_compare->installEventFilter(this);
    m_sweep = new SweepView;
    m_sweep->setObjectName("sweepView");
    m_sweep->setRange(std::pow(10.0, LambdaPanel::kMinExp), std::pow(10.0, LambdaPanel::kMaxExp));

    connect(add, &QPushButton::clicked, this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(
            m_window, tr("Add recordings"), {}, tr("HDF5 recordings (*.h5 *.hdf5);;All files (*)"));
        addFiles(files);
    });
    connect(m_remove, &QPushButton::clicked, this, [this] { m_set->remove(m_list->currentRow()); });
    connect(m_list, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { m_set->setActive(m_list->row(item)); });
    connect(m_list, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { m_set->setActive(m_list->row(item)); });
    connect(m_history, &HistoryView::recordingClicked, this, [this](int i) {
        if (i >= 0 && i < int(m_shownIdx.size()))
            m_set->setActive(m_shownIdx[std::size_t(i)]);
    });
    m_runs = new RunsController(window, set, m_analysis);
    connect(m_runs->scopeBox(), &QComboBox::currentIndexChanged, this,
            [this](int i) { setScope(i == 1 ? Scope::LastCheckpoints : Scope::Picked); });
    connect(m_runs, &RunsController::shownRunsChanged, this, [this](const QStringList& runs) {
        m_shownRuns = runs;
        if (!m_refreshingRuns) // else the redraw under way shows them
            redraw(false, true);
    });
    m_redrawTimer = new QTimer(this);
    m_redrawTimer->setSingleShot(true);
    connect(m_redrawTimer, &QTimer::timeout, this, [this] {
        m_delayMs = std::min(2 * m_delayMs, 1 << 24);
        redraw(m_listStale, m_termsStale);
    });
    connect(m_set, &RecordingSet::entriesChanged, this, &SetController::onEntriesChanged);
    connect(m_set, &RecordingSet::activeChanged, this, &SetController::onActiveChanged);
    connect(m_set, &RecordingSet::batchFinished, this, &SetController::redrawSoon);
    connect(m_lambdas, &LambdaModel::changed, this, &SetController::onLambdasChanged);
    connect(m_analysis, &SetAnalysis::termsChanged, this, &SetController::onTermsChanged);
    // The set's gradients are computed while the History plots their shares.
    connect(m_history, &HistoryView::gradientSharesToggled, m_setGradients,
            &SetGradients::setWanted);
    connect(m_setGradients, &SetGradients::changed, this, &SetController::refreshGradients);
    onLambdasChanged();
    refreshList();
}

void SetController::addTabs(QTabWidget* tabs)
{
    tabs->addTab(m_history, tr("History"));
    tabs->addTab(m_compare, tr("Compare"));
    tabs->addTab(m_sweep, tr("λ sweep"));
}

void SetController::addFileActions(QMenu* file)
{
    QAction* add = file->addAction(tr("&Add recordings…"), this, [this] {
        addFiles(QFileDialog::getOpenFileNames(m_window, tr("Add recordings"), {},
                                               tr("HDF5 recordings (*.h5 *.hdf5);;All files (*)")));
    });
    add->setObjectName("addRecordings");
    QAction* open = file->addAction(tr("Open &folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(
            m_window, tr("Open the recordings and summaries under a folder"));
        if (!dir.isEmpty())
            openFolder(dir);
    });
    open->setObjectName("openFolder");
    file->addAction(tr("Add &folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(
            m_window, tr("Add the recordings and summaries under a folder"));
        if (!dir.isEmpty())
            addFiles({dir});
    });
    QAction* import = file->addAction(tr("&Import lambdas…"), this, [this] {
        const QString f = QFileDialog::getOpenFileName(
            m_window, tr("Import lambdas"), {}, tr("Lambda settings (*.json);;All files (*)"));
        if (f.isEmpty())
            return;
        const QString error = importLambdas(f);
        if (!error.isEmpty())
            QMessageBox::warning(m_window, tr("Import lambdas"), error);
    });
    import->setObjectName("importLambdas");
}

void SetController::addEditActions(QMenu* edit)
{
    QAction* balance = edit->addAction(tr("Auto-&balance…"), this, [this] {
        QString why;
        if (BalanceDialog* d = openBalance(&why))
            d->open();
        else
            QMessageBox::information(m_window, tr("Auto-balance"), why);
    });
    balance->setObjectName("autoBalance");
}

QList<LoadRequest> SetController::requestsFor(const QStringList& paths)
{
    QList<LoadRequest> requests;
    QStringList problems;
    for (const QString& p : paths) {
        const FolderFiles found = expandFolders({QFile::encodeName(p).toStdString()});
        for (const std::string& e : found.errors)
            problems << QString::fromStdString(e);
        if (found.files.empty())
            problems << tr("%1: no recording (*.h5, *.hdf5) or summary file (*.rnnsum) under it")
                            .arg(p);
        for (const std::string& f : found.files)
            requests << LoadRequest{QFile::decodeName(QByteArray::fromStdString(f)), {}};
    }
    if (auto* bar = m_window->statusBar(); bar && !problems.isEmpty())
        bar->showMessage(problems.join(QStringLiteral("; ")), 10000);
    return requests;
}

void SetController::addFiles(const QStringList& paths)
{
    m_set->add(requestsFor(paths));
}

void SetController::openFolder(const QString& folder)
{
    const QList<LoadRequest> requests = requestsFor({folder});
    if (requests.isEmpty())
        return;
    m_set->clear();
    m_set->add(requests);
}

QString SetController::importLambdas(const QString& path)
{
    const LambdaSettingsResult r = readLambdaSettings(QFile::encodeName(path).toStdString());
    if (!r.value)
        return QString::fromStdString(r.error);
    LossOptions given;
    applyLambdaSettings(*r.value, given);
    m_lambdas->edit(withOverrides(m_lambdas->state(), given)); // one undo step
    if (auto* bar = m_window->statusBar())
        bar->showMessage(tr("Lambdas imported from %1").arg(QFileInfo(path).fileName()), 5000);
    return {};
}

BalanceDialog* SetController::openBalance(QString* why)
{
    const RecordingEntry* active = m_set->active();
    std::optional<TermValues> values;
    std::optional<Slice> slice; // of the data balanced
    QString data;
    if (m_shown) {
        // The data the views show: the result of the current selection, once
        // it is computed for the current convention.
        const ComputeResult* r = m_shown->lastResult();
        if (active && r && r->generation == active->generation &&
            r->summary == m_shown->summary() && r->convention == m_lambdas->state().convention) {
            values = BalanceDialog::termValues(r->loss);
            slice = r->summary->slice;
            data = BalanceDialog::dataDescription(*r->summary, active->name());
        }
    } else if (const auto terms = active ? m_analysis->terms(active->generation) : nullptr) {
        values = terms->values;
        data = BalanceDialog::dataDescription(*active->summary, active->name());
    }
    if (!values) {
        if (why)
            *why = active ? tr("The terms of %1 are still being computed.").arg(active->label())
                          : tr("No recording is open.");
        return nullptr;
    }
    auto* d = new BalanceDialog(*values, m_lambdas->state(), data, m_window);
    d->setAttribute(Qt::WA_DeleteOnClose);
    offerGradients(d, slice, active->generation);
    connect(d, &QDialog::accepted, this, [this, d] {
        if (const auto s = d->solvedState())
            m_lambdas->edit(*s); // one undo step
    });
    return d;
}

void SetController::offerGradients(BalanceDialog* d, const std::optional<Slice>& slice,
                                   std::uint64_t generation) const
{
    if (!m_shownGradients) {
        d->setGradients(nullptr, Param::WHid, tr("the window computes none"));
        return;
    }
    const Param param = m_gradientView ? m_gradientView->param() : Param::WHid;
    const auto g = m_shownGradients->result();
    QString why;
    if (m_shownGradients->busy())
        why = tr("they are still being computed");
    else if (!g)
        why = m_shownGradients->status();
    else if (!g->ok())
        why = QString::fromStdString(g->error);
    else if (m_shownGradients->generation() != generation || m_shownGradients->slice() != slice ||
             g->convention != m_lambdas->state().convention)
        why = tr("they are of other data than the views show");
    d->setGradients(why.isEmpty() ? g : nullptr, param, why);
}

std::vector<double> SetController::positions(const std::vector<RecordingEntry>& entries,
                                             QString* title)
{
    const std::pair<const char*, std::optional<double> Summary::*> axes[] = {
        {"step", &Summary::step}, {"epoch", &Summary::epoch}};
    for (const auto& [name, member] : axes) {
        std::vector<double> x;
        for (const RecordingEntry& e : entries)
            if (const auto v = (*e.summary).*member)
                x.push_back(*v);
        if (!entries.empty() && x.size() == entries.size()) {
            *title = QString::fromLatin1(name);
            return x;
        }
    }
    *title = tr("recording");
    return {};
}

void SetController::setBatchRedrawDelay(int firstMs)
{
    m_firstDelayMs = m_delayMs = std::max(1, firstMs);
}

void SetController::onEntriesChanged()
{
    m_listStale = m_termsStale = true;
    updateShown(); // no index of a removed entry stays
    m_analysis->setEntries(m_set->entries()); // its termsChanged draws what may be drawn
    m_setGradients->setEntries(m_set->entries());
    redrawSoon();
}

void SetController::onActiveChanged()
{
    m_history->setActive(shownIndexOf(m_set->activeIndex()));
    m_listStale = m_termsStale = true;
    redrawSoon();
}

void SetController::onTermsChanged()
{
    m_termsStale = true;
    redrawSoon();
}

void SetController::redrawSoon()
{
    // The list waits for the loads, the term views also for the terms.
    const bool listWaits = m_set->isLoading();
    const bool termsWait = listWaits || !m_analysis->complete();
    redraw(m_listStale && !listWaits, m_termsStale && !termsWait);
    if (!termsWait) {
        m_redrawTimer->stop();
        m_delayMs = m_firstDelayMs; // the next batch starts afresh
        return;
    }
    if ((m_listStale || m_termsStale) && !m_redrawTimer->isActive())
        m_redrawTimer->start(m_delayMs);
}

void SetController::redraw(bool list, bool terms)
{
    if (list) {
        m_listStale = false;
        refreshList();
    }
    if (terms) {
        m_termsStale = false;
        refreshTerms();
    }
}

void SetController::onLambdasChanged()
{
    const LambdaState& s = m_lambdas->state();
    // Terms computed under another convention no longer apply; the views wait
    // for the new ones (termsChanged) rather than show stale numbers: they
    // drop the old ones at once.
    const bool otherConvention = s.convention != m_analysis->convention();
    m_analysis->setConvention(s.convention);
    m_setGradients->setConvention(s.convention);
    if (otherConvention)
        redraw(false, true);
    m_history->setLambdas(s.effective());
    m_runs->setLambdas(s.effective());
    m_sweep->setLambdas(s.effective());
    m_compare->setLambdas(s.effective());
}

void SetController::updateShown()
{
    m_shownIdx.clear();
    const auto& entries = m_set->entries();
    // Without a selection no run is looked up: this runs on every load of a batch.
    for (int i = 0; i < int(entries.size()); ++i)
        if (m_shownRuns.isEmpty() || m_shownRuns.contains(entries[std::size_t(i)].run()))
            m_shownIdx.push_back(i);
}

int SetController::shownIndexOf(int entry) const
{
    const auto it = std::find(m_shownIdx.begin(), m_shownIdx.end(), entry);
    return it == m_shownIdx.end() ? -1 : int(it - m_shownIdx.begin());
}

QStringList SetController::labelsOf(const std::vector<int>& entries) const
{
    QStringList out;
    out.reserve(qsizetype(entries.size()));
    for (int i : entries)
        out << m_set->entries()[std::size_t(i)].label();
    return out;
}

SetController::SetTerms SetController::termsOf(const std::vector<int>& entries,
                                               const QStringList& labels) const
{
    SetTerms out;
    out.labels = labels;
    for (int i : entries) {
        const auto t = m_analysis->terms(m_set->entries()[std::size_t(i)].generation);
        out.values.push_back(t ? std::optional<TermValues>(t->values) : std::nullopt);
        out.rates.push_back(t ? t->meanRates : std::vector<double>{});
    }
    return out;
}

std::vector<Run> SetController::shownRuns() const
{
    std::vector<RunMember> members;
    members.reserve(m_shownIdx.size());
    for (int i : m_shownIdx) {
        const RecordingEntry& e = m_set->entries()[std::size_t(i)];
        const LoadRequest& f = e.files;
        members.push_back(
            {e.summary.get(),
             QFile::encodeName(f.recording.isEmpty() ? f.weights : f.recording).toStdString()});
    }
    return groupRuns(members);
}

void SetController::setScope(Scope scope)
{
    if (scope == m_scope)
        return;
    m_scope = scope;
    {
        const QSignalBlocker quiet(m_runs->scopeBox());
        m_runs->scopeBox()->setCurrentIndex(int(scope));
    }
    redraw(false, true);
}

void SetController::updateScoped(const std::vector<Run>& runs)
{
    std::vector<int> idx;
    QStringList labels;
    if (m_scope == Scope::Picked) {
        idx = m_shownIdx;
        labels = labelsOf(idx);
    } else {
        // A run's checkpoints are in the History's order: its last is its latest.
        for (const Run& run : runs) {
            const int i = m_shownIdx[run.checkpoints.back()];
            idx.push_back(i);
            labels << QStringLiteral("%1 · %2").arg(QString::fromStdString(run.name),
                                                    m_set->entries()[std::size_t(i)].label());
        }
    }
    const bool changed = idx != m_compareIdx || labels != m_compareLabels;
    m_compareIdx = std::move(idx);
    m_compareLabels = std::move(labels);
    if (changed)
        emit compareRecordingsChanged();
}

std::vector<int> SetController::sweepRecordings() const
{
    if (m_scope == Scope::LastCheckpoints)
        return m_compareIdx;
    return m_set->activeIndex() >= 0 ? std::vector<int>{m_set->activeIndex()} : std::vector<int>{};
}

void SetController::refreshCompare()
{
    // Compare builds a chart series and a bar set per recording (Qt Charts:
    // seconds for a thousand); hidden, it is given the set when it is shown.
    m_compareStale = !m_compare->isVisible();
    if (m_compareStale)
        return;
    const SetTerms in = termsOf(m_compareIdx, m_compareLabels);
    m_compare->setRecordings(in.labels, in.rates, in.values);
}

void SetController::refreshSweep()
{
    const std::vector<int> idx = sweepRecordings();
    if (m_scope == Scope::Picked || idx.size() <= 1) {
        const RecordingEntry* e = idx.empty() ? nullptr : &m_set->entries()[std::size_t(idx[0])];
        const auto t = e ? m_analysis->terms(e->generation) : nullptr;
        m_sweep->setValues(t ? std::optional<TermValues>(t->values) : std::nullopt);
        return;
    }
    const SetTerms in = termsOf(idx, m_compareLabels);
    m_sweep->setRecordings(in.labels, in.values);
}

void SetController::refreshHistory(const std::vector<Run>& runs)
{
    std::vector<RecordingEntry> shown;
    shown.reserve(m_shownIdx.size());
    for (int i : m_shownIdx)
        shown.push_back(m_set->entries()[std::size_t(i)]);
    QString title;
    const std::vector<double> x = positions(shown, &title);
    const SetTerms in = termsOf(m_shownIdx, labelsOf(m_shownIdx));
    m_history->setRecordings(in.labels, x, title, in.values);
    std::vector<int> runOf(shown.size());
    QStringList runNames;
    for (const Run& run : runs) {
        for (std::size_t i : run.checkpoints)
            runOf[i] = int(runNames.size());
        runNames << QString::fromStdString(run.name);
    }
    m_history->setRuns(runOf, runNames);
}

void SetController::refreshTerms()
{
    // The table first: a run it no longer has is no longer selected.
    m_refreshingRuns = true;
    m_runs->refresh();
    m_refreshingRuns = false;
    updateShown();
    const std::vector<Run> runs = shownRuns();
    updateScoped(runs);
    refreshCompare();
    refreshHistory(runs);
    refreshGradients();
    m_history->setActive(shownIndexOf(m_set->activeIndex()));
    refreshSweep();
    ++m_termRedraws;
    emit termViewsRedrawn();
}

bool SetController::eventFilter(QObject* watched, QEvent* event)
{
    // Before Compare's own showEvent, which draws what it was given.
    if (watched == m_compare && event->type() == QEvent::Show && m_compareStale) {
        m_compareStale = false;
        const SetTerms in = termsOf(m_compareIdx, m_compareLabels);
        m_compare->setRecordings(in.labels, in.rates, in.values);
    }
    return QObject::eventFilter(watched, event);
}

void SetController::setGradientParam(Param param)
{
    m_gradientParam = param;
    refreshGradients();
}

void SetController::refreshGradients()
{
    std::vector<std::optional<ParamGram>> grams;
    QString problem;
    for (int i : m_shownIdx) {
        const RecordingEntry& e = m_set->entries()[std::size_t(i)];
        const auto r = m_setGradients->result(e.generation);
        grams.push_back(r && r->ok() ? std::optional<ParamGram>((*r)[m_gradientParam])
                                     : std::nullopt);
        if (r && !r->ok() && problem.isEmpty())
            problem = tr("no gradients of %1: %2").arg(e.label(), QString::fromStdString(r->error));
    }
    m_history->setGradients(grams, qs(paramKey(m_gradientParam)),
                            problem.isEmpty() ? m_setGradients->status() : problem);
}

void SetController::refreshList()
{
    const auto& entries = m_set->entries();
    m_list->clear();
    for (int i = 0; i < int(entries.size()); ++i) {
        auto* item = new QListWidgetItem(entries[std::size_t(i)].label(), m_list);
        item->setToolTip(tr("%1\nrun %2").arg(entries[std::size_t(i)].files.recording,
                                             entries[std::size_t(i)].run()));
        if (i == m_set->activeIndex()) {
            QFont f = item->font();
            f.setBold(true);
            item->setFont(f);
        }
    }
    m_list->setCurrentRow(m_set->activeIndex());
    m_remove->setEnabled(entries.size() > 1);
    ++m_listRedraws;
}

} // namespace rnnloss
