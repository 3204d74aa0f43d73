#include "core/metrics/exposition.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace scriptmesh::metrics_detail {
namespace {

TEST_SUITE("metrics") {
  TEST_CASE("metrics: numbers are written as Prometheus parses them") {
    CHECK(format_value(0) == "0");
    CHECK(format_value(-0.0) == "0");
    CHECK(format_value(1) == "1");
    CHECK(format_value(-2) == "-2");
    CHECK(format_value(3600) == "3600");
    CHECK(format_value(1e6) == "1000000");
    CHECK(format_value(1700000000) == "1700000000");
    CHECK(format_value(9007199254740992.0) == "9007199254740992");
    CHECK(format_value(0.005) == "0.005");
    CHECK(format_value(0.0005) == "0.0005");
    CHECK(format_value(2.5) == "2.5");
    CHECK(format_value(0.1 + 0.2) == "0.30000000000000004");
    CHECK(format_value(0.00012) == "0.00012");
    CHECK(format_value(-0.25) == "-0.25");
    CHECK(format_value(12345678.9) == "12345678.9");
    CHECK(format_value(1.5e-5) == "1.5e-05");
    CHECK(format_value(1.5e-7) == "1.5e-07");
    CHECK(format_value(1e17) == "1e+17");
    CHECK(format_value(1e300) == "1e+300");
    CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(format_value(std::nan("")) == "NaN");
  }

  TEST_CASE("metrics: label values escape backslash, quote and newline, help escapes two") {
    std::string label;
    append_escaped_label_value(label, "a\\b\"c\nd\te");
    CHECK(label == "a\\\\b\\\"c\\nd\te");
    std::string help;
    append_escaped_help(help, "a\\b\"c\nd");
    CHECK(help == "a\\\\b\"c\\nd");
  }

  TEST_CASE("metrics: sample lines with and without labels") {
    std::string out;
    const std::vector<std::string> names = {"a", "b"};
    const std::vector<std::string> values = {"x", "y\"z"};
    append_sample(out, "m", {}, {}, nullptr, 1);
    append_sample(out, "m", names, values, nullptr, 0.5);
    const ExtraLabel le{"le", "+Inf"};
    append_sample(out, "m_bucket", names, values, &le, 3);
    append_sample(out, "m_bucket", {}, {}, &le, 4);
    CHECK(out ==
          "m 1\n"
          "m{a=\"x\",b=\"y\\\"z\"} 0.5\n"
          "m_bucket{a=\"x\",b=\"y\\\"z\",le=\"+Inf\"} 3\n"
          "m_bucket{le=\"+Inf\"} 4\n");
  }

  TEST_CASE("metrics: name rules") {
    CHECK(is_valid_metric_name("a"));
    CHECK(is_valid_metric_name("_a:b_9"));
    CHECK_FALSE(is_valid_metric_name(""));
    CHECK_FALSE(is_valid_metric_name("9a"));
    CHECK_FALSE(is_valid_metric_name("a-b"));
    CHECK_FALSE(is_valid_metric_name("a b"));
    CHECK(is_valid_label_name("status"));
    CHECK(is_valid_label_name("_x1"));
    CHECK_FALSE(is_valid_label_name("__name__"));
    CHECK_FALSE(is_valid_label_name("a:b"));
    CHECK_FALSE(is_valid_label_name("1a"));
    CHECK_FALSE(is_valid_label_name(""));
  }
}

}  // namespace
}  // namespace scriptmesh::metrics_detail
