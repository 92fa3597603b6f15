#pragma once
// Include in exactly one file of a test program: it replaces the global
// operator new and delete.
//
// The largest single operator-new request, so that the malformed cases can
// check a decoder never sized a std::vector or std::string from an unchecked
// count. (Eigen allocates with malloc; an absurd Eigen allocation shows up as
// the decoder's "too large to hold in memory" message, which the tests refuse.)
// Every form that pairs with these deletes is replaced, so that ASan sees only
// malloc/free pairs. Used by test_codec, test_gradcodec, test_sidecar, test_statspass and
// test_benchwire.

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> g_largestNew{0};

void noteNew(std::size_t n)
{
    std::size_t cur = g_largestNew.load(std::memory_order_relaxed);
    while (n > cur && !g_largestNew.compare_exchange_weak(cur, n, std::memory_order_relaxed)) {
    }
}

void* trackedNew(std::size_t n)
{
    noteNew(n);
    if (void* p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}
} // namespace

void* operator new(std::size_t n)
{
    return trackedNew(n);
}
void* operator new[](std::size_t n)
{
    return trackedNew(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept
{
    noteNew(n);
    return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept
{
    noteNew(n);
    return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept
{
    std::free(p);
}
void operator delete[](void* p) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept
{
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept
{
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept
{
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept
{
    std::free(p);
}
