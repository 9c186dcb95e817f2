// libcurl, loaded on first use (dlopen) rather than at process start: linking it pulls in ~30 shared libraries
// (OpenSSL, nghttp2, libssh2, LDAP…), about 5 ms of every start, which a process that sends nothing (a heartbeat,
// a local check, `vigil list`) should not pay. The public curl functions Vigil calls are defined here with
// libcurl's own prototypes and forward to the library; if it cannot be loaded, they fail the way libcurl
// reports failures (NULL handles, CURLE_FAILED_INIT) and ccurl_load_error() says why.
#include "ccurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>

static void *ccurl_library;
static char ccurl_error[512];
static pthread_once_t ccurl_once = PTHREAD_ONCE_INIT;

static void ccurl_open(void) {
  const char *names[] = {"libcurl.so.4", "libcurl.so", "libcurl-gnutls.so.4"};
  for (unsigned i = 0; i < sizeof names / sizeof names[0] && !ccurl_library; i++) {
    ccurl_library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!ccurl_library) snprintf(ccurl_error, sizeof ccurl_error, "%s", dlerror());
  }
}

static void *ccurl_symbol(const char *name) {
  pthread_once(&ccurl_once, ccurl_open);
  return ccurl_library ? dlsym(ccurl_library, name) : NULL;
}

const char *ccurl_load_error(void) {
  pthread_once(&ccurl_once, ccurl_open);
  return ccurl_library ? NULL : ccurl_error;
}

