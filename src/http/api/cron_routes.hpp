// GET /v1/cron/preview?expr=&tz=&from=&count=: the next fire times of a cron
// expression, so a user can check a schedule before creating it.
//
//   expr   required; classic five-field cron or a macro (scriptmesh/cron.hpp)
//   tz     IANA zone the expression is read in; default "UTC"
//   from   RFC 3339; runs are strictly after it; default: the clock's now
//   count  1..kMaxCronPreviewRuns, default kDefaultCronPreviewRuns
//
// 200 {"runs":["2026-03-08T07:00:00Z", ...]}: RFC 3339 UTC, whole seconds,
// ascending, the daylight saving rule of cron.hpp applied. Fewer than
// `count` only when the search window (cron.hpp) runs out.
//
// Errors (422): invalid_cron with parse_cron()'s message naming the cron
// field; invalid_timezone for an unknown zone; invalid_field naming "expr"
// (absent or empty), "from" or "count". Without a caller: 401
// missing_credentials (the route table should say min role member).
//
// The handler takes the Clock directly so it can be tested without the rest
// of ApiServices; the ApiServices overload is the one the route table holds.
#pragma once

#include "http/router.hpp"

namespace scriptmesh {
class Clock;
}

namespace scriptmesh::http {
struct ApiServices;
}

namespace scriptmesh::http::api {

inline constexpr int kMaxCronPreviewRuns = 100;
inline constexpr int kDefaultCronPreviewRuns = 5;

Response preview_cron(Clock& clock, const Request& request, RequestContext& ctx);
Response preview_cron(ApiServices& s, const Request& request, RequestContext& ctx);

}  // namespace scriptmesh::http::api
