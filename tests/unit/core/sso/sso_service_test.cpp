#include "scriptmesh/sso.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <chrono>
#include <map>

#include "../accounts/accounts_fixture.hpp"
#include "core/sso/sso_impl.hpp"
#include "http/url.hpp"
#include "scriptmesh/fernet.hpp"
#include "scriptmesh/random.hpp"
#include "support/fake_identity_provider.hpp"

namespace scriptmesh::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr const char* kClientId = "11111111-2222-3333-4444-555555555555";
constexpr const char* kClientSecret = "fake-client-secret";
constexpr const char* kContoso = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr const char* kFabrikam = "bbbbbbbb-0000-4000-8000-000000000002";

FakeIdpUser contoso_user(const std::string& who) {
  return FakeIdpUser{kContoso, "0000" + who + "-oid", who + "@contoso.example",
                     who + "@contoso.example", who};
}

// The decoded query parameters of a URL.
std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  std::size_t q = url.find('?');
  if (q == std::string::npos) return out;
  std::string_view rest = std::string_view(url).substr(q + 1);
  while (!rest.empty()) {
    std::size_t end = rest.find('&');
    std::string_view pair = rest.substr(0, end);
    std::size_t eq = pair.find('=');
    auto value = http::percent_decode(pair.substr(eq + 1), true);
    REQUIRE_OK(value);
    out[std::string(pair.substr(0, eq))] = *value;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return out;
}

struct SsoFixture : AccountsFixture {
  explicit SsoFixture(std::vector<std::string> allowed = {},
                      SsoJoinPolicy join = SsoJoinPolicy::kMembers)
      : idp(kClientId, kClientSecret, clock()),
        keyring(FernetKeyring({FernetKey::generate()})),
        sso(store(), clock(), idp.client(), accounts(), keyring, options(allowed, join)) {}

  MicrosoftSsoOptions options(std::vector<std::string> allowed, SsoJoinPolicy join) {
    MicrosoftSsoOptions o;
    o.client_id = kClientId;
    o.client_secret = kClientSecret;
    o.authority = idp.authority();
    o.allowed_tenants = std::move(allowed);
    o.join = join;
    o.public_base_url = "https://mesh.example.test/";
    return o;
  }

  // The authority's answer to the browser following `start`.
  SsoCallbackInput authorize(const SsoStart& start) {
    HttpClientRequest request;
    request.method = "GET";
    request.url = start.location;
    auto response = idp.client().send(request);
    REQUIRE_OK(response);
    REQUIRE(response->status == 302);
    auto back = query_of(response->header("Location"));
    return SsoCallbackInput{back["code"], back["state"], back["error"], start.state_cookie};
  }

  // A whole browser round trip; answers where the callback sends it.
  SsoCallbackResult sign_in(const std::optional<Principal>& link = std::nullopt) {
    auto start = sso.start(link);
    REQUIRE_OK(start);
    return sso.callback(authorize(*start));
  }

  // The one-time code of a successful callback.
  static std::string code_of(const SsoCallbackResult& r) {
    REQUIRE(r.error.empty());
    REQUIRE(r.location.starts_with("https://mesh.example.test/sso/complete?code="));
    return query_of(r.location)["code"];
  }

  // Every user of every tenant.
  std::size_t user_count() {
    auto tenants = store().list_tenant_ids();
    REQUIRE_OK(tenants);
    std::size_t n = 0;
    for (const TenantId& t : *tenants) {
      auto users = store().list_users(t);
      REQUIRE_OK(users);
      n += users->size();
    }
    return n;
  }

  std::size_t tenant_count() {
    auto tenants = store().list_tenant_ids();
    REQUIRE_OK(tenants);
    return tenants->size();
  }

  FakeIdentityProvider idp;
  FernetKeyring keyring;
  SsoService sso;
};

