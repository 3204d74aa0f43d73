// What the orchestrator's and the agent's settings have in common: a table
// of rows (key, environment variable, setter) and one loader that reads the
// command-line flags, the environment and a JSON config file, in that order
// of precedence, and hands each value to its row's setter as text.
//
// A JSON file value is turned into the text a flag would give: strings as
// they are, integers in decimal, booleans as true/false, and arrays of
// strings as "a,b" (for list settings such as the agent's tags).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/orchestrator_config.hpp"  // ConfigSources, SettingInfo
#include "scriptmesh/result.hpp"

namespace scriptmesh::config {

template <class Config>
struct SettingRow {
  SettingInfo info;
  Result<void> (*set)(Config&, const std::string&);
};

// invalid_argument "invalid_config": "setting '<key>': <what>".
Error invalid_setting(std::string_view key, std::string_view what);

// A decimal integer in [lo, hi], or invalid_setting naming the range.
[[nodiscard]] Result<std::int64_t> parse_int_setting(std::string_view key, const std::string& text,
                                                     std::int64_t lo, std::int64_t hi);

namespace detail {

// The value each known setting gets from `sources` (flags, then the
// environment, then the file), keyed by setting key. Errors: an unknown
// flag or file key, an unreadable or malformed file, a file value of a
// type no setting takes.
[[nodiscard]] Result<std::map<std::string, std::string>> collect_settings(
    const std::vector<SettingInfo>& known, const ConfigSources& sources);

}  // namespace detail

// Applies every value `sources` gives to a fresh Config through the rows'
// setters. Errors: as detail::collect_settings, and the setters' own.
template <class Config>
[[nodiscard]] Result<Config> load_settings(const std::vector<SettingRow<Config>>& rows,
                                           const ConfigSources& sources) {
  std::vector<SettingInfo> known;
  known.reserve(rows.size());
  for (const auto& row : rows)
    known.push_back(row.info);
  auto values = detail::collect_settings(known, sources);
  SCRIPTMESH_RETURN_IF_ERROR(values);
  Config config;
  for (const auto& row : rows) {
    auto value = values->find(std::string(row.info.key));
    if (value != values->end()) SCRIPTMESH_RETURN_IF_ERROR(row.set(config, value->second));
  }
  return config;
}

// The infos of a table, for --help and flag registration.
template <class Config>
std::vector<SettingInfo> setting_infos(const std::vector<SettingRow<Config>>& rows) {
  std::vector<SettingInfo> infos;
  infos.reserve(rows.size());
  for (const auto& row : rows)
    infos.push_back(row.info);
  return infos;
}

}  // namespace scriptmesh::config
