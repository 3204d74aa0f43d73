#include "scriptmesh/accounts.hpp"

#include <doctest/doctest.h>

#include "support/result_checks.hpp"

namespace scriptmesh::testing {
namespace {

TEST_CASE("account input: e-mail addresses") {
  struct Case {
    std::string in;
    std::string out;  // empty = invalid
  };
  const std::string local64(64, 'l');
  const std::string label63(63, 'd');
  const std::vector<Case> cases = {
      {"alice@example.com", "alice@example.com"},
      {"  Alice.Smith+tag@Mail.Example.COM\t", "alice.smith+tag@mail.example.com"},
      {"o'hara_x-y@sub-domain.example.co.uk", "o'hara_x-y@sub-domain.example.co.uk"},
      {local64 + "@example.com", local64 + "@example.com"},
      {"a@" + label63 + ".com", "a@" + label63 + ".com"},
      {"", ""},
      {"alice", ""},
      {"alice@", ""},
      {"@example.com", ""},
      {"alice@example", ""},
      {"alice@@example.com", ""},
      {"a@b@example.com", ""},
      {"al ice@example.com", ""},
      {".alice@example.com", ""},
      {"alice.@example.com", ""},
      {"al..ice@example.com", ""},
      {"alice@-example.com", ""},
      {"alice@example-.com", ""},
      {"alice@example..com", ""},
      {"alice@.example.com", ""},
      {"alice@example.com.", ""},
      {"alice@exa_mple.com", ""},
      {"\"alice\"@example.com", ""},
      {"alice@example.com\nBcc: x@y.z", ""},
      {"al\xc3\xaf"
       "ce@example.com",
       ""},
      {std::string(65, 'l') + "@example.com", ""},
      {"a@" + std::string(64, 'd') + ".com", ""},
      {"a@" + label63 + "." + label63 + "." + label63 + "." + std::string(61, 'd') + ".com", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.in);
    auto r = normalize_email(c.in);
    if (c.out.empty()) {
      CHECK_ERROR_CODE(r, "invalid_email");
    } else {
      REQUIRE_OK(r);
      CHECK(*r == c.out);
    }
  }
}

TEST_CASE("account input: passwords") {
  CHECK_ERROR_CODE(validate_new_password(""), "weak_password");
  CHECK_ERROR_CODE(validate_new_password("123456789"), "weak_password");
  CHECK_OK(validate_new_password("1234567890"));
  // Characters, not bytes: nine two-byte characters are still too few.
  CHECK_ERROR_CODE(validate_new_password("ééééééééé"), "weak_password");
  CHECK_OK(validate_new_password(std::string(4096, 'x')));
  CHECK_ERROR_CODE(validate_new_password(std::string(4097, 'x')), "password_too_long");
}

}  // namespace
}  // namespace scriptmesh::testing
