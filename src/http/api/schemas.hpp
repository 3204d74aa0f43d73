// JSON Schemas of the REST bodies, for the OpenAPI document. Field names are
// those of docs/roles.md; the handlers in this directory read and write exactly
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
  "password":{"type":"string","minLength":1,"maxLength":4096},
  "session":{"$ref":"#/components/schemas/SessionMode"}}})";

inline constexpr std::string_view kRefreshToken = R"({"type":"object",
 "properties":{
  "refresh_token":{"type":"string","maxLength":512,
   "description":"required unless the request carries the sm_refresh cookie"},
  "session":{"$ref":"#/components/schemas/SessionMode"}}})";

inline constexpr std::string_view kLogoutToken = R"({"type":"object",
 "properties":{
  "refresh_token":{"type":"string","maxLength":512,
   "description":"required unless the request carries the sm_refresh cookie"}}})";

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

inline constexpr std::string_view kCreateAgent = R"({"type":"object",
 "required":["name"],
 "properties":{
  "name":{"type":"string","minLength":1,"maxLength":100},
  "tags":{"type":"array","maxItems":32,"items":{"$ref":"#/components/schemas/Tag"}}}})";

inline constexpr std::string_view kUpdateAgent = R"({"type":"object",
 "minProperties":1,
 "properties":{
  "name":{"type":"string","minLength":1,"maxLength":100},
  "tags":{"type":"array","maxItems":32,"items":{"$ref":"#/components/schemas/Tag"},
          "description":"replaces the agent's tags"}}})";

inline constexpr std::string_view kTriggerJob = R"({"type":"object",
 "required":["script"],
 "description":"Exactly one of agent_id and tags.",
 "properties":{
  "script":{"type":"string","minLength":1,"description":"a script of the agent's manifest"},
  "agent_id":{"type":"string"},
  "tags":{"type":"array","minItems":1,"maxItems":32,"items":{"$ref":"#/components/schemas/Tag"},
          "description":"every agent holding all these tags gets a job"},
  "params":{"type":"object","maxProperties":256,
            "additionalProperties":{"type":"string","maxLength":32768},
            "description":"names match ^[A-Z_][A-Z0-9_]*$; given to the script as environment"},
  "timeout_sec":{"type":"integer","minimum":1,"maximum":86400,
                 "description":"default: the manifest's"},
  "webhook_url":{"type":"string","format":"uri","maxLength":2048,
                 "description":"POSTed the result when the job ends"}}})";

// POST /v1/schedules; the fields are the ScheduleFields component, shared
// with PATCH.
inline constexpr std::string_view kCreateSchedule = R"({"allOf":[
 {"$ref":"#/components/schemas/ScheduleFields"},
 {"type":"object","required":["name","cron","script"],
  "description":"Exactly one of agent_id and tags."}]})";

inline constexpr std::string_view kUpdateSchedule = R"({"allOf":[
 {"$ref":"#/components/schemas/ScheduleFields"},
 {"type":"object","minProperties":1,
  "description":"Only the fields given change; agent_id replaces tags and tags replace agent_id."}]})";

// --- responses ---

inline constexpr std::string_view kRegistered = R"({"type":"object",
 "required":["user_id","tenant_id"],
 "properties":{"user_id":{"type":"string"},"tenant_id":{"type":"string"}}})";

inline constexpr std::string_view kVerified = R"({"type":"object",
 "properties":{"verified":{"type":"boolean"}}})";

inline constexpr std::string_view kAccepted = R"({"type":"object",
 "properties":{"status":{"type":"string","const":"accepted"}}})";

inline constexpr std::string_view kHeartbeatHistoryRef =
    R"({"$ref":"#/components/schemas/HeartbeatHistory"})";
inline constexpr std::string_view kSsoExchange = R"({"type":"object",
 "required":["code"],
 "properties":{"code":{"type":"string","minLength":1,"maxLength":128,
  "description":"the code of the /sso/complete?code= redirect; valid 60 s, single use"}}})";

