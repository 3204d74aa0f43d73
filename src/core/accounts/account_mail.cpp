#include "core/accounts/account_mail.hpp"

#include "scriptmesh/hash.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/random.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh::accounts {
namespace {

// "10 minutes", "1 hour", "3 days": whole units only, which is all the TTLs use.
std::string describe(std::chrono::seconds ttl) {
  auto plural = [](std::int64_t n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
  };
  const std::int64_t s = ttl.count();
  if (s % 86400 == 0 && s >= 86400) return plural(s / 86400, "day");
  if (s % 3600 == 0 && s >= 3600) return plural(s / 3600, "hour");
  if (s % 60 == 0 && s >= 60) return plural(s / 60, "minute");
  return plural(s, "second");
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

EmailMessage verification_email(const std::string& to, std::string_view code,
                                std::chrono::seconds ttl) {
  const std::string c(code);
  EmailMessage m;
  m.to = to;
  m.subject = "Your ScriptMesh verification code";
  m.text = "Your ScriptMesh verification code is " + c + ".\n\nIt expires in " + describe(ttl) +
           ". If you did not sign up, ignore this e-mail.\n";
  m.html = "<p>Your ScriptMesh verification code is <strong>" + c +
           "</strong>.</p><p>It expires in " + describe(ttl) +
           ". If you did not sign up, ignore this e-mail.</p>";
  return m;
}

EmailMessage reset_email(const std::string& to, std::string_view link, std::chrono::seconds ttl) {
  const std::string l(link);
  EmailMessage m;
  m.to = to;
  m.subject = "Reset your ScriptMesh password";
  m.text = "To choose a new ScriptMesh password, open this link:\n\n" + l +
           "\n\nIt works once and expires in " + describe(ttl) +
           ". If you did not ask for it, ignore this e-mail.\n";
  m.html = "<p>To choose a new ScriptMesh password, open <a href=\"" + html_escape(l) + "\">" +
           html_escape(l) + "</a>.</p><p>It works once and expires in " + describe(ttl) +
           ". If you did not ask for it, ignore this e-mail.</p>";
  return m;
}

EmailMessage invitation_email(const std::string& to, std::string_view tenant_name,
                              std::string_view link, std::chrono::seconds ttl) {
  const std::string l(link);
  EmailMessage m;
  m.to = to;
  m.subject = "You have been invited to ScriptMesh";
  m.text = "You have been invited to join \"" + std::string(tenant_name) +
           "\" on ScriptMesh. Choose your password here:\n\n" + l + "\n\nThe link expires in " +
           describe(ttl) + ".\n";
  m.html = "<p>You have been invited to join <strong>" + html_escape(tenant_name) +
           "</strong> on ScriptMesh.</p><p><a href=\"" + html_escape(l) +
           "\">Choose your password</a> (" + html_escape(l) + "). The link expires in " +
           describe(ttl) + ".</p>";
  return m;
}

std::string reset_link(std::string_view base_url, std::string_view token) {
  return std::string(base_url) + "/reset-password?token=" + std::string(token);
}

std::string invitation_link(std::string_view base_url, std::string_view token) {
  return std::string(base_url) + "/invitations/accept?token=" + std::string(token);
}

Result<std::string> issue_reset_token(Store& store, Clock& clock, const TenantId& tenant,
                                      const UserId& user, std::chrono::seconds ttl) {
  std::string token = random_token(32);
  PasswordResetTokenRecord record;
  record.token_hash = sha256_hex(token);
  record.tenant_id = tenant;
  record.user_id = user;
  record.created_at = clock.now();
  record.expires_at = record.created_at + ttl;
  SCRIPTMESH_RETURN_IF_ERROR(store.insert_password_reset_token(tenant, record));
  return token;
}

void send_or_log(EmailSender& sender, Logger& logger, const EmailMessage& message,
                 std::string_view kind, const UserId& user) {
  Result<void> sent = sender.send(message);
  if (!sent.ok()) {
    logger.warn("e-mail not sent",
                {{"kind", kind}, {"user_id", user.str()}, {"error", sent.error().code()}});
  }
}

}  // namespace scriptmesh::accounts
