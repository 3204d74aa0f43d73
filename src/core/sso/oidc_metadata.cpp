#include "core/sso/oidc_metadata.hpp"

#include <boost/json.hpp>

#include "scriptmesh/http_client.hpp"
#include "scriptmesh/sso.hpp"

namespace scriptmesh::sso {
namespace {

namespace json = boost::json;

Error unusable(std::string message) {
  return Error::unavailable("sso_unavailable", std::move(message));
}

// Where the authority's endpoints may live: https, or loopback http when the
// authority itself is loopback http (tests). A document naming a plain-http
// endpoint elsewhere would send the client secret and codes in clear.
Result<std::string> endpoint(const json::object& doc, std::string_view key, bool authority_http) {
  const json::value* v = doc.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return unusable("the discovery document has no " + std::string(key));
  }
  std::string url(v->as_string());
  Result<std::string> checked = normalize_sso_authority(url);
  if (!checked.ok() || (url.starts_with("http://") && !authority_http)) {
    return unusable("the discovery document's " + std::string(key) + " is not an https URL");
  }
  return url;
}

Result<Discovery> parse_discovery(std::string_view text, bool authority_http) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return unusable("the discovery document is not a JSON object");
  const json::object& doc = v.as_object();
  Discovery d;
  const json::value* issuer = doc.if_contains("issuer");
  if (issuer == nullptr || !issuer->is_string() || issuer->as_string().empty()) {
    return unusable("the discovery document has no issuer");
  }
  d.issuer = std::string(issuer->as_string());
  auto authorize = endpoint(doc, "authorization_endpoint", authority_http);
  SCRIPTMESH_RETURN_IF_ERROR(authorize);
  auto token = endpoint(doc, "token_endpoint", authority_http);
  SCRIPTMESH_RETURN_IF_ERROR(token);
  auto jwks = endpoint(doc, "jwks_uri", authority_http);
  SCRIPTMESH_RETURN_IF_ERROR(jwks);
  d.authorization_endpoint = std::move(*authorize);
  d.token_endpoint = std::move(*token);
  d.jwks_uri = std::move(*jwks);
  return d;
}

}  // namespace

OidcMetadata::OidcMetadata(HttpClient& http, Clock& clock, OidcMetadataOptions options)
    : http_(http), clock_(clock), options_(std::move(options)) {}

Result<std::string> OidcMetadata::fetch(const std::string& url) {
  HttpClientRequest request;
  request.method = "GET";
  request.url = url;
  request.headers = {{"Accept", "application/json"}};
  request.timeout = options_.timeout;
  Result<HttpClientResponse> response = http_.send(request);
  if (!response.ok()) {
    return unusable("the authority could not be reached: " + response.error().to_string());
  }
  if (response->status != 200) {
    return unusable("the authority answered HTTP " + std::to_string(response->status));
  }
  return std::move(response->body);
}

Result<Discovery> OidcMetadata::discovery() {
  {
    std::lock_guard lock(mu_);
    if (discovery_ && clock_.monotonic_now() < discovery_until_) return *discovery_;
  }
  // Fetched outside the lock: a slow authority must not hold up sign-ins
  // that only need the cache. Two concurrent fetches both store; harmless.
  auto text = fetch(options_.authority + "/v2.0/.well-known/openid-configuration");
  SCRIPTMESH_RETURN_IF_ERROR(text);
  auto parsed = parse_discovery(*text, options_.authority.starts_with("http://"));
  SCRIPTMESH_RETURN_IF_ERROR(parsed);
  std::lock_guard lock(mu_);
  discovery_ = *parsed;
  discovery_until_ = clock_.monotonic_now() + options_.ttl;
  return std::move(*parsed);
}

Result<KeySet> OidcMetadata::fetch_keys() {
  auto doc = discovery();
  SCRIPTMESH_RETURN_IF_ERROR(doc);
  auto text = fetch(doc->jwks_uri);
  SCRIPTMESH_RETURN_IF_ERROR(text);
  return parse_jwks(*text);
}

Result<RsaPublicKey> OidcMetadata::key(std::string_view kid) {
  {
    std::lock_guard lock(mu_);
    const MonoTime now = clock_.monotonic_now();
    if (keys_ && now < keys_until_) {
      if (auto it = keys_->find(kid); it != keys_->end()) return it->second;
      // A fresh set without this kid: refetch only if the last refetch for
      // an unknown kid is old enough (the keys may have rolled over).
      if (last_unknown_kid_ && now - *last_unknown_kid_ < options_.refetch_interval) {
        return Error::unauthenticated("invalid_id_token", "no signing key has the token's kid");
      }
      last_unknown_kid_ = now;
    }
  }
  auto keys = fetch_keys();
  SCRIPTMESH_RETURN_IF_ERROR(keys);
  std::lock_guard lock(mu_);
  keys_ = std::move(*keys);
  keys_until_ = clock_.monotonic_now() + options_.ttl;
  if (auto it = keys_->find(kid); it != keys_->end()) return it->second;
  return Error::unauthenticated("invalid_id_token", "no signing key has the token's kid");
}

}  // namespace scriptmesh::sso
