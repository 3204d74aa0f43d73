// The e-mails accounts send, and the reset/invitation links inside them.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/email.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

class Logger;
class Store;

namespace accounts {

EmailMessage verification_email(const std::string& to, std::string_view code,
                                std::chrono::seconds ttl);
EmailMessage reset_email(const std::string& to, std::string_view link, std::chrono::seconds ttl);
EmailMessage invitation_email(const std::string& to, std::string_view tenant_name,
                              std::string_view link, std::chrono::seconds ttl);

// "<base_url>/reset-password?token=<token>" (the token is URL-safe already).
std::string reset_link(std::string_view base_url, std::string_view token);
// The dashboard page where an invited user accepts by choosing a password
// (it spends the token like a reset link): <base>/invitations/accept?token=...
std::string invitation_link(std::string_view base_url, std::string_view token);

// Creates a password reset token for `user`, valid for `ttl` from now, and
// stores its hash. Returns the token itself, to be e-mailed and forgotten.
[[nodiscard]] Result<std::string> issue_reset_token(Store& store, Clock& clock,
                                                    const TenantId& tenant, const UserId& user,
                                                    std::chrono::seconds ttl);

// Sends `message`; a failure is logged (without the body, which holds a
// secret) and swallowed. See accounts.hpp for why.
void send_or_log(EmailSender& sender, Logger& logger, const EmailMessage& message,
                 std::string_view kind, const UserId& user);

}  // namespace accounts
}  // namespace scriptmesh
