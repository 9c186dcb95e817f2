#include "ccrypto.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>

static const EVP_MD *ccrypto_md(ccrypto_algorithm algorithm) {
  switch (algorithm) {
  case CCRYPTO_SHA1: return EVP_sha1();
  case CCRYPTO_SHA256: return EVP_sha256();
  case CCRYPTO_SHA512: return EVP_sha512();
  }
  return NULL;
}

size_t ccrypto_digest(ccrypto_algorithm algorithm, const void *data, size_t length, unsigned char *out) {
  const EVP_MD *md = ccrypto_md(algorithm);
  unsigned int written = 0;
  if (md == NULL || EVP_Digest(data, length, out, &written, md, NULL) != 1) return 0;
  return written;
}

size_t ccrypto_hmac(ccrypto_algorithm algorithm, const void *key, size_t key_length, const void *data,
                    size_t length, unsigned char *out) {
  const EVP_MD *md = ccrypto_md(algorithm);
  unsigned int written = 0;
  if (md == NULL) return 0;
  if (HMAC(md, key, (int)key_length, data, length, out, &written) == NULL) return 0;
  return written;
}
