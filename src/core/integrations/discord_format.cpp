// Discord channel webhook messages: "content" plus one rich embed.
//
// Limits (Discord's Execute Webhook and Embed docs): content at most 2000
// characters; an embed's title 256, field name 256, field value 1024 (and
// never empty), at most 25 fields, 6000 characters in all embeds. color is
// an integer RGB; timestamp is ISO 8601. allowed_mentions {"parse": []}
// keeps an "@everyone" inside a script or agent name from pinging anyone.
#include <boost/json.hpp>

#include "core/integrations/format_support.hpp"

namespace scriptmesh::integration_formats {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxContent = 2000;
constexpr std::size_t kMaxTitle = 256;
constexpr std::size_t kMaxFieldName = 256;
// Discord allows 1024 per value, but all embed text together must stay under
// 6000: a title and at most 9 facts of short names and 512-byte values do.
constexpr std::size_t kMaxFieldValue = 512;

constexpr std::int64_t kGreen = 0x2ECC71;
constexpr std::int64_t kRed = 0xE74C3C;
constexpr std::int64_t kOrange = 0xE67E22;
constexpr std::int64_t kGrey = 0x95A5A6;

std::int64_t color_of(Tone tone) {
  switch (tone) {
    case Tone::kGood:
      return kGreen;
    case Tone::kBad:
      return kRed;
    case Tone::kWarning:
      return kOrange;
    case Tone::kNeutral:
      return kGrey;
  }
  return kGrey;
}

// Discord markdown would turn "my_backup_job" into italics; a backslash
// before each markup character shows it as typed.
std::string escape_markdown(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\' || c == '*' || c == '_' || c == '~' || c == '`' || c == '|' || c == '>') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::string text(std::string_view raw, std::size_t max_bytes) {
  return truncate_utf8(escape_markdown(raw), max_bytes);
}

json::object embed_for(const IntegrationEvent& event, const std::string& link) {
  json::array fields;
  for (const Fact& fact : event_facts(event)) {
    fields.push_back({{"name", text(fact.title, kMaxFieldName)},
                      {"value", text(fact.value, kMaxFieldValue)},
                      {"inline", true}});
  }
  json::object embed = {{"title", text(event_title(event), kMaxTitle)},
                        {"color", color_of(event_tone(event))},
                        {"timestamp", format_rfc3339(event.created_at)},
                        {"fields", std::move(fields)},
                        {"footer", {{"text", "ScriptMesh"}}}};
  if (!link.empty()) embed["url"] = link;
  return embed;
}

}  // namespace

FormatResult format_discord(const json::object& config, const IntegrationEvent& event,
                            const FormatContext& ctx) {
  if (!is_known_event(event.type)) return nothing();
  Result<std::string> url = config_string(config, "webhook_url");
  if (!url.ok()) return std::move(url).error();
  json::array embeds;
  embeds.push_back(embed_for(event, job_link(event, ctx)));
  const json::object body = {{"content", text(event_summary(event), kMaxContent)},
                             {"allowed_mentions", {{"parse", json::array()}}},
                             {"embeds", std::move(embeds)}};
  return std::optional<HttpClientRequest>(json_post(std::move(url).value(), body));
}

}  // namespace scriptmesh::integration_formats
