#pragma once
// The byte-level pieces of the reader's wire formats (summarycodec.cpp,
// gradcodec.cpp): a writer of little-endian values and a reader that checks
// every size against the bytes that remain before it copies or allocates.
// Internal to the engine's codecs.

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace rnnloss::wire {

/// No string on the wire is longer.
inline constexpr std::uint32_t kMaxString = 1u << 20;

class Writer
{
public:
    template <class T> void put(T v) { append(&v, sizeof(T)); }
    void str(const std::string& s)
    {
        put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
        append(s.data(), s.size());
    }
    template <class T> void raw(const T* data, std::size_t n) { append(data, n * sizeof(T)); }
    void append(const void* p, std::size_t n)
    {
        if (n == 0)
            return;
        const std::size_t at = m_out.size();
        m_out.resize(at + n);
        std::memcpy(m_out.data() + at, p, n);
    }
    std::vector<std::uint8_t>& bytes() { return m_out; }

private:
    std::vector<std::uint8_t> m_out;
};

struct Malformed : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

class Reader
{
public:
    explicit Reader(std::span<const std::uint8_t> in) : m_in(in) {}
    template <class T> T get(const char* what)
    {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, m_in.data() + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return v;
    }
    std::string str(const char* what)
    {
        const auto n = get<std::uint32_t>(what);
        if (n > kMaxString)
            throw Malformed(std::string(what) + ": string of " + std::to_string(n) + " bytes");
        need(n, what);
        std::string s(reinterpret_cast<const char*>(m_in.data() + m_pos), n);
        m_pos += n;
        return s;
    }
    /// Reads `count` values of T, checking that the bytes exist before allocating.
    template <class T> void array(T* out, std::uint64_t count, const char* what)
    {
        needValues(count, sizeof(T), what);
        if (count == 0)
            return; // `out` may be an empty vector's data(), null: memcpy must not see it
        std::memcpy(out, m_in.data() + m_pos, count * sizeof(T));
        m_pos += count * sizeof(T);
    }
    /// Checks that `count` values of `size` bytes each remain (in elements, so
    /// no product can wrap around).
    void needValues(std::uint64_t count, std::size_t size, const char* what) const
    {
        if (count > (m_in.size() - m_pos) / size)
            throw Malformed(std::string(what) + ": the stream ends early (needs " +
                            std::to_string(count) + " values, " +
                            std::to_string((m_in.size() - m_pos) / size) + " left)");
    }
    void need(std::uint64_t n, const char* what) const
    {
        if (n > m_in.size() - m_pos)
            throw Malformed(std::string(what) + ": the stream ends early (needs " +
                            std::to_string(n) + " bytes, " + std::to_string(m_in.size() - m_pos) +
                            " left)");
    }
    std::size_t remaining() const { return m_in.size() - m_pos; }
    /// The next `n` bytes (checked by need() first), as a span of their own.
    std::span<const std::uint8_t> take(std::size_t n)
    {
        need(n, "section");
        const auto part = m_in.subspan(m_pos, n);
        m_pos += n;
        return part;
    }

private:
    std::span<const std::uint8_t> m_in;
    std::size_t m_pos = 0;
};

} // namespace rnnloss::wire
