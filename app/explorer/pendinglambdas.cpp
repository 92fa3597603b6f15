#include "pendinglambdas.h"

#include <QFileInfo>

namespace rnnloss {

void PendingLambdas::keepFor(const QString& recording, const LambdaState& lambdas)
{
    m_kept = {recording, lambdas};
}

LambdaState PendingLambdas::take(const Summary& summary, const QString& recording)
{
    // Kept lambdas come back for the recording they were tuned on only.
    std::optional<LambdaState> kept;
    if (m_kept && QFileInfo(m_kept->first) == QFileInfo(recording))
        kept = m_kept->second;
    const LambdaState lambdas = resolveLambdas(summary, kept, m_commandLine);
    m_kept.reset();
    m_commandLine = {};
    return lambdas;
}

} // namespace rnnloss
