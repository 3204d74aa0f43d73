#include "http/json_body.hpp"

#include <exception>
#include <system_error>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "http/error_status.hpp"

namespace scriptmesh::http {
namespace {

constexpr std::string_view kJsonContentType = "application/json";

// The value of `field`, or nullptr when the key is missing or null.
const boost::json::value* find_present(const boost::json::object& obj, std::string_view field) {
  const boost::json::value* v = obj.if_contains(field);
  return v == nullptr || v->is_null() ? nullptr : v;
}

Error missing(std::string_view field) {
  return field_error(field, "is required");
}

Result<std::string> to_string_field(const boost::json::value& v, std::string_view field,
                                    std::size_t min_length, std::size_t max_length) {
  if (!v.is_string()) return field_error(field, "must be a string");
  const boost::json::string& s = v.get_string();
  if (s.size() < min_length || s.size() > max_length) {
    if (min_length == 0)
      return field_error(field, fmt::format("must be at most {} bytes long", max_length));
    return field_error(field, fmt::format("must be {} to {} bytes long", min_length, max_length));
  }
  return std::string(s.data(), s.size());
}

Result<std::int64_t> to_int_field(const boost::json::value& v, std::string_view field,
                                  std::int64_t min, std::int64_t max) {
  Error out_of_range = field_error(field, fmt::format("must be between {} and {}", min, max));
  if (v.is_uint64()) {
    // The parser yields uint64 only above INT64_MAX, but a value built in
    // code may hold a small one.
    std::uint64_t u = v.get_uint64();
    if (max < 0 || u > static_cast<std::uint64_t>(max)) return out_of_range;
    std::int64_t n = static_cast<std::int64_t>(u);
    if (n < min) return out_of_range;
    return n;
  }
  if (!v.is_int64()) return field_error(field, "must be an integer");
  std::int64_t n = v.get_int64();
  if (n < min || n > max) return out_of_range;
  return n;
}

Result<std::vector<std::string>> to_string_array(const boost::json::value& v,
                                                 std::string_view field, std::size_t max_items,
                                                 std::size_t max_length) {
  if (!v.is_array()) return field_error(field, "must be an array of strings");
  const boost::json::array& arr = v.get_array();
  if (arr.size() > max_items) {
    return field_error(field, fmt::format("must have at most {} items", max_items));
  }
  std::vector<std::string> out;
  out.reserve(arr.size());
  for (const boost::json::value& item : arr) {
    if (!item.is_string()) return field_error(field, "must be an array of strings");
    const boost::json::string& s = item.get_string();
    if (s.empty() || s.size() > max_length) {
      return field_error(field, fmt::format("items must be 1 to {} bytes long", max_length));
    }
    out.emplace_back(s.data(), s.size());
  }
  return out;
}

}  // namespace

Result<boost::json::object> parse_json_object(std::string_view body) {
  boost::json::value parsed;
  try {
    std::error_code ec;
    parsed = boost::json::parse(body, ec);
    if (ec) return Error::invalid_argument("invalid_json", "request body is not valid JSON");
  } catch (const std::exception&) {
    // Only allocation failures throw from the error_code overload.
    return Error::invalid_argument("invalid_json", "request body could not be parsed");
  }
  if (!parsed.is_object()) {
    return Error::invalid_argument("invalid_json", "request body must be a JSON object");
  }
  return std::move(parsed.get_object());
}

Error field_error(std::string_view field, std::string_view problem) {
  return Error::invalid_argument("invalid_field", fmt::format("field \"{}\" {}", field, problem));
}

Result<std::string> required_string(const boost::json::object& obj, std::string_view field,
                                    std::size_t max_length, std::size_t min_length) {
  const boost::json::value* v = find_present(obj, field);
  if (v == nullptr) return missing(field);
  return to_string_field(*v, field, min_length, max_length);
}

Result<std::optional<std::string>> optional_string(const boost::json::object& obj,
                                                   std::string_view field, std::size_t max_length,
                                                   std::size_t min_length) {
  const boost::json::value* v = find_present(obj, field);
  if (v == nullptr) return std::optional<std::string>();
  auto s = to_string_field(*v, field, min_length, max_length);
  SCRIPTMESH_RETURN_IF_ERROR(s);
  return std::optional<std::string>(std::move(*s));
}

Result<std::int64_t> required_int(const boost::json::object& obj, std::string_view field,
                                  std::int64_t min, std::int64_t max) {
  const boost::json::value* v = find_present(obj, field);
  if (v == nullptr) return missing(field);
  return to_int_field(*v, field, min, max);
}

Result<std::optional<std::int64_t>> optional_int(const boost::json::object& obj,
                                                 std::string_view field, std::int64_t min,
                                                 std::int64_t max) {
  const boost::json::value* v = find_present(obj, field);
  if (v == nullptr) return std::optional<std::int64_t>();
  auto n = to_int_field(*v, field, min, max);
  SCRIPTMESH_RETURN_IF_ERROR(n);
  return std::optional<std::int64_t>(*n);
}

Result<bool> required_bool(const boost::json::object& obj, std::string_view field) {
  const boost::json::value* v = find_present(obj, field);
  if (v == nullptr) return missing(field);
  if (!v->is_bool()) return field_error(field, "must be true or false");
  return v->get_bool();
}

Result<std::optional<bool>> optional_bool(const boost::json::object& obj, std::string_view field) {
  const boost::json::value* v = find_present(obj, field);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_bool()) return field_error(field, "must be true or false");
  return std::optional<bool>(v->get_bool());
}

Result<std::vector<std::string>> required_string_array(const boost::json::object& obj,
                                                       std::string_view field,
                                                       std::size_t max_items,
                                                       std::size_t max_length) {
  const boost::json::value* v = find_present(obj, field);
  if (v == nullptr) return missing(field);
  return to_string_array(*v, field, max_items, max_length);
}

Result<std::optional<std::vector<std::string>>> optional_string_array(
    const boost::json::object& obj, std::string_view field, std::size_t max_items,
    std::size_t max_length) {
  const boost::json::value* v = find_present(obj, field);
  if (v == nullptr) return std::optional<std::vector<std::string>>();
  auto items = to_string_array(*v, field, max_items, max_length);
  SCRIPTMESH_RETURN_IF_ERROR(items);
  return std::optional<std::vector<std::string>>(std::move(*items));
}

Response json_response(int status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.content_type = std::string(kJsonContentType);
  r.body = boost::json::serialize(body);
  return r;
}

Response error_response(const Error& error) {
  boost::json::object inner;
  inner["code"] = error.code();
  inner["message"] = error.message();
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return json_response(http_status(error), outer);
}

}  // namespace scriptmesh::http
