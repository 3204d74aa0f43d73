#include "core/agent/agent_input.hpp"

#include <algorithm>

#include "core/accounts/account_input.hpp"
#include "core/agent/manifest_rules.hpp"
#include "scriptmesh/agents.hpp"

namespace scriptmesh::agents {
namespace {

bool is_tag_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == ':' || c == '=' || c == '-';
}

}  // namespace

Result<std::string> validate_agent_name(std::string_view name) {
  return accounts::validate_name(name, kMaxAgentNameChars, "invalid_name", "name");
}

bool is_valid_tag(std::string_view tag) noexcept {
  if (tag.empty() || tag.size() > kMaxAgentTagChars) return false;
  if (!is_tag_char(tag[0]) || tag[0] == '_' || tag[0] == '.' || tag[0] == ':' || tag[0] == '=' ||
      tag[0] == '-') {
    return false;
  }
  return std::all_of(tag.begin(), tag.end(), is_tag_char);
}

Result<std::vector<std::string>> validate_tags(const std::vector<std::string>& tags) {
  if (tags.size() > kMaxAgentTags) {
    return Error::invalid_argument(
        "invalid_tags", "at most " + std::to_string(kMaxAgentTags) + " tags are allowed");
  }
  std::vector<std::string> out;
  for (const std::string& tag : tags) {
    if (!is_valid_tag(tag)) {
      return Error::invalid_argument(
          "invalid_tags",
          "tag " + manifest_detail::quoted(tag) + " must be 1.." +
              std::to_string(kMaxAgentTagChars) +
              " characters of A-Z a-z 0-9 _ . : = - starting with a letter or digit");
    }
    if (std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(tag);
  }
  return out;
}

}  // namespace scriptmesh::agents
