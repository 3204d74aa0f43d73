// Checks of the text users type: display names (tenants, API keys). E-mail
// and password rules are public (scriptmesh/accounts.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "scriptmesh/result.hpp"

namespace scriptmesh::accounts {

// `text` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text) noexcept;

// Unicode code points in `text`, counting each byte that does not continue a
// UTF-8 sequence.
std::size_t count_code_points(std::string_view text) noexcept;

// A trimmed name of 1..max_chars code points without control characters.
// Error: invalid_argument `code` with a message naming `what`.
[[nodiscard]] Result<std::string> validate_name(std::string_view text, std::size_t max_chars,
                                                const std::string& code, std::string_view what);

// `base_url` without trailing slashes.
std::string trim_base_url(std::string_view base_url);

}  // namespace scriptmesh::accounts
