// rnnloss-explorer [REC.h5...] [--weights W.h5] [--convention nn4n|spec]
//                  [--lambda KEY=VALUE]... [--screenshot FILE.png | --export DIR]

#include "cliargs.h"
#include "edittiming.h"
#include "headlessexport.h"
#include "lambdasfile.h"
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QTimer>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

using namespace rnnloss;

namespace {

struct Options
{
    QCommandLineOption weights{"weights", "Read the weights from FILE.", "FILE"};
    QCommandLineOption convention{
        "convention",
        "nn4n (default: what nn4n's RNNLoss code computes) or spec (the documented formulas).",
        "NAME"};
    QCommandLineOption lambda{"lambda", "Set a lambda, e.g. lambda_fr=1e-3 (repeatable).",
                              "KEY=VALUE"};
    QCommandLineOption lambdasFrom{"lambdas-from",
                                   "Lambdas (and convention) from FILE.json, as File > Export > "
                                   "Lambdas writes it; --lambda and --convention win over it.",
                                   "FILE.json"};
    QCommandLineOption screenshot{
        "screenshot",
        "Render the window after loading and computing, write it to FILE.png and exit.",
        "FILE.png"};
    QCommandLineOption tab{"tab", "With --screenshot: the tab to show (0-9; 9 is Runs scatter).", "N", "0"};
    QCommandLineOption exportDir{
        "export",
        "Write every chart and table of each recording into DIR (named RECORDING-VIEW.FORMAT) "
        "and exit; no window is shown.",
        "DIR"};
    QCommandLineOption formats{"formats", "With --export: any of png,svg,pdf,csv,json.", "LIST",
                               "png,svg,pdf,csv,json"};
    QCommandLineOption figureSize{"figure-size",
                                  "With --export: figures of WxH pixels (PNG at twice that) "
                                  "instead of the window's default size.",
                                  "WxH"};
    QCommandLineOption caption{"caption",
                               "With --export: a one-line caption under each figure (file, "
                               "convention, lambdas)."};
    QCommandLineOption trials{"trials",
                              "Show only these trials: indices and half-open ranges, "
                              "e.g. 0:16,20 (as rnnloss compute).",
                              "SPEC"};
    QCommandLineOption steps{"steps", "Show only these time steps, e.g. 50: or 50:250.", "SPEC"};
    QCommandLineOption neurons{"neurons", "Show only these hidden units, e.g. :64.", "SPEC"};
    QCommandLineOption trialLabel{
        "trial-label", "Show only the trials whose trial_labels value is LABEL.", "LABEL"};
    QCommandLineOption neuronGroup{
        "neuron-group", "Show only the neurons whose neuron_groups value is GROUP.", "GROUP"};
    QCommandLineOption splitByLabel{"split-by-label",
                                    "The selected neuron's PSTH once per trial label."};
    QCommandLineOption neuron{"neuron",
                              "With --export: the neuron (recording's number) the PSTH and rate "
                              "histogram show; default: the most active one of the selection.",
                              "N"};
    QCommandLineOption noSettings{"no-settings", "Do not restore the saved lambdas and layout."};
    QCommandLineOption noSummaries{"no-summaries",
                                   "Read recordings even when they have a current summary file "
                                   "(REC.h5.rnnsum, made by rnnloss summarize)."};
    QCommandLineOption timeEdits{
        "time-lambda-edits",
        "With --screenshot: show the History once the set is shown, then make N edits of "
        "lambda_fr and print how long each took to repaint it (rnnloss bench --set-app).",
        "N", "0"};
    QCommandLineOption verbose{"verbose", "At exit, print on stderr the convention, lambdas and "
                                          "total last shown, and this process's peak memory."};

