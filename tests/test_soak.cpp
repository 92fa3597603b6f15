// Soak test: drives the real MainWindow (offscreen) with many randomized user
// events — lambda sliders, typing in the lambda fields, enable boxes, the
// convention, undo/redo, neuron selections, histogram bins, view toggles, tabs,
// the reset buttons — interleaved with loads of good files, bad files (malformed
// fixtures, HDF5 crashers) and cancelled or superseded loads.
//
// Checks: no crash; after a bad or cancelled load the data is unchanged; the
// lambda panel always agrees with the window's state; RSS and the window's
// QObject count do not grow with the event count; at the end the breakdown the
// window shows and a fresh `rnnloss compute --json` with the same files,
// convention and (effective) lambdas both equal the brute force on the files'
// arrays (bruteforce.h, read with the HDF5 C API: rawh5.h), and each other.
//
// Environment:
//   RNNLOSS_SOAK_EVENTS  number of events (default 5000; the long run: 100000)
//   RNNLOSS_SOAK_LOADS   number of loads interleaved (default 10; long: 50)
//   RNNLOSS_SOAK_SEED    the seed (default 20261130, fixed; "random" draws one;
//                        the seed is printed at the start, to replay a run)
// See docs/soak.md.

#include "clijson.h"
#include "lambdapanel.h"
#include "rawh5.h"
#include "lossbreakdownview.h"
#include "mainwindow.h"
#include "neurontable.h"
#include "ratehistogramview.h"

#include <QtTest>

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QFocusEvent>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QLineEdit>
#include <QMap>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QUndoStack>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>

using namespace rnnloss;

namespace {

const QString kCli = QStringLiteral(RNNLOSS_CLI);
const QString kReader = QStringLiteral(RNNLOSS_READER);
const QString kTestData = QStringLiteral(RNNLOSS_TESTDATA_DIR);
const QString kFixtures = QStringLiteral(RNNLOSS_FIXTURE_DIR);
const QString kSource = QStringLiteral(RNNLOSS_SOURCE_DIR);
constexpr double kRelTol = 1e-9;
constexpr std::uint64_t kDefaultSoakSeed = 20261130; ///< docs/soak.md
constexpr int kLoadTimeoutMs = 60000;
constexpr double kMaxGrowthMb = 64.0;  ///< RSS growth allowed from warm-up to the end
// Under AddressSanitizer freed memory sits in a quarantine (256 MB by default),
// so RSS grows by design: there LeakSanitizer checks for leaks instead.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif
constexpr int kChildSlack = 16;        ///< recent-files menu (8 actions) and the like

// The long run takes minutes: QtTest's per-function watchdog (default 300 s)
// must not fire before ctest's TIMEOUT (900 s) does. Set before QTEST_MAIN runs.
const bool kWatchdogSet = [] {
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "870000");
    return true;
}();

qint64 envInt(const char* name, qint64 fallback)
{
    bool ok = false;
    const qint64 v = qEnvironmentVariable(name).toLongLong(&ok);
    return ok ? v : fallback;
}

/// Resident set size of this process, after handing free heap back to the OS
/// (so allocator slack does not read as growth).
qint64 rssBytes()
{
    malloc_trim(0);
    QFile f("/proc/self/statm");
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> parts = f.readAll().split(' ');
    if (parts.size() < 2)
        return -1;
    return parts[1].toLongLong() * sysconf(_SC_PAGESIZE);
}

double mb(qint64 bytes) { return bytes / (1024.0 * 1024.0); }

QMap<QString, int> childClasses(const QObject* o)
{
    QMap<QString, int> m;
    for (const QObject* c : o->findChildren<QObject*>())
        ++m[QString::fromLatin1(c->metaObject()->className())];
    return m;
}

/// Graphics items in the scenes of all chart views under `w` (the charts'
/// bars, lines, labels, legend markers: not QObject children of the window).
int sceneItems(const QWidget* w)
{
    int n = 0;
    for (const QGraphicsView* v : w->findChildren<QGraphicsView*>())
        if (v->scene())
            n += int(v->scene()->items().size());
    return n;
}

using clijson::qs;

struct LoadSpec
{
    QString recording;
    QString weights;
    QString label() const
    {
        return QFileInfo(recording).fileName() +
               (weights.isEmpty() ? QString() : " + " + QFileInfo(weights).fileName());
    }
};

enum EventKind {
    EvSlider, EvType, EvToggle, EvConvention, EvUndo, EvRedo, EvNeuron, EvBins, EvViewToggle,
    EvTab, EvReset, EvKindCount
};
const char* const kEventNames[EvKindCount] = {"slider", "type", "toggle", "convention", "undo",
                                              "redo", "neuron", "bins", "view-toggle", "tab",
                                              "reset"};
/// Relative frequencies (per mille).
const int kEventWeights[EvKindCount] = {340, 120, 100, 50, 90, 70, 90, 50, 40, 30, 20};

} // namespace

