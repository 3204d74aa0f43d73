// Accounts and sessions: register, verify, login, refresh, logout, password
// reset. All public routes; AccountService does the work and keeps the
// answers uniform where they could reveal whether an address has an account.
#include <boost/json/object.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/accounts.hpp"
#include "scriptmesh/password.hpp"

namespace scriptmesh::http::api {
namespace {

// Longer than any valid address (254) so the service, not the parser, names
// the problem ("invalid_email") for a merely long one.
constexpr std::size_t kMaxEmailBytes = 320;
constexpr std::size_t kMaxTenantNameBytes = 400;
constexpr std::size_t kMaxCodeBytes = 16;
constexpr std::size_t kMaxTokenBytes = 512;

boost::json::object token_pair_json(const TokenPair& pair) {
  return {{"access_token", pair.access_token},
          {"refresh_token", pair.refresh_token},
          {"token_type", pair.token_type},
          {"expires_in", pair.expires_in}};
}

// Runs `read` over the parsed body, then `act` over what it read.
template <typename Read, typename Act>
Response with_body(const Request& request, Read read, Act act) {
  return respond([&]() -> Result<Response> {
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto input = read(*body);
    SCRIPTMESH_RETURN_IF_ERROR(input);
    return act(*input);
  }());
}

Result<std::string> read_email(const boost::json::object& body) {
  return required_string(body, "email", kMaxEmailBytes);
}

}  // namespace

Response register_account(ApiServices& s, const Request& request, RequestContext&) {
  struct Input {
    std::string email, password, tenant_name;
  };
  auto read = [](const boost::json::object& body) -> Result<Input> {
    auto email = read_email(body);
    SCRIPTMESH_RETURN_IF_ERROR(email);
    auto password = required_string(body, "password", kMaxPasswordBytes);
    SCRIPTMESH_RETURN_IF_ERROR(password);
    auto tenant_name = required_string(body, "tenant_name", kMaxTenantNameBytes);
    SCRIPTMESH_RETURN_IF_ERROR(tenant_name);
    return Input{std::move(*email), std::move(*password), std::move(*tenant_name)};
  };
  return with_body(request, read, [&](const Input& in) -> Result<Response> {
    auto created = s.accounts.register_account(in.email, in.password, in.tenant_name);
    SCRIPTMESH_RETURN_IF_ERROR(created);
    return json_response(201, boost::json::object{{"user_id", created->user_id.str()},
                                                  {"tenant_id", created->tenant_id.str()}});
  });
}

Response verify_email(ApiServices& s, const Request& request, RequestContext&) {
  struct Input {
    std::string email, code;
  };
  auto read = [](const boost::json::object& body) -> Result<Input> {
    auto email = read_email(body);
    SCRIPTMESH_RETURN_IF_ERROR(email);
    auto code = required_string(body, "code", kMaxCodeBytes);
    SCRIPTMESH_RETURN_IF_ERROR(code);
    return Input{std::move(*email), std::move(*code)};
  };
  return with_body(request, read, [&](const Input& in) -> Result<Response> {
    SCRIPTMESH_RETURN_IF_ERROR(s.accounts.verify(in.email, in.code));
    return json_response(200, boost::json::object{{"verified", true}});
  });
}

Response resend_verification(ApiServices& s, const Request& request, RequestContext&) {
  return with_body(request, read_email, [&](const std::string& email) -> Result<Response> {
    SCRIPTMESH_RETURN_IF_ERROR(s.accounts.resend_verification(email));
    return json_response(202, boost::json::object{{"status", "accepted"}});
  });
}

Response login(ApiServices& s, const Request& request, RequestContext&) {
  struct Input {
    std::string email, password;
  };
  auto read = [](const boost::json::object& body) -> Result<Input> {
    auto email = read_email(body);
    SCRIPTMESH_RETURN_IF_ERROR(email);
    auto password = required_string(body, "password", kMaxPasswordBytes);
    SCRIPTMESH_RETURN_IF_ERROR(password);
    return Input{std::move(*email), std::move(*password)};
  };
  return with_body(request, read, [&](const Input& in) -> Result<Response> {
    auto pair = s.accounts.login(in.email, in.password);
    SCRIPTMESH_RETURN_IF_ERROR(pair);
    return json_response(200, token_pair_json(*pair));
  });
}

Response refresh(ApiServices& s, const Request& request, RequestContext&) {
  auto read = [](const boost::json::object& body) {
    return required_string(body, "refresh_token", kMaxTokenBytes);
  };
  return with_body(request, read, [&](const std::string& token) -> Result<Response> {
    auto pair = s.accounts.refresh(token);
    SCRIPTMESH_RETURN_IF_ERROR(pair);
    return json_response(200, token_pair_json(*pair));
  });
}

Response logout(ApiServices& s, const Request& request, RequestContext&) {
  auto read = [](const boost::json::object& body) {
    return required_string(body, "refresh_token", kMaxTokenBytes);
  };
  return with_body(request, read, [&](const std::string& token) -> Result<Response> {
    SCRIPTMESH_RETURN_IF_ERROR(s.accounts.logout(token));
    return empty_response(204);
  });
}

Response forgot_password(ApiServices& s, const Request& request, RequestContext&) {
  return with_body(request, read_email, [&](const std::string& email) -> Result<Response> {
    SCRIPTMESH_RETURN_IF_ERROR(s.accounts.forgot_password(email));
    return json_response(202, boost::json::object{{"status", "accepted"}});
  });
}

Response reset_password(ApiServices& s, const Request& request, RequestContext&) {
  struct Input {
    std::string token, new_password;
  };
  auto read = [](const boost::json::object& body) -> Result<Input> {
    auto token = required_string(body, "token", kMaxTokenBytes);
    SCRIPTMESH_RETURN_IF_ERROR(token);
    auto password = required_string(body, "new_password", kMaxPasswordBytes);
    SCRIPTMESH_RETURN_IF_ERROR(password);
    return Input{std::move(*token), std::move(*password)};
  };
  return with_body(request, read, [&](const Input& in) -> Result<Response> {
    SCRIPTMESH_RETURN_IF_ERROR(s.accounts.reset_password(in.token, in.new_password));
    return empty_response(204);
  });
}

}  // namespace scriptmesh::http::api
