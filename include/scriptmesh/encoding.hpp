// Byte encodings used in tokens and ids: URL-safe base64, standard base64, hex.
//
// Decoders never throw and never read past their input: malformed text is an
// invalid_argument Error with code "invalid_encoding".
#pragma once

#include <string>
#include <string_view>

#include "scriptmesh/result.hpp"

namespace scriptmesh {

// RFC 4648 section 5 alphabet ('-' and '_'). `pad` adds '=' padding.
std::string base64url_encode(std::string_view bytes, bool pad = true);
// Accepts text with or without '=' padding; rejects any other character.
[[nodiscard]] Result<std::string> base64url_decode(std::string_view text);

// RFC 4648 section 4 alphabet ('+' and '/'), always padded.
std::string base64_encode(std::string_view bytes);
// Requires correct padding; rejects whitespace and any other character.
[[nodiscard]] Result<std::string> base64_decode(std::string_view text);

// Lowercase hex.
std::string hex_encode(std::string_view bytes);
// Accepts either case; rejects odd length and non-hex characters.
[[nodiscard]] Result<std::string> hex_decode(std::string_view text);

}  // namespace scriptmesh
