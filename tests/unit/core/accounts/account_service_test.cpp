#include "scriptmesh/accounts.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <chrono>
#include <fstream>

#include "accounts_fixture.hpp"
#include "scriptmesh/email.hpp"
#include "scriptmesh/hash.hpp"

namespace scriptmesh::testing {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("accounts: register, verify, login, refresh, reuse, logout, forgot, reset") {
  AccountsFixture f;
  auto reg = f.accounts().register_account("  Alice@Example.COM ", kPassword, "Acme Corp");
  REQUIRE_OK(reg);
  CHECK(reg->user_id.str().starts_with("usr_"));
  CHECK(reg->tenant_id.str().starts_with("tnt_"));

  // The owner exists, unverified, on a starter tenant; the code went out.
  auto user = f.store().get_user(reg->tenant_id, reg->user_id);
  REQUIRE_OK(user);
  CHECK(user->email == "alice@example.com");
  CHECK(user->role == UserRole::kOwner);
  CHECK_FALSE(user->verified);
  auto tenant = f.store().get_tenant(reg->tenant_id);
  REQUIRE_OK(tenant);
  CHECK(tenant->plan == Plan::kStarter);
  CHECK(tenant->name == "Acme Corp");
  REQUIRE(f.email().count() == 1);
  const std::string code = f.last_code("alice@example.com");
  CHECK(user->verification_code_hash.find(code) == std::string::npos);

  CHECK_ERROR_CODE(f.accounts().login("alice@example.com", kPassword), "email_not_verified");
  REQUIRE_OK(f.accounts().verify("ALICE@example.com", code));
  CHECK_OK(f.accounts().verify("alice@example.com", code));  // already verified: fine

  auto pair = f.accounts().login("Alice@example.com", kPassword);
  REQUIRE_OK(pair);
  CHECK(pair->token_type == "Bearer");
  CHECK(pair->expires_in == 900);
  auto me = f.auth().authenticate(pair->access_token);
  REQUIRE_OK(me);
  CHECK(me->user_id == reg->user_id);
  CHECK(me->tenant_id == reg->tenant_id);
  CHECK(me->role == "owner");
  CHECK(me->credential_kind == "access_token");

  // Refresh rotates; the old token is spent.
  auto second = f.accounts().refresh(pair->refresh_token);
  REQUIRE_OK(second);
  CHECK(second->refresh_token != pair->refresh_token);
  CHECK_OK(f.auth().authenticate(second->access_token));

  // Reusing the spent token revokes the whole family, the new token too.
  auto reused = f.accounts().refresh(pair->refresh_token);
  CHECK_ERROR_CODE(reused, "refresh_token_reused");
  CHECK(reused.error().category() == ErrorCategory::kUnauthenticated);
  CHECK_ERROR_CODE(f.accounts().refresh(second->refresh_token), "invalid_refresh_token");

  // A new login is a new family; logout ends it.
  auto third = f.accounts().login("alice@example.com", kPassword);
  REQUIRE_OK(third);
  REQUIRE_OK(f.accounts().logout(third->refresh_token));
  CHECK_ERROR_CODE(f.accounts().refresh(third->refresh_token), "invalid_refresh_token");
  CHECK_OK(f.accounts().logout(third->refresh_token));  // idempotent
  CHECK_OK(f.accounts().logout("never-issued"));

