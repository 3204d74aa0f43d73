// The framing rules of RFC 9112 that Beast's parser leaves to the server.
// A request that breaks them is answered and its connection closed before
// any body is read, since where its body ends cannot be trusted: a proxy in
// front that framed it differently would let a second, smuggled request
// through.
#pragma once

#include <optional>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include "scriptmesh/result.hpp"

namespace scriptmesh::http {

// What is wrong with the request head, or nullopt:
//   - HTTP/1.1 without Host, or more than one Host       -> invalid_request (400)
//   - Content-Length repeated, or not one decimal number -> invalid_request (400)
//   - Transfer-Encoding and Content-Length together      -> invalid_request (400)
//   - Transfer-Encoding other than one final "chunked"   -> invalid_request (400),
//     or not_implemented (501) when it names another coding
std::optional<Error> framing_problem(
    const boost::beast::http::request_header<boost::beast::http::fields>& head);

}  // namespace scriptmesh::http
