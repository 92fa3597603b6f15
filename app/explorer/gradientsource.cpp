#include "gradientsource.h"

#include "readerprocess.h"
#include "slice.h"

#include <QThread>

#include <algorithm>

namespace rnnloss {

namespace {

/// What the reader sends back, as the engine's result (the gradients
/// themselves stay in the reader: the views need only the Gram matrices).
GradientResult resultOf(GradientSummary&& g)
{
    GradientResult r;
    r.convention = g.convention;
    r.terms = g.terms;
    r.gram = g.gram;
    r.replayError = g.replayError;
    r.maxAbsRate = g.maxAbsRate;
    r.warnings = std::move(g.warnings);
    return r;
}

} // namespace

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
    // The reader process reads the recording and its network and runs the
    // gradient pass (rnnloss-reader --gradients): HDF5 stays out of the app,
    // and a file that crashes HDF5 takes the reader with it, not the window.
    const std::string exe = readerExe.toStdString();
    return [exe](const GradientRequest& request, const GradientProgress& progress) {
        GradientResult r;
        r.convention = request.convention;
        if (request.files.recording.isEmpty()) {
            r.error = "no recording to compute gradients of";
            return r;
        }
        ReaderJob job;
        job.readerExe = exe;
        job.recording = request.files.recording.toStdString();
        job.weights = request.files.weights.toStdString();
        if (request.slice) {
            job.trials = indexSpecText(request.slice->trials);
            job.steps = indexSpecText(request.slice->steps);
            job.neurons = indexSpecText(request.slice->neurons);
        }
        job.gradients = true;
        job.convention = request.convention;
        job.gradientThreads = std::max(1, QThread::idealThreadCount());
        ReaderProcess reader;
        bool stopped = false;
        ReaderOutcome out = reader.run(job, [&](double fraction, const std::string& stage) {
            if (!stopped && progress && !progress(fraction, stage)) {
                stopped = true;
                reader.cancel(); // the reader is stopped; run() returns cancelled
            }
        });
        if (stopped || out.cancelled) {
            r.cancelled = true;
            return r;
        }
        if (!out.gradients) {
            r.error = out.error.empty() ? job.recording + ": the reader sent no gradients"
                                        : out.error;
            return r;
        }
        return resultOf(std::move(*out.gradients));
    };
}

} // namespace rnnloss
