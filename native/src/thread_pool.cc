// One small persistent pool runs every parallel loop of the addon (elementwise, reductions, conv
// tiles, GEMM row blocks). OpenBLAS itself runs single-threaded (addon.cc): its own spinning workers
// competed with ours for the two cores and made mixed workloads slower on 2 threads than on 1.
//
// Work is split into chunks that threads *claim* from a shared counter, so the calling thread never
// waits for a worker that has not woken up yet: it simply takes the remaining chunks itself, and
// waits only for chunks a worker is actually running. Workers spin briefly after each job (jobs come
// in bursts, one per tfjs kernel) and then sleep on a condition variable.
#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace vaelab {
namespace {

using Fn = std::function<void(int64_t, int64_t)>;

// Set while a thread runs pool work: a ParallelFor nested inside one runs inline instead of
// deadlocking on the one-job-at-a-time lock.
thread_local bool in_pool = false;

class Pool {
 public:
  Pool() {
    int n = static_cast<int>(std::thread::hardware_concurrency());
    if (const char* env = std::getenv("VAELAB_NATIVE_THREADS")) n = std::atoi(env);
    threads_ = std::max(1, std::min(n, 16));
  }

  int threads() const { return threads_; }
  void set_threads(int n) {
    std::lock_guard<std::mutex> lock(run_mu_);
    threads_ = std::max(1, std::min(n, 16));
  }

  void Run(int64_t total, int64_t grain, const Fn& fn) {
    if (total <= 0) return;
    // A few chunks per thread balance uneven progress without much claiming overhead.
    const int64_t by_grain = total / std::max<int64_t>(grain, 1);
    const int64_t chunks = std::min<int64_t>(static_cast<int64_t>(threads_) * 4, by_grain);  // < 2^kCountBits
    if (threads_ <= 1 || chunks <= 1 || in_pool) {
      fn(0, total);
      return;
    }
    in_pool = true;
    struct Reset {
      ~Reset() { in_pool = false; }
    } reset;
    std::lock_guard<std::mutex> run_lock(run_mu_);  // one job at a time
    EnsureWorkers(threads_ - 1);
    fn_.store(&fn, std::memory_order_relaxed);
    total_.store(total, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    const uint64_t gen = ++generation_;
    // Publishing the new (generation, chunks, next chunk = 0) state releases the fields above.
    // seq_cst on this store and the sleepers_ load (and on the worker's side) so that either the
    // worker sees the new state before sleeping or we see it asleep and notify.
    state_.store(Pack(gen, chunks, 0));
    if (sleepers_.load() > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }
    Work(gen, fn, total);
    while (done_.load(std::memory_order_acquire) != chunks) std::this_thread::yield();
  }

 private:
  // state_ packs the job's generation, its chunk count and the next unclaimed chunk, so a claim (a
  // CAS on state_) can only succeed against the chunk count of the job it claims from. The chunk
  // count once lived in a separate field: a worker that read the generation of a finished job and
  // then the fields of the next one (written before that job was published) could claim "chunk
  // c < new count" of the finished job, run it and count it into the next job's done_, which then
  // never equalled its chunk count and the caller spun forever (seen once in ~10^8 jobs).
  static constexpr int kCountBits = 8;  // chunks <= 16 threads * 4 < 256
  static constexpr uint64_t kCountMask = (uint64_t{1} << kCountBits) - 1;
  static uint64_t Pack(uint64_t gen, int64_t chunks, int64_t next) {
    return (gen << (2 * kCountBits)) | (static_cast<uint64_t>(chunks) << kCountBits) | static_cast<uint64_t>(next);
  }
  static uint64_t GenerationOf(uint64_t s) { return s >> (2 * kCountBits); }

  // Claims and runs chunks of job `gen` until none are left; returns at once if the job changed.
  // `fn` and `total` must have been read after a state_ load that showed generation `gen`: a claim
  // succeeds only while job `gen` still has unclaimed chunks, i.e. before the next job's fields exist.
  void Work(uint64_t gen, const Fn& fn, int64_t total) {
    for (;;) {
      uint64_t s = state_.load(std::memory_order_acquire);
      if (GenerationOf(s) != gen) return;
      const int64_t next = static_cast<int64_t>(s & kCountMask);
      const int64_t chunks = static_cast<int64_t>((s >> kCountBits) & kCountMask);
      if (next >= chunks) return;
      if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) continue;
      const int64_t begin = total * next / chunks, end = total * (next + 1) / chunks;
      if (begin < end) fn(begin, end);
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void EnsureWorkers(int n) {
    while (static_cast<int>(workers_) < n) {
      std::thread([this] { WorkerLoop(); }).detach();
      ++workers_;
    }
  }

  void WorkerLoop() {
    in_pool = true;
    uint64_t seen = 0;
    for (;;) {
      auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(100);
      uint64_t gen;
      while ((gen = GenerationOf(state_.load(std::memory_order_acquire))) == seen &&
             std::chrono::steady_clock::now() < spin_until) {
        std::this_thread::yield();
      }
      if (gen == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        sleepers_.fetch_add(1);
        cv_.wait(lock, [&] { return GenerationOf(state_.load()) != seen; });
        sleepers_.fetch_sub(1);
        gen = GenerationOf(state_.load(std::memory_order_acquire));
      }
      seen = gen;
      // Read the job's fields, then claim against the generation we read them under (see Work).
      const Fn* fn = fn_.load(std::memory_order_relaxed);
      const int64_t total = total_.load(std::memory_order_relaxed);
      if (fn) Work(gen, *fn, total);
    }
  }

  int threads_ = 1;
  size_t workers_ = 0;
  std::mutex run_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<int> sleepers_{0};
  std::atomic<uint64_t> state_{0};  // Pack(generation, chunks, next unclaimed chunk)
  uint64_t generation_ = 0;         // written by the running thread only (under run_mu_)
  std::atomic<const Fn*> fn_{nullptr};
  std::atomic<int64_t> total_{0};
  std::atomic<int64_t> done_{0};
};

// Never destroyed: detached workers may still be parked on it at process exit.
Pool& GetPool() {
  static Pool* pool = new Pool();
  return *pool;
}

}  // namespace

void ParallelFor(int64_t total, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  GetPool().Run(total, grain, fn);
}

int PoolThreads() { return GetPool().threads(); }
void SetPoolThreads(int n) { GetPool().set_threads(n); }

}  // namespace vaelab
