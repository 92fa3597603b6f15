#include "summaryfiles.h"

#include <stdexcept>

#include <sys/stat.h>

namespace rnnloss {

namespace {

std::string baseName(const std::string& path)
{
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string folderOf(const std::string& path)
{
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

bool exists(const std::string& path)
{
    struct stat st
    {
    };
    return ::stat(path.c_str(), &st) == 0;
}

} // namespace

std::string whyStale(const SidecarHeader& h, const std::string& recording)
{
    if (h.recordingName != baseName(recording))
        return "it summarises " + h.recordingName + ", not " + baseName(recording);
    const FileStampResult st = fileStamp(recording);
    if (!st.value)
        return st.error;
    return staleReason(h, st.value->size, st.value->mtimeNs, std::nullopt);
}

namespace {

void addNote(std::string& notes, const std::string& note)
{
    notes += (notes.empty() ? "" : "; ") + note;
}

void take(SummaryChoice& c, Sidecar&& sc, const std::string& file, const std::string& nameAs)
{
    c.summaryFile = file;
    c.header = std::move(sc.header);
    c.summary = std::move(sc.summary);
    renameFile(*c.summary, c.header.recordingName, nameAs);
    c.gradients = std::move(sc.gradients);
    if (c.gradients)
        renameFile(*c.gradients, c.header.recordingName, nameAs);
}

/// A summary file named itself.
SummaryChoice chooseNamed(const std::string& path, const SummaryLookup& lookup)
{
    SummaryChoice c;
    c.summaryFile = path;
    SidecarDecodeResult r = readSidecar(path);
    if (!r.value) {
        c.error = r.error;
        return c;
    }
    const std::string beside = path.substr(0, path.size() - kSidecarSuffix.size());
    const std::string& name = r.value->header.recordingName;
    const bool there = baseName(beside) == name && exists(beside);
    if (!lookup.use) {
        if (!there) {
            c.error = path + ": " + lookup.readReason +
                      " needs the recording read, and the one "
                      "this summary file summarises (" +
                      name + ") is not beside it";
            return c;
        }
        c.recording = beside;
        c.note = "reading " + beside + " (" + lookup.readReason + ")";
        return c;
    }
    if (there) {
        c.recording = beside;
        if (const std::string why = whyStale(r.value->header, beside); !why.empty()) {
            c.warning = path + " is stale (" + why + "): reading " + beside + " instead";
            return c;
        }
    }
    c.note = "using the summary file " + path +
             (there ? "" : " (its recording " + name + " is not beside it)");
    take(c, std::move(*r.value), path, there ? beside : folderOf(path) + name);
    return c;
}

} // namespace

bool isSummaryFile(const std::string& path)
{
    return path.size() > kSidecarSuffix.size() && path.ends_with(kSidecarSuffix);
}

SummaryChoice chooseSummary(const std::string& path, const SummaryLookup& lookup)
{
    if (isSummaryFile(path))
        return chooseNamed(path, lookup);
    SummaryChoice c;
    c.recording = path;
    if (!lookup.use || path.empty())
        return c;
    std::vector<std::string> candidates{sidecarPathFor(path)};
    if (!lookup.summaryDir.empty())
        candidates.push_back(sidecarPathFor(path, lookup.summaryDir));
    for (const std::string& file : candidates) {
        if (!exists(file))
            continue;
        SidecarDecodeResult r = readSidecar(file);
        if (!r.value) {
            addNote(c.warning, r.error + " (reading the recording instead)");
            continue;
        }
        if (!exists(path) && r.value->header.recordingName == baseName(path)) {
            c.recording.clear();
            c.note = "it is not here: using its summary " + file;
            take(c, std::move(*r.value), file, path);
            return c;
        }
        if (const std::string why = whyStale(r.value->header, path); !why.empty()) {
            addNote(c.note, "its summary " + file + " is stale (" + why + "): reading " + path);
            continue;
        }
        c.note = "using its summary " + file;
        take(c, std::move(*r.value), file, path);
        return c;
    }
    return c;
}

std::uint64_t metadataFingerprint(const Summary& s)
{
    FingerprintBuilder f;
    f.text("rnnloss recording metadata 1");
    for (int i = 0; i < kDatasetCount; ++i) {
        const DatasetInfo& d = s.datasets[std::size_t(i)];
        f.text(datasetName(static_cast<Dataset>(i))).integer(d.present).text(d.path);
        f.integer(static_cast<std::int64_t>(d.dims.size()));
        for (std::int64_t v : d.dims)
            f.integer(v);
    }
    const Shape& sh = s.recordingShape();
    for (std::int64_t v : {sh.batch, sh.time, sh.nIn, sh.nHid, sh.nOut})
        f.integer(v);
    const auto optional = [&f](const std::optional<double>& v) {
        f.integer(v.has_value());
        if (v)
            f.number(*v);
    };
    for (const auto& l : s.trainingLambdas)
        optional(l);
    f.integer(s.lossConvention ? 1 + static_cast<int>(*s.lossConvention) : 0);
    f.text(s.label);
    // Only when present, so that a recording without one keeps the
    // fingerprint it had before the attribute was read.
    if (s.run)
        f.text("run").text(*s.run);
    optional(s.step);
    optional(s.epoch);
    optional(s.dtMs);
    for (const auto* labels : {&s.trialLabels, &s.neuronGroups}) {
        f.integer(static_cast<std::int64_t>(labels->size()));
        for (const std::string& l : *labels)
            f.text(l);
    }
    return f.fingerprint();
}

std::vector<std::uint8_t> summaryFileBytes(Summary s, const std::string& recordingPath,
                                           const FileStamp& stamp, bool weights,
                                           const std::string& producer,
                                           std::optional<SidecarGradients> gradients)
{
    if (s.slice)
        throw std::invalid_argument("summaryFileBytes: the summary of a slice");
    s.layout.reset();
    s.timeSum.resize(0, 0);
    s.timeSumSq.resize(0, 0);
    if (!weights)
        for (RowMatrixF& w : s.weights)
            w.resize(0, 0);
    SidecarHeader h;
    h.recordingName = baseName(recordingPath);
    h.recordingSize = stamp.size;
    h.recordingMtimeNs = stamp.mtimeNs;
    h.fingerprint = metadataFingerprint(s);
    h.producer = producer;
    renameFile(s, recordingPath, h.recordingName);
    std::vector<SidecarSection> sections;
    if (gradients) {
        renameFile(*gradients, recordingPath, h.recordingName);
        sections.push_back(
            {kSidecarTagGradientGram, encodeGradientSection(gradients->spec, gradients->nn4n)});
    }
    return encodeSidecar(h, s, sections);
}

void renameFile(Summary& s, const std::string& from, const std::string& to)
{
    if (from.empty() || from == to)
        return;
    for (DatasetInfo& d : s.datasets)
        if (d.file == from)
            d.file = to;
    const std::string head = from + ":";
    for (std::string& w : s.warnings)
        if (w.starts_with(head))
            w = to + w.substr(from.size());
}

void renameFile(SidecarGradients& g, const std::string& from, const std::string& to)
{
    if (from.empty() || from == to)
        return;
    const std::string head = from + ":";
    for (GradientSummary* pass : {&g.spec, &g.nn4n})
        for (std::string& w : pass->warnings)
            if (w.starts_with(head))
                w = to + w.substr(from.size());
}

std::string attachLayout(Summary& s, const SidecarHeader& header, const Summary& read)
{
    if (!read.layout)
        return "the reader found no raw layout";
    if (read.slice || s.slice || read.shape != s.shape)
        return "the recording's shape is not its summary's";
    const RawLayout& l = *read.layout;
    if (l.fileSize != header.recordingSize ||
        l.mtimeSec * 1000000000 + l.mtimeNsec != header.recordingMtimeNs)
        return "the recording changed since it was summarised";
    s.layout = l;
    return {};
}

} // namespace rnnloss
