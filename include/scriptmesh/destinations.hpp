// Which network addresses outbound requests chosen by tenants may reach.
//
// Webhook, integration and e-mail URLs come from tenants. Without a check, a
// shared orchestrator would fetch whatever its own network can see on their
// behalf: a cloud metadata service, an admin port on loopback, a database on
// the private network (server-side request forgery). The production HTTP
// client applies is_public_address() to the resolved addresses just before
// it connects (HttpClientOptions::allow_private_destinations), so a name that
// resolves, or later re-resolves, to such an address is refused as surely as
// a literal. The URL checks also refuse literal private hosts early, with a
// clearer message.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace scriptmesh {

// False for the unspecified, loopback, private (RFC 1918), shared (RFC
// 6598), link-local, multicast, broadcast, reserved, documentation and
// benchmarking ranges of IANA's special-purpose registry. `address` is in
// host byte order (a.b.c.d is a << 24 | b << 16 | c << 8 | d).
bool is_public_ipv4(std::uint32_t address) noexcept;

// The same for IPv6 (network byte order): loopback, unspecified,
// unique-local, link-local, site-local, multicast, documentation, discard,
// Teredo and benchmarking are not public, and forms that embed an IPv4
// address (mapped, compatible, NAT64, 6to4) are judged by that address.
bool is_public_ipv6(const std::array<std::uint8_t, 16>& address) noexcept;

// True when a URL's host is known not to be public without resolving it:
// "localhost" and names under ".localhost", and IP literals (IPv6 in
// brackets, IPv4 in dotted-quad form) that are not public. Other names are
// judged when they are resolved.
bool is_private_host_literal(std::string_view host) noexcept;

}  // namespace scriptmesh