class TestSoak : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void soak();

private:
    // --- the driver ---
    void randomEvent();
    bool doLoad(int slot);
    bool startAndExpect(const LoadSpec& spec, bool expectGood, const QString& how);
    QString checkPanelMatchesState() const;
    QString checkShownIsCurrent();
    void pump();

    std::mt19937_64 m_rng;
    MainWindow* m_win = nullptr;
    LambdaPanel* m_panel = nullptr;
    QList<QSlider*> m_sliders;
    QList<QLineEdit*> m_edits;
    QList<QCheckBox*> m_boxes;
    QComboBox* m_combo = nullptr;
    QPushButton* m_resetDefaults = nullptr;
    QPushButton* m_resetTraining = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QSpinBox* m_binSpin = nullptr;
    QCheckBox* m_logCounts = nullptr;
    QSignalSpy* m_finished = nullptr;
    qint64 m_expectedFinished = 0;
    qint64 m_eventCount = 0;
    qint64 m_eventLimit = 0;
    qint64 m_results = 0;
    qint64 m_midChecks = 0; ///< times the shown result was checked against a fresh computation
    std::array<qint64, EvKindCount> m_byKind{};
    std::array<qint64, EvKindCount> m_skipped{}; ///< the widget was disabled, as for a user
    std::array<qint64, EvKindCount> m_nanos{};   ///< time spent in events of each kind
    qint64 m_pumpNanos = 0;                      ///< in processEvents() (results, painting)
    qint64 m_loadNanos = 0;                      ///< waiting for loads
    int m_good = 0, m_bad = 0, m_cancelled = 0, m_cancelledByButton = 0, m_superseded = 0, m_crashers = 0;
    QList<LoadSpec> m_goodFiles, m_badFiles, m_crasherFiles;
    std::array<int, 5> m_block{}; ///< load kinds of the current block of five: 0 good, 1 bad, 2 cancelled

    std::uint64_t rnd(std::uint64_t n) { return n ? m_rng() % n : 0; }
    double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(m_rng); }
};

void TestSoak::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("RNNLossSoakTest");
    QCoreApplication::setApplicationName("test_soak");
    QVERIFY2(QFileInfo(kCli).isExecutable(), qPrintable("no CLI at " + kCli));
    QVERIFY2(QFileInfo::exists(kFixtures + "/good_f64.h5"),
             qPrintable("fixtures missing in " + kFixtures + " (run through ctest: makefixtures)"));

    const QString ref = kTestData + "/reference/cases/";
    const QString fx = kFixtures + "/";
    m_goodFiles = {
        {kSource + "/resources/example.h5", {}},
        {ref + "visible_relu.h5", {}},
        {ref + "visible_tanh_split.h5", ref + "visible_tanh_split_weights.h5"},
        {fx + "good_f64.h5", {}},
        {fx + "good_f32.h5", {}},
        {fx + "good_f16be.h5", {}},
        {fx + "chunked_trial.h5", {}},
        {fx + "mixed.h5", {}},
        {fx + "noweights.h5", fx + "weights_statedict.h5"},
        {fx + "noweights.h5", {}},
        {fx + "only_weights.h5", {}},
        {fx + "only_states.h5", {}},
        {fx + "outputs_no_targets.h5", {}},
        {fx + "nonfinite.h5", {}},
        {fx + "attrs_odd.h5", {}},
    };
    m_badFiles = {
        {fx + "bad_rank.h5", {}},          {fx + "bad_nhid.h5", {}},
        {fx + "bad_int.h5", {}},           {fx + "bad_extlink.h5", {}},
        {fx + "bad_virtual.h5", {}},       {fx + "bad_filter.h5", {}},
        {fx + "bad_huge_unwritten.h5", {}}, {fx + "truncated_data.h5", {}},
        {fx + "truncated.h5", {}},         {fx + "not_hdf5.h5", {}},
        {fx + "empty.h5", {}},             {fx + "directory.h5", {}},
        {fx + "does_not_exist.h5", {}},
        {fx + "noweights.h5", fx + "bad_weights_nhid.h5"},
        {fx + "good_f64.h5", fx + "not_hdf5.h5"},
    };
    const QString cr = kTestData + "/hdf5-crashers/";
    m_crasherFiles = {{cr + "cve-2018-13867.h5", {}}, {cr + "cve-2025-6269-1.h5", {}},
                      {cr + "unknown-1.h5", {}}};
    for (const auto* list : {&m_goodFiles, &m_crasherFiles})
        for (const LoadSpec& s : *list)
            QVERIFY2(QFileInfo::exists(s.recording), qPrintable(s.recording));
}

