#include "summarycodec.h"

#include "gradcodec.h"
#include "wirecodec.h"

#include "rawlayout.h"
#include "slice.h"
#include "statscodec.h"
#include "wirecodec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

static_assert(std::endian::native == std::endian::little,
              "the wire format is little-endian; add byte swapping for this platform");

namespace rnnloss {

namespace {

constexpr char kMagic[4] = {'R', 'N', 'L', 'F'};
constexpr std::uint32_t kMaxString = wire::kMaxString;
constexpr std::uint32_t kMaxWarnings = 10000;
constexpr std::uint32_t kMaxDims = 8;
constexpr char kExtMagic[8] = {'R', 'N', 'L', 'X', 'T', 'N', 'D', '1'};
constexpr std::size_t kExtTrailer = 16; ///< u64 length + magic
constexpr std::int64_t kMaxDim = std::int64_t(1) << 40;
enum class ExtTag : std::uint16_t { Slice = 1, Layout = 2, Labels = 3, Reduced = 4, Run = 5 };
/// A trial label or neuron group is short display text.
constexpr std::uint32_t kMaxLabelText = 256;
/// A run name is read as a label is (io/reader_labels.cpp): at most 1 KiB.
constexpr std::uint32_t kMaxRunText = 1024;
constexpr std::uint32_t kMaxRawDatasets = 3;
constexpr std::size_t kExtentBytes = 32;

using wire::Malformed;
using wire::Reader;
using wire::Writer;

std::vector<std::uint8_t> frame(FrameType type, const std::vector<std::uint8_t>& payload)
{
    Writer w;
    w.raw(kMagic, 4);
    w.put<std::uint16_t>(kWireVersion);
    w.put<std::uint16_t>(static_cast<std::uint16_t>(type));
    w.put<std::uint64_t>(payload.size());
    w.append(payload.data(), payload.size());
    return std::move(w.bytes());
}

std::uint64_t checkedProduct(std::int64_t a, std::int64_t b, const char* what)
{
    if (a < 0 || b < 0)
        throw Malformed(std::string(what) + ": negative size");
    const auto ua = static_cast<std::uint64_t>(a), ub = static_cast<std::uint64_t>(b);
    if (ua != 0 && ub > (std::uint64_t(1) << 62) / ua)
        throw Malformed(std::string(what) + ": size overflows");
    return ua * ub;
}

void readMatrix(Reader& r, RowMatrix& m, std::int64_t rows, std::int64_t cols, const char* what)
{
    const auto n = checkedProduct(rows, cols, what);
    r.needValues(n, sizeof(double), what);
    m.resize(rows, cols);
    r.array(m.data(), n, what);
}

template <class T>
void readVector(Reader& r, std::vector<T>& v, std::int64_t n, const char* what)
{
    if (n < 0)
        throw Malformed(std::string(what) + ": negative size");
    r.needValues(static_cast<std::uint64_t>(n), sizeof(T), what);
    v.resize(n);
    r.array(v.data(), n, what);
}

/// What a reduced summary leaves out of its states block (extension 4): the
/// per-time sums, the per-neuron sample histograms (a summary reduced with
/// ReduceConfig::perTime or ::histograms off), and then also the sums of |r|
/// when they are the sums of r bit for bit (no rate is negative: relu,
/// sigmoid). A full summary keeps every block, so the reader's frames stay
/// byte for byte what they were.
struct Reduced
{
    bool noPerTime = false, noHistograms = false, absIsSum = false;
    enum Bit : std::uint8_t { NoPerTime = 1, NoHistograms = 2, AbsIsSum = 4 };
    std::uint8_t bits() const
    {
        return std::uint8_t((noPerTime ? NoPerTime : 0) | (noHistograms ? NoHistograms : 0) |
                            (absIsSum ? AbsIsSum : 0));
    }
};

Reduced reducedOf(const Summary& s)
{
    Reduced red;
    if (!s.hasStates())
        return red;
    const Shape& sh = s.shape;
    red.noPerTime = s.timeSum.size() == 0 && s.timeSumSq.size() == 0;
    red.noHistograms = s.neuronHistograms.empty();
    if ((!red.noPerTime && (s.timeSum.rows() != sh.time || s.timeSumSq.rows() != sh.time)) ||
        (!red.noHistograms && std::int64_t(s.neuronHistograms.size()) != sh.nHid))
        throw std::logic_error("encodeSummary: per-time sums or histograms of the wrong size");
    red.absIsSum = (red.noPerTime || red.noHistograms) &&
                   s.trialSumAbs.size() == s.trialSum.size() &&
                   std::memcmp(s.trialSumAbs.data(), s.trialSum.data(),
                               sizeof(double) * std::size_t(s.trialSum.size())) == 0;
    return red;
}

} // namespace

std::vector<std::uint8_t> encodeProgress(const ProgressFrame& p)
{
    Writer w;
    w.put<double>(p.fraction);
    w.str(p.stage);
    return frame(FrameType::Progress, w.bytes());
}

std::vector<std::uint8_t> encodeMessage(FrameType type, const std::string& text)
{
    Writer w;
    w.str(text.size() > kMaxString ? text.substr(0, kMaxString) : text);
    return frame(type, w.bytes());
}

std::vector<std::uint8_t> encodeSummaryFrame(const Summary& s)
{
    return frame(FrameType::Summary, encodeSummary(s));
}

std::vector<std::uint8_t> encodeFrame(FrameType type, const std::vector<std::uint8_t>& payload)
{
    return frame(type, payload);
}

namespace {

/// Shape, dataset descriptions, training lambdas and warnings: what every
/// summary has, whatever it holds.
void encodeHeader(Writer& w, const Summary& s)
{
    const Shape& sh = s.shape;
    for (auto v : {sh.batch, sh.time, sh.nIn, sh.nHid, sh.nOut})
        w.put<std::int64_t>(v);
    for (const DatasetInfo& d : s.datasets) {
        w.put<std::uint8_t>(d.present);
        w.str(d.file);
        w.str(d.path);
        w.put<std::uint32_t>(static_cast<std::uint32_t>(d.dims.size()));
        for (auto v : d.dims)
            w.put<std::int64_t>(v);
        w.put<std::int64_t>(d.nonFinite);
    }
    for (const auto& l : s.trainingLambdas) {
        w.put<std::uint8_t>(l.has_value());
        w.put<double>(l.value_or(0.0));
    }
    w.put<std::uint32_t>(static_cast<std::uint32_t>(s.warnings.size()));
    for (const auto& msg : s.warnings)
        w.str(msg);
}

void encodeMse(Writer& w, const Summary& s)
{
    w.put<std::uint8_t>(s.hasMse());
    if (s.hasMse()) {
        w.raw(s.sqErrPerTrial.data(), s.sqErrPerTrial.size());
        w.raw(s.sqErrPerTime.data(), s.sqErrPerTime.size());
    }
}

void encodeStates(Writer& w, const Summary& s)
{
    const Reduced red = reducedOf(s);
    w.put<std::uint8_t>(s.hasStates());
    if (!s.hasStates())
        return;
    // Empty matrices (left out by `red`) write nothing.
    for (const RowMatrix* m :
         {&s.trialSum, &s.trialSumSq, red.absIsSum ? nullptr : &s.trialSumAbs, &s.timeSum,
          &s.timeSumSq})
        if (m)
            w.raw(m->data(), m->size());
    w.raw(s.neuronMin.data(), s.neuronMin.size());
    w.raw(s.neuronMax.data(), s.neuronMax.size());
    w.raw(s.neuronNonFinite.data(), s.neuronNonFinite.size());
    w.raw(s.neuronActive.data(), s.neuronActive.size());
    w.put<double>(s.activeThreshold);
    const std::uint32_t bins =
        s.neuronHistograms.empty()
            ? 0
            : static_cast<std::uint32_t>(s.neuronHistograms[0].counts.size());
    w.put<std::uint32_t>(bins);
    for (const NeuronHistogram& h : s.neuronHistograms) {
        w.put<double>(h.lo);
        w.put<double>(h.width);
        w.raw(h.counts.data(), h.counts.size());
    }
}

/// Weights, then the recording's loss convention, label, step and epoch.
void encodeWeightsAndNaming(Writer& w, const Summary& s)
{
    for (int i = 0; i < 3; ++i) {
        w.put<double>(s.weightNormSq[i]);
        w.put<std::int64_t>(s.weights[i].rows());
        w.put<std::int64_t>(s.weights[i].cols());
        w.raw(s.weights[i].data(), s.weights[i].size());
    }
    // The recording's loss_convention: 0 none, else 1 + the enum's value.
    w.put<std::uint8_t>(s.lossConvention ? std::uint8_t(1 + static_cast<int>(*s.lossConvention))
                                         : 0);
    w.str(s.label);
    for (const auto& v : {s.step, s.epoch}) {
        w.put<std::uint8_t>(v.has_value());
        w.put<double>(v.value_or(0.0));
    }
}

void appendSection(Writer& ext, ExtTag tag, Writer& sec)
{
    ext.put<std::uint16_t>(static_cast<std::uint16_t>(tag));
    ext.put<std::uint64_t>(sec.bytes().size());
    ext.append(sec.bytes().data(), sec.bytes().size());
}

void encodeLayoutSection(Writer& sec, const RawLayout& layout)
{
    sec.str(layout.file);
    sec.put<std::uint64_t>(layout.fileSize);
    sec.put<std::int64_t>(layout.mtimeSec);
    sec.put<std::int64_t>(layout.mtimeNsec);
    sec.put<std::uint32_t>(static_cast<std::uint32_t>(layout.datasets.size()));
    for (const RawDataset& d : layout.datasets) {
        sec.put<std::uint8_t>(static_cast<std::uint8_t>(d.which));
        sec.put<std::uint8_t>(static_cast<std::uint8_t>(d.elementSize));
        sec.put<std::uint8_t>(d.bigEndian);
        for (auto v : {d.batch, d.time, d.width})
            sec.put<std::int64_t>(v);
        sec.put<std::uint64_t>(d.extents.size());
        for (const RawExtent& e : d.extents) {
            sec.put<std::uint64_t>(e.offset);
            sec.put<std::uint64_t>(e.bytes);
            sec.put<std::int64_t>(e.firstTrial);
            sec.put<std::int64_t>(e.trials);
        }
    }
}

void encodeSliceSection(Writer& sec, const Slice& slice)
{
    const Shape& wh = slice.whole;
    for (auto v : {wh.batch, wh.time, wh.nIn, wh.nHid, wh.nOut})
        sec.put<std::int64_t>(v);
    for (const auto* v : {&slice.trials, &slice.steps, &slice.neurons}) {
        sec.put<std::uint64_t>(v->size());
        sec.raw(v->data(), v->size());
    }
}

void encodeLabelsSection(Writer& sec, const Summary& s)
{
    for (const auto* v : {&s.trialLabels, &s.neuronGroups}) {
        sec.put<std::uint64_t>(v->size());
        for (const std::string& l : *v)
            sec.str(l);
    }
    sec.put<std::uint8_t>(s.dtMs.has_value());
    sec.put<double>(s.dtMs.value_or(0.0));
}

/// The optional sections (layout, slice, labels) after the main part, then
/// their length and magic: the decoder finds them from the end
/// (splitExtensions), so the main part's layout does not change with them.
void encodeExtensions(Writer& w, const Summary& s)
{
    Writer ext;
    if (s.layout) {
        Writer sec;
        encodeLayoutSection(sec, *s.layout);
        appendSection(ext, ExtTag::Layout, sec);
    }
    if (s.slice) {
        Writer sec;
        encodeSliceSection(sec, *s.slice);
        appendSection(ext, ExtTag::Slice, sec);
    }
    if (!s.trialLabels.empty() || !s.neuronGroups.empty() || s.dtMs) {
        Writer sec;
        encodeLabelsSection(sec, s);
        appendSection(ext, ExtTag::Labels, sec);
    }
    if (s.run && !s.run->empty()) {
        Writer sec;
        sec.str(*s.run);
        appendSection(ext, ExtTag::Run, sec);
    }
    if (const Reduced red = reducedOf(s); red.bits() != 0) {
        Writer sec;
        sec.put<std::uint8_t>(red.bits());
        appendSection(ext, ExtTag::Reduced, sec);
    }
    if (!ext.bytes().empty()) {
        w.append(ext.bytes().data(), ext.bytes().size());
        w.put<std::uint64_t>(ext.bytes().size());
        w.raw(kExtMagic, 8);
    }
}

} // namespace

std::vector<std::uint8_t> encodeSummary(const Summary& s)
{
    Writer w;
    encodeHeader(w, s);
    encodeMse(w, s);
    encodeStates(w, s);
    encodeWeightsAndNaming(w, s);
    encodeExtensions(w, s);
    return std::move(w.bytes());
}

namespace {

/// The slice section: every count is checked against the whole shape and the
/// bytes left before anything is allocated.
Slice decodeSlice(Reader& r)
{
    Slice sl;
    Shape& wh = sl.whole;
    for (std::int64_t* v : {&wh.batch, &wh.time, &wh.nIn, &wh.nHid, &wh.nOut}) {
        *v = r.get<std::int64_t>("slice shape");
        if (*v < 0 || *v > kMaxDim)
            throw Malformed("slice shape: dimension " + std::to_string(*v) + " out of range");
    }
    const std::pair<std::vector<std::int64_t>*, std::int64_t> axes[] = {
        {&sl.trials, wh.batch}, {&sl.steps, wh.time}, {&sl.neurons, wh.nHid}};
    for (auto [v, size] : axes) {
        const auto n = r.get<std::uint64_t>("slice index count");
        if (n > static_cast<std::uint64_t>(size))
            throw Malformed("slice: " + std::to_string(n) + " indices on an axis of " +
                            std::to_string(size));
        r.needValues(n, sizeof(std::int64_t), "slice indices");
        v->resize(n);
        r.array(v->data(), n, "slice indices");
    }
    if (r.remaining() != 0)
        throw Malformed("slice section: " + std::to_string(r.remaining()) + " trailing bytes");
    return sl;
}

/// The layout section; counts checked before allocating, the rest by
/// checkLayout once the shape is known.
RawLayout decodeLayout(Reader& r)
{
    RawLayout l;
    l.file = r.str("layout file");
    l.fileSize = r.get<std::uint64_t>("layout file size");
    l.mtimeSec = r.get<std::int64_t>("layout file time");
    l.mtimeNsec = r.get<std::int64_t>("layout file time");
    const auto n = r.get<std::uint32_t>("layout dataset count");
    if (n > kMaxRawDatasets)
        throw Malformed("layout of " + std::to_string(n) + " datasets");
    for (std::uint32_t i = 0; i < n; ++i) {
        RawDataset d;
        const auto which = r.get<std::uint8_t>("layout dataset");
        if (which >= kDatasetCount)
            throw Malformed("layout of dataset " + std::to_string(which));
        d.which = static_cast<Dataset>(which);
        d.elementSize = r.get<std::uint8_t>("layout element size");
        d.bigEndian = r.get<std::uint8_t>("layout byte order") != 0;
        for (std::int64_t* v : {&d.batch, &d.time, &d.width}) {
            *v = r.get<std::int64_t>("layout shape");
            if (*v < 0 || *v > kMaxDim)
                throw Malformed("layout shape: dimension " + std::to_string(*v) + " out of range");
        }
        const auto count = r.get<std::uint64_t>("layout extent count");
        if (count > static_cast<std::uint64_t>(d.batch))
            throw Malformed("layout: " + std::to_string(count) + " extents for " +
                            std::to_string(d.batch) + " trials");
        r.needValues(count, kExtentBytes, "layout extents");
        d.extents.resize(count);
        for (RawExtent& e : d.extents) {
            e.offset = r.get<std::uint64_t>("extent");
            e.bytes = r.get<std::uint64_t>("extent");
            e.firstTrial = r.get<std::int64_t>("extent");
            e.trials = r.get<std::int64_t>("extent");
        }
        l.datasets.push_back(std::move(d));
    }
    if (r.remaining() != 0)
        throw Malformed("layout section: " + std::to_string(r.remaining()) + " trailing bytes");
    return l;
}

/// The labels section: trial labels, neuron groups (their lengths checked
/// against the shape later) and dt.
void decodeLabels(Reader& r, Summary& s)
{
    for (auto* v : {&s.trialLabels, &s.neuronGroups}) {
        const auto n = r.get<std::uint64_t>("label count");
        if (n > static_cast<std::uint64_t>(kMaxDim))
            throw Malformed("labels: " + std::to_string(n) + " labels");
        r.needValues(n, sizeof(std::uint32_t), "labels"); // each has at least its length
        v->reserve(static_cast<std::size_t>(n));
        for (std::uint64_t i = 0; i < n; ++i) {
            v->push_back(r.str("label"));
            if (v->back().size() > kMaxLabelText)
                throw Malformed("labels: a label of " + std::to_string(v->back().size()) + " bytes");
        }
    }
    const bool hasDt = r.get<std::uint8_t>("dt flag") != 0;
    const double dt = r.get<double>("dt");
    if (hasDt && !(dt >= kMinDtMs && dt <= kMaxDtMs))
        throw Malformed("dt is not a positive number of ms in range");
    if (hasDt)
        s.dtMs = dt;
    if (r.remaining() != 0)
        throw Malformed("labels section: " + std::to_string(r.remaining()) + " trailing bytes");
}

/// The run section: the run's name, not empty, at most kMaxRunText bytes.
std::string decodeRun(Reader& r)
{
    std::string run = r.str("run");
    if (run.empty() || run.size() > kMaxRunText)
        throw Malformed("run name of " + std::to_string(run.size()) + " bytes");
    if (r.remaining() != 0)
        throw Malformed("run section: " + std::to_string(r.remaining()) + " trailing bytes");
    return run;
}

/// The reduced section: one byte of known flags, at least one set.
Reduced decodeReduced(Reader& r)
{
    const auto bits = r.get<std::uint8_t>("reduced flags");
    // The sums of |r| are left out only beside another reduction (reducedOf).
    if ((bits & 3) == 0 || (bits & ~std::uint8_t(7)) != 0)
        throw Malformed("reduced flags " + std::to_string(bits) + " out of range");
    if (r.remaining() != 0)
        throw Malformed("reduced section: " + std::to_string(r.remaining()) + " trailing bytes");
    Reduced red;
    red.noPerTime = bits & Reduced::NoPerTime;
    red.noHistograms = bits & Reduced::NoHistograms;
    red.absIsSum = bits & Reduced::AbsIsSum;
    return red;
}

/// Every neuron's histogram; each count at most `samples`.
void decodeHistograms(Reader& r, Summary& s, std::uint64_t samples)
{
    const auto bins = r.get<std::uint32_t>("histogram bins");
    if (bins < 4 || bins > 4096 || bins % 4 != 0)
        throw Malformed("histogram bins " + std::to_string(bins) + " out of range");
    r.needValues(static_cast<std::uint64_t>(s.shape.nHid), 16 + 8 * std::size_t(bins),
                 "histograms");
    s.neuronHistograms.resize(s.shape.nHid);
    for (NeuronHistogram& h : s.neuronHistograms) {
        h.lo = r.get<double>("histogram origin");
        h.width = r.get<double>("histogram width");
        if (!std::isfinite(h.lo) || !std::isfinite(h.width) || !(h.width > 0))
            throw Malformed("histogram bin layout is not finite and positive");
        readVector(r, h.counts, bins, "histogram counts");
        for (auto c : h.counts)
            if (c < 0 || static_cast<std::uint64_t>(c) > samples)
                throw Malformed("histogram count out of range");
    }
}

/// The states block: every size from the shape, checked against the bytes left
/// before it is allocated; `red` says which parts a reduced summary left out.
void decodeStatesBlock(Reader& r, Summary& s, const Reduced& red)
{
    const Shape& sh = s.shape;
    if (sh.batch == 0 || sh.time == 0 || sh.nHid == 0)
        throw Malformed("states block with an empty shape");
    readMatrix(r, s.trialSum, sh.batch, sh.nHid, "trial sums");
    readMatrix(r, s.trialSumSq, sh.batch, sh.nHid, "trial sums of squares");
    if (red.absIsSum)
        s.trialSumAbs = s.trialSum;
    else
        readMatrix(r, s.trialSumAbs, sh.batch, sh.nHid, "trial sums of |r|");
    if (!red.noPerTime) {
        readMatrix(r, s.timeSum, sh.time, sh.nHid, "time sums");
        readMatrix(r, s.timeSumSq, sh.time, sh.nHid, "time sums of squares");
    }
    readVector(r, s.neuronMin, sh.nHid, "neuron minima");
    readVector(r, s.neuronMax, sh.nHid, "neuron maxima");
    readVector(r, s.neuronNonFinite, sh.nHid, "neuron non-finite counts");
    readVector(r, s.neuronActive, sh.nHid, "neuron active counts");
    const auto samples = checkedProduct(sh.batch, sh.time, "samples");
    for (std::int64_t n = 0; n < sh.nHid; ++n)
        if (s.neuronNonFinite[n] < 0 || s.neuronActive[n] < 0 ||
            static_cast<std::uint64_t>(s.neuronNonFinite[n]) > samples ||
            static_cast<std::uint64_t>(s.neuronActive[n]) > samples)
            throw Malformed("neuron counts out of range");
    s.activeThreshold = r.get<double>("active threshold");
    if (red.noHistograms) {
        const auto bins = r.get<std::uint32_t>("histogram bins");
        if (bins != 0)
            throw Malformed("histogram bins " + std::to_string(bins) +
                            " in a summary without histograms");
        return;
    }
    decodeHistograms(r, s, samples);
}

/// Splits off the extensions at the end of a payload; returns the main part.
std::span<const std::uint8_t> splitExtensions(std::span<const std::uint8_t> payload, Summary& s,
                                              std::optional<Reduced>& reduced)
{
    std::optional<Slice>& slice = s.slice;
    std::optional<RawLayout>& layout = s.layout;
    bool labels = false;
    if (payload.size() < kExtTrailer ||
        std::memcmp(payload.data() + payload.size() - 8, kExtMagic, 8) != 0)
        return payload;
    std::uint64_t len = 0;
    std::memcpy(&len, payload.data() + payload.size() - kExtTrailer, 8);
    if (len > payload.size() - kExtTrailer)
        throw Malformed("extensions claim " + std::to_string(len) + " bytes, more than the payload");
    const std::size_t mainSize = payload.size() - kExtTrailer - static_cast<std::size_t>(len);
    Reader r(payload.subspan(mainSize, static_cast<std::size_t>(len)));
    while (r.remaining() != 0) {
        const auto tag = r.get<std::uint16_t>("extension tag");
        const auto n = r.get<std::uint64_t>("extension length");
        r.need(n, "extension");
        Reader section(r.take(static_cast<std::size_t>(n)));
        if (tag == static_cast<std::uint16_t>(ExtTag::Layout)) {
            if (layout)
                throw Malformed("two layout sections");
            layout = decodeLayout(section);
            continue;
        }
        if (tag == static_cast<std::uint16_t>(ExtTag::Labels)) {
            if (labels)
                throw Malformed("two labels sections");
            labels = true;
            decodeLabels(section, s);
            continue;
        }
        if (tag == static_cast<std::uint16_t>(ExtTag::Run)) {
            if (s.run)
                throw Malformed("two run sections");
            s.run = decodeRun(section);
            continue;
        }
        if (tag == static_cast<std::uint16_t>(ExtTag::Reduced)) {
            if (reduced)
                throw Malformed("two reduced sections");
            reduced = decodeReduced(section);
            continue;
        }
        if (tag != static_cast<std::uint16_t>(ExtTag::Slice))
            throw Malformed("unknown extension " + std::to_string(tag));
        if (slice)
            throw Malformed("two slice sections");
        slice = decodeSlice(section);
    }
    return payload.first(mainSize);
}

/// The shape, and the extension sections checked against it: a slice's shape
/// is its index counts; inputs and weights keep the recording's (whole)
/// dimensions.
void decodeShape(Reader& r, Summary& s)
{
    Shape& sh = s.shape;
    for (std::int64_t* v : {&sh.batch, &sh.time, &sh.nIn, &sh.nHid, &sh.nOut}) {
        *v = r.get<std::int64_t>("shape");
        if (*v < 0 || *v > kMaxDim)
            throw Malformed("shape: dimension " + std::to_string(*v) + " out of range");
    }
    const Shape& whole = s.recordingShape();
    if (s.slice) {
        const std::string bad = checkSlice(*s.slice);
        if (!bad.empty())
            throw Malformed(bad);
        if (sh.batch != std::int64_t(s.slice->trials.size()) ||
            sh.time != std::int64_t(s.slice->steps.size()) ||
            sh.nHid != std::int64_t(s.slice->neurons.size()) || sh.nIn != whole.nIn ||
            sh.nOut != whole.nOut)
            throw Malformed("the slice disagrees with the shape");
    }
    if (!s.trialLabels.empty() && std::int64_t(s.trialLabels.size()) != whole.batch)
        throw Malformed("trial labels for " + std::to_string(s.trialLabels.size()) + " trials of " +
                        std::to_string(whole.batch));
    if (!s.neuronGroups.empty() && std::int64_t(s.neuronGroups.size()) != whole.nHid)
        throw Malformed("neuron groups for " + std::to_string(s.neuronGroups.size()) +
                        " neurons of " + std::to_string(whole.nHid));
    if (s.layout) {
        const std::string bad = checkLayout(*s.layout, whole);
        if (!bad.empty())
            throw Malformed(bad);
    }
}

/// The dataset descriptions, each checked against the shape.
void decodeDatasets(Reader& r, Summary& s)
{
    for (DatasetInfo& d : s.datasets) {
        d.present = r.get<std::uint8_t>("dataset flag") != 0;
        d.file = r.str("dataset file");
        d.path = r.str("dataset path");
        const auto nd = r.get<std::uint32_t>("dataset rank");
        if (nd > kMaxDims)
            throw Malformed("dataset rank " + std::to_string(nd) + " out of range");
        for (std::uint32_t i = 0; i < nd; ++i)
            d.dims.push_back(r.get<std::int64_t>("dataset dims"));
        d.nonFinite = r.get<std::int64_t>("dataset non-finite count");
        if (d.nonFinite < 0)
            throw Malformed("negative non-finite count");
    }
    // The datasets of a raw layout are not reduced yet: marked absent.
    if (s.layout)
        for (const RawDataset& d : s.layout->datasets)
            if (s.has(d.which))
                throw Malformed("dataset '" + std::string(datasetName(d.which)) +
                                "' is both in the summary and in the raw layout");
    // Every present dataset's dimensions are the shape's. (A dimension no
    // data back, such as the batch size of a summary of weights alone, is
    // only a number: nothing is allocated by it; see computeTerms.)
    const Shape& sh = s.shape;
    const Shape& whole = s.recordingShape();
    const std::array<std::vector<std::int64_t>, kDatasetCount> expect = {
        {{sh.batch, sh.time, sh.nOut},
         {sh.batch, sh.time, sh.nOut},
         {sh.batch, sh.time, sh.nHid},
         {whole.batch, whole.time, whole.nIn},
         {whole.nHid, whole.nIn},
         {whole.nHid, whole.nHid},
         {whole.nOut, whole.nHid}}};
    for (int d = 0; d < kDatasetCount; ++d)
        if (s.datasets[d].present && s.datasets[d].dims != expect[d])
            throw Malformed("dataset '" + std::string(datasetName(Dataset(d))) +
                            "' has dimensions that disagree with the shape");
}

void decodeLambdasAndWarnings(Reader& r, Summary& s)
{
    for (auto& l : s.trainingLambdas) {
        const bool has = r.get<std::uint8_t>("lambda flag") != 0;
        const double v = r.get<double>("lambda");
        if (has) {
            if (!std::isfinite(v))
                throw Malformed("a training lambda is not finite");
            l = v;
        }
    }
    const auto nw = r.get<std::uint32_t>("warning count");
    if (nw > kMaxWarnings)
        throw Malformed("warning count " + std::to_string(nw) + " out of range");
    for (std::uint32_t i = 0; i < nw; ++i)
        s.warnings.push_back(r.str("warning"));
}

void decodeMse(Reader& r, Summary& s)
{
    const Shape& sh = s.shape;
    const bool hasMse = r.get<std::uint8_t>("mse flag") != 0;
    if (hasMse != s.hasMse())
        throw Malformed("the mse block disagrees with the dataset flags");
    if (hasMse) {
        if (sh.batch == 0 || sh.time == 0 || sh.nOut == 0)
            throw Malformed("mse block with an empty shape");
        readVector(r, s.sqErrPerTrial, sh.batch, "squared error per trial");
        readVector(r, s.sqErrPerTime, sh.time, "squared error per time step");
    }
}


void decodeStates(Reader& r, Summary& s, const std::optional<Reduced>& reduced)
{
    const bool hasStates = r.get<std::uint8_t>("states flag") != 0;
    if (hasStates != s.hasStates())
        throw Malformed("the states block disagrees with the dataset flags");
    if (reduced && !hasStates)
        throw Malformed("a reduced section in a summary without states");
    if (hasStates)
        decodeStatesBlock(r, s, reduced.value_or(Reduced{}));
}

void decodeWeights(Reader& r, Summary& s)
{
    const Shape& whole = s.recordingShape();
    for (int i = 0; i < 3; ++i) {
        s.weightNormSq[i] = r.get<double>("weight norm");
        const auto rows = r.get<std::int64_t>("weight rows");
        const auto cols = r.get<std::int64_t>("weight cols");
        const auto n = checkedProduct(rows, cols, "weights");
        if (n != 0) {
            const std::array<std::int64_t, 3> er = {whole.nHid, whole.nHid, whole.nOut};
            const std::array<std::int64_t, 3> ec = {whole.nIn, whole.nHid, whole.nHid};
            if (rows != er[i] || cols != ec[i])
                throw Malformed("weight matrix size disagrees with the shape");
            r.needValues(n, sizeof(float), "weights");
            s.weights[i].resize(rows, cols);
            r.array(s.weights[i].data(), n, "weights");
        }
    }
}

/// The recording's loss convention, label, step and epoch.
void decodeNaming(Reader& r, Summary& s)
{
    const auto convention = r.get<std::uint8_t>("loss convention");
    if (convention > 2)
        throw Malformed("loss convention " + std::to_string(convention) + " out of range");
    if (convention != 0)
        s.lossConvention = static_cast<Convention>(convention - 1);
    s.label = r.str("label");
    for (auto* v : {&s.step, &s.epoch}) {
        const bool has = r.get<std::uint8_t>("step flag") != 0;
        const double x = r.get<double>("step");
        if (has) {
            if (!std::isfinite(x))
                throw Malformed("a step or epoch is not finite");
            *v = x;
        }
    }
}

} // namespace

Decoded<Summary> decodeSummary(std::span<const std::uint8_t> payload)
{
    Decoded<Summary> out;
    try {
        Summary s;
        std::optional<Reduced> reduced;
        Reader r(splitExtensions(payload, s, reduced));
        decodeShape(r, s);
        decodeDatasets(r, s);
        decodeLambdasAndWarnings(r, s);
        decodeMse(r, s);
        decodeStates(r, s, reduced);
        decodeWeights(r, s);
        decodeNaming(r, s);
        if (r.remaining() != 0)
            throw Malformed(std::to_string(r.remaining()) + " trailing bytes");
        out.value = std::move(s);
    } catch (const Malformed& e) {
        out.error = std::string("malformed summary: ") + e.what();
    } catch (const std::bad_alloc&) {
        out.error = "malformed summary: too large to hold in memory";
    }
    return out;
}

Decoded<FrameHeader> decodeFrameHeader(std::span<const std::uint8_t> bytes)
{
    Decoded<FrameHeader> out;
    if (bytes.size() < kFrameHeaderSize) {
        out.error = "frame header is truncated";
        return out;
    }
    if (std::memcmp(bytes.data(), kMagic, 4) != 0) {
        out.error = "not a reader frame (bad magic)";
        return out;
    }
    FrameHeader h;
    std::memcpy(&h.version, bytes.data() + 4, 2);
    std::uint16_t type = 0;
    std::memcpy(&type, bytes.data() + 6, 2);
    std::memcpy(&h.length, bytes.data() + 8, 8);
    if (h.version != kWireVersion) {
        out.error = "reader speaks wire version " + std::to_string(h.version) + ", expected " +
                    std::to_string(kWireVersion);
        return out;
    }
    if (type < 1 || type > 6) {
        out.error = "unknown frame type " + std::to_string(type);
        return out;
    }
    h.type = static_cast<FrameType>(type);
    if (h.length > kMaxFramePayload) {
        out.error = "frame claims " + std::to_string(h.length) + " bytes";
        return out;
    }
    out.value = h;
    return out;
}

bool FrameParser::feed(std::span<const std::uint8_t> bytes, std::vector<Event>& events)
{
    if (!m_error.empty())
        return false;
    m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
    std::size_t pos = 0;
    while (m_buffer.size() - pos >= kFrameHeaderSize) {
        const auto header = decodeFrameHeader({m_buffer.data() + pos, kFrameHeaderSize});
        if (!header.value) {
            m_error = header.error;
            return false;
        }
        const FrameHeader& h = *header.value;
        if (m_buffer.size() - pos - kFrameHeaderSize < h.length)
            break;
        std::span<const std::uint8_t> payload(m_buffer.data() + pos + kFrameHeaderSize, h.length);
        Event ev{}; // the fields of the other frame types stay empty
        ev.type = h.type;
        try {
            Reader r(payload);
            switch (h.type) {
            case FrameType::Progress:
                ev.progress.fraction = r.get<double>("progress");
                ev.progress.stage = r.str("progress stage");
                if (!(ev.progress.fraction >= 0.0 && ev.progress.fraction <= 1.0))
                    throw Malformed("progress fraction out of range");
                break;
            case FrameType::Warning:
            case FrameType::Error:
                ev.text = r.str("message");
                break;
            case FrameType::Summary: {
                auto d = decodeSummary(payload);
                if (!d.value) {
                    m_error = d.error;
                    return false;
                }
                ev.summary = std::move(d.value);
                break;
            }
            case FrameType::Gradients: {
                auto d = decodeGradients(payload);
                if (!d.value) {
                    m_error = d.error;
                    return false;
                }
                ev.gradients = std::move(d.value);
                break;
            }
            case FrameType::Stats: {
                auto d = decodeStats(payload);
                if (!d.value) {
                    m_error = d.error;
                    return false;
                }
                ev.stats = std::move(d.value);
                break;
            }
            }
        } catch (const Malformed& e) {
            m_error = std::string("malformed frame: ") + e.what();
            return false;
        }
        events.push_back(std::move(ev));
        pos += kFrameHeaderSize + h.length;
    }
    m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(pos));
    return true;
}

} // namespace rnnloss
