// The HTTP messages a route handler sees: Request in, Response out.
//
// These are plain values with no Beast or Asio types, so handlers (and their
// tests) never touch a socket: the server (server.hpp) parses the wire into a
// Request, the router (router.hpp) calls the handler, and the server writes
// the Response back.
//
// Thread safety: plain values; no shared state.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scriptmesh::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kUnknown };

// "GET", "HEAD", ...; "UNKNOWN" for kUnknown.
std::string_view method_name(Method method) noexcept;
// Parses an exact, uppercase method token; kUnknown for anything else.
Method parse_method(std::string_view text) noexcept;

// ASCII case-insensitive equality, as header names are compared.
bool iequals(std::string_view a, std::string_view b) noexcept;

// An ordered list of header fields with case-insensitive names. A name may
// repeat (add); set replaces every field of that name.
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // Appends a field, keeping any earlier ones of the same name.
  void add(std::string name, std::string value);
  // Replaces every field named `name` with one field.
  void set(std::string name, std::string value);
  // Removes every field named `name`.
  void remove(std::string_view name);
  // The first field named `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  std::vector<Field>::const_iterator begin() const noexcept { return fields_.begin(); }
  std::vector<Field>::const_iterator end() const noexcept { return fields_.end(); }

 private:
  std::vector<Field> fields_;
};

// Name/value pairs in the order they appeared (query parameters, path
// parameters). Names are compared exactly (case-sensitive).
using Params = std::vector<std::pair<std::string, std::string>>;

// One parsed HTTP request. Filled by the server; the router adds
// path_params; handlers only read it.
struct Request {
  Method method = Method::kGet;
  // The request-target exactly as received: "/v1/jobs?limit=5".
  std::string target;
  // The path part of the target, still percent-encoded: "/v1/jobs". Path
  // parameters are decoded one segment at a time, so "%2F" inside an id
  // stays part of that id instead of splitting the path.
  std::string path;
  // Query parameters, percent-decoded ('+' means space), in order; repeats kept.
  Params query;
  // Decoded values of the route pattern's {name} segments.
  Params path_params;
  Headers headers;
  std::string body;
  // The peer's IP address as text ("127.0.0.1", "::1").
  std::string client_address;
  // The X-Request-Id this request is answered with (echoed or generated).
  std::string request_id;
  // True when the request arrived over TLS.
  bool secure = false;

  // The first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  // The first query parameter named `name`, or nullopt.
  std::optional<std::string_view> query_param(std::string_view name) const;
  // The path parameter `name`; empty when the route has no such parameter.
  std::string_view path_param(std::string_view name) const;
};

// What a handler returns. The server owns the framing headers (Content-Length,
// Transfer-Encoding, Connection) and adds X-Request-Id; a handler sets only the
// status, the content type, its own headers and the body.
struct Response {
  int status = 200;
  // Sent as Content-Type when the body is not empty.
  std::string content_type;
  Headers headers;
  std::string body;
};

// True for an X-Request-Id worth echoing: 1..64 characters of [A-Za-z0-9-_.].
bool is_valid_request_id(std::string_view id) noexcept;
// The incoming X-Request-Id when valid, else a fresh one ("req_<26 chars>").
std::string choose_request_id(std::optional<std::string_view> incoming);

// A response with a text body ("text/plain; charset=utf-8" by default).
Response text_response(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
// A response with no body (204, 202 without content, ...).
Response empty_response(int status);

}  // namespace scriptmesh::http
