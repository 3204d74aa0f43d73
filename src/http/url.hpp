// Request-target parsing: the path / query split and percent-decoding.
//
// Errors are invalid_argument with code "invalid_request" (answered 400):
// a target that is not in origin form ("/path?query"), or a malformed
// percent escape.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::http {

struct ParsedTarget {
  std::string path;  // still percent-encoded; starts with '/'
  Params query;      // decoded, in order
};

// Splits an origin-form target ("/v1/jobs?limit=5&x=a%20b") into its path
// and decoded query parameters. A parameter without '=' has an empty value.
[[nodiscard]] Result<ParsedTarget> parse_target(std::string_view target);

// Decodes %XX escapes; with `plus_is_space` (query strings) '+' becomes ' '.
[[nodiscard]] Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Splits an encoded path into its segments without decoding them:
// "/v1/jobs/x" -> {"v1", "jobs", "x"}; "/" -> {}; "/a/" -> {"a", ""}.
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace scriptmesh::http
