// SsoService: start, callback and code exchange. Who a sign-in is, is
// decided in sso_accounts.cpp.
#include <algorithm>
#include <stdexcept>

#include <boost/json.hpp>

#include "core/accounts/account_input.hpp"
#include "core/sso/sso_impl.hpp"
#include "scriptmesh/encoding.hpp"
#include "scriptmesh/fernet.hpp"
#include "scriptmesh/hash.hpp"
#include "scriptmesh/http_client.hpp"
#include "scriptmesh/random.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

namespace json = boost::json;
using sso::Refusal;

struct SsoService::Impl {
  sso::ServiceParts parts;
};

namespace {

constexpr std::string_view kScopes = "openid profile email offline_access";

MicrosoftSsoOptions checked(MicrosoftSsoOptions options) {
  options.public_base_url = accounts::trim_base_url(options.public_base_url);
  if (options.client_id.empty()) return options;
  if (options.client_secret.empty()) {
    throw std::invalid_argument("Microsoft sign-in needs a client secret");
  }
  Result<std::string> authority = normalize_sso_authority(options.authority);
  if (!authority.ok()) throw std::invalid_argument(authority.error().message());
  options.authority = std::move(*authority);
  for (std::string& tenant : options.allowed_tenants) {
    if (tenant.empty()) throw std::invalid_argument("an allowed tenant is empty");
    for (char& c : tenant) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return options;
}

sso::OidcMetadataOptions metadata_options(const MicrosoftSsoOptions& o) {
  return {o.authority, o.metadata_ttl, o.jwks_refetch_interval, o.http_timeout};
}

Error not_configured() {
  return Error::not_found("sso_not_configured", "Sign in with Microsoft is not configured");
}

std::string pkce_challenge(const std::string& verifier) {
  return base64url_encode(sha256(verifier), false);
}

std::string authorize_url(const sso::Discovery& d, const sso::ServiceParts& p,
                          const sso::SignInState& s) {
  std::string url = d.authorization_endpoint;
  url += url.find('?') == std::string::npos ? '?' : '&';
  const std::pair<std::string_view, std::string> params[] = {
      {"client_id", p.options.client_id},
      {"response_type", "code"},
      {"redirect_uri", p.redirect_uri},
      {"response_mode", "query"},
      {"scope", std::string(kScopes)},
      {"state", s.state},
      {"nonce", s.nonce},
      {"code_challenge", pkce_challenge(s.verifier)},
      {"code_challenge_method", "S256"},
  };
  bool first = true;
  for (const auto& [name, value] : params) {
    if (!first) url += '&';
    first = false;
    url += std::string(name) + "=" + sso::form_encode(value);
  }
  return url;
}

// The code for the authorization code, as the token endpoint answers it.
std::variant<std::string, Refusal> redeem_code(sso::ServiceParts& p, const sso::Discovery& d,
                                               const std::string& code, const sso::SignInState& s) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = d.token_endpoint;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = "client_id=" + sso::form_encode(p.options.client_id) +
                 "&client_secret=" + sso::form_encode(p.options.client_secret) +
                 "&grant_type=authorization_code&code=" + sso::form_encode(code) +
                 "&redirect_uri=" + sso::form_encode(p.redirect_uri) +
                 "&code_verifier=" + sso::form_encode(s.verifier);
  request.timeout = p.options.http_timeout;
  Result<HttpClientResponse> response = p.http.send(request);
  if (!response.ok()) {
    return Refusal{"sso_unavailable", "token endpoint: " + response.error().to_string()};
  }
  if (response->status >= 500) {
    return Refusal{"sso_unavailable",
                   "token endpoint answered " + std::to_string(response->status)};
  }
  json::error_code ec;
  json::value body = json::parse(response->body, ec);
  const json::object* o = ec ? nullptr : body.if_object();
  if (response->status != 200) {
    // The authority's error code (invalid_grant, ...) says why; never its body.
    const json::value* err = o != nullptr ? o->if_contains("error") : nullptr;
    std::string why = err != nullptr && err->is_string() ? std::string(err->as_string()) : "";
    return Refusal{"sso_token_exchange_failed",
                   "token endpoint answered " + std::to_string(response->status) + " " + why};
  }
  const json::value* token = o != nullptr ? o->if_contains("id_token") : nullptr;
  if (token == nullptr || !token->is_string()) {
    return Refusal{"sso_token_exchange_failed", "the token response has no id_token"};
  }
  return std::string(token->as_string());
}

std::variant<sso::IdTokenClaims, Refusal> verify_token(sso::ServiceParts& p,
                                                       const sso::Discovery& d,
                                                       const std::string& token,
                                                       const sso::SignInState& s) {
  auto refuse = [](const Error& e) {
    return Refusal{e.code() == "sso_unavailable" ? "sso_unavailable" : "invalid_id_token",
                   e.message()};
  };
  Result<sso::ParsedIdToken> parsed = sso::parse_id_token(token);
  if (!parsed.ok()) return refuse(parsed.error());
  Result<sso::RsaPublicKey> key = p.metadata.key(parsed->kid);
  if (!key.ok()) return refuse(key.error());
  if (!key->verify_rs256(parsed->signing_input, parsed->signature)) {
    return Refusal{"invalid_id_token", "the signature does not verify"};
  }
  Result<void> claims = sso::check_id_token_claims(
      parsed->claims,
      {d.issuer, p.options.client_id, s.nonce, p.clock.now(), p.options.clock_skew});
  if (!claims.ok()) return refuse(claims.error());
  const auto& allowed = p.options.allowed_tenants;
  std::string tid = parsed->claims.tid;
  for (char& c : tid) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), tid) == allowed.end()) {
    return Refusal{"sso_tenant_not_allowed", "directory " + tid + " is not allowed"};
  }
  return std::move(parsed->claims);
}

