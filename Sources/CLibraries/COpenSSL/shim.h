// OpenSSL for the syslog sink's TLS transport and for decrypting encrypted private keys. Some of the API is macros Swift cannot call;
// the inline wrappers below expose them as functions.
#ifndef AUDITRELAY_COPENSSL_SHIM_H
#define AUDITRELAY_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/evp.h>

static inline long auditrelay_set_server_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline int auditrelay_require_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}
#endif