QString TestSoak::checkPanelMatchesState() const
{
    const LambdaState s = m_win->state();
    if (m_panel->rawLambdas() != s.values)
        return "panel values differ from the window's state";
    if (m_panel->enabled() != s.enabled)
        return "panel enable boxes differ from the window's state";
    if (m_panel->convention() != s.convention)
        return "panel convention differs from the window's state";
    for (int i = 0; i < kTermCount; ++i) {
        if (m_boxes[i]->isChecked() != s.enabled[i])
            return QStringLiteral("row %1: box shows %2, state %3").arg(i).arg(m_boxes[i]->isChecked()).arg(s.enabled[i]);
        // The slider shows the value: at a step whose value it is (two steps
        // can round to the same two-digit value), else where valueToSlider puts it.
        if (LambdaPanel::sliderToValue(m_sliders[i]->value()) != s.values[i] &&
            m_sliders[i]->value() != LambdaPanel::valueToSlider(s.values[i]))
            return QStringLiteral("row %1: slider at %2, state %3").arg(i).arg(m_sliders[i]->value()).arg(s.values[i], 0, 'g', 17);
    }
    if (m_combo->currentData().toInt() != static_cast<int>(s.convention))
        return "combo shows another convention";
    return {};
}

void TestSoak::pump()
{
    QElapsedTimer t;
    t.start();
    QCoreApplication::processEvents();
    m_pumpNanos += t.nsecsElapsed();
}

namespace {
bool sameNumber(std::optional<double> a, std::optional<double> b)
{
    if (!a || !b)
        return !a && !b;
    if (std::isnan(*a) || std::isnan(*b))
        return std::isnan(*a) && std::isnan(*b);
    return *a == *b || std::abs(*a - *b) <= 1e-12 * std::max(std::abs(*a), std::abs(*b));
}
} // namespace

QString TestSoak::checkShownIsCurrent()
{
    const ComputeResult* r = m_win->lastResult();
    const auto summary = m_win->summary();
    if (!r || !summary || r->sequence != m_win->worker()->requestsSubmitted())
        return {}; // a computation is still on its way
    ++m_midChecks;
    const LambdaState st = m_win->state();
    if (r->lambdas != st.effective())
        return "the result shown is for other lambdas than the panel's";
    if (r->convention != st.convention)
        return "the result shown is for the other convention";
    ComputeRequest q;
    q.summary = summary;
    q.lambdas = st.effective();
    q.convention = st.convention;
    q.neuron = r->neuron;
    const ComputeResult fresh = ComputeWorker::compute(q);
    const LossResult& shown = m_win->breakdownView()->result();
    for (Term t : kAllTerms) {
        const QString key = qs(termKey(t));
        if (!sameNumber(r->loss[t].value, fresh.loss[t].value) ||
            !sameNumber(r->loss[t].weighted, fresh.loss[t].weighted))
            return key + ": the worker's result differs from a fresh computation";
        if (!sameNumber(shown[t].weighted, r->loss[t].weighted))
            return key + ": the breakdown chart shows another value than the last result";
    }
    if (!sameNumber(r->loss.total, fresh.loss.total) || !sameNumber(shown.total, r->loss.total))
        return "total: shown, last result and a fresh computation disagree";
    if (r->stats && fresh.stats && r->stats->mean.size() != fresh.stats->mean.size())
        return "neuron statistics are for another recording";
    if (r->neuron >= 0 && r->neuronPsth.mean.size() != fresh.neuronPsth.mean.size())
        return "the neuron detail is for another recording";
    return {};
}

