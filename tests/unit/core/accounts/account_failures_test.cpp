// Every store failure inside an account operation comes back as that
// failure: nothing is swallowed that should not be, nothing crashes.
#include "scriptmesh/accounts.hpp"

#include <doctest/doctest.h>

#include <functional>

#include "accounts_fixture.hpp"
#include "support/failing_store.hpp"

namespace scriptmesh::testing {
namespace {

// Runs `setup` then `op` with store call 1, 2, ... failing until `op` makes
// no more store calls than that. A failed op must answer the injected error.
// Returns how many runs failed.
int fail_each_call(FailingStore& failing, const std::function<void()>& setup,
                   const std::function<Result<void>()>& op) {
  int failures = 0;
  for (int n = 1;; ++n) {
    CAPTURE(n);
    REQUIRE(n < 30);
    failing.fail_on_call(0);
    setup();
    failing.fail_on_call(n);
    Result<void> r = op();
    if (!failing.tripped()) {
      REQUIRE_OK(r);
      return failures;
    }
    if (!r.ok()) {
      ++failures;
      CHECK(r.error().code() == "injected_failure");
    }
  }
}

template <typename T>
Result<void> drop_value(Result<T> r) {
  if (!r.ok()) return std::move(r).error();
  return ok_result();
}

struct FailingServices {
  explicit FailingServices(AccountsFixture& f)
      : failing(f.store()),
        accounts(failing, f.clock(), f.email(), test_account_options()),
        auth(failing, f.clock(), test_tokens()),
        api_keys(failing, f.clock()),
        users(failing, f.clock(), f.email()) {}
  FailingStore failing;
  AccountService accounts;
  AuthService auth;
  ApiKeyService api_keys;
  UserService users;
};

TEST_CASE("account failures: register, verify, resend, login") {
  AccountsFixture f;
  FailingServices s(f);
  int i = 0;
  std::string email;
  auto fresh_email = [&] { email = "user" + std::to_string(++i) + "@example.com"; };
  CHECK(fail_each_call(s.failing, fresh_email, [&] {
          return drop_value(s.accounts.register_account(email, kPassword, "T"));
        }) == 1);

  auto registered = [&] {
    fresh_email();
    REQUIRE_OK(f.accounts().register_account(email, kPassword, "T"));
  };
  CHECK(fail_each_call(s.failing, registered,
                       [&] { return s.accounts.verify(email, f.last_code(email)); }) == 3);
  CHECK(fail_each_call(s.failing, registered,
                       [&] { return s.accounts.resend_verification(email); }) == 2);
  auto verified = [&] {
    registered();
    REQUIRE_OK(f.accounts().verify(email, f.last_code(email)));
  };
  CHECK(fail_each_call(s.failing, verified,
                       [&] { return drop_value(s.accounts.login(email, kPassword)); }) == 2);
}

TEST_CASE("account failures: refresh, logout, forgot, reset") {
  AccountsFixture f;
  FailingServices s(f);
  int i = 0;
  Account a;
  auto signed_up = [&] { a = f.sign_up("user" + std::to_string(++i) + "@example.com"); };
  CHECK(fail_each_call(s.failing, signed_up, [&] {
          return drop_value(s.accounts.refresh(a.tokens.refresh_token));
        }) == 4);
  CHECK(fail_each_call(s.failing, signed_up,
                       [&] { return s.accounts.logout(a.tokens.refresh_token); }) == 2);
  CHECK(fail_each_call(s.failing, signed_up, [&] { return s.accounts.forgot_password(a.email); }) ==
        2);
  std::string token;
  auto forgot = [&] {
    signed_up();
    REQUIRE_OK(f.accounts().forgot_password(a.email));
    token = f.last_link_token(a.email);
  };
  CHECK(fail_each_call(s.failing, forgot,
                       [&] { return s.accounts.reset_password(token, "new password!!"); }) == 5);
}

TEST_CASE("account failures: authenticate, API keys, invitations") {
  AccountsFixture f;
  FailingServices s(f);
  int i = 0;
  Account a;
  auto signed_up = [&] { a = f.sign_up("user" + std::to_string(++i) + "@example.com"); };
  CHECK(fail_each_call(s.failing, signed_up, [&] {
          return drop_value(s.auth.authenticate(a.tokens.access_token));
        }) == 1);
  CreatedApiKey key;
  auto with_key = [&] {
    signed_up();
    auto created = f.api_keys().create(f.principal(a), {"k", {"jobs:read"}, std::nullopt});
    REQUIRE_OK(created);
    key = *created;
  };
  // The last_used_at touch is best effort: its failure does not refuse the key.
  CHECK(fail_each_call(s.failing, with_key,
                       [&] { return drop_value(s.auth.authenticate(key.key)); }) == 2);
  CHECK(fail_each_call(s.failing, signed_up, [&] {
          return drop_value(s.api_keys.create(f.principal(a), {"k", {"jobs:read"}, std::nullopt}));
        }) == 1);
  CHECK(fail_each_call(s.failing, signed_up, [&] {
          return drop_value(s.users.invite(f.principal(a), "x" + a.email, UserRole::kMember));
        }) == 3);
}

}  // namespace
}  // namespace scriptmesh::testing
