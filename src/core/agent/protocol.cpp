// JSON codec of the agent channel. Decoding is strict about types and bounds
// (a message from the network is untrusted on both ends) and lenient about
// extra keys, so a newer peer can add fields without breaking an older one.
#include "core/agent/protocol.hpp"

#include <exception>
#include <limits>
#include <string>
#include <type_traits>

#include <boost/json.hpp>

#include "scriptmesh/encoding.hpp"

namespace scriptmesh::agent_protocol {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxTextBytes = 4096;
constexpr std::size_t kMaxTags = 64;

Error invalid(std::string_view what) {
  return Error::invalid_argument("invalid_message", "agent message: " + std::string(what));
}

// Moves a field's value into `out`, or answers the error naming the field.
template <class T, class U>
Result<void> read_into(T& out, Result<U> field) {
  if (!field.ok()) return std::move(field).error();
  out = std::move(field).value();
  return ok_result();
}

// Typed access to one message object's fields, each failure naming the field.
class Fields {
 public:
  explicit Fields(const json::object& object) : object_(object) {}

  Result<std::string> text(std::string_view key, std::size_t max_bytes = kMaxTextBytes,
                           bool required = true) const {
    const json::value* v = object_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) return missing(key);
      return std::string();
    }
    if (!v->is_string()) return wrong(key, "a string");
    const json::string& s = v->get_string();
    if (s.size() > max_bytes) return wrong(key, "at most " + std::to_string(max_bytes) + " bytes");
    return std::string(s);
  }

  Result<std::string> id(std::string_view key) const {
    auto value = text(key, kMaxIdBytes);
    if (value.ok() && value->empty()) return wrong(key, "a non-empty id");
    return value;
  }

  Result<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) const {
    const json::value* v = object_.if_contains(key);
    if (v == nullptr) return missing(key);
    std::int64_t n = 0;
    if (v->is_int64()) {
      n = v->get_int64();
    } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(max)) {
      n = static_cast<std::int64_t>(v->get_uint64());
    } else {
      return wrong(key, "an integer");
    }
    if (n < min || n > max) {
      return wrong(key, "between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return n;
  }

  Result<std::optional<int>> optional_int(std::string_view key) const {
    const json::value* v = object_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::optional<int>();
    auto n = integer(key, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
    SCRIPTMESH_RETURN_IF_ERROR(n);
    return std::optional<int>(static_cast<int>(*n));
  }

  Result<double> number(std::string_view key, double min, double max) const {
    const json::value* v = object_.if_contains(key);
    if (v == nullptr) return missing(key);
    if (!v->is_number()) return wrong(key, "a number");
    double d = v->to_number<double>();
    if (!(d >= min && d <= max)) return wrong(key, "a number in range");
    return d;
  }

  Result<bool> flag(std::string_view key) const {
    const json::value* v = object_.if_contains(key);
    if (v == nullptr || v->is_null()) return false;
    if (!v->is_bool()) return wrong(key, "a boolean");
    return v->get_bool();
  }

  Result<const json::array*> array(std::string_view key, std::size_t max_items) const {
    const json::value* v = object_.if_contains(key);
    if (v == nullptr || v->is_null()) return static_cast<const json::array*>(nullptr);
    if (!v->is_array()) return wrong(key, "an array");
    if (v->get_array().size() > max_items) {
      return wrong(key, "at most " + std::to_string(max_items) + " items");
    }
    return &v->get_array();
  }

  Result<const json::object*> object(std::string_view key) const {
    const json::value* v = object_.if_contains(key);
    if (v == nullptr) return missing(key);
    if (!v->is_object()) return wrong(key, "an object");
    return &v->get_object();
  }

  Result<OutputStream> stream(std::string_view key) const {
    auto name = text(key, 16);
    SCRIPTMESH_RETURN_IF_ERROR(name);
    auto parsed = parse_output_stream(*name);
    if (!parsed.ok()) return wrong(key, "\"stdout\" or \"stderr\"");
    return *parsed;
  }

 private:
  static Error missing(std::string_view key) {
    return invalid("field '" + std::string(key) + "' is missing");
  }
  static Error wrong(std::string_view key, const std::string& expected) {
    return invalid("field '" + std::string(key) + "' must be " + expected);
  }

  const json::object& object_;
};

constexpr std::int64_t kMaxOffset = std::numeric_limits<std::int64_t>::max() / 2;

// --- encoding ------------------------------------------------------------------

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items)
    out.emplace_back(item);
  return out;
}

json::value optional_int_value(const std::optional<int>& n) {
  return n ? json::value(*n) : json::value(nullptr);
}

