#include "scriptmesh/destinations.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace scriptmesh {
namespace {

struct V4Range {
  std::uint32_t network;
  int prefix;
};

constexpr std::uint32_t v4(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// IANA's special-purpose IPv4 registry, less the globally reachable entries.
constexpr std::array<V4Range, 16> kNonPublicV4 = {{
    {v4(0, 0, 0, 0), 8},        // "this network", including 0.0.0.0
    {v4(10, 0, 0, 0), 8},       // private
    {v4(100, 64, 0, 0), 10},    // shared address space (carrier-grade NAT)
    {v4(127, 0, 0, 0), 8},      // loopback
    {v4(169, 254, 0, 0), 16},   // link-local, cloud metadata services
    {v4(172, 16, 0, 0), 12},    // private
    {v4(192, 0, 0, 0), 24},     // IETF protocol assignments
    {v4(192, 0, 2, 0), 24},     // documentation
    {v4(192, 88, 99, 0), 24},   // deprecated 6to4 relay anycast
    {v4(192, 168, 0, 0), 16},   // private
    {v4(198, 18, 0, 0), 15},    // benchmarking
    {v4(198, 51, 100, 0), 24},  // documentation
    {v4(203, 0, 113, 0), 24},   // documentation
    {v4(224, 0, 0, 0), 4},      // multicast
    {v4(240, 0, 0, 0), 4},      // reserved, and 255.255.255.255
    {v4(255, 255, 255, 255), 32},
}};

bool in_range(std::uint32_t address, const V4Range& range) {
  const std::uint32_t mask = range.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - range.prefix);
  return (address & mask) == (range.network & mask);
}

bool v4_is_public(std::uint32_t address) {
  for (const V4Range& range : kNonPublicV4) {
    if (in_range(address, range)) return false;
  }
  return true;
}

using V6Bytes = std::array<std::uint8_t, 16>;

std::uint32_t v4_at(const V6Bytes& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

bool starts_with(const V6Bytes& b, std::initializer_list<std::uint8_t> prefix) {
  std::size_t i = 0;
  for (std::uint8_t byte : prefix) {
    if (b[i++] != byte) return false;
  }
  return true;
}

bool all_zero(const V6Bytes& b, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    if (b[i] != 0) return false;
  }
  return true;
}

bool v6_is_public(const V6Bytes& b) {
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, which covers :: and ::1).
  if (all_zero(b, 0, 10) && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0))) {
    return v4_is_public(v4_at(b, 12));
  }
  if (starts_with(b, {0x00, 0x64, 0xff, 0x9b}) && all_zero(b, 4, 12)) {  // 64:ff9b::/96 NAT64
    return v4_is_public(v4_at(b, 12));
  }
  if (starts_with(b, {0x20, 0x02})) return v4_is_public(v4_at(b, 2));   // 2002::/16 6to4
  if ((b[0] & 0xfe) == 0xfc) return false;                              // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;              // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false;              // fec0::/10 site-local
  if (b[0] == 0xff) return false;                                       // multicast
  if (starts_with(b, {0x20, 0x01, 0x0d, 0xb8})) return false;           // documentation
  if (starts_with(b, {0x01, 0x00}) && all_zero(b, 2, 8)) return false;  // 100::/64 discard
  // 2001::/23 holds Teredo (2001::/32) and benchmarking (2001:2::/48):
  // neither is a destination a webhook legitimately has.
  if (starts_with(b, {0x20, 0x01}) && (b[2] & 0xfe) == 0) return false;
  return true;
}

}  // namespace

bool is_public_ipv4(std::uint32_t address) noexcept {
  return v4_is_public(address);
}

bool is_public_ipv6(const std::array<std::uint8_t, 16>& address) noexcept {
  return v6_is_public(address);
}

bool is_private_host_literal(std::string_view host) noexcept {
  std::string lower(host.substr(0, 256));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (!lower.empty() && lower.back() == '.') lower.pop_back();  // "localhost." is localhost
  if (lower == "localhost" || lower.ends_with(".localhost")) return true;
  if (lower.size() > 2 && lower.front() == '[' && lower.back() == ']') {
    V6Bytes b{};
    const std::string inner = lower.substr(1, lower.size() - 2);
    return ::inet_pton(AF_INET6, inner.c_str(), b.data()) == 1 && !v6_is_public(b);
  }
  in_addr v4{};
  return ::inet_pton(AF_INET, lower.c_str(), &v4) == 1 && !v4_is_public(ntohl(v4.s_addr));
}

}  // namespace scriptmesh
