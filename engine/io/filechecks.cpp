#include "filechecks.h"

#include <charconv>
#include <fstream>

namespace rnnloss::io {

namespace {

/// The shortest text that reads back as `v`: 300, not 3e+02 or 300.000000.
std::string numberText(double v)
{
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    return std::string(buf, end);
}

std::string baseName(const std::string& path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

std::vector<std::string> namingMismatches(const FileNaming& rec, const FileNaming& wts)
{
    std::vector<std::string> out;
    // The attribute first: a status bar too narrow for both paths still says it.
    auto say = [&](const char* name, const std::string& inRec, const std::string& inWts) {
        out.push_back("the weights may be of another checkpoint: '" + std::string(name) + "' is " +
                      inWts + " in the weights file " + wts.file + " and " + inRec +
                      " in the recording " + rec.file);
    };
    const std::pair<const char*, std::optional<double> FileNaming::*> numbers[] = {
        {"step", &FileNaming::step}, {"epoch", &FileNaming::epoch}};
    for (const auto& [name, member] : numbers)
        if ((rec.*member) && (wts.*member) && *(rec.*member) != *(wts.*member))
            say(name, numberText(*(rec.*member)), numberText(*(wts.*member)));
    const std::pair<const char*, std::optional<std::string> FileNaming::*> texts[] = {
        {"label", &FileNaming::label}, {"checkpoint", &FileNaming::checkpoint}};
    for (const auto& [name, member] : texts)
        if ((rec.*member) && (wts.*member) && *(rec.*member) != *(wts.*member))
            say(name, "'" + *(rec.*member) + "'", "'" + *(wts.*member) + "'");
    return out;
}

std::string notHdf5Hint(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::string head(1 << 16, '\0');
    f.read(head.data(), std::streamsize(head.size()));
    head.resize(std::size_t(f.gcount()));
    std::string what;
    // torch.save since 1.6: a zip archive whose first entry is <name>/data.pkl.
    if (head.rfind("PK\x03\x04", 0) == 0 && head.find("data.pkl") != std::string::npos)
        what = "a zip archive holding data.pkl";
    // The legacy torch.save: a pickle stream (PROTO opcode 0x80, protocol 2 to 5).
    else if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x80 && head[1] >= 2 &&
             head[1] <= 5)
        what = "a Python pickle";
    if (what.empty())
        return {};
    std::string stem = baseName(path);
    if (const auto dot = stem.find_last_of('.'); dot != std::string::npos && dot > 0)
        stem.resize(dot);
    return "; it looks like a PyTorch checkpoint (" + what +
           "), not a recording: make a recording of it with `python3 tools/rnnloss_record.py "
           "nn4n " +
           path + " --inputs X.npy -o " + stem + ".h5` (tools/README.md, docs/recording-format.md)";
}

} // namespace rnnloss::io
