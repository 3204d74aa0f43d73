// How a benchmark gives up. A benchmark that cannot run (a binary does not
// start, a request is refused, a job fails) is not a measurement: it throws
// BenchError from wherever it noticed, and run_bench() prints the reason and
// exits 1. A target that is missed is a measurement, printed, exit 0.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

namespace scriptmesh::bench {

class BenchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws BenchError(message).
[[noreturn]] void fail(const std::string& message);

// Runs `body` and answers its exit status; a BenchError (or any other
// exception) is printed to stderr as "<name>: FAILED: <what>" and answers 1.
int run_bench(const char* name, const std::function<int()>& body);

}  // namespace scriptmesh::bench
