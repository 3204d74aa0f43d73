#include "http/router.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "http/json_body.hpp"
#include "http/url.hpp"

namespace scriptmesh::http {
namespace {

bool valid_param_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

[[noreturn]] void bad_route(const Route& route, std::string_view why) {
  throw std::invalid_argument(fmt::format("route {} {} ({}): {}", method_name(route.method),
                                          route.pattern, route.name, why));
}

// -1 when a is more specific (a literal where b has a parameter at the first
// difference), 1 when b is, 0 when neither.
template <typename Segments>
int compare_specificity(const Segments& a, const Segments& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].param != b[i].param) return a[i].param ? 1 : -1;
  }
  return 0;
}

// Method names for an Allow header, in a fixed order, HEAD added for GET.
std::string allow_header(const std::set<Method>& methods) {
  std::set<Method> all = methods;
  if (all.count(Method::kGet) != 0) all.insert(Method::kHead);
  std::string out;
  for (Method m : all) {
    if (!out.empty()) out += ", ";
    out += method_name(m);
  }
  return out;
}

bool is_json_object(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  return !ec && v.is_object();
}

// The OpenAPI fields are only read by the generator, but a mistake in them
// is still a table bug, so it fails at start-up like a bad pattern does.
void check_openapi_metadata(const Route& route) {
  for (const std::string* schema : {&route.request_schema, &route.response_schema}) {
    if (!schema->empty() && !is_json_object(*schema)) {
      bad_route(route, "schema is not a JSON object");
    }
  }
  if (route.success_status < 100 || route.success_status > 399) {
    bad_route(route, "success_status outside 100..399");
  }
  if (route.success_status == 204 && !route.response_schema.empty()) {
    bad_route(route, "a 204 answer has no body to describe");
  }
  for (int status : route.error_statuses) {
    if (status < 400 || status > 599) bad_route(route, "error status outside 400..599");
  }
  for (const std::string& tag : route.tags) {
    if (tag.empty()) bad_route(route, "empty tag");
  }
  std::set<std::string_view> names;
  for (const QueryParam& q : route.query_params) {
    if (q.name.empty() || !names.insert(q.name).second) {
      bad_route(route, "empty or repeated query parameter name");
    }
    if (!is_json_object(q.schema)) bad_route(route, "query parameter schema is not a JSON object");
  }
}

Response with_context_headers(Response response, const RequestContext& ctx) {
  for (const auto& [name, value] : ctx.response_headers)
    response.headers.add(name, value);
  return response;
}

Response internal_error() {
  return error_response(Error::internal("internal", "internal error"));
}

// The one answer of an asynchronous handler, shared by every copy of its
// Responder: the first deliver() passes it on, later ones are dropped, and
// when the last copy goes without an answer the request is answered 500
// instead of waiting for ever.
class OnceReply {
 public:
  OnceReply(Responder inner, Headers extra, Logger* logger, std::string route, std::string id)
      : inner_(std::move(inner)),
        extra_(std::move(extra)),
        logger_(logger),
        route_(std::move(route)),
        request_id_(std::move(id)) {}
  OnceReply(const OnceReply&) = delete;
  OnceReply& operator=(const OnceReply&) = delete;

  ~OnceReply() {
    if (!inner_) return;
    logger_->error("async handler dropped its responder",
                   {{"route", route_}, {"request_id", request_id_}});
    deliver(internal_error());
  }

  void deliver(Response response) {
    Responder inner;
    {
      std::lock_guard lock(mu_);
      if (!inner_) return;
      inner = std::move(inner_);
      inner_ = nullptr;
    }
    for (const auto& [name, value] : extra_)
      response.headers.add(name, value);
    inner(std::move(response));
  }

 private:
  std::mutex mu_;
  Responder inner_;  // guarded by mu_; empty once delivered
  const Headers extra_;
  Logger* const logger_;
  const std::string route_;
  const std::string request_id_;
};

}  // namespace

