/*
 * fuzz_keys.c - the HOME/keys parser on arbitrary bytes: a damaged file is
 * an error, never a crash, and never unlocks with a key file that is not
 * the one it was made with.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char home[64];
	static unsigned char kf[STORE_KEY_BYTES];
	char path[96];
	struct store_key *k = NULL;
	struct err e;
	int a, b;
	FILE *f;

	if (home[0] == '\0') {
		snprintf(home, sizeof home, "/tmp/atrium-fuzz-keys.%d", (int)getpid());
		mkdir(home, 0700);
		memset(kf, 0x5a, sizeof kf);
	}
	snprintf(path, sizeof path, "%s/keys", home);
	f = fopen(path, "wb");
	if (f == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	store_keys_methods(home, &a, &b, &e);
	/* A fuzzed file cannot hold a wrap made with this key file (that
	 * needs the AEAD key), so unlocking must fail. */
	if (store_keys_unlock(home, NULL, kf, &k, &e) == 0)
		abort();
	return 0;
}
