// Agents: create (the key is in this one answer only), list, read,
// rename/retag, delete, rotate the key. The rules for names and tags are
// AgentService's (agents.hpp); this file only bounds the JSON it reads.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/agents.hpp"

namespace scriptmesh::http::api {
namespace {

// Generous bounds on the raw input; AgentService applies the real rules
// (names of 100 code points, tags of 64 characters) and names what is wrong.
constexpr std::size_t kMaxNameBytes = 400;
constexpr std::size_t kMaxTagBytes = 256;

Result<AgentService*> agents_of(ApiServices& s) {
  if (s.agents == nullptr) {
    return Error::unavailable("unavailable", "agents are not served by this process");
  }
  return s.agents;
}

boost::json::array string_array(const std::vector<std::string>& items) {
  boost::json::array out;
  for (const auto& item : items)
    out.emplace_back(item);
  return out;
}

boost::json::value metrics_json(const std::optional<AgentMetrics>& m) {
  if (!m) return nullptr;
  return boost::json::object{{"cpu_percent", m->cpu_percent},
                             {"mem_percent", m->mem_percent},
                             {"disk_percent", m->disk_percent},
                             {"uptime_sec", m->uptime_sec}};
}

// The manifest summary the agent sent (the hub validated it on hello).
boost::json::value scripts_json(const std::string& summary) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(summary, ec);
  if (ec || !parsed.is_object()) return boost::json::object{};
  auto* scripts = parsed.get_object().if_contains("scripts");
  if (scripts == nullptr || !scripts->is_object()) return boost::json::object{};
  return *scripts;
}

boost::json::object agent_json(const AgentView& a) {
  return {{"id", a.id.str()},
          {"name", a.name},
          {"tags", string_array(a.tags)},
          {"status", to_string(a.status)},
          {"last_heartbeat_at", time_or_null(a.last_heartbeat_at)},
          {"metrics", metrics_json(a.metrics)},
          {"manifest", string_array(a.manifest)},
          {"scripts", scripts_json(a.manifest_summary)},
          {"max_concurrent", a.max_concurrent},
          {"created_at", format_rfc3339(a.created_at)}};
}

Result<AgentCreateRequest> read_create(const boost::json::object& body) {
  AgentCreateRequest out;
  auto name = required_string(body, "name", kMaxNameBytes);
  SCRIPTMESH_RETURN_IF_ERROR(name);
  out.name = std::move(*name);
  auto tags = optional_string_array(body, "tags", kMaxAgentTags, kMaxTagBytes);
  SCRIPTMESH_RETURN_IF_ERROR(tags);
  if (tags->has_value()) out.tags = std::move(**tags);
  return out;
}

Result<AgentUpdate> read_update(const boost::json::object& body) {
  AgentUpdate out;
  auto name = optional_string(body, "name", kMaxNameBytes, 1);
  SCRIPTMESH_RETURN_IF_ERROR(name);
  out.name = std::move(*name);
  auto tags = optional_string_array(body, "tags", kMaxAgentTags, kMaxTagBytes);
  SCRIPTMESH_RETURN_IF_ERROR(tags);
  out.tags = std::move(*tags);
  if (!out.name && !out.tags) return field_error("name", "give a name, tags or both");
  return out;
}

Result<AgentId> agent_id(const Request& request) {
  auto id = path_id(request, "id", "agent_not_found");
  SCRIPTMESH_RETURN_IF_ERROR(id);
  return AgentId(std::move(*id));
}

}  // namespace

Response create_agent(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto agents = agents_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(agents);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto input = read_create(*body);
    SCRIPTMESH_RETURN_IF_ERROR(input);
    auto created = (*agents)->create(*who, *input);
    SCRIPTMESH_RETURN_IF_ERROR(created);
    boost::json::object out = agent_json(created->agent);
    out["key"] = created->key;
    return json_response(201, out);
  }());
}

Response list_agents(ApiServices& s, const Request&, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto agents = agents_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(agents);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto list = (*agents)->list(*who);
    SCRIPTMESH_RETURN_IF_ERROR(list);
    boost::json::array items;
    for (const AgentView& a : *list)
      items.emplace_back(agent_json(a));
    return json_response(200, boost::json::object{{"agents", std::move(items)}});
  }());
}

Response get_agent(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto agents = agents_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(agents);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = agent_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto agent = (*agents)->get(*who, *id);
    SCRIPTMESH_RETURN_IF_ERROR(agent);
    return json_response(200, agent_json(*agent));
  }());
}

Response agent_heartbeats(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto agents = agents_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(agents);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = agent_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto samples = (*agents)->heartbeat_history(*who, *id);
    SCRIPTMESH_RETURN_IF_ERROR(samples);
    boost::json::array out;
    for (const HeartbeatSample& sample : *samples) {
      boost::json::object o = metrics_json(sample.metrics).as_object();
      o["at"] = format_rfc3339(sample.at);
      out.push_back(std::move(o));
    }
    return json_response(200, boost::json::object{{"agent_id", id->str()},
                                                  {"capacity", HeartbeatHistory::kDefaultCapacity},
                                                  {"samples", std::move(out)}});
  }());
}

Response update_agent(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto agents = agents_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(agents);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = agent_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto update = read_update(*body);
    SCRIPTMESH_RETURN_IF_ERROR(update);
    auto agent = (*agents)->update(*who, *id, *update);
    SCRIPTMESH_RETURN_IF_ERROR(agent);
    return json_response(200, agent_json(*agent));
  }());
}

Response delete_agent(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto agents = agents_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(agents);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = agent_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    SCRIPTMESH_RETURN_IF_ERROR((*agents)->remove(*who, *id));
    return empty_response(204);
  }());
}

Response rotate_agent_key(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto agents = agents_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(agents);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = agent_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto key = (*agents)->rotate_key(*who, *id);
    SCRIPTMESH_RETURN_IF_ERROR(key);
    return json_response(200, boost::json::object{{"id", id->str()}, {"key", *key}});
  }());
}

}  // namespace scriptmesh::http::api
