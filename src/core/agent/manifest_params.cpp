#include "scriptmesh/manifest.hpp"

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/agent/manifest_rules.hpp"

namespace scriptmesh {
namespace manifest_detail {
namespace {

bool is_upper_or_underscore(char c) {
  return (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Errors are returned, never written to stderr: a hostile pattern must not
// be able to flood the orchestrator's log.
re2::RE2::Options pattern_options() {
  re2::RE2::Options options;
  options.set_max_mem(static_cast<int64_t>(kMaxPatternMemoryBytes));
  options.set_log_errors(false);
  return options;
}

// \1 to \9 outside a class: what ECMAScript reads as a back-reference.
bool has_back_reference(std::string_view pattern) {
  for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '\\') continue;
    if (pattern[i + 1] >= '1' && pattern[i + 1] <= '9') return true;
    ++i;  // an escaped character, whatever it is
  }
  return false;
}

}  // namespace

Result<std::shared_ptr<const CompiledPattern>> compile_pattern(const std::string& pattern) {
  if (pattern.size() > kMaxPatternLength) {
    return Error::invalid_argument(
        "invalid_manifest", "is longer than " + std::to_string(kMaxPatternLength) + " characters");
  }
  auto compiled = std::make_shared<const CompiledPattern>(pattern, pattern_options());
  const bool too_large = compiled->regex.ok()
                             ? compiled->program_size() > kMaxPatternProgramSize
                             : compiled->regex.error_code() == re2::RE2::ErrorPatternTooLarge;
  if (too_large) {
    return Error::invalid_argument(
        "invalid_manifest", "compiles to more than " + std::to_string(kMaxPatternProgramSize) +
                                " instructions; write it with fewer or smaller repetitions");
  }
  if (compiled->regex.ok()) return compiled;
  if (compiled->regex.error_code() == re2::RE2::ErrorBadEscape && has_back_reference(pattern)) {
    return Error::invalid_argument("invalid_manifest",
                                   "uses a back-reference, which patterns do not support");
  }
  return Error::invalid_argument(
      "invalid_manifest",
      "is not a valid regular expression (" + quoted(compiled->regex.error(), 200) + ")");
}

bool pattern_matches(const CompiledPattern& pattern, std::string_view value) {
  return re2::RE2::FullMatch(re2::StringPiece(value.data(), value.size()), pattern.regex);
}

std::string quoted(std::string_view text, std::size_t max_shown) {
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < max_shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > max_shown) out += "...";
  out += "'";
  return out;
}

std::string variable_name_problem(std::string_view name) {
  if (!is_valid_variable_name(name)) {
    return "name must match ^[A-Z_][A-Z0-9_]*$ (at most " + std::to_string(kMaxVariableNameLength) +
           " characters)";
  }
  if (is_reserved_variable_name(name)) {
    return "name is reserved (PATH, HOME, LD_* and SM_* are set by the agent)";
  }
  return {};
}

std::string variable_value_problem(std::string_view value) {
  if (value.size() > kMaxParamValueBytes) {
    return "value is longer than " + std::to_string(kMaxParamValueBytes) + " bytes";
  }
  if (value.find('\0') != std::string_view::npos) return "value contains a NUL byte";
  return {};
}

}  // namespace manifest_detail

using manifest_detail::quoted;

bool is_valid_script_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64 || !manifest_detail::is_alnum(name[0])) return false;
  for (char c : name.substr(1)) {
    if (!manifest_detail::is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

bool is_valid_variable_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > kMaxVariableNameLength) return false;
  if (!manifest_detail::is_upper_or_underscore(name[0])) return false;
  for (char c : name) {
    if (!manifest_detail::is_upper_or_underscore(c) && !manifest_detail::is_digit(c)) return false;
  }
  return true;
}

bool is_reserved_variable_name(std::string_view name) noexcept {
  return name == "PATH" || name == "HOME" || name.starts_with("LD_") || name.starts_with("SM_");
}

std::vector<std::string> Manifest::names() const {
  std::vector<std::string> out;
  out.reserve(scripts.size());
  for (const auto& [name, spec] : scripts)
    out.push_back(name);
  return out;
}

const ScriptSpec* Manifest::find(std::string_view name) const {
  auto it = scripts.find(std::string(name));
  return it == scripts.end() ? nullptr : &it->second;
}

namespace {

Error invalid_param(std::string_view name, const std::string& what) {
  return Error::invalid_argument("invalid_param", "parameter " + quoted(name) + ": " + what);
}

Result<void> check_value_matches(const std::string& name, const ParamSpec& spec,
                                 const std::string& value) {
  if (spec.pattern.empty()) return {};
  std::shared_ptr<const manifest_detail::CompiledPattern> compiled = spec.compiled;
  if (!compiled) {
    auto fresh = manifest_detail::compile_pattern(spec.pattern);
    if (!fresh.ok()) {
      return Error::invalid_argument("invalid_manifest",
                                     "params." + name + ".pattern: " + fresh.error().message());
    }
    compiled = *fresh;
  }
  if (manifest_detail::pattern_matches(*compiled, value)) return {};
  return invalid_param(name, "value does not match the declared pattern " + quoted(spec.pattern));
}

}  // namespace

Result<void> validate_params(const ScriptSpec& script,
                             const std::map<std::string, std::string>& params) {
  for (const auto& [name, value] : params) {
    if (auto problem = manifest_detail::variable_name_problem(name); !problem.empty()) {
      return invalid_param(name, problem);
    }
    auto declared = script.params.find(name);
    if (declared == script.params.end()) {
      return invalid_param(name, "not declared by script " + quoted(script.name));
    }
    if (auto problem = manifest_detail::variable_value_problem(value); !problem.empty()) {
      return invalid_param(name, problem);
    }
    SCRIPTMESH_RETURN_IF_ERROR(check_value_matches(name, declared->second, value));
  }
  for (const auto& [name, spec] : script.params) {
    if (spec.required && !params.contains(name)) {
      return invalid_param(name, "required by script " + quoted(script.name) + " but missing");
    }
  }
  return {};
}

}  // namespace scriptmesh
