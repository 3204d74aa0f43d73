#include "scriptmesh/tenants.hpp"

#include <doctest/doctest.h>

#include <chrono>

#include "accounts_fixture.hpp"

namespace scriptmesh::testing {
namespace {

using std::chrono::hours;

TEST_CASE("tenants: the view shows the plan and its limits") {
  AccountsFixture f;
  Account a = f.sign_up("alice@example.com", "Acme");
  auto view = f.tenants().get(f.principal(a));
  REQUIRE_OK(view);
  CHECK(view->tenant_id == a.ids.tenant_id);
  CHECK(view->name == "Acme");
  CHECK(view->plan == Plan::kStarter);
  CHECK(view->limits.agents == 3);
  CHECK(view->limits.schedules == 5);
  CHECK(view->limits.retention_days == 7);

  auto pro = f.tenants().set_plan(f.principal(a), Plan::kPro);
  REQUIRE_OK(pro);
  CHECK(pro->plan == Plan::kPro);
  CHECK_FALSE(pro->limits.agents.has_value());
  CHECK_FALSE(pro->limits.schedules.has_value());
  CHECK(pro->limits.retention_days == 90);
  auto reread = f.tenants().get(f.principal(a));
  REQUIRE_OK(reread);
  CHECK(reread->plan == Plan::kPro);
}

TEST_CASE("tenants: only an owner changes the plan") {
  AccountsFixture f;
  Account owner = f.sign_up("bob@example.com");
  Account admin = f.add_user(owner, "carol@example.com", UserRole::kAdmin);
  Account member = f.add_user(owner, "dave@example.com", UserRole::kMember);
  CHECK_ERROR_CODE(f.tenants().set_plan(f.principal(admin), Plan::kPro), "insufficient_role");
  CHECK_ERROR_CODE(f.tenants().set_plan(f.principal(member), Plan::kPro), "insufficient_role");
  CHECK_OK(f.tenants().get(f.principal(member)));

  auto narrow = f.api_keys().create(f.principal(owner), {"k", {"jobs:read"}, std::nullopt});
  REQUIRE_OK(narrow);
  auto key = f.auth().authenticate(narrow->key);
  REQUIRE_OK(key);
  CHECK_ERROR_CODE(f.tenants().set_plan(*key, Plan::kPro), "insufficient_scope");
  CHECK_OK(f.tenants().get(*key));
}

TEST_CASE("users: an owner invites, the invitee sets a password through the link") {
  AccountsFixture f;
  Account owner = f.sign_up("frank@example.com", "Frank & Co");
  const Principal op = f.principal(owner);  // outlives the access token it came from
  auto invited = f.users().invite(op, " Gina@Example.com", UserRole::kAdmin);
  REQUIRE_OK(invited);
  CHECK(invited->email == "gina@example.com");
  CHECK(invited->role == UserRole::kAdmin);
  CHECK_FALSE(invited->verified);
  CHECK(invited->tenant_id == owner.ids.tenant_id);

  auto mail = f.email().last_to("gina@example.com");
  REQUIRE(mail.has_value());
  CHECK(mail->text.find("Frank & Co") != std::string::npos);
  CHECK(mail->html.find("Frank &amp; Co") != std::string::npos);
  CHECK(mail->text.find("https://mesh.example.test/invitations/accept?token=") !=
        std::string::npos);
  CHECK(mail->html.find("href=\"https://mesh.example.test/invitations/accept?token=") !=
        std::string::npos);

  // No password yet: no login.
  CHECK_ERROR_CODE(f.accounts().login("gina@example.com", kPassword), "invalid_credentials");
  // The invitation link outlives a reset link's hour.
  f.clock().advance(hours(48));
  REQUIRE_OK(f.accounts().reset_password(f.last_link_token("gina@example.com"), kPassword));
  auto pair = f.accounts().login("gina@example.com", kPassword);
  REQUIRE_OK(pair);
  auto p = f.auth().authenticate(pair->access_token);
  REQUIRE_OK(p);
  CHECK(p->role == "admin");
  CHECK(p->tenant_id == owner.ids.tenant_id);

  CHECK_ERROR_CODE(f.users().invite(op, "gina@example.com", UserRole::kMember), "email_taken");
  CHECK_ERROR_CODE(f.users().invite(op, "nope", UserRole::kMember), "invalid_email");
  CHECK_ERROR_CODE(f.users().invite(*p, "hank@example.com", UserRole::kMember),
                   "insufficient_role");
}

TEST_CASE("users: an invitation link expires") {
  AccountsFixture f;
  Account owner = f.sign_up("ivy@example.com");
  REQUIRE_OK(f.users().invite(f.principal(owner), "jack@example.com", UserRole::kMember));
  f.clock().advance(hours(72));
  CHECK_ERROR_CODE(f.accounts().reset_password(f.last_link_token("jack@example.com"), kPassword),
                   "invalid_reset_token");
}

TEST_CASE("users: list, get, me, change role and remove") {
  AccountsFixture f;
  Account owner = f.sign_up("kate@example.com");
  f.clock().advance(std::chrono::seconds(1));
  Account admin = f.add_user(owner, "liam@example.com", UserRole::kAdmin);
  f.clock().advance(std::chrono::seconds(1));
  Account member = f.add_user(owner, "mia@example.com", UserRole::kMember);

  auto me = f.users().me(f.principal(member));
  REQUIRE_OK(me);
  CHECK(me->email == "mia@example.com");
  CHECK(me->role == UserRole::kMember);
  CHECK(me->verified);

  auto all = f.users().list(f.principal(admin));
  REQUIRE_OK(all);
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].email == "kate@example.com");  // oldest first
  CHECK((*all)[2].email == "mia@example.com");
  CHECK_ERROR_CODE(f.users().list(f.principal(member)), "insufficient_role");
  CHECK_OK(f.users().get(f.principal(admin), member.ids.user_id));

