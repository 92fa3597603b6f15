#pragma once
// What the user set for the loss — the lambdas, which terms are on, the
// convention — and the one rule that decides which lambdas a recording opens
// with. Plain C++ so that the rule is tested without a window.

#include "cliargs.h"
#include "summary.h"
#include "terms.h"

#include <array>
#include <optional>

namespace rnnloss {

struct LambdaState
{
    TermArray values{}; ///< as the rows hold them, disabled ones too
    std::array<bool, kTermCount> enabled{};
    Convention convention = kDefaultConvention;

    /// The lambdas the loss uses: a disabled term counts as 0.
    TermArray effective() const;
    bool operator==(const LambdaState&) const = default;
};

/// nn4n's RNNLoss defaults: lambda_mse = 1, every regulariser 0.
LambdaState nn4nDefaults(Convention c);
/// nn4n's defaults for `recording`: lambda_mse stays 0 when it holds no
/// outputs and targets (an enabled term without data is an error, not a default).
LambdaState nn4nDefaults(Convention c, const Summary& recording);

/// The recording's own lambdas, as `rnnloss compute` takes them: its training
/// lambdas, 0 for the terms it does not list; a term is on when its lambda is
/// non-zero. The convention is the recording's `loss_convention`, else the default.
LambdaState fileLambdas(const Summary& recording);

/// `s` with the lambdas and the convention `overrides` gives (the command line,
/// an imported lambda file): each given lambda is set, and on when non-zero.
LambdaState withOverrides(LambdaState s, const LossOptions& overrides);

/// Which lambdas a freshly loaded recording gets, each source overriding the one
/// before: the recording's own (fileLambdas), then what was saved at the last
/// exit for this same recording (`restored`, empty when it was saved for another
/// file or not at all), then the command line's lambdas and convention.
LambdaState resolveLambdas(const Summary& recording, const std::optional<LambdaState>& restored,
                           const LossOptions& commandLine);

} // namespace rnnloss
