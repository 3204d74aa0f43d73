// The Resend sender (core) over the production HttpClient against a loopback
// fake of the Resend API. It lives with the http tests because it needs the
// real client; the sender itself only sees the HttpClient interface.
#include "scriptmesh/resend_email.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "http/http_client.hpp"
#include "support/http_test_client.hpp"
#include "support/loopback_receiver.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh {
namespace {

using testing::CannedResponse;
using testing::LoopbackReceiver;
using testing::LoopbackReceiverOptions;

constexpr const char* kApiKey = "re_test_SECRET_key_123";
constexpr const char* kCode = "493027";  // a verification code in the body

// Keeps every line (message and fields) so tests can look for leaks.
class RecordingLogger final : public Logger {
 public:
  void log(LogLevel level, std::string_view message, LogFields fields) override {
    std::lock_guard lock(mu_);
    lines_.push_back(format_logfmt("-", level, message, fields));
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

EmailMessage verification_message() {
  EmailMessage message;
  message.to = "ada@example.com";
  message.subject = "Your ScriptMesh code";
  message.text = std::string("Your code is ") + kCode;
  message.html = std::string("<p>Your code is <b>") + kCode + "</b></p>";
  return message;
}

ResendOptions options_for(const LoopbackReceiver& receiver, Logger* logger = nullptr) {
  ResendOptions options;
  options.api_key = kApiKey;
  options.from = "ScriptMesh <no-reply@scriptmesh.test>";
  options.base_url = receiver.url("");
  options.logger = logger;
  return options;
}

void check_no_secret(const std::string& text) {
  CAPTURE(text);
  CHECK(text.find(kApiKey) == std::string::npos);
  CHECK(text.find(kCode) == std::string::npos);
}

TEST_CASE("Resend: send posts the documented request shape") {
  LoopbackReceiver receiver;
  receiver.respond_next(
      {200, R"({"id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"})", "application/json", {}, false});
  http::PooledHttpClient http(testing::loopback_client_options());
  RecordingLogger logger;
  auto sender = make_resend_email_sender(http, options_for(receiver, &logger));

  REQUIRE_OK(sender->send(verification_message()));

  auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  const auto& got = requests[0];
  CHECK(got.method == "POST");
  CHECK(got.target == "/emails");
  CHECK(got.header("Authorization") == std::string("Bearer ") + kApiKey);
  CHECK(got.header("Content-Type") == "application/json");
  CHECK(got.header("User-Agent").rfind("scriptmesh/", 0) == 0);

  auto body = boost::json::parse(got.body).as_object();
  CHECK(body.at("from").as_string() == "ScriptMesh <no-reply@scriptmesh.test>");
  REQUIRE(body.at("to").is_array());
  CHECK(body.at("to").as_array().size() == 1);
  CHECK(body.at("to").as_array().at(0).as_string() == "ada@example.com");
  CHECK(body.at("subject").as_string() == "Your ScriptMesh code");
  CHECK(body.at("text").as_string() == verification_message().text);
  CHECK(body.at("html").as_string() == verification_message().html);
  CHECK(body.size() == 5);

  auto lines = logger.lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("49a3999c-0ce1-4ea6-ab68-afcd6dc2e794") != std::string::npos);
  check_no_secret(lines[0]);
}

TEST_CASE("Resend: a message without HTML sends no html field") {
  LoopbackReceiver receiver;
  http::PooledHttpClient http(testing::loopback_client_options());
  auto options = options_for(receiver);
  options.base_url += "/";  // a trailing slash is not doubled
  auto sender = make_resend_email_sender(http, options);
  auto message = verification_message();
  message.html.clear();
  REQUIRE_OK(sender->send(message));
  auto got = receiver.requests().at(0);
  CHECK(got.target == "/emails");
  auto body = boost::json::parse(got.body).as_object();
  CHECK(body.if_contains("html") == nullptr);
  CHECK(body.at("text").as_string() == message.text);
}

TEST_CASE("Resend: a non-2xx answer is email_failed with the status, without secrets") {
  http::PooledHttpClient http(testing::loopback_client_options());
  for (int status : {400, 401, 403, 422, 429, 500, 503}) {
    CAPTURE(status);
    LoopbackReceiver receiver;
    // A provider echoing the request back must not make us leak it either.
    receiver.respond_next({status,
                           std::string(R"({"statusCode":)") + std::to_string(status) +
                               R"(,"name":"validation_error","message":"bad key )" + kApiKey +
                               " code " + kCode + R"("})",
                           "application/json",
                           {},
                           false});
    RecordingLogger logger;
    auto sender = make_resend_email_sender(http, options_for(receiver, &logger));