    void addTo(QCommandLineParser& p)
    {
        p.setApplicationDescription(
            "Explore the lambdas of the modular RNN loss of a recorded network.\n"
            "With no file, reopens the recording of the last session, else the bundled example.");
        p.addHelpOption();
        p.addVersionOption();
        p.addPositionalArgument("recordings",
                                "HDF5 recordings (format v1) or their summary files (.rnnsum)",
                                "[REC.h5...]");
        p.addOptions({weights, convention, lambda, screenshot, tab, exportDir, formats, figureSize,
                      lambdasFrom, caption, trials, steps, neurons, trialLabel, neuronGroup,
                      splitByLabel, neuron, noSettings, noSummaries, timeEdits, verbose});
    }
};

bool hasArg(int argc, char** argv, std::initializer_list<const char*> names)
{
    for (int i = 1; i < argc; ++i)
        for (const char* n : names)
            if (std::strcmp(argv[i], n) == 0 ||
                (std::strncmp(argv[i], n, std::strlen(n)) == 0 && argv[i][std::strlen(n)] == '='))
                return true;
    return false;
}

QElapsedTimer g_sinceStart; ///< from main()'s first line: --time-lambda-edits says it

double secondsSinceStart()
{
    return double(g_sinceStart.nsecsElapsed()) / 1e9;
}

void setIdentity()
{
    QCoreApplication::setOrganizationName("RNNLossExplorer");
    QCoreApplication::setApplicationName("RNNLossExplorer");
    QCoreApplication::setApplicationVersion(RNNLOSS_VERSION);
}

/// One line of what the window last computed and showed, so that a caller
/// (test_gui's screenshotMode) can check which --lambda and --convention were
/// applied without reading the picture.
void printShown(const MainWindow& w)
{
    const ComputeResult* r = w.lastResult();
    if (!r) {
        std::fprintf(stderr, "rnnloss-explorer: shown: nothing\n");
        return;
    }
    std::string line = "rnnloss-explorer: shown: convention ";
    line += conventionName(r->convention);
    char num[64];
    for (Term t : kAllTerms) {
        // Shortest round-trip text: exact, and 0.05 rather than 0.050000000000000003.
        const auto end = std::to_chars(num, num + sizeof num, r->lambdas[index(t)]).ptr;
        line.append(" ").append(lambdaKey(t)).append("=").append(num, end);
    }
    const char* end = num;
    if (r->loss.total)
        end = std::to_chars(num, num + sizeof num, *r->loss.total).ptr;
    line.append(" total=").append(r->loss.total ? std::string_view(num, std::size_t(end - num))
                                                : std::string_view("undefined"));
    std::fprintf(stderr, "%s\n", line.c_str());
}

void printPeakMemory()
{
    QFile status("/proc/self/status");
    if (status.open(QIODevice::ReadOnly))
        for (const QByteArray& line : status.readAll().split('\n'))
            if (line.startsWith("VmHWM"))
                std::fprintf(stderr, "rnnloss-explorer: peak RSS %s\n",
                             line.mid(6).trimmed().constData());
}

} // namespace

/// Qt's offscreen platform says on every window that it cannot propagate size
/// hints; for --screenshot and --export that is noise on a script's stderr.
QtMessageHandler g_qtHandler = nullptr;
void quietOffscreen(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (message == QLatin1String("This plugin does not support propagateSizeHints()"))
        return;
    g_qtHandler(type, context, message);
}

