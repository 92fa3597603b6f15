// libFuzzer target: the hardened reader on arbitrary in-memory HDF5 images,
// both as a summary (readRecording) and as the network the gradients need
// (readNetwork), whose objects (biases, init_state, activation, tau, dt,
// alpha) come from the same image. Crashes inside HDF5 itself are expected on
// some inputs (that is what the reader process contains); docs/reliability.md
// lists them.

#include "reader.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    rnnloss::io::ReadRequest req;
    req.recording = "fuzz.h5";
    req.recordingImage = {data, size};
    req.slabBytes = 1 << 16; // many slabs: exercises the streaming path
    const auto result = rnnloss::io::readRecording(req);
    // Every refusal must name the file.
    if (!result.summary && result.error.rfind("fuzz.h5", 0) != 0)
        __builtin_trap();
    const auto network = rnnloss::io::readNetwork(req);
    if (!network.network && network.error.rfind("fuzz.h5", 0) != 0)
        __builtin_trap();
    // What it read must be what computeGradients accepts: the network checked
    // against the arrays' shape.
    if (network.network) {
        const auto in = network.gradientInput();
        if (!network.network->validate(in.shape.batch).empty())
            __builtin_trap();
    }
    return 0;
}
