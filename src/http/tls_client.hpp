// Client-side TLS set-up shared by the outbound HTTP client (http_client.cpp)
// and the agent's connection to the orchestrator (agent_connection.cpp), so
// both trust and check servers by the same rules.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "scriptmesh/result.hpp"

namespace scriptmesh::http {

// A TLS 1.2+ client context that verifies the peer against `ca_file` (PEM),
// or against the system's trusted certificates when it is empty.
// Error: unavailable "tls_failed" when the certificates cannot be loaded.
[[nodiscard]] Result<std::unique_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const std::string& ca_file);

// Sets SNI (host names only: RFC 6066 forbids IP literals there) and the
// name or address the server's certificate must carry, which OpenSSL checks
// during the handshake. False when OpenSSL refuses either.
[[nodiscard]] bool set_tls_peer_name(SSL* ssl, const std::string& host);

}  // namespace scriptmesh::http
