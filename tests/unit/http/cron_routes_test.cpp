// GET /v1/cron/preview called directly with a fake clock: query parsing,
// defaults, the answer's shape and every 422.
#include "http/api/cron_routes.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>

#include "scriptmesh/cron.hpp"
#include "support/fake_clock.hpp"

namespace scriptmesh::http {
namespace {

namespace json = boost::json;
using testing::FakeClock;

RequestContext member() {
  RequestContext ctx;
  ctx.principal = Principal{TenantId("tnt_a"), UserId("usr_a"), "member", {}, "access_token", ""};
  return ctx;
}

Response preview(Clock& clock, Params query) {
  Request request;
  request.path = "/v1/cron/preview";
  request.query = std::move(query);
  RequestContext ctx = member();
  return api::preview_cron(clock, request, ctx);
}

std::vector<std::string> runs_of(const Response& response) {
  INFO(response.body);
  REQUIRE(response.status == 200);
  const json::value body = json::parse(response.body);
  REQUIRE(body.as_object().size() == 1);
  std::vector<std::string> out;
  for (const json::value& v : body.at("runs").as_array())
    out.emplace_back(v.as_string());
  return out;
}

// {code, message} of an error answer.
std::pair<std::string, std::string> error_of(const Response& response) {
  const json::value body = json::parse(response.body);
  return {std::string(body.at("error").at("code").as_string()),
          std::string(body.at("error").at("message").as_string())};
}

using S = std::vector<std::string>;

TEST_CASE("cron preview route: runs after `from` in the zone") {
  FakeClock clock;
  CHECK(runs_of(preview(clock, {{"expr", "30 2 * * *"},
                                {"tz", "America/New_York"},
                                {"from", "2026-03-07T12:00:00Z"},
                                {"count", "3"}})) ==
        S{"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"});
}

TEST_CASE("cron preview route: defaults are UTC, the clock's now and 5 runs") {
  FakeClock clock;  // 2026-11-26T10:00:00Z
  CHECK(runs_of(preview(clock, {{"expr", "@daily"}})) ==
        S{"2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z",
          "2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z"});
  clock.advance(std::chrono::hours(24));
  CHECK(runs_of(preview(clock, {{"expr", "0 12 * * *"}, {"count", "1"}})) ==
        S{"2026-11-27T12:00:00Z"});
  CHECK(runs_of(preview(clock, {{"expr", "* * * * *"}, {"count", "100"}})).size() == 100);
}

TEST_CASE(
    "cron preview route: an invalid expression is 422 invalid_cron with parse_cron's message") {
  FakeClock clock;
  const Response response = preview(clock, {{"expr", "0 0 30 2 *"}});
  CHECK(response.status == 422);
  const auto [code, message] = error_of(response);
  CHECK(code == "invalid_cron");
  auto parsed = parse_cron("0 0 30 2 *");
  REQUIRE_FALSE(parsed.ok());
  CHECK(message == parsed.error().message());
  CHECK(message.starts_with("day-of-month: "));
}

TEST_CASE("cron preview route: bad parameters are 422 naming them") {
  FakeClock clock;
  struct Case {
    Params query;
    const char* code;
    const char* fragment;
  };
  const Case cases[] = {
      {{}, "invalid_field", "expr"},
      {{{"expr", ""}}, "invalid_field", "expr"},
      {{{"expr", "61 * * * *"}}, "invalid_cron", "minute: "},
      {{{"expr", "@reboot"}}, "invalid_cron", "@reboot"},
      {{{"expr", "* * * * *"}, {"tz", "Mars/Olympus_Mons"}}, "invalid_timezone", "Mars"},
      {{{"expr", "* * * * *"}, {"tz", ""}}, "invalid_timezone", "timezone"},
      {{{"expr", "* * * * *"}, {"count", "0"}}, "invalid_field", "count"},
      {{{"expr", "* * * * *"}, {"count", "101"}}, "invalid_field", "count"},
      {{{"expr", "* * * * *"}, {"count", "5x"}}, "invalid_field", "count"},
      {{{"expr", "* * * * *"}, {"count", ""}}, "invalid_field", "count"},
      {{{"expr", "* * * * *"}, {"from", "yesterday"}}, "invalid_field", "from"},
      {{{"expr", "* * * * *"}, {"from", "2026-13-01T00:00:00Z"}}, "invalid_field", "from"},
      {{{"expr", "* * * * *"}, {"from", "9999-01-01T00:00:00Z"}}, "invalid_field", "from"},
  };
  for (const Case& c : cases) {
    const Response response = preview(clock, c.query);
    INFO(response.body);
    CHECK(response.status == 422);
    const auto [code, message] = error_of(response);
    CHECK(code == c.code);
    CHECK(message.find(c.fragment) != std::string::npos);
  }
}

TEST_CASE("cron preview route: without a caller it is 401") {
  FakeClock clock;
  Request request;
  request.query = {{"expr", "* * * * *"}};
  RequestContext nobody;
  const Response response = api::preview_cron(clock, request, nobody);
  CHECK(response.status == 401);
  CHECK(error_of(response).first == "missing_credentials");
}

}  // namespace
}  // namespace scriptmesh::http
