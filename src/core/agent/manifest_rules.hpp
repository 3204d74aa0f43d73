// Shared pieces of the manifest code: compiled patterns and message quoting.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <re2/re2.h>

#include "scriptmesh/manifest.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::manifest_detail {

struct CompiledPattern {
  explicit CompiledPattern(const std::string& pattern, const re2::RE2::Options& options)
      : regex(pattern, options) {}
  re2::RE2 regex;
  // regex.ProgramSize(): what matching costs per byte of value, roughly.
  int program_size() const { return regex.ProgramSize(); }
};

// Compiles `pattern`; the error is a bare reason ("is not a valid regular
// expression (...)") for the caller to prefix with where the pattern came from.
Result<std::shared_ptr<const CompiledPattern>> compile_pattern(const std::string& pattern);

// True when the whole of `value` matches. Linear in value.size().
bool pattern_matches(const CompiledPattern& pattern, std::string_view value);

// `text` in single quotes for an error message: non-printable bytes escaped,
// long text cut short, so a hostile name cannot forge or flood a log line.
std::string quoted(std::string_view text, std::size_t max_shown = 64);
// Paths are shown whole (up to PATH_MAX) so an operator can find the file.
inline constexpr std::size_t kMaxShownPath = 4096;

// Why `name` cannot be a parameter or env variable, or "" when it can.
std::string variable_name_problem(std::string_view name);

// Why `value` cannot be a parameter or env value, or "" when it can.
std::string variable_value_problem(std::string_view value);

}  // namespace scriptmesh::manifest_detail
