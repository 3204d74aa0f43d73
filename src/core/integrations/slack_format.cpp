// Slack incoming webhook messages: a fallback "text" plus Block Kit blocks.
//
// Limits (Slack's Block Kit reference): a header's plain_text at most 150
// characters; a section's text at most 3000; at most 10 fields of at most
// 2000 each. mrkdwn gives &, < and > a meaning (links, mentions such as
// <!channel>), so event text is escaped as &amp; &lt; &gt;.
#include <boost/json.hpp>

#include "core/integrations/format_support.hpp"

namespace scriptmesh::integration_formats {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxHeaderText = 150;
constexpr std::size_t kMaxSectionText = 3000;
constexpr std::size_t kMaxFieldText = 2000;
constexpr std::size_t kMaxFields = 10;

std::string escape_mrkdwn(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

// Escaped text within `max_bytes`. The cut is made on the raw text, so it
// never splits an entity such as "&amp;".
std::string mrkdwn(std::string_view text, std::size_t max_bytes) {
  std::string escaped = escape_mrkdwn(text);
  for (std::size_t budget = max_bytes; escaped.size() > max_bytes; budget = budget * 3 / 4) {
    escaped = escape_mrkdwn(truncate_utf8(text, budget));
  }
  return escaped;
}

json::object mrkdwn_text(std::string text) {
  return {{"type", "mrkdwn"}, {"text", std::move(text)}};
}

json::array blocks_for(const IntegrationEvent& event, const std::string& link) {
  json::array fields;
  for (const Fact& fact : event_facts(event)) {
    if (fields.size() == kMaxFields) break;
    fields.push_back(mrkdwn_text(mrkdwn("*" + fact.title + "*\n" + fact.value, kMaxFieldText)));
  }
  json::array blocks;
  blocks.push_back(
      {{"type", "header"},
       {"text",
        {{"type", "plain_text"}, {"text", truncate_utf8(event_title(event), kMaxHeaderText)}}}});
  blocks.push_back({{"type", "section"},
                    {"text", mrkdwn_text(mrkdwn(event_summary(event), kMaxSectionText))},
                    {"fields", std::move(fields)}});
  if (!link.empty()) {
    blocks.push_back(
        {{"type", "section"},
         {"text", mrkdwn_text("<" + escape_mrkdwn(link) + "|View job in ScriptMesh>")}});
  }
  return blocks;
}

}  // namespace

FormatResult format_slack(const json::object& config, const IntegrationEvent& event,
                          const FormatContext& ctx) {
  if (!is_known_event(event.type)) return nothing();
  Result<std::string> url = config_string(config, "webhook_url");
  if (!url.ok()) return std::move(url).error();
  const json::object body = {{"text", mrkdwn(event_summary(event), kMaxSectionText)},
                             {"blocks", blocks_for(event, job_link(event, ctx))}};
  return std::optional<HttpClientRequest>(json_post(std::move(url).value(), body));
}

}  // namespace scriptmesh::integration_formats