    auto result = sender->send(verification_message());
    CHECK_ERROR_CODE(result, "email_failed");
    CHECK(result.error().category() == ErrorCategory::kUnavailable);
    CHECK(result.error().message().find(std::to_string(status)) != std::string::npos);
    CHECK(result.error().message().find("validation_error") != std::string::npos);
    check_no_secret(result.error().message());
    for (const auto& line : logger.lines())
      check_no_secret(line);
  }
}

TEST_CASE("Resend: an error body that is not Resend's shape still gives the status") {
  LoopbackReceiver receiver;
  receiver.respond_next({502, "<html>Bad Gateway</html>", "text/html", {}, false});
  http::PooledHttpClient http(testing::loopback_client_options());
  auto sender = make_resend_email_sender(http, options_for(receiver));
  auto result = sender->send(verification_message());
  CHECK_ERROR_CODE(result, "email_failed");
  CHECK(result.error().message() == "Resend answered HTTP 502");
}

TEST_CASE("Resend: an unreachable API is email_failed") {
  std::uint16_t port = 0;
  {
    LoopbackReceiver gone;
    port = gone.port();
  }
  REQUIRE(testing::connection_refused(port));
  http::PooledHttpClient http(testing::loopback_client_options());
  ResendOptions options;
  options.api_key = kApiKey;
  options.from = "no-reply@scriptmesh.test";
  options.base_url = "http://127.0.0.1:" + std::to_string(port);
  auto sender = make_resend_email_sender(http, options);
  auto result = sender->send(verification_message());
  CHECK_ERROR_CODE(result, "email_failed");
  CHECK(result.error().message().find("connect_failed") != std::string::npos);
  check_no_secret(result.error().message());
}

TEST_CASE("Resend: HTTPS with the certificate verified") {
  LoopbackReceiverOptions receiver_options;
  receiver_options.tls = true;
  LoopbackReceiver receiver(receiver_options);

  SUBCASE("trusted") {
    HttpClientOptions client_options = testing::loopback_client_options();
    client_options.ca_file = receiver.cert_file().string();
    http::PooledHttpClient http(client_options);
    auto sender = make_resend_email_sender(http, options_for(receiver));
    REQUIRE_OK(sender->send(verification_message()));
    auto requests = receiver.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].secure);
    CHECK(requests[0].header("Authorization") == std::string("Bearer ") + kApiKey);
  }
  SUBCASE("untrusted: nothing is sent") {
    http::PooledHttpClient http(testing::loopback_client_options());
    auto sender = make_resend_email_sender(http, options_for(receiver));
    auto result = sender->send(verification_message());
    CHECK_ERROR_CODE(result, "email_failed");
    CHECK(result.error().message().find("tls_failed") != std::string::npos);
    CHECK(receiver.request_count() == 0);
  }
}

TEST_CASE("Resend: the factory refuses a missing key or sender") {
  LoopbackReceiver receiver;
  http::PooledHttpClient http(testing::loopback_client_options());
  auto options = options_for(receiver);
  options.api_key.clear();
  CHECK_THROWS_AS(make_resend_email_sender(http, options), std::invalid_argument);
  options = options_for(receiver);
  options.from.clear();
  CHECK_THROWS_AS(make_resend_email_sender(http, options), std::invalid_argument);
}

}  // namespace
}  // namespace scriptmesh