TEST_CASE("sso: start redirects to the authority with PKCE, state and nonce") {
  SsoFixture f;
  auto start = f.sso.start();
  REQUIRE_OK(start);
  CHECK(start->location.starts_with(f.idp.authority() + "/oauth2/v2.0/authorize?"));
  auto q = query_of(start->location);
  CHECK(q["client_id"] == kClientId);
  CHECK(q["response_type"] == "code");
  CHECK(q["response_mode"] == "query");
  CHECK(q["redirect_uri"] == "https://mesh.example.test/v1/auth/sso/microsoft/callback");
  CHECK(q["scope"] == "openid profile email offline_access");
  CHECK(q["code_challenge_method"] == "S256");
  CHECK(q["code_challenge"].size() == 43);
  CHECK(q["state"].size() >= 43);
  CHECK(q["nonce"].size() >= 43);
  // The cookie is sealed: none of the secrets shows in it.
  CHECK(start->state_cookie.find(q["state"]) == std::string::npos);
  CHECK(f.sso.secure_cookies());
}

TEST_CASE("sso: first sign-in creates the tenant and its owner, and the code gives a session") {
  SsoFixture f;
  f.idp.sign_in_as(contoso_user("ann"));
  auto result = f.sign_in();
  const std::string code = SsoFixture::code_of(result);
  auto pair = f.sso.exchange(code);
  REQUIRE_OK(pair);
  auto who = f.auth().authenticate(pair->access_token);
  REQUIRE_OK(who);
  CHECK(who->role == "owner");
  auto user = f.store().get_user(who->tenant_id, who->user_id);
  REQUIRE_OK(user);
  CHECK(user->email == "ann@contoso.example");
  CHECK(user->password_hash.empty());
  CHECK(user->verified);
  auto tenant = f.store().get_tenant(who->tenant_id);
  REQUIRE_OK(tenant);
  CHECK(tenant->name == "contoso.example");
  CHECK(tenant->plan == Plan::kStarter);
  // The refresh token works like a password login's.
  CHECK_OK(f.accounts().refresh(pair->refresh_token));

  // The code is single use.
  CHECK_ERROR_CODE(f.sso.exchange(code), "invalid_sso_code");
  CHECK_ERROR_CODE(f.sso.exchange("made-up"), "invalid_sso_code");

  // Signing in again is the same user, nothing new.
  auto again = f.sso.exchange(SsoFixture::code_of(f.sign_in()));
  REQUIRE_OK(again);
  auto same = f.auth().authenticate(again->access_token);
  REQUIRE_OK(same);
  CHECK(same->user_id == who->user_id);
  CHECK(f.user_count() == 1);

  // An SSO user has no password: the password routes say so.
  CHECK_ERROR_CODE(f.accounts().login("ann@contoso.example", "whatever-password"), "sso_account");
  const std::size_t mails = f.email().count();
  CHECK_OK(f.accounts().forgot_password("ann@contoso.example"));
  CHECK(f.email().count() == mails);
}

TEST_CASE("sso: a late code is refused") {
  SsoFixture f;
  f.idp.sign_in_as(contoso_user("ann"));
  const std::string code = SsoFixture::code_of(f.sign_in());
  f.clock().advance(seconds(61));
  CHECK_ERROR_CODE(f.sso.exchange(code), "invalid_sso_code");
}

TEST_CASE(
    "sso: later users of the directory join as members, another directory is another tenant") {
  SsoFixture f;
  f.idp.sign_in_as(contoso_user("ann"));
  auto ann = f.auth().authenticate(f.sso.exchange(SsoFixture::code_of(f.sign_in()))->access_token);
  REQUIRE_OK(ann);
  f.idp.sign_in_as(contoso_user("bob"));
  auto bob = f.auth().authenticate(f.sso.exchange(SsoFixture::code_of(f.sign_in()))->access_token);
  REQUIRE_OK(bob);
  CHECK(bob->tenant_id == ann->tenant_id);
  CHECK(bob->role == "member");

  f.idp.sign_in_as(FakeIdpUser{kFabrikam, "fab-oid", "", "cy@fabrikam.example", "Cy"});
  auto cy = f.auth().authenticate(f.sso.exchange(SsoFixture::code_of(f.sign_in()))->access_token);
  REQUIRE_OK(cy);
  CHECK(cy->tenant_id != ann->tenant_id);
  CHECK(cy->role == "owner");
  CHECK(f.tenant_count() == 2);
}

TEST_CASE("sso: allowed tenants refuse other directories") {
  SsoFixture f({std::string(kFabrikam)});
  f.idp.sign_in_as(contoso_user("ann"));
  auto result = f.sign_in();
  CHECK(result.error == "sso_tenant_not_allowed");
  CHECK(result.location == "https://mesh.example.test/login?error=sso_tenant_not_allowed");
  CHECK(f.user_count() == 0);
}

