// URL parsing for the outbound client (declared in http/http_client.hpp).
// Kept apart from http_client.cpp so that it compiles without Beast.
#include <charconv>
#include <string>
#include <string_view>

#include "http/http_client.hpp"

namespace scriptmesh::http {
namespace {

Error bad_url(std::string_view why) {
  return Error::invalid_argument("invalid_url", "invalid URL: " + std::string(why));
}

char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A registered name or an IPv4 literal: letters, digits, '-', '.', '_'.
bool valid_reg_name(std::string_view host) noexcept {
  if (host.empty() || host.front() == '.' || host.front() == '-') return false;
  for (char c : host) {
    if (!is_alnum(c) && c != '-' && c != '.' && c != '_') return false;
  }
  return true;
}

bool valid_ipv6_literal(std::string_view host) noexcept {
  if (host.find(':') == std::string_view::npos) return false;
  for (char c : host) {
    if (!is_hex(c) && c != ':' && c != '.') return false;
  }
  return true;
}

// The path and query must already be percent-encoded: a raw space, control
// byte or non-ASCII byte would be sent as is, and CR/LF would split the
// request line.
bool valid_target(std::string_view target) noexcept {
  for (char c : target) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) return false;
  }
  return true;
}

Result<std::uint16_t> parse_port(std::string_view text, std::uint16_t fallback) {
  if (text.empty()) return fallback;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return bad_url("port must be a number from 1 to 65535");
  }
  return static_cast<std::uint16_t>(value);
}

// Fills host and port from the authority ("host", "host:port", "[v6]:port").
Result<void> parse_authority(std::string_view authority, ClientUrl& out) {
  if (authority.find('@') != std::string_view::npos) {
    return bad_url("user information is not allowed in the URL");
  }
  const std::uint16_t fallback = out.tls ? 443 : 80;
  std::string_view host;
  std::string_view port;
  bool ipv6 = !authority.empty() && authority.front() == '[';
  if (ipv6) {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad_url("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return bad_url("malformed host");
    if (!rest.empty()) port = rest.substr(1);
    if (!valid_ipv6_literal(host)) return bad_url("malformed IPv6 address");
  } else {
    std::size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (!valid_reg_name(host)) return bad_url("missing or malformed host");
  }
  auto parsed_port = parse_port(port, fallback);
  SCRIPTMESH_RETURN_IF_ERROR(parsed_port);
  out.port = *parsed_port;
  out.host.clear();
  for (char c : host)
    out.host += ascii_lower(c);
  out.host_header = ipv6 ? "[" + out.host + "]" : out.host;
  if (out.port != fallback) out.host_header += ":" + std::to_string(out.port);
  return ok_result();
}

}  // namespace

Result<ClientUrl> parse_client_url(std::string_view url) {
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad_url("expected an absolute http or https URL");
  std::string scheme;
  for (char c : url.substr(0, sep))
    scheme += ascii_lower(c);
  ClientUrl out;
  if (scheme == "https") {
    out.tls = true;
  } else if (scheme != "http") {
    return bad_url("scheme must be http or https");
  }
  std::string_view rest = url.substr(sep + 3);
  std::size_t authority_end = rest.find_first_of("/?#");
  SCRIPTMESH_RETURN_IF_ERROR(parse_authority(rest.substr(0, authority_end), out));

  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  target = target.substr(0, target.find('#'));  // a fragment never goes on the wire
  if (!valid_target(target)) return bad_url("path and query must be percent-encoded");
  out.target =
      target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
  return out;
}

}  // namespace scriptmesh::http
