#include "scriptmesh/manifest.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "core/agent/manifest_rules.hpp"

namespace scriptmesh {
namespace {

namespace json = boost::json;
using manifest_detail::quoted;

// `where` names the entry ("script 'hello'") or "manifest" for the document.
Error invalid(const std::string& where, const std::string& what) {
  return Error::invalid_argument("invalid_manifest", where + ": " + what);
}

std::string where_script(std::string_view name) {
  return "script " + quoted(name);
}

bool has_nul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

Result<const json::object*> scripts_object(std::string_view text, json::value& doc) {
  boost::system::error_code ec;
  doc = json::parse(text, ec);
  if (ec) return invalid("manifest", "is not valid JSON (" + ec.message() + ")");
  if (!doc.is_object()) return invalid("manifest", "must be a JSON object");
  const json::value* scripts = doc.as_object().if_contains("scripts");
  if (scripts == nullptr) return invalid("manifest", "has no \"scripts\" object");
  if (!scripts->is_object()) return invalid("manifest", "\"scripts\" must be an object");
  return &scripts->as_object();
}

// Counts what one document declares, against the bounds of manifest.hpp.
struct Budget {
  std::size_t pattern_bytes = 0;
  int program_size = 0;

  Result<void> add_pattern(const std::string& where, std::size_t bytes) {
    pattern_bytes += bytes;
    if (pattern_bytes <= kMaxManifestPatternBytes) return {};
    return invalid(where, "patterns exceed " + std::to_string(kMaxManifestPatternBytes) +
                              " bytes in all for the manifest");
  }
  Result<void> add_program(const std::string& where, int size) {
    program_size += size;
    if (program_size <= kMaxManifestProgramSize) return {};
    return invalid(where, "patterns compile to more than " +
                              std::to_string(kMaxManifestProgramSize) +
                              " instructions in all for the manifest");
  }
};

// What the parser does with a pattern beyond checking its length.
enum class PatternUse {
  kKeep,   // compile it and keep the compiled form (the agent's manifest)
  kCheck,  // compile it to prove it valid, then drop it (a summary at hello)
  kSkip,   // nothing more (a summary already checked)
};

Result<ParamSpec> parse_param(const std::string& where, const std::string& name,
                              const json::value& v, PatternUse use, Budget& budget) {
  const std::string field = "params " + quoted(name);
  if (auto problem = manifest_detail::variable_name_problem(name); !problem.empty()) {
    return invalid(where, field + ": " + problem);
  }
  if (!v.is_object()) return invalid(where, field + ": must be an object");
  ParamSpec spec;
  if (const json::value* r = v.as_object().if_contains("required")) {
    if (!r->is_bool()) return invalid(where, field + ": \"required\" must be true or false");
    spec.required = r->as_bool();
  }
  if (const json::value* p = v.as_object().if_contains("pattern")) {
    if (!p->is_string()) return invalid(where, field + ": \"pattern\" must be a string");
    spec.pattern = std::string(p->as_string());
    if (spec.pattern.size() > kMaxPatternLength) {
      return invalid(where, field + ": \"pattern\" is longer than " +
                                std::to_string(kMaxPatternLength) + " characters");
    }
    SCRIPTMESH_RETURN_IF_ERROR(budget.add_pattern(where, spec.pattern.size()));
    if (!spec.pattern.empty() && use != PatternUse::kSkip) {
      auto compiled = manifest_detail::compile_pattern(spec.pattern);
      if (!compiled.ok()) {
        return invalid(where, field + ": \"pattern\" " + compiled.error().message());
      }
      SCRIPTMESH_RETURN_IF_ERROR(budget.add_program(where, (*compiled)->program_size()));
      if (use == PatternUse::kKeep) spec.compiled = *compiled;
    }
  }
  return spec;
}

Result<void> check_script_count(std::size_t count) {
  if (count <= kMaxManifestScripts) return {};
  return invalid("manifest",
                 "declares more than " + std::to_string(kMaxManifestScripts) + " scripts");
}

// "params" and "timeout_sec": the part of an entry shared with the summary.
Result<void> parse_declarations(const std::string& where, const json::object& entry,
                                ScriptSpec& spec, PatternUse use, Budget& budget) {
  if (const json::value* params = entry.if_contains("params")) {
    if (!params->is_object()) return invalid(where, "\"params\" must be an object");
    if (params->as_object().size() > kMaxScriptParams) {
      return invalid(where,
                     "declares more than " + std::to_string(kMaxScriptParams) + " parameters");
    }
    for (const auto& [key, value] : params->as_object()) {
      std::string name(key);
      auto param = parse_param(where, name, value, use, budget);
      SCRIPTMESH_RETURN_IF_ERROR(param);
      spec.params.emplace(std::move(name), std::move(*param));
    }
  }
  if (const json::value* t = entry.if_contains("timeout_sec")) {
    const std::string range = "an integer between 1 and " + std::to_string(kMaxScriptTimeoutSec);
    if (!t->is_int64() || t->as_int64() < 1 || t->as_int64() > kMaxScriptTimeoutSec) {
      return invalid(where, "\"timeout_sec\" must be " + range);
    }
    spec.timeout_sec = static_cast<int>(t->as_int64());
  }
  return {};
}

Result<void> check_executable(const std::string& where, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return invalid(where,
                     "command " + quoted(path, manifest_detail::kMaxShownPath) + " does not exist");
    return invalid(where, "command " + quoted(path, manifest_detail::kMaxShownPath) +
                              " cannot be inspected (" + std::strerror(errno) + ")");
  }
  if (!S_ISREG(st.st_mode))
    return invalid(where, "command " + quoted(path, manifest_detail::kMaxShownPath) +
                              " is not a regular file");
  if (::access(path.c_str(), X_OK) != 0) {
    return invalid(
        where, "command " + quoted(path, manifest_detail::kMaxShownPath) + " is not executable");
  }
  return {};
}

Result<std::vector<std::string>> parse_command(const std::string& where, const json::object& entry,
                                               const ManifestCheckOptions& options) {
  const json::value* v = entry.if_contains("command");
  if (v == nullptr) return invalid(where, "\"command\" is missing");
  if (!v->is_array() || v->as_array().empty()) {
    return invalid(where, "\"command\" must be a non-empty array of strings");
  }
  std::vector<std::string> argv;
  for (const json::value& arg : v->as_array()) {
    if (!arg.is_string()) return invalid(where, "\"command\" must be a non-empty array of strings");
    if (has_nul(arg.as_string())) return invalid(where, "\"command\" contains a NUL byte");
    argv.emplace_back(arg.as_string());
  }
  if (!argv[0].starts_with('/')) {
    return invalid(where, "command " + quoted(argv[0], manifest_detail::kMaxShownPath) +
                              " is not an absolute path");
  }
  if (options.check_files) SCRIPTMESH_RETURN_IF_ERROR(check_executable(where, argv[0]));
  return argv;
}

Result<std::string> parse_workdir(const std::string& where, const json::object& entry,
                                  const ManifestCheckOptions& options) {
  const json::value* v = entry.if_contains("workdir");
  if (v == nullptr) return std::string();
  if (!v->is_string()) return invalid(where, "\"workdir\" must be a string");
  std::string dir(v->as_string());
  if (has_nul(dir) || !dir.starts_with('/')) {
    return invalid(where, "workdir " + quoted(dir, manifest_detail::kMaxShownPath) +
                              " is not an absolute path");
  }
  struct stat st {};
  if (options.check_files && (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    return invalid(where, "workdir " + quoted(dir, manifest_detail::kMaxShownPath) +
                              " is not an existing directory");
  }
  return dir;
}

Result<std::map<std::string, std::string>> parse_env(const std::string& where,
                                                     const json::object& entry,
                                                     const ScriptSpec& spec) {
  std::map<std::string, std::string> env;
  const json::value* v = entry.if_contains("env");
  if (v == nullptr) return env;
  if (!v->is_object()) return invalid(where, "\"env\" must be an object of strings");
  for (const auto& [key, value] : v->as_object()) {
    std::string name(key);
    const std::string field = "env " + quoted(name);
    if (auto problem = manifest_detail::variable_name_problem(name); !problem.empty()) {
      return invalid(where, field + ": " + problem);
    }
    if (spec.params.contains(name)) return invalid(where, field + ": is also a declared parameter");
    if (!value.is_string()) return invalid(where, field + ": must be a string");
    if (auto problem = manifest_detail::variable_value_problem(value.as_string());
        !problem.empty()) {
      return invalid(where, field + ": " + problem);
    }
    env.emplace(std::move(name), std::string(value.as_string()));
  }
  return env;
}

Result<ScriptSpec> parse_script(const std::string& name, const json::value& v,
                                const ManifestCheckOptions& options, Budget& budget) {
  const std::string where = where_script(name);
  if (!is_valid_script_name(name)) {
    return invalid(where, "name must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$");
  }
  if (!v.is_object()) return invalid(where, "must be an object");
  const json::object& entry = v.as_object();
  ScriptSpec spec;
  spec.name = name;
  auto command = parse_command(where, entry, options);
  SCRIPTMESH_RETURN_IF_ERROR(command);
  spec.command = std::move(*command);
  SCRIPTMESH_RETURN_IF_ERROR(parse_declarations(where, entry, spec, PatternUse::kKeep, budget));
  auto workdir = parse_workdir(where, entry, options);
  SCRIPTMESH_RETURN_IF_ERROR(workdir);
  spec.workdir = std::move(*workdir);
  auto env = parse_env(where, entry, spec);
  SCRIPTMESH_RETURN_IF_ERROR(env);
  spec.env = std::move(*env);
  return spec;
}

// Reads at most `limit` + 1 bytes, enough to tell an over-long file.
Result<std::string> read_bounded(const std::string& path, std::size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error::unavailable("manifest_unreadable",
                              "cannot open manifest " + path + " (" + std::strerror(errno) + ")");
  }
  std::string text;
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Error::unavailable("manifest_unreadable",
                                "cannot read manifest " + path + " (" + std::strerror(err) + ")");
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > limit) break;
  }
  ::close(fd);
  return text;
}

}  // namespace

