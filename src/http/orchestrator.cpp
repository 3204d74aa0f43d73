// The orchestrator's assembly: secrets, store, e-mail, services, routes and
// server, in the order they depend on each other. Everything with a lifetime
// is owned here and torn down in reverse: the server stops first (so no
// handler is running and every agent socket is closed), then the schedule
// engine, then the hub's ticker, then the server goes, then the services,
// then the store.
#include "scriptmesh/orchestrator.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/agent_socket.hpp"
#include "http/api_routes.hpp"
#include "http/rate_limit_guard.hpp"
#include "http/route_table.hpp"
#include "http/server.hpp"
#include "scriptmesh/accounts.hpp"
#include "scriptmesh/agent_hub.hpp"
#include "scriptmesh/agents.hpp"
#include "scriptmesh/api_keys.hpp"
#include "scriptmesh/auth.hpp"
#include "scriptmesh/delivery_worker.hpp"
#include "scriptmesh/email.hpp"
#include "scriptmesh/event_bus.hpp"
#include "scriptmesh/http_client.hpp"
#include "scriptmesh/integrations.hpp"
#include "scriptmesh/job_webhooks.hpp"
#include "scriptmesh/jobs.hpp"
#include "scriptmesh/orchestrator_metrics.hpp"
#include "scriptmesh/rate_limit.hpp"
#include "scriptmesh/resend_email.hpp"
#include "scriptmesh/retention.hpp"
#include "scriptmesh/schedules.hpp"
#include "scriptmesh/secrets.hpp"
#include "scriptmesh/sqlite_store.hpp"
#include "scriptmesh/sso.hpp"
#include "scriptmesh/tenants.hpp"
#include "scriptmesh/webhook_signing.hpp"