inline constexpr std::string_view kSsoProviders = R"({"type":"object",
 "required":["providers"],
 "properties":{"providers":{"type":"array",
  "description":"the sign-in providers configured; empty when none is",
  "items":{"type":"object","required":["id","name","start_url"],
   "properties":{
    "id":{"type":"string","enum":["microsoft"]},
    "name":{"type":"string","description":"what the button says, e.g. Microsoft"},
    "start_url":{"type":"string","description":"path to send the browser to"}}}}}})";

inline constexpr std::string_view kSsoLinkStarted = R"({"type":"object",
 "required":["authorize_url"],
 "properties":{"authorize_url":{"type":"string","format":"uri",
  "description":"send the browser here; it comes back through the callback"}}})";

inline constexpr std::string_view kTokenPairRef = R"({"$ref":"#/components/schemas/TokenPair"})";
inline constexpr std::string_view kMeRef = R"({"$ref":"#/components/schemas/Me"})";
inline constexpr std::string_view kTenantRef = R"({"$ref":"#/components/schemas/Tenant"})";
inline constexpr std::string_view kUserRef = R"({"$ref":"#/components/schemas/User"})";
inline constexpr std::string_view kCreatedApiKeyRef =
    R"({"$ref":"#/components/schemas/CreatedApiKey"})";

inline constexpr std::string_view kAgentRef = R"({"$ref":"#/components/schemas/Agent"})";
inline constexpr std::string_view kCreatedAgentRef =
    R"({"$ref":"#/components/schemas/CreatedAgent"})";
inline constexpr std::string_view kJobRef = R"({"$ref":"#/components/schemas/Job"})";

inline constexpr std::string_view kAgentList = R"({"type":"object",
 "required":["agents"],
 "properties":{"agents":{"type":"array","items":{"$ref":"#/components/schemas/Agent"}}}})";

inline constexpr std::string_view kWebhookSecret = R"({"type":"object",
  "required":["secret"],
  "properties":{"secret":{"type":"string","pattern":"^whsec_[A-Za-z0-9_-]{43}$"}}})";
inline constexpr std::string_view kAgentKey = R"({"type":"object",
 "required":["id","key"],
 "properties":{
  "id":{"type":"string"},
  "key":{"type":"string","description":"sm_agent_..., shown this once"}}})";

inline constexpr std::string_view kJobStatus = R"({"$ref":"#/components/schemas/JobStatus"})";

inline constexpr std::string_view kTriggered = R"({"oneOf":[
 {"type":"object","required":["job_id"],"description":"a trigger with agent_id",
  "properties":{
   "job_id":{"type":"string"},
   "status":{"$ref":"#/components/schemas/JobStatus"},
   "replayed":{"type":"boolean","description":"an earlier trigger with this Idempotency-Key made it"}}},
 {"type":"object","required":["group_id","jobs"],"description":"a trigger with tags",
  "properties":{
   "group_id":{"type":"string"},
   "jobs":{"type":"array","items":{"type":"object","required":["agent_id","job_id"],
     "properties":{"agent_id":{"type":"string"},"job_id":{"type":"string"}}}},
   "replayed":{"type":"boolean"}}}]})";

inline constexpr std::string_view kJobList = R"({"type":"object",
 "required":["jobs","next_cursor"],
 "properties":{
  "jobs":{"type":"array","items":{"$ref":"#/components/schemas/Job"}},
  "next_cursor":{"type":["string","null"],"description":"null on the last page"}}})";

inline constexpr std::string_view kOutputBytes = R"({"type":"string","format":"binary",
 "description":"the stream's bytes exactly as the script wrote them"})";

inline constexpr std::string_view kScheduleRef = R"({"$ref":"#/components/schemas/Schedule"})";

inline constexpr std::string_view kScheduleList = R"({"type":"object",
 "required":["schedules"],
 "properties":{"schedules":{"type":"array","items":{"$ref":"#/components/schemas/Schedule"}}}})";

