// The JSON-lines outbox: the default EmailSender when no provider is set up.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <string>
#include <system_error>

#include <boost/json.hpp>

#include "scriptmesh/email.hpp"

namespace scriptmesh {
namespace {

Error email_failed(const char* what, int err) {
  return Error::unavailable("email_failed", std::string("the e-mail outbox could not be ") + what +
                                                ": " + std::generic_category().message(err));
}

class OutboxEmailSender final : public EmailSender {
 public:
  OutboxEmailSender(std::filesystem::path path, Clock& clock)
      : path_(std::move(path)), clock_(clock) {}

  Result<void> send(const EmailMessage& message) override {
    boost::json::object line;
    line["to"] = message.to;
    line["subject"] = message.subject;
    line["text"] = message.text;
    line["html"] = message.html;
    line["sent_at"] = format_rfc3339(clock_.now());
    const std::string text = boost::json::serialize(line) + "\n";

    std::lock_guard lock(mu_);
    std::error_code ec;
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
    if (ec) return email_failed("created", ec.value());
    // 0600: the messages carry verification codes and reset links.
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return email_failed("opened", errno);
    Result<void> written = write_all(fd, text);
    if (written.ok() && ::fsync(fd) != 0) written = email_failed("synced", errno);
    ::close(fd);
    return written;
  }

 private:
  static Result<void> write_all(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return email_failed("written", errno);
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return ok_result();
  }

  const std::filesystem::path path_;
  Clock& clock_;
  std::mutex mu_;  // one whole line at a time; other processes rely on O_APPEND
};

}  // namespace

std::unique_ptr<EmailSender> make_outbox_email_sender(std::filesystem::path path, Clock& clock) {
  return std::make_unique<OutboxEmailSender>(std::move(path), clock);
}

}  // namespace scriptmesh
