// The agent's manifest: the whitelist of scripts an agent will run, and the
// parameters each one accepts.
//
// The manifest is a JSON file on the agent's host, written by whoever owns that
// host. Nothing outside it can ever be executed: a dispatch names a script
// from the manifest and passes parameter values, which become environment
// variables of the script after validate_params() has accepted them.
//
//   {"scripts": {
//     "hello": {
//       "command": ["/opt/scripts/hello.sh", "--fast"],   // argv; [0] absolute
//       "params": {"NAME": {"required": true, "pattern": "^[a-z]+$"}},
//       "timeout_sec": 60,                                 // optional, default 3600
//       "workdir": "/srv/hello",                           // optional, absolute
//       "env": {"LANG": "C.UTF-8"}                         // optional, fixed
//     }}}
//
// Keys this version does not know are ignored, so a newer manifest still loads
// on an older agent. Keys it knows are checked strictly: a wrong type, a value
// out of range or a bad name is an error naming the script entry and the field.
//
// Names:
//   - script names match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$;
//   - parameter and fixed env names match ^[A-Z_][A-Z0-9_]*$ (at most
//     kMaxVariableNameLength characters) and are not reserved: PATH, HOME and
//     anything starting with LD_ or SM_ are set by the agent alone;
//   - a name may not be both a declared parameter and a fixed env variable.
//
// Patterns are RE2 regular expressions matched against the whole value (an
// implicit ^...$): the common ECMAScript syntax (classes, groups, |, *, +, ?,
// {m,n}, anchors, \d \w \s) without back-references or look-around. RE2
// matches in time linear in the value's length, with no recursion. Matching
// costs at most (value length x compiled size), so the compiled size is
// bounded too: a pattern over kMaxPatternProgramSize RE2 instructions (or
// kMaxPatternMemoryBytes) is refused, and so is a manifest whose patterns
// add up to more than kMaxManifestProgramSize. No pattern can stall or
// exhaust the process that checks it.
//
// Size bounds (a manifest, and the summary an agent sends, beyond them is
// refused): kMaxManifestScripts scripts, kMaxScriptParams parameters per
// script, kMaxPatternLength bytes per pattern, kMaxManifestPatternBytes of
// patterns in all, and a summary of at most kMaxManifestSummaryBytes.
//
// Errors (all category invalid_argument):
//   "invalid_manifest"  the manifest (or its summary) is malformed; the message
//                       names the script entry and the field, e.g.
//                       "script 'hello': command[0]: '/x' does not exist";
//   "invalid_param"     a parameter given for a run is not acceptable; the
//                       message names the parameter, never echoes its value.
// load_manifest_file() also returns unavailable/"manifest_unreadable" when the
// file cannot be opened or read.
//
// Thread safety: all functions are pure (apart from the file checks and the
// file read); a parsed Manifest is an immutable value that any number of
// threads may read at once.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/result.hpp"

namespace scriptmesh {

// Defaults and bounds.
inline constexpr int kDefaultScriptTimeoutSec = 3600;
inline constexpr int kMaxScriptTimeoutSec = 86400;
// Largest accepted parameter (or fixed env) value, in bytes.
inline constexpr std::size_t kMaxParamValueBytes = 32 * 1024;
// Longest parameter or env variable name.
inline constexpr std::size_t kMaxVariableNameLength = 128;
// Longest accepted regular expression in a "pattern".
inline constexpr std::size_t kMaxPatternLength = 1024;
// Memory one compiled pattern may use (RE2's max_mem), matching included.
inline constexpr std::size_t kMaxPatternMemoryBytes = 1024 * 1024;
// Largest compiled pattern, in RE2 instructions (RE2::ProgramSize()):
// ^[A-Za-z0-9_.-]{1,255}$ takes 1,278; a{1,1000} takes 2,003.
inline constexpr int kMaxPatternProgramSize = 2000;
// Most RE2 instructions all of one manifest's patterns may add up to.
inline constexpr int kMaxManifestProgramSize = 32000;
// Most scripts one manifest may declare.
inline constexpr std::size_t kMaxManifestScripts = 256;
// Most parameters one script may declare.
inline constexpr std::size_t kMaxScriptParams = 64;
// Most bytes of pattern text one manifest may hold, all scripts together.
inline constexpr std::size_t kMaxManifestPatternBytes = 64 * 1024;
// Largest manifest summary (the JSON an agent sends in its hello).
inline constexpr std::size_t kMaxManifestSummaryBytes = 256 * 1024;
// Largest manifest file load_manifest_file() reads.
inline constexpr std::size_t kMaxManifestFileBytes = 1024 * 1024;

namespace manifest_detail {
struct CompiledPattern;  // a compiled regex; defined in src/core/agent
}  // namespace manifest_detail

// One declared parameter of a script.
struct ParamSpec {
  // The parameter must be present in every run.
  bool required = false;
  // RE2 regex the whole value must match; empty accepts any value.
  std::string pattern;
  // `pattern`, compiled once by parse_manifest(). Left empty by
  // parse_manifest_summary() and by code that builds a ParamSpec by hand:
  // validate_params() then compiles per call.
  std::shared_ptr<const manifest_detail::CompiledPattern> compiled;

