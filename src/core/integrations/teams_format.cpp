// Microsoft Teams messages: one Adaptive Card attachment.
//
// The envelope {"type":"message","attachments":[{"contentType":
// "application/vnd.microsoft.card.adaptive","content":<card>}]} is what
// Teams incoming webhooks and the Workflows "post card" trigger take. The
// card declares version 1.4 and uses only elements and properties that
// exist since 1.0: TextBlock (text, size, weight, color, wrap, isSubtle),
// FactSet (facts of title/value) and Action.OpenUrl (title, url).
#include <boost/json.hpp>

#include "core/integrations/format_support.hpp"

namespace scriptmesh::integration_formats {
namespace {

namespace json = boost::json;

constexpr std::string_view kCardSchema = "http://adaptivecards.io/schemas/adaptive-card.json";
constexpr std::string_view kCardVersion = "1.4";
// Teams refuses oversized messages; each text is capped so a card stays small.
constexpr std::size_t kMaxText = 1024;

std::string_view color_of(Tone tone) {
  switch (tone) {
    case Tone::kGood:
      return "good";
    case Tone::kBad:
      return "attention";
    case Tone::kWarning:
      return "warning";
    case Tone::kNeutral:
      return "default";
  }
  return "default";
}

json::object card_for(const IntegrationEvent& event, const std::string& link) {
  json::array facts;
  for (const Fact& fact : event_facts(event)) {
    facts.push_back({{"title", truncate_utf8(fact.title, kMaxText)},
                     {"value", truncate_utf8(fact.value, kMaxText)}});
  }
  json::array body;
  body.push_back({{"type", "TextBlock"},
                  {"text", truncate_utf8(event_title(event), kMaxText)},
                  {"size", "large"},
                  {"weight", "bolder"},
                  {"color", color_of(event_tone(event))},
                  {"wrap", true}});
  body.push_back({{"type", "TextBlock"},
                  {"text", truncate_utf8(event_summary(event), kMaxText)},
                  {"isSubtle", true},
                  {"wrap", true}});
  body.push_back({{"type", "FactSet"}, {"facts", std::move(facts)}});
  json::object card = {{"$schema", kCardSchema},
                       {"type", "AdaptiveCard"},
                       {"version", kCardVersion},
                       {"body", std::move(body)}};
  if (!link.empty()) {
    json::array actions;
    actions.push_back(
        {{"type", "Action.OpenUrl"}, {"title", "View job in ScriptMesh"}, {"url", link}});
    card["actions"] = std::move(actions);
  }
  return card;
}

}  // namespace

FormatResult format_teams(const json::object& config, const IntegrationEvent& event,
                          const FormatContext& ctx) {
  if (!is_known_event(event.type)) return nothing();
  Result<std::string> url = config_string(config, "webhook_url");
  if (!url.ok()) return std::move(url).error();
  json::array attachments;
  attachments.push_back({{"contentType", "application/vnd.microsoft.card.adaptive"},
                         {"content", card_for(event, job_link(event, ctx))}});
  const json::object body = {{"type", "message"}, {"attachments", std::move(attachments)}};
  return std::optional<HttpClientRequest>(json_post(std::move(url).value(), body));
}

}  // namespace scriptmesh::integration_formats