// The summary is our own JSON text; a malformed one would be a bug, sent as {}.
json::value summary_value(const std::string& summary) {
  if (summary.empty()) return json::object();
  boost::system::error_code ec;
  json::value v = json::parse(summary, ec);
  if (ec || !v.is_object()) return json::object();
  return v;
}

json::object to_json(const Hello& m) {
  json::array jobs;
  for (const HeldJob& job : m.jobs) {
    jobs.push_back(json::object{{"job_id", job.job_id}, {"finished", job.finished}});
  }
  return {{"type", "hello"},
          {"protocol", m.protocol},
          {"agent_version", m.agent_version},
          {"hostname", m.hostname},
          {"tags", string_array(m.tags)},
          {"manifest", summary_value(m.manifest_summary)},
          {"max_concurrent", m.max_concurrent},
          {"jobs", std::move(jobs)}};
}

json::object to_json(const Heartbeat& m) {
  return {{"type", "heartbeat"},
          {"cpu_percent", m.metrics.cpu_percent},
          {"mem_percent", m.metrics.mem_percent},
          {"disk_percent", m.metrics.disk_percent},
          {"uptime_sec", m.metrics.uptime_sec}};
}

json::object to_json(const Started& m) {
  return {{"type", "started"}, {"job_id", m.job_id}};
}

json::object to_json(const Rejected& m) {
  return {{"type", "rejected"}, {"job_id", m.job_id}, {"error", m.error}, {"message", m.message}};
}

json::object to_json(const Output& m) {
  return {{"type", "output"},
          {"job_id", m.job_id},
          {"stream", to_string(m.stream)},
          {"offset", m.offset},
          {"data", base64_encode(m.data)}};
}

json::object to_json(const Finished& m) {
  return {{"type", "finished"},
          {"job_id", m.job_id},
          {"exit_code", optional_int_value(m.exit_code)},
          {"signal", optional_int_value(m.signal)},
          {"duration_ms", m.duration_ms},
          {"timed_out", m.timed_out},
          {"cancelled", m.cancelled},
          {"stdout_bytes", m.stdout_bytes},
          {"stderr_bytes", m.stderr_bytes},
          {"error", m.error}};
}

json::object to_json(const Welcome& m) {
  json::array jobs;
  for (const ResumeJob& job : m.jobs) {
    jobs.push_back(json::object{{"job_id", job.job_id},
                                {"wanted", job.wanted},
                                {"stdout_offset", job.stdout_offset},
                                {"stderr_offset", job.stderr_offset},
                                {"result_stored", job.result_stored}});
  }
  return {{"type", "welcome"},
          {"agent_id", m.agent_id},
          {"heartbeat_sec", m.heartbeat_sec},
          {"jobs", std::move(jobs)}};
}

json::object to_json(const Dispatch& m) {
  json::object params;
  for (const auto& [name, value] : m.params)
    params[name] = value;
  return {{"type", "dispatch"},
          {"job_id", m.job_id},
          {"script", m.script},
          {"params", std::move(params)},
          {"timeout_sec", m.timeout_sec}};
}

json::object to_json(const Cancel& m) {
  return {{"type", "cancel"}, {"job_id", m.job_id}};
}

json::object to_json(const OutputAck& m) {
  return {{"type", "output_ack"},
          {"job_id", m.job_id},
          {"stream", to_string(m.stream)},
          {"stored", m.stored}};
}

json::object to_json(const FinishedAck& m) {
  return {{"type", "finished_ack"}, {"job_id", m.job_id}};
}

// --- decoding ------------------------------------------------------------------