void TestSoak::randomEvent()
{
    // Draw everything an event needs up front, so a replay with the same seed
    // makes the same choices even where timing differs.
    int pick = int(rnd(1000));
    int kind = 0;
    while (pick >= kEventWeights[kind])
        pick -= kEventWeights[kind++];
    const int row = int(rnd(kTermCount));
    const std::uint64_t r1 = m_rng(), r2 = m_rng();
    const double u = uniform();
    ++m_byKind[kind];
    ++m_eventCount;
    QElapsedTimer timer;
    timer.start();
    struct AddTime
    {
        QElapsedTimer& t;
        qint64& sum;
        ~AddTime() { sum += t.nsecsElapsed(); }
    } addTime{timer, m_nanos[kind]};

    switch (kind) {
    case EvSlider: {
        QSlider* s = m_sliders[row];
        if (!s->isEnabled() && m_boxes[row]->isEnabled() && !m_boxes[row]->isChecked())
            m_boxes[row]->click(); // a disabled row: the user ticks its box first
        if (!s->isEnabled()) {
            ++m_skipped[kind];
            break;
        }
        // Half the time a drag step near the current position, else a jump.
        const int pos = u < 0.5 ? std::clamp(s->value() + int(r1 % 41) - 20, 0, LambdaPanel::kSliderSteps)
                                : int(r1 % (LambdaPanel::kSliderSteps + 1));
        s->setValue(pos);
        break;
    }
    case EvType: {
        QLineEdit* e = m_edits[row];
        if (!e->isEnabled() && m_boxes[row]->isEnabled() && !m_boxes[row]->isChecked())
            m_boxes[row]->click();
        if (!e->isEnabled()) {
            ++m_skipped[kind];
            break;
        }
        static const char* const kTexts[] = {"0.001", "1e-3", "2.5", "0", "1", "10", "0.5e1",
                                             ".25", "3E-2", "1e-", "abc", "-1", "9e999", "1e30",
                                             "", "7.", " 42 "};
        QString text;
        if (u < 0.6)
            text = kTexts[r1 % std::size(kTexts)];
        else // a random value over the slider's range, as a user types it
            text = QString::number(std::pow(10.0, -6.0 + 9.0 * double(r1 % 100000) / 1e5), 'g',
                                   int(1 + r2 % 8));
        e->selectAll();
        if (text.isEmpty())
            QTest::keyClick(e, Qt::Key_Backspace);
        else
            QTest::keyClicks(e, text);
        if (r2 % 3 == 0) { // leave the field
            QFocusEvent out(QEvent::FocusOut, Qt::TabFocusReason);
            QCoreApplication::sendEvent(e, &out);
        }
        break;
    }
    case EvToggle:
        if (!m_boxes[row]->isEnabled()) {
            ++m_skipped[kind];
            break;
        }
        m_boxes[row]->click();
        break;
    case EvConvention:
        m_combo->setCurrentIndex(1 - m_combo->currentIndex());
        break;
    case EvUndo:
        for (int i = 0, n = 1 + int(r1 % 3); i < n; ++i)
            m_win->undoStack()->undo();
        break;
    case EvRedo:
        for (int i = 0, n = 1 + int(r1 % 3); i < n; ++i)
            m_win->undoStack()->redo();
        break;
    case EvNeuron: {
        const auto summary = m_win->summary();
        const int nHid = summary ? int(summary->shape.nHid) : 0;
        NeuronTableView* table = m_win->neuronTable();
        const int rows = table->proxy()->rowCount();
        switch (r1 % 5) {
        case 0: // the API the rate histogram and the detail view use
            m_win->selectNeuron(nHid > 0 ? int(r2 % nHid) : -1);
            break;
        case 1: // a click on a table row (user selection: emits neuronSelected)
            if (rows > 0)
                table->tableView()->selectRow(int(r2 % rows));
            else
                ++m_skipped[kind];
            break;
        case 2: { // programmatic multi-selection
            QVector<int> ns;
            for (int i = 0, n = int(r2 % 5); i < n && nHid > 0; ++i)
                ns.append(int(m_rng() % nHid));
            table->selectNeurons(ns);
            break;
        }
        case 3: { // a click on a histogram bin
            RateHistogramView* rv = m_win->rateView();
            emit rv->binClicked(rv->neuronsInBin(int(r2 % std::max(1, rv->binCount()))));
            break;
        }
        case 4:
            table->tableView()->clearSelection();
            m_win->selectNeuron(-1);
            break;
        }
        break;
    }
    case EvBins:
        m_binSpin->setValue(2 + int(r1 % 199));
        break;
    case EvViewToggle: {
        const QList<QAction*> acts = m_win->breakdownView()->actions();
        const int which = int(r1 % (acts.size() + 1));
        if (which == acts.size())
            m_logCounts->click();
        else
            acts[which]->trigger();
        break;
    }
    case EvTab:
        m_win->setTabIndexForScreenshot(int(r1 % 4));
        break;
    case EvReset: {
        QPushButton* b = r1 % 2 ? m_resetDefaults : m_resetTraining;
        if (!b->isEnabled()) {
            ++m_skipped[kind];
            break;
        }
        b->click();
        break;
    }
    }
}

