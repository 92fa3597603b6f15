#pragma once
// Internal to rnnloss::io. Debian's HDF5 is not built thread-safe: every HDF5
// call in this library happens while holding hdf5Lock().

#include <mutex>

namespace rnnloss::io::detail {

/// Locks the library-wide HDF5 mutex and, the first time, silences HDF5's own
/// error printing and disables filter plugins.
std::unique_lock<std::mutex> hdf5Lock();

} // namespace rnnloss::io::detail
