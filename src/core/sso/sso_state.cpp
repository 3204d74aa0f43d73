// The browser-bound state of a sign-in, the spent-state memory, and the
// small parsing helpers of the SSO settings.
#include <boost/json.hpp>

#include "core/sso/sso_impl.hpp"
#include "scriptmesh/fernet.hpp"

namespace scriptmesh {

std::string_view to_string(SsoJoinPolicy policy) noexcept {
  return policy == SsoJoinPolicy::kInviteOnly ? "invite-only" : "members";
}

Result<SsoJoinPolicy> parse_sso_join_policy(std::string_view text) {
  if (text == "members") return SsoJoinPolicy::kMembers;
  if (text == "invite-only") return SsoJoinPolicy::kInviteOnly;
  return Error::invalid_argument("invalid_sso_join", "expected members or invite-only");
}

namespace {

bool is_loopback_host(std::string_view host) {
  if (host == "[::1]") return true;
  // 127.a.b.c with decimal octets.
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  std::size_t digits = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (c >= '0' && c <= '9' && digits < 3) {
      ++digits;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

}  // namespace

Result<std::string> normalize_sso_authority(std::string_view url) {
  auto bad = [](std::string why) {
    return Error::invalid_argument("invalid_sso_authority", std::move(why));
  };
  const bool https = url.starts_with("https://");
  if (!https && !url.starts_with("http://")) return bad("expected an https:// URL");
  std::string_view rest = url.substr(https ? 8 : 7);
  if (rest.find_first_of("?#@ ") != std::string_view::npos) {
    return bad("the URL must not carry user info, a query or a fragment");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  if (authority.empty()) return bad("the URL has no host");
  if (path.empty()) return bad("the URL needs a path, e.g. /organizations");
  std::string_view host = authority;
  if (host.starts_with("[")) {
    host =
        host.substr(0, host.find(']') == std::string_view::npos ? host.size() : host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (!https && !is_loopback_host(host)) {
    return bad("plain http is allowed only for a loopback address (127.0.0.0/8, [::1])");
  }
  return std::string(url.substr(0, url.size() - rest.size())) + std::string(authority) +
         std::string(path);
}

namespace sso {
namespace {

namespace json = boost::json;

Error invalid_state(std::string why) {
  return Error::invalid_argument("invalid_sso_state", std::move(why));
}

}  // namespace

std::string seal_state(const FernetKeyring& keyring, const SignInState& state, WallTime now) {
  json::object o{{"s", state.state}, {"n", state.nonce}, {"v", state.verifier}};
  if (state.link_tenant && state.link_user) {
    o["lt"] = state.link_tenant->str();
    o["lu"] = state.link_user->str();
  }
  return keyring.encrypt(json::serialize(o), now);
}

Result<SignInState> open_state(const FernetKeyring& keyring, std::string_view cookie, WallTime now,
                               std::chrono::seconds ttl) {
  if (cookie.empty()) return invalid_state("the browser sent no state cookie");
  // Fernet authenticates the cookie and dates it: a forged, altered or old
  // one fails here.
  Result<std::string> plain = keyring.decrypt(cookie, now, ttl);
  if (!plain.ok()) return invalid_state("the state cookie is not valid or has expired");
  json::error_code ec;
  json::value v = json::parse(*plain, ec);
  if (ec || !v.is_object()) return invalid_state("the state cookie is malformed");
  const json::object& o = v.as_object();
  auto text = [&](std::string_view key) -> std::string {
    const json::value* m = o.if_contains(key);
    return (m != nullptr && m->is_string()) ? std::string(m->as_string()) : std::string();
  };
  SignInState s{text("s"), text("n"), text("v"), std::nullopt, std::nullopt};
  if (s.state.empty() || s.nonce.empty() || s.verifier.empty()) {
    return invalid_state("the state cookie is incomplete");
  }
  if (!text("lt").empty() && !text("lu").empty()) {
    s.link_tenant = TenantId(text("lt"));
    s.link_user = UserId(text("lu"));
  }
  return s;
}

bool SpentStates::spend(const std::string& state, MonoTime now, MonoTime until) {
  std::lock_guard lock(mu_);
  while (!order_.empty() && order_.front().first <= now) {
    spent_.erase(order_.front().second);
    order_.pop_front();
  }
  if (spent_.contains(state) || spent_.size() >= kCap) return false;
  spent_.insert(state);
  order_.emplace_back(until, state);
  return true;
}

std::string form_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace sso
}  // namespace scriptmesh