// Issues the one-time code for `who`, stored as its hash.
std::variant<std::string, Refusal> issue_code(sso::ServiceParts& p, const sso::SignedInUser& who) {
  const std::string code = random_token(32);
  const WallTime now = p.clock.now();
  SsoLoginCodeRecord record{sha256_hex(code),         who.tenant,  who.user, now,
                            now + p.options.code_ttl, std::nullopt};
  Result<void> stored = p.store.insert_sso_login_code(who.tenant, record);
  if (!stored.ok()) return Refusal{"sso_failed", "the store failed: " + stored.error().to_string()};
  return code;
}

}  // namespace

SsoService::SsoService(Store& store, Clock& clock, HttpClient& http, AccountService& accounts,
                       const FernetKeyring& keyring, MicrosoftSsoOptions options) {
  options = checked(std::move(options));
  Logger& logger = options.logger != nullptr ? *options.logger : null_logger();
  std::string redirect_uri = options.public_base_url + std::string(kSsoCallbackPath);
  sso::OidcMetadataOptions metadata = metadata_options(options);
  impl_.reset(new Impl{sso::ServiceParts{store,
                                         clock,
                                         http,
                                         accounts,
                                         keyring,
                                         std::move(options),
                                         logger,
                                         std::move(redirect_uri),
                                         sso::OidcMetadata(http, clock, std::move(metadata)),
                                         {}}});
}

SsoService::~SsoService() = default;

bool SsoService::enabled() const noexcept {
  return !impl_->parts.options.client_id.empty();
}

bool SsoService::secure_cookies() const noexcept {
  return impl_->parts.options.public_base_url.starts_with("https://");
}

std::chrono::seconds SsoService::state_ttl() const noexcept {
  return impl_->parts.options.state_ttl;
}

std::string SsoService::login_error_location(std::string_view error) const {
  return impl_->parts.options.public_base_url + "/login?error=" + std::string(error);
}

Result<SsoStart> SsoService::start(const std::optional<Principal>& link_to) {
  if (!enabled()) return not_configured();
  sso::ServiceParts& p = impl_->parts;
  sso::SignInState state{random_token(32), random_token(32), random_token(32), std::nullopt,
                         std::nullopt};
  if (link_to) {
    if (link_to->credential_kind != "access_token" || link_to->user_id.empty()) {
      return Error::permission_denied("sso_link_needs_session",
                                      "link Microsoft while signed in, not with a key");
    }
    state.link_tenant = link_to->tenant_id;
    state.link_user = link_to->user_id;
  }
  Result<sso::Discovery> discovery = p.metadata.discovery();
  if (!discovery.ok()) {
    p.logger.warn("microsoft sign-in cannot start", {{"error", discovery.error().to_string()}});
    return Error::unavailable("sso_unavailable",
                              "the Microsoft identity platform cannot be reached");
  }
  return SsoStart{authorize_url(*discovery, p, state),
                  sso::seal_state(p.keyring, state, p.clock.now())};
}

