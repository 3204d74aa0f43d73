#include "http/api/schemas.hpp"

namespace scriptmesh::http::api {

std::map<std::string, std::string> component_schemas() {
  return {
      {"Role", R"({"type":"string","enum":["owner","admin","member"]})"},
      {"Scope", R"({"type":"string","enum":["jobs:read","jobs:write","agents:read",
        "agents:write","schedules:read","schedules:write","integrations:read",
        "integrations:write","admin"]})"},
      {"TokenPair", R"({"type":"object",
        "required":["access_token","refresh_token","token_type","expires_in"],
        "properties":{
         "access_token":{"type":"string","description":"HS256 JWT"},
         "refresh_token":{"type":"string","description":"opaque, single use"},
         "token_type":{"type":"string","const":"Bearer"},
         "expires_in":{"type":"integer","description":"seconds the access token is valid"}}})"},
      {"Me", R"({"type":"object",
        "required":["user_id","email","tenant_id","role"],
        "properties":{
         "user_id":{"type":"string"},
         "email":{"type":"string","format":"email"},
         "tenant_id":{"type":"string"},
         "role":{"$ref":"#/components/schemas/Role"},
         "credential_kind":{"type":"string","enum":["access_token","api_key"]},
         "api_key_id":{"type":"string","description":"with an API key only"},
         "scopes":{"type":"array","items":{"$ref":"#/components/schemas/Scope"},
                   "description":"with an API key only"}}})"},
      {"Tenant", R"({"type":"object",
        "required":["tenant_id","name","plan","limits"],
        "properties":{
         "tenant_id":{"type":"string"},
         "name":{"type":"string"},
         "plan":{"type":"string","enum":["starter","pro"]},
         "limits":{"type":"object",
          "required":["agents","schedules","retention_days"],
          "properties":{
           "agents":{"type":["integer","null"],"description":"null = unlimited"},
           "schedules":{"type":["integer","null"],"description":"null = unlimited"},
           "retention_days":{"type":"integer"}}}}})"},
      {"User", R"({"type":"object",
        "required":["user_id","tenant_id","email","role","verified","created_at"],
        "properties":{
         "user_id":{"type":"string"},
         "tenant_id":{"type":"string"},
         "email":{"type":"string","format":"email"},
         "role":{"$ref":"#/components/schemas/Role"},
         "verified":{"type":"boolean"},
         "created_at":{"type":"string","format":"date-time"}}})"},
      {"ApiKey", R"({"type":"object",
        "required":["id","name","prefix","scopes","user_id","created_at"],
        "properties":{
         "id":{"type":"string"},
         "name":{"type":"string"},
         "prefix":{"type":"string","description":"the key's first characters"},
         "scopes":{"type":"array","items":{"$ref":"#/components/schemas/Scope"}},
         "user_id":{"type":"string","description":"who created it"},
         "created_at":{"type":"string","format":"date-time"},
         "expires_at":{"type":["string","null"],"format":"date-time"},
         "last_used_at":{"type":["string","null"],"format":"date-time"},
         "revoked_at":{"type":["string","null"],"format":"date-time"}}})"},
      {"CreatedApiKey", R"({"allOf":[{"$ref":"#/components/schemas/ApiKey"},
        {"type":"object","required":["key"],
         "properties":{"key":{"type":"string","description":"sm_live_..., shown this once"}}}]})"},
  };
}

}  // namespace scriptmesh::http::api
