#include "recordingfiles.h"

#include "runs.h"
#include "summaryfiles.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <unistd.h>

namespace rnnloss {

namespace fs = std::filesystem;

bool isRecordingOrSummary(const std::string& path)
{
    return path.ends_with(".h5") || path.ends_with(".hdf5") || isSummaryFile(path);
}

FolderFiles filesUnder(const std::string& folder)
{
    FolderFiles out;
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
        out.errors.push_back(folder + ": cannot list: " + ec.message());
        return out;
    }
    std::vector<std::string> found;
    for (const fs::recursive_directory_iterator end; it != end;) {
        const std::string path = it->path().string();
        std::error_code typeError;
        if (it->is_regular_file(typeError) && isRecordingOrSummary(path))
            found.push_back(path);
        // A folder that cannot be entered would end the walk: it is skipped
        // (skip_permission_denied) and named, and what was found is kept.
        if (it->is_directory(typeError) && !it->is_symlink(typeError) &&
            ::access(path.c_str(), R_OK | X_OK) != 0)
            out.errors.push_back(path + ": cannot list: permission denied");
        it.increment(ec);
        if (ec) {
            out.errors.push_back(path + ": cannot list: " + ec.message());
            break;
        }
    }
    const std::set<std::string> all(found.begin(), found.end());
    for (const std::string& f : found)
        if (!isSummaryFile(f) || !all.count(f.substr(0, f.size() - kSidecarSuffix.size())))
            out.files.push_back(f);
    std::sort(out.files.begin(), out.files.end(), naturalLess);
    return out;
}

FolderFiles expandFolders(const std::vector<std::string>& paths)
{
    FolderFiles out;
    for (const std::string& p : paths) {
        std::error_code ec;
        if (!fs::is_directory(p, ec)) {
            out.files.push_back(p);
            continue;
        }
        FolderFiles in = filesUnder(p);
        out.files.insert(out.files.end(), in.files.begin(), in.files.end());
        out.errors.insert(out.errors.end(), in.errors.begin(), in.errors.end());
    }
    return out;
}

} // namespace rnnloss