Result<Manifest> parse_manifest(std::string_view text, const ManifestCheckOptions& options) {
  json::value doc;
  auto scripts = scripts_object(text, doc);
  SCRIPTMESH_RETURN_IF_ERROR(scripts);
  SCRIPTMESH_RETURN_IF_ERROR(check_script_count((*scripts)->size()));
  Manifest manifest;
  Budget budget;
  for (const auto& [key, value] : **scripts) {
    std::string name(key);
    auto spec = parse_script(name, value, options, budget);
    SCRIPTMESH_RETURN_IF_ERROR(spec);
    manifest.scripts.emplace(std::move(name), std::move(*spec));
  }
  return manifest;
}

Result<Manifest> load_manifest_file(const std::string& path, const ManifestCheckOptions& options) {
  auto text = read_bounded(path, kMaxManifestFileBytes);
  SCRIPTMESH_RETURN_IF_ERROR(text);
  if (text->size() > kMaxManifestFileBytes) {
    return invalid(path,
                   "manifest is larger than " + std::to_string(kMaxManifestFileBytes) + " bytes");
  }
  auto manifest = parse_manifest(*text, options);
  if (!manifest.ok()) return invalid(path, manifest.error().message());
  return manifest;
}

std::string manifest_summary_json(const Manifest& manifest) {
  json::object scripts;
  for (const auto& [name, spec] : manifest.scripts) {
    json::object params;
    for (const auto& [param_name, param] : spec.params) {
      json::object p{{"required", param.required}};
      if (!param.pattern.empty()) p["pattern"] = param.pattern;
      params[param_name] = std::move(p);
    }
    scripts[name] = json::object{{"params", std::move(params)}, {"timeout_sec", spec.timeout_sec}};
  }
  return json::serialize(json::object{{"scripts", std::move(scripts)}});
}

