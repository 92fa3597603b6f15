#pragma once
// What the window keeps between sessions (QSettings): its layout, the recent
// files, the view options, and the lambdas with the recording they were tuned
// on (they come back when that recording is the next one loaded).

#include <QString>

class QSettings;

namespace rnnloss {

class MainWindow;
class PendingLambdas;

class WindowSettings
{
public:
    /// Restored lambdas go to `pending`, for the recording they belong to.
    WindowSettings(MainWindow* window, PendingLambdas* pending);

    void save() const;
    void restore();
    /// The recording open at the last exit, or empty.
    static QString lastSessionRecording();

private:
    void saveLambdas(QSettings& s) const;
    void restoreLambdas(QSettings& s);

    MainWindow* m_window;
    PendingLambdas* m_pending;
};

} // namespace rnnloss