/// Starts `spec`, fires a few events while it loads, and waits for its one
/// loadFinished. A bad (or cancelled) load must leave data and state alone.
bool TestSoak::startAndExpect(const LoadSpec& spec, bool expectGood, const QString& how)
{
    const auto before = m_win->summary();
    const QString recBefore = m_win->recordingFile();
    const QString wBefore = m_win->weightsFile();
    const qint64 finishedBefore = m_finished->count();
    QElapsedTimer loadTimer;
    loadTimer.start();
    struct AddTime
    {
        QElapsedTimer& t;
        qint64& sum;
        ~AddTime() { sum += t.nsecsElapsed(); }
    } addTime{loadTimer, m_loadNanos};
    // `how`: "" plain; "cancel" cancel() right away; "button" the status bar's
    // Cancel; "supersede:<index>" another load right away (its own expectation).
    m_win->openFiles(spec.recording, spec.weights);
    LoadSpec final = spec;
    bool finalGood = expectGood;
    if (how == "cancel") {
        m_win->loader()->cancel();
        finalGood = false;
    } else if (how == "button") {
        m_cancelButton->click();
        finalGood = false;
    } else if (how.startsWith("supersede:")) {
        const int idx = how.mid(10).toInt();
        final = idx >= 0 ? m_goodFiles[idx] : m_badFiles[-idx - 1];
        finalGood = idx >= 0;
        m_win->openFiles(final.recording, final.weights);
    }
    // The user keeps working while the file loads (no event processing here).
    for (qint64 i = 0, n = std::min<qint64>(qint64(rnd(12)), m_eventLimit - m_eventCount); i < n; ++i)
        randomEvent();
    const LambdaState stateBefore = m_win->state();

    [&] { QVERIFY2(m_finished->count() == finishedBefore, "loadFinished before the event loop ran"); }();
    QElapsedTimer t;
    t.start();
    while (m_finished->count() == finishedBefore && t.elapsed() < kLoadTimeoutMs)
        m_finished->wait(kLoadTimeoutMs);
    const QString what = spec.label() + (how.isEmpty() ? QString() : " (" + how + ")");
    [&] {
        QVERIFY2(m_finished->count() == finishedBefore + 1,
                 qPrintable(QStringLiteral("%1: %2 loadFinished signals, expected 1")
                                .arg(what).arg(m_finished->count() - finishedBefore)));
        const bool reported = m_finished->last().at(0).toBool();
        QVERIFY2(reported == finalGood,
                 qPrintable(QStringLiteral("%1 (then %2): loadFinished(%3), expected %4; error: %5")
                                .arg(what, final.label()).arg(reported).arg(finalGood)
                                .arg(m_win->lastError())));
        if (finalGood) {
            QVERIFY(m_win->summary());
            QVERIFY(m_win->summary() != before);
            QCOMPARE(m_win->recordingFile(), final.recording);
            QCOMPARE(m_win->weightsFile(), final.weights);
            QVERIFY2(m_win->lastError().isEmpty(), qPrintable(m_win->lastError()));
            QCOMPARE(m_win->undoStack()->count(), 0);
        } else {
            QVERIFY2(m_win->summary() == before, qPrintable(what + ": summary replaced"));
            QCOMPARE(m_win->recordingFile(), recBefore);
            QCOMPARE(m_win->weightsFile(), wBefore);
            QVERIFY2(m_win->state() == stateBefore, qPrintable(what + ": lambda state changed"));
            if (how.isEmpty() || how.startsWith("supersede:")) { // failed: the error names the file
                const QString err = m_win->lastError();
                QVERIFY2(err.contains(QFileInfo(final.recording).fileName()) ||
                             (!final.weights.isEmpty() && err.contains(QFileInfo(final.weights).fileName())),
                         qPrintable(what + ": error does not name the file: " + err));
            }
        }
        QVERIFY2(!m_win->loader()->isLoading(), qPrintable(what + ": still loading"));
    }();
    if (QTest::currentTestFailed())
        return false;
    ++m_expectedFinished;
    if (finalGood)
        ++m_good;
    else if (how == "cancel")
        ++m_cancelled;
    else if (how == "button")
        ++m_cancelledByButton;
    else
        ++m_bad;
    return true;
}

bool TestSoak::doLoad(int slot)
{
    if (slot == 0) // start from the bundled example
        return startAndExpect(m_goodFiles[0], true, {});
    // In every five loads: two good, two bad, one cancelled or superseded.
    // Each block is shuffled with the seeded RNG.
    const int pos = (slot - 1) % 5;
    if (pos == 0) {
        m_block = {0, 0, 1, 1, 2};
        std::shuffle(m_block.begin(), m_block.end(), m_rng);
    }
    const std::uint64_t r1 = m_rng(), r2 = m_rng();
    switch (m_block[pos]) {
    case 0:
        return startAndExpect(m_goodFiles[r1 % m_goodFiles.size()], true, {});
    case 1: {
        const bool crasher = r2 % 4 == 0;
        if (crasher)
            ++m_crashers;
        const LoadSpec& s = crasher ? m_crasherFiles[r1 % m_crasherFiles.size()]
                                    : m_badFiles[r1 % m_badFiles.size()];
        return startAndExpect(s, false, {});
    }
    default: {
        const LoadSpec& s = m_goodFiles[r1 % m_goodFiles.size()];
        switch (r2 % 3) {
        case 0:
            return startAndExpect(s, true, "cancel");
        case 1:
            return startAndExpect(s, true, "button");
        default: {
            ++m_superseded;
            const int next = (r2 >> 8) % 3 == 0 ? -int(1 + (r2 >> 16) % m_badFiles.size())
                                                : int((r2 >> 16) % m_goodFiles.size());
            return startAndExpect(s, true, "supersede:" + QString::number(next));
        }
        }
    }
    }
}