namespace scriptmesh {
namespace {

SqliteSynchronous synchronous_mode(const std::string& name) {
  return name == "normal" ? SqliteSynchronous::kNormal : SqliteSynchronous::kFull;
}

http::ServerOptions server_options(const OrchestratorConfig& config, const ListenAddress& listen) {
  http::ServerOptions options;
  options.host = listen.host;
  options.port = listen.port;
  if (config.http_threads > 0) options.threads = static_cast<unsigned>(config.http_threads);
  options.body_limit = static_cast<std::uint64_t>(config.max_body_bytes);
  options.max_connections = static_cast<std::size_t>(config.max_connections);
  options.max_connections_per_address =
      static_cast<std::size_t>(config.max_connections_per_address);
  if (!config.tls_cert.empty() || !config.tls_key.empty()) {
    options.tls = http::TlsOptions{config.tls_cert, config.tls_key};
  }
  return options;
}

// Descriptors kept for everything but client connections: the database and
// its journal, outbound HTTP, log and spool files, the listening socket.
constexpr rlim_t kReservedDescriptors = 256;

// Raises the soft descriptor limit to the hard one and keeps max_connections
// below it, so that a flood of connections makes new ones wait for a 503
// instead of making accept() fail for everyone (and /healthz with it).
void fit_descriptor_limit(http::ServerOptions& options, Logger& logger) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  const rlim_t usable = limit.rlim_cur > 2 * kReservedDescriptors
                            ? limit.rlim_cur - kReservedDescriptors
                            : limit.rlim_cur / 2;
  const std::size_t configured = options.max_connections;
  if (limit.rlim_cur != RLIM_INFINITY && options.max_connections > usable) {
    options.max_connections = static_cast<std::size_t>(usable);
  }
  const bool lowered = options.max_connections < configured;
  logger.info(lowered ? "max_connections lowered to fit the descriptor limit" : "connection limits",
              {{"descriptor_limit", static_cast<std::int64_t>(limit.rlim_cur)},
               {"max_connections", static_cast<std::int64_t>(options.max_connections)},
               {"max_connections_per_address",
                static_cast<std::int64_t>(options.max_connections_per_address)}});
}

// A wildcard bind address is reachable on loopback; URLs should say so.
std::string url_host(const std::string& host) {
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "[::1]";
  if (host.find(':') != std::string::npos) return "[" + host + "]";
  return host;
}

// Where links in e-mails point: the configured public URL, else the listen
// address (right for a single machine; behind a proxy, set public_url).
std::string public_url(const OrchestratorConfig& config, const ListenAddress& listen, bool tls) {
  if (!config.public_url.empty()) return config.public_url;
  return std::string(tls ? "https" : "http") + "://" + url_host(listen.host) + ":" +
         std::to_string(listen.port);
}

// The e-mail transport: Resend when an API key is configured (over `http`),
// else the JSON-lines outbox.
Result<std::unique_ptr<EmailSender>> make_email_sender(const OrchestratorConfig& config,
                                                       Clock& clock, Logger& logger,
                                                       HttpClient& http) {
  if (!config.resend_api_key.empty()) {
    if (config.email_from.empty()) {
      return Error::invalid_argument("invalid_config",
                                     "setting 'email_from': required with resend_api_key");
    }
    ResendOptions options;
    options.api_key = config.resend_api_key;
    options.from = config.email_from;
    options.base_url = config.resend_base_url;
    options.logger = &logger;
    logger.info("e-mail goes through Resend", {{"base_url", config.resend_base_url}});
    return make_resend_email_sender(http, std::move(options));
  }
  auto path = std::filesystem::path(config.data_dir) / "outbox.jsonl";
  logger.info("e-mail goes to the outbox file", {{"path", path.string()}});
  return make_outbox_email_sender(path, clock);
}

AgentHubOptions hub_options(const OrchestratorConfig& config) {
  AgentHubOptions options;
  options.heartbeat_sec = static_cast<int>(config.heartbeat_sec);
  options.dispatch_timeout_sec = static_cast<int>(config.dispatch_timeout_sec);
  options.lease_timeout_sec = static_cast<int>(config.lease_timeout_sec);
  return options;
}

// The scriptmesh_jobs / scriptmesh_agents gauges, read at each scrape. A
// store that cannot answer leaves them out of that scrape.
OrchestratorMetrics::StatusCounts counts_of(Store* store, bool jobs) {
  OrchestratorMetrics::StatusCounts out;
  Result<StatusCounts> counts = store->count_by_status();
  if (!counts.ok()) return out;
  for (const auto& [status, n] : jobs ? counts->jobs : counts->agents)
    out.emplace_back(status, static_cast<double>(n));
  return out;
}

// What the services are built from, besides the store and the clock.
struct ServiceSettings {
  const TokenConfig& tokens;
  const std::string& base_url;
  const FernetKeyring& keyring;  // agent keys, webhook secrets, integration configs
  AgentHubOptions hub;
  HttpClient& http;  // outbound: integrations' test sends, the Microsoft identity platform
  OrchestratorMetrics& metrics;
  bool allow_private_destinations;  // the setting: webhook and integration URLs
  const MicrosoftSsoOptions& sso;
};

// Sign in with Microsoft from the settings; off while no client id is set.
MicrosoftSsoOptions sso_options(const OrchestratorConfig& config, const std::string& client_secret,
                                const std::string& base_url, Logger& logger) {
  MicrosoftSsoOptions options;
  options.client_id = config.sso_microsoft_client_id;
  options.client_secret = client_secret;
  options.authority = config.sso_microsoft_authority;
  options.allowed_tenants = config.sso_microsoft_allowed_tenants;
  Result<SsoJoinPolicy> join = parse_sso_join_policy(config.sso_microsoft_join);
  options.join = join.ok() ? *join : SsoJoinPolicy::kMembers;
  options.public_base_url = base_url;
  options.logger = &logger;
  return options;
}

// This machine's name, as integrations report the orchestrator's host.
std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "scriptmesh";
  return name;
}

