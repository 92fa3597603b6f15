#pragma once
// Where the Gradients tab's numbers come from: a function from what is shown
// (the recording, its selection, the convention) to the per-parameter Gram
// matrices of computeGradients() (engine/gradient.h). It runs on the
// GradientController's worker thread, reports progress and stops when its
// progress callback returns false.

#include "gradient.h"
#include "gradientprefetch.h"
#include "loadcontroller.h"
#include "slice.h"
#include "summary.h"

#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace rnnloss {

struct GradientRequest
{
    LoadRequest files;                    ///< the recording and weights file as loaded
    std::shared_ptr<const Summary> whole; ///< the recording as loaded (its shape, labels, layout)
    std::optional<Slice> slice;           ///< the selection; empty: the whole recording
    Convention convention = kDefaultConvention;
};

/// Returns the gradients, or a result whose `error` names the file and what
/// is missing (shown in the tab), or `cancelled` when `progress` said stop.
/// Must not throw (an exception becomes an error anyway).
using GradientSource =
    std::function<GradientResult(const GradientRequest& request, const GradientProgress& progress)>;

/// A source without gradients: every request gives the error "gradients not
/// available yet".
GradientSource unavailableGradientSource();

/// The source the window computes its gradients with. `readerExe` is the
/// isolated reader the recording's data must be read through.
GradientSource defaultGradientSource(const QString& readerExe);
/// The same, first asking `prefetch` (may be null) for a job it started
/// while the recording loaded.
GradientSource readerGradientSource(const QString& readerExe,
                                    std::shared_ptr<GradientPrefetch> prefetch);
/// The reader job of a gradient request (`whole`: the recording as loaded,
/// may be null; a slice that is all of it is sent as none).
ReaderJob gradientReaderJob(const QString& readerExe, const LoadRequest& files,
                            const Summary* whole, const std::optional<Slice>& slice,
                            Convention convention);

} // namespace rnnloss