SsoCallbackResult SsoService::callback(const SsoCallbackInput& input) {
  sso::ServiceParts& p = impl_->parts;
  auto refused = [&](const Refusal& r) {
    p.logger.warn("microsoft sign-in refused", {{"error", r.code}, {"reason", r.reason}});
    return SsoCallbackResult{login_error_location(r.code), r.code};
  };
  if (!input.error.empty()) {
    // The authority's own code, for the log only (it is its text, not ours).
    std::string code = input.error == "access_denied" ? "sso_access_denied" : "sso_provider_error";
    return refused({code, "the authority answered error=" + input.error.substr(0, 64)});
  }
  Result<sso::SignInState> state =
      sso::open_state(p.keyring, input.state_cookie, p.clock.now(), p.options.state_ttl);
  if (!state.ok()) return refused({"invalid_sso_state", state.error().message()});
  if (input.state.empty() || !constant_time_equal(input.state, state->state)) {
    return refused({"invalid_sso_state", "the state does not match the browser's cookie"});
  }
  const MonoTime now = p.clock.monotonic_now();
  if (!p.spent.spend(state->state, now, now + p.options.state_ttl)) {
    return refused({"invalid_sso_state", "the state was already used (or too many are in flight)"});
  }
  if (input.code.empty()) return refused({"sso_provider_error", "the callback carries no code"});
  Result<sso::Discovery> discovery = p.metadata.discovery();
  if (!discovery.ok()) return refused({"sso_unavailable", discovery.error().to_string()});
  auto token = redeem_code(p, *discovery, input.code, *state);
  if (auto* r = std::get_if<Refusal>(&token)) return refused(*r);
  auto claims = verify_token(p, *discovery, std::get<std::string>(token), *state);
  if (auto* r = std::get_if<Refusal>(&claims)) return refused(*r);
  auto who = sso::resolve_user(p, std::get<sso::IdTokenClaims>(claims), *state);
  if (auto* r = std::get_if<Refusal>(&who)) return refused(*r);
  const auto& user = std::get<sso::SignedInUser>(who);
  auto code = issue_code(p, user);
  if (auto* r = std::get_if<Refusal>(&code)) return refused(*r);
  p.logger.info("microsoft sign-in", {{"tenant_id", user.tenant.str()},
                                      {"user_id", user.user.str()},
                                      {"created", user.created ? "true" : "false"},
                                      {"linked", state->link_user ? "true" : "false"}});
  return SsoCallbackResult{
      p.options.public_base_url + "/sso/complete?code=" + std::get<std::string>(code), ""};
}

Result<TokenPair> SsoService::exchange(std::string_view code) {
  if (!enabled()) return not_configured();
  sso::ServiceParts& p = impl_->parts;
  auto invalid = [] {
    return Error::unauthenticated("invalid_sso_code",
                                  "the sign-in code is unknown, used or expired");
  };
  const std::string hash = sha256_hex(code);
  Result<SsoLoginCodeRecord> record = p.store.find_sso_login_code(hash);
  if (!record.ok()) {
    return record.error().category() == ErrorCategory::kNotFound ? invalid()
                                                                 : std::move(record).error();
  }
  const WallTime now = p.clock.now();
  if (record->used_at || record->expires_at <= now) return invalid();
  // Spend first: of two racing exchanges exactly one goes on.
  Result<void> spent = p.store.mark_sso_login_code_used(record->tenant_id, hash, now);
  if (!spent.ok()) {
    const bool gone = spent.error().category() == ErrorCategory::kNotFound ||
                      spent.error().code() == "sso_code_spent";
    return gone ? invalid() : std::move(spent).error();
  }
  Result<TokenPair> pair = p.accounts.start_verified_session(record->tenant_id, record->user_id);
  if (!pair.ok() && pair.error().category() == ErrorCategory::kNotFound) return invalid();
  return pair;
}

}  // namespace scriptmesh
