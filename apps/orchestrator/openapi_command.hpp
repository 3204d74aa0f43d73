// `scriptmesh-orchestrator openapi` and `scriptmesh-orchestrator routes`:
// print what the server's route table documents, without starting a server.
//
//   openapi             the OpenAPI 3.1 document GET /openapi.json serves
//   routes              method, path, minimum role, scope, rate class, name
//   routes --markdown   docs/roles.md (the openapi/roles_doc test diffs it)
#pragma once

namespace CLI {
class App;
}

namespace scriptmesh::app {

struct RouteDocCommands {
  CLI::App* openapi = nullptr;
  CLI::App* routes = nullptr;
  bool markdown = false;

  // True when the command line chose one of the two.
  bool parsed() const;
};

// Registers both subcommands on `app`; `commands` must outlive parsing.
void add_route_doc_commands(CLI::App& app, RouteDocCommands& commands);

// Prints the chosen output to stdout. 0 on success, 1 when the table cannot be
// built or stdout cannot be written.
int run_route_doc_command(const RouteDocCommands& commands);

}  // namespace scriptmesh::app
