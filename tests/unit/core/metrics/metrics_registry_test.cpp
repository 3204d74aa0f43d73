#include "scriptmesh/metrics.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace scriptmesh {
namespace {

TEST_SUITE("metrics") {
  TEST_CASE("metrics: a small registry renders exactly") {
    MetricsRegistry registry;
    auto& requests = registry.counter("app_requests_total", "Requests.\nBy route \\ method.",
                                      {"route", "method"});
    auto& temperature = registry.gauge("app_temperature_celsius", "Temperature.");
    auto& queued = registry.gauge("app_queued", "Queued items.", {"queue"});
    requests.labels({"/v1/jobs/{id}", "GET"}).inc();
    requests.labels({"/v1/jobs/{id}", "GET"}).inc(2);
    requests.labels({"/a\"b\\c\nd", "POST"}).inc(0.5);
    temperature.labels({}).set(-3.25);
    queued.labels({"b"}).set(2);
    queued.labels({"a"}).inc(5);
    queued.labels({"a"}).dec();

    CHECK(registry.render() ==
          "# HELP app_requests_total Requests.\\nBy route \\\\ method.\n"
          "# TYPE app_requests_total counter\n"
          "app_requests_total{route=\"/a\\\"b\\\\c\\nd\",method=\"POST\"} 0.5\n"
          "app_requests_total{route=\"/v1/jobs/{id}\",method=\"GET\"} 3\n"
          "# HELP app_temperature_celsius Temperature.\n"
          "# TYPE app_temperature_celsius gauge\n"
          "app_temperature_celsius -3.25\n"
          "# HELP app_queued Queued items.\n"
          "# TYPE app_queued gauge\n"
          "app_queued{queue=\"a\"} 4\n"
          "app_queued{queue=\"b\"} 2\n");
  }

  TEST_CASE("metrics: families without labels start at 0, labelled ones empty") {
    MetricsRegistry registry;
    registry.counter("a_total", "A.");
    registry.counter("b_total", "B.", {"x"});
    registry.histogram("c_seconds", "C.", {}, {1});
    CHECK(registry.render() ==
          "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
          "# HELP b_total B.\n# TYPE b_total counter\n"
          "# HELP c_seconds C.\n# TYPE c_seconds histogram\n"
          "c_seconds_bucket{le=\"1\"} 0\nc_seconds_bucket{le=\"+Inf\"} 0\n"
          "c_seconds_sum 0\nc_seconds_count 0\n");
  }

  TEST_CASE("metrics: histogram buckets are cumulative and end in +Inf, with _sum and _count") {
    MetricsRegistry registry;
    auto& h = registry.histogram("op_duration_seconds", "Op time.", {"op"},
                                 {0.005, 0.5, 1, 3600, std::numeric_limits<double>::infinity()});
    CHECK(h.bounds() == std::vector<double>{0.005, 0.5, 1, 3600});
    auto& read = h.labels({"read"});
    read.observe(0.005);  // on a bound: counted in that bucket (le is <=)
    read.observe(0.25);
    read.observe(1);
    read.observe(5000);  // above every bound: +Inf only
    h.labels({"write"}).observe(0.001);

    CHECK(registry.render() ==
          "# HELP op_duration_seconds Op time.\n"
          "# TYPE op_duration_seconds histogram\n"
          "op_duration_seconds_bucket{op=\"read\",le=\"0.005\"} 1\n"
          "op_duration_seconds_bucket{op=\"read\",le=\"0.5\"} 2\n"
          "op_duration_seconds_bucket{op=\"read\",le=\"1\"} 3\n"
          "op_duration_seconds_bucket{op=\"read\",le=\"3600\"} 3\n"
          "op_duration_seconds_bucket{op=\"read\",le=\"+Inf\"} 4\n"
          "op_duration_seconds_sum{op=\"read\"} 5001.255\n"
          "op_duration_seconds_count{op=\"read\"} 4\n"
          "op_duration_seconds_bucket{op=\"write\",le=\"0.005\"} 1\n"
          "op_duration_seconds_bucket{op=\"write\",le=\"0.5\"} 1\n"
          "op_duration_seconds_bucket{op=\"write\",le=\"1\"} 1\n"
          "op_duration_seconds_bucket{op=\"write\",le=\"3600\"} 1\n"
          "op_duration_seconds_bucket{op=\"write\",le=\"+Inf\"} 1\n"
          "op_duration_seconds_sum{op=\"write\"} 0.001\n"
          "op_duration_seconds_count{op=\"write\"} 1\n");
  }

  TEST_CASE("metrics: a NaN observation counts in +Inf only") {
    std::vector<double> bounds = {1, 2};
    Histogram h(bounds);
    h.observe(std::numeric_limits<double>::quiet_NaN());
    h.observe(-1);  // below every bound: in all of them
    auto s = h.snapshot();
    CHECK(s.cumulative == std::vector<std::uint64_t>{1, 1, 2});
    CHECK(s.count == 2);
    CHECK(std::isnan(s.sum));
  }

  TEST_CASE("metrics: registering a taken name is a bug") {
    MetricsRegistry registry;
    registry.counter("x_total", "X.");
    CHECK_THROWS_AS(registry.counter("x_total", "Again."), std::logic_error);
    CHECK_THROWS_AS(registry.gauge("x_total", "Again."), std::logic_error);
    registry.histogram("h_seconds", "H.", {}, {1});
    CHECK_THROWS_AS(registry.gauge("h_seconds_count", "Clash."), std::logic_error);
    CHECK_THROWS_AS(registry.gauge("h_seconds_bucket", "Clash."), std::logic_error);
    CHECK_THROWS_AS(registry.gauge_callback("h_seconds", "Clash.", {}, {}), std::logic_error);
    registry.gauge("y", "Y.");  // the failures left nothing half-registered
    CHECK(registry.render().find("# TYPE y gauge\ny 0\n") != std::string::npos);
  }

  TEST_CASE("metrics: process metric names are taken when they are enabled") {
    MetricsRegistry with({.process_metrics = true});
    CHECK_THROWS_AS(with.gauge("process_open_fds", "Mine."), std::logic_error);
    MetricsRegistry without;
    CHECK_NOTHROW(without.gauge("process_open_fds", "Mine."));
  }

  TEST_CASE("metrics: bad names, labels, bounds and updates are bugs") {
    MetricsRegistry r;
    CHECK_THROWS_AS(r.counter("requests", "No _total."), std::logic_error);
    CHECK_THROWS_AS(r.gauge("queue_total", "Not a counter."), std::logic_error);
    CHECK_THROWS_AS(r.gauge("bad-name", "Dash."), std::logic_error);
    CHECK_THROWS_AS(r.gauge("g1", "Bad label.", {"a-b"}), std::logic_error);
    CHECK_THROWS_AS(r.gauge("g2", "Reserved label.", {"__x"}), std::logic_error);
    CHECK_THROWS_AS(r.gauge("g3", "Twice.", {"a", "b", "a"}), std::logic_error);
    CHECK_THROWS_AS(r.histogram("h1", "le.", {"le"}, {1}), std::logic_error);
    CHECK_THROWS_AS(r.histogram("h2", "Unsorted.", {}, {1, 0.5}), std::logic_error);
    CHECK_THROWS_AS(r.histogram("h3", "Equal.", {}, {1, 1}), std::logic_error);
    CHECK_THROWS_AS(r.histogram("h4", "NaN.", {}, {std::nan("")}), std::logic_error);
    CHECK_THROWS_AS(r.gauge("g4", "No room.", {"a"}, {.max_children = 0}), std::logic_error);

    auto& c = r.counter("c_total", "C.", {"a", "b"});
    CHECK_THROWS_AS(c.labels({"only one"}), std::logic_error);
    CHECK_THROWS_AS(c.labels({"a", "b", "c"}), std::logic_error);
    CHECK_THROWS_AS(c.labels({"x", "y"}).inc(-1), std::logic_error);
    CHECK_THROWS_AS(c.labels({"x", "y"}).inc(std::nan("")), std::logic_error);
    CHECK(c.labels({"x", "y"}).value() == 0);
  }

  TEST_CASE("metrics: children beyond the cap go to one child labelled other") {
    MetricsRegistry registry;
    auto& c = registry.counter("hits_total", "Hits.", {"path", "code"}, {.max_children = 2});
    Counter& first = c.labels({"/a", "200"});
    c.labels({"/b", "200"}).inc();
    first.inc();
    c.labels({"/c", "500"}).inc(3);
    c.labels({"/d", "404"}).inc(4);
    c.labels({"/a", "200"}).inc();  // known before the cap: still its own child
    CHECK(&c.labels({"/a", "200"}) == &first);
    CHECK(&c.labels({"/zzz", "1"}) == &c.labels({"other", "other"}));

    CHECK(registry.render() ==
          "# HELP hits_total Hits.\n# TYPE hits_total counter\n"
          "hits_total{path=\"/a\",code=\"200\"} 2\n"
          "hits_total{path=\"/b\",code=\"200\"} 1\n"
          "hits_total{path=\"other\",code=\"other\"} 7\n");
  }

  TEST_CASE("metrics: gauge callbacks are read at render time, merged and capped") {
    MetricsRegistry registry;
    int calls = 0;
    std::vector<GaugeSample> samples = {{{"running"}, 2}, {{"pending"}, 5}};
    auto& jobs = registry.gauge_callback("queue_jobs", "Jobs.", {"status"},
                                         [&] {
                                           ++calls;
                                           return samples;
                                         },
                                         {.max_children = 3});
    CHECK(calls == 0);
    CHECK(registry.render() ==
          "# HELP queue_jobs Jobs.\n# TYPE queue_jobs gauge\n"
          "queue_jobs{status=\"pending\"} 5\nqueue_jobs{status=\"running\"} 2\n");
    CHECK(calls == 1);

    samples = {{{"a"}, 1}, {{"b"}, 1}, {{"a"}, 2}, {{"c"}, 1}, {{"d"}, 10}, {{"e"}, 100}};
    CHECK(registry.render() ==
          "# HELP queue_jobs Jobs.\n# TYPE queue_jobs gauge\n"
          "queue_jobs{status=\"a\"} 3\nqueue_jobs{status=\"b\"} 1\n"
          "queue_jobs{status=\"c\"} 1\nqueue_jobs{status=\"other\"} 110\n");

    samples = {{{"too", "many"}, 1}};
    CHECK_THROWS_AS(registry.render(), std::logic_error);

    jobs.set_callback({});
    CHECK(registry.render() == "# HELP queue_jobs Jobs.\n# TYPE queue_jobs gauge\n");
    CHECK(calls == 3);
  }

  TEST_CASE("metrics: a gauge callback may use the registry while it renders") {
    MetricsRegistry registry;
    auto& inner = registry.gauge("inner", "Inner.");
    registry.gauge_callback("outer", "Outer.", {}, [&] {
      inner.labels({}).inc();  // would deadlock if render() held a lock here
      return std::vector<GaugeSample>{{{}, 1}};
    });
    CHECK(registry.render() ==
          "# HELP inner Inner.\n# TYPE inner gauge\ninner 0\n"
          "# HELP outer Outer.\n# TYPE outer gauge\nouter 1\n");
    CHECK(inner.labels({}).value() == 1);
  }

  TEST_CASE("metrics: concurrent updates and renders lose nothing") {
    MetricsRegistry registry;
    auto& c = registry.counter("work_total", "Work.", {"worker"});
    auto& h = registry.histogram("work_seconds", "Work time.", {"worker"}, {0.5, 1});
    auto& g = registry.gauge("work_level", "Level.");
    constexpr int kThreads = 6;
    constexpr int kPerThread = 20000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        // Half the threads share one child, the others make their own.
        const std::string name = t % 2 == 0 ? "shared" : "w" + std::to_string(t);
        Counter& handle = c.labels({name});
        for (int i = 0; i < kPerThread; ++i) {
          if (i % 2 == 0) {
            handle.inc();
          } else {
            c.labels({name}).inc();
          }
          h.labels({"all"}).observe(i % 3 == 0 ? 0.25 : 2);
          g.labels({}).inc();
          g.labels({}).dec();
        }
      });
    }
    std::thread renderer([&] {
      for (int i = 0; i < 50; ++i)
        CHECK(
            registry.render().starts_with("# HELP work_total Work.\n# TYPE work_total counter\n"));
    });
    for (auto& th : threads)
      th.join();
    renderer.join();

    double total = 0;
    for (int t = 0; t < kThreads; ++t) {
      if (t % 2 == 1) total += c.labels({"w" + std::to_string(t)}).value();
    }
    total += c.labels({"shared"}).value();
    CHECK(total == kThreads * kPerThread);
    CHECK(c.labels({"shared"}).value() == (kThreads / 2) * kPerThread);
    auto s = h.labels({"all"}).snapshot();
    CHECK(s.count == static_cast<std::uint64_t>(kThreads * kPerThread));
    const std::uint64_t small = kThreads * ((kPerThread + 2) / 3);
    CHECK(s.cumulative == std::vector<std::uint64_t>{small, small, s.count});
    CHECK(s.sum == doctest::Approx(small * 0.25 + (s.count - small) * 2.0));
    CHECK(g.labels({}).value() == 0);
  }

  TEST_CASE("metrics: exponential buckets") {
    CHECK(exponential_buckets(0.5, 2, 4) == std::vector<double>{0.5, 1, 2, 4});
    CHECK(exponential_buckets(1, 10, 0).empty());
    CHECK_THROWS_AS(exponential_buckets(0, 2, 3), std::logic_error);
    CHECK_THROWS_AS(exponential_buckets(1, 1, 3), std::logic_error);
  }
}

}  // namespace
}  // namespace scriptmesh
