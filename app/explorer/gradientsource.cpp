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

ReaderJob gradientReaderJob(const QString& readerExe, const LoadRequest& files,
                            const Summary* whole, const std::optional<Slice>& slice,
                            Convention convention)
{
    ReaderJob job;
    job.readerExe = readerExe.toStdString();
    job.recording = files.recording.toStdString();
    job.weights = files.weights.toStdString();
    // The whole recording asked for as a slice is asked for as no slice: the
    // same numbers, and the same job as one started before the load ended
    // (gradientprefetch.h).
    if (slice && !(whole && *slice == wholeSlice(whole->shape))) {
        job.trials = indexSpecText(slice->trials);
        job.steps = indexSpecText(slice->steps);
        job.neurons = indexSpecText(slice->neurons);
    }
    job.gradients = true;
    job.convention = convention;
    job.gradientThreads = std::max(1, QThread::idealThreadCount());
    return job;
}

GradientSource defaultGradientSource(const QString& readerExe)
{
    return readerGradientSource(readerExe, nullptr);
}

GradientSource readerGradientSource(const QString& readerExe,
                                    std::shared_ptr<GradientPrefetch> prefetch)
{
    // The reader process reads the recording and its network and runs the
    // gradient pass (rnnloss-reader --gradients): HDF5 stays out of the app,
    // and a file that crashes HDF5 takes the reader with it, not the window.
    return [readerExe, prefetch](const GradientRequest& request,
                                 const GradientProgress& progress) {
        GradientResult r;
        r.convention = request.convention;
        if (request.files.recording.isEmpty()) {
            r.error = "no recording to compute gradients of";
            return r;
        }
        const ReaderJob job = gradientReaderJob(readerExe, request.files, request.whole.get(),
                                                request.slice, request.convention);
        bool stopped = false;
        ReaderProcess reader;
        const auto forward = [&](double fraction, const std::string& stage) {
            if (!stopped && progress && !progress(fraction, stage)) {
                stopped = true;
                reader.cancel(); // the reader is stopped; run() returns cancelled
                return false;
            }
            return !stopped;
        };
        std::optional<ReaderOutcome> taken;
        if (prefetch)
            taken = prefetch->take(job, forward);
        ReaderOutcome out = taken ? std::move(*taken)
                                  : reader.run(job, [&](double f, const std::string& stage) {
                                        forward(f, stage);
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
