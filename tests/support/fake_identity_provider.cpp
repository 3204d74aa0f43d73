#include "support/fake_identity_provider.hpp"

#include <cctype>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>

#include "http/server.hpp"
#include "http/url.hpp"
#include "scriptmesh/encoding.hpp"
#include "scriptmesh/hash.hpp"
#include "scriptmesh/random.hpp"

namespace scriptmesh::testing {
namespace {

namespace json = boost::json;
using Params = std::map<std::string, std::string>;

// One RSA signing key of the fake.
struct SigningKey {
  std::string kid;
  std::shared_ptr<EVP_PKEY> key;

  static SigningKey generate() {
    EVP_PKEY* raw = EVP_RSA_gen(2048);
    if (raw == nullptr) throw std::runtime_error("fake identity provider: RSA keygen failed");
    return SigningKey{"kid-" + random_token(6), std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free)};
  }

  std::string param(const char* name) const {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key.get(), name, &bn) != 1) return {};
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return base64url_encode(bytes, false);
  }

  json::object jwk() const {
    return {{"kty", "RSA"},
            {"use", "sig"},
            {"kid", kid},
            {"n", param(OSSL_PKEY_PARAM_RSA_N)},
            {"e", param(OSSL_PKEY_PARAM_RSA_E)}};
  }

  std::string public_pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key.get());
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    return pem;
  }

  std::string sign(std::string_view input) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t size = 0;
    std::string sig;
    if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
        EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1) {
      sig.resize(size);
      if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &size,
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
        sig.clear();
      }
      sig.resize(size);
    }
    EVP_MD_CTX_free(ctx);
    return sig;
  }
};

// An issued authorization code and what the token request must match.
struct IssuedCode {
  FakeIdpUser user;
  std::string nonce;
  std::string challenge;
  std::string redirect_uri;
  bool used = false;
};

