#include "support/parallel.hpp"

#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace scriptmesh::bench {

void run_parallel(int threads, const std::function<void(int index)>& body) {
  std::mutex mu;
  std::exception_ptr first;  // guarded by mu
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      try {
        body(i);
      } catch (...) {
        std::lock_guard lock(mu);
        if (!first) first = std::current_exception();
      }
    });
  }
  for (std::thread& t : pool)
    t.join();
  if (first) std::rethrow_exception(first);
}

}  // namespace scriptmesh::bench
