// A Clock that moves only when a test says so.
#pragma once

#include <chrono>
#include <mutex>

#include "scriptmesh/clock.hpp"

namespace scriptmesh::testing {

class FakeClock final : public Clock {
 public:
  // Starts at 2026-11-26T10:00:00Z wall time and an arbitrary monotonic origin.
  FakeClock() : wall_(from_unix_seconds(1795687200)), mono_(std::chrono::hours(1000)) {}
  explicit FakeClock(WallTime start) : wall_(start), mono_(std::chrono::hours(1000)) {}

  WallTime now() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  MonoTime monotonic_now() const override {
    std::lock_guard lock(mu_);
    return mono_;
  }

  // Moves both clocks forward by `d`, as real time passing would.
  void advance(std::chrono::nanoseconds d) {
    std::lock_guard lock(mu_);
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
    mono_ += d;
  }
  // Jumps the wall clock only (an operator or NTP moving it); monotonic stays.
  void set_wall(WallTime t) {
    std::lock_guard lock(mu_);
    wall_ = t;
  }

 private:
  mutable std::mutex mu_;
  WallTime wall_;  // guarded by mu_
  MonoTime mono_;  // guarded by mu_
};

}  // namespace scriptmesh::testing