  // Forgot -> reset.
  auto fourth = f.accounts().login("alice@example.com", kPassword);
  REQUIRE_OK(fourth);
  REQUIRE_OK(f.accounts().forgot_password("alice@example.com"));
  auto mail = f.email().last_to("alice@example.com");
  REQUIRE(mail.has_value());
  CHECK(mail->text.find("https://mesh.example.test/reset-password?token=") != std::string::npos);
  const std::string token = f.last_link_token("alice@example.com");
  REQUIRE_OK(f.accounts().reset_password(token, "a brand new password"));
  CHECK_ERROR_CODE(f.accounts().refresh(fourth->refresh_token), "invalid_refresh_token");
  CHECK_ERROR_CODE(f.accounts().login("alice@example.com", kPassword), "invalid_credentials");
  CHECK_OK(f.accounts().login("alice@example.com", "a brand new password"));
}

TEST_CASE("accounts: registration input is validated") {
  AccountsFixture f;
  auto& a = f.accounts();
  CHECK_ERROR_CODE(a.register_account("not-an-email", kPassword, "T"), "invalid_email");
  CHECK_ERROR_CODE(a.register_account("a@b.test", "short", "T"), "weak_password");
  CHECK_ERROR_CODE(a.register_account("a@b.test", "123456789", "T"), "weak_password");
  CHECK_ERROR_CODE(a.register_account("a@b.test", std::string(4097, 'x'), "T"),
                   "password_too_long");
  CHECK_ERROR_CODE(a.register_account("a@b.test", kPassword, ""), "invalid_tenant_name");
  CHECK_ERROR_CODE(a.register_account("a@b.test", kPassword, "   "), "invalid_tenant_name");
  CHECK_ERROR_CODE(a.register_account("a@b.test", kPassword, std::string(101, 'n')),
                   "invalid_tenant_name");
  CHECK_ERROR_CODE(a.register_account("a@b.test", kPassword, "bad\nname"), "invalid_tenant_name");
  CHECK_OK(a.register_account("a@b.test", std::string(4096, 'x'), std::string(100, 'n')));
  // Ten characters that are more than ten bytes count as ten.
  CHECK_OK(a.register_account("u@b.test", "ééééééééé\xc3\xa9", "Ünïcode"));

  auto dup = a.register_account("A@B.test", kPassword, "Other");
  CHECK_ERROR_CODE(dup, "email_taken");
  CHECK(dup.error().category() == ErrorCategory::kConflict);
  CHECK(f.email().count() == 2);
}

TEST_CASE("accounts: a verification code expires after 10 minutes") {
  AccountsFixture f;
  REQUIRE_OK(f.accounts().register_account("bob@example.com", kPassword, "Bob"));
  const std::string code = f.last_code("bob@example.com");
  f.clock().advance(minutes(10));
  auto late = f.accounts().verify("bob@example.com", code);
  CHECK_ERROR_CODE(late, "code_expired");
  CHECK(late.error().category() == ErrorCategory::kFailedPrecondition);

  REQUIRE_OK(f.accounts().resend_verification("bob@example.com"));
  f.clock().advance(minutes(9) + seconds(59));
  CHECK_OK(f.accounts().verify("bob@example.com", f.last_code("bob@example.com")));
}

TEST_CASE("accounts: five wrong tries kill the code") {
  AccountsFixture f;
  REQUIRE_OK(f.accounts().register_account("carol@example.com", kPassword, "Carol"));
  const std::string code = f.last_code("carol@example.com");
  const std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 1; i <= 4; ++i) {
    CAPTURE(i);
    CHECK_ERROR_CODE(f.accounts().verify("carol@example.com", wrong), "invalid_code");
  }
  CHECK_ERROR_CODE(f.accounts().verify("carol@example.com", wrong), "code_exhausted");
  // Even the right code is refused now.
  auto dead = f.accounts().verify("carol@example.com", code);
  CHECK_ERROR_CODE(dead, "code_exhausted");
  CHECK(dead.error().category() == ErrorCategory::kFailedPrecondition);

  // A new code resets the count.
  REQUIRE_OK(f.accounts().resend_verification("carol@example.com"));
  const std::string fresh = f.last_code("carol@example.com");
  CHECK_ERROR_CODE(
      f.accounts().verify("carol@example.com", fresh == "000000" ? "111111" : "000000"),
      "invalid_code");
  CHECK_OK(f.accounts().verify("carol@example.com", fresh));
}

TEST_CASE("accounts: resend replaces the code and never reveals addresses") {
  AccountsFixture f;
  REQUIRE_OK(f.accounts().register_account("dave@example.com", kPassword, "Dave"));
  const std::string first = f.last_code("dave@example.com");
  REQUIRE_OK(f.accounts().resend_verification("dave@example.com"));
  CHECK(f.email().count() == 2);
  const std::string second = f.last_code("dave@example.com");
  if (first != second) {  // one in a million they coincide
    CHECK_ERROR_CODE(f.accounts().verify("dave@example.com", first), "invalid_code");
  }
  CHECK_OK(f.accounts().verify("dave@example.com", second));

  // Unknown and verified addresses: ok, nothing sent.
  CHECK_OK(f.accounts().resend_verification("nobody@example.com"));
  CHECK_OK(f.accounts().resend_verification("dave@example.com"));
  CHECK(f.email().count() == 2);
  CHECK_ERROR_CODE(f.accounts().resend_verification("bad address"), "invalid_email");

  // Verify answers an unknown address like a wrong code.
  CHECK_ERROR_CODE(f.accounts().verify("nobody@example.com", "123456"), "invalid_code");
  CHECK_ERROR_CODE(f.accounts().verify("garbage", "123456"), "invalid_code");
}

