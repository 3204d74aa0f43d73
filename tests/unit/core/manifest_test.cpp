#include "scriptmesh/manifest.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <boost/json.hpp>

#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

ManifestCheckOptions no_file_checks() {
  ManifestCheckOptions options;
  options.check_files = false;
  return options;
}

std::string read_fixture(const std::string& name) {
  const std::string path = std::string(SCRIPTMESH_TEST_DATA_DIR) + "/manifests/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text, fs::perms perms) {
  std::ofstream(path, std::ios::binary) << text;
  fs::permissions(path, perms);
}

constexpr fs::perms kExecutable = fs::perms::owner_all | fs::perms::group_read |
                                  fs::perms::group_exec | fs::perms::others_read |
                                  fs::perms::others_exec;
constexpr fs::perms kReadOnly = fs::perms::owner_read | fs::perms::owner_write;

// A manifest with one script "job" running `command`, plus `extra` members.
std::string one_script(const std::string& command, const std::string& extra = "") {
  boost::json::object entry{{"command", boost::json::array{boost::json::string(command)}}};
  std::string text = boost::json::serialize(entry);
  if (!extra.empty()) text.insert(text.size() - 1, ", " + extra);
  return R"({"scripts": {"job": )" + text + "}}";
}

// A script declaring NAME (required, ^[a-z]+$) and COUNT (optional, no pattern).
ScriptSpec greeter() {
  auto m = parse_manifest(
      R"({"scripts": {"greet": {"command": ["/bin/echo"],
          "params": {"NAME": {"required": true, "pattern": "^[a-z]+$"}, "COUNT": {}}}}})",
      no_file_checks());
  REQUIRE_OK(m);
  return m->scripts.at("greet");
}

void check_param_error(const Result<void>& r, const std::string& message_part) {
  CHECK_ERROR_CODE(r, "invalid_param");
  CHECK(r.error().category() == ErrorCategory::kInvalidArgument);
  INFO(r.error().message());
  CHECK(r.error().message().find(message_part) != std::string::npos);
}

TEST_CASE("manifest: the issue's example is accepted as is") {
  auto m = parse_manifest(read_fixture("issue_shape.json"), no_file_checks());
  REQUIRE_OK(m);
  CHECK(m->names() == std::vector<std::string>{"hello"});
  const ScriptSpec* hello = m->find("hello");
  REQUIRE(hello != nullptr);
  CHECK(hello->name == "hello");
  CHECK(hello->command == std::vector<std::string>{"/opt/scripts/hello.sh", "--fast"});
  REQUIRE(hello->params.size() == 1);
  CHECK(hello->params.at("NAME").required);
  CHECK(hello->params.at("NAME").pattern == "^[a-z]+$");
  CHECK(hello->params.at("NAME").compiled != nullptr);
  CHECK(hello->timeout_sec == 60);
  CHECK(hello->workdir.empty());
  CHECK(hello->env.empty());
  CHECK(m->find("nope") == nullptr);
}

TEST_CASE("manifest: every field, defaults, and unknown keys at every level") {
  auto m = parse_manifest(read_fixture("full.json"), no_file_checks());
  REQUIRE_OK(m);
  CHECK(m->names() == std::vector<std::string>{"9lives", "backup.db-1_x", "hello"});
  const ScriptSpec& backup = m->scripts.at("backup.db-1_x");
  CHECK(backup.command.size() == 4);
  CHECK(backup.command[3].empty());
  CHECK(backup.timeout_sec == 86400);
  CHECK(backup.workdir == "/var/backups");
  CHECK(backup.env ==
        std::map<std::string, std::string>{{"EMPTY", ""}, {"LANG", "C.UTF-8"}, {"TZ", "UTC"}});
  CHECK_FALSE(backup.params.at("_DRY_RUN").required);
  CHECK(backup.params.at("_DRY_RUN").pattern.empty());
  CHECK(backup.params.at("LABEL").compiled == nullptr);
  CHECK(backup.params.at("RETENTION_DAYS").pattern == "[0-9]{1,3}");
  const ScriptSpec& nine = m->scripts.at("9lives");
  CHECK(nine.timeout_sec == 1);
  CHECK(nine.params.empty());

  auto defaults = parse_manifest(one_script("/bin/true"), no_file_checks());
  REQUIRE_OK(defaults);
  CHECK(defaults->scripts.at("job").timeout_sec == kDefaultScriptTimeoutSec);

  auto empty = parse_manifest(R"({"scripts": {}})", no_file_checks());
  REQUIRE_OK(empty);
  CHECK(empty->names().empty());
}

