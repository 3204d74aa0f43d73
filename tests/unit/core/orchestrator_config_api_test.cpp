// The settings of the REST layer: public URL, e-mail provider, rate limits.
#include "scriptmesh/orchestrator_config.hpp"

#include <doctest/doctest.h>

#include "support/result_checks.hpp"

namespace scriptmesh {
namespace {

ConfigSources with_flags(std::map<std::string, std::string> flags) {
  ConfigSources s;
  s.env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  s.flags = std::move(flags);
  return s;
}

TEST_CASE("config: API settings have safe defaults") {
  auto c = load_orchestrator_config(with_flags({}));
  REQUIRE_OK(c);
  CHECK(c->public_url.empty());
  CHECK(c->resend_api_key.empty());
  CHECK(c->resend_base_url == "https://api.resend.com");
  CHECK(c->email_from.empty());
  CHECK(c->rate_limit_default_per_min == 600);
}

TEST_CASE("config: API settings are read and checked") {
  auto c = load_orchestrator_config(with_flags({{"public_url", "https://sm.example.com"},
                                                {"resend_api_key", "re_abc"},
                                                {"email_from", "SM <no-reply@example.com>"},
                                                {"rate_limit_default_per_min", "42"}}));
  REQUIRE_OK(c);
  CHECK(c->public_url == "https://sm.example.com");
  CHECK(c->resend_api_key == "re_abc");
  CHECK(c->email_from == "SM <no-reply@example.com>");
  CHECK(c->rate_limit_default_per_min == 42);

  CHECK_ERROR_CODE(load_orchestrator_config(with_flags({{"public_url", "sm.example.com"}})),
                   "invalid_config");
  CHECK_ERROR_CODE(load_orchestrator_config(with_flags({{"resend_base_url", "ftp://x"}})),
                   "invalid_config");
  CHECK_ERROR_CODE(load_orchestrator_config(with_flags({{"rate_limit_default_per_min", "0"}})),
                   "invalid_config");
  CHECK_ERROR_CODE(load_orchestrator_config(with_flags({{"rate_limit_default_per_min", "x"}})),
                   "invalid_config");
}

TEST_CASE("config: the Resend key is a secret") {
  bool found = false;
  for (const SettingInfo& s : orchestrator_settings()) {
    if (s.key == "resend_api_key") {
      found = true;
      CHECK(s.secret);
    }
  }
  CHECK(found);
}

}  // namespace
}  // namespace scriptmesh