// The domain services behind the REST API and the agent channel, built once
// and borrowed by the routes. Members are declared in dependency order.
struct CoreServices {
  CoreServices(Store& store, Clock& clock, EmailSender& email, const ServiceSettings& settings,
               Logger& logger)
      : accounts(store, clock, email, account_options(settings.tokens, settings.base_url, logger)),
        auth(store, clock, settings.tokens),
        api_keys(store, clock),
        tenants(store, clock),
        users(store, clock, email, user_options(settings.base_url, logger)),
        limiter(clock),
        hub(store, clock, events, logger, settings.hub),
        agents(store, clock, settings.keyring, &hub),
        jobs(store, clock, hub, JobServiceOptions{settings.allow_private_destinations}),
        webhook_secrets(store, settings.keyring, clock),
        schedule_engine(store, clock, jobs, events, engine_options(logger, settings.metrics)),
        schedules(store, clock, jobs, &schedule_engine),
        integrations(store, settings.keyring, clock, settings.http,
                     IntegrationServiceOptions{settings.base_url, host_name(),
                                               settings.allow_private_destinations}),
        sso(store, clock, settings.http, accounts, settings.keyring, settings.sso),
        agent_channel(http::hub_channel(hub)),
        api{accounts,
            auth,
            api_keys,
            tenants,
            users,
            clock,
            &agents,
            &jobs,
            &webhook_secrets,
            agent_channel.get(),
            &logger,
            &schedules,
            &integrations,
            &sso} {}

  static AccountOptions account_options(const TokenConfig& tokens, const std::string& base_url,
                                        Logger& logger) {
    AccountOptions options;
    options.tokens = tokens;
    options.public_base_url = base_url;
    options.logger = &logger;
    return options;
  }

  static ScheduleEngineOptions engine_options(Logger& logger, OrchestratorMetrics& metrics) {
    ScheduleEngineOptions options;
    options.logger = &logger;
    options.on_run = [&metrics](const ScheduleRunStats& stats) {
      if (stats.jobs > 0) metrics.schedule_fired(static_cast<std::uint64_t>(stats.jobs));
      if (stats.missed > 0) metrics.schedule_missed(static_cast<std::uint64_t>(stats.missed));
    };
    return options;
  }

  static UserServiceOptions user_options(const std::string& base_url, Logger& logger) {
    UserServiceOptions options;
    options.public_base_url = base_url;
    options.logger = &logger;
    return options;
  }

  AccountService accounts;
  AuthService auth;
  ApiKeyService api_keys;
  TenantService tenants;
  UserService users;
  RateLimiter limiter;
  EventBus events;
  AgentHub hub;
  AgentService agents;
  JobService jobs;
  TenantWebhookSecrets webhook_secrets;
  ScheduleEngine schedule_engine;  // its thread starts after recovery
  ScheduleService schedules;
  IntegrationService integrations;
  SsoService sso;
  std::unique_ptr<http::AgentChannel> agent_channel;
  http::ApiServices api;
};

// Calls hub.tick() every kTickInterval on a thread of its own: the hub's
// timeouts (heartbeats, dispatch, leases, long polls) and its sweeps may
// touch the store, which should not hold a request thread, and the server's
// io_context is private to HttpServer.
class HubTicker {
 public:
  static constexpr std::chrono::milliseconds kTickInterval{250};

  HubTicker(AgentHub& hub, Logger& logger) : hub_(hub), logger_(logger), timer_(ioc_) {
    schedule();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~HubTicker() {
    ioc_.stop();
    thread_.join();
  }
  HubTicker(const HubTicker&) = delete;
  HubTicker& operator=(const HubTicker&) = delete;

 private:
  void schedule() {
    timer_.expires_after(kTickInterval);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      try {
        hub_.tick();
      } catch (const std::exception& e) {  // a bug; keep ticking for the other agents
        logger_.error("agent hub tick threw", {{"error", e.what()}});
      }
      schedule();
    });
  }

  AgentHub& hub_;
  Logger& logger_;
  boost::asio::io_context ioc_;
  boost::asio::steady_timer timer_;
  std::thread thread_;
};