TEST_CASE("sso: invite-only admits invited addresses only") {
  SsoFixture f({}, SsoJoinPolicy::kInviteOnly);
  f.idp.sign_in_as(contoso_user("ann"));
  auto ann = f.auth().authenticate(f.sso.exchange(SsoFixture::code_of(f.sign_in()))->access_token);
  REQUIRE_OK(ann);
  f.idp.sign_in_as(contoso_user("bob"));
  CHECK(f.sign_in().error == "sso_invitation_required");
  CHECK(f.user_count() == 1);

  REQUIRE_OK(f.users().invite(*ann, "bob@contoso.example", UserRole::kAdmin));
  auto bob = f.auth().authenticate(f.sso.exchange(SsoFixture::code_of(f.sign_in()))->access_token);
  REQUIRE_OK(bob);
  CHECK(bob->tenant_id == ann->tenant_id);
  CHECK(bob->role == "admin");
  // The invitation link cannot give him a password any more.
  CHECK_ERROR_CODE(f.accounts().reset_password(f.last_link_token("bob@contoso.example"),
                                               "another good password"),
                   "sso_account");
}

TEST_CASE("sso: a password account is not taken over, but can link Microsoft") {
  SsoFixture f;
  Account ann = f.sign_up("ann@contoso.example", "Ann's");
  f.idp.sign_in_as(contoso_user("ann"));
  CHECK(f.sign_in().error == "account_exists_use_password");
  CHECK(f.user_count() == 1);

  // API keys cannot link; the signed-in user can.
  Principal key_caller = f.principal(ann);
  key_caller.credential_kind = "api_key";
  CHECK_ERROR_CODE(f.sso.start(key_caller), "sso_link_needs_session");
  auto linked = f.sign_in(f.principal(ann));
  auto pair = f.sso.exchange(SsoFixture::code_of(linked));
  REQUIRE_OK(pair);
  auto who = f.auth().authenticate(pair->access_token);
  REQUIRE_OK(who);
  CHECK(who->user_id == ann.ids.user_id);
  // From now on Microsoft signs her in, and her password still works.
  auto again =
      f.auth().authenticate(f.sso.exchange(SsoFixture::code_of(f.sign_in()))->access_token);
  REQUIRE_OK(again);
  CHECK(again->user_id == ann.ids.user_id);
  CHECK_OK(f.accounts().login("ann@contoso.example", kPassword));

  // The identity cannot be linked to someone else.
  Account eve = f.sign_up("eve@elsewhere.example", "Eve's");
  CHECK(f.sign_in(f.principal(eve)).error == "sso_identity_taken");
}

// A token made wrong in one way: the sign-in is refused with `code` and
// creates nothing.
void check_refused(SsoFixture& f, FakeIdpTamper tamper, const std::string& code) {
  f.idp.sign_in_as(contoso_user("ann"));
  f.idp.tamper_next(std::move(tamper));
  auto result = f.sign_in();
  CHECK(result.error == code);
  CHECK(result.location == "https://mesh.example.test/login?error=" + code);
  CHECK(f.user_count() == 0);
  CHECK(f.tenant_count() == 0);
}

using Edit = std::function<void(boost::json::object&, boost::json::object&)>;

FakeIdpTamper edit(Edit e) {
  return FakeIdpTamper{FakeIdpSigning::kCurrentKey, std::move(e)};
}

