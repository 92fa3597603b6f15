#include "edittiming.h"

#include "historyview.h"
#include "mainwindow.h"
#include "setcontroller.h"

#include <QElapsedTimer>
#include <QTabWidget>

#include <cstdio>

namespace rnnloss {

void showHistoryAndSay(MainWindow& w, double (*sinceStartSeconds)())
{
    HistoryView* history = w.recordingSet()->historyView();
    w.tabs()->setCurrentWidget(history);
    history->repaint(); // now, not at the next turn of the event loop
    std::fprintf(stderr, "rnnloss-explorer: history shown after %.3f s\n", sinceStartSeconds());
}

void timeLambdaEdits(MainWindow& w, int edits)
{
    HistoryView* history = w.recordingSet()->historyView();
    LambdaState s = w.state();
    const std::size_t fr = std::size_t(index(Term::Fr));
    const double base = s.enabled[fr] && s.values[fr] > 0.0 ? s.values[fr] : 1e-3;
    for (int i = 0; i < edits; ++i) {
        s.values[fr] = base * (1.0 + 0.05 * (i + 1));
        s.enabled[fr] = true;
        QElapsedTimer clock;
        clock.start();
        w.applyState(s); // every set view is given the new lambdas inside this call
        history->repaint();
        std::fprintf(stderr, "rnnloss-explorer: lambda edit %.3f ms\n",
                     double(clock.nsecsElapsed()) / 1e6);
    }
}

} // namespace rnnloss
