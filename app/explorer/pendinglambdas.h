#pragma once
// Which lambdas the next recording opened starts a set with, besides its own:
// the command line's, and lambdas kept for one file (those saved at the last
// exit, or those being tuned across a reload). Both are used once. No widgets,
// so a test reaches the rule without a window.

#include "lambdastate.h"

#include <QString>

#include <optional>
#include <utility>

namespace rnnloss {

class PendingLambdas
{
public:
    /// Lambdas and convention from the command line: they win over the file's and the kept ones.
    void setCommandLine(const LossOptions& options) { m_commandLine = options; }
    /// `lambdas` come back when `recording` is the next recording loaded.
    void keepFor(const QString& recording, const LambdaState& lambdas);
    void forgetKept() { m_kept.reset(); }
    /// The lambdas `recording` (read as `summary`) opens with (resolveLambdas);
    /// the command line's and the kept ones are used up.
    LambdaState take(const Summary& summary, const QString& recording);

private:
    LossOptions m_commandLine;
    std::optional<std::pair<QString, LambdaState>> m_kept; ///< file, lambdas
};

} // namespace rnnloss
