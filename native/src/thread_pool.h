// A tiny persistent pool for splitting large elementwise loops across cores. GEMM threads are
// OpenBLAS's own; this pool is only used between BLAS calls, so the two do not run at once.
#pragma once
#include <cstdint>
#include <functional>

namespace vaelab {

// Runs fn(begin, end) over [0, total) in contiguous chunks, on the calling thread plus the pool's
// workers when total >= 2 * grain; otherwise inline. Chunks never overlap, so fn may write out[i].
void ParallelFor(int64_t total, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Threads ParallelFor uses (1 = no workers). Set before first use or any time between calls.
int PoolThreads();
void SetPoolThreads(int n);

}  // namespace vaelab
