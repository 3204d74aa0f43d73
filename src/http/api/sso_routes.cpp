// Sign in with Microsoft (SsoService): the providers list, the browser's
// start and callback redirects with the state cookie, the one-time code
// exchange, and linking from a signed-in session.
//
// The state cookie is HttpOnly and SameSite=Lax (the callback is a top-level
// GET navigation from the authority, which Lax lets through), scoped to the
// callback path, and Secure whenever the public URL is https.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/sso.hpp"

namespace scriptmesh::http::api {
namespace {

// Login codes are 43 characters; anything much longer cannot be one.
constexpr std::size_t kMaxSsoCodeBytes = 128;
// Bounds on what the callback copies out of its query.
constexpr std::size_t kMaxCallbackParamBytes = 4096;

Error not_configured() {
  return Error::not_found("sso_not_configured", "Sign in with Microsoft is not configured");
}

std::string state_cookie(const SsoService& sso, std::string_view value, std::int64_t max_age) {
  std::string cookie = std::string(kSsoStateCookie) + "=" + std::string(value) +
                       "; Path=" + std::string(kSsoCallbackPath) +
                       "; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Lax";
  if (sso.secure_cookies()) cookie += "; Secure";
  return cookie;
}

// A redirect that must not be cached, and whose target (which may carry a
// one-time code) is not leaked to the next site through Referer.
Response redirect(std::string location) {
  Response r = empty_response(302);
  r.headers.set("Location", std::move(location));
  r.headers.set("Cache-Control", "no-store");
  r.headers.set("Referrer-Policy", "no-referrer");
  return r;
}

// The value of cookie `name` in the request's Cookie header; "" when absent.
std::string cookie_value(const Request& request, std::string_view name) {
  std::optional<std::string_view> header = request.header("Cookie");
  if (!header) return {};
  std::string_view rest = *header;
  while (!rest.empty()) {
    std::size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    while (!pair.empty() && pair.front() == ' ')
      pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return {};
}

std::string query_text(const Request& request, std::string_view name) {
  std::optional<std::string_view> value = request.query_param(name);
  if (!value || value->size() > kMaxCallbackParamBytes) return {};
  return std::string(*value);
}

}  // namespace

Response list_sso_providers(ApiServices& s, const Request&, RequestContext&) {
  boost::json::array providers;
  if (s.sso != nullptr && s.sso->enabled()) {
    providers.push_back(boost::json::object{
        {"id", "microsoft"}, {"name", "Microsoft"}, {"start_url", "/v1/auth/sso/microsoft/start"}});
  }
  return json_response(200, boost::json::object{{"providers", std::move(providers)}});
}

Response start_microsoft_sso(ApiServices& s, const Request&, RequestContext&) {
  if (s.sso == nullptr || !s.sso->enabled()) return error_response(not_configured());
  Result<SsoStart> started = s.sso->start();
  if (!started.ok()) {
    // A browser is following this link: send it back to the sign-in page
    // (the service logged why).
    return redirect(s.sso->login_error_location(started.error().code()));
  }
  Response r = redirect(std::move(started->location));
  r.headers.set("Set-Cookie",
                state_cookie(*s.sso, started->state_cookie, s.sso->state_ttl().count()));
  return r;
}

Response microsoft_sso_callback(ApiServices& s, const Request& request, RequestContext&) {
  if (s.sso == nullptr || !s.sso->enabled()) return error_response(not_configured());
  SsoCallbackInput input;
  input.code = query_text(request, "code");
  input.state = query_text(request, "state");
  input.error = query_text(request, "error");
  input.state_cookie = cookie_value(request, kSsoStateCookie);
  if (input.state_cookie.size() > kMaxCallbackParamBytes) input.state_cookie.clear();
  SsoCallbackResult result = s.sso->callback(input);
  Response r = redirect(std::move(result.location));
  // The state is spent either way: the cookie goes.
  r.headers.set("Set-Cookie", state_cookie(*s.sso, "", 0));
  return r;
}

Response exchange_sso_code(ApiServices& s, const Request& request, RequestContext&) {
  return respond([&]() -> Result<Response> {
    if (s.sso == nullptr) return not_configured();
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto code = required_string(*body, "code", kMaxSsoCodeBytes);
    SCRIPTMESH_RETURN_IF_ERROR(code);
    auto pair = s.sso->exchange(*code);
    SCRIPTMESH_RETURN_IF_ERROR(pair);
    return json_response(200, boost::json::object{{"access_token", pair->access_token},
                                                  {"refresh_token", pair->refresh_token},
                                                  {"token_type", pair->token_type},
                                                  {"expires_in", pair->expires_in}});
  }());
}

Response link_microsoft_sso(ApiServices& s, const Request&, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    if (s.sso == nullptr) return not_configured();
    auto started = s.sso->start(*who);
    SCRIPTMESH_RETURN_IF_ERROR(started);
    Response r = json_response(200, boost::json::object{{"authorize_url", started->location}});
    r.headers.set("Set-Cookie",
                  state_cookie(*s.sso, started->state_cookie, s.sso->state_ttl().count()));
    r.headers.set("Cache-Control", "no-store");
    return r;
  }());
}

}  // namespace scriptmesh::http::api
