// The Prometheus text format (version 0.0.4) at the level of single lines:
// number formatting, escaping, HELP/TYPE headers and sample lines, and the
// name rules the registry checks at registration.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/metrics.hpp"

namespace scriptmesh::metrics_detail {

// A number as Prometheus parses it: "+Inf", "-Inf", "NaN", integers without
// exponent or fraction ("3600", "-2"), anything else in the shortest form
// that reads back to the same double ("0.005", "1.5e-07").
std::string format_value(double value);

// Appends a label value with \ " and newline escaped.
void append_escaped_label_value(std::string& out, std::string_view value);
// Appends help text with \ and newline escaped.
void append_escaped_help(std::string& out, std::string_view help);

// Appends "# HELP name help\n# TYPE name type\n".
void append_header(std::string& out, std::string_view name, std::string_view help, MetricType type);

// One extra label after the family's own ones (a histogram's "le").
struct ExtraLabel {
  std::string_view name;
  std::string_view value;
};

// Appends "name{label="value",...} value\n"; no braces when there are no labels.
void append_sample(std::string& out, std::string_view name,
                   std::span<const std::string> label_names,
                   std::span<const std::string> label_values, const ExtraLabel* extra,
                   double value);

// Whether `name` is a valid metric name / label name (see metrics.hpp).
bool is_valid_metric_name(std::string_view name);
bool is_valid_label_name(std::string_view name);

}  // namespace scriptmesh::metrics_detail
