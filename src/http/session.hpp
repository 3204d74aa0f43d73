// Serving one accepted connection. Private to src/http: server.cpp accepts,
// session.cpp does everything after.
#pragma once

#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "http/server_state.hpp"

namespace scriptmesh::http {

// Serves `socket` (whose executor is its own strand) until it closes: the
// TLS handshake when the server has TLS, then requests while kept alive.
// The session owns `slot` and releases it when the connection closes.
void start_session(std::shared_ptr<ServerState> state, boost::asio::ip::tcp::socket socket,
                   ConnectionSlot slot);

// Answers a connection over max_connections with the canned 503 and closes
// it (with TLS: closes it at once).
void reject_connection(std::shared_ptr<ServerState> state, boost::asio::ip::tcp::socket socket);

}  // namespace scriptmesh::http