inline constexpr std::string_view kScheduleEventList = R"({"type":"object",
 "required":["events"],
 "properties":{"events":{"type":"array","items":{"type":"object",
  "required":["type","due_at","at"],
  "properties":{
   "type":{"type":"string","enum":["fired","missed","caught_up","skipped"]},
   "due_at":{"type":"string","format":"date-time","description":"the due time it is about"},
   "at":{"type":"string","format":"date-time","description":"when it was recorded"},
   "job_id":{"type":["string","null"],"description":"the job started, for fired and caught_up"},
   "agent_id":{"type":["string","null"]},
   "detail":{"type":["string","null"],
             "description":"why a run was skipped: overlap, or the trigger's error"}}}}}})";

inline constexpr std::string_view kCronRuns = R"({"type":"object",
 "required":["runs"],
 "properties":{"runs":{"type":"array","items":{"type":"string","format":"date-time"},
  "description":"ascending, RFC 3339 UTC"}}})";

inline constexpr std::string_view kUserList = R"({"type":"object",
 "required":["users"],
 "properties":{"users":{"type":"array","items":{"$ref":"#/components/schemas/User"}}}})";

inline constexpr std::string_view kApiKeyList = R"({"type":"object",
 "required":["api_keys"],
 "properties":{"api_keys":{"type":"array","items":{"$ref":"#/components/schemas/ApiKey"}}}})";

inline constexpr std::string_view kCreateIntegration = R"({"allOf":[
 {"$ref":"#/components/schemas/IntegrationFields"},
 {"type":"object","required":["type","name","config","events"],
  "properties":{"type":{"$ref":"#/components/schemas/IntegrationType"}}}]})";

inline constexpr std::string_view kUpdateIntegration =
    R"({"$ref":"#/components/schemas/IntegrationFields"})";

inline constexpr std::string_view kIntegrationRef =
    R"({"$ref":"#/components/schemas/Integration"})";

inline constexpr std::string_view kIntegrationList = R"({"type":"object",
 "required":["integrations"],
 "properties":{"integrations":{"type":"array","items":{"$ref":"#/components/schemas/Integration"}}}})";

inline constexpr std::string_view kIntegrationTest = R"({"type":"object",
 "required":["delivered","status_code","error"],
 "properties":{
  "delivered":{"type":"boolean","description":"the receiver answered 2xx"},
  "status_code":{"type":["integer","null"]},
  "error":{"type":"string","description":"why it was not delivered; empty when it was"}}})";

inline constexpr std::string_view kDeliveryList = R"({"type":"object",
 "required":["deliveries"],
 "properties":{"deliveries":{"type":"array","items":{"type":"object",
  "required":["id","event_id","event_type","status","attempts","created_at","attempt_history"],
  "properties":{
   "id":{"type":"string","description":"sent as X-ScriptMesh-Delivery by webhooks"},
   "event_id":{"type":"string"},
   "event_type":{"type":"string"},
   "status":{"type":"string","enum":["pending","in_flight","succeeded","failed"],
             "description":"failed includes given up after the last attempt"},
   "attempts":{"type":"integer"},
   "last_status_code":{"type":["integer","null"]},
   "last_error":{"type":"string"},
   "next_attempt_at":{"type":["string","null"],"format":"date-time",
                      "description":"the next retry, while pending"},
   "created_at":{"type":"string","format":"date-time"},
   "attempt_history":{"type":"array","description":"newest first, at most 20",
    "items":{"type":"object","required":["attempt","status","status_code","error","at"],
     "properties":{
      "attempt":{"type":"integer"},
      "status":{"type":"string","description":"what the delivery became after it"},
      "status_code":{"type":["integer","null"]},
      "error":{"type":"string"},
      "at":{"type":"string","format":"date-time"}}}}}}}}})";

}  // namespace scriptmesh::http::api::schema

namespace scriptmesh::http::api {

// The shared shapes above refer to: Role, Scope, TokenPair, Me, Tenant, User,
// ApiKey, CreatedApiKey, Tag, Agent, CreatedAgent, JobStatus, Job, CatchUp,
// Overlap, ScheduleFields, Schedule (name -> JSON Schema text).
std::map<std::string, std::string> component_schemas();

}  // namespace scriptmesh::http::api
