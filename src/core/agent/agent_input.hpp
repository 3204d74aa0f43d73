// Checks of what operators type about agents: names and tags. Shared by
// AgentService (create, update) and JobService (tag triggers), so a trigger
// can only ask for tags an agent could carry.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/result.hpp"

namespace scriptmesh::agents {

// A trimmed name of 1..kMaxAgentNameChars code points, no control characters.
// Error: invalid_argument "invalid_name".
[[nodiscard]] Result<std::string> validate_agent_name(std::string_view name);

// True when `tag` is 1..kMaxAgentTagChars characters of [A-Za-z0-9_.:=-]
// starting with a letter or digit.
bool is_valid_tag(std::string_view tag) noexcept;

// The tags without duplicates, in their first order, when there are at most
// kMaxAgentTags and each is valid. Error: invalid_argument "invalid_tags"
// naming the first bad tag (quoted, cut short).
[[nodiscard]] Result<std::vector<std::string>> validate_tags(const std::vector<std::string>& tags);

}  // namespace scriptmesh::agents
