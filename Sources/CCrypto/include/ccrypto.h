// Tiny shim over OpenSSL libcrypto: one-shot digests and HMACs, libcrypto loaded on first use (ccrypto.c).
#ifndef VIGIL_CCRYPTO_H
#define VIGIL_CCRYPTO_H
#include <stddef.h>

typedef enum { CCRYPTO_SHA1 = 1, CCRYPTO_SHA256 = 2, CCRYPTO_SHA512 = 3 } ccrypto_algorithm;

/// Writes the digest into out (at least 64 bytes); returns its length, or 0 on failure.
size_t ccrypto_digest(ccrypto_algorithm algorithm, const void *data, size_t length, unsigned char *out);
/// Writes the HMAC into out (at least 64 bytes); returns its length, or 0 on failure.
size_t ccrypto_hmac(ccrypto_algorithm algorithm, const void *key, size_t key_length, const void *data,
                    size_t length, unsigned char *out);
#endif
