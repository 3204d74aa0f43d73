// Runs one function on several threads at once and waits for all of them;
// the first exception thrown on any thread is rethrown to the caller.
#pragma once

#include <functional>

namespace scriptmesh::bench {

// Calls body(0) .. body(threads - 1), each on its own thread.
void run_parallel(int threads, const std::function<void(int index)>& body);

}  // namespace scriptmesh::bench
