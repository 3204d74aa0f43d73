# Every third-party package comes from Debian (see scripts/install-deps.sh);
# nothing is vendored or downloaded at configure time.
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json)
find_package(fmt REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(date CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(sodium REQUIRED IMPORTED_TARGET GLOBAL libsodium)
# RE2 checks manifest parameter patterns in linear time with bounded memory.
pkg_check_modules(re2 REQUIRED IMPORTED_TARGET GLOBAL re2)
if(SCRIPTMESH_BUILD_TESTS)
  find_package(doctest CONFIG REQUIRED)
endif()
