#include "http/url.hpp"

namespace scriptmesh::http {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Error bad_target(std::string message) {
  return Error::invalid_argument("invalid_request", std::move(message));
}

Result<Params> parse_query(std::string_view query) {
  Params out;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2" and a trailing '&' are harmless
    std::size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    SCRIPTMESH_RETURN_IF_ERROR(name);
    auto value = percent_decode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    SCRIPTMESH_RETURN_IF_ERROR(value);
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

}  // namespace

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) return bad_target("malformed percent escape in request target");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Result<ParsedTarget> parse_target(std::string_view target) {
  // Only origin form: absolute-form targets are for proxies and the
  // asterisk form ("OPTIONS *") names no resource we serve.
  if (target.empty() || target.front() != '/') {
    return bad_target("request target must be an absolute path");
  }
  if (target.find('#') != std::string_view::npos) {
    return bad_target("request target must not contain a fragment");
  }
  ParsedTarget out;
  std::size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    auto query = parse_query(target.substr(q + 1));
    SCRIPTMESH_RETURN_IF_ERROR(query);
    out.query = std::move(*query);
  }
  // Validate every escape in the path now, so a route parameter can never
  // fail to decode later.
  auto decoded = percent_decode(out.path, false);
  SCRIPTMESH_RETURN_IF_ERROR(decoded);
  return out;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return segments;
  while (true) {
    std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

}  // namespace scriptmesh::http
