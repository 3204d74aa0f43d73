#include "core/agent/serial_executor.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

namespace scriptmesh {
namespace {

TEST_CASE("serial executor: tasks run one at a time, in the order posted, off the caller") {
  std::vector<int> order;  // touched only by the executor's thread
  std::atomic<int> running{0};
  bool overlapped = false;
  std::promise<std::thread::id> ran_on;
  {
    SerialExecutor executor;
    for (int i = 0; i < 100; ++i) {
      executor.post([&, i] {
        if (++running != 1) overlapped = true;
        if (i == 0) ran_on.set_value(std::this_thread::get_id());
        order.push_back(i);
        --running;
      });
    }
    CHECK(ran_on.get_future().get() != std::this_thread::get_id());
  }  // the destructor runs what is still queued
  REQUIRE(order.size() == 100);
  for (int i = 0; i < 100; ++i)
    CHECK(order[static_cast<std::size_t>(i)] == i);
  CHECK_FALSE(overlapped);
}

TEST_CASE("serial executor: a task may post another, which still runs before shutdown") {
  std::atomic<int> done{0};
  {
    SerialExecutor executor;
    std::promise<void> first_ran;
    executor.post([&] {
      executor.post([&] { ++done; });
      ++done;
      first_ran.set_value();
    });
    first_ran.get_future().wait();
  }
  CHECK(done == 2);
}

}  // namespace
}  // namespace scriptmesh