namespace {

/// --help and --version need no display: answered before any GUI exists.
int printHelpOrVersion(int argc, char** argv)
{
    QCoreApplication core(argc, argv);
    setIdentity();
    QCommandLineParser p;
    Options o;
    o.addTo(p);
    p.process(core); // prints and exits
    return 0;
}

/// --screenshot and --export need no screen: without a display, render offscreen.
void prepareHeadless(int argc, char** argv)
{
    if (hasArg(argc, argv, {"--screenshot", "--export"}))
        g_qtHandler = qInstallMessageHandler(quietOffscreen);
    if (hasArg(argc, argv, {"--screenshot", "--export"}) &&
        qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
}

/// --lambda, --convention and --lambdas-from; false after printing what is wrong.
bool readLossOptions(const QCommandLineParser& p, const Options& o, LossOptions& opts)
{
    opts.weights = p.value(o.weights).toStdString();
    for (const QString& l : p.values(o.lambda)) {
        const std::string err = parseLambda(l.toStdString(), opts);
        if (!err.empty()) {
            std::fprintf(stderr, "error: %s\n", err.c_str());
            return false;
        }
    }
    if (p.isSet(o.convention)) {
        opts.convention = conventionFromName(p.value(o.convention).toStdString());
        if (!opts.convention) {
            std::fprintf(stderr, "error: --convention %s: expected nn4n or spec\n",
                         qPrintable(p.value(o.convention)));
            return false;
        }
    }
    if (p.isSet(o.lambdasFrom)) {
        const LambdaSettingsResult file = readLambdaSettings(p.value(o.lambdasFrom).toStdString());
        if (!file.value) {
            std::fprintf(stderr, "error: %s\n", file.error.c_str());
            return false;
        }
        applyLambdaSettings(*file.value, opts);
    }
    return true;
}

/// A selection shown from the start; its indices are checked against the
/// recording once it is read (a bad one then exits 2 under --screenshot/--export).
/// False after printing what is wrong with a spec.
bool readSelection(const QCommandLineParser& p, const Options& o, SelectionBar::Choice& choice)
{
    choice = {p.value(o.trials), p.value(o.steps), p.value(o.neurons), p.value(o.trialLabel),
              p.value(o.neuronGroup)};
    for (const auto& [option, spec] :
         {std::pair{"--trials", choice.trials}, std::pair{"--steps", choice.steps},
          std::pair{"--neurons", choice.neurons}})
        if (p.isSet(option + 2)) {
            const IndexSpec parsed = parseIndexSpec(spec.toStdString());
            if (!parsed.error.empty() || spec.trimmed().isEmpty()) {
                std::fprintf(stderr, "error: %s %s: %s\n", option, qPrintable(spec),
                             parsed.error.empty() ? "empty" : parsed.error.c_str());
                return false;
            }
        }
    return true;
}

/// With --export: --formats checked and the directory made; false after printing what is wrong.
bool prepareExport(const QCommandLineParser& p, const Options& o, const QStringList& formats)
{
    for (const QString& f : formats)
        if (!Exporter::chartFormats().contains(f) && !Exporter::tableFormats().contains(f)) {
            std::fprintf(stderr, "error: --formats %s: '%s' is not one of png,svg,pdf,csv,json\n",
                         qPrintable(p.value(o.formats)), qPrintable(f));
            return false;
        }
    // Made when missing (like mkdir -p); a file in its place is refused.
    const QString dir = p.value(o.exportDir);
    if (!QFileInfo(dir).isDir() && (QFileInfo::exists(dir) || !QDir().mkpath(dir))) {
        std::fprintf(stderr, "error: --export %s: not a directory and cannot be made one\n",
                     qPrintable(dir));
        return false;
    }
    return true;
}

/// The recordings named, else the last session's recording (with the lambdas
/// tuned on it), else the bundled example; the window's settings and the
/// command line's selection set up for them.
QStringList startSession(MainWindow& w, const QCommandLineParser& p, const Options& o,
                         const SelectionBar::Choice& choice, bool useSettings)
{
    QStringList recordings = p.positionalArguments();
    if (useSettings)
        w.restoreSettings();
    w.setCommandLineSelection(choice, p.isSet(o.splitByLabel));
    if (!recordings.isEmpty())
        w.forgetSessionLambdas(); // a file named here opens with its own lambdas
    if (recordings.isEmpty()) {
        const QString last = useSettings ? MainWindow::lastSessionRecording() : QString();
        recordings << (!last.isEmpty() && QFileInfo::exists(last)
                           ? last
                           : QString::fromStdString(bundledExample()));
    }
    return recordings;
}

/// --export: every recording's charts and tables written by a HeadlessExport
/// on a window never shown on screen; false after printing a bad --figure-size
/// or --neuron.
bool startExport(MainWindow& w, QApplication& app, const QCommandLineParser& p, const Options& o,
                 const QStringList& recordings, const LossOptions& opts, const QStringList& formats)
{
    const auto size = Exporter::parseFigureSize(p.value(o.figureSize));
    if (!size) {
        std::fprintf(stderr,
                     "error: --figure-size %s: expected WxH, e.g. 800x600 (50 to 10000 each)\n",
                     qPrintable(p.value(o.figureSize)));
        return false;
    }
    w.exporter()->setFigureOptions(p.isSet(o.caption), *size);
    auto* job = new HeadlessExport(w, recordings, opts, p.value(o.exportDir), formats, &app);
    if (p.isSet(o.neuron)) {
        bool ok = false;
        const int n = p.value(o.neuron).toInt(&ok);
        if (!ok || n < 0) {
            std::fprintf(stderr, "error: --neuron %s: expected a neuron number (0, 1, ...)\n",
                         qPrintable(p.value(o.neuron)));
            return false;
        }
        job->setNeuron(n);
    }
    QObject::connect(job, &HeadlessExport::finished, &app, [&app](int code) { app.exit(code); });
    w.resize(1280, 800);
    w.setAttribute(Qt::WA_DontShowOnScreen);
    w.show();
    job->start();
    return true;
}

/// --screenshot: grabs the window once every recording is read, a result is
/// shown and the set views have the terms of every recording; exits 2 when
/// the load or the selection fails, 1 when nothing came within 120 s.
void startScreenshot(MainWindow& w, QApplication& app, const QString& out, int tabIndex,
                     int timedEdits)
{
    QObject::connect(&w, &MainWindow::loadFinished, &app, [&w, &app](bool ok) {
        if (!ok) {
            // No picture: a script must not take the error banner for a figure.
            std::fprintf(stderr, "error: %s\n", qPrintable(w.lastError()));
            app.exit(2);
        }
    });
    auto grab = [&w, &app, out] {
        // Let the charts lay out and paint once before grabbing.
        QTimer::singleShot(300, &app, [&w, &app, out] {
            int exitCode = 0;
            if (!w.grab().save(out)) {
                std::fprintf(stderr, "error: %s: cannot write the screenshot\n", qPrintable(out));
                exitCode = 1;
            }
            app.exit(exitCode);
        });
    };
    // Captures by value what lives only in this function (out, tabIndex,
    // grab): the lambdas run later, inside app.exec().
    auto ready = [&w, &app, grab, tabIndex, timedEdits] {
        static bool once = false;
        if (once)
            return;
        if (!w.selectionError().isEmpty()) {
            once = true;
            std::fprintf(stderr, "error: %s\n", qPrintable(w.selectionError()));
            app.exit(2);
            return;
        }
        if (!w.lastResult() || w.recordings()->isLoading() ||
            !w.recordingSet()->analysis()->complete() || !w.selectionSettled() ||
            w.gradients()->busy())
            return;
        once = true;
        w.setTabIndexForScreenshot(tabIndex);
        if (timedEdits > 0) {
            showHistoryAndSay(w, &secondsSinceStart);
            timeLambdaEdits(w, timedEdits);
        }
        if (w.lastResult()->stats && !w.lastResult()->stats->mean.empty())
            w.selectNeuron(0);
        grab();
    };
    QObject::connect(&w, &MainWindow::resultShown, &app, ready);
    QObject::connect(&w, &MainWindow::loadFinished, &app, ready);
    QObject::connect(w.recordingSet()->analysis(), &SetAnalysis::termsChanged, &app, ready);
    QObject::connect(w.gradients(), &GradientController::busyChanged, &app, ready);
    QTimer::singleShot(120000, &app, [&app] {
        std::fprintf(stderr, "error: --screenshot: no result after 120 s\n");
        app.exit(1);
    });
}

} // namespace

int main(int argc, char** argv)
{
    g_sinceStart.start();
    if (hasArg(argc, argv, {"--help", "-h", "-?", "--help-all", "--version", "-v"}))
        return printHelpOrVersion(argc, argv);
    prepareHeadless(argc, argv);
    QApplication app(argc, argv);
    setIdentity();
    QApplication::setStyle("Fusion");

    QCommandLineParser p;
    Options o;
    o.addTo(p);
    p.process(app);

    LossOptions opts;
    SelectionBar::Choice choice;
    if (!readLossOptions(p, o, opts) || !readSelection(p, o, choice))
        return 2;
    const bool shot = p.isSet(o.screenshot);
    const bool exporting = p.isSet(o.exportDir);
    const QStringList formats = p.value(o.formats).toLower().split(',', Qt::SkipEmptyParts);
    if (exporting && !prepareExport(p, o, formats))
        return 2;
    if (p.positionalArguments().size() > 1 && !exporting && p.isSet(o.weights)) {
        std::fprintf(stderr, "error: --weights goes with one recording, not %d\n",
                     int(p.positionalArguments().size()));
        return 2;
    }
    const bool useSettings = !shot && !exporting && !p.isSet(o.noSettings);
    LoadController::setSummariesUsed(!p.isSet(o.noSummaries));

    MainWindow w(QString::fromStdString(readerExecutable()));
    const QStringList recordings = startSession(w, p, o, choice, useSettings);
    if (exporting) {
        if (!startExport(w, app, p, o, recordings, opts, formats))
            return 2;
    } else if (shot) {
        startScreenshot(w, app, p.value(o.screenshot), p.value(o.tab).toInt(),
                        p.value(o.timeEdits).toInt());
    }
    if (!exporting) {
        w.setCommandLine(opts);
        w.show();
        if (recordings.size() > 1 || QFileInfo(recordings.front()).isDir())
            w.addRecordings(recordings);
        else
            w.openFiles(recordings.front(), QString::fromStdString(opts.weights));
    }
    const int rc = app.exec();
    if (p.isSet(o.verbose)) {
        printShown(w);
        printPeakMemory();
    }
    return rc;
}
