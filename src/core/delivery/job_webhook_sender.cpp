// Sending one job webhook from its outbox row (see scriptmesh/job_webhooks.hpp).
#include <boost/json.hpp>

#include "scriptmesh/http_client.hpp"
#include "scriptmesh/job_webhooks.hpp"
#include "scriptmesh/webhook_signing.hpp"

namespace scriptmesh {
namespace {

namespace json = boost::json;

struct StoredWebhook {
  std::string url;
  std::string body;
};

Result<StoredWebhook> read_payload(std::string_view payload) {
  auto invalid = [] {
    return Error::invalid_argument("invalid_payload",
                                   "the outbox row is not a job webhook {url, body}");
  };
  boost::system::error_code ec;
  json::value value = json::parse(payload, ec);
  if (ec || !value.is_object()) return invalid();
  const json::object& obj = value.get_object();
  const json::value* url = obj.if_contains("url");
  const json::value* body = obj.if_contains("body");
  if (url == nullptr || !url->is_string() || body == nullptr || !body->is_string()) {
    return invalid();
  }
  return StoredWebhook{std::string(url->get_string()), std::string(body->get_string())};
}

class JobWebhookSender {
 public:
  JobWebhookSender(HttpClient& http, TenantWebhookSecrets& secrets, Clock& clock)
      : http_(http), secrets_(secrets), clock_(clock) {}

  DeliveryOutcome operator()(const DeliveryRecord& delivery,
                             std::chrono::milliseconds timeout) const {
    Result<StoredWebhook> webhook = read_payload(delivery.payload);
    if (!webhook.ok()) return DeliveryOutcome::failed(webhook.error().to_string());
    Result<std::string> secret = secrets_.secret_for(delivery.tenant_id);
    if (!secret.ok()) {
      // A deleted tenant will not come back; anything else (the store busy,
      // a Fernet key missing from the keyring) an operator can fix in time.
      if (secret.error().category() == ErrorCategory::kNotFound) {
        return DeliveryOutcome::failed(secret.error().to_string());
      }
      return DeliveryOutcome::retry(secret.error().to_string());
    }
    HttpClientRequest request;
    request.method = "POST";
    request.url = webhook->url;
    request.timeout = timeout;
    request.headers = {
        {"Content-Type", "application/json"},
        {"X-ScriptMesh-Event", std::string(kJobFinishedEvent)},
        {"X-ScriptMesh-Delivery", delivery.id.str()},
        {std::string(kWebhookSignatureHeader),
         webhook_signature_header(*secret, clock_.now(), webhook->body)},
    };
    request.body = std::move(webhook->body);
    return delivery_outcome_of(http_.send(request));
  }

 private:
  HttpClient& http_;
  TenantWebhookSecrets& secrets_;
  Clock& clock_;
};

}  // namespace

DeliveryHandler make_job_webhook_handler(HttpClient& http, TenantWebhookSecrets& secrets,
                                         Clock& clock) {
  return JobWebhookSender(http, secrets, clock);
}

}  // namespace scriptmesh
