#include "support/bench_error.hpp"

#include <cstdio>
#include <exception>

namespace scriptmesh::bench {

void fail(const std::string& message) {
  throw BenchError(message);
}

int run_bench(const char* name, const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: FAILED: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace scriptmesh::bench