// The result label of scriptmesh_deliveries_total for one recorded attempt.
std::string_view delivery_result(const DeliveryResult& result) {
  switch (result.status) {
    case DeliveryStatus::kSucceeded:
      return kDeliverySucceeded;
    case DeliveryStatus::kPending:
    case DeliveryStatus::kInFlight:
      return kDeliveryRetry;
    case DeliveryStatus::kFailed:
      break;
  }
  return result.error.starts_with("max_attempts_reached") ? kDeliveryDead : kDeliveryFailed;
}

DeliveryWorkerOptions delivery_options(const OrchestratorConfig& config, Logger& logger,
                                       OrchestratorMetrics& metrics) {
  DeliveryWorkerOptions options;
  options.max_attempts = static_cast<int>(config.delivery_max_attempts);
  options.backoff_base = std::chrono::milliseconds(config.delivery_retry_base_ms);
  options.logger = &logger;
  options.on_result = [&metrics](const DeliveryRecord& d, const DeliveryResult& result) {
    metrics.delivery_finished(d.kind, delivery_result(result));
  };
  return options;
}

// What runs beside the server: the outbox's sender and the retention purge.
// Built after the services (the webhook handler signs with their secrets)
// and stopped before them.
class BackgroundTasks {
 public:
  BackgroundTasks(Store& store, Clock& clock, HttpClient& http, CoreServices& services,
                  const OrchestratorConfig& config, const std::string& base_url, Logger& logger,
                  OrchestratorMetrics& metrics)
      : store_(store),
        logger_(logger),
        events_(services.events),
        schedule_engine_(services.schedule_engine),
        metrics_(metrics),
        deliveries_(store, clock, delivery_options(config, logger, metrics)),
        retention_(store, clock, RetentionOptions{std::chrono::hours(1), &logger}) {
    webhook_options_.public_base_url = base_url;
    webhook_options_.inline_output_bytes = config.webhook_inline_output_bytes;
    webhook_options_.clock = &clock;
    deliveries_.register_kind(std::string(kJobWebhookKind),
                              make_job_webhook_handler(http, services.webhook_secrets, clock));
    deliveries_.register_kind(std::string(kIntegrationDeliveryKind),
                              [&integrations = services.integrations](
                                  const DeliveryRecord& d, std::chrono::milliseconds timeout) {
                                return integrations.deliver(d, timeout);
                              });
    services.hub.set_on_job_final([this](const JobRecord& job) { job_final(job); });
    // Every event was stored with the deliveries it owes the integrations:
    // send them now rather than at the worker's next poll.
    subscription_ = events_.subscribe([this](const EventRecord&) { deliveries_.notify(); });
    deliveries_.start();
    retention_.start();
  }
  ~BackgroundTasks() {
    events_.unsubscribe(subscription_);
    retention_.stop();
    deliveries_.stop();
  }
  BackgroundTasks(const BackgroundTasks&) = delete;
  BackgroundTasks& operator=(const BackgroundTasks&) = delete;

  // A final job with a webhook_url gets its callback queued in the outbox.
  // The hook runs after the final transition was committed; a failure here
  // is logged with the job so an operator can tell which callback is owed.
  void job_final(const JobRecord& job) {
    metrics_.job_finished(to_string(job.status), job.duration_ms);
    // A run held back by overlap buffer_one may start now.
    schedule_engine_.on_job_final(job);
    auto queued = enqueue_job_webhook(store_, job, webhook_options_);
    if (!queued.ok()) {
      logger_.error("job webhook not queued",
                    {{"job_id", job.id.str()}, {"error", queued.error().to_string()}});
      return;
    }
    if (queued->has_value()) deliveries_.notify();
  }

 private:
  Store& store_;
  Logger& logger_;
  EventBus& events_;
  EventBus::SubscriptionId subscription_ = 0;
  ScheduleEngine& schedule_engine_;
  OrchestratorMetrics& metrics_;
  JobWebhookOptions webhook_options_;
  DeliveryWorker deliveries_;
  RetentionPurger retention_;
};

