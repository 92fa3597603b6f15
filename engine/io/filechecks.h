#pragma once
// Checks of the files given that are not about their data: whether a weights
// file given beside a recording seems to be of the same checkpoint (their
// naming attributes agree), and what a file that is not HDF5 looks like when
// it is a PyTorch checkpoint. No HDF5 here: the reader reads the attributes.

#include <optional>
#include <string>
#include <vector>

namespace rnnloss::io {

/// The root attributes that say which checkpoint a file holds
/// (docs/recording-format.md); empty when the file has none.
struct FileNaming
{
    std::string file;
    std::optional<std::string> label, checkpoint;
    std::optional<double> step, epoch;
};

/// One message per attribute (step, epoch, label, checkpoint) that both files
/// have with different values, naming both files and both values; empty when
/// nothing disagrees. Not a refusal: the weights may be right, the terms are
/// then computed as asked.
std::vector<std::string> namingMismatches(const FileNaming& recording, const FileNaming& weights);

/// For a file HDF5 does not recognise: "; it looks like a PyTorch checkpoint
/// (...), not a recording: make one with `python3 tools/rnnloss_record.py nn4n
/// ...`" when it is a zip archive holding data.pkl (torch.save) or a pickle
/// stream (torch.save's legacy format); empty otherwise or when it cannot be read.
std::string notHdf5Hint(const std::string& path);

} // namespace rnnloss::io
