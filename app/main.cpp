// rnnloss-explorer [REC.h5] [--weights W.h5] [--convention nn4n|spec]
//                  [--lambda KEY=VALUE]... [--screenshot FILE.png]

#include "cliargs.h"
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QTimer>

#include <cstdio>
#include <string>

using namespace rnnloss;

namespace {

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
        std::snprintf(num, sizeof num, "%.17g", r->lambdas[index(t)]);
        line.append(" ").append(lambdaKey(t)).append("=").append(num);
    }
    if (r->loss.total)
        std::snprintf(num, sizeof num, "%.17g", *r->loss.total);
    line.append(" total=").append(r->loss.total ? num : "undefined");
    std::fprintf(stderr, "%s\n", line.c_str());
}

} // namespace

int main(int argc, char** argv)
{
    // --screenshot needs no screen: without a display, render offscreen.
    bool wantsShot = false;
    for (int i = 1; i < argc; ++i)
        wantsShot |= qstrcmp(argv[i], "--screenshot") == 0;
    if (wantsShot && qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName("RNNLossExplorer");
    QApplication::setApplicationName("RNNLossExplorer");
    QApplication::setApplicationVersion("0.1.0");
    QApplication::setStyle("Fusion");

    QCommandLineParser p;
    p.setApplicationDescription(
        "Explore the lambdas of the modular RNN loss of a recorded network.\n"
        "With no file, opens the bundled example.");
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument("recording", "HDF5 recording (format v1)", "[REC.h5]");
    QCommandLineOption weights("weights", "Read the weights from FILE.", "FILE");
    QCommandLineOption convention("convention", "nn4n (default: what nn4n's RNNLoss code computes) or spec (the documented formulas).", "NAME");
    QCommandLineOption lambda("lambda", "Set a lambda, e.g. lambda_fr=1e-3 (repeatable).", "KEY=VALUE");
    QCommandLineOption screenshot("screenshot",
                                  "Render the window after loading and computing, write it to "
                                  "FILE.png and exit.", "FILE.png");
    QCommandLineOption tab("tab", "With --screenshot: the tab to show (0-3).", "N", "0");
    QCommandLineOption noSettings("no-settings", "Do not restore the saved lambdas and layout.");
    QCommandLineOption verbose("verbose", "At exit, print on stderr the convention, lambdas and "
                                          "total last shown, and this process's peak memory.");
    p.addOptions({weights, convention, lambda, screenshot, tab, noSettings, verbose});
    p.process(app);

    LossOptions opts;
    for (const QString& l : p.values(lambda)) {
        const std::string err = parseLambda(l.toStdString(), opts);
        if (!err.empty()) {
            std::fprintf(stderr, "error: %s\n", err.c_str());
            return 2;
        }
    }
    if (p.isSet(convention)) {
        opts.convention = conventionFromName(p.value(convention).toStdString());
        if (!opts.convention) {
            std::fprintf(stderr, "error: --convention %s: expected nn4n or spec\n",
                         qPrintable(p.value(convention)));
            return 2;
        }
    }
    const QStringList pos = p.positionalArguments();
    if (pos.size() > 1) {
        std::fprintf(stderr, "error: more than one recording given\n");
        return 2;
    }
    const QString recording = pos.isEmpty() ? QString::fromStdString(bundledExample()) : pos.front();
    const bool shot = p.isSet(screenshot);

    MainWindow w(QDir(QApplication::applicationDirPath()).filePath("rnnloss"));
    if (!shot && !p.isSet(noSettings))
        w.restoreSettings();
    w.setPendingLambdas(opts.lambdas, opts.convention);

    int exitCode = 0;
    if (shot) {
        const QString out = p.value(screenshot);
        const int tabIndex = p.value(tab).toInt();
        QObject::connect(&w, &MainWindow::loadFinished, &app, [&](bool ok) {
            if (!ok) {
                std::fprintf(stderr, "error: %s\n", qPrintable(w.lastError()));
                exitCode = 2;
            }
        });
        auto grab = [&w, &app, out, &exitCode] {
            // Let the charts lay out and paint once before grabbing.
            QTimer::singleShot(300, &app, [&w, &app, out, &exitCode] {
                if (!w.grab().save(out)) {
                    std::fprintf(stderr, "error: %s: cannot write the screenshot\n", qPrintable(out));
                    exitCode = 1;
                }
                app.exit(exitCode);
            });
        };
        // Captures by value what lives only in this block (tabIndex, grab):
        // the lambdas run later, inside app.exec().
        QObject::connect(&w, &MainWindow::resultShown, &app, [&w, grab, tabIndex] {
            static bool once = false;
            if (once)
                return;
            once = true;
            w.setTabIndexForScreenshot(tabIndex);
            if (w.lastResult() && w.lastResult()->stats && !w.lastResult()->stats->mean.empty())
                w.selectNeuron(0);
            grab();
        });
        QObject::connect(&w, &MainWindow::loadFinished, &app, [grab](bool ok) {
            if (!ok)
                grab(); // the error banner is the picture
        });
        QTimer::singleShot(120000, &app, [&app] {
            std::fprintf(stderr, "error: --screenshot: no result after 120 s\n");
            app.exit(1);
        });
    }
    w.show();
    w.openFiles(recording, p.value(weights));
    const int rc = app.exec();
    if (p.isSet(verbose)) {
        printShown(w);
        QFile status("/proc/self/status");
        if (status.open(QIODevice::ReadOnly))
            for (const QByteArray& line : status.readAll().split('\n'))
                if (line.startsWith("VmHWM"))
                    std::fprintf(stderr, "rnnloss-explorer: peak RSS %s\n",
                                 line.mid(6).trimmed().constData());
    }
    return rc;
}
