#ifndef AIDLEDGER_COPENSSL_SHIM_H
#define AIDLEDGER_COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/bn.h>

/* Function-like macros do not import into Swift: wrap them here. */

static inline long aidledger_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

static inline void aidledger_OPENSSL_free(void *ptr) {
    OPENSSL_free(ptr);
}

static inline int aidledger_EVP_PKEY_CTX_set1_id(EVP_PKEY_CTX *ctx, const void *id, int len) {
    return EVP_PKEY_CTX_set1_id(ctx, id, len);
}

#endif
