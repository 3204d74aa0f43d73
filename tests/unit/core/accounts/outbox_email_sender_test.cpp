#include "scriptmesh/email.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <boost/json.hpp>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::testing {
namespace {

std::vector<boost::json::object> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<boost::json::object> out;
  std::string line;
  while (std::getline(in, line)) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(v.is_object());
    out.push_back(v.as_object());
  }
  return out;
}

TEST_CASE("outbox: each message is one JSON line, in a directory it creates") {
  TempDir dir;
  FakeClock clock;
  const auto path = dir / "nested" / "var" / "outbox.jsonl";
  auto sender = make_outbox_email_sender(path, clock);
  REQUIRE_OK(sender->send({"a@example.com", "Hello", "line one\nline \"two\"", "<p>hi</p>"}));
  clock.advance(std::chrono::seconds(61));
  REQUIRE_OK(sender->send({"b@example.com", "Ünïcode ✓", "text", ""}));

  auto lines = read_lines(path);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].at("to").as_string() == "a@example.com");
  CHECK(lines[0].at("subject").as_string() == "Hello");
  CHECK(lines[0].at("text").as_string() == "line one\nline \"two\"");
  CHECK(lines[0].at("html").as_string() == "<p>hi</p>");
  CHECK(lines[0].at("sent_at").as_string() == "2026-11-26T10:00:00Z");
  CHECK(lines[1].at("subject").as_string() == "Ünïcode ✓");
  CHECK(lines[1].at("html").as_string() == "");
  CHECK(lines[1].at("sent_at").as_string() == "2026-11-26T10:01:01Z");

  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("outbox: concurrent senders never interleave lines") {
  TempDir dir;
  const auto path = dir / "outbox.jsonl";
  auto sender = make_outbox_email_sender(path);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string body(1000 + i, static_cast<char>('a' + t));
        CHECK(sender->send({"x@example.com", "s", body, body}).ok());
      }
    });
  }
  for (auto& th : threads)
    th.join();
  CHECK(read_lines(path).size() == 100);
}

TEST_CASE("outbox: an unwritable path answers email_failed") {
  TempDir dir;
  { std::ofstream blocker(dir / "file"); }
  auto sender = make_outbox_email_sender(dir / "file" / "outbox.jsonl");
  auto r = sender->send({"a@example.com", "s", "secret 123456", ""});
  CHECK_ERROR_CODE(r, "email_failed");
  CHECK(r.error().category() == ErrorCategory::kUnavailable);
  CHECK(r.error().message().find("123456") == std::string::npos);
}

}  // namespace
}  // namespace scriptmesh::testing
