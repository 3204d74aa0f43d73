# Installs headers, the static libraries, the binaries and a package config so
# a host can `find_package(scriptmesh CONFIG REQUIRED)` and link scriptmesh::core.
# tests/CMakeLists.txt proves it by building tests/install_consumer against the
# installed tree.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(scriptmesh_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/scriptmesh")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/scriptmesh" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS scriptmesh_core scriptmesh_http
        EXPORT scriptmesh-targets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS scriptmesh-orchestrator scriptmesh-agent RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(EXPORT scriptmesh-targets NAMESPACE scriptmesh:: DESTINATION "${scriptmesh_cmake_dir}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/scriptmeshConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/scriptmeshConfig.cmake"
                              INSTALL_DESTINATION "${scriptmesh_cmake_dir}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/scriptmeshConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/scriptmeshConfig.cmake"
              "${PROJECT_BINARY_DIR}/scriptmeshConfigVersion.cmake"
        DESTINATION "${scriptmesh_cmake_dir}")

# Swagger UI for /docs, from the npm package make deps installs (not vendored).
set(swagger_ui_dist "${PROJECT_SOURCE_DIR}/node_modules/swagger-ui-dist")
if(EXISTS "${swagger_ui_dist}/swagger-ui-bundle.js")
  install(FILES "${swagger_ui_dist}/swagger-ui.css" "${swagger_ui_dist}/swagger-ui-bundle.js"
                "${swagger_ui_dist}/swagger-ui-standalone-preset.js" "${swagger_ui_dist}/favicon-32x32.png"
                "${swagger_ui_dist}/LICENSE" "${swagger_ui_dist}/NOTICE"
          DESTINATION "${CMAKE_INSTALL_DATADIR}/scriptmesh/swagger-ui")
endif()
