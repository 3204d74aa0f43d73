// Shared set-up for the account tests: a real SQLite store in a fresh
// directory, a fake clock, a recording e-mail sender, and the services wired
// to them with cheap Argon2 parameters.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "scriptmesh/accounts.hpp"
#include "scriptmesh/api_keys.hpp"
#include "scriptmesh/auth.hpp"
#include "scriptmesh/sqlite_store.hpp"
#include "scriptmesh/tenants.hpp"
#include "support/fake_clock.hpp"
#include "support/recording_email_sender.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::testing {

inline constexpr const char* kTestSecret = "test-secret-test-secret-test-secret!";
inline constexpr const char* kPassword = "correct horse battery";

// The cheapest Argon2id libsodium allows: tests hash many passwords.
inline PasswordHashParams cheap_hash_params() {
  PasswordHashParams p;
  p.ops_limit = 1;
  p.mem_limit = 8192;
  return p;
}

inline TokenConfig test_tokens() {
  TokenConfig t;
  t.jwt_secret = kTestSecret;
  return t;
}

inline AccountOptions test_account_options() {
  AccountOptions o;
  o.tokens = test_tokens();
  o.public_base_url = "https://mesh.example.test/";
  o.password_params = cheap_hash_params();
  return o;
}

inline std::unique_ptr<Store> open_test_store(const TempDir& dir) {
  SqliteStoreOptions options;
  options.path = dir / "scriptmesh.db";
  options.synchronous = SqliteSynchronous::kOff;
  options.read_connections = 2;
  auto opened = open_sqlite_store(options);
  REQUIRE_OK(opened);
  return std::move(opened).value();
}

// One registered, verified user and the tokens of one login.
struct Account {
  std::string email;
  RegisterResult ids;
  TokenPair tokens;
};

class AccountsFixture {
 public:
  AccountsFixture()
      : store_(open_test_store(dir_)),
        accounts_(*store_, clock_, email_, test_account_options()),
        auth_(*store_, clock_, test_tokens()),
        api_keys_(*store_, clock_),
        tenants_(*store_),
        users_(*store_, clock_, email_, user_options()) {}

  Store& store() { return *store_; }
  FakeClock& clock() { return clock_; }
  RecordingEmailSender& email() { return email_; }
  AccountService& accounts() { return accounts_; }
  AuthService& auth() { return auth_; }
  ApiKeyService& api_keys() { return api_keys_; }
  TenantService& tenants() { return tenants_; }
  UserService& users() { return users_; }
  const TempDir& dir() const { return dir_; }

  // The code in the newest e-mail to `email`.
  std::string last_code(const std::string& email) const {
    auto m = email_.last_to(email);
    REQUIRE(m.has_value());
    std::string code = find_code(m->text);
    REQUIRE(code.size() == 6);
    return code;
  }
  // The token of the link in the newest e-mail to `email`.
  std::string last_link_token(const std::string& email) const {
    auto m = email_.last_to(email);
    REQUIRE(m.has_value());
    std::string token = find_link_token(m->text);
    REQUIRE_FALSE(token.empty());
    return token;
  }

  // Registers, verifies and logs in `email` with kPassword.
  Account sign_up(const std::string& email, const std::string& tenant = "Acme") {
    Account a;
    a.email = email;
    auto reg = accounts_.register_account(email, kPassword, tenant);
    REQUIRE_OK(reg);
    a.ids = *reg;
    REQUIRE_OK(accounts_.verify(email, last_code(email)));
    auto pair = accounts_.login(email, kPassword);
    REQUIRE_OK(pair);
    a.tokens = *pair;
    return a;
  }

  // The principal of an account's access token.
  Principal principal(const Account& a) {
    auto p = auth_.authenticate(a.tokens.access_token);
    REQUIRE_OK(p);
    return *p;
  }

  // Invites `email` into the tenant of `owner` as `role`, sets the password
  // through the invitation link and logs in.
  Account add_user(const Account& owner, const std::string& email, UserRole role) {
    REQUIRE_OK(users_.invite(principal(owner), email, role));
    REQUIRE_OK(accounts_.reset_password(last_link_token(email), kPassword));
    Account a;
    a.email = email;
    a.ids.tenant_id = owner.ids.tenant_id;
    auto pair = accounts_.login(email, kPassword);
    REQUIRE_OK(pair);
    a.tokens = *pair;
    a.ids.user_id = principal(a).user_id;
    return a;
  }

 private:
  static UserServiceOptions user_options() {
    UserServiceOptions o;
    o.public_base_url = "https://mesh.example.test";
    return o;
  }

  TempDir dir_;
  FakeClock clock_;
  RecordingEmailSender email_;
  std::unique_ptr<Store> store_;
  AccountService accounts_;
  AuthService auth_;
  ApiKeyService api_keys_;
  TenantService tenants_;
  UserService users_;
};

}  // namespace scriptmesh::testing
