// The hand-over of a connection to a protocol other than HTTP/1.1 (the agent
// channel's WebSocket). Including this header pulls in Beast and Asio's SSL
// stream; only code that takes over a connection should.
//
// When a request carries "Upgrade: websocket" and its route has an
// UpgradeHandler (router.hpp), the session, after the guards accepted the
// request, stops reading, clears its deadlines and moves everything below
// into an UpgradedConnection for the handler. From then on the connection is
// the handler's: it answers the handshake (e.g. websocket::stream's
// async_accept(request)), sets its own timeouts, and closes it. The session
// is gone.
#pragma once

#include <variant>

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/server_state.hpp"

namespace scriptmesh::http {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;
using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct UpgradedConnection {
  // The connection, its TLS handshake done when TLS is on. Its executor is
  // the connection's strand; run everything on it. No deadline is set.
  std::variant<PlainStream, TlsStream> stream;
  // Bytes that arrived after the request, not yet consumed.
  boost::beast::flat_buffer buffer;
  // The upgrade request as received (body empty).
  UpgradeRequest request;
  // Keep this alive exactly as long as the connection is open: it counts the
  // connection under max_connections and stop() waits for it. Register a
  // stop callback (slot.set_on_stop) to close the connection when the server
  // stops, or stop() abandons it after its grace period.
  ConnectionSlot slot;
};

}  // namespace scriptmesh::http
