#include "http/tls_client.hpp"

#include <openssl/x509v3.h>

#include <fmt/core.h>
#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

namespace scriptmesh::http {

Result<std::unique_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
  } else {
    context->load_verify_file(ca_file, ec);
  }
  if (ec) {
    return Error::unavailable(
        "tls_failed", fmt::format("cannot load trusted certificates from {}: {}",
                                  ca_file.empty() ? "the system store" : ca_file, ec.message()));
  }
  return context;
}

bool set_tls_peer_name(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(host, not_an_address);
  if (not_an_address) {
    return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
           SSL_set1_host(ssl, host.c_str()) == 1;
  }
  return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
}

}  // namespace scriptmesh::http
