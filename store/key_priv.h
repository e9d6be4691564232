/*
 * key_priv.h - the layout of the data key, for key.c and for the tests
 * that must look at its bytes (to prove they never reach HOME/keys).
 * Everyone else sees struct store_key as opaque and uses store_key_derive.
 */
#ifndef ATRIUM_STORE_KEY_PRIV_H
#define ATRIUM_STORE_KEY_PRIV_H

#include "store/store.h"

/* Always in sodium_malloc'd memory, read-only once filled. */
struct store_key {
	unsigned char k[STORE_KEY_BYTES];
};

#endif
