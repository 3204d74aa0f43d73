// Accounts and sessions: register, verify, login, refresh, logout, password
// reset. All public routes; AccountService does the work and keeps the
// answers uniform where they could reveal whether an address has an account.
//
// The browser session (the web dashboard): login and refresh with
// {"session":"cookie"} put the refresh token in the cookie
//   sm_refresh=<token>; Path=/v1/auth; HttpOnly; SameSite=Strict; Max-Age=...
// (plus Secure when the orchestrator is reached over HTTPS) and leave it out
// of the body, so no script on the page can read it. Refresh and logout read
// the cookie when the body has no refresh_token; logout clears it. A cookie
// is sent by a browser on its own, so a call authenticated by it must come
// with "Content-Type: application/json" (415 "unsupported_media_type"
// otherwise): a cross-site form cannot send that type, and a cross-site
// script cannot without a CORS preflight, which this server never grants.
// SameSite=Strict already keeps the cookie off cross-site requests; the type
// check is the second lock.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/accounts.hpp"
#include "scriptmesh/password.hpp"

namespace scriptmesh::http::api {
namespace {

// Longer than any valid address (254) so the service, not the parser, names
// the problem ("invalid_email") for a merely long one.
constexpr std::size_t kMaxEmailBytes = 320;
constexpr std::size_t kMaxTenantNameBytes = 400;
constexpr std::size_t kMaxCodeBytes = 16;
constexpr std::size_t kMaxTokenBytes = 512;

constexpr std::string_view kRefreshCookie = "sm_refresh";

boost::json::object token_pair_json(const TokenPair& pair) {
  return {{"access_token", pair.access_token},
          {"refresh_token", pair.refresh_token},
          {"token_type", pair.token_type},
          {"expires_in", pair.expires_in}};
}

std::string refresh_cookie(const ApiServices& s, std::string_view token, std::int64_t max_age_sec) {
  std::string cookie =
      std::string(kRefreshCookie) + "=" + std::string(token) +
      "; Path=/v1/auth; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_sec);
  if (s.secure_cookies) cookie += "; Secure";
  return cookie;
}

// The answer to a login or refresh: the pair in the body, or (a browser
// session) the refresh token in the cookie and the rest in the body.
Response token_answer(const ApiServices& s, const TokenPair& pair, bool as_cookie) {
  if (!as_cookie) return json_response(200, token_pair_json(pair));
  boost::json::object body = token_pair_json(pair);
  body.erase("refresh_token");
  Response r = json_response(200, std::move(body));
  r.headers.set("Set-Cookie", refresh_cookie(s, pair.refresh_token, s.refresh_cookie_max_age_sec));
  r.headers.set("Cache-Control", "no-store");
  return r;
}

// {"session":"cookie"} asks for the browser session; "body" (the default)
// for the token pair in the body.
Result<bool> wants_cookie(const boost::json::object& body) {
  auto session = optional_string(body, "session", 16);
  SCRIPTMESH_RETURN_IF_ERROR(session);
  if (!*session || **session == "body") return false;
  if (**session == "cookie") return true;
  return Error::invalid_argument("invalid_field",
                                 "field \"session\" must be \"body\" or \"cookie\"");
}

// The sm_refresh cookie's value, if the request carries one.
std::optional<std::string> cookie_token(const Request& request) {
  auto header = request.header("Cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    std::size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (pair.starts_with(' '))
      pair.remove_prefix(1);
    if (pair.starts_with(kRefreshCookie) && pair.substr(kRefreshCookie.size()).starts_with('=')) {
      std::string_view value = pair.substr(kRefreshCookie.size() + 1);
      if (!value.empty() && value.size() <= kMaxTokenBytes) return std::string(value);
    }
  }
  return std::nullopt;
}

bool is_json_request(const Request& request) {
  auto type = request.header("Content-Type");
  if (!type) return false;
  std::string_view t = type->substr(0, type->find(';'));
  while (t.ends_with(' '))
    t.remove_suffix(1);
  return t.size() == 16 && std::equal(t.begin(), t.end(), "application/json", [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

// Where a refresh or logout finds the token: the body's refresh_token, else
// the cookie (and then the answer is a cookie too).
struct SessionToken {
  std::string token;
  bool from_cookie = false;
};

Result<SessionToken> session_token(const Request& request, const boost::json::object& body) {
  auto in_body = optional_string(body, "refresh_token", kMaxTokenBytes, 1);
  SCRIPTMESH_RETURN_IF_ERROR(in_body);
  if (*in_body) return SessionToken{std::move(**in_body), false};
  auto cookie = cookie_token(request);
  if (!cookie) {
    return Error::invalid_argument(
        "invalid_field", "field \"refresh_token\" is required without an sm_refresh cookie");
  }
  if (!is_json_request(request)) {
    return Error::invalid_argument("unsupported_media_type",
                                   "a call authenticated by the session cookie must be sent with "
                                   "Content-Type: application/json");
  }
  return SessionToken{std::move(*cookie), true};
}

// Runs `read` over the parsed body, then `act` over what it read.
template <typename Read, typename Act>
Response with_body(const Request& request, Read read, Act act) {
  return respond([&]() -> Result<Response> {
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto input = read(*body);
    SCRIPTMESH_RETURN_IF_ERROR(input);
    return act(*input);
  }());
}

Result<std::string> read_email(const boost::json::object& body) {
  return required_string(body, "email", kMaxEmailBytes);
}

}  // namespace

Response register_account(ApiServices& s, const Request& request, RequestContext&) {
  struct Input {
    std::string email, password, tenant_name;
  };
  auto read = [](const boost::json::object& body) -> Result<Input> {
    auto email = read_email(body);
    SCRIPTMESH_RETURN_IF_ERROR(email);
    auto password = required_string(body, "password", kMaxPasswordBytes);
    SCRIPTMESH_RETURN_IF_ERROR(password);
    auto tenant_name = required_string(body, "tenant_name", kMaxTenantNameBytes);
    SCRIPTMESH_RETURN_IF_ERROR(tenant_name);
    return Input{std::move(*email), std::move(*password), std::move(*tenant_name)};
  };
  return with_body(request, read, [&](const Input& in) -> Result<Response> {
    auto created = s.accounts.register_account(in.email, in.password, in.tenant_name);
    SCRIPTMESH_RETURN_IF_ERROR(created);
    return json_response(201, boost::json::object{{"user_id", created->user_id.str()},
                                                  {"tenant_id", created->tenant_id.str()}});
  });
}

Response verify_email(ApiServices& s, const Request& request, RequestContext&) {
  struct Input {
    std::string email, code;
  };
  auto read = [](const boost::json::object& body) -> Result<Input> {
    auto email = read_email(body);
    SCRIPTMESH_RETURN_IF_ERROR(email);
    auto code = required_string(body, "code", kMaxCodeBytes);
    SCRIPTMESH_RETURN_IF_ERROR(code);
    return Input{std::move(*email), std::move(*code)};
  };
  return with_body(request, read, [&](const Input& in) -> Result<Response> {
    SCRIPTMESH_RETURN_IF_ERROR(s.accounts.verify(in.email, in.code));
    return json_response(200, boost::json::object{{"verified", true}});
  });
}

Response resend_verification(ApiServices& s, const Request& request, RequestContext&) {
  return with_body(request, read_email, [&](const std::string& email) -> Result<Response> {
    SCRIPTMESH_RETURN_IF_ERROR(s.accounts.resend_verification(email));
    return json_response(202, boost::json::object{{"status", "accepted"}});
  });
}

Response login(ApiServices& s, const Request& request, RequestContext&) {
  struct Input {
    std::string email, password;
    bool cookie = false;
  };
  auto read = [](const boost::json::object& body) -> Result<Input> {
    auto email = read_email(body);
    SCRIPTMESH_RETURN_IF_ERROR(email);
    auto password = required_string(body, "password", kMaxPasswordBytes);
    SCRIPTMESH_RETURN_IF_ERROR(password);
    auto cookie = wants_cookie(body);
    SCRIPTMESH_RETURN_IF_ERROR(cookie);
    return Input{std::move(*email), std::move(*password), *cookie};
  };
  return with_body(request, read, [&](const Input& in) -> Result<Response> {
    auto pair = s.accounts.login(in.email, in.password);
    SCRIPTMESH_RETURN_IF_ERROR(pair);
    return token_answer(s, *pair, in.cookie);
  });
}

Response refresh(ApiServices& s, const Request& request, RequestContext&) {
  auto read = [&](const boost::json::object& body) -> Result<SessionToken> {
    auto token = session_token(request, body);
    SCRIPTMESH_RETURN_IF_ERROR(token);
    auto cookie = wants_cookie(body);
    SCRIPTMESH_RETURN_IF_ERROR(cookie);
    token->from_cookie = token->from_cookie || *cookie;
    return token;
  };
  return with_body(request, read, [&](const SessionToken& in) -> Result<Response> {
    auto pair = s.accounts.refresh(in.token);
    if (!pair.ok() && in.from_cookie) {
      // A spent or revoked cookie is of no further use: drop it.
      Response r = error_response(pair.error());
      r.headers.set("Set-Cookie", refresh_cookie(s, "", 0));
      return r;
    }
    SCRIPTMESH_RETURN_IF_ERROR(pair);
    return token_answer(s, *pair, in.from_cookie);
  });
}

Response logout(ApiServices& s, const Request& request, RequestContext&) {
  auto read = [&](const boost::json::object& body) { return session_token(request, body); };
  return with_body(request, read, [&](const SessionToken& in) -> Result<Response> {
    SCRIPTMESH_RETURN_IF_ERROR(s.accounts.logout(in.token));
    Response r = empty_response(204);
    if (in.from_cookie) r.headers.set("Set-Cookie", refresh_cookie(s, "", 0));
    return r;
  });
}

Response forgot_password(ApiServices& s, const Request& request, RequestContext&) {
  return with_body(request, read_email, [&](const std::string& email) -> Result<Response> {
    SCRIPTMESH_RETURN_IF_ERROR(s.accounts.forgot_password(email));
    return json_response(202, boost::json::object{{"status", "accepted"}});
  });
}

Response reset_password(ApiServices& s, const Request& request, RequestContext&) {
  struct Input {
    std::string token, new_password;
  };
  auto read = [](const boost::json::object& body) -> Result<Input> {
    auto token = required_string(body, "token", kMaxTokenBytes);
    SCRIPTMESH_RETURN_IF_ERROR(token);
    auto password = required_string(body, "new_password", kMaxPasswordBytes);
    SCRIPTMESH_RETURN_IF_ERROR(password);
    return Input{std::move(*token), std::move(*password)};
  };
  return with_body(request, read, [&](const Input& in) -> Result<Response> {
    SCRIPTMESH_RETURN_IF_ERROR(s.accounts.reset_password(in.token, in.new_password));
    return empty_response(204);
  });
}

}  // namespace scriptmesh::http::api
