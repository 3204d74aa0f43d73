// JSON Schemas of the REST bodies, for the OpenAPI document. Field names are
// those of API.md; the handlers in this directory read and write exactly
// these. Shared shapes are components ("#/components/schemas/<name>", see
// api_component_schemas()); one-off request bodies are written inline.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace scriptmesh::http::api::schema {

// --- requests ---

inline constexpr std::string_view kRegister = R"({"type":"object",
 "required":["email","password","tenant_name"],
 "properties":{
  "email":{"type":"string","format":"email","maxLength":254},
  "password":{"type":"string","minLength":10,"maxLength":4096,
              "description":"at least 10 characters"},
  "tenant_name":{"type":"string","minLength":1,"maxLength":100}}})";

inline constexpr std::string_view kVerify = R"({"type":"object",
 "required":["email","code"],
 "properties":{
  "email":{"type":"string","format":"email"},
  "code":{"type":"string","pattern":"^[0-9]{6}$","description":"the e-mailed 6-digit code"}}})";

inline constexpr std::string_view kEmailOnly = R"({"type":"object",
 "required":["email"],
 "properties":{"email":{"type":"string","format":"email"}}})";

inline constexpr std::string_view kLogin = R"({"type":"object",
 "required":["email","password"],
 "properties":{
  "email":{"type":"string","format":"email"},
  "password":{"type":"string","minLength":1,"maxLength":4096}}})";

inline constexpr std::string_view kRefreshToken = R"({"type":"object",
 "required":["refresh_token"],
 "properties":{"refresh_token":{"type":"string","maxLength":512}}})";

inline constexpr std::string_view kReset = R"({"type":"object",
 "required":["token","new_password"],
 "properties":{
  "token":{"type":"string","maxLength":512,"description":"from the e-mailed link"},
  "new_password":{"type":"string","minLength":10,"maxLength":4096}}})";

inline constexpr std::string_view kSetPlan = R"({"type":"object",
 "required":["plan"],
 "properties":{"plan":{"type":"string","enum":["starter","pro"]}}})";

inline constexpr std::string_view kInviteUser = R"({"type":"object",
 "required":["email"],
 "properties":{
  "email":{"type":"string","format":"email"},
  "role":{"$ref":"#/components/schemas/Role","description":"default member"}}})";

inline constexpr std::string_view kUpdateUser = R"({"type":"object",
 "required":["role"],
 "properties":{"role":{"$ref":"#/components/schemas/Role"}}})";

inline constexpr std::string_view kCreateApiKey = R"({"type":"object",
 "required":["name","scopes"],
 "properties":{
  "name":{"type":"string","minLength":1,"maxLength":100},
  "scopes":{"type":"array","minItems":1,"maxItems":32,
            "items":{"$ref":"#/components/schemas/Scope"}},
  "expires_at":{"type":"string","format":"date-time","description":"in the future; omit for never"}}})";

// --- responses ---

inline constexpr std::string_view kRegistered = R"({"type":"object",
 "required":["user_id","tenant_id"],
 "properties":{"user_id":{"type":"string"},"tenant_id":{"type":"string"}}})";

inline constexpr std::string_view kVerified = R"({"type":"object",
 "properties":{"verified":{"type":"boolean"}}})";

inline constexpr std::string_view kAccepted = R"({"type":"object",
 "properties":{"status":{"type":"string","const":"accepted"}}})";

inline constexpr std::string_view kTokenPairRef = R"({"$ref":"#/components/schemas/TokenPair"})";
inline constexpr std::string_view kMeRef = R"({"$ref":"#/components/schemas/Me"})";
inline constexpr std::string_view kTenantRef = R"({"$ref":"#/components/schemas/Tenant"})";
inline constexpr std::string_view kUserRef = R"({"$ref":"#/components/schemas/User"})";
inline constexpr std::string_view kCreatedApiKeyRef =
    R"({"$ref":"#/components/schemas/CreatedApiKey"})";

inline constexpr std::string_view kUserList = R"({"type":"object",
 "required":["users"],
 "properties":{"users":{"type":"array","items":{"$ref":"#/components/schemas/User"}}}})";

inline constexpr std::string_view kApiKeyList = R"({"type":"object",
 "required":["api_keys"],
 "properties":{"api_keys":{"type":"array","items":{"$ref":"#/components/schemas/ApiKey"}}}})";

}  // namespace scriptmesh::http::api::schema

namespace scriptmesh::http::api {

// The shared shapes above refer to: Role, Scope, TokenPair, Me, Tenant, User,
// ApiKey, CreatedApiKey (name -> JSON Schema text).
std::map<std::string, std::string> component_schemas();

}  // namespace scriptmesh::http::api
