#include "populationsource.h"

#include "popreport.h"
#include "readerprocess.h"
#include "statsjob.h"

#include <QThread>

#include <algorithm>

namespace rnnloss {

PopulationRaw rawParts(const PopulationReport& report)
{
    PopulationRaw raw;
    raw.saturated = report.saturated;
    raw.participationRatio = report.participationRatio;
    if (report.accuracy) {
        raw.accuracy = report.accuracy;
    } else {
        Accuracy none;
        none.error = report.accuracyReason;
        raw.accuracy = none;
    }
    raw.psychometric = report.psychometric;
    raw.psychometricReason = report.psychometricReason;
    return raw;
}

PopulationSource readerPopulationSource(const QString& readerExe)
{
    const std::string exe = readerExe.toStdString();
    return [exe](const PopulationRequest& q, const PopulationProgress& progress) {
        PopulationRaw raw;
        if (!q.summary) {
            raw.error = "no recording";
            return raw;
        }
        if (q.files.recording.isEmpty()) {
            raw.error = "needs the recording's raw data (only its summary is open)";
            raw.psychometricReason = raw.error;
            return raw;
        }
        ReaderJob base;
        base.readerExe = exe;
        base.recording = q.files.recording.toStdString();
        base.weights = q.files.weights.toStdString();
        base.reduce.threads = std::max(1, QThread::idealThreadCount());
        // A window that does not parse is said by the panel; the default is asked for.
        const ReaderJob job = statsJob(base, *q.summary, q.window ? q.windowText : std::string());
        ReaderProcess reader;
        bool stopped = false;
        ReaderOutcome out = reader.run(job, [&](double fraction, const std::string&) {
            if (!stopped && progress && !progress(fraction)) {
                stopped = true;
                reader.cancel();
            }
        });
        if (stopped || out.cancelled) {
            raw.error = "cancelled";
            return raw;
        }
        if (!out.stats) {
            raw.error = out.error.empty() ? job.recording + ": the reader sent no statistics"
                                          : out.error;
            raw.psychometricReason = raw.error;
            return raw;
        }
        if (const std::string why = statsMismatch(*q.summary, *out.stats); !why.empty()) {
            raw.error = job.recording + ": " + why;
            raw.psychometricReason = raw.error;
            return raw;
        }
        PopulationOptions o;
        o.silentThreshold = q.silentThreshold;
        return rawParts(populationReport(*q.summary, *out.stats, o));
    };
}

} // namespace rnnloss
