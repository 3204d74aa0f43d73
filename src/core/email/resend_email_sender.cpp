// The Resend EmailSender: one POST /emails per message through HttpClient.
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json.hpp>

#include "scriptmesh/resend_email.hpp"

namespace scriptmesh {
namespace {

Error email_failed(std::string message) {
  return Error::unavailable("email_failed", std::move(message));
}

// Resend's error bodies carry a machine "name" ("validation_error",
// "rate_limit_exceeded"). It is worth keeping in our message; the rest of
// the body ("message") may quote the request, so it is not. Returns "" when
// the body has no plausible name.
std::string error_name(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) return {};
  const auto* name = parsed.as_object().if_contains("name");
  if (name == nullptr || !name->is_string()) return {};
  std::string_view text = name->get_string();
  if (text.empty() || text.size() > 64) return {};
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return {};
  }
  return std::string(text);
}

std::string email_id(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) return {};
  const auto* id = parsed.as_object().if_contains("id");
  return id != nullptr && id->is_string() ? std::string(id->get_string()) : std::string();
}

class ResendEmailSender final : public EmailSender {
 public:
  ResendEmailSender(HttpClient& http, ResendOptions options)
      : http_(http), options_(std::move(options)) {
    while (!options_.base_url.empty() && options_.base_url.back() == '/') {
      options_.base_url.pop_back();
    }
  }

  Result<void> send(const EmailMessage& message) override {
    auto response = http_.send(build_request(message));
    if (!response.ok()) {
      log(LogLevel::kWarn, "e-mail not sent", {{"error", response.error().code()}});
      return email_failed("could not reach Resend: " + response.error().code());
    }
    const int status = response->status;
    if (status < 200 || status > 299) {
      std::string name = error_name(response->body);
      log(LogLevel::kWarn, "e-mail refused", {{"status", status}, {"resend_error", name}});
      std::string text = "Resend answered HTTP " + std::to_string(status);
      if (!name.empty()) text += " (" + name + ")";
      return email_failed(std::move(text));
    }
    log(LogLevel::kInfo, "e-mail sent", {{"status", status}, {"id", email_id(response->body)}});
    return ok_result();
  }

 private:
  HttpClientRequest build_request(const EmailMessage& message) const {
    boost::json::object body;
    body["from"] = options_.from;
    body["to"] = boost::json::array{boost::json::string(message.to)};
    body["subject"] = message.subject;
    body["text"] = message.text;
    if (!message.html.empty()) body["html"] = message.html;

    HttpClientRequest request;
    request.method = "POST";
    request.url = options_.base_url + "/emails";
    request.headers = {{"Authorization", "Bearer " + options_.api_key},
                       {"Content-Type", "application/json"},
                       {"Accept", "application/json"}};
    request.body = boost::json::serialize(body);
    request.timeout = options_.timeout;
    return request;
  }

  void log(LogLevel level, std::string_view what, LogFields fields) const {
    if (options_.logger != nullptr) options_.logger->log(level, what, fields);
  }

  HttpClient& http_;
  ResendOptions options_;
};

}  // namespace

std::unique_ptr<EmailSender> make_resend_email_sender(HttpClient& http, ResendOptions options) {
  if (options.api_key.empty()) throw std::invalid_argument("Resend needs an API key");
  if (options.from.empty()) throw std::invalid_argument("Resend needs a sender address (from)");
  return std::make_unique<ResendEmailSender>(http, std::move(options));
}

}  // namespace scriptmesh