Result<std::vector<std::string>> string_list(const Fields& f, std::string_view key,
                                             std::size_t max_items) {
  auto array = f.array(key, max_items);
  SCRIPTMESH_RETURN_IF_ERROR(array);
  std::vector<std::string> out;
  if (*array == nullptr) return out;
  for (const json::value& item : **array) {
    if (!item.is_string() || item.get_string().size() > kMaxTextBytes) {
      return invalid("field '" + std::string(key) + "' must hold strings");
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

Result<std::vector<HeldJob>> held_jobs(const Fields& f) {
  auto array = f.array("jobs", kMaxJobsInHello);
  SCRIPTMESH_RETURN_IF_ERROR(array);
  std::vector<HeldJob> out;
  if (*array == nullptr) return out;
  for (const json::value& item : **array) {
    if (!item.is_object()) return invalid("field 'jobs' must hold objects");
    Fields job(item.get_object());
    HeldJob held;
    auto id = job.id("job_id");
    SCRIPTMESH_RETURN_IF_ERROR(id);
    held.job_id = std::move(*id);
    auto finished = job.flag("finished");
    SCRIPTMESH_RETURN_IF_ERROR(finished);
    held.finished = *finished;
    out.push_back(std::move(held));
  }
  return out;
}

Result<AgentMessage> decode_hello(const Fields& f) {
  Hello m;
  auto protocol = f.integer("protocol", 1, 1000);
  SCRIPTMESH_RETURN_IF_ERROR(protocol);
  m.protocol = static_cast<int>(*protocol);
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.agent_version, f.text("agent_version", 64, false)));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.hostname, f.text("hostname", 255, false)));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.tags, string_list(f, "tags", kMaxTags)));
  auto manifest = f.object("manifest");
  SCRIPTMESH_RETURN_IF_ERROR(manifest);
  m.manifest_summary = json::serialize(**manifest);
  auto slots = f.integer("max_concurrent", 1, 10000);
  SCRIPTMESH_RETURN_IF_ERROR(slots);
  m.max_concurrent = static_cast<int>(*slots);
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.jobs, held_jobs(f)));
  return AgentMessage(std::move(m));
}

Result<AgentMessage> decode_heartbeat(const Fields& f) {
  Heartbeat m;
  auto cpu = f.number("cpu_percent", 0, 100);
  SCRIPTMESH_RETURN_IF_ERROR(cpu);
  auto mem = f.number("mem_percent", 0, 100);
  SCRIPTMESH_RETURN_IF_ERROR(mem);
  auto disk = f.number("disk_percent", 0, 100);
  SCRIPTMESH_RETURN_IF_ERROR(disk);
  auto uptime = f.integer("uptime_sec", 0, std::numeric_limits<std::int64_t>::max());
  SCRIPTMESH_RETURN_IF_ERROR(uptime);
  m.metrics = AgentMetrics{*cpu, *mem, *disk, *uptime};
  return AgentMessage(m);
}

Result<AgentMessage> decode_started(const Fields& f) {
  auto id = f.id("job_id");
  SCRIPTMESH_RETURN_IF_ERROR(id);
  return AgentMessage(Started{std::move(*id)});
}

Result<AgentMessage> decode_rejected(const Fields& f) {
  auto id = f.id("job_id");
  SCRIPTMESH_RETURN_IF_ERROR(id);
  auto error = f.text("error", 64);
  SCRIPTMESH_RETURN_IF_ERROR(error);
  auto message = f.text("message", kMaxTextBytes, false);
  SCRIPTMESH_RETURN_IF_ERROR(message);
  return AgentMessage(Rejected{std::move(*id), std::move(*error), std::move(*message)});
}

Result<AgentMessage> decode_output(const Fields& f) {
  Output m;
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.job_id, f.id("job_id")));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.stream, f.stream("stream")));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.offset, f.integer("offset", 0, kMaxOffset)));
  auto encoded = f.text("data", (kMaxOutputChunkBytes / 3 + 1) * 4);
  SCRIPTMESH_RETURN_IF_ERROR(encoded);
  auto data = base64_decode(*encoded);
  if (!data.ok()) return invalid("field 'data' must be base64");
  if (data->empty()) return invalid("field 'data' must not be empty");
  m.data = std::move(*data);
  return AgentMessage(std::move(m));
}

Result<AgentMessage> decode_finished(const Fields& f) {
  Finished m;
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.job_id, f.id("job_id")));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.exit_code, f.optional_int("exit_code")));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.signal, f.optional_int("signal")));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.duration_ms, f.integer("duration_ms", 0, kMaxOffset)));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.timed_out, f.flag("timed_out")));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.cancelled, f.flag("cancelled")));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.stdout_bytes, f.integer("stdout_bytes", 0, kMaxOffset)));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.stderr_bytes, f.integer("stderr_bytes", 0, kMaxOffset)));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.error, f.text("error", 64, false)));
  return AgentMessage(std::move(m));
}