TEST_CASE(
    "manifest: rejections name the entry and the field (tests/data/manifests/rejected.json)") {
  const boost::json::value table = boost::json::parse(read_fixture("rejected.json"));
  const auto& cases = table.at("cases").as_array();
  REQUIRE(cases.size() > 40);
  for (const auto& c : cases) {
    const std::string name(c.at("name").as_string());
    const auto& doc = c.at("manifest");
    const std::string text =
        doc.is_string() ? std::string(doc.as_string()) : boost::json::serialize(doc);
    const std::string expected(c.at("error").as_string());
    CAPTURE(name);
    auto m = parse_manifest(text, no_file_checks());
    CHECK_ERROR_CODE(m, "invalid_manifest");
    CHECK(m.error().category() == ErrorCategory::kInvalidArgument);
    CAPTURE(m.error().message());
    CHECK(m.error().message().find(expected) != std::string::npos);
  }
}

TEST_CASE("manifest: script and variable name rules") {
  CHECK(is_valid_script_name("a"));
  CHECK(is_valid_script_name("0.x_y-z"));
  CHECK(is_valid_script_name(std::string(64, 'a')));
  CHECK_FALSE(is_valid_script_name(std::string(65, 'a')));
  CHECK_FALSE(is_valid_script_name("_x"));
  CHECK_FALSE(is_valid_script_name("a b"));
  CHECK_FALSE(is_valid_script_name("caf\xc3\xa9"));

  CHECK(is_valid_variable_name("_"));
  CHECK(is_valid_variable_name("A1_B"));
  CHECK(is_valid_variable_name(std::string(kMaxVariableNameLength, 'A')));
  CHECK_FALSE(is_valid_variable_name(std::string(kMaxVariableNameLength + 1, 'A')));
  CHECK_FALSE(is_valid_variable_name("1A"));
  CHECK_FALSE(is_valid_variable_name("a"));
  CHECK_FALSE(is_valid_variable_name(""));
  CHECK_FALSE(is_valid_variable_name("A=B"));

  CHECK(is_reserved_variable_name("PATH"));
  CHECK(is_reserved_variable_name("HOME"));
  CHECK(is_reserved_variable_name("LD_PRELOAD"));
  CHECK(is_reserved_variable_name("LD_"));
  CHECK(is_reserved_variable_name("SM_JOB_ID"));
  CHECK_FALSE(is_reserved_variable_name("PATHS"));
  CHECK_FALSE(is_reserved_variable_name("MY_PATH"));
  CHECK_FALSE(is_reserved_variable_name("LDX"));
  CHECK_FALSE(is_reserved_variable_name("SMX"));
}

