#include "scriptmesh/log.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

namespace scriptmesh {
namespace {

TEST_CASE("logfmt: plain and quoted values") {
  std::string line = format_logfmt("2026-11-26T10:00:00.000Z", LogLevel::kInfo, "server listening",
                                   {{"listen", "127.0.0.1:8080"}, {"n", 3}});
  CHECK(
      line ==
      R"(ts=2026-11-26T10:00:00.000Z level=info msg="server listening" listen=127.0.0.1:8080 n=3)");
}

TEST_CASE("logfmt: a value cannot forge another line or field") {
  std::string line =
      format_logfmt("t", LogLevel::kWarn, "m", {{"path", "/x\nts=1 level=error msg=\"forged\""}});
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line == R"(ts=t level=warn msg=m path="/x\nts=1 level=error msg=\"forged\"")");
  CHECK(format_logfmt("t", LogLevel::kError, "", {{"k", ""}, {"c", std::string("\x01", 1)}}) ==
        R"(ts=t level=error msg="" k="" c="\x01")");
}

TEST_CASE("logger: threshold drops lower levels, lines are whole") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  auto logger = make_logfmt_logger(f, LogLevel::kWarn);
  logger->info("hidden");
  logger->warn("shown", {{"a", "b"}});
  std::rewind(f);
  char buf[512] = {};
  std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  std::string out(buf, n);
  CHECK(out.find("hidden") == std::string::npos);
  CHECK(out.find("level=warn msg=shown a=b\n") != std::string::npos);

  LogLevel l = LogLevel::kInfo;
  CHECK(parse_log_level("debug", l));
  CHECK(l == LogLevel::kDebug);
  CHECK_FALSE(parse_log_level("verbose", l));
}

}  // namespace
}  // namespace scriptmesh