TEST_CASE("accounts: login refuses unknown addresses and wrong passwords alike") {
  AccountsFixture f;
  f.sign_up("erin@example.com");
  auto unknown = f.accounts().login("nobody@example.com", kPassword);
  auto wrong = f.accounts().login("erin@example.com", "wrong password!!");
  auto malformed = f.accounts().login("not an address", kPassword);
  CHECK_ERROR_CODE(unknown, "invalid_credentials");
  CHECK_ERROR_CODE(wrong, "invalid_credentials");
  CHECK_ERROR_CODE(malformed, "invalid_credentials");
  CHECK(unknown.error().message() == wrong.error().message());
  CHECK(unknown.error().category() == ErrorCategory::kUnauthenticated);

  // An unverified account is refused only once the password matched.
  REQUIRE_OK(f.accounts().register_account("frank@example.com", kPassword, "Frank"));
  CHECK_ERROR_CODE(f.accounts().login("frank@example.com", "wrong password!!"),
                   "invalid_credentials");
  CHECK_ERROR_CODE(f.accounts().login("frank@example.com", kPassword), "email_not_verified");
}

TEST_CASE("accounts: login upgrades a hash made with weaker parameters") {
  AccountsFixture f;
  Account a = f.sign_up("gina@example.com");
  PasswordHashParams stronger = cheap_hash_params();
  stronger.ops_limit = 2;
  AccountOptions options = test_account_options();
  options.password_params = stronger;
  AccountService upgraded(f.store(), f.clock(), f.email(), options);
  REQUIRE_OK(upgraded.login("gina@example.com", kPassword));
  auto user = f.store().get_user(a.ids.tenant_id, a.ids.user_id);
  REQUIRE_OK(user);
  CHECK_FALSE(password_needs_rehash(user->password_hash, stronger));
  CHECK_OK(f.accounts().login("gina@example.com", kPassword));
}

TEST_CASE("accounts: refresh tokens expire after 7 days") {
  AccountsFixture f;
  Account a = f.sign_up("hank@example.com");
  f.clock().advance(days(7) - seconds(1));
  auto rotated = f.accounts().refresh(a.tokens.refresh_token);
  REQUIRE_OK(rotated);
  // The rotated token has its own 7 days.
  f.clock().advance(days(7));
  auto expired = f.accounts().refresh(rotated->refresh_token);
  CHECK_ERROR_CODE(expired, "invalid_refresh_token");
  CHECK(expired.error().category() == ErrorCategory::kUnauthenticated);
  CHECK_ERROR_CODE(f.accounts().refresh("never-issued"), "invalid_refresh_token");
}

TEST_CASE("accounts: a refresh token of a deleted user is refused") {
  AccountsFixture f;
  Account owner = f.sign_up("ivy@example.com");
  Account member = f.add_user(owner, "jack@example.com", UserRole::kMember);
  REQUIRE_OK(f.users().remove(f.principal(owner), member.ids.user_id));
  CHECK_ERROR_CODE(f.accounts().refresh(member.tokens.refresh_token), "invalid_refresh_token");
}

TEST_CASE("accounts: a reset token works once, for one hour, and ends sessions") {
  AccountsFixture f;
  Account a = f.sign_up("kate@example.com");
  REQUIRE_OK(f.accounts().forgot_password("KATE@example.com"));
  const std::string token = f.last_link_token("kate@example.com");

  CHECK_ERROR_CODE(f.accounts().reset_password(token, "short"), "weak_password");
  REQUIRE_OK(f.accounts().reset_password(token, "second password!"));
  auto again = f.accounts().reset_password(token, "third password!!");
  CHECK_ERROR_CODE(again, "invalid_reset_token");
  CHECK(again.error().category() == ErrorCategory::kInvalidArgument);
  CHECK_ERROR_CODE(f.accounts().refresh(a.tokens.refresh_token), "invalid_refresh_token");
  CHECK_ERROR_CODE(f.accounts().reset_password("unknown-token", "third password!!"),
                   "invalid_reset_token");

  REQUIRE_OK(f.accounts().forgot_password("kate@example.com"));
  const std::string late = f.last_link_token("kate@example.com");
  f.clock().advance(hours(1));
  CHECK_ERROR_CODE(f.accounts().reset_password(late, "third password!!"), "invalid_reset_token");
  CHECK_OK(f.accounts().login("kate@example.com", "second password!"));
}

