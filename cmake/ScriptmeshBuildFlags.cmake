# One interface target carries the project's warning and sanitizer flags; every
# ScriptMesh target links it privately, so nothing leaks to a host project.
add_library(scriptmesh_build_flags INTERFACE)
target_compile_features(scriptmesh_build_flags INTERFACE cxx_std_20)
target_compile_options(scriptmesh_build_flags INTERFACE -Wall -Wextra -Wpedantic)
# GCC 12's libstdc++ inlines std::string concatenation into memcpy calls that
# its own -Wrestrict check misreads at -O2/-O3 (GCC bug 105329, fixed in 13):
# every `"x" + str` in an optimised build is reported. The check is kept on
# every other compiler.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(scriptmesh_build_flags INTERFACE -Wno-restrict)
endif()
if(SCRIPTMESH_WERROR)
  target_compile_options(scriptmesh_build_flags INTERFACE -Werror)
endif()
if(SCRIPTMESH_SANITIZE)
  set(scriptmesh_sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined
                                -fno-omit-frame-pointer)
  target_compile_options(scriptmesh_build_flags INTERFACE ${scriptmesh_sanitize_flags})
  target_link_options(scriptmesh_build_flags INTERFACE ${scriptmesh_sanitize_flags})
endif()
set(CMAKE_CXX_EXTENSIONS OFF)

# Links a target to the flags above without exporting the dependency.
function(scriptmesh_apply_build_flags target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:scriptmesh_build_flags>)
endfunction()
