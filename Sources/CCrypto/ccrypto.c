// OpenSSL's libcrypto, loaded on first use (dlopen) like libcurl (see CCurl): digests and HMACs only.
#include "ccrypto.h"
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>

static void *ccrypto_library;
static pthread_once_t ccrypto_once = PTHREAD_ONCE_INIT;

static void ccrypto_open(void) {
  const char *names[] = {"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"};
  for (unsigned i = 0; i < sizeof names / sizeof names[0] && !ccrypto_library; i++) {
    ccrypto_library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  }
}

static void *ccrypto_symbol(const char *name) {
  pthread_once(&ccrypto_once, ccrypto_open);
  return ccrypto_library ? dlsym(ccrypto_library, name) : NULL;
}

typedef const EVP_MD *(*md_fn)(void);
typedef int (*digest_fn)(const void *, size_t, unsigned char *, unsigned int *, const EVP_MD *, ENGINE *);
typedef unsigned char *(*hmac_fn)(const EVP_MD *, const void *, int, const unsigned char *, size_t,
                                  unsigned char *, unsigned int *);

static const EVP_MD *ccrypto_md(ccrypto_algorithm algorithm) {
  const char *name = NULL;
  switch (algorithm) {
  case CCRYPTO_SHA1: name = "EVP_sha1"; break;
  case CCRYPTO_SHA256: name = "EVP_sha256"; break;
  case CCRYPTO_SHA512: name = "EVP_sha512"; break;
  }
  md_fn md = name ? (md_fn)ccrypto_symbol(name) : NULL;
  return md ? md() : NULL;
}

size_t ccrypto_digest(ccrypto_algorithm algorithm, const void *data, size_t length, unsigned char *out) {
  const EVP_MD *md = ccrypto_md(algorithm);
  digest_fn digest = (digest_fn)ccrypto_symbol("EVP_Digest");
  unsigned int written = 0;
  if (md == NULL || digest == NULL || digest(data, length, out, &written, md, NULL) != 1) return 0;
  return written;
}

size_t ccrypto_hmac(ccrypto_algorithm algorithm, const void *key, size_t key_length, const void *data,
                    size_t length, unsigned char *out) {
  const EVP_MD *md = ccrypto_md(algorithm);
  hmac_fn hmac = (hmac_fn)ccrypto_symbol("HMAC");
  unsigned int written = 0;
  if (md == NULL || hmac == NULL) return 0;
  if (hmac(md, key, (int)key_length, data, length, out, &written) == NULL) return 0;
  return written;
}