  CHECK_ERROR_CODE(f.users().change_role(f.principal(admin), member.ids.user_id, UserRole::kAdmin),
                   "insufficient_role");
  auto promoted = f.users().change_role(f.principal(owner), member.ids.user_id, UserRole::kAdmin);
  REQUIRE_OK(promoted);
  CHECK(promoted->role == UserRole::kAdmin);
  CHECK_ERROR_CODE(f.users().remove(f.principal(admin), member.ids.user_id), "insufficient_role");
  REQUIRE_OK(f.users().remove(f.principal(owner), member.ids.user_id));
  CHECK_ERROR_CODE(f.users().get(f.principal(owner), member.ids.user_id), "user_not_found");
  CHECK_ERROR_CODE(f.accounts().login("mia@example.com", kPassword), "invalid_credentials");
}

TEST_CASE("users: the last owner cannot be removed or demoted") {
  AccountsFixture f;
  Account owner = f.sign_up("noah@example.com");
  const Principal p = f.principal(owner);
  auto demote = f.users().change_role(p, owner.ids.user_id, UserRole::kAdmin);
  CHECK_ERROR_CODE(demote, "last_owner");
  CHECK(demote.error().category() == ErrorCategory::kFailedPrecondition);
  CHECK_ERROR_CODE(f.users().remove(p, owner.ids.user_id), "last_owner");
  CHECK_OK(f.users().change_role(p, owner.ids.user_id, UserRole::kOwner));  // no change

  // With a second owner, the first may step down.
  Account second = f.add_user(owner, "olga@example.com", UserRole::kOwner);
  REQUIRE_OK(f.users().change_role(p, owner.ids.user_id, UserRole::kMember));
  CHECK(f.principal(owner).role == "member");
  const Principal q = f.principal(second);
  CHECK_ERROR_CODE(f.users().remove(q, second.ids.user_id), "last_owner");
  CHECK_OK(f.users().remove(q, owner.ids.user_id));
}

TEST_CASE("users: another tenant's user is not found") {
  AccountsFixture f;
  Account a = f.sign_up("paul@example.com", "A");
  Account b = f.sign_up("quinn@example.com", "B");
  const Principal pa = f.principal(a);
  CHECK_ERROR_CODE(f.users().get(pa, b.ids.user_id), "user_not_found");
  CHECK_ERROR_CODE(f.users().change_role(pa, b.ids.user_id, UserRole::kMember), "user_not_found");
  CHECK_ERROR_CODE(f.users().remove(pa, b.ids.user_id), "user_not_found");
  auto listed = f.users().list(pa);
  REQUIRE_OK(listed);
  CHECK(listed->size() == 1);
  CHECK_OK(f.auth().authenticate(b.tokens.access_token));
}

}  // namespace
}  // namespace scriptmesh::testing