// "a=1&b=x%20y" -> {a: 1, b: "x y"}.
Params parse_form(std::string_view text) {
  Params out;
  while (!text.empty()) {
    std::size_t end = text.find('&');
    std::string_view pair = text.substr(0, end);
    std::size_t eq = pair.find('=');
    auto name = http::percent_decode(pair.substr(0, eq), true);
    auto value = http::percent_decode(eq == pair.npos ? "" : pair.substr(eq + 1), true);
    if (name.ok() && value.ok()) out[*name] = *value;
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

std::string encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

HttpClientResponse answer(int status, std::string body,
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpClientResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

HttpClientResponse json_error(int status, std::string_view error) {
  return answer(status, json::serialize(json::object{{"error", error}}));
}

}  // namespace

struct FakeIdentityProvider::Impl : HttpClient {
  Impl(std::string id, std::string secret, Clock& c)
      : client_id(std::move(id)), client_secret(std::move(secret)), clock(c) {
    keys.push_back(SigningKey::generate());
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }

  // Every endpoint: method, path (no query) and decoded parameters (query
  // for GET, form body for POST).
  HttpClientResponse handle(std::string_view method, std::string_view path, const Params& params) {
    std::lock_guard lock(mu);
    if (method == "GET" && path.ends_with("/v2.0/.well-known/openid-configuration")) {
      ++discovery_count;
      std::string tenant(path.substr(1, path.find('/', 1) - 1));
      return answer(
          200, json::serialize(json::object{
                   {"issuer", base() + "/{tenantid}/v2.0"},
                   {"authorization_endpoint", base() + "/" + tenant + "/oauth2/v2.0/authorize"},
                   {"token_endpoint", base() + "/" + tenant + "/oauth2/v2.0/token"},
                   {"jwks_uri", base() + "/" + tenant + "/discovery/v2.0/keys"},
                   {"response_types_supported", json::array{"code"}},
                   {"id_token_signing_alg_values_supported", json::array{"RS256"}}}));
    }
    if (method == "GET" && path.ends_with("/discovery/v2.0/keys")) {
      ++jwks_count;
      json::array list;
      for (const SigningKey& k : keys)
        list.push_back(k.jwk());
      return answer(200, json::serialize(json::object{{"keys", std::move(list)}}));
    }
    if (method == "GET" && path.ends_with("/oauth2/v2.0/authorize")) return authorize(params);
    if (method == "POST" && path.ends_with("/oauth2/v2.0/token")) return token(params);
    return json_error(404, "not_found");
  }

  HttpClientResponse authorize(const Params& p) {
    auto get = [&](const char* k) {
      auto it = p.find(k);
      return it == p.end() ? std::string() : it->second;
    };
    const std::string redirect_uri = get("redirect_uri");
    if (get("client_id") != client_id || get("response_type") != "code" || redirect_uri.empty() ||
        get("response_mode") != "query" || get("scope").find("openid") == std::string::npos ||
        get("state").empty() || get("nonce").empty() || get("code_challenge").empty() ||
        get("code_challenge_method") != "S256") {
      return json_error(400, "invalid_request");
    }
    std::string target = redirect_uri + (redirect_uri.find('?') == std::string::npos ? "?" : "&");
    if (deny) {
      deny = false;
      target += "error=access_denied&error_description=" + encode("The user declined.") +
                "&state=" + encode(get("state"));
    } else {
      std::string code = random_token(24);
      codes[code] = IssuedCode{user, get("nonce"), get("code_challenge"), redirect_uri, false};
      target += "code=" + encode(code) + "&state=" + encode(get("state"));
    }
    HttpClientResponse r = answer(302, "");
    r.headers.emplace_back("Location", target);
    return r;
  }

  HttpClientResponse token(const Params& p) {
    ++token_count;
    auto get = [&](const char* k) {
      auto it = p.find(k);
      return it == p.end() ? std::string() : it->second;
    };
    if (get("client_id") != client_id || get("client_secret") != client_secret) {
      ++refusal_count;
      return json_error(401, "invalid_client");
    }
    auto it = codes.find(get("code"));
    const bool pkce_ok =
        it != codes.end() && !get("code_verifier").empty() &&
        base64url_encode(sha256(get("code_verifier")), false) == it->second.challenge;
    if (get("grant_type") != "authorization_code" || it == codes.end() || it->second.used ||
        get("redirect_uri") != it->second.redirect_uri || !pkce_ok) {
      ++refusal_count;
      if (it != codes.end()) it->second.used = true;  // a code is worth one try
      return json_error(400, "invalid_grant");
    }
    it->second.used = true;
    json::object body{{"token_type", "Bearer"},
                      {"scope", "openid profile email offline_access"},
                      {"expires_in", 3600},
                      {"access_token", random_token(24)},
                      {"id_token", id_token(it->second)}};
    return answer(200, json::serialize(body));
  }

  std::string id_token(const IssuedCode& code) {
    const std::int64_t now = to_unix_seconds(clock.now());
    json::object header{{"typ", "JWT"}, {"alg", "RS256"}, {"kid", keys.back().kid}};
    json::object claims{{"ver", "2.0"},
                        {"iss", base() + "/" + code.user.tid + "/v2.0"},
                        {"aud", client_id},
                        {"tid", code.user.tid},
                        {"oid", code.user.oid},
                        {"sub", "sub-" + code.user.oid},
                        {"nonce", code.nonce},
                        {"iat", now},
                        {"nbf", now},
                        {"exp", now + 3600},
                        {"name", code.user.name},
                        {"preferred_username", code.user.preferred_username}};
    if (!code.user.email.empty()) claims["email"] = code.user.email;
    FakeIdpTamper how = std::move(tamper);
    tamper = FakeIdpTamper{};
    if (how.signing == FakeIdpSigning::kAlgNone) header["alg"] = "none";
    if (how.signing == FakeIdpSigning::kHs256WithPublicKey) header["alg"] = "HS256";
    if (how.edit) how.edit(header, claims);
    const std::string input = base64url_encode(json::serialize(header), false) + "." +
                              base64url_encode(json::serialize(claims), false);
    std::string signature;
    switch (how.signing) {
      case FakeIdpSigning::kCurrentKey:
        signature = keys.back().sign(input);
        break;
      case FakeIdpSigning::kStrayKey:
        signature = SigningKey::generate().sign(input);
        break;
      case FakeIdpSigning::kAlgNone:
        break;
      case FakeIdpSigning::kHs256WithPublicKey:
        signature = hmac_sha256(keys.back().public_pem(), input);
        break;
    }
    return input + "." + base64url_encode(signature, false);
  }

  // HttpClient: the endpoints in-process.
  Result<HttpClientResponse> send(const HttpClientRequest& request) override {
    const std::string prefix = base();
    if (!request.url.starts_with(prefix + "/")) {
      return Error::unavailable("connect_failed", "not this fake's address");
    }
    std::string_view rest = std::string_view(request.url).substr(prefix.size());
    std::size_t q = rest.find('?');
    Params params = request.method == "POST"
                        ? parse_form(request.body)
                        : parse_form(q == std::string_view::npos ? "" : rest.substr(q + 1));
    return handle(request.method, rest.substr(0, q), params);
  }

  http::Router make_router() {
    http::Router router;
    auto add = [&](http::Method method, std::string pattern, std::string name) {
      http::Route route;
      route.method = method;
      route.pattern = std::move(pattern);
      route.name = std::move(name);
      route.public_route = true;
      route.handler = [this](const http::Request& request, http::RequestContext&) {
        Params params;
        if (request.method == http::Method::kPost) {
          params = parse_form(request.body);
        } else {
          for (const auto& [k, v] : request.query)
            params[k] = v;
        }
        HttpClientResponse r = handle(http::method_name(request.method), request.path, params);
        http::Response out;
        out.status = r.status;
        out.body = std::move(r.body);
        for (auto& [k, v] : r.headers) {
          if (k == "Content-Type") {
            if (!out.body.empty()) out.content_type = v;
          } else {
            out.headers.add(k, v);
          }
        }
        return out;
      };
      router.add(std::move(route));
    };
    add(http::Method::kGet, "/{t}/v2.0/.well-known/openid-configuration", "discovery");
    add(http::Method::kGet, "/{t}/discovery/v2.0/keys", "jwks");
    add(http::Method::kGet, "/{t}/oauth2/v2.0/authorize", "authorize");
    add(http::Method::kPost, "/{t}/oauth2/v2.0/token", "token");
    return router;
  }

  const std::string client_id;
  const std::string client_secret;
  Clock& clock;
  std::uint16_t port = 0;
  std::unique_ptr<http::HttpServer> server;

  mutable std::mutex mu;
  std::vector<SigningKey> keys;             // guarded by mu; the last is current
  std::map<std::string, IssuedCode> codes;  // guarded by mu
  FakeIdpUser user;                         // guarded by mu
  FakeIdpTamper tamper;                     // guarded by mu
  bool deny = false;                        // guarded by mu
  int discovery_count = 0;                  // guarded by mu
  int jwks_count = 0;                       // guarded by mu
  int token_count = 0;                      // guarded by mu
  int refusal_count = 0;                    // guarded by mu
};

FakeIdentityProvider::FakeIdentityProvider(std::string client_id, std::string client_secret,
                                           Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(client_id), std::move(client_secret), clock)) {
  http::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.shutdown_grace = std::chrono::milliseconds(2000);
  impl_->server = std::make_unique<http::HttpServer>(options, impl_->make_router());
  auto started = impl_->server->start();
  if (!started.ok()) {
    throw std::runtime_error("fake identity provider: " + started.error().to_string());
  }
  std::lock_guard lock(impl_->mu);
  impl_->port = impl_->server->bound_port();
}

FakeIdentityProvider::~FakeIdentityProvider() {
  impl_->server->stop();
}

std::uint16_t FakeIdentityProvider::port() const {
  std::lock_guard lock(impl_->mu);
  return impl_->port;
}

std::string FakeIdentityProvider::authority() const {
  std::lock_guard lock(impl_->mu);
  return impl_->base() + "/organizations";
}

std::string FakeIdentityProvider::issuer_of(std::string_view tid) const {
  std::lock_guard lock(impl_->mu);
  return impl_->base() + "/" + std::string(tid) + "/v2.0";
}

void FakeIdentityProvider::sign_in_as(FakeIdpUser user) {
  std::lock_guard lock(impl_->mu);
  impl_->user = std::move(user);
}

void FakeIdentityProvider::deny_next() {
  std::lock_guard lock(impl_->mu);
  impl_->deny = true;
}

void FakeIdentityProvider::tamper_next(FakeIdpTamper tamper) {
  std::lock_guard lock(impl_->mu);
  impl_->tamper = std::move(tamper);
}

void FakeIdentityProvider::rotate_key(bool keep_old) {
  SigningKey fresh = SigningKey::generate();
  std::lock_guard lock(impl_->mu);
  if (!keep_old) impl_->keys.clear();
  impl_->keys.push_back(std::move(fresh));
}

std::string FakeIdentityProvider::current_kid() const {
  std::lock_guard lock(impl_->mu);
  return impl_->keys.back().kid;
}

int FakeIdentityProvider::discovery_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->discovery_count;
}

int FakeIdentityProvider::jwks_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->jwks_count;
}

int FakeIdentityProvider::token_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->token_count;
}

int FakeIdentityProvider::token_refusals() const {
  std::lock_guard lock(impl_->mu);
  return impl_->refusal_count;
}

HttpClient& FakeIdentityProvider::client() {
  return *impl_;
}

}  // namespace scriptmesh::testing
