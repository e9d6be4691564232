/*
 * curl.h - libcurl, loaded on first use (net/ internal).
 *
 * Linking libcurl-gnutls maps about thirty shared objects at every start
 * (3.8 ms measured); atrium starts without them and loads libcurl when the
 * first request is made. Call sites use these names for the functions.
 */
#ifndef ATRIUM_NET_CURL_H
#define ATRIUM_NET_CURL_H

#include <curl/curl.h>

#include "core/core.h"

enum {
	CU_GLOBAL_INIT,
	CU_EASY_INIT,
	CU_EASY_SETOPT,
	CU_EASY_GETINFO,
	CU_EASY_CLEANUP,
	CU_EASY_STRERROR,
	CU_MULTI_INIT,
	CU_MULTI_SETOPT,
	CU_MULTI_ADD,
	CU_MULTI_REMOVE,
	CU_MULTI_SOCKET_ACTION,
	CU_MULTI_INFO_READ,
	CU_MULTI_CLEANUP,
	CU_MULTI_ASSIGN,
	CU_SLIST_APPEND,
	CU_SLIST_FREE_ALL,
	CU_EASY_PERFORM,
	CU_N
};

extern void *net_curl_fn[CU_N];

/* Load libcurl once (E_NOTFOUND naming the package when missing). */
int net_curl_load(struct err *e);

#define CU(i, type) ((type)net_curl_fn[i])
#define xcurl_global_init CU(CU_GLOBAL_INIT, CURLcode(*)(long))
#define xcurl_easy_init CU(CU_EASY_INIT, CURL * (*)(void))
#define xcurl_easy_setopt CU(CU_EASY_SETOPT, CURLcode(*)(CURL *, CURLoption, ...))
#define xcurl_easy_getinfo CU(CU_EASY_GETINFO, CURLcode(*)(CURL *, CURLINFO, ...))
#define xcurl_easy_cleanup CU(CU_EASY_CLEANUP, void (*)(CURL *))
#define xcurl_easy_strerror CU(CU_EASY_STRERROR, const char *(*)(CURLcode))
#define xcurl_multi_init CU(CU_MULTI_INIT, CURLM * (*)(void))
#define xcurl_multi_setopt CU(CU_MULTI_SETOPT, CURLMcode(*)(CURLM *, CURLMoption, ...))
#define xcurl_multi_add_handle CU(CU_MULTI_ADD, CURLMcode(*)(CURLM *, CURL *))
#define xcurl_multi_remove_handle CU(CU_MULTI_REMOVE, CURLMcode(*)(CURLM *, CURL *))
#define xcurl_multi_socket_action \
	CU(CU_MULTI_SOCKET_ACTION, CURLMcode(*)(CURLM *, curl_socket_t, int, int *))
#define xcurl_multi_info_read CU(CU_MULTI_INFO_READ, CURLMsg * (*)(CURLM *, int *))
#define xcurl_multi_cleanup CU(CU_MULTI_CLEANUP, CURLMcode(*)(CURLM *))
#define xcurl_multi_assign CU(CU_MULTI_ASSIGN, CURLMcode(*)(CURLM *, curl_socket_t, void *))
#define xcurl_slist_append \
	CU(CU_SLIST_APPEND, struct curl_slist * (*)(struct curl_slist *, const char *))
#define xcurl_slist_free_all CU(CU_SLIST_FREE_ALL, void (*)(struct curl_slist *))
#define xcurl_easy_perform CU(CU_EASY_PERFORM, CURLcode(*)(CURL *))

#endif
