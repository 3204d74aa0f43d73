#include "support/api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "support/bench_error.hpp"

namespace scriptmesh::bench {
namespace json = boost::json;

Api::Api(std::uint16_t port, std::string token) : http_(port), token_(std::move(token)) {}

HttpResponse Api::call(std::string_view method, std::string_view target, std::string_view body) {
  return http_.request(method, target, body, token_);
}

json::object Api::json_call(std::string_view method, std::string_view target,
                            const json::object& body, int expect) {
  std::string text = body.empty() && method == "GET" ? std::string() : json::serialize(body);
  HttpResponse r = call(method, target, text);
  std::string where = std::string(method) + " " + std::string(target);
  if (r.status != expect) {
    fail(where + " answered " + std::to_string(r.status) + " (expected " + std::to_string(expect) +
         "): " + r.body.substr(0, 500));
  }
  std::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) fail(where + " answered no JSON object: " + r.body.substr(0, 200));
  return std::move(v.as_object());
}

std::string Api::trigger(const std::string& agent_id, const std::string& script) {
  json::object job =
      json_call("POST", "/v1/jobs", {{"agent_id", agent_id}, {"script", script}}, 202);
  std::string id = str_field(job, "job_id");
  if (id.empty()) fail("POST /v1/jobs answered no job_id");
  return id;
}

json::object Api::trigger_tags(const std::vector<std::string>& tags, const std::string& script) {
  json::array tag_array;
  for (const std::string& tag : tags)
    tag_array.emplace_back(tag);
  return json_call("POST", "/v1/jobs", {{"tags", std::move(tag_array)}, {"script", script}}, 202);
}

json::object Api::wait_final(const std::string& job_id, std::chrono::seconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  const std::string target = "/v1/jobs/" + job_id + "?wait=30";
  for (;;) {
    json::object job = get(target);
    if (is_final_status(str_field(job, "status"))) return job;
    if (std::chrono::steady_clock::now() > deadline) {
      fail("job " + job_id + " is not final after " + std::to_string(patience.count()) +
           " s: " + json::serialize(job));
    }
  }
}

std::int64_t Api::read_output(const std::string& job_id, std::string_view stream,
                              const std::function<void(std::string_view)>& sink) {
  std::int64_t offset = 0;
  const std::string base = "/v1/jobs/" + job_id + "/output?stream=" + std::string(stream);
  for (;;) {
    HttpResponse r = call("GET", base + "&offset=" + std::to_string(offset));
    if (r.status != 200) {
      fail("GET " + base + " answered " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
    }
    if (r.body.empty()) return offset;
    sink(r.body);
    offset += static_cast<std::int64_t>(r.body.size());
    const std::string size = r.header("X-Output-Size");
    if (!size.empty() && offset >= std::stoll(size)) return offset;
  }
}

bool is_final_status(std::string_view status) {
  return status == "succeeded" || status == "failed" || status == "timed_out" ||
         status == "cancelled";
}

std::string str_field(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_field(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr || !v->is_number()) {
    fail("field '" + std::string(key) + "' missing in " + json::serialize(object));
  }
  return v->to_number<std::int64_t>();
}

}  // namespace scriptmesh::bench
