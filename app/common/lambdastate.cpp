#include "lambdastate.h"

#include "loss.h"

namespace rnnloss {

TermArray LambdaState::effective() const
{
    TermArray e{};
    for (int i = 0; i < kTermCount; ++i)
        e[i] = enabled[i] ? values[i] : 0.0;
    return e;
}

LambdaState nn4nDefaults(Convention c)
{
    LambdaState s;
    s.values[index(Term::Mse)] = 1.0;
    s.enabled[index(Term::Mse)] = true;
    s.convention = c;
    return s;
}

LambdaState nn4nDefaults(Convention c, const Summary& recording)
{
    LambdaState s = nn4nDefaults(c);
    if (!recording.hasMse()) {
        s.values[index(Term::Mse)] = 0.0;
        s.enabled[index(Term::Mse)] = false;
    }
    return s;
}

LambdaState fileLambdas(const Summary& recording)
{
    LambdaState s;
    s.values = initialLambdas(recording); // the CLI's rule, so both agree on a file
    for (int i = 0; i < kTermCount; ++i)
        s.enabled[i] = s.values[i] != 0.0;
    s.convention = recording.lossConvention.value_or(kDefaultConvention);
    return s;
}

LambdaState resolveLambdas(const Summary& recording, const std::optional<LambdaState>& restored,
                           const LossOptions& commandLine)
{
    return withOverrides(restored ? *restored : fileLambdas(recording), commandLine);
}

LambdaState withOverrides(LambdaState s, const LossOptions& overrides)
{
    for (int i = 0; i < kTermCount; ++i)
        if (overrides.lambdas[i]) {
            s.values[i] = *overrides.lambdas[i];
            s.enabled[i] = s.values[i] != 0.0;
        }
    if (overrides.convention)
        s.convention = *overrides.convention;
    return s;
}

} // namespace rnnloss
