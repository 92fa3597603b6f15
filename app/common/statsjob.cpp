#include "statsjob.h"

#include "slice.h"

namespace rnnloss {

ReaderJob statsJob(ReaderJob base, const Summary& shown, const std::string& responseWindow)
{
    base.stats = true;
    base.rawLayout = false;
    base.responseWindow = responseWindow;
    // The indices themselves: labels and groups were resolved into them already.
    base.trialLabel.reset();
    base.neuronGroup.reset();
    base.trials.clear();
    base.steps.clear();
    base.neurons.clear();
    if (shown.slice) {
        base.trials = indexSpecText(shown.slice->trials);
        base.steps = indexSpecText(shown.slice->steps);
        base.neurons = indexSpecText(shown.slice->neurons);
    }
    return base;
}

} // namespace rnnloss
