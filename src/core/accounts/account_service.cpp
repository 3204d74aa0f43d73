// AccountService: construction, sign-up, verification and login. Sessions and
// password reset are in account_sessions.cpp.
#include <stdexcept>

#include "core/accounts/account_input.hpp"
#include "core/accounts/account_mail.hpp"
#include "core/accounts/sso_account.hpp"
#include "scriptmesh/accounts.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/email.hpp"
#include "scriptmesh/encoding.hpp"
#include "scriptmesh/hash.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/random.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {
namespace {

Error invalid_code() {
  return Error::invalid_argument("invalid_code", "the verification code is not valid");
}
Error code_exhausted() {
  return Error::failed_precondition(
      "code_exhausted", "too many wrong tries for this verification code; request a new one");
}
Error invalid_credentials() {
  return Error::unauthenticated("invalid_credentials", "e-mail address or password is wrong");
}

bool is_not_found(const Error& e) {
  return e.category() == ErrorCategory::kNotFound;
}

std::string hash_or_throw(std::string_view password, const PasswordHashParams& params) {
  Result<std::string> hashed = hash_password(password, params);
  if (!hashed.ok()) throw std::invalid_argument("password_params: " + hashed.error().message());
  return std::move(hashed).value();
}

}  // namespace

AccountService::AccountService(Store& store, Clock& clock, EmailSender& email,
                               AccountOptions options)
    : store_(store),
      clock_(clock),
      email_(email),
      options_(std::move(options)),
      logger_(options_.logger != nullptr ? *options_.logger : null_logger()),
      signer_(options_.tokens.jwt_secret),
      // A key of its own for codes, so a code hash can never be mistaken for
      // a token signature.
      code_key_(hmac_sha256(options_.tokens.jwt_secret, "scriptmesh verification code v1")),
      // Same parameters as real hashes, so an unknown address costs the same.
      dummy_hash_(hash_or_throw(random_token(16), options_.password_params)) {
  options_.public_base_url = accounts::trim_base_url(options_.public_base_url);
}

std::string AccountService::code_hash(const UserId& user, std::string_view code) const {
  return hex_encode(hmac_sha256(code_key_, user.str() + ":" + std::string(code)));
}

Result<RegisterResult> AccountService::register_account(std::string_view email,
                                                        std::string_view password,
                                                        std::string_view tenant_name) {
  Result<std::string> address = normalize_email(email);
  if (!address.ok()) return std::move(address).error();
  SCRIPTMESH_RETURN_IF_ERROR(validate_new_password(password));
  Result<std::string> name =
      accounts::validate_name(tenant_name, 100, "invalid_tenant_name", "tenant_name");
  if (!name.ok()) return std::move(name).error();
  Result<std::string> password_hash = hash_password(password, options_.password_params);
  if (!password_hash.ok()) return std::move(password_hash).error();

  const WallTime now = clock_.now();
  TenantRecord tenant;
  tenant.id = TenantId(new_id("tnt"));
  tenant.name = std::move(name).value();
  tenant.plan = Plan::kStarter;
  tenant.created_at = now;

  const std::string code = random_numeric_code(6);
  UserRecord owner;
  owner.id = UserId(new_id("usr"));
  owner.tenant_id = tenant.id;
  owner.email = *address;
  owner.password_hash = std::move(password_hash).value();
  owner.role = UserRole::kOwner;
  owner.verification_code_hash = code_hash(owner.id, code);
  owner.verification_expires_at = now + options_.verification_code_ttl;
  owner.created_at = now;
  // Tenant, owner and code land in one transaction: there is no half-made account.
  SCRIPTMESH_RETURN_IF_ERROR(store_.create_tenant(tenant, owner));

  accounts::send_or_log(
      email_, logger_,
      accounts::verification_email(owner.email, code, options_.verification_code_ttl),
      "verification", owner.id);
  return RegisterResult{owner.id, tenant.id};
}