Router& Router::add(Route route) {
  if (route.name.empty()) bad_route(route, "a route needs a name");
  if (!route.handler && !route.upgrade && !route.async_handler) {
    bad_route(route, "a route needs a handler");
  }
  if (route.handler && route.async_handler) bad_route(route, "a route has one handler");
  if (route.method == Method::kUnknown) bad_route(route, "unknown method");
  if (route.pattern.empty() || route.pattern.front() != '/') {
    bad_route(route, "pattern must start with '/'");
  }
  check_openapi_metadata(route);
  std::vector<Segment> segments;
  std::set<std::string> param_names;
  for (std::string_view s : split_path(route.pattern)) {
    if (s.empty()) bad_route(route, "empty path segment");
    if (s.front() == '{' && s.back() == '}' && s.size() > 2) {
      std::string name(s.substr(1, s.size() - 2));
      if (!valid_param_name(name)) bad_route(route, "bad parameter name");
      if (!param_names.insert(name).second) bad_route(route, "repeated parameter name");
      segments.push_back({std::move(name), true});
    } else if (s.find_first_of("{}%?#") != std::string_view::npos) {
      bad_route(route, "literal segment with a reserved character");
    } else {
      segments.push_back({std::string(s), false});
    }
  }
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].name == route.name) bad_route(route, "duplicate name");
    bool same_shape = segments_[i].size() == segments.size() &&
                      std::equal(segments.begin(), segments.end(), segments_[i].begin(),
                                 [](const Segment& a, const Segment& b) {
                                   return a.param == b.param && (a.param || a.text == b.text);
                                 });
    if (same_shape && routes_[i].method == route.method) bad_route(route, "duplicate route");
  }
  routes_.push_back(std::move(route));
  segments_.push_back(std::move(segments));
  return *this;
}

Router& Router::add_guard(Guard guard) {
  guards_.push_back(std::move(guard));
  return *this;
}

Router& Router::set_fallback(std::string_view route_name,
                             std::function<bool(std::string_view)> applies) {
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].name != route_name) continue;
    if (routes_[i].method != Method::kGet || !applies) bad_route(routes_[i], "bad fallback");
    fallback_ = i;
    fallback_applies_ = std::move(applies);
    return *this;
  }
  throw std::invalid_argument(fmt::format("no route {} to fall back to", route_name));
}

Router::Match Router::match(Method method, std::string_view path) const {
  Match out;
  std::vector<std::string> decoded;
  for (std::string_view s : split_path(path)) {
    auto d = percent_decode(s, false);
    if (!d.ok()) return out;  // the server validated escapes already
    decoded.push_back(std::move(*d));
  }
  std::set<Method> path_methods;
  std::size_t best = routes_.size();
  std::size_t best_head = routes_.size();  // a GET route answering HEAD
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const auto& segs = segments_[i];
    if (segs.size() != decoded.size()) continue;
    bool matches = true;
    for (std::size_t k = 0; k < segs.size() && matches; ++k) {
      matches = segs[k].param ? !decoded[k].empty() : segs[k].text == decoded[k];
    }
    if (!matches) continue;
    path_methods.insert(routes_[i].method);
    auto better = [&](std::size_t current) {
      return current == routes_.size() || compare_specificity(segs, segments_[current]) < 0;
    };
    if (routes_[i].method == method && better(best)) best = i;
    if (method == Method::kHead && routes_[i].method == Method::kGet && better(best_head)) {
      best_head = i;
    }
  }
  if (best == routes_.size()) best = best_head;
  if (best == routes_.size()) {
    if (!path_methods.empty()) {
      out.kind = Match::Kind::kMethodNotAllowed;
      out.allow = allow_header(path_methods);
    } else if (fallback_ && (method == Method::kGet || method == Method::kHead) &&
               fallback_applies_(path)) {
      out.kind = Match::Kind::kFound;
      out.route = &routes_[*fallback_];
    }
    return out;
  }
  out.kind = Match::Kind::kFound;
  out.route = &routes_[best];
  for (std::size_t k = 0; k < segments_[best].size(); ++k) {
    if (segments_[best][k].param) out.params.emplace_back(segments_[best][k].text, decoded[k]);
  }
  return out;
}

