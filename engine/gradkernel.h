#pragma once
// The large matrix products of the gradient pass (gradient.cpp), built once per
// instruction set and chosen at run time: gradkernel.cpp is compiled for the
// baseline x86-64 the whole program targets and, on x86-64, a second time with
// AVX2 and FMA (gradkernel_avx2.cpp), which is used when the CPU has them.
// The interface is raw pointers only, so that no type of the two builds is
// shared (see gradkernel_avx2.cpp for why that matters).

#include <cstdint>
#include <span>

namespace rnnloss::gradkernel {

/// C (m x n) = op(A) op(B), or C += op(A) op(B) when `accumulate`; every
/// matrix row-major with the given leading dimension (elements from one row
/// to the next). op(A) is m x k: A itself (m x k) or, with transA, the
/// transpose of A stored k x m; likewise op(B) is k x n. C must not overlap A or B.
using GemmFn = void (*)(bool transA, bool transB, std::int64_t m, std::int64_t n, std::int64_t k,
                        const double* a, std::int64_t lda, const double* b, std::int64_t ldb,
                        bool accumulate, double* c, std::int64_t ldc);

struct Gemm
{
    const char* name; ///< "baseline", "avx2+fma"
    GemmFn fn;
    bool supported; ///< this CPU runs it
};

/// Every build of the product in this binary, the baseline first.
std::span<const Gemm> gemms();
/// The fastest build this CPU runs.
const Gemm& bestGemm();

} // namespace rnnloss::gradkernel
