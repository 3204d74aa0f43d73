// The destination policy's address classes. The addresses are built from
// numbers at the edges of each range and only ever classified: nothing here
// opens a socket (the HTTP client's test sends to loopback only).
#include "scriptmesh/destinations.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>

namespace scriptmesh {
namespace {

constexpr std::uint32_t v4(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// The first and last address of network/prefix, and those just outside.
struct Edges {
  std::uint32_t first, last;
};
Edges edges(std::uint32_t network, int prefix) {
  const std::uint32_t size = prefix == 0 ? 0 : (std::uint32_t{1} << (32 - prefix));
  return {network, network + size - 1};
}

TEST_CASE("destinations: every non-public IPv4 range is refused to its edges, its neighbours not") {
  struct Range {
    std::uint32_t network;
    int prefix;
  };
  const Range ranges[] = {{v4(0, 0, 0, 0), 8},      {v4(10, 0, 0, 0), 8},
                          {v4(100, 64, 0, 0), 10},  {v4(127, 0, 0, 0), 8},
                          {v4(169, 254, 0, 0), 16}, {v4(172, 16, 0, 0), 12},
                          {v4(192, 168, 0, 0), 16}, {v4(198, 18, 0, 0), 15}};
  for (const Range& r : ranges) {
    CAPTURE(r.network);
    const Edges e = edges(r.network, r.prefix);
    CHECK_FALSE(is_public_ipv4(e.first));
    CHECK_FALSE(is_public_ipv4(e.last));
    if (r.network != 0) CHECK(is_public_ipv4(e.first - 1));
    CHECK(is_public_ipv4(e.last + 1));
  }
  CHECK_FALSE(is_public_ipv4(v4(224, 0, 0, 1)));        // multicast
  CHECK_FALSE(is_public_ipv4(v4(255, 255, 255, 255)));  // broadcast
  CHECK(is_public_ipv4(v4(223, 255, 255, 255)));
}

std::array<std::uint8_t, 16> v6(std::initializer_list<std::uint8_t> head,
                                std::initializer_list<std::uint8_t> tail = {}) {
  std::array<std::uint8_t, 16> b{};
  std::size_t i = 0;
  for (std::uint8_t x : head)
    b[i++] = x;
  i = 16 - tail.size();
  for (std::uint8_t x : tail)
    b[i++] = x;
  return b;
}

TEST_CASE("destinations: IPv6 classes, and IPv4 embedded in IPv6 judged as IPv4") {
  CHECK_FALSE(is_public_ipv6(v6({})));                                     // ::
  CHECK_FALSE(is_public_ipv6(v6({}, {1})));                                // ::1
  CHECK_FALSE(is_public_ipv6(v6({}, {0xff, 0xff, 127, 0, 0, 1})));         // ::ffff:127.0.0.1
  CHECK_FALSE(is_public_ipv6(v6({0, 0x64, 0xff, 0x9b}, {127, 0, 0, 1})));  // NAT64
  CHECK_FALSE(is_public_ipv6(v6({0x20, 0x02, 127, 0, 0, 1})));             // 6to4
  CHECK_FALSE(is_public_ipv6(v6({0xfc})));                                 // unique local
  CHECK_FALSE(is_public_ipv6(v6({0xfd, 0xff})));
  CHECK_FALSE(is_public_ipv6(v6({0xfe, 0x80})));              // link-local
  CHECK_FALSE(is_public_ipv6(v6({0xfe, 0xc0})));              // site-local
  CHECK_FALSE(is_public_ipv6(v6({0xff, 0x02})));              // multicast
  CHECK_FALSE(is_public_ipv6(v6({0x20, 0x01, 0x0d, 0xb8})));  // documentation
  // Global unicast, and a mapped IPv4 address outside every special range.
  CHECK(is_public_ipv6(v6({0x26, 0x00})));
  CHECK(is_public_ipv6(v6({}, {0xff, 0xff, 128, 0, 0, 1})));
}

TEST_CASE("destinations: host literals known to be internal without resolving") {
  for (const char* host : {"localhost", "LOCALHOST", "localhost.", "api.localhost", "127.0.0.1",
                           "127.255.255.254", "0.0.0.0", "[::1]", "[::ffff:127.0.0.1]", "[::]"}) {
    CAPTURE(host);
    CHECK(is_private_host_literal(host));
  }
  // Names, and shorthand numbers inet_pton does not take, wait for resolution.
  for (const char* host :
       {"example.test", "localhost.example.test", "127.1", "2130706433", "[::1", "", "[]"}) {
    CAPTURE(host);
    CHECK_FALSE(is_private_host_literal(host));
  }
}

}  // namespace
}  // namespace scriptmesh
