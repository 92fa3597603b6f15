#pragma once
// `rnnloss-reader --bench-helper`: the HDF5 side of rnnloss-bench
// (common/benchhelperwire.h). Not for people; the app and the CLI never start
// the reader this way.

namespace rnnloss {

/// Answers the requests on stdin until Quit or end of file; the exit status.
int benchHelperMain();

} // namespace rnnloss