TEST_CASE("sso: every bad ID token is refused and creates nothing") {
  SsoFixture f;
  const std::int64_t now = to_unix_seconds(f.clock().now());
  SUBCASE("bad signature") {
    check_refused(f, {FakeIdpSigning::kStrayKey, {}}, "invalid_id_token");
  }
  SUBCASE("alg none") {
    check_refused(f, {FakeIdpSigning::kAlgNone, {}}, "invalid_id_token");
  }
  SUBCASE("HS256 keyed with the public key") {
    check_refused(f, {FakeIdpSigning::kHs256WithPublicKey, {}}, "invalid_id_token");
  }
  SUBCASE("wrong aud") {
    check_refused(f, edit([](auto&, auto& c) { c["aud"] = "someone-else"; }), "invalid_id_token");
  }
  SUBCASE("iss of another tenant") {
    std::string other = f.idp.issuer_of(kFabrikam);
    check_refused(f, edit([other](auto&, auto& c) { c["iss"] = other; }), "invalid_id_token");
  }
  SUBCASE("tid not matching iss") {
    check_refused(f, edit([](auto&, auto& c) { c["tid"] = kFabrikam; }), "invalid_id_token");
  }
  SUBCASE("expired beyond the skew") {
    check_refused(f, edit([now](auto&, auto& c) { c["exp"] = now - 301; }), "invalid_id_token");
  }
  SUBCASE("nbf in the future beyond the skew") {
    check_refused(f, edit([now](auto&, auto& c) { c["nbf"] = now + 301; }), "invalid_id_token");
  }
  SUBCASE("iat in the future beyond the skew") {
    check_refused(f, edit([now](auto&, auto& c) { c["iat"] = now + 301; }), "invalid_id_token");
  }
  SUBCASE("wrong nonce") {
    check_refused(f, edit([](auto&, auto& c) { c["nonce"] = "not-the-one"; }), "invalid_id_token");
  }
  SUBCASE("unknown kid") {
    check_refused(f, edit([](auto& h, auto&) { h["kid"] = "nobody"; }), "invalid_id_token");
  }
  SUBCASE("no oid") {
    check_refused(f, edit([](auto&, auto& c) { c.erase("oid"); }), "invalid_id_token");
  }
  SUBCASE("no usable e-mail address") {
    check_refused(f, edit([](auto&, auto& c) {
                    c.erase("email");
                    c["preferred_username"] = "not an address";
                  }),
                  "sso_email_missing");
  }
}

TEST_CASE("sso: skew within 5 minutes is tolerated") {
  SsoFixture f;
  const std::int64_t now = to_unix_seconds(f.clock().now());
  f.idp.sign_in_as(contoso_user("ann"));
  f.idp.tamper_next(edit([now](auto&, auto& c) {
    c["exp"] = now - 200;
    c["nbf"] = now + 200;
    c["iat"] = now + 200;
  }));
  CHECK(f.sign_in().error.empty());
}

TEST_CASE("sso: state is bound to the browser and used once") {
  SsoFixture f;
  f.idp.sign_in_as(contoso_user("ann"));

  SUBCASE("no cookie") {
    auto start = f.sso.start();
    REQUIRE_OK(start);
    auto input = f.authorize(*start);
    input.state_cookie.clear();
    CHECK(f.sso.callback(input).error == "invalid_sso_state");
  }
  SUBCASE("forged cookie") {
    auto start = f.sso.start();
    REQUIRE_OK(start);
    auto input = f.authorize(*start);
    FernetKeyring other({FernetKey::generate()});
    input.state_cookie =
        sso::seal_state(other, sso::SignInState{input.state, "n", "v", std::nullopt, std::nullopt},
                        f.clock().now());
    CHECK(f.sso.callback(input).error == "invalid_sso_state");
  }
  SUBCASE("the state of another sign-in") {
    auto first = f.sso.start();
    auto second = f.sso.start();
    REQUIRE_OK(first);
    REQUIRE_OK(second);
    auto input = f.authorize(*first);
    input.state_cookie = second->state_cookie;
    CHECK(f.sso.callback(input).error == "invalid_sso_state");
  }
  SUBCASE("replayed") {
    auto start = f.sso.start();
    REQUIRE_OK(start);
    auto input = f.authorize(*start);
    CHECK(f.sso.callback(input).error.empty());
    CHECK(f.sso.callback(input).error == "invalid_sso_state");
    CHECK(f.user_count() == 1);
    return;
  }
  SUBCASE("older than 10 minutes") {
    auto start = f.sso.start();
    REQUIRE_OK(start);
    auto input = f.authorize(*start);
    f.clock().advance(minutes(11));
    CHECK(f.sso.callback(input).error == "invalid_sso_state");
  }
  SUBCASE("a wrong PKCE verifier: the authority refuses the code") {
    auto start = f.sso.start();
    REQUIRE_OK(start);
    auto q = query_of(start->location);
    auto input = f.authorize(*start);
    input.state_cookie = sso::seal_state(
        f.keyring, sso::SignInState{q["state"], q["nonce"], random_token(32), {}, {}},
        f.clock().now());
    CHECK(f.sso.callback(input).error == "sso_token_exchange_failed");
    CHECK(f.idp.token_refusals() == 1);
  }
  SUBCASE("the user declined") {
    f.idp.deny_next();
    CHECK(f.sign_in().error == "sso_access_denied");
  }
  CHECK(f.user_count() == 0);
}

