#include "core/metrics/exposition.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace scriptmesh::metrics_detail {
namespace {

// Integers up to 2^53 are exact in a double; beyond that the shortest
// round-trip form is shorter than the digits and just as exact.
constexpr double kMaxPlainInteger = 9007199254740992.0;
// Below 1e-4, fractions switch to exponent form (as printf's %g does).
constexpr int kMinPlainExponent = -4;
// Anything from 1e16 up is an integer past kMaxPlainInteger: exponent form.
constexpr int kMaxPlainExponent = 15;

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

bool is_name_start(char c, bool colon_allowed) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (colon_allowed && c == ':');
}

bool is_name_char(char c, bool colon_allowed) {
  return is_name_start(c, colon_allowed) || (c >= '0' && c <= '9');
}

bool is_valid_name(std::string_view name, bool colon_allowed) {
  if (name.empty() || !is_name_start(name.front(), colon_allowed)) return false;
  for (char c : name) {
    if (!is_name_char(c, colon_allowed)) return false;
  }
  return true;
}

}  // namespace

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  std::to_chars_result r{};
  if (std::trunc(value) == value && std::fabs(value) <= kMaxPlainInteger) {
    r = std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value));
  } else {
    // Shortest round-trip digits, written plainly unless the exponent is
    // small: "0.0005" rather than to_chars' shorter "5e-04", as other
    // clients write bucket bounds (le="0.0005" and le="5e-04" would be
    // different series to Prometheus).
    r = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    const std::string_view sci(buffer, static_cast<std::size_t>(r.ptr - buffer));
    int exponent = 0;
    const std::size_t e = sci.find('e') + 1;
    const char* first = sci.data() + e + (sci[e] == '+' ? 1 : 0);
    std::from_chars(first, sci.data() + sci.size(), exponent);
    if (exponent >= kMinPlainExponent && exponent <= kMaxPlainExponent) {
      r = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    }
  }
  return std::string(buffer, r.ptr);
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_escaped_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   MetricType type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_escaped_help(out, help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type_name(type);
  out += '\n';
}

void append_sample(std::string& out, std::string_view name,
                   std::span<const std::string> label_names,
                   std::span<const std::string> label_values, const ExtraLabel* extra,
                   double value) {
  out += name;
  if (!label_names.empty() || extra != nullptr) {
    out += '{';
    for (std::size_t i = 0; i < label_names.size(); ++i) {
      if (i > 0) out += ',';
      out += label_names[i];
      out += "=\"";
      append_escaped_label_value(out, label_values[i]);
      out += '"';
    }
    if (extra != nullptr) {
      if (!label_names.empty()) out += ',';
      out += extra->name;
      out += "=\"";
      append_escaped_label_value(out, extra->value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += format_value(value);
  out += '\n';
}

bool is_valid_metric_name(std::string_view name) {
  return is_valid_name(name, true);
}

bool is_valid_label_name(std::string_view name) {
  return is_valid_name(name, false) && !name.starts_with("__");
}

}  // namespace scriptmesh::metrics_detail
