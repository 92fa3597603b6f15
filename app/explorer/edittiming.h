#pragma once
// rnnloss-explorer --time-lambda-edits N (with --screenshot), what `rnnloss
// bench --set-app` reads: once the set is shown, the History on screen and
// repainted, then N edits of λ_fr, each timed from the edit to the History
// repainted with it (its paint included), one line on stderr each.

namespace rnnloss {

class MainWindow;

/// Shows the History tab and repaints it; prints "rnnloss-explorer: history
/// shown after S s" with `sinceStartSeconds` (the caller's clock, from the
/// process's start, read after the repaint).
void showHistoryAndSay(MainWindow& w, double (*sinceStartSeconds)());

/// `edits` edits of λ_fr (each a little larger than the last), each as the
/// lambda panel makes it (one undo step), then the History repainted at once;
/// prints "rnnloss-explorer: lambda edit MS ms" for each.
void timeLambdaEdits(MainWindow& w, int edits);

} // namespace rnnloss
