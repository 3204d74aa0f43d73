#include "http/json_body.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <string>

#include <boost/json.hpp>

#include "http/error_status.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::http {
namespace {

boost::json::object object_of(std::string_view text) {
  auto parsed = parse_json_object(text);
  REQUIRE_OK(parsed);
  return *parsed;
}

// Checks that `expr` failed with invalid_field, a 422, naming `field`.
#define CHECK_FIELD_ERROR(expr, field)                                      \
  do {                                                                      \
    const auto& r_ = (expr);                                                \
    REQUIRE_FALSE(r_.ok());                                                 \
    CHECK(r_.error().code() == "invalid_field");                            \
    CHECK(http_status(r_.error()) == 422);                                  \
    CHECK(r_.error().message().find("\"" field "\"") != std::string::npos); \
  } while (false)

TEST_CASE("bodies must be one well-formed JSON object") {
  for (std::string_view bad : {"", "{", "{\"a\":}", "nul", "{\"a\":1} trailing", "\"\xff\""}) {
    CAPTURE(bad);
    auto r = parse_json_object(bad);
    CHECK_ERROR_CODE(r, "invalid_json");
    CHECK(http_status(r.error()) == 400);
  }
  for (std::string_view not_object : {"[]", "1", "\"s\"", "null", "true"}) {
    CAPTURE(not_object);
    CHECK_ERROR_CODE(parse_json_object(not_object), "invalid_json");
  }
  // Nesting deeper than the parser allows is refused, not a crash.
  CHECK_ERROR_CODE(parse_json_object("{\"a\":" + std::string(10000, '[') + "}"), "invalid_json");
  CHECK(object_of(R"({"a":1})").at("a") == 1);
}

TEST_CASE("string fields") {
  auto obj = object_of(R"({"name":"web-1","empty":"","num":5,"nil":null,"long":"abcdef"})");
  CHECK(*required_string(obj, "name") == "web-1");
  CHECK_FIELD_ERROR(required_string(obj, "missing"), "missing");
  CHECK_FIELD_ERROR(required_string(obj, "nil"), "nil");
  CHECK_FIELD_ERROR(required_string(obj, "num"), "num");
  CHECK_FIELD_ERROR(required_string(obj, "empty"), "empty");  // min length 1 by default
  CHECK_FIELD_ERROR(required_string(obj, "long", 5), "long");
  CHECK(*required_string(obj, "long", 6) == "abcdef");

  CHECK_FALSE(optional_string(obj, "missing")->has_value());
  CHECK_FALSE(optional_string(obj, "nil")->has_value());
  CHECK(optional_string(obj, "empty")->value().empty());
  CHECK(optional_string(obj, "name")->value() == "web-1");
  CHECK_FIELD_ERROR(optional_string(obj, "num"), "num");
  CHECK_FIELD_ERROR(optional_string(obj, "long", 3), "long");
}

TEST_CASE("integer fields with ranges") {
  auto obj = object_of(
      R"({"t":30,"neg":-4,"frac":1.5,"whole_double":2.0,"exp":1e3,"str":"30","big":18446744073709551615})");
  CHECK(*required_int(obj, "t", 1, 86400) == 30);
  CHECK(*required_int(obj, "neg", -10, 10) == -4);
  CHECK_FIELD_ERROR(required_int(obj, "t", 31, 40), "t");
  CHECK_FIELD_ERROR(required_int(obj, "neg", 0, 10), "neg");
  CHECK_FIELD_ERROR(required_int(obj, "frac", 0, 10), "frac");
  CHECK_FIELD_ERROR(required_int(obj, "whole_double", 0, 10), "whole_double");
  CHECK_FIELD_ERROR(required_int(obj, "exp", 0, 10000), "exp");
  CHECK_FIELD_ERROR(required_int(obj, "str", 0, 100), "str");
  CHECK_FIELD_ERROR(required_int(obj, "big", 0, std::numeric_limits<std::int64_t>::max()), "big");
  CHECK_FIELD_ERROR(required_int(obj, "missing", 0, 1), "missing");

  CHECK_FALSE(optional_int(obj, "missing", 0, 1)->has_value());
  CHECK(optional_int(obj, "t", 0, 100)->value() == 30);
  CHECK_FIELD_ERROR(optional_int(obj, "t", 0, 10), "t");

  boost::json::object built;
  built["u"] = 7u;  // a uint64 value built in code
  CHECK(*required_int(built, "u", 0, 10) == 7);
  CHECK_FIELD_ERROR(required_int(built, "u", 8, 10), "u");
  CHECK_FIELD_ERROR(required_int(built, "u", -10, -1), "u");
}

TEST_CASE("boolean fields") {
  auto obj = object_of(R"({"on":true,"off":false,"num":1,"nil":null})");
  CHECK(*required_bool(obj, "on"));
  CHECK_FALSE(*required_bool(obj, "off"));
  CHECK_FIELD_ERROR(required_bool(obj, "num"), "num");
  CHECK_FIELD_ERROR(required_bool(obj, "nil"), "nil");
  CHECK_FALSE(optional_bool(obj, "nil")->has_value());
  CHECK(optional_bool(obj, "off")->value() == false);
  CHECK_FIELD_ERROR(optional_bool(obj, "num"), "num");
}

TEST_CASE("string array fields") {
  auto obj = object_of(
      R"({"tags":["a","bb"],"none":[],"mixed":["a",1],"blank":["a",""],"str":"a","nil":null})");
  CHECK(*required_string_array(obj, "tags", 10, 10) == std::vector<std::string>{"a", "bb"});
  CHECK(required_string_array(obj, "none", 10, 10)->empty());
  CHECK_FIELD_ERROR(required_string_array(obj, "tags", 1, 10), "tags");
  CHECK_FIELD_ERROR(required_string_array(obj, "tags", 10, 1), "tags");
  CHECK_FIELD_ERROR(required_string_array(obj, "mixed", 10, 10), "mixed");
  CHECK_FIELD_ERROR(required_string_array(obj, "blank", 10, 10), "blank");
  CHECK_FIELD_ERROR(required_string_array(obj, "str", 10, 10), "str");
  CHECK_FIELD_ERROR(required_string_array(obj, "nil", 10, 10), "nil");
  CHECK_FALSE(optional_string_array(obj, "nil", 10, 10)->has_value());
  CHECK(optional_string_array(obj, "tags", 10, 10)->value().size() == 2);
  CHECK_FIELD_ERROR(optional_string_array(obj, "mixed", 10, 10), "mixed");
}

TEST_CASE("response builders") {
  Response ok = json_response(201, boost::json::object{{"id", "job_1"}});
  CHECK(ok.status == 201);
  CHECK(ok.content_type == "application/json");
  CHECK(ok.body == R"({"id":"job_1"})");

  Response err = error_response(Error::resource_exhausted("plan_limit_reached", "3 agents max"));
  CHECK(err.status == 402);
  CHECK(err.content_type == "application/json");
  CHECK(boost::json::parse(err.body) ==
        boost::json::parse(R"({"error":{"code":"plan_limit_reached","message":"3 agents max"}})"));

  // Messages with quotes and control characters stay valid JSON.
  Response odd = error_response(field_error("na\"me", "is \n odd"));
  CHECK(odd.status == 422);
  CHECK(boost::json::parse(odd.body).at("error").at("message") == "field \"na\"me\" is \n odd");
}

}  // namespace
}  // namespace scriptmesh::http
