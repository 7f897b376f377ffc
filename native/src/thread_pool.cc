// Persistent workers that spin briefly after each job (jobs come in bursts: one per tfjs kernel)
// and then sleep on a condition variable, so an idle process does not burn a core.
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

  void Run(int64_t total, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    int parts = static_cast<int>(std::min<int64_t>(threads_, total / std::max<int64_t>(grain, 1)));
    if (parts <= 1) {
      fn(0, total);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mu_);  // one job at a time (worker_threads may share us)
    EnsureWorkers(parts - 1);
    fn_ = &fn;
    total_ = total;
    parts_ = parts;
    // Every worker acknowledges every job (idle ones just count down), so no worker can still be
    // reading this job's fields when the next one is published.
    pending_.store(static_cast<int>(workers_), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    RunPart(0);
    while (pending_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
    fn_ = nullptr;
  }

 private:
  void RunPart(int part) {
    int64_t begin = total_ * part / parts_;
    int64_t end = total_ * (part + 1) / parts_;
    if (begin < end) (*fn_)(begin, end);
  }

  void EnsureWorkers(int n) {
    while (static_cast<int>(workers_) < n) {
      int id = static_cast<int>(workers_) + 1;  // part index this worker runs
      // The worker starts from the generation before this job's, so it cannot miss the job.
      uint64_t start = generation_.load(std::memory_order_acquire);
      std::thread([this, id, start] { WorkerLoop(id, start); }).detach();
      ++workers_;
    }
  }

  void WorkerLoop(int id, uint64_t seen) {
    for (;;) {
      // Spin ~50 µs for the next job of a burst, then sleep.
      auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
      uint64_t gen;
      while ((gen = generation_.load(std::memory_order_acquire)) == seen &&
             std::chrono::steady_clock::now() < spin_until) {
        std::this_thread::yield();
      }
      if (gen == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        gen = generation_.load(std::memory_order_acquire);
      }
      seen = gen;
      if (id < parts_) RunPart(id);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  int threads_ = 1;
  size_t workers_ = 0;
  std::mutex run_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t total_ = 0;
  int parts_ = 0;
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
