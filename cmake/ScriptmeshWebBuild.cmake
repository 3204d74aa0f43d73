# cmake -DNODE=... -DWEB_DIR=... -DOUT_DIR=... -P ScriptmeshWebBuild.cmake
# Type-checks and bundles the dashboard; says what to do when its npm
# packages are missing instead of failing with a module-not-found trace.
foreach(tool "typescript/bin/tsc" "vite/bin/vite.js")
  if(NOT EXISTS "${WEB_DIR}/node_modules/${tool}")
    message(FATAL_ERROR "web/node_modules/${tool} is missing: run scripts/install-deps.sh "
                        "(make deps), which runs `npm ci` in web/")
  endif()
endforeach()
execute_process(COMMAND "${NODE}" node_modules/typescript/bin/tsc --noEmit
                WORKING_DIRECTORY "${WEB_DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the web dashboard does not type-check (tsc)")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env "SCRIPTMESH_WEB_OUT_DIR=${OUT_DIR}"
                        "${NODE}" node_modules/vite/bin/vite.js build --logLevel warn
                WORKING_DIRECTORY "${WEB_DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "vite build failed")
endif()
