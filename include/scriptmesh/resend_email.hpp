// The Resend e-mail provider (https://resend.com): an EmailSender that posts
// each message to Resend's HTTP API.
//
//   auto http = make_http_client();            // scriptmesh::http
//   auto email = make_resend_email_sender(*http, {.api_key = key,
//                                                 .from = "ScriptMesh <no-reply@example.com>"});
//
// Each send() is one POST <base_url>/emails with "Authorization: Bearer
// <api_key>" and a JSON body {"from", "to": [to], "subject", "text", "html"}
// ("html" only when the message has one). Resend answers 200 with the new
// e-mail's id. There is no retry here: a failure is returned, and the caller
// (or its outbox) decides when to try again.
//
// Errors: unavailable "email_failed" when Resend could not be reached or
// answered anything but 2xx; the message carries the HTTP status or the
// transport error code, never the API key, the recipient or the body (which
// may hold a verification code).
//
// Thread safety: send() may be called from any thread when the HttpClient
// allows it (the production client does).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "scriptmesh/email.hpp"
#include "scriptmesh/http_client.hpp"
#include "scriptmesh/log.hpp"

namespace scriptmesh {

struct ResendOptions {
  // The Resend API key ("re_..."). Required; never logged.
  std::string api_key;
  // Sender: "name@verified-domain" or "Name <name@verified-domain>". Required.
  std::string from;
  // API root without a trailing path; tests point it at a loopback fake.
  std::string base_url = "https://api.resend.com";
  // Deadline for each request to Resend.
  std::chrono::milliseconds timeout{10'000};
  // Where sends and failures are logged (status and Resend's id, nothing
  // else); borrowed, must outlive the sender. Null = not logged.
  Logger* logger = nullptr;
};

// A sender using `http` (borrowed; must outlive the sender). An empty api_key
// or from is a configuration bug: throws std::invalid_argument.
std::unique_ptr<EmailSender> make_resend_email_sender(HttpClient& http, ResendOptions options);

}  // namespace scriptmesh
