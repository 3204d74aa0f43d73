// JSON text of the store's structured columns (tags, scopes, params, ...).
//
// Decoding failures mean the row was damaged outside the store; they answer
// internal "store_corrupt".
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh::store {

// ["a","b"]
std::string encode_string_list(const std::vector<std::string>& values);
[[nodiscard]] Result<std::vector<std::string>> decode_string_list(std::string_view json);

// {"K":"V"}
std::string encode_string_map(const std::map<std::string, std::string>& values);
[[nodiscard]] Result<std::map<std::string, std::string>> decode_string_map(std::string_view json);

// {"cpu_percent":..,"mem_percent":..,"disk_percent":..,"uptime_sec":..}
std::string encode_metrics(const AgentMetrics& metrics);
[[nodiscard]] Result<AgentMetrics> decode_metrics(std::string_view json);

// {"scripts":[..],"agent_tags":[..],"schedule_ids":[..]}; a missing list is empty.
std::string encode_filters(const IntegrationFilters& filters);
[[nodiscard]] Result<IntegrationFilters> decode_filters(std::string_view json);

}  // namespace scriptmesh::store