class OrchestratorImpl final : public Orchestrator {
 public:
  OrchestratorImpl(OrchestratorSecrets secrets, std::unique_ptr<Store> store, bool tls,
                   Logger& logger)
      : secrets_(std::move(secrets)), store_(std::move(store)), tls_(tls), logger_(logger) {}

  ~OrchestratorImpl() override { stop(); }

  // Builds the services over the store. Throws std::exception on a start-up
  // bug (a service refusing its options).
  Result<void> build_services(const OrchestratorConfig& config, const std::string& base_url,
                              Clock& clock) {
    HttpClientOptions http_options;
    http_options.ca_file = config.http_ca_file;
    http_options.allow_private_destinations = config.allow_private_destinations;
    http_client_ = make_http_client(http_options);
    auto email = make_email_sender(config, clock, logger_, *http_client_);
    SCRIPTMESH_RETURN_IF_ERROR(email);
    email_ = std::move(*email);
    TokenConfig tokens;
    tokens.jwt_secret = secrets_.jwt_secret;
    const MicrosoftSsoOptions sso =
        sso_options(config, secrets_.sso_microsoft_client_secret, base_url, logger_);
    if (!sso.client_id.empty()) {
      logger_.info("Sign in with Microsoft is on", {{"authority", sso.authority}});
    }
    ServiceSettings settings{tokens,
                             base_url,
                             secrets_.fernet,
                             hub_options(config),
                             *http_client_,
                             metrics_,
                             config.allow_private_destinations,
                             sso};
    services_ = std::make_unique<CoreServices>(*store_, clock, *email_, settings, logger_);
    services_->api.secure_cookies = tls_ || base_url.starts_with("https://");
    services_->api.refresh_cookie_max_age_sec = tokens.refresh_ttl.count();
    background_ = std::make_unique<BackgroundTasks>(*store_, clock, *http_client_, *services_,
                                                    config, base_url, logger_, metrics_);
    metrics_token_ = config.metrics_token;
    web_assets_ = config.web_assets;
    metrics_.set_job_counts_source([store = store_.get()] { return counts_of(store, true); });
    metrics_.set_agent_counts_source([store = store_.get()] { return counts_of(store, false); });
    policy_ = http::default_rate_limit_policy(
        static_cast<std::uint32_t>(config.rate_limit_default_per_min));
    return ok_result();
  }

  // Before serving: no agent is connected yet, and the jobs this process's
  // predecessor left dispatched or running will never be reported to it.
  // (A late result from an agent is still recorded on the failed job.)
  Result<void> recover(Clock& clock) {
    auto offline = store_->mark_all_agents_offline();
    SCRIPTMESH_RETURN_IF_ERROR(offline);
    auto failed =
        store_->fail_interrupted_jobs(clock.now(), "orchestrator_restarted", job_final_event);
    SCRIPTMESH_RETURN_IF_ERROR(failed);
    if (*offline > 0 || !failed->empty()) {
      logger_.info("recovered from the previous run",
                   {{"agents_marked_offline", *offline},
                    {"jobs_failed", static_cast<std::int64_t>(failed->size())}});
    }
    for (const JobRecord& job : *failed)
      background_->job_final(job);
    ticker_ = std::make_unique<HubTicker>(services_->hub, logger_);
    // Its first pass finds the fires missed while the orchestrator was down.
    services_->schedule_engine.start();
    return ok_result();
  }

  Result<void> start_server(http::ServerOptions options, Clock& clock) {
    http::Router router;
    http::RouteTableOptions table;
    table.ready = [this] { return !stopping_.load(); };
    table.docs.assets_dir = http::find_docs_assets_dir();
    table.web.assets_dir = http::find_web_assets_dir(web_assets_);
    table.metrics.render = [this] { return metrics_.render(); };
    table.metrics.bearer_token = metrics_token_;
    options.on_request = [this](std::string_view route, std::string_view method, int status,
                                std::chrono::nanoseconds elapsed) {
      metrics_.http_request(route == "-" ? kUnmatchedRoute : route, method, status,
                            std::chrono::duration<double>(elapsed).count());
    };
    http::add_orchestrator_routes(router, services_->api, std::move(table));
    http::add_api_guards(router, services_->auth, services_->limiter, policy_);
    server_ =
        std::make_unique<http::HttpServer>(std::move(options), std::move(router), logger_, clock);
    return server_->start();
  }