void TestSoak::soak()
{
    const qint64 events = std::max<qint64>(1, envInt("RNNLOSS_SOAK_EVENTS", 5000));
    const int loads = int(std::clamp<qint64>(envInt("RNNLOSS_SOAK_LOADS", 10), 1, 100000));
    // A fixed seed unless asked otherwise, so that an ordinary run (ctest,
    // CI) makes the same choices every time and a failure can be replayed.
    std::uint64_t seed = kDefaultSoakSeed;
    const QString seedText = qEnvironmentVariable("RNNLOSS_SOAK_SEED");
    if (seedText == QLatin1String("random")) {
        seed = std::random_device{}();
        seed = (seed << 32) ^ std::random_device{}();
    } else if (!seedText.isEmpty()) {
        bool ok = false;
        seed = seedText.toULongLong(&ok);
        QVERIFY2(ok,
                 qPrintable("RNNLOSS_SOAK_SEED=" + seedText + ": expected a number or 'random'"));
    }
    m_rng.seed(seed);
    m_eventLimit = events;
    qInfo("soak: %lld events, %d loads, seed %llu%s (replay: RNNLOSS_SOAK_SEED=%llu)", events,
          loads, static_cast<unsigned long long>(seed),
          seedText.isEmpty()     ? " (the fixed default)"
          : seedText == "random" ? " (random)"
                                 : "",
          static_cast<unsigned long long>(seed));

    QElapsedTimer clock;
    clock.start();
    MainWindow win(kReader);
    m_win = &win;
    win.loader()->setWatchdogMs(5000);
    connect(&win, &MainWindow::resultShown, this, [this] { ++m_results; });
    QSignalSpy finished(&win, &MainWindow::loadFinished);
    m_finished = &finished;

    m_panel = win.lambdaPanel();
    m_sliders = m_panel->findChildren<QSlider*>();
    m_edits = m_panel->findChildren<QLineEdit*>();
    m_boxes = m_panel->findChildren<QCheckBox*>();
    QCOMPARE(m_sliders.size(), kTermCount);
    QCOMPARE(m_edits.size(), kTermCount);
    QCOMPARE(m_boxes.size(), kTermCount);
    m_combo = m_panel->findChild<QComboBox*>();
    QVERIFY(m_combo);
    for (QPushButton* b : m_panel->findChildren<QPushButton*>()) {
        if (b->text().contains("nn4n defaults"))
            m_resetDefaults = b;
        else if (b->text().contains("training"))
            m_resetTraining = b;
    }
    QVERIFY(m_resetDefaults && m_resetTraining);
    for (QPushButton* b : win.findChildren<QPushButton*>())
        if (b->text() == "Cancel")
            m_cancelButton = b;
    QVERIFY(m_cancelButton);
    m_binSpin = win.rateView()->findChild<QSpinBox*>();
    m_logCounts = win.rateView()->findChild<QCheckBox*>();
    QVERIFY(m_binSpin && m_logCounts);

    win.show();
    QVERIFY(QTest::qWaitForWindowExposed(&win));
    const int childrenAtStart = int(win.findChildren<QObject*>().size());

    // The rows are in term order: moving slider i changes lambda i.
    for (int i = 0; i < kTermCount; ++i) {
        const TermArray before = m_panel->rawLambdas();
        m_sliders[i]->setValue(m_sliders[i]->value() == 450 ? 451 : 450);
        for (int j = 0; j < kTermCount; ++j)
            QVERIFY2((m_panel->rawLambdas()[j] != before[j]) == (i == j), "slider order is not term order");
    }

    // The views' own settings back to their defaults, so that chart item
    // counts compare like with like.
    auto normalizeViews = [&] {
        m_binSpin->setValue(20);
        if (m_logCounts->isChecked())
            m_logCounts->click();
        win.breakdownView()->setShowUnweighted(false);
        win.breakdownView()->setLogScale(false);
        win.breakdownView()->setShowShares(true);
        pump();
    };
    const int itemsAtStart = sceneItems(&win);
    const qint64 warmup = events >= 2000 ? 1000 : events / 2;
    qint64 rssWarm = -1;
    bool warmed = false;
    int childrenWarm = -1;
    int itemsWarm = -1;
    QMap<QString, int> classesWarm;
    QList<QPair<qint64, qint64>> samples; // (events, RSS)
    qint64 pumps = 0;
    int nextLoad = 0;
    const qint64 sampleEvery = std::max<qint64>(1, events / 10);
    qint64 nextSample = sampleEvery;
    qint64 nextWarm = warmup;

    auto loadDue = [&](int slot) { return qint64(double(slot) * double(events) / loads); };
    while (m_eventCount < events || nextLoad < loads) {
        if (nextLoad < loads && m_eventCount >= loadDue(nextLoad)) {
            if (!doLoad(nextLoad++))
                return;
            const QString sync = checkPanelMatchesState();
            QVERIFY2(sync.isEmpty(), qPrintable("after a load: " + sync));
            continue;
        }
        if (m_eventCount >= events) // loads left over: none, as loadDue < events
            continue;
        randomEvent();
        if (rnd(20) == 0) { // let results arrive and paint
            pump();
            ++pumps;
            QString sync = checkPanelMatchesState();
            if (sync.isEmpty())
                sync = checkShownIsCurrent();
            QVERIFY2(sync.isEmpty(), qPrintable(QStringLiteral("after event %1: ").arg(m_eventCount) + sync));
        }
        if (m_eventCount >= nextWarm && !warmed) {
            warmed = true;
            normalizeViews();
            itemsWarm = sceneItems(&win);
            rssWarm = rssBytes();
            childrenWarm = int(win.findChildren<QObject*>().size());
            classesWarm = childClasses(&win);
            qInfo("warm-up done after %lld events: RSS %.1f MB, %d QObjects under the window",
                  m_eventCount, mb(rssWarm), childrenWarm);
        }
        if (m_eventCount >= nextSample) {
            samples.append({m_eventCount, rssBytes()});
            qInfo("  %7lld events, %d loads, %.1f s: RSS %.1f MB", m_eventCount, nextLoad,
                  clock.elapsed() / 1000.0, mb(samples.last().second));
            nextSample += sampleEvery;
        }
    }
    QCOMPARE(m_finished->count(), m_expectedFinished);

    // Drain: every request submitted has been computed and shown.
    QSignalSpy shown(&win, &MainWindow::resultShown);
    QElapsedTimer drain;
    drain.start();
    while (!(win.lastResult() && win.lastResult()->sequence == win.worker()->requestsSubmitted()) &&
           drain.elapsed() < 30000)
        shown.wait(1000);
    QVERIFY2(win.lastResult(), "no result shown at the end");
    QCOMPARE(win.lastResult()->sequence, win.worker()->requestsSubmitted());
    QCOMPARE(m_finished->count(), m_expectedFinished); // superseded loads never reported late
    QString sync = checkPanelMatchesState();
    if (sync.isEmpty())
        sync = checkShownIsCurrent();
    QVERIFY2(sync.isEmpty(), qPrintable("at the end: " + sync));

    normalizeViews();
    const int itemsEnd = sceneItems(&win);
    const qint64 rssEnd = rssBytes();
    const int childrenEnd = int(win.findChildren<QObject*>().size());
    const qint64 elapsed = clock.elapsed();

    // --- report ---
    qInfo("events: %lld in %.1f s (%lld event-loop turns, %lld results shown, %llu jobs run, "
          "%llu requests)", m_eventCount, elapsed / 1000.0, pumps, m_results,
          static_cast<unsigned long long>(win.worker()->jobsRun()),
          static_cast<unsigned long long>(win.worker()->requestsSubmitted()));
    QStringList kinds;
    for (int k = 0; k < EvKindCount; ++k)
        kinds << QStringLiteral("%1 %2 (%3 skipped: disabled; %4 s)")
                     .arg(kEventNames[k]).arg(m_byKind[k]).arg(m_skipped[k])
                     .arg(m_nanos[k] / 1e9, 0, 'f', 1);
    qInfo("by kind: %s", qPrintable(kinds.join(", ")));
    qInfo("time in processEvents (results, painting): %.1f s; in loads (incl. events fired "
          "while loading): %.1f s", m_pumpNanos / 1e9, m_loadNanos / 1e9);
    qInfo("mid-run checks of the shown result against a fresh in-process computation: %lld",
          m_midChecks);
    qInfo("loads: %d = %d good, %d bad (%d of them HDF5 crashers), %d cancelled (%d by "
          "loader()->cancel(), %d by the Cancel button); besides, %d loads superseded by a second "
          "openFiles() right away (never reported; the second counted by its outcome)",
          m_good + m_bad + m_cancelled + m_cancelledByButton, m_good, m_bad, m_crashers,
          m_cancelled + m_cancelledByButton, m_cancelled, m_cancelledByButton, m_superseded);
    for (const auto& [n, r] : samples)
        qInfo("  RSS after %7lld events: %.1f MB", n, mb(r));
    if (rssWarm > 0) {
        const double perK = (events > warmup) ? mb(rssEnd - rssWarm) / ((events - warmup) / 1000.0) : 0.0;
        qInfo("RSS: %.1f MB after warm-up (%lld events), %.1f MB at the end: growth %.2f MB "
              "(%.4f MB per 1000 events)", mb(rssWarm), warmup, mb(rssEnd), mb(rssEnd - rssWarm), perK);
    }
    qInfo("QObjects under the window: %d at start, %d after warm-up, %d at the end", childrenAtStart,
          childrenWarm, childrenEnd);
    qInfo("graphics items in the charts: %d at start, %d after warm-up, %d at the end", itemsAtStart,
          itemsWarm, itemsEnd);
    if (childrenWarm >= 0 && childrenEnd != childrenWarm) {
        const QMap<QString, int> end = childClasses(&win);
        QStringList diff;
        for (auto it = end.begin(); it != end.end(); ++it)
            if (it.value() != classesWarm.value(it.key()))
                diff << QStringLiteral("%1 %2→%3").arg(it.key()).arg(classesWarm.value(it.key())).arg(it.value());
        for (auto it = classesWarm.begin(); it != classesWarm.end(); ++it)
            if (!end.contains(it.key()))
                diff << QStringLiteral("%1 %2→0").arg(it.key()).arg(it.value());
        qInfo("  changed: %s", qPrintable(diff.join(", ")));
    }

    if (childrenWarm >= 0)
        QVERIFY2(childrenEnd <= childrenWarm + kChildSlack,
                 qPrintable(QStringLiteral("QObjects under the window: %1 after warm-up, %2 at the end")
                                .arg(childrenWarm).arg(childrenEnd)));

    // --- the numbers shown against a fresh `rnnloss compute` ---
    const ComputeResult& res = *win.lastResult();
    const LambdaState st = win.state();
    QVERIFY2(res.lambdas == st.effective(), "the last result is not for the current lambdas");
    QVERIFY(res.convention == st.convention);
    const LossResult& shownLoss = win.breakdownView()->result();
    for (Term t : kAllTerms) {
        QCOMPARE(shownLoss[t].value, res.loss[t].value);
        QCOMPARE(shownLoss[t].weighted, res.loss[t].weighted);
    }
    QCOMPARE(shownLoss.total, res.loss.total);

    const QStringList args =
        clijson::computeArgs(win.recordingFile(), win.weightsFile(), st.effective(), st.convention);
    qInfo("final: %s", qPrintable("rnnloss " + args.join(' ')));
    QString err;
    const QJsonObject cli = clijson::run(kCli, args, 60000, &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));

    // Both against the brute force on the files' arrays, weighted by hand, and
    // against each other.
    const auto want = rawh5::termValues(win.recordingFile(), win.weightsFile(), st.convention);
    QStringList problems;
    for (const QString& p : rawh5::diff(res.loss, want, st.effective(), kRelTol))
        problems << "app against the brute force: " + p;
    for (const QString& p : rawh5::diff(clijson::lossOf(cli), want, st.effective(), kRelTol))
        problems << "CLI against the brute force: " + p;
    for (const QString& p : clijson::diff(cli, res.loss, kRelTol))
        problems << "app against the CLI: " + p;
    // The neuron statistics the table shows, too: the mean rates by brute force.
    if (res.stats) {
        problems << clijson::meanRateDiff(cli, res.stats->mean, kRelTol);
        const std::vector<double> rates = rawh5::meanRates(rawh5::read(win.recordingFile()));
        if (rates.size() != res.stats->mean.size())
            problems << QStringLiteral("%1 mean rates, brute force %2").arg(res.stats->mean.size()).arg(rates.size());
        for (std::size_t n = 0; n < std::min(rates.size(), res.stats->mean.size()); ++n)
            if (std::isfinite(rates[n]) && !rawh5::near(res.stats->mean[n], rates[n], kRelTol))
                problems << QStringLiteral("mean rate of neuron %1: %2, brute force %3")
                                .arg(n).arg(res.stats->mean[n], 0, 'g', 17).arg(rates[n], 0, 'g', 17);
    }
    QStringList table;
    for (Term t : kAllTerms) {
        const TermResult& a = res.loss[t];
        table << QStringLiteral("%1: λ=%2 value=%3 weighted=%4").arg(qs(termKey(t)))
                     .arg(a.lambda, 0, 'g', 6)
                     .arg(a.value ? QString::number(*a.value, 'g', 10) : "undefined")
                     .arg(a.weighted ? QString::number(*a.weighted, 'g', 10) : "undefined");
    }
    const QJsonArray mean = cli["neurons"].toObject()["mean_rate"].toArray();
    qInfo("final breakdown (%s, %s): %s; total=%s", qPrintable(QFileInfo(win.recordingFile()).fileName()),
          conventionName(st.convention).data(), qPrintable(table.join("; ")),
          res.loss.total ? qPrintable(QString::number(*res.loss.total, 'g', 10)) : "undefined");
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
    qInfo("final numbers of the app and of `rnnloss compute --json` match the brute force and "
          "each other (7 terms: lambda, value, weighted; total; %lld mean rates) to 1e-9",
          static_cast<long long>(mean.size()));

    // Last, as it may only be skipped: memory does not grow with the events.
    if (kSanitized) {
        qInfo("AddressSanitizer build: RSS growth not checked (quarantine); LeakSanitizer checks at exit");
        return;
    }
    if (rssWarm < 0 || rssEnd < 0)
        QSKIP("/proc/self/statm cannot be read here: the RSS growth was not checked (every other "
              "check ran)");
    QVERIFY2(mb(rssEnd - rssWarm) < kMaxGrowthMb,
             qPrintable(QStringLiteral("RSS grew by %1 MB").arg(mb(rssEnd - rssWarm))));
}

QTEST_MAIN(TestSoak)
#include "test_soak.moc"
