#include "openapi_command.hpp"

#include <cstdio>
#include <string>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "scriptmesh/route_docs.hpp"

namespace scriptmesh::app {

bool RouteDocCommands::parsed() const {
  return (openapi != nullptr && openapi->parsed()) || (routes != nullptr && routes->parsed());
}

void add_route_doc_commands(CLI::App& app, RouteDocCommands& commands) {
  commands.openapi =
      app.add_subcommand("openapi", "Print the OpenAPI 3.1 document that /openapi.json serves");
  commands.routes = app.add_subcommand(
      "routes", "Print every route with its minimum role, API-key scope and rate-limit class");
  commands.routes->add_flag("--markdown", commands.markdown,
                            "Print docs/roles.md (Markdown) instead of plain columns");
}

int run_route_doc_command(const RouteDocCommands& commands) {
  RouteDocFormat format = commands.openapi->parsed() ? RouteDocFormat::kOpenApi
                          : commands.markdown        ? RouteDocFormat::kMarkdown
                                                     : RouteDocFormat::kText;
  auto text = describe_routes(format);
  if (!text.ok()) {
    fmt::print(stderr, "cannot describe the routes: {}\n", text.error().to_string());
    return 1;
  }
  std::fwrite(text->data(), 1, text->size(), stdout);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    fmt::print(stderr, "cannot write to stdout\n");
    return 1;
  }
  return 0;
}

}  // namespace scriptmesh::app
