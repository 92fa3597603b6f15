// Compiled twice (gradkernel.h): as itself for the baseline instruction set,
// and included by gradkernel_avx2.cpp with RNNLOSS_GEMM_NAME set.
#ifndef RNNLOSS_GEMM_NAME
#define RNNLOSS_GEMM_NAME gemmBaseline
#define RNNLOSS_GEMM_DISPATCH 1
#endif

#include "gradkernel.h"

#include <Eigen/Core>

namespace rnnloss::gradkernel {

namespace {

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using CMap = Eigen::Map<const Mat, 0, Eigen::OuterStride<>>;
using MMap = Eigen::Map<Mat, 0, Eigen::OuterStride<>>;

template <class A, class B> void product(const A& a, const B& b, bool accumulate, MMap& c)
{
    if (accumulate)
        c.noalias() += a * b;
    else
        c.noalias() = a * b;
}

} // namespace

void RNNLOSS_GEMM_NAME(bool transA, bool transB, std::int64_t m, std::int64_t n, std::int64_t k,
                       const double* a, std::int64_t lda, const double* b, std::int64_t ldb,
                       bool accumulate, double* c, std::int64_t ldc)
{
    MMap cm(c, m, n, Eigen::OuterStride<>(ldc));
    const CMap am(a, transA ? k : m, transA ? m : k, Eigen::OuterStride<>(lda));
    const CMap bm(b, transB ? n : k, transB ? k : n, Eigen::OuterStride<>(ldb));
    if (transA && transB)
        product(am.transpose(), bm.transpose(), accumulate, cm);
    else if (transA)
        product(am.transpose(), bm, accumulate, cm);
    else if (transB)
        product(am, bm.transpose(), accumulate, cm);
    else
        product(am, bm, accumulate, cm);
}

} // namespace rnnloss::gradkernel

#ifdef RNNLOSS_GEMM_DISPATCH
namespace rnnloss::gradkernel {

#ifdef RNNLOSS_HAVE_GEMM_AVX2
void gemmAvx2(bool, bool, std::int64_t, std::int64_t, std::int64_t, const double*, std::int64_t,
              const double*, std::int64_t, bool, double*, std::int64_t);
#endif

namespace {

bool cpuHasAvx2Fma()
{
#if defined(__x86_64__) || defined(__i386__)
    // GCC's check includes the operating system's support (XGETBV).
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

} // namespace

std::span<const Gemm> gemms()
{
    static const Gemm all[] = {
        {"baseline", &gemmBaseline, true},
#ifdef RNNLOSS_HAVE_GEMM_AVX2
        {"avx2+fma", &gemmAvx2, cpuHasAvx2Fma()},
#endif
    };
    return all;
}

const Gemm& bestGemm()
{
    static const Gemm& best = []() -> const Gemm& {
        const auto all = gemms();
        for (std::size_t i = all.size(); i-- > 1;)
            if (all[i].supported)
                return all[i];
        return all[0];
    }();
    return best;
}

} // namespace rnnloss::gradkernel
#endif