TEST_CASE("sso: keys roll over, and an unknown kid refetches at most once a minute") {
  SsoFixture f;
  f.idp.sign_in_as(contoso_user("ann"));
  CHECK(f.sign_in().error.empty());
  CHECK(f.idp.jwks_requests() == 1);
  CHECK(f.sign_in().error.empty());
  CHECK(f.idp.jwks_requests() == 1);  // cached

  f.idp.rotate_key(false);
  CHECK(f.sign_in().error.empty());  // new kid: one refetch
  CHECK(f.idp.jwks_requests() == 2);

  f.idp.rotate_key(false);
  CHECK(f.sign_in().error == "invalid_id_token");  // too soon for another refetch
  CHECK(f.idp.jwks_requests() == 2);
  f.clock().advance(seconds(61));
  CHECK(f.sign_in().error.empty());
  CHECK(f.idp.jwks_requests() == 3);
  CHECK(f.idp.discovery_requests() == 1);
}

TEST_CASE("sso: off without a client id") {
  AccountsFixture a;
  FakeIdentityProvider idp(kClientId, kClientSecret, a.clock());
  FernetKeyring keyring({FernetKey::generate()});
  SsoService off(a.store(), a.clock(), idp.client(), a.accounts(), keyring, MicrosoftSsoOptions{});
  CHECK_FALSE(off.enabled());
  CHECK_ERROR_CODE(off.start(), "sso_not_configured");
  CHECK_ERROR_CODE(off.exchange("x"), "sso_not_configured");
}

TEST_CASE("sso: authority URLs") {
  CHECK(*normalize_sso_authority("https://login.microsoftonline.com/organizations/") ==
        "https://login.microsoftonline.com/organizations");
  CHECK(*normalize_sso_authority("http://127.0.0.1:4000/common") == "http://127.0.0.1:4000/common");
  CHECK(*normalize_sso_authority("http://[::1]:4000/common") == "http://[::1]:4000/common");
  CHECK_ERROR_CODE(normalize_sso_authority("http://login.example/common"), "invalid_sso_authority");
  CHECK_ERROR_CODE(normalize_sso_authority("http://127.0.0.1.evil.example/x"),
                   "invalid_sso_authority");
  CHECK_ERROR_CODE(normalize_sso_authority("https://login.microsoftonline.com"),
                   "invalid_sso_authority");
  CHECK_ERROR_CODE(normalize_sso_authority("https://user@host/x"), "invalid_sso_authority");
  CHECK_ERROR_CODE(normalize_sso_authority("ftp://host/x"), "invalid_sso_authority");
}

TEST_CASE("sso: the fake authority refuses a token request without the PKCE verifier") {
  AccountsFixture a;
  FakeIdentityProvider idp(kClientId, kClientSecret, a.clock());
  HttpClientRequest authorize;
  authorize.method = "GET";
  authorize.url = idp.authority() + "/oauth2/v2.0/authorize?client_id=" + kClientId +
                  "&response_type=code&redirect_uri=https%3A%2F%2Fx.test%2Fcb&response_mode=query"
                  "&scope=openid&state=s&nonce=n&code_challenge=abc&code_challenge_method=S256";
  auto redirected = idp.client().send(authorize);
  REQUIRE_OK(redirected);
  REQUIRE(redirected->status == 302);
  HttpClientRequest token;
  token.url = idp.authority() + "/oauth2/v2.0/token";
  token.body = std::string("client_id=") + kClientId + "&client_secret=" + kClientSecret +
               "&grant_type=authorization_code&redirect_uri=https%3A%2F%2Fx.test%2Fcb&code=" +
               query_of(redirected->header("Location"))["code"];
  auto refused = idp.client().send(token);
  REQUIRE_OK(refused);
  CHECK(refused->status == 400);
  CHECK(idp.token_refusals() == 1);
}

}  // namespace
}  // namespace scriptmesh::testing
