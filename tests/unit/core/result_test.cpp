#include "scriptmesh/result.hpp"

#include <doctest/doctest.h>

#include <string>

namespace scriptmesh {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Error::invalid_argument("not_positive", "value must be positive");
  return v;
}

Result<int> doubled(int v) {
  auto r = parse_positive(v);
  SCRIPTMESH_RETURN_IF_ERROR(r);
  return *r * 2;
}

TEST_CASE("Result holds a value or an error, never both") {
  auto ok = parse_positive(4);
  REQUIRE(ok.ok());
  CHECK(*ok == 4);

  auto bad = parse_positive(-1);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code() == "not_positive");
  CHECK(bad.error().category() == ErrorCategory::kInvalidArgument);
  CHECK(bad.error().to_string() == "not_positive: value must be positive");
}

TEST_CASE("SCRIPTMESH_RETURN_IF_ERROR propagates the first error") {
  CHECK(*doubled(3) == 6);
  auto r = doubled(0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == "not_positive");
}

TEST_CASE("Result<void> and category names") {
  Result<void> good = ok_result();
  CHECK(good.ok());
  Result<void> bad = Error::resource_exhausted("plan_limit_reached", "starter allows 3 agents");
  CHECK_FALSE(bad.ok());
  CHECK(error_category_name(bad.error().category()) == "resource_exhausted");
  CHECK(error_category_name(ErrorCategory::kFailedPrecondition) == "failed_precondition");
}

}  // namespace
}  // namespace scriptmesh
