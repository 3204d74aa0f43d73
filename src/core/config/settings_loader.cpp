#include "core/config/settings_loader.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include <boost/json.hpp>

namespace scriptmesh::config {
namespace {

bool is_known(const std::vector<SettingInfo>& known, std::string_view key) {
  for (const SettingInfo& info : known) {
    if (info.key == key) return true;
  }
  return false;
}

// A file value as the text a flag would give (see the header).
Result<std::string> json_setting_text(std::string_view key, const boost::json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_bool()) return std::string(v.as_bool() ? "true" : "false");
  if (v.is_array()) {
    std::string joined;
    for (const auto& item : v.as_array()) {
      if (!item.is_string() || item.as_string().find(',') != boost::json::string::npos) {
        return invalid_setting(key, "expected an array of strings without commas");
      }
      if (!joined.empty()) joined += ',';
      joined += item.as_string();
    }
    return joined;
  }
  return invalid_setting(key, "expected a string, an integer, a boolean or an array of strings");
}

// Reads the JSON config file into key -> text, refusing unknown keys so a
// typo does not silently fall back to a default.
Result<std::map<std::string, std::string>> read_config_file(const std::vector<SettingInfo>& known,
                                                            const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::unavailable("config_unreadable", "cannot read config file " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(buffer.str(), ec);
  if (ec)
    return Error::invalid_argument(
        "invalid_config", "config file " + path + " is not valid JSON: it must hold a JSON object");
  if (!doc.is_object()) {
    return Error::invalid_argument("invalid_config",
                                   "config file " + path + " must hold a JSON object");
  }
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : doc.as_object()) {
    if (!is_known(known, k)) return invalid_setting(k, "unknown setting in " + path);
    auto text = json_setting_text(k, v);
    SCRIPTMESH_RETURN_IF_ERROR(text);
    out[std::string(k)] = *text;
  }
  return out;
}

std::optional<std::string> getenv_text(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  return v != nullptr ? std::optional<std::string>(v) : std::nullopt;
}

}  // namespace

Error invalid_setting(std::string_view key, std::string_view what) {
  return Error::invalid_argument(
      "invalid_config", std::string("setting '") + std::string(key) + "': " + std::string(what));
}

Result<std::int64_t> parse_int_setting(std::string_view key, const std::string& text,
                                       std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return invalid_setting(key, "expected an integer");
  }
  if (v < lo || v > hi) {
    return invalid_setting(key,
                           "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return v;
}

namespace detail {

Result<std::map<std::string, std::string>> collect_settings(const std::vector<SettingInfo>& known,
                                                            const ConfigSources& sources) {
  for (const auto& [key, value] : sources.flags) {
    if (!is_known(known, key)) return invalid_setting(key, "unknown setting");
  }
  std::map<std::string, std::string> from_file;
  if (!sources.file.empty()) {
    auto file = read_config_file(known, sources.file);
    SCRIPTMESH_RETURN_IF_ERROR(file);
    from_file = std::move(*file);
  }
  std::map<std::string, std::string> values;
  for (const SettingInfo& info : known) {
    const std::string key(info.key);
    if (auto f = sources.flags.find(key); f != sources.flags.end()) {
      values[key] = f->second;
    } else if (auto e = sources.env ? sources.env(info.env) : getenv_text(info.env)) {
      values[key] = *e;
    } else if (auto c = from_file.find(key); c != from_file.end()) {
      values[key] = c->second;
    }
  }
  return values;
}

}  // namespace detail
}  // namespace scriptmesh::config