TEST_CASE("accounts: forgot_password never reveals whether an address has an account") {
  AccountsFixture f;
  CHECK_OK(f.accounts().forgot_password("nobody@example.com"));
  CHECK(f.email().count() == 0);
  CHECK_ERROR_CODE(f.accounts().forgot_password("@@"), "invalid_email");
}

TEST_CASE("accounts: a reset verifies an unverified account") {
  AccountsFixture f;
  REQUIRE_OK(f.accounts().register_account("liam@example.com", kPassword, "Liam"));
  REQUIRE_OK(f.accounts().forgot_password("liam@example.com"));
  REQUIRE_OK(f.accounts().reset_password(f.last_link_token("liam@example.com"), "liam's password"));
  CHECK_OK(f.accounts().login("liam@example.com", "liam's password"));
}

TEST_CASE("accounts: e-mail failures do not undo the account change") {
  AccountsFixture f;
  f.email().set_failing(true);
  auto reg = f.accounts().register_account("mia@example.com", kPassword, "Mia");
  REQUIRE_OK(reg);
  CHECK_OK(f.accounts().forgot_password("mia@example.com"));
  f.email().set_failing(false);
  REQUIRE_OK(f.accounts().resend_verification("mia@example.com"));
  CHECK_OK(f.accounts().verify("mia@example.com", f.last_code("mia@example.com")));
}

TEST_CASE("accounts: access tokens carry the documented claims") {
  AccountsFixture f;
  Account a = f.sign_up("noah@example.com");
  JwtVerifyOptions options;
  options.issuer = "scriptmesh";
  auto claims = JwtSigner(kTestSecret).verify(a.tokens.access_token, f.clock().now(), options);
  REQUIRE_OK(claims);
  CHECK(claims->sub == a.ids.user_id.str());
  CHECK(claims->iss == "scriptmesh");
  CHECK(claims->iat == to_unix_seconds(f.clock().now()));
  CHECK(claims->exp == claims->iat + 900);
  CHECK(std::get<std::string>(claims->extra.at("tid")) == a.ids.tenant_id.str());
  CHECK(std::get<std::string>(claims->extra.at("role")) == "owner");
}

TEST_CASE("accounts: secrets are stored only as hashes") {
  AccountsFixture f;
  Account a = f.sign_up("olga@example.com");
  auto stored = f.store().find_refresh_token(sha256_hex(a.tokens.refresh_token));
  REQUIRE_OK(stored);
  CHECK(stored->token_hash != a.tokens.refresh_token);
  CHECK(stored->user_id == a.ids.user_id);
  auto user = f.store().get_user(a.ids.tenant_id, a.ids.user_id);
  REQUIRE_OK(user);
  CHECK(user->password_hash.starts_with("$argon2id$"));
}

TEST_CASE("accounts: the outbox sender receives the code as a JSON line") {
  AccountsFixture f;
  const auto path = f.dir() / "var" / "outbox.jsonl";
  auto outbox = make_outbox_email_sender(path, f.clock());
  AccountService service(f.store(), f.clock(), *outbox, test_account_options());
  REQUIRE_OK(service.register_account("pia@example.com", kPassword, "Pia"));
  std::ifstream in(path);
  std::string line;
  REQUIRE(std::getline(in, line));
  boost::json::value v = boost::json::parse(line);
  CHECK(v.at("to").as_string() == "pia@example.com");
  CHECK(v.at("sent_at").as_string() == "2026-11-26T10:00:00Z");
  const std::string code = find_code(std::string(v.at("text").as_string()));
  CHECK_OK(service.verify("pia@example.com", code));
  CHECK_FALSE(std::getline(in, line));
}

TEST_CASE("accounts: an empty JWT secret is a configuration bug") {
  AccountsFixture f;
  AccountOptions options = test_account_options();
  options.tokens.jwt_secret.clear();
  CHECK_THROWS_AS(AccountService(f.store(), f.clock(), f.email(), options), std::invalid_argument);
  options = test_account_options();
  options.password_params.mem_limit = 1;
  CHECK_THROWS_AS(AccountService(f.store(), f.clock(), f.email(), options), std::invalid_argument);
}

}  // namespace
}  // namespace scriptmesh::testing
