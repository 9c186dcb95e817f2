// Tiny shim over libcurl: non-variadic setopt/getinfo (Swift cannot call variadic C), and libcurl loaded on
// first use (see ccurl.c).
#ifndef VIGIL_CCURL_H
#define VIGIL_CCURL_H
#include <curl/curl.h>

typedef size_t (*ccurl_write_callback)(char *data, size_t size, size_t nmemb, void *userdata);

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_setopt_write_callback(CURL *handle, CURLoption option, ccurl_write_callback callback);
CURLcode ccurl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);

CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ccurl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode ccurl_getinfo_string(CURL *handle, CURLINFO info, const char **value);
CURLcode ccurl_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

CURLcode ccurl_getinfo_socket(CURL *handle, CURLINFO info, curl_socket_t *value);

CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/// Why libcurl could not be loaded (dlopen's message), or NULL when it is loaded.
const char *ccurl_load_error(void);
#endif
