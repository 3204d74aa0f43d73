#include "core/accounts/account_input.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "scriptmesh/accounts.hpp"
#include "scriptmesh/password.hpp"

namespace scriptmesh {
namespace accounts {
namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Decodes `text` as UTF-8 and counts its code points; nullopt when it is not
// well-formed or holds a control character (C0, DEL or C1).
std::optional<std::size_t> printable_code_points(std::string_view text) noexcept {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    char32_t cp = 0;
    if (lead < 0x80) {
      len = 1;
      cp = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      len = 2;
      cp = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      len = 3;
      cp = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      len = 4;
      cp = lead & 0x07u;
    } else {
      return std::nullopt;
    }
    if (i + len > text.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0u) != 0x80u) return std::nullopt;
      cp = (cp << 6) | (cont & 0x3Fu);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::array<char32_t, 5> kMinForLength = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return std::nullopt;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return std::nullopt;
    ++count;
    i += len;
  }
  return count;
}

bool is_local_char(char c) noexcept {
  static constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~-.";
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         kSpecials.find(c) != std::string_view::npos;
}

bool valid_local_part(std::string_view local) noexcept {
  if (local.empty() || local.size() > 64) return false;
  if (local.front() == '.' || local.back() == '.') return false;
  if (local.find("..") != std::string_view::npos) return false;
  return std::all_of(local.begin(), local.end(), is_local_char);
}

bool valid_label(std::string_view label) noexcept {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool valid_domain(std::string_view domain) noexcept {
  if (domain.size() > 253 || domain.find('.') == std::string_view::npos) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view label = domain.substr(start, dot - start);
    if (!valid_label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

std::size_t count_code_points(std::string_view text) noexcept {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0u) != 0x80u;
  }));
}

Result<std::string> validate_name(std::string_view text, std::size_t max_chars,
                                  const std::string& code, std::string_view what) {
  const std::string_view trimmed = trim(text);
  const std::optional<std::size_t> chars = printable_code_points(trimmed);
  if (!chars || *chars == 0 || *chars > max_chars) {
    return Error::invalid_argument(code, std::string(what) + " must be 1 to " +
                                             std::to_string(max_chars) +
                                             " characters of text without control characters");
  }
  return std::string(trimmed);
}

std::string trim_base_url(std::string_view base_url) {
  while (!base_url.empty() && base_url.back() == '/')
    base_url.remove_suffix(1);
  return std::string(base_url);
}

}  // namespace accounts

Result<std::string> normalize_email(std::string_view email) {
  std::string out(accounts::trim(email));
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  const std::size_t at = out.find('@');
  const bool ok = !out.empty() && out.size() <= 254 && at != std::string::npos &&
                  out.find('@', at + 1) == std::string::npos &&
                  accounts::valid_local_part(std::string_view(out).substr(0, at)) &&
                  accounts::valid_domain(std::string_view(out).substr(at + 1));
  if (!ok) return Error::invalid_argument("invalid_email", "email is not a valid e-mail address");
  return out;
}

Result<void> validate_new_password(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) {
    return Error::invalid_argument(
        "password_too_long",
        "password must be at most " + std::to_string(kMaxPasswordBytes) + " bytes");
  }
  if (accounts::count_code_points(password) < 10) {
    return Error::invalid_argument("weak_password", "password must be at least 10 characters");
  }
  return ok_result();
}

}  // namespace scriptmesh