TEST_CASE("manifest: a hostile name is quoted, escaped and cut short in the message") {
  const std::string long_name(300, 'x');
  auto m =
      parse_manifest(R"({"scripts": {")" + long_name + R"(\n\u001b[31m": {}}})", no_file_checks());
  CHECK_ERROR_CODE(m, "invalid_manifest");
  CHECK(m.error().message().size() < 200);
  CHECK(m.error().message().find('\n') == std::string::npos);
  CHECK(m.error().message().find("...'") != std::string::npos);

  auto esc = parse_manifest(R"({"scripts": {"a\nb": {}}})", no_file_checks());
  CHECK_ERROR_CODE(esc, "invalid_manifest");
  CHECK(esc.error().message().find("script 'a\\x0ab'") != std::string::npos);
}

TEST_CASE("manifest: the command must exist, be a regular file and be executable") {
  TempDir dir;
  const fs::path script = dir / "run.sh";
  write_file(script, "#!/bin/sh\necho hi\n", kExecutable);

  SUBCASE("an executable file is accepted") {
    CHECK_OK(parse_manifest(one_script(script.string())));
  }
  SUBCASE("a missing command") {
    auto m = parse_manifest(one_script((dir / "absent.sh").string()));
    CHECK_ERROR_CODE(m, "invalid_manifest");
    CHECK(m.error().message().find("script 'job': command '") != std::string::npos);
    CHECK(m.error().message().find("absent.sh' does not exist") != std::string::npos);
  }
  SUBCASE("a command under a file") {
    auto m = parse_manifest(one_script((script / "x").string()));
    CHECK_ERROR_CODE(m, "invalid_manifest");
    CHECK(m.error().message().find("does not exist") != std::string::npos);
  }
  SUBCASE("a file without execute permission") {
    fs::permissions(script, kReadOnly);
    auto m = parse_manifest(one_script(script.string()));
    CHECK_ERROR_CODE(m, "invalid_manifest");
    CHECK(m.error().message().find("run.sh' is not executable") != std::string::npos);
  }
  SUBCASE("a directory") {
    auto m = parse_manifest(one_script(dir.path().string()));
    CHECK_ERROR_CODE(m, "invalid_manifest");
    CHECK(m.error().message().find("is not a regular file") != std::string::npos);
  }
  SUBCASE("a relative path is refused even when it would resolve") {
    auto m = parse_manifest(one_script("run.sh"));
    CHECK_ERROR_CODE(m, "invalid_manifest");
    CHECK(m.error().message().find("script 'job': command 'run.sh' is not an absolute path") !=
          std::string::npos);
  }
  SUBCASE("without file checks the host is not consulted") {
    fs::permissions(script, kReadOnly);
    CHECK_OK(parse_manifest(one_script(script.string()), no_file_checks()));
    CHECK_OK(parse_manifest(one_script((dir / "absent.sh").string()), no_file_checks()));
  }
}

// Found in a fresh-clone run: temp paths there are long, and the message cut
// the path at 64 bytes, so an operator could not tell which file was meant.
TEST_CASE("manifest: a long command path is named whole in the error") {
  TempDir dir;
  const fs::path deep = dir / std::string(120, 'd');
  fs::create_directories(deep);
  const std::string missing = (deep / "absent.sh").string();
  auto m = parse_manifest(one_script(missing));
  CHECK_ERROR_CODE(m, "invalid_manifest");
  CHECK(m.error().message().find("'" + missing + "' does not exist") != std::string::npos);
}

TEST_CASE("manifest: workdir must be an existing directory") {
  TempDir dir;
  const fs::path script = dir / "run.sh";
  write_file(script, "#!/bin/sh\n", kExecutable);
  auto with_workdir = [&](const std::string& workdir) {
    return one_script(script.string(),
                      R"("workdir": )" + boost::json::serialize(boost::json::string(workdir)));
  };
  auto ok = parse_manifest(with_workdir(dir.path().string()));
  REQUIRE_OK(ok);
  CHECK(ok->scripts.at("job").workdir == dir.path().string());

  auto missing = parse_manifest(with_workdir((dir / "nope").string()));
  CHECK_ERROR_CODE(missing, "invalid_manifest");
  CHECK(missing.error().message().find("script 'job': workdir '") != std::string::npos);
  CHECK(missing.error().message().find("is not an existing directory") != std::string::npos);

  auto file = parse_manifest(with_workdir(script.string()));
  CHECK_ERROR_CODE(file, "invalid_manifest");

  CHECK_OK(parse_manifest(with_workdir((dir / "nope").string()), no_file_checks()));
}

TEST_CASE("manifest: fixed env values are bounded like parameters") {
  auto with_value = [](std::size_t size) {
    return one_script("/bin/true", R"("env": {"BIG": ")" + std::string(size, 'v') + R"("})");
  };
  CHECK_OK(parse_manifest(with_value(kMaxParamValueBytes), no_file_checks()));
  auto m = parse_manifest(with_value(kMaxParamValueBytes + 1), no_file_checks());
  CHECK_ERROR_CODE(m, "invalid_manifest");
  CHECK(m.error().message().find("script 'job': env 'BIG': value is longer than 32768 bytes") !=
        std::string::npos);
}

TEST_CASE("manifest: a pattern longer than the bound is refused") {
  const std::string ok_pattern(kMaxPatternLength, 'a');
  CHECK_OK(parse_manifest(
      one_script("/bin/true", R"("params": {"P": {"pattern": ")" + ok_pattern + R"("}})"),
      no_file_checks()));
  auto m = parse_manifest(
      one_script("/bin/true", R"("params": {"P": {"pattern": ")" + ok_pattern + R"(a"}})"),
      no_file_checks());
  CHECK_ERROR_CODE(m, "invalid_manifest");
  CHECK(m.error().message().find("params 'P': \"pattern\" is longer than 1024") !=
        std::string::npos);
}

// A summary declaring `scripts` scripts, each with `params` parameters
// carrying `pattern`.
std::string summary_of(std::size_t scripts, std::size_t params, const std::string& pattern) {
  boost::json::object all;
  for (std::size_t i = 0; i < scripts; ++i) {
    boost::json::object declared;
    for (std::size_t p = 0; p < params; ++p) {
      declared["P" + std::to_string(p)] = boost::json::object{{"pattern", pattern}};
    }
    all["s" + std::to_string(i)] = boost::json::object{{"params", std::move(declared)}};
  }
  return boost::json::serialize(boost::json::object{{"scripts", std::move(all)}});
}

void check_refused(const Result<std::map<std::string, ScriptSpec>>& r, const std::string& what) {
  CHECK_ERROR_CODE(r, "invalid_manifest");
  if (!r.ok()) {
    CAPTURE(r.error().message());
    CHECK(r.error().message().find(what) != std::string::npos);
  }
}

TEST_CASE("manifest: scripts, parameters and pattern bytes are bounded") {
  CHECK_OK(parse_manifest_summary(summary_of(kMaxManifestScripts, 0, "")));
  check_refused(parse_manifest_summary(summary_of(kMaxManifestScripts + 1, 0, "")),
                "manifest: declares more than 256 scripts");
  CHECK_OK(parse_manifest_summary(summary_of(1, kMaxScriptParams, "[a-z]+")));
  check_refused(parse_manifest_summary(summary_of(1, kMaxScriptParams + 1, "[a-z]+")),
                "script 's0': declares more than 64 parameters");
  // 64 patterns of 1 KiB fill the budget exactly (each one class, a few
  // compiled instructions); 66 are refused.
  const std::string kib = "[" + std::string(kMaxPatternLength - 2, 'a') + "]";
  CHECK_OK(parse_manifest_summary(summary_of(1, kMaxManifestPatternBytes / kib.size(), kib)));
  check_refused(parse_manifest_summary(summary_of(2, 33, kib)),
                "patterns exceed 65536 bytes in all");
  // The same bounds hold for the manifest file the summary comes from.
  const std::string text = summary_of(kMaxManifestScripts + 1, 0, "");
  CHECK_ERROR_CODE(parse_manifest(text, no_file_checks()), "invalid_manifest");
}

TEST_CASE("manifest: a summary larger than its bound is refused before it is parsed") {
  std::string text =
      R"({"scripts": {}, "pad": ")" + std::string(kMaxManifestSummaryBytes, 'x') + R"("})";
  check_refused(parse_manifest_summary(text), "summary is larger than 262144 bytes");
}

TEST_CASE("manifest: patterns whose compiled form would be huge are refused, fast") {
  // Nested counted repetitions: the shape that made a backtracking engine
  // stall for seconds and allocate gigabytes.
  check_refused(parse_manifest_summary(summary_of(1, 1, "(a{1,99}){1,99}")),
                "params 'P0': \"pattern\" is not a valid regular expression");
  // Within RE2's repetition limit but past the compiled-size bound, which
  // is what bounds the cost of matching a value.
  check_refused(parse_manifest_summary(summary_of(1, 1, "a{1,1000}")),
                "params 'P0': \"pattern\" compiles to more than 2000 instructions");
  // Each pattern within the bound (1,278 instructions), all of them past
  // the manifest's: 25 fit in 32,000, 26 do not.
  const std::string name_like = "[a-zA-Z0-9_.-]{1,255}";
  CHECK_OK(parse_manifest_summary(summary_of(1, 25, name_like)));
  check_refused(parse_manifest_summary(summary_of(1, 26, name_like)),
                "patterns compile to more than 32000 instructions in all");
  // Look-around and back-references are not supported, and say so.
  check_refused(parse_manifest_summary(summary_of(1, 1, "(?=a)a")), "not a valid regular");
  check_refused(parse_manifest_summary(summary_of(1, 1, "(a)\\1")), "uses a back-reference");
}

TEST_CASE("manifest: a summary already checked can skip compiling its patterns") {
  const std::string text = summary_of(1, 1, "(");
  CHECK_ERROR_CODE(parse_manifest_summary(text), "invalid_manifest");
  auto unchecked = parse_manifest_summary(text, {.check_patterns = false});
  REQUIRE_OK(unchecked);
  // The pattern is still enforced: a run compiles it and refuses the manifest.
  CHECK_ERROR_CODE(validate_params(unchecked->at("s0"), {{"P0", "x"}}), "invalid_manifest");
}

TEST_CASE("manifest: load_manifest_file reads, bounds and names the file") {
  TempDir dir;
  const fs::path path = dir / "manifest.json";

  SUBCASE("a good file") {
    write_file(path, read_fixture("issue_shape.json"), kReadOnly);
    auto m = load_manifest_file(path.string(), no_file_checks());
    REQUIRE_OK(m);
    CHECK(m->names() == std::vector<std::string>{"hello"});
  }
  SUBCASE("file checks are on by default, and the message names file and entry") {
    write_file(path, read_fixture("issue_shape.json"), kReadOnly);
    auto m = load_manifest_file(path.string());
    CHECK_ERROR_CODE(m, "invalid_manifest");
    CHECK(m.error().message() == path.string() +
                                     ": script 'hello': command '/opt/scripts/hello.sh' does "
                                     "not exist");
  }
  SUBCASE("a missing file") {
    auto m = load_manifest_file((dir / "absent.json").string());
    CHECK_ERROR_CODE(m, "manifest_unreadable");
    CHECK(m.error().category() == ErrorCategory::kUnavailable);
    CHECK(m.error().message().find("absent.json") != std::string::npos);
  }
  SUBCASE("a directory") {
    auto m = load_manifest_file(dir.path().string());
    CHECK_ERROR_CODE(m, "manifest_unreadable");
  }
  SUBCASE("exactly the size limit is read; one byte more is refused") {
    std::string text = R"({"scripts": {}})";
    text.resize(kMaxManifestFileBytes, ' ');
    write_file(path, text, kReadOnly);
    CHECK_OK(load_manifest_file(path.string()));
    write_file(path, text + " ", kReadOnly);
    auto m = load_manifest_file(path.string());
    CHECK_ERROR_CODE(m, "invalid_manifest");
    CHECK(m.error().message().find("larger than 1048576 bytes") != std::string::npos);
  }
}

TEST_CASE("manifest: validate_params accepts declared, well-formed values") {
  const ScriptSpec s = greeter();
  CHECK_OK(validate_params(s, {{"NAME", "world"}}));
  CHECK_OK(validate_params(s, {{"NAME", "world"}, {"COUNT", ""}}));
  CHECK_OK(validate_params(s, {{"NAME", "abc"}, {"COUNT", "any \xff bytes\n"}}));
  CHECK_OK(validate_params(s, {{"NAME", std::string(kMaxParamValueBytes, 'a')}}));
}

TEST_CASE("manifest: validate_params refusals name the parameter") {
  const ScriptSpec s = greeter();
  const std::map<std::string, std::string> base{{"NAME", "world"}};
  auto with = [&](const std::string& k, const std::string& v) {
    auto p = base;
    p[k] = v;
    return p;
  };
  check_param_error(validate_params(s, with("COUNT", std::string(kMaxParamValueBytes + 1, '1'))),
                    "parameter 'COUNT': value is longer than 32768 bytes");
  check_param_error(validate_params(s, {{"NAME", std::string(kMaxParamValueBytes + 1, 'a')}}),
                    "parameter 'NAME': value is longer than 32768 bytes");
  check_param_error(validate_params(s, with("COUNT", std::string("1\0002", 3))),
                    "parameter 'COUNT': value contains a NUL byte");
  check_param_error(validate_params(s, with("LD_PRELOAD", "/tmp/evil.so")),
                    "parameter 'LD_PRELOAD': name is reserved");
  check_param_error(validate_params(s, with("SM_JOB_ID", "x")),
                    "parameter 'SM_JOB_ID': name is reserved");
  check_param_error(validate_params(s, with("PATH", "/tmp")), "parameter 'PATH': name is reserved");
  check_param_error(validate_params(s, with("HOME", "/tmp")), "parameter 'HOME': name is reserved");
  check_param_error(validate_params(s, with("name", "x")), "parameter 'name': name must match");
  check_param_error(validate_params(s, with("A=B", "x")), "parameter 'A=B': name must match");
  check_param_error(validate_params(s, with("OTHER", "x")),
                    "parameter 'OTHER': not declared by script 'greet'");
  check_param_error(validate_params(s, {}),
                    "parameter 'NAME': required by script 'greet' but missing");
  check_param_error(validate_params(s, {{"COUNT", "1"}}), "parameter 'NAME': required");
}

TEST_CASE("manifest: patterns match the whole value") {
  const ScriptSpec s = greeter();
  check_param_error(validate_params(s, {{"NAME", "World"}}),
                    "parameter 'NAME': value does not match the declared pattern '^[a-z]+$'");
  check_param_error(validate_params(s, {{"NAME", ""}}), "parameter 'NAME': value does not match");
  check_param_error(validate_params(s, {{"NAME", "abc\n"}}), "does not match");
  // The message never echoes the value, which may be a secret.
  auto r = validate_params(s, {{"NAME", "Secret-Value"}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("Secret-Value") == std::string::npos);

  // An unanchored pattern still has to cover the whole value.
  auto m = parse_manifest(one_script("/bin/true", R"("params": {"N": {"pattern": "[0-9]+"}})"),
                          no_file_checks());
  REQUIRE_OK(m);
  const ScriptSpec& digits = m->scripts.at("job");
  CHECK_OK(validate_params(digits, {{"N", "42"}}));
  check_param_error(validate_params(digits, {{"N", "42x"}}), "parameter 'N': value does not match");
  check_param_error(validate_params(digits, {{"N", "x42"}}), "parameter 'N': value does not match");
}

TEST_CASE("manifest: matching a 32 KiB value neither overflows the stack nor backtracks") {
  auto m = parse_manifest(
      one_script("/bin/true",
                 R"("params": {"A": {"pattern": "(a|b)*"}, "B": {"pattern": "(a*)*b"}})"),
      no_file_checks());
  REQUIRE_OK(m);
  const ScriptSpec& s = m->scripts.at("job");
  CHECK_OK(validate_params(s, {{"A", std::string(kMaxParamValueBytes, 'a')}}));
  CHECK_OK(validate_params(s, {{"B", std::string(kMaxParamValueBytes - 1, 'a') + "b"}}));
  check_param_error(validate_params(s, {{"B", std::string(kMaxParamValueBytes, 'a')}}),
                    "parameter 'B': value does not match");
}

TEST_CASE("manifest: validate_params compiles a hand-built pattern") {
  ScriptSpec s;
  s.name = "manual";
  s.params["CODE"] = ParamSpec{true, "[A-Z]{3}", nullptr};
  CHECK_OK(validate_params(s, {{"CODE", "ABC"}}));
  check_param_error(validate_params(s, {{"CODE", "ABCD"}}),
                    "parameter 'CODE': value does not match");
  s.params["CODE"].pattern = "[A-";
  CHECK_ERROR_CODE(validate_params(s, {{"CODE", "ABC"}}), "invalid_manifest");
}

TEST_CASE("manifest: the summary carries names, params and timeouts, never commands or env") {
  auto m = parse_manifest(read_fixture("full.json"), no_file_checks());
  REQUIRE_OK(m);
  const std::string summary = manifest_summary_json(*m);
  CHECK(summary.find("/usr/local/bin/backup") == std::string::npos);
  CHECK(summary.find("/var/backups") == std::string::npos);
  CHECK(summary.find("C.UTF-8") == std::string::npos);
  CHECK(summary.find("LANG") == std::string::npos);

  auto parsed = parse_manifest_summary(summary);
  REQUIRE_OK(parsed);
  REQUIRE(parsed->size() == m->scripts.size());
  for (const auto& [name, spec] : m->scripts) {
    CAPTURE(name);
    ScriptSpec expected = spec;
    expected.command.clear();
    expected.workdir.clear();
    expected.env.clear();
    CHECK(parsed->at(name) == expected);
  }
  // A summary keeps no compiled pattern; validate_params() compiles the one it needs.
  CHECK(parsed->at("hello").params.at("NAME").compiled == nullptr);
  CHECK_OK(validate_params(parsed->at("hello"), {{"NAME", "abc"}}));
  CHECK_FALSE(validate_params(parsed->at("hello"), {{"NAME", "ABC"}}).ok());
}

TEST_CASE("manifest: the summary of the issue's example is compact and stable") {
  auto m = parse_manifest(read_fixture("issue_shape.json"), no_file_checks());
  REQUIRE_OK(m);
  CHECK(manifest_summary_json(*m) ==
        R"({"scripts":{"hello":{"params":{"NAME":{"required":true,"pattern":"^[a-z]+$"}},)"
        R"("timeout_sec":60}}})");
  CHECK(manifest_summary_json(Manifest{}) == R"({"scripts":{}})");
}

TEST_CASE("manifest: a bad summary is refused with invalid_manifest") {
  for (const char* text : {
           "not json",
           R"([])",
           R"({"scripts": []})",
           R"({"scripts": {"bad name": {}}})",
           R"({"scripts": {"x": 1}})",
           R"({"scripts": {"x": {"params": {"lower": {}}}}})",
           R"({"scripts": {"x": {"params": {"LD_AUDIT": {}}}}})",
           R"({"scripts": {"x": {"params": {"P": {"pattern": "("}}}}})",
           R"({"scripts": {"x": {"timeout_sec": 0}}})",
       }) {
    CAPTURE(text);
    auto r = parse_manifest_summary(text);
    CHECK_ERROR_CODE(r, "invalid_manifest");
  }
  auto ok = parse_manifest_summary(R"({"scripts": {"x": {"command": ["ignored"], "future": 1}}})");
  REQUIRE_OK(ok);
  CHECK(ok->at("x").command.empty());
  CHECK(ok->at("x").timeout_sec == kDefaultScriptTimeoutSec);
}

}  // namespace
}  // namespace scriptmesh
