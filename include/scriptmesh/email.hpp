// EmailSender: the seam through which ScriptMesh sends e-mail (verification
// codes, password-reset links, invitations).
//
// Two implementations ship:
//   - an outbox that appends each message as one JSON line
//     {"to","subject","text","html","sent_at"} to <data_dir>/outbox.jsonl: the
//     default when no Resend key is configured, and what tests read codes from;
//   - Resend (HTTPS POST /emails with a Bearer API key), see resend_email.hpp.
//
// Thread safety: send() may be called from any thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

struct EmailMessage {
  std::string to;       // one address
  std::string subject;  // one line
  std::string text;     // plain-text body
  std::string html;     // HTML body; may be empty
};

class EmailSender {
 public:
  virtual ~EmailSender() = default;
  // Sends (or durably queues) one message. Errors: unavailable/email_failed
  // when the provider or the disk refused it; the message never contains the
  // body, which may carry a secret code.
  [[nodiscard]] virtual Result<void> send(const EmailMessage& message) = 0;
};

// The JSON-lines outbox at `path` (its directory is created when missing).
// Each send appends and flushes one whole line under a lock.
std::unique_ptr<EmailSender> make_outbox_email_sender(std::filesystem::path path,
                                                      Clock& clock = system_clock());

}  // namespace scriptmesh
