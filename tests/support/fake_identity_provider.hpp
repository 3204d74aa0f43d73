// FakeIdentityProvider: a stand-in for the Microsoft identity platform's
// v2.0 endpoints on 127.0.0.1, for Sign in with Microsoft tests.
//
//   FakeIdentityProvider idp("client-id", "client-secret");
//   idp.sign_in_as({.tid = kContoso, .oid = "...", .email = "ann@contoso.example"});
//   settings["sso_microsoft_authority"] = idp.authority();   //
//   http://127.0.0.1:<port>/organizations
//
// It serves, under /<tenant>/:
//   v2.0/.well-known/openid-configuration  discovery; the issuer is the
//       multi-tenant template http://127.0.0.1:<port>/{tenantid}/v2.0
//   discovery/v2.0/keys     the JWKS: the current RSA key and, after
//       rotate_key(), the previous ones (or only the new one, see rotate_key)
//   oauth2/v2.0/authorize   checks the parameters, then redirects (302)
//       straight back to redirect_uri with a code and the state, signing in
//       the user set with sign_in_as() (or with error=access_denied after
//       deny_next())
//   oauth2/v2.0/token       checks client_id, client_secret, grant_type,
//       that the code is known and unused, the redirect_uri, and the PKCE
//       code_verifier against the authorize request's S256 challenge, then
//       answers an RS256 ID token; a refused request answers 400
//       {"error":"invalid_grant"} (401 invalid_client for the secret).
//
// tamper_next() changes how the next issued ID token is made (claims edited,
// signed with a stray key, alg none, HS256 keyed with the public key), so
// tests can present every kind of bad token through the real flow.
//
// client() answers the same endpoints in-process, for unit tests that give
// SsoService an HttpClient without a network.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/http_client.hpp"

namespace scriptmesh::testing {

// Who the fake signs in.
struct FakeIdpUser {
  std::string tid;    // directory (tenant) id
  std::string oid;    // object id
  std::string email;  // "" = no email claim
  std::string preferred_username;
  std::string name;
};

// How the next ID token is made.
enum class FakeIdpSigning {
  kCurrentKey,          // RS256 with the current key: a good token
  kStrayKey,            // RS256 with a key not in the JWKS, under the current kid
  kAlgNone,             // "alg":"none" and no signature
  kHs256WithPublicKey,  // HS256 keyed with the current public key's PEM
};

struct FakeIdpTamper {
  FakeIdpSigning signing = FakeIdpSigning::kCurrentKey;
  // Edits the claims (and header) before signing; may be empty.
  std::function<void(boost::json::object& header, boost::json::object& claims)> edit;
};

class FakeIdentityProvider {
 public:
  // Starts serving on 127.0.0.1 (a free port). `clock` stamps iat/nbf/exp
  // and must outlive the fake. Throws std::runtime_error when it cannot start.
  FakeIdentityProvider(std::string client_id, std::string client_secret,
                       Clock& clock = system_clock());
  ~FakeIdentityProvider();
  FakeIdentityProvider(const FakeIdentityProvider&) = delete;
  FakeIdentityProvider& operator=(const FakeIdentityProvider&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:<port>/organizations".
  std::string authority() const;
  // "http://127.0.0.1:<port>/<tid>/v2.0": the issuer of tid's tokens.
  std::string issuer_of(std::string_view tid) const;

  // Who the following authorize requests sign in.
  void sign_in_as(FakeIdpUser user);
  // The next authorize request answers error=access_denied.
  void deny_next();
  // The next token issued is made as `tamper` says.
  void tamper_next(FakeIdpTamper tamper);
  // A new current key with a new kid. With `keep_old` the JWKS still lists
  // the previous keys; without, only the new one.
  void rotate_key(bool keep_old = true);
  std::string current_kid() const;

  // Requests served so far per endpoint.
  int discovery_requests() const;
  int jwks_requests() const;
  int token_requests() const;
  // Token requests refused (bad secret, code, redirect_uri or verifier).
  int token_refusals() const;

  // The same endpoints without a network (URLs must name this fake's port).
  HttpClient& client();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh::testing
