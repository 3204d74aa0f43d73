// Building and enqueueing job webhooks (see scriptmesh/job_webhooks.hpp).
#include "scriptmesh/job_webhooks.hpp"

#include "scriptmesh/destinations.hpp"

#include <algorithm>
#include <limits>

#include <boost/json.hpp>

#include "scriptmesh/encoding.hpp"

namespace scriptmesh {
namespace {

namespace json = boost::json;

// Length of the UTF-8 sequence a lead byte starts; 0 for a byte that cannot
// lead one (a continuation byte, or 0xC0, 0xC1, 0xF5..0xFF).
std::size_t utf8_sequence_length(unsigned char lead) noexcept {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Well-formed UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
// Control characters are fine: JSON escapes them.
bool valid_utf8(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t len = utf8_sequence_length(lead);
    if (len == 0 || i + len > text.size()) return false;
    char32_t cp = len == 1 ? lead : lead & (0x7Fu >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (cont & 0x3Fu);
    }
    static constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

// `bytes` without a UTF-8 sequence that the cut at its end left incomplete.
std::string_view drop_split_character(std::string_view bytes) noexcept {
  for (std::size_t back = 1; back <= 4 && back <= bytes.size(); ++back) {
    const auto byte = static_cast<unsigned char>(bytes[bytes.size() - back]);
    if ((byte & 0xC0u) == 0x80u) continue;  // a continuation byte: keep looking
    const std::size_t len = utf8_sequence_length(byte);
    return len > back ? bytes.substr(0, bytes.size() - back) : bytes;
  }
  return bytes;
}

// One stream's share of the body.
struct InlinedStream {
  json::value text = nullptr;    // the inlined bytes as a string, when UTF-8
  json::value base64 = nullptr;  // or as base64, when not
  std::int64_t total_bytes = 0;
  bool truncated = false;
};

Result<InlinedStream> inline_stream(Store& store, const JobRecord& job, OutputStream stream,
                                    std::int64_t recorded_bytes, std::int64_t cap) {
  // One byte past the cap tells whether there is more than the cap, even
  // when the job record's byte count is behind the stored output.
  Result<std::string> read = store.read_job_output(job.tenant_id, job.id, stream, 0, cap + 1);
  if (!read.ok()) return std::move(read).error();
  std::string bytes = std::move(read).value();
  InlinedStream out;
  out.total_bytes = std::max(recorded_bytes, static_cast<std::int64_t>(bytes.size()));
  out.truncated = out.total_bytes > cap;
  if (static_cast<std::int64_t>(bytes.size()) > cap) bytes.resize(static_cast<std::size_t>(cap));
  const std::string_view text = out.truncated ? drop_split_character(bytes) : bytes;
  if (valid_utf8(text)) {
    out.text = json::string(text);
  } else {
    out.base64 = json::string(base64_encode(bytes));
  }
  return out;
}

template <typename T>
json::value or_null(const std::optional<T>& v) {
  if (!v) return nullptr;
  return json::value(*v);
}

json::value time_or_null(const std::optional<WallTime>& t) {
  if (!t) return nullptr;
  return json::string(format_rfc3339(*t));
}

template <typename Id>
json::value id_or_null(const std::optional<Id>& id) {
  if (!id || id->empty()) return nullptr;
  return json::string(id->str());
}

std::string trim_trailing_slashes(std::string_view url) {
  while (!url.empty() && url.back() == '/')
    url.remove_suffix(1);
  return std::string(url);
}

json::object job_fields(const JobRecord& job, const JobWebhookOptions& options) {
  return {{"event", kJobFinishedEvent},
          {"job_id", job.id.str()},
          {"status", to_string(job.status)},
          {"agent_id", job.agent_id.str()},
          {"script", job.script},
          {"exit_code", or_null(job.exit_code)},
          {"signal", or_null(job.signal)},
          {"error", job.error.empty() ? json::value(nullptr) : json::value(job.error)},
          {"duration_ms", or_null(job.duration_ms)},
          {"created_at", format_rfc3339(job.created_at)},
          {"started_at", time_or_null(job.started_at)},
          {"finished_at", time_or_null(job.finished_at)},
          {"output_url",
           trim_trailing_slashes(options.public_base_url) + "/v1/jobs/" + job.id.str() + "/output"},
          {"schedule_id", id_or_null(job.schedule_id)},
          {"group_id", id_or_null(job.group_id)}};
}

void add_stream(json::object& body, std::string_view name, InlinedStream s) {
  const std::string key(name);
  body[key] = std::move(s.text);
  body[key + "_base64"] = std::move(s.base64);
  body[key + "_bytes"] = s.total_bytes;
  body[key + "_truncated"] = s.truncated;
}

Result<void> check_final(const JobRecord& job) {
  if (!is_final(job.status)) {
    return Error::invalid_argument("job_not_final", "job " + job.id.str() + " has not ended");
  }
  return ok_result();
}

bool is_scheme(std::string_view url, std::string_view scheme) {
  if (url.size() < scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    char c = url[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != scheme[i]) return false;
  }
  return true;
}

}  // namespace

Result<void> check_webhook_url(std::string_view url, bool allow_private_destinations) {
  auto invalid = [](std::string message) {
    return Error::invalid_argument("invalid_webhook_url", std::move(message));
  };
  if (url.size() > kMaxWebhookUrlBytes) {
    return invalid("webhook_url is longer than " + std::to_string(kMaxWebhookUrlBytes) + " bytes");
  }
  const bool has_bad_char = std::any_of(url.begin(), url.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b <= 0x20 || b == 0x7F;
  });
  if (has_bad_char) return invalid("webhook_url contains a space or a control character");
  std::size_t rest = 0;
  if (is_scheme(url, "https://")) {
    rest = 8;
  } else if (is_scheme(url, "http://")) {
    rest = 7;
  } else {
    return invalid("webhook_url must be an http:// or https:// URL");
  }
  const std::string_view authority = url.substr(rest, url.find_first_of("/?#", rest) - rest);
  if (authority.find('@') != std::string_view::npos) {
    return invalid("webhook_url must not contain user info");
  }
  if (authority.empty() || authority.front() == ':') return invalid("webhook_url has no host");
  if (allow_private_destinations) return ok_result();
  if (rest != 8) return invalid("webhook_url must be an https:// URL");
  const std::size_t host_end =
      authority.front() == '[' ? authority.find(']') + 1 : authority.find(':');
  if (is_private_host_literal(authority.substr(0, host_end))) {
    return invalid(
        "webhook_url must not point at a loopback, private or link-local address "
        "(allowed only when the orchestrator sets allow_private_destinations)");
  }
  return ok_result();
}

Result<std::string> job_webhook_body(Store& store, const JobRecord& job,
                                     const JobWebhookOptions& options) {
  SCRIPTMESH_RETURN_IF_ERROR(check_final(job));
  // The upper clamp only keeps cap + 1 from overflowing.
  const std::int64_t cap = std::clamp<std::int64_t>(options.inline_output_bytes, 0,
                                                    std::numeric_limits<std::int64_t>::max() - 1);
  json::object body = job_fields(job, options);
  Result<InlinedStream> out =
      inline_stream(store, job, OutputStream::kStdout, job.stdout_bytes, cap);
  if (!out.ok()) return std::move(out).error();
  Result<InlinedStream> err =
      inline_stream(store, job, OutputStream::kStderr, job.stderr_bytes, cap);
  if (!err.ok()) return std::move(err).error();
  add_stream(body, "stdout", std::move(out).value());
  add_stream(body, "stderr", std::move(err).value());
  return json::serialize(body);
}

Result<std::optional<DeliveryId>> enqueue_job_webhook(Store& store, const JobRecord& final_job,
                                                      const JobWebhookOptions& options) {
  if (final_job.webhook_url.empty()) return std::optional<DeliveryId>();
  SCRIPTMESH_RETURN_IF_ERROR(check_final(final_job));
  // Only its form: the policy was applied when the job was created, and the
  // HTTP client applies it again to the address it connects to.
  SCRIPTMESH_RETURN_IF_ERROR(check_webhook_url(final_job.webhook_url, true));
  Result<std::string> body = job_webhook_body(store, final_job, options);
  if (!body.ok()) return std::move(body).error();

  const WallTime now = (options.clock != nullptr ? *options.clock : system_clock()).now();
  DeliveryRecord delivery;
  delivery.id = DeliveryId(new_id("dlv"));
  delivery.tenant_id = final_job.tenant_id;
  delivery.kind = std::string(kJobWebhookKind);
  delivery.payload =
      json::serialize(json::object{{"url", final_job.webhook_url}, {"body", std::move(*body)}});
  delivery.status = DeliveryStatus::kPending;
  delivery.next_attempt_at = now;
  delivery.created_at = now;
  SCRIPTMESH_RETURN_IF_ERROR(store.enqueue_delivery(final_job.tenant_id, delivery));
  return std::optional<DeliveryId>(delivery.id);
}

}  // namespace scriptmesh
