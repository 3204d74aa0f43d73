#include "http/agent_client.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/post.hpp>

#include "http/agent_connection.hpp"
#include "http/tls_client.hpp"

namespace scriptmesh::http {
namespace agent_client_detail {
namespace {

constexpr std::string_view kConnectPath = "/v1/agent/connect";

// ws and wss are http and https for everything below the WebSocket upgrade.
Result<AgentUrl> parse_agent_url(std::string_view url) {
  std::string text(url);
  if (text.starts_with("ws://")) text.replace(0, 2, "http");
  if (text.starts_with("wss://")) text.replace(0, 3, "https");
  auto parsed = parse_client_url(text);
  SCRIPTMESH_RETURN_IF_ERROR(parsed);
  if (parsed->target.find('?') != std::string::npos) {
    return Error::invalid_argument("invalid_url", "invalid URL: a query is not allowed");
  }
  AgentUrl out{*parsed, parsed->target, {}};
  while (!out.target.empty() && out.target.back() == '/')
    out.target.pop_back();
  out.target += kConnectPath;
  out.endpoint = (out.http.tls ? "wss://" : "ws://") + out.http.host_header + out.target;
  return out;
}

// The key goes into a header: anything but printable ASCII would let it
// split the request.
bool usable_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) return false;
  }
  return true;
}

}  // namespace

void Core::attempt() {
  if (stopping) return;
  auto key = options.read_key();
  if (!key.ok() || !usable_key(*key)) {
    std::string why =
        key.ok() ? "the agent key has a byte a key cannot have" : key.error().message();
    return connection_ended({EndKind::kFailed, std::move(why), false, {}});
  }
  current = std::make_shared<Connection>(*this);
  current->start(std::move(*key));
}

void Core::connection_ended(const Ending& ending) {
  current.reset();
  if (stopping || ending.kind == EndKind::kStopped) {
    if (ending.was_open) logger.info("agent disconnected", {{"reason", ending.reason}});
    return;
  }
  if (ending.kind == EndKind::kRefused && !ever_connected && options.stop_on_first_unauthorized) {
    logger.error("agent key refused", {{"error", ending.reason}, {"url", url.endpoint}});
    fatal = Error::unauthenticated("agent_key_refused", ending.reason);
    stopping = true;
    return;
  }
  std::chrono::milliseconds delay{0};
  if (ending.kind == EndKind::kRefused) {
    // Long, but jittered too: agents whose keys were all revoked at once
    // should not come back in step.
    const std::int64_t cap = std::max(options.backoff_max, options.backoff_min).count();
    delay = std::chrono::milliseconds(cap - cap / 2 +
                                      std::llround(draw() * static_cast<double>(cap / 2)));
  } else {
    if (ending.was_open && clock.monotonic_now() - ending.opened_at >= options.stable_after) {
      backoff.reset();
    }
    delay = backoff.next(draw());
  }
  LogFields fields = {{"reason", ending.reason},
                      {"retry_in_ms", static_cast<long long>(delay.count())}};
  if (ending.kind == EndKind::kRefused) {
    logger.error("agent key refused", fields);
  } else if (ending.was_open) {
    logger.warn("agent disconnected", fields);
  } else {
    logger.warn("agent connect failed", fields);
  }
  schedule_retry(delay);
}

void Core::schedule_retry(std::chrono::milliseconds delay) {
  if (options.on_retry_scheduled) options.on_retry_scheduled(delay);
  retry_pending = true;
  retry_timer.expires_after(delay);
  retry_timer.async_wait([this](beast::error_code) {
    // Cancelled by retry_now() (try at once) or by stop() (stopping is set).
    retry_pending = false;
    attempt();
  });
}

void Core::stop_on_io_thread() {
  stopping = true;
  retry_timer.cancel();
  if (current) {
    auto connection = current;  // close() may end it, which resets `current`
    connection->close();
  }
}

}  // namespace agent_client_detail

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using agent_client_detail::AgentUrl;
using agent_client_detail::Core;
using agent_client_detail::parse_agent_url;

struct AgentClient::Impl {
  Impl(AgentClientOptions options, AgentUrl url, std::unique_ptr<ssl::context> tls,
       AgentSessionHandler& handler, Logger& logger, Clock& clock)
      : core(std::move(options), std::move(url), std::move(tls), handler, logger, clock) {}

  Core core;
  std::thread thread;
  std::mutex join_mu;  // held while joining `thread`
  std::mutex mu;
  std::condition_variable done_cv;
  bool started = false;          // guarded by mu
  bool stop_requested = false;   // guarded by mu
  bool finished = false;         // guarded by mu
  std::optional<Error> outcome;  // guarded by mu; set with finished
};

Result<std::unique_ptr<AgentClient>> AgentClient::create(AgentClientOptions options,
                                                         AgentSessionHandler& handler,
                                                         Logger& logger, Clock& clock) {
  if (!options.read_key) {
    return Error::invalid_argument("invalid_options", "the agent client needs a key source");
  }
  auto url = parse_agent_url(options.url);
  SCRIPTMESH_RETURN_IF_ERROR(url);
  std::unique_ptr<ssl::context> tls;
  if (url->http.tls) {
    auto context = make_client_tls_context(options.ca_file);
    SCRIPTMESH_RETURN_IF_ERROR(context);
    tls = std::move(*context);
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*url), std::move(tls), handler,
                                     logger, clock);
  return std::unique_ptr<AgentClient>(new AgentClient(std::move(impl)));
}

AgentClient::AgentClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AgentClient::~AgentClient() {
  stop();
}

void AgentClient::start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->started || impl_->stop_requested) return;
  impl_->started = true;
  Impl& impl = *impl_;
  asio::post(impl.core.ioc, [&impl] { impl.core.attempt(); });
  impl.thread = std::thread([&impl] {
    // Runs until nothing is left to do: stop() or a fatal error ended the
    // last connection and no retry is scheduled.
    impl.core.ioc.run();
    std::lock_guard done_lock(impl.mu);
    impl.finished = true;
    impl.outcome = impl.core.fatal;
    impl.done_cv.notify_all();
  });
}

void AgentClient::stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->stop_requested) {
      impl_->stop_requested = true;
      if (!impl_->started) {
        impl_->finished = true;
        impl_->done_cv.notify_all();
        return;
      }
      Core& core = impl_->core;
      asio::post(core.ioc, [&core] { core.stop_on_io_thread(); });
    }
  }
  std::lock_guard join_lock(impl_->join_mu);  // two stop() calls must not both join
  if (impl_->thread.joinable() && impl_->thread.get_id() != std::this_thread::get_id()) {
    impl_->thread.join();
  }
}

void AgentClient::retry_now() {
  Core& core = impl_->core;
  asio::post(core.ioc, [&core] {
    if (!core.stopping && core.retry_pending) core.retry_timer.cancel();
  });
}

Result<void> AgentClient::wait() {
  std::unique_lock lock(impl_->mu);
  impl_->done_cv.wait(lock, [&] { return impl_->finished; });
  if (impl_->outcome) return *impl_->outcome;
  return ok_result();
}

bool AgentClient::connected() const {
  return impl_->core.open.load();
}

const std::string& AgentClient::endpoint() const {
  return impl_->core.url.endpoint;
}

}  // namespace scriptmesh::http
