// The AVX2 + FMA build of gradkernel.cpp (compiled with -mavx2 -mfma; see
// engine/CMakeLists.txt), called only when the CPU has both.
//
// Why Eigen is renamed here: the same Eigen templates are instantiated in the
// baseline files too, and the linker keeps one copy of each inline function.
// If it kept this file's, a CPU without AVX2 would run AVX2 instructions. In
// its own namespace, no Eigen function of this file has the name of another's.
// The file includes nothing else that could be emitted out of line (checked
// with nm: its only external symbols are gemmAvx2 and rnnloss_eigen_avx2::...).
#define Eigen rnnloss_eigen_avx2
#define RNNLOSS_GEMM_NAME gemmAvx2
#include "gradkernel.cpp"