Result<std::map<std::string, ScriptSpec>> parse_manifest_summary(
    std::string_view text, const SummaryCheckOptions& options) {
  if (text.size() > kMaxManifestSummaryBytes) {
    return invalid("manifest",
                   "summary is larger than " + std::to_string(kMaxManifestSummaryBytes) + " bytes");
  }
  json::value doc;
  auto scripts = scripts_object(text, doc);
  SCRIPTMESH_RETURN_IF_ERROR(scripts);
  SCRIPTMESH_RETURN_IF_ERROR(check_script_count((*scripts)->size()));
  const PatternUse use = options.check_patterns ? PatternUse::kCheck : PatternUse::kSkip;
  Budget budget;
  std::map<std::string, ScriptSpec> out;
  for (const auto& [key, value] : **scripts) {
    std::string name(key);
    const std::string where = where_script(name);
    if (!is_valid_script_name(name)) {
      return invalid(where, "name must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$");
    }
    if (!value.is_object()) return invalid(where, "must be an object");
    ScriptSpec spec;
    spec.name = name;
    SCRIPTMESH_RETURN_IF_ERROR(parse_declarations(where, value.as_object(), spec, use, budget));
    out.emplace(std::move(name), std::move(spec));
  }
  return out;
}

}  // namespace scriptmesh
