#include "core/store/json_columns.hpp"

#include <boost/json.hpp>

namespace scriptmesh::store {
namespace {

Error corrupt(std::string_view what) {
  return Error::internal("store_corrupt", "malformed JSON in the " + std::string(what) + " column");
}

Result<boost::json::value> parse(std::string_view json, std::string_view what) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec) return corrupt(what);
  return v;
}

Result<double> number(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return 0.0;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return corrupt("metrics");
}

}  // namespace

std::string encode_string_list(const std::vector<std::string>& values) {
  boost::json::array a;
  a.reserve(values.size());
  for (const std::string& v : values)
    a.emplace_back(v);
  return boost::json::serialize(a);
}

Result<std::vector<std::string>> decode_string_list(std::string_view json) {
  Result<boost::json::value> v = parse(json, "list");
  if (!v.ok()) return std::move(v).error();
  if (!v->is_array()) return corrupt("list");
  std::vector<std::string> out;
  for (const boost::json::value& item : v->get_array()) {
    if (!item.is_string()) return corrupt("list");
    out.emplace_back(item.get_string());
  }
  return out;
}

std::string encode_string_map(const std::map<std::string, std::string>& values) {
  boost::json::object o;
  for (const auto& [k, v] : values)
    o[k] = v;
  return boost::json::serialize(o);
}

Result<std::map<std::string, std::string>> decode_string_map(std::string_view json) {
  Result<boost::json::value> v = parse(json, "map");
  if (!v.ok()) return std::move(v).error();
  if (!v->is_object()) return corrupt("map");
  std::map<std::string, std::string> out;
  for (const auto& [k, item] : v->get_object()) {
    if (!item.is_string()) return corrupt("map");
    out.emplace(std::string(k), std::string(item.get_string()));
  }
  return out;
}

std::string encode_metrics(const AgentMetrics& metrics) {
  boost::json::object o;
  o["cpu_percent"] = metrics.cpu_percent;
  o["mem_percent"] = metrics.mem_percent;
  o["disk_percent"] = metrics.disk_percent;
  o["uptime_sec"] = metrics.uptime_sec;
  return boost::json::serialize(o);
}

Result<AgentMetrics> decode_metrics(std::string_view json) {
  Result<boost::json::value> v = parse(json, "metrics");
  if (!v.ok()) return std::move(v).error();
  if (!v->is_object()) return corrupt("metrics");
  const boost::json::object& o = v->get_object();
  AgentMetrics m;
  Result<double> cpu = number(o, "cpu_percent");
  Result<double> mem = number(o, "mem_percent");
  Result<double> disk = number(o, "disk_percent");
  Result<double> uptime = number(o, "uptime_sec");
  if (!cpu.ok() || !mem.ok() || !disk.ok() || !uptime.ok()) return corrupt("metrics");
  m.cpu_percent = *cpu;
  m.mem_percent = *mem;
  m.disk_percent = *disk;
  m.uptime_sec = static_cast<std::int64_t>(*uptime);
  return m;
}

namespace {

std::vector<std::string> list_or_empty(const boost::json::object& o, std::string_view key,
                                       bool& bad) {
  std::vector<std::string> out;
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    bad = true;
    return out;
  }
  for (const boost::json::value& item : v->get_array()) {
    if (!item.is_string()) {
      bad = true;
      return out;
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

}  // namespace

std::string encode_filters(const IntegrationFilters& f) {
  boost::json::array schedules;
  for (const ScheduleId& id : f.schedule_ids)
    schedules.emplace_back(id.str());
  boost::json::object o;
  o["scripts"] = boost::json::value_from(f.scripts);
  o["agent_tags"] = boost::json::value_from(f.agent_tags);
  o["schedule_ids"] = std::move(schedules);
  return boost::json::serialize(o);
}

Result<IntegrationFilters> decode_filters(std::string_view json) {
  Result<boost::json::value> v = parse(json, "filters");
  if (!v.ok()) return std::move(v).error();
  if (!v->is_object()) return corrupt("filters");
  const boost::json::object& o = v->get_object();
  bool bad = false;
  IntegrationFilters f;
  f.scripts = list_or_empty(o, "scripts", bad);
  f.agent_tags = list_or_empty(o, "agent_tags", bad);
  for (std::string& id : list_or_empty(o, "schedule_ids", bad))
    f.schedule_ids.emplace_back(std::move(id));
  if (bad) return corrupt("filters");
  return f;
}

}  // namespace scriptmesh::store
