#include "support/cluster.hpp"

#include <regex>
#include <thread>

#include <boost/json.hpp>

#include "support/bench_error.hpp"
#include "support/parallel.hpp"

namespace scriptmesh::bench {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr char kEmail[] = "bench@scriptmesh.example";
constexpr char kPassword[] = "bench password, long enough";

std::string manifest_json(const std::map<std::string, std::filesystem::path>& scripts) {
  json::object entries;
  for (const auto& [name, path] : scripts) {
    entries[name] = json::object{{"command", json::array{path.string()}}, {"timeout_sec", 3600}};
  }
  return json::serialize(json::object{{"scripts", std::move(entries)}});
}

}  // namespace

std::string flag_name(const std::string& key) {
  std::string name = "--" + key;
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

Cluster::Cluster(ClusterOptions options) : options_(std::move(options)), dir_(options_.name) {
  if (options_.keep_temp) dir_.keep();
  std::filesystem::create_directories(dir_ / "scripts");
  start_orchestrator();
  sign_up();
}

Cluster::~Cluster() {
  stop();
}

void Cluster::start_orchestrator() {
  std::map<std::string, std::string> settings = options_.settings;
  settings.emplace("rate_limit_default_per_min", "1000000");
  std::vector<std::string> argv = {
      options_.orchestrator_bin, "serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir",
      data_dir().string()};
  for (const auto& [key, value] : settings) {
    argv.push_back(flag_name(key));
    argv.push_back(value);
  }
  orchestrator_ = std::make_unique<Process>(argv, dir_ / "orchestrator.log");
  std::string ready = orchestrator_->wait_for_log("orchestrator ready", 1, 60s);
  std::smatch m;
  if (!std::regex_search(ready, m, std::regex(R"(url=http://127\.0\.0\.1:(\d+))"))) {
    fail("cannot read the port from: " + ready);
  }
  port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
}

std::string Cluster::wait_for_code(const std::string& email) {
  const std::regex code(R"(\b(\d{6})\b)");
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string outbox = read_file(data_dir() / "outbox.jsonl");
    std::size_t start = 0;
    while (start < outbox.size()) {
      std::size_t end = outbox.find('\n', start);
      if (end == std::string::npos) break;  // a line still being written
      std::error_code ec;
      json::value v = json::parse(std::string_view(outbox).substr(start, end - start), ec);
      start = end + 1;
      if (ec || !v.is_object()) continue;
      if (str_field(v.as_object(), "to") != email) continue;
      std::string text = str_field(v.as_object(), "text");
      std::smatch m;
      if (std::regex_search(text, m, code)) return m[1];
    }
    // The orchestrator writes the outbox; nothing to wait on but time.
    std::this_thread::sleep_for(20ms);
  }
  fail("no verification e-mail to " + email + " in the outbox");
}

void Cluster::sign_up() {
  Api api(port_);
  json::object registered =
      api.json_call("POST", "/v1/auth/register",
                    {{"email", kEmail}, {"password", kPassword}, {"tenant_name", "Bench"}}, 201);
  tenant_id_ = str_field(registered, "tenant_id");
  api.json_call("POST", "/v1/auth/verify", {{"email", kEmail}, {"code", wait_for_code(kEmail)}},
                200);
  json::object login =
      api.json_call("POST", "/v1/auth/login", {{"email", kEmail}, {"password", kPassword}}, 200);
  token_ = str_field(login, "access_token");
  if (token_.empty()) fail("login answered no access_token");
  api.set_token(token_);
  // The starter plan allows three agents; the benchmarks need hundreds.
  api.json_call("PUT", "/v1/tenant/plan", {{"plan", "pro"}}, 200);
}

CreatedAgent Cluster::create_agent(const std::string& name, const std::vector<std::string>& tags) {
  Api client = api();
  json::array tag_array;
  for (const std::string& tag : tags)
    tag_array.emplace_back(tag);
  json::object agent =
      client.json_call("POST", "/v1/agents", {{"name", name}, {"tags", std::move(tag_array)}}, 201);
  CreatedAgent out{str_field(agent, "id"), str_field(agent, "key")};
  if (out.id.empty() || out.key.empty()) fail("POST /v1/agents answered no id or key");
  return out;
}

std::vector<CreatedAgent> Cluster::create_agents(int count, const std::string& prefix,
                                                 const std::vector<std::string>& tags,
                                                 int clients) {
  std::vector<CreatedAgent> out(static_cast<std::size_t>(count));
  json::array tag_array;
  for (const std::string& tag : tags)
    tag_array.emplace_back(tag);
  run_parallel(clients, [&](int thread) {
    Api client = api();
    for (int i = thread; i < count; i += clients) {
      json::object agent =
          client.json_call("POST", "/v1/agents",
                           {{"name", prefix + "-" + std::to_string(i)}, {"tags", tag_array}}, 201);
      out[static_cast<std::size_t>(i)] = {str_field(agent, "id"), str_field(agent, "key")};
    }
  });
  return out;
}

std::filesystem::path Cluster::write_script(const std::string& name, const std::string& body) {
  std::filesystem::path path = dir_ / "scripts" / name;
  write_file(path, "#!/bin/sh\n" + body, 0755);
  return path;
}

Process& Cluster::start_agent(const CreatedAgent& agent,
                              const std::map<std::string, std::filesystem::path>& scripts,
                              const std::map<std::string, std::string>& flags) {
  const std::string name = "agent-" + std::to_string(agents_.size());
  std::filesystem::path home = dir_ / name;
  std::filesystem::create_directories(home);
  write_file(home / "key", agent.key + "\n", 0600);
  write_file(home / "manifest.json", manifest_json(scripts), 0644);
  std::vector<std::string> argv = {options_.agent_bin,
                                   "--url",
                                   url(),
                                   "--key-file",
                                   (home / "key").string(),
                                   "--manifest",
                                   (home / "manifest.json").string(),
                                   "--spool",
                                   (home / "spool").string()};
  for (const auto& [key, value] : flags) {
    argv.push_back(flag_name(key));
    argv.push_back(value);
  }
  agents_.push_back(std::make_unique<Process>(argv, home / "agent.log"));
  agents_.back()->wait_for_log("agent connected", 1, 30s);
  wait_online(agent.id);
  return *agents_.back();
}

void Cluster::wait_online(const std::string& agent_id) {
  Api client = api();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    json::object agent = client.get("/v1/agents/" + agent_id);
    const json::value* manifest = agent.if_contains("manifest");
    // Triggers are checked against the manifest of the agent's hello, so
    // the agent is usable once that is stored.
    if (str_field(agent, "status") == "online" && manifest != nullptr && manifest->is_array() &&
        !manifest->as_array().empty()) {
      return;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      fail("agent " + agent_id + " is not online: " + json::serialize(agent));
    }
    std::this_thread::sleep_for(5ms);
  }
}

void Cluster::stop() {
  for (auto& agent : agents_)
    (void)agent->stop();
  if (orchestrator_) (void)orchestrator_->stop();
}

}  // namespace scriptmesh::bench
