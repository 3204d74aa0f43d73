#include "http/request_framing.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace scriptmesh::http {
namespace {

namespace bhttp = boost::beast::http;

Error bad(std::string message) {
  return Error::invalid_argument("invalid_request", std::move(message));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

std::size_t count(const bhttp::fields& fields, bhttp::field name) {
  const auto range = fields.equal_range(name);
  return static_cast<std::size_t>(std::distance(range.first, range.second));
}

// The codings of every Transfer-Encoding line, in order, lowercased.
std::vector<std::string> codings(const bhttp::fields& fields) {
  std::vector<std::string> out;
  const auto range = fields.equal_range(bhttp::field::transfer_encoding);
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view value(it->value().data(), it->value().size());
    while (true) {
      const std::size_t comma = value.find(',');
      out.push_back(lowercase(trim(value.substr(0, comma))));
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return out;
}

std::optional<Error> transfer_encoding_problem(const bhttp::fields& fields) {
  const std::vector<std::string> list = codings(fields);
  for (const std::string& coding : list) {
    if (coding != "chunked") {
      return Error(
          ErrorCategory::kInvalidArgument, "not_implemented",
          "transfer coding '" + coding.substr(0, 32) + "' is not supported (only chunked)");
    }
  }
  if (list.size() != 1) return bad("Transfer-Encoding must name chunked exactly once");
  return std::nullopt;
}

}  // namespace

std::optional<Error> framing_problem(const bhttp::request_header<bhttp::fields>& head) {
  const std::size_t hosts = count(head, bhttp::field::host);
  if (hosts > 1) return bad("more than one Host header");
  if (hosts == 0 && head.version() >= 11) return bad("an HTTP/1.1 request needs a Host header");
  const std::size_t lengths = count(head, bhttp::field::content_length);
  if (lengths > 1) return bad("more than one Content-Length header");
  if (lengths == 1) {
    const auto value = head[bhttp::field::content_length];
    const std::string_view text(value.data(), value.size());
    if (text.empty() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad("Content-Length must be one decimal number");
    }
  }
  if (count(head, bhttp::field::transfer_encoding) == 0) return std::nullopt;
  if (lengths > 0) return bad("Transfer-Encoding and Content-Length together");
  return transfer_encoding_problem(head);
}

}  // namespace scriptmesh::http