Result<std::vector<ResumeJob>> resume_jobs(const Fields& f) {
  auto array = f.array("jobs", kMaxJobsInHello);
  SCRIPTMESH_RETURN_IF_ERROR(array);
  std::vector<ResumeJob> out;
  if (*array == nullptr) return out;
  for (const json::value& item : **array) {
    if (!item.is_object()) return invalid("field 'jobs' must hold objects");
    Fields job(item.get_object());
    ResumeJob r;
    auto id = job.id("job_id");
    SCRIPTMESH_RETURN_IF_ERROR(id);
    r.job_id = std::move(*id);
    auto wanted = job.flag("wanted");
    SCRIPTMESH_RETURN_IF_ERROR(wanted);
    r.wanted = *wanted;
    auto out_offset = job.integer("stdout_offset", 0, kMaxOffset);
    SCRIPTMESH_RETURN_IF_ERROR(out_offset);
    r.stdout_offset = *out_offset;
    auto err_offset = job.integer("stderr_offset", 0, kMaxOffset);
    SCRIPTMESH_RETURN_IF_ERROR(err_offset);
    r.stderr_offset = *err_offset;
    auto stored = job.flag("result_stored");
    SCRIPTMESH_RETURN_IF_ERROR(stored);
    r.result_stored = *stored;
    out.push_back(std::move(r));
  }
  return out;
}

Result<OrchestratorMessage> decode_welcome(const Fields& f) {
  Welcome m;
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.agent_id, f.id("agent_id")));
  auto heartbeat = f.integer("heartbeat_sec", 1, 86400);
  SCRIPTMESH_RETURN_IF_ERROR(heartbeat);
  m.heartbeat_sec = static_cast<int>(*heartbeat);
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.jobs, resume_jobs(f)));
  return OrchestratorMessage(std::move(m));
}

Result<OrchestratorMessage> decode_dispatch(const Fields& f) {
  Dispatch m;
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.job_id, f.id("job_id")));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.script, f.text("script", 128)));
  auto params = f.object("params");
  SCRIPTMESH_RETURN_IF_ERROR(params);
  for (const auto& [name, value] : **params) {
    if (!value.is_string()) return invalid("field 'params' must map names to strings");
    m.params.emplace(std::string(name), std::string(value.get_string()));
  }
  auto timeout = f.integer("timeout_sec", 0, 86400);
  SCRIPTMESH_RETURN_IF_ERROR(timeout);
  m.timeout_sec = static_cast<int>(*timeout);
  return OrchestratorMessage(std::move(m));
}

Result<OrchestratorMessage> decode_output_ack(const Fields& f) {
  OutputAck m;
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.job_id, f.id("job_id")));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.stream, f.stream("stream")));
  SCRIPTMESH_RETURN_IF_ERROR(read_into(m.stored, f.integer("stored", 0, kMaxOffset)));
  return OrchestratorMessage(std::move(m));
}

// Parses the frame into an object and its "type"; nothing else.
Result<json::object> parse_frame(std::string_view text, std::string& type) {
  if (text.size() > kMaxFrameBytes) {
    return Error::resource_exhausted(
        "message_too_large", "agent message exceeds " + std::to_string(kMaxFrameBytes) + " bytes");
  }
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return invalid("not JSON");
  if (!v.is_object()) return invalid("not a JSON object");
  Fields f(v.get_object());
  auto t = f.text("type", 32);
  SCRIPTMESH_RETURN_IF_ERROR(t);
  type = std::move(*t);
  return std::move(v.get_object());
}

template <typename Variant>
std::string serialize_variant(const Variant& message) {
  return std::visit([](const auto& m) { return json::serialize(to_json(m)); }, message);
}

}  // namespace

std::string encode(const AgentMessage& message) {
  return serialize_variant(message);
}

std::string encode(const OrchestratorMessage& message) {
  return serialize_variant(message);
}

Result<AgentMessage> decode_agent_message(std::string_view text) {
  std::string type;
  auto object = parse_frame(text, type);
  SCRIPTMESH_RETURN_IF_ERROR(object);
  Fields f(*object);
  if (type == "hello") return decode_hello(f);
  if (type == "heartbeat") return decode_heartbeat(f);
  if (type == "started") return decode_started(f);
  if (type == "rejected") return decode_rejected(f);
  if (type == "output") return decode_output(f);
  if (type == "finished") return decode_finished(f);
  return invalid("unknown type '" + type + "'");
}

Result<OrchestratorMessage> decode_orchestrator_message(std::string_view text) {
  std::string type;
  auto object = parse_frame(text, type);
  SCRIPTMESH_RETURN_IF_ERROR(object);
  Fields f(*object);
  if (type == "welcome") return decode_welcome(f);
  if (type == "dispatch") return decode_dispatch(f);
  if (type == "output_ack") return decode_output_ack(f);
  if (type == "cancel" || type == "finished_ack") {
    auto id = f.id("job_id");
    SCRIPTMESH_RETURN_IF_ERROR(id);
    if (type == "cancel") return OrchestratorMessage(Cancel{std::move(*id)});
    return OrchestratorMessage(FinishedAck{std::move(*id)});
  }
  return invalid("unknown type '" + type + "'");
}

}  // namespace scriptmesh::agent_protocol
