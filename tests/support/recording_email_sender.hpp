// An EmailSender that keeps every message in memory, for tests that read the
// codes and links a service e-mails, and that can be told to fail.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/email.hpp"

namespace scriptmesh::testing {

class RecordingEmailSender final : public EmailSender {
 public:
  Result<void> send(const EmailMessage& message) override {
    std::lock_guard lock(mu_);
    if (fail_) return Error::unavailable("email_failed", "the recording sender was told to fail");
    messages_.push_back(message);
    return ok_result();
  }

  // While set, every send fails with unavailable "email_failed" and records nothing.
  void set_failing(bool fail) {
    std::lock_guard lock(mu_);
    fail_ = fail;
  }

  // Every message sent so far, oldest first.
  std::vector<EmailMessage> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return messages_.size();
  }
  // The newest message to `to`, if any.
  std::optional<EmailMessage> last_to(std::string_view to) const {
    std::lock_guard lock(mu_);
    for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
      if (it->to == to) return *it;
    }
    return std::nullopt;
  }
  void clear() {
    std::lock_guard lock(mu_);
    messages_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<EmailMessage> messages_;  // guarded by mu_
  bool fail_ = false;                   // guarded by mu_
};

// The first run of exactly `digits` decimal digits in `text` (a verification
// code), or "" when there is none.
inline std::string find_code(std::string_view text, std::size_t digits = 6) {
  std::size_t run = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const bool digit = i < text.size() && text[i] >= '0' && text[i] <= '9';
    if (digit) {
      ++run;
      continue;
    }
    if (run == digits) return std::string(text.substr(i - run, run));
    run = 0;
  }
  return "";
}

// The value of "token=" in the first link of `text` (URL-safe characters up
// to the first other one), or "" when there is none.
inline std::string find_link_token(std::string_view text) {
  const std::size_t at = text.find("token=");
  if (at == std::string_view::npos) return "";
  std::size_t end = at + 6;
  auto url_safe = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  };
  while (end < text.size() && url_safe(text[end]))
    ++end;
  return std::string(text.substr(at + 6, end - at - 6));
}

}  // namespace scriptmesh::testing