std::variant<const Route*, Response> Router::route(Request& request, RequestContext& ctx) const {
  Match m = match(request.method, request.path);
  if (m.kind == Match::Kind::kNotFound) {
    return error_response(Error::not_found("not_found", "no such resource"));
  }
  if (m.kind == Match::Kind::kMethodNotAllowed) {
    Response r = error_response(Error::invalid_argument(
        "method_not_allowed",
        fmt::format("method {} is not allowed here", method_name(request.method))));
    r.headers.set("Allow", m.allow);
    return r;
  }
  request.path_params = std::move(m.params);
  ctx.route = m.route;
  for (const Guard& guard : guards_) {
    Result<void> verdict = [&]() -> Result<void> {
      try {
        return guard(request, ctx);
      } catch (const std::exception& e) {
        ctx.logger->error(
            "guard threw",
            {{"route", m.route->name}, {"request_id", request.request_id}, {"error", e.what()}});
        return Error::internal("internal", "internal error");
      }
    }();
    if (!verdict.ok()) return with_context_headers(error_response(verdict.error()), ctx);
  }
  return m.route;
}

Response Router::run_handler(const Route& route, const Request& request,
                             RequestContext& ctx) const {
  if (!route.handler && route.async_handler) {
    ctx.logger->error("async route run synchronously", {{"route", route.name}});
    return with_context_headers(internal_error(), ctx);
  }
  if (!route.handler) {
    Response r = error_response(
        Error::invalid_argument("upgrade_required", "this resource is only served over WebSocket"));
    r.headers.set("Upgrade", "websocket");
    return with_context_headers(std::move(r), ctx);
  }
  try {
    return with_context_headers(route.handler(request, ctx), ctx);
  } catch (const std::exception& e) {
    ctx.logger->error(
        "handler threw",
        {{"route", route.name}, {"request_id", request.request_id}, {"error", e.what()}});
  } catch (...) {
    ctx.logger->error("handler threw", {{"route", route.name}, {"request_id", request.request_id}});
  }
  return with_context_headers(internal_error(), ctx);
}

void Router::run(const Route& route, const Request& request, RequestContext& ctx,
                 Responder respond) const {
  if (!route.async_handler) return respond(run_handler(route, request, ctx));
  auto reply = std::make_shared<OnceReply>(std::move(respond), ctx.response_headers, ctx.logger,
                                           route.name, request.request_id);
  Responder once = [reply](Response response) { reply->deliver(std::move(response)); };
  try {
    route.async_handler(request, ctx, std::move(once));
    return;
  } catch (const std::exception& e) {
    ctx.logger->error(
        "handler threw",
        {{"route", route.name}, {"request_id", request.request_id}, {"error", e.what()}});
  } catch (...) {
    ctx.logger->error("handler threw", {{"route", route.name}, {"request_id", request.request_id}});
  }
  reply->deliver(internal_error());
}

Response Router::dispatch(Request& request, RequestContext& ctx) const {
  auto routed = route(request, ctx);
  if (auto* response = std::get_if<Response>(&routed)) return std::move(*response);
  return run_handler(*std::get<const Route*>(routed), request, ctx);
}

void Router::dispatch(Request& request, RequestContext& ctx, Responder respond) const {
  auto routed = route(request, ctx);
  if (auto* response = std::get_if<Response>(&routed)) return respond(std::move(*response));
  run(*std::get<const Route*>(routed), request, ctx, std::move(respond));
}

void add_health_routes(Router& router, std::function<bool()> ready) {
  Route healthz;
  healthz.pattern = "/healthz";
  healthz.name = "health.live";
  healthz.public_route = true;
  healthz.rate_limit_class = "health";
  healthz.summary = "Liveness: the process is serving";
  healthz.handler = [](const Request&, RequestContext&) {
    return json_response(200, boost::json::object{{"status", "ok"}});
  };
  router.add(std::move(healthz));

  Route readyz;
  readyz.pattern = "/readyz";
  readyz.name = "health.ready";
  readyz.public_route = true;
  readyz.rate_limit_class = "health";
  readyz.summary = "Readiness: the server can take traffic";
  readyz.handler = [ready = std::move(ready)](const Request&, RequestContext&) {
    if (!ready || ready()) return json_response(200, boost::json::object{{"status", "ready"}});
    return json_response(503, boost::json::object{{"status", "not_ready"}});
  };
  router.add(std::move(readyz));
}

}  // namespace scriptmesh::http