// One cached function pointer per forwarded function.
#define CCURL_FORWARD(type, name) \
  static type name##_target; \
  if (!name##_target) name##_target = (type)ccurl_symbol(#name);

typedef CURLcode (*easy_setopt_fn)(CURL *, CURLoption, ...);
typedef CURLcode (*easy_getinfo_fn)(CURL *, CURLINFO, ...);
typedef CURLMcode (*multi_setopt_fn)(CURLM *, CURLMoption, ...);

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
  CCURL_FORWARD(easy_setopt_fn, curl_easy_setopt)
  return curl_easy_setopt_target ? curl_easy_setopt_target(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
  CCURL_FORWARD(easy_setopt_fn, curl_easy_setopt)
  return curl_easy_setopt_target ? curl_easy_setopt_target(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
  CCURL_FORWARD(easy_setopt_fn, curl_easy_setopt)
  return curl_easy_setopt_target ? curl_easy_setopt_target(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_setopt_write_callback(CURL *handle, CURLoption option, ccurl_write_callback callback) {
  CCURL_FORWARD(easy_setopt_fn, curl_easy_setopt)
  return curl_easy_setopt_target ? curl_easy_setopt_target(handle, option, callback) : CURLE_FAILED_INIT;
}
CURLcode ccurl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
  CCURL_FORWARD(easy_setopt_fn, curl_easy_setopt)
  return curl_easy_setopt_target ? curl_easy_setopt_target(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
  CCURL_FORWARD(easy_getinfo_fn, curl_easy_getinfo)
  return curl_easy_getinfo_target ? curl_easy_getinfo_target(handle, info, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
  CCURL_FORWARD(easy_getinfo_fn, curl_easy_getinfo)
  return curl_easy_getinfo_target ? curl_easy_getinfo_target(handle, info, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
  CCURL_FORWARD(easy_getinfo_fn, curl_easy_getinfo)
  return curl_easy_getinfo_target ? curl_easy_getinfo_target(handle, info, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
  CCURL_FORWARD(easy_getinfo_fn, curl_easy_getinfo)
  return curl_easy_getinfo_target ? curl_easy_getinfo_target(handle, info, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_getinfo_socket(CURL *handle, CURLINFO info, curl_socket_t *value) {
  CCURL_FORWARD(easy_getinfo_fn, curl_easy_getinfo)
  return curl_easy_getinfo_target ? curl_easy_getinfo_target(handle, info, value) : CURLE_FAILED_INIT;
}
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
  CCURL_FORWARD(multi_setopt_fn, curl_multi_setopt)
  return curl_multi_setopt_target ? curl_multi_setopt_target(multi, option, value) : CURLM_INTERNAL_ERROR;
}

// The public functions Vigil calls, with libcurl's prototypes.
CURLcode curl_global_init(long flags) {
  CCURL_FORWARD(__typeof__(&curl_global_init), curl_global_init)
  return curl_global_init_target ? curl_global_init_target(flags) : CURLE_FAILED_INIT;
}
// Every socket libcurl opens for Vigil is close-on-exec, created so atomically: a command started while a
// transfer runs (an exec check, a Python adapter) must not inherit the connection, or the peer would not see
// it closed until that command ends.
static curl_socket_t ccurl_open_socket(void *unused, curlsocktype purpose, struct curl_sockaddr *address) {
  (void)unused;
  (void)purpose;
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

CURL *curl_easy_init(void) {
  CCURL_FORWARD(__typeof__(&curl_easy_init), curl_easy_init)
  CURL *handle = curl_easy_init_target ? curl_easy_init_target() : NULL;
  if (handle) {
    CCURL_FORWARD(easy_setopt_fn, curl_easy_setopt)
    if (curl_easy_setopt_target) curl_easy_setopt_target(handle, CURLOPT_OPENSOCKETFUNCTION, ccurl_open_socket);
  }
  return handle;
}
void curl_easy_cleanup(CURL *handle) {
  CCURL_FORWARD(__typeof__(&curl_easy_cleanup), curl_easy_cleanup)
  if (curl_easy_cleanup_target) curl_easy_cleanup_target(handle);
}
CURLcode curl_easy_perform(CURL *handle) {
  CCURL_FORWARD(__typeof__(&curl_easy_perform), curl_easy_perform)
  return curl_easy_perform_target ? curl_easy_perform_target(handle) : CURLE_FAILED_INIT;
}
CURLcode curl_easy_send(CURL *handle, const void *buffer, size_t length, size_t *sent) {
  CCURL_FORWARD(__typeof__(&curl_easy_send), curl_easy_send)
  return curl_easy_send_target ? curl_easy_send_target(handle, buffer, length, sent) : CURLE_FAILED_INIT;
}
CURLcode curl_easy_recv(CURL *handle, void *buffer, size_t length, size_t *received) {
  CCURL_FORWARD(__typeof__(&curl_easy_recv), curl_easy_recv)
  return curl_easy_recv_target ? curl_easy_recv_target(handle, buffer, length, received) : CURLE_FAILED_INIT;
}
const char *curl_easy_strerror(CURLcode code) {
  CCURL_FORWARD(__typeof__(&curl_easy_strerror), curl_easy_strerror)
  return curl_easy_strerror_target ? curl_easy_strerror_target(code) : "libcurl could not be loaded";
}
struct curl_slist *curl_slist_append(struct curl_slist *list, const char *text) {
  CCURL_FORWARD(__typeof__(&curl_slist_append), curl_slist_append)
  return curl_slist_append_target ? curl_slist_append_target(list, text) : NULL;
}
void curl_slist_free_all(struct curl_slist *list) {
  CCURL_FORWARD(__typeof__(&curl_slist_free_all), curl_slist_free_all)
  if (curl_slist_free_all_target) curl_slist_free_all_target(list);
}
CURLM *curl_multi_init(void) {
  CCURL_FORWARD(__typeof__(&curl_multi_init), curl_multi_init)
  return curl_multi_init_target ? curl_multi_init_target() : NULL;
}
CURLMcode curl_multi_add_handle(CURLM *multi, CURL *handle) {
  CCURL_FORWARD(__typeof__(&curl_multi_add_handle), curl_multi_add_handle)
  return curl_multi_add_handle_target ? curl_multi_add_handle_target(multi, handle) : CURLM_INTERNAL_ERROR;
}
CURLMcode curl_multi_remove_handle(CURLM *multi, CURL *handle) {
  CCURL_FORWARD(__typeof__(&curl_multi_remove_handle), curl_multi_remove_handle)
  return curl_multi_remove_handle_target ? curl_multi_remove_handle_target(multi, handle) : CURLM_INTERNAL_ERROR;
}
CURLMcode curl_multi_perform(CURLM *multi, int *running) {
  CCURL_FORWARD(__typeof__(&curl_multi_perform), curl_multi_perform)
  return curl_multi_perform_target ? curl_multi_perform_target(multi, running) : CURLM_INTERNAL_ERROR;
}
CURLMcode curl_multi_poll(CURLM *multi, struct curl_waitfd extra[], unsigned int count, int timeout, int *ready) {
  CCURL_FORWARD(__typeof__(&curl_multi_poll), curl_multi_poll)
  return curl_multi_poll_target ? curl_multi_poll_target(multi, extra, count, timeout, ready) : CURLM_INTERNAL_ERROR;
}
CURLMcode curl_multi_wakeup(CURLM *multi) {
  CCURL_FORWARD(__typeof__(&curl_multi_wakeup), curl_multi_wakeup)
  return curl_multi_wakeup_target ? curl_multi_wakeup_target(multi) : CURLM_INTERNAL_ERROR;
}
CURLMsg *curl_multi_info_read(CURLM *multi, int *left) {
  CCURL_FORWARD(__typeof__(&curl_multi_info_read), curl_multi_info_read)
  return curl_multi_info_read_target ? curl_multi_info_read_target(multi, left) : NULL;
}
