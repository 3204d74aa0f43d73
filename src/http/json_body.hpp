// JSON at the HTTP boundary: parsing request bodies, reading typed fields,
// and building JSON responses.
//
// Boost.JSON is only called here and in handlers; its exceptions never
// escape these functions. Errors, by code (statuses from error_status.hpp):
//   invalid_json   (400) the body is not well-formed JSON, or not an object;
//   invalid_field  (422) a field is missing, of the wrong type or out of
//                        range; the message names the field.
// "Absent" means the key is missing or its value is null; optional getters
// return nullopt for it, required getters fail.
// String lengths are counted in bytes of UTF-8 (Boost.JSON rejects invalid
// UTF-8 while parsing).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "http/message.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::http {

// Parses `body` as one JSON object.
[[nodiscard]] Result<boost::json::object> parse_json_object(std::string_view body);

// A string field of `min_length`..`max_length` bytes.
[[nodiscard]] Result<std::string> required_string(const boost::json::object& obj,
                                                  std::string_view field,
                                                  std::size_t max_length = 1024,
                                                  std::size_t min_length = 1);
[[nodiscard]] Result<std::optional<std::string>> optional_string(const boost::json::object& obj,
                                                                 std::string_view field,
                                                                 std::size_t max_length = 1024,
                                                                 std::size_t min_length = 0);

// An integer field in [min, max]. A number with a fraction or an exponent
// (1.5, 1e3, 2.0) is not an integer.
[[nodiscard]] Result<std::int64_t> required_int(const boost::json::object& obj,
                                                std::string_view field, std::int64_t min,
                                                std::int64_t max);
[[nodiscard]] Result<std::optional<std::int64_t>> optional_int(const boost::json::object& obj,
                                                               std::string_view field,
                                                               std::int64_t min, std::int64_t max);

[[nodiscard]] Result<bool> required_bool(const boost::json::object& obj, std::string_view field);
[[nodiscard]] Result<std::optional<bool>> optional_bool(const boost::json::object& obj,
                                                        std::string_view field);

// An array of at most `max_items` strings, each of 1..`max_length` bytes.
[[nodiscard]] Result<std::vector<std::string>> required_string_array(const boost::json::object& obj,
                                                                     std::string_view field,
                                                                     std::size_t max_items,
                                                                     std::size_t max_length);
[[nodiscard]] Result<std::optional<std::vector<std::string>>> optional_string_array(
    const boost::json::object& obj, std::string_view field, std::size_t max_items,
    std::size_t max_length);

// The error for a field a handler rejects after reading it (422 invalid_field):
// field_error("cron", "is not a valid cron expression").
Error field_error(std::string_view field, std::string_view problem);

// A response whose body is `body` serialized, Content-Type application/json.
Response json_response(int status, const boost::json::value& body);

// {"error":{"code":..,"message":..}} with the status error_status.hpp picks.
Response error_response(const Error& error);

}  // namespace scriptmesh::http
