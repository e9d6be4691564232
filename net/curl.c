/*
 * curl.c - load libcurl (GnuTLS flavour) the first time the network is
 * used; see curl.h for why.
 */
#include "net/curl.h"

void *net_curl_fn[CU_N];

static const char *const curl_names[CU_N + 1] = {
	[CU_GLOBAL_INIT] = "curl_global_init",
	[CU_EASY_INIT] = "curl_easy_init",
	[CU_EASY_SETOPT] = "curl_easy_setopt",
	[CU_EASY_GETINFO] = "curl_easy_getinfo",
	[CU_EASY_CLEANUP] = "curl_easy_cleanup",
	[CU_EASY_STRERROR] = "curl_easy_strerror",
	[CU_MULTI_INIT] = "curl_multi_init",
	[CU_MULTI_SETOPT] = "curl_multi_setopt",
	[CU_MULTI_ADD] = "curl_multi_add_handle",
	[CU_MULTI_REMOVE] = "curl_multi_remove_handle",
	[CU_MULTI_SOCKET_ACTION] = "curl_multi_socket_action",
	[CU_MULTI_INFO_READ] = "curl_multi_info_read",
	[CU_MULTI_CLEANUP] = "curl_multi_cleanup",
	[CU_MULTI_ASSIGN] = "curl_multi_assign",
	[CU_SLIST_APPEND] = "curl_slist_append",
	[CU_SLIST_FREE_ALL] = "curl_slist_free_all",
	[CU_EASY_PERFORM] = "curl_easy_perform",
	[CU_N] = NULL,
};

static struct dl_lib curl_lib = {
	.soname = "libcurl-gnutls.so.4",
	.pkg = "libcurl3-gnutls",
	.names = curl_names,
	.slots = net_curl_fn,
};

int net_curl_load(struct err *e)
{
	static int inited;

	if (dl_load(&curl_lib, e) < 0)
		return e->code;
	if (!__atomic_exchange_n(&inited, 1, __ATOMIC_ACQ_REL)) {
		if (xcurl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return err_set(e, E_INTERNAL, "libcurl did not initialise");
	}
	return 0;
}
