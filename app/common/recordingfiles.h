#pragma once
// Which files a folder stands for when it is opened (File ▸ Open folder…,
// `rnnloss compute DIR`): every recording (*.h5, *.hdf5) and summary file
// (*.rnnsum) under it, at any depth. A summary file beside its recording is
// not listed apart: the recording is, and opening it uses its summary while
// that is current (summaryfiles.h, chooseSummary). Plain C++, so that the CLI
// and the app list alike.

#include <string>
#include <vector>

namespace rnnloss {

/// Whether `path` is named as a recording (.h5, .hdf5) or a summary file.
bool isRecordingOrSummary(const std::string& path);

struct FolderFiles
{
    std::vector<std::string> files;  ///< by path, naturally ordered ("run2" before "run10")
    std::vector<std::string> errors; ///< "PATH: cannot list: why", for folders passed over
};

/// The files `folder` stands for, found recursively; links to folders are not
/// followed (no cycles). A folder that cannot be listed is an error and the
/// others are still listed.
FolderFiles filesUnder(const std::string& folder);

/// `paths` with every folder replaced by filesUnder() it, files kept as given
/// and in place.
FolderFiles expandFolders(const std::vector<std::string>& paths);

} // namespace rnnloss
