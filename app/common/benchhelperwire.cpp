#include "benchhelperwire.h"

#include "options.h"
#include "wirecodec.h"

#include <cerrno>
#include <unistd.h>

namespace rnnloss::benchwire {

namespace {

constexpr std::uint32_t kMagic = 0x48424e52; // "RNBH"

/// `n` values from an Eigen size (signed): none when it is not positive.
void putRaw(wire::Writer& w, const double* p, Eigen::Index n)
{
    if (n > 0)
        w.raw(p, static_cast<std::size_t>(n));
}

void putValues(wire::Writer& w, const double* p, std::uint64_t n)
{
    w.put<std::uint64_t>(n);
    putRaw(w, p, static_cast<Eigen::Index>(n));
}

void putVector(wire::Writer& w, const std::vector<double>& v)
{
    putValues(w, v.data(), v.size());
}

std::vector<double> getVector(wire::Reader& r, const char* what)
{
    const auto n = r.get<std::uint64_t>(what);
    r.needValues(n, sizeof(double), what); // before the allocation
    std::vector<double> v(n);
    r.array(v.data(), n, what);
    return v;
}

template <class M> void putMatrix(wire::Writer& w, const M& m)
{
    w.put<std::int64_t>(m.rows());
    w.put<std::int64_t>(m.cols());
    putRaw(w, m.data(), m.size());
}

WeightMatrix getMatrix(wire::Reader& r, const char* what)
{
    const auto rows = r.get<std::int64_t>(what), cols = r.get<std::int64_t>(what);
    if (rows < 0 || cols < 0 || (cols > 0 && std::uint64_t(rows) > UINT64_MAX / std::uint64_t(cols)))
        throw wire::Malformed(std::string(what) + ": bad extents");
    const std::uint64_t n = std::uint64_t(rows) * std::uint64_t(cols);
    r.needValues(n, sizeof(double), what);
    WeightMatrix m(rows, cols);
    r.array(m.data(), n, what);
    return m;
}

void putNetwork(wire::Writer& w, const Network& n)
{
    putMatrix(w, n.wIn);
    putMatrix(w, n.wHid);
    putMatrix(w, n.wOut);
    for (const Eigen::VectorXd* b : {&n.bIn, &n.bHid, &n.bOut})
        putValues(w, b->data(), std::uint64_t(b->size()));
    w.put<std::uint8_t>(std::uint8_t(n.activation));
    w.put<double>(n.alpha);
    putMatrix(w, n.initState);
}

Network getNetwork(wire::Reader& r)
{
    Network n;
    n.wIn = getMatrix(r, "W_in");
    n.wHid = getMatrix(r, "W_hid");
    n.wOut = getMatrix(r, "W_out");
    for (Eigen::VectorXd* b : {&n.bIn, &n.bHid, &n.bOut}) {
        const std::vector<double> v = getVector(r, "bias");
        *b = Eigen::Map<const Eigen::VectorXd>(v.data(), Eigen::Index(v.size()));
    }
    const auto a = r.get<std::uint8_t>("activation");
    if (a > std::uint8_t(Activation::Retanh))
        throw wire::Malformed("activation: unknown code " + std::to_string(a));
    n.activation = Activation(a);
    n.alpha = r.get<double>("alpha");
    n.initState = getMatrix(r, "init_state");
    return n;
}

void putRecording(wire::Writer& w, const Recording& rec)
{
    const Shape& s = rec.shape;
    for (std::int64_t v : {s.batch, s.time, s.nIn, s.nHid, s.nOut})
        w.put<std::int64_t>(v);
    for (const auto* v : {&rec.outputs, &rec.targets, &rec.states, &rec.inputs, &rec.wIn,
                          &rec.wHid, &rec.wOut})
        putVector(w, *v);
    for (const std::optional<double>& l : rec.trainingLambdas) {
        w.put<std::uint8_t>(l.has_value());
        w.put<double>(l.value_or(0.0));
    }
}

Recording getRecording(wire::Reader& r)
{
    Recording rec;
    Shape& s = rec.shape;
    for (std::int64_t* v : {&s.batch, &s.time, &s.nIn, &s.nHid, &s.nOut})
        *v = r.get<std::int64_t>("shape");
    for (auto* v : {&rec.outputs, &rec.targets, &rec.states, &rec.inputs, &rec.wIn, &rec.wHid,
                    &rec.wOut})
        *v = getVector(r, "recording array");
    for (std::optional<double>& l : rec.trainingLambdas) {
        const bool has = r.get<std::uint8_t>("lambda") != 0;
        const double v = r.get<double>("lambda");
        if (has)
            l = v;
    }
    return rec;
}

} // namespace

std::vector<std::uint8_t> encodeRequest(const Request& q)
{
    wire::Writer w;
    w.put<std::uint32_t>(kMagic);
    w.put<std::uint8_t>(std::uint8_t(q.op));
    w.str(q.path);
    w.put<std::int64_t>(q.chunkTrials);
    w.put<std::uint8_t>(q.step.has_value());
    w.put<double>(q.step.value_or(0.0));
    w.put<std::uint8_t>(q.network.has_value());
    if (q.network)
        putNetwork(w, *q.network);
    putRecording(w, q.recording);
    w.str(q.dataset);
    w.put<std::uint64_t>(q.slabBytes);
    w.put<std::int32_t>(q.threads);
    w.str(q.generator);
    return std::move(w.bytes());
}

Request decodeRequest(const std::vector<std::uint8_t>& bytes)
{
    wire::Reader r(bytes);
    if (r.get<std::uint32_t>("magic") != kMagic)
        throw wire::Malformed("not a bench-helper request (wrong magic)");
    Request q;
    const auto op = r.get<std::uint8_t>("op");
    if (op < std::uint8_t(Op::Write) || op > std::uint8_t(Op::Quit))
        throw wire::Malformed("op: unknown code " + std::to_string(op));
    q.op = Op(op);
    q.path = r.str("path");
    q.chunkTrials = r.get<std::int64_t>("chunk trials");
    const bool hasStep = r.get<std::uint8_t>("step") != 0;
    const double step = r.get<double>("step");
    if (hasStep)
        q.step = step;
    if (r.get<std::uint8_t>("network") != 0)
        q.network = getNetwork(r);
    q.recording = getRecording(r);
    q.dataset = r.str("dataset");
    q.slabBytes = r.get<std::uint64_t>("slab bytes");
    q.threads = r.get<std::int32_t>("threads");
    q.generator = r.str("generator");
    if (r.remaining() != 0)
        throw wire::Malformed(std::to_string(r.remaining()) + " bytes after the request");
    return q;
}

std::vector<std::uint8_t> encodeAnswer(const Answer& a)
{
    wire::Writer w;
    w.str(a.error);
    w.put<double>(a.value);
    return std::move(w.bytes());
}

Answer decodeAnswer(const std::vector<std::uint8_t>& bytes)
{
    wire::Reader r(bytes);
    Answer a;
    a.error = r.str("error");
    a.value = r.get<double>("value");
    return a;
}

bool sendMessage(int fd, const std::vector<std::uint8_t>& bytes)
{
    wire::Writer head;
    head.put<std::uint64_t>(bytes.size());
    return writeAll(fd, head.bytes()) && writeAll(fd, bytes);
}

namespace {

bool readExact(int fd, std::uint8_t* p, std::size_t n)
{
    while (n > 0) {
        const ssize_t got = ::read(fd, p, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        p += got;
        n -= std::size_t(got);
    }
    return true;
}

} // namespace

std::optional<std::vector<std::uint8_t>> receiveMessage(int fd, std::uint64_t most)
{
    std::uint8_t head[8];
    if (!readExact(fd, head, sizeof head))
        return std::nullopt;
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | head[i];
    if (n > most)
        return std::nullopt;
    std::vector<std::uint8_t> bytes(n);
    if (!readExact(fd, bytes.data(), n))
        return std::nullopt;
    return bytes;
}

} // namespace rnnloss::benchwire
