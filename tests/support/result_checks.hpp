// doctest helpers for Result<T>: failures print the Error's code and message.
#pragma once

#include <doctest/doctest.h>

#include "scriptmesh/result.hpp"

// Requires `expr` (a Result) to be ok; on failure prints its error.
#define REQUIRE_OK(expr)                                                          \
  do {                                                                            \
    const auto& scriptmesh_check_ = (expr);                                       \
    INFO((scriptmesh_check_.ok() ? std::string() : scriptmesh_check_.error().to_string())); \
    REQUIRE(scriptmesh_check_.ok());                                              \
  } while (false)

#define CHECK_OK(expr)                                                            \
  do {                                                                            \
    const auto& scriptmesh_check_ = (expr);                                       \
    INFO((scriptmesh_check_.ok() ? std::string() : scriptmesh_check_.error().to_string())); \
    CHECK(scriptmesh_check_.ok());                                                \
  } while (false)

// Checks that `expr` failed with the machine code `code_str`.
#define CHECK_ERROR_CODE(expr, code_str)                       \
  do {                                                         \
    const auto& scriptmesh_check_ = (expr);                    \
    REQUIRE_FALSE(scriptmesh_check_.ok());                     \
    CHECK(scriptmesh_check_.error().code() == (code_str));     \
  } while (false)