  std::uint16_t port() const override { return server_ ? server_->bound_port() : 0; }

  std::string base_url() const override {
    return std::string(tls_ ? "https" : "http") + "://" + host_ + ":" + std::to_string(port());
  }

  void stop() override {
    if (stopping_.exchange(true)) return;
    if (server_) server_->stop();
    // Results still committing answer long polls through the server's
    // io_context and call the webhook hook of background_: both must
    // outlive them.
    if (services_) {
      services_->hub.wait_idle();
      services_->schedule_engine.stop();
    }
    // The ticker may answer long polls (JobService::wait): it stops while the
    // server's io_context still exists, so no answer is posted to a dead one.
    ticker_.reset();
    server_.reset();
    background_.reset();
    services_.reset();
    email_.reset();
    http_client_.reset();
    store_.reset();  // commits queued writes, closes the file
  }

  void set_host(std::string host) { host_ = std::move(host); }

 private:
  OrchestratorSecrets secrets_;
  std::unique_ptr<Store> store_;
  bool tls_;
  Logger& logger_;
  std::string host_;
  OrchestratorMetrics metrics_{OrchestratorMetricsOptions{SCRIPTMESH_VERSION}};
  std::string metrics_token_;
  std::string web_assets_;                   // the web_assets setting
  std::unique_ptr<HttpClient> http_client_;  // outbound HTTP: Resend, webhooks
  std::unique_ptr<EmailSender> email_;
  std::unique_ptr<CoreServices> services_;
  std::unique_ptr<BackgroundTasks> background_;  // stopped before services_ goes
  std::unique_ptr<HubTicker> ticker_;            // stopped before services_ goes
  http::RateLimitPolicy policy_;
  std::unique_ptr<http::HttpServer> server_;
  std::atomic<bool> stopping_{false};
};

}  // namespace

Result<std::unique_ptr<Orchestrator>> Orchestrator::start(const OrchestratorConfig& config,
                                                          Logger& logger, Clock& clock) {
  auto listen = parse_listen_address(config.listen);
  SCRIPTMESH_RETURN_IF_ERROR(listen);
  auto secrets = load_orchestrator_secrets(config, logger);
  SCRIPTMESH_RETURN_IF_ERROR(secrets);

  SqliteStoreOptions store_options;
  store_options.path = std::filesystem::path(config.data_dir) / "scriptmesh.db";
  store_options.synchronous = synchronous_mode(config.sqlite_synchronous);
  auto store = open_sqlite_store(store_options);
  SCRIPTMESH_RETURN_IF_ERROR(store);
  logger.info("store opened", {{"path", store_options.path.string()}});

  auto options = server_options(config, *listen);
  fit_descriptor_limit(options, logger);
  bool tls = options.tls.has_value();
  if (config.public_url.empty() && listen->port == 0) {
    logger.warn(
        "public_url is not set and the port is picked at start-up: links in e-mails "
        "will not reach this server");
  }
  auto orchestrator =
      std::make_unique<OrchestratorImpl>(std::move(*secrets), std::move(*store), tls, logger);
  orchestrator->set_host(url_host(listen->host));
  try {
    SCRIPTMESH_RETURN_IF_ERROR(
        orchestrator->build_services(config, public_url(config, *listen, tls), clock));
  } catch (const std::exception& e) {
    return Error::internal("startup_failed", std::string("cannot build the services: ") + e.what());
  }
  SCRIPTMESH_RETURN_IF_ERROR(orchestrator->recover(clock));
  SCRIPTMESH_RETURN_IF_ERROR(orchestrator->start_server(std::move(options), clock));
  return std::unique_ptr<Orchestrator>(std::move(orchestrator));
}

}  // namespace scriptmesh