  // Compares the declaration only (required, pattern), not the compiled form.
  friend bool operator==(const ParamSpec& a, const ParamSpec& b) {
    return a.required == b.required && a.pattern == b.pattern;
  }
};

// One whitelisted script.
struct ScriptSpec {
  // The manifest key naming the script.
  std::string name;
  // argv for execve; command[0] is an absolute path. Empty in a summary.
  std::vector<std::string> command;
  // Declared parameters by name; a run may pass only these.
  std::map<std::string, ParamSpec> params;
  // Seconds before the run is stopped (SIGTERM, then SIGKILL); 1..86400.
  int timeout_sec = kDefaultScriptTimeoutSec;
  // Absolute working directory; empty means the agent's choice.
  std::string workdir;
  // Fixed environment variables added to every run. Empty in a summary.
  std::map<std::string, std::string> env;

  bool operator==(const ScriptSpec&) const = default;
};

// A parsed manifest: scripts by name.
struct Manifest {
  std::map<std::string, ScriptSpec> scripts;

  // Script names in ascending order.
  std::vector<std::string> names() const;
  // The script called `name`, or nullptr when the manifest has none. The
  // pointer lives as long as this Manifest is neither changed nor destroyed.
  const ScriptSpec* find(std::string_view name) const;
};

struct ManifestCheckOptions {
  // Also check the host: command[0] exists, is a regular file and is
  // executable (access X_OK), and workdir is an existing directory. Off only
  // for tests and for tools that check a manifest meant for another host.
  bool check_files = true;
};

// True when `name` is a valid script name.
bool is_valid_script_name(std::string_view name) noexcept;
// True when `name` has the shape of a parameter / env name (^[A-Z_][A-Z0-9_]*$,
// not longer than kMaxVariableNameLength). Says nothing about reserved names.
bool is_valid_variable_name(std::string_view name) noexcept;
// True for names only the agent may set: PATH, HOME, LD_*, SM_*.
bool is_reserved_variable_name(std::string_view name) noexcept;

// Parses and checks a manifest document (see the top of this file).
// Errors: invalid_argument/"invalid_manifest".
[[nodiscard]] Result<Manifest> parse_manifest(std::string_view json,
                                              const ManifestCheckOptions& options = {});

// Reads `path` (at most kMaxManifestFileBytes) and parses it; error messages
// start with the path.
// Errors: invalid_argument/"invalid_manifest" (including a file that is too
// large); unavailable/"manifest_unreadable".
[[nodiscard]] Result<Manifest> load_manifest_file(const std::string& path,
                                                  const ManifestCheckOptions& options = {});

// Checks the parameter values of one run of `script`: every name is
// well-formed, not reserved and declared; each value has at most
// kMaxParamValueBytes bytes, no NUL byte and matches the declared pattern;
// every required parameter is present. Returns the first problem found.
// Errors: invalid_argument/"invalid_param" naming the parameter;
// invalid_argument/"invalid_manifest" if a hand-built ParamSpec carries a
// pattern that does not compile.
[[nodiscard]] Result<void> validate_params(const ScriptSpec& script,
                                           const std::map<std::string, std::string>& params);

// The compact form the agent sends the orchestrator in its hello: script
// names, declared parameters and timeouts only. Commands, workdirs and env
// stay on the agent's host.
//   {"scripts":{"hello":{"params":{"NAME":{"required":true,"pattern":"^[a-z]+$"}},
//                        "timeout_sec":60}}}
std::string manifest_summary_json(const Manifest& manifest);

struct SummaryCheckOptions {
  // Compile every pattern (and drop it) to prove it valid. The costly part
  // of the check: the orchestrator does it once per hello, off its network
  // threads, and skips it when re-reading a summary it already checked.
  bool check_patterns = true;
};

// Parses a summary (as above) with the same name, size, pattern and timeout
// checks as parse_manifest(). The ScriptSpecs have empty command, workdir
// and env, and no compiled patterns (validate_params() compiles per call).
// Errors: invalid_argument/"invalid_manifest".
[[nodiscard]] Result<std::map<std::string, ScriptSpec>> parse_manifest_summary(
    std::string_view json, const SummaryCheckOptions& options = {});

}  // namespace scriptmesh
