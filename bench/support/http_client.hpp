// A small synchronous HTTP/1.1 client for 127.0.0.1 that keeps its
// connection alive between requests, as a busy API user would. Each
// benchmark thread owns one; no Beast type shows here.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scriptmesh::bench {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named `name` (case-insensitive); "" when absent.
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  // `timeout` bounds each connect and each whole request.
  HttpClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(120));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request on the open connection (opening one when needed) and
  // reads the whole response (bodies up to 64 MiB). `bearer` non-empty adds
  // "Authorization: Bearer <bearer>"; a non-empty body is sent as JSON.
  // A connection the server closed while idle is reopened once; any other
  // I/O failure throws BenchError.
  HttpResponse request(std::string_view method, std::string_view target, std::string_view body = {},
                       std::string_view bearer = {});

  // Connections opened so far (1 when keep-alive held throughout).
  int connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh::bench
