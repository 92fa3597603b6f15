#include "gradientsource.h"

namespace rnnloss {

GradientSource unavailableGradientSource()
{
    return [](const GradientRequest& request, const GradientProgress&) {
        GradientResult r;
        r.convention = request.convention;
        r.error = "gradients not available yet";
        return r;
    };
}

GradientSource defaultGradientSource(const QString& readerExe)
{
    // The reader process computes the gradients (ReaderJob::gradients) once
    // that path exists; until then the tab says they are not available.
    (void)readerExe;
    return unavailableGradientSource();
}

} // namespace rnnloss