Result<void> AccountService::verify(std::string_view email, std::string_view code) {
  Result<std::string> address = normalize_email(email);
  if (!address.ok()) return invalid_code();
  Result<UserRecord> user = store_.find_user_by_email(*address);
  if (!user.ok()) return is_not_found(user.error()) ? invalid_code() : std::move(user).error();
  if (user->verified) return ok_result();
  SCRIPTMESH_RETURN_IF_ERROR(check_code(*user, code));
  return store_.mark_user_verified(user->tenant_id, user->id);
}

Result<void> AccountService::check_code(const UserRecord& user, std::string_view code) {
  if (user.verification_code_hash.empty() || !user.verification_expires_at) return invalid_code();
  if (user.verification_attempts >= options_.max_verification_attempts) return code_exhausted();
  if (clock_.now() >= *user.verification_expires_at) {
    return Error::failed_precondition("code_expired",
                                      "the verification code has expired; request a new one");
  }
  // The try is counted before the comparison, so guesses racing each other
  // still cannot exceed the limit. A right code clears the counter.
  Result<int> attempts = store_.record_verification_attempt(user.tenant_id, user.id);
  if (!attempts.ok()) return std::move(attempts).error();
  if (*attempts > options_.max_verification_attempts) return code_exhausted();
  if (!constant_time_equal(code_hash(user.id, code), user.verification_code_hash)) {
    return *attempts >= options_.max_verification_attempts ? code_exhausted() : invalid_code();
  }
  return ok_result();
}

Result<void> AccountService::resend_verification(std::string_view email) {
  Result<std::string> address = normalize_email(email);
  if (!address.ok()) return std::move(address).error();
  Result<UserRecord> user = store_.find_user_by_email(*address);
  if (!user.ok()) return is_not_found(user.error()) ? ok_result() : std::move(user).error();
  if (user->verified) return ok_result();
  return send_verification_code(user->tenant_id, user->id, user->email);
}

Result<void> AccountService::send_verification_code(const TenantId& tenant, const UserId& user,
                                                    const std::string& email) {
  const std::string code = random_numeric_code(6);
  // Replacing the hash kills the previous code and resets the attempt counter.
  SCRIPTMESH_RETURN_IF_ERROR(store_.set_verification_code(
      tenant, user, code_hash(user, code), clock_.now() + options_.verification_code_ttl));
  accounts::send_or_log(email_, logger_,
                        accounts::verification_email(email, code, options_.verification_code_ttl),
                        "verification", user);
  return ok_result();
}

Result<TokenPair> AccountService::login(std::string_view email, std::string_view password) {
  Result<std::string> address = normalize_email(email);
  Result<UserRecord> user = address.ok()
                                ? store_.find_user_by_email(*address)
                                : Result<UserRecord>(Error::not_found("user_not_found", ""));
  if (!user.ok() && !is_not_found(user.error())) return std::move(user).error();
  if (!user.ok() || user->password_hash.empty()) {
    // Burn the same Argon2 work as a real check, so timing does not tell
    // whether the address has an account.
    (void)verify_password(password, dummy_hash_);
    if (user.ok()) {
      Result<bool> sso = accounts::is_sso_account(store_, *user);
      if (!sso.ok()) return std::move(sso).error();
      if (*sso) return accounts::sso_account();
    }
    return invalid_credentials();
  }
  if (!verify_password(password, user->password_hash)) return invalid_credentials();
  if (!user->verified) {
    return Error::failed_precondition("email_not_verified",
                                      "verify the e-mail address before logging in");
  }
  if (password_needs_rehash(user->password_hash, options_.password_params)) {
    Result<std::string> upgraded = hash_password(password, options_.password_params);
    // Best effort: the login is good with the old hash; try again next time.
    if (upgraded.ok()) {
      (void)store_.update_user_password(user->tenant_id, user->id, *upgraded);
    }
  }
  return start_session(user->tenant_id, user->id, user->role, new_id("rtf"));
}

}  // namespace scriptmesh
