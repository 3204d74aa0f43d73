# The web dashboard (web/): `vite build` into <build>/web/dist, where a build
# tree's orchestrator finds it (src/http/web_routes.hpp), installed to
# <prefix>/share/scriptmesh/web. Its npm packages come from web/package-lock.json,
# installed by scripts/install-deps.sh (make deps); nothing built is committed.
#
# Target scriptmesh_web (part of ALL): type-checks with tsc, then bundles.
find_program(SCRIPTMESH_NODE NAMES node nodejs)
set(scriptmesh_web_src "${PROJECT_SOURCE_DIR}/web")
set(scriptmesh_web_dist "${PROJECT_BINARY_DIR}/web/dist")

if(NOT SCRIPTMESH_NODE)
  message(WARNING "node not found: the web dashboard is not built (run scripts/install-deps.sh); "
                  "the orchestrator will serve the API only")
  return()
endif()

file(GLOB_RECURSE scriptmesh_web_sources CONFIGURE_DEPENDS "${scriptmesh_web_src}/src/*"
     "${scriptmesh_web_src}/public/*")
list(APPEND scriptmesh_web_sources "${scriptmesh_web_src}/index.html" "${scriptmesh_web_src}/vite.config.ts"
     "${scriptmesh_web_src}/tsconfig.json" "${scriptmesh_web_src}/package-lock.json")

add_custom_command(
  OUTPUT "${scriptmesh_web_dist}/index.html"
  COMMAND ${CMAKE_COMMAND} -DNODE=${SCRIPTMESH_NODE} -DWEB_DIR=${scriptmesh_web_src}
          -DOUT_DIR=${scriptmesh_web_dist} -P "${PROJECT_SOURCE_DIR}/cmake/ScriptmeshWebBuild.cmake"
  DEPENDS ${scriptmesh_web_sources} "${PROJECT_SOURCE_DIR}/cmake/ScriptmeshWebBuild.cmake"
  COMMENT "Building the web dashboard (tsc, vite build)"
  VERBATIM)
add_custom_target(scriptmesh_web ALL DEPENDS "${scriptmesh_web_dist}/index.html")

if(SCRIPTMESH_INSTALL)
  install(DIRECTORY "${scriptmesh_web_dist}/" DESTINATION "${CMAKE_INSTALL_DATADIR}/scriptmesh/web"
          OPTIONAL)
endif()
