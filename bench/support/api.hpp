// The orchestrator's REST API as the benchmarks use it: JSON calls over one
// kept-alive HttpClient, with the caller's bearer token. Every helper checks
// the status it expects and throws BenchError (naming the call and quoting
// the answer) otherwise. One Api per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "support/http_client.hpp"

namespace scriptmesh::bench {

class Api {
 public:
  explicit Api(std::uint16_t port, std::string token = {});

  void set_token(std::string token) { token_ = std::move(token); }
  HttpClient& http() { return http_; }

  // One call with the token; no status check.
  HttpResponse call(std::string_view method, std::string_view target, std::string_view body = {});
  // A call whose answer must have status `expect` and a JSON object body.
  boost::json::object json_call(std::string_view method, std::string_view target,
                                const boost::json::object& body, int expect);
  boost::json::object get(std::string_view target) { return json_call("GET", target, {}, 200); }

  // POST /v1/jobs for one agent; answers the job id.
  std::string trigger(const std::string& agent_id, const std::string& script);
  // POST /v1/jobs for every agent holding all `tags`; answers the body
  // ({group_id, jobs:[{agent_id, job_id}]}).
  boost::json::object trigger_tags(const std::vector<std::string>& tags, const std::string& script);
  // GET /v1/jobs/{id}?wait=N until the job is final; answers the job.
  boost::json::object wait_final(const std::string& job_id,
                                 std::chrono::seconds patience = std::chrono::seconds(300));
  // Pages through GET /v1/jobs/{id}/output (the server gives at most 16 MiB
  // a call) and hands each page to `sink`; answers the bytes read.
  std::int64_t read_output(const std::string& job_id, std::string_view stream,
                           const std::function<void(std::string_view)>& sink);

 private:
  HttpClient http_;
  std::string token_;
};

// True for succeeded, failed, timed_out and cancelled.
bool is_final_status(std::string_view status);

// A top-level string field ("" when absent) and an integer field (throws
// BenchError when absent).
std::string str_field(const boost::json::object& object, std::string_view key);
std::int64_t int_field(const boost::json::object& object, std::string_view key);

}  // namespace scriptmesh::bench
