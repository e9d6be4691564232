/*
 * keyring.c - `atrium unlock`: the data key parked in the kernel's user
 * keyring for a while, so batch commands run without asking again and
 * without a key file. Kernel keys are never written to disk or swap, are
 * readable only by this user, and expire by themselves; `atrium lock`
 * revokes one at once. The description names the home, so two homes
 * never share a key.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/keyctl.h>
#include <sodium.h>

#include "store/key_priv.h"

static void describe(const char *home, char *out, size_t len)
{
	char real[PATH_MAX];

	snprintf(out, len, "atrium:%s", realpath(home, real) ? real : home);
}

static long find(const char *desc)
{
	return syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", desc, 0);
}

int store_keyring_put(const char *home, const struct store_key *k, unsigned seconds,
		      struct err *e)
{
	char desc[PATH_MAX + 16];
	long id;

	describe(home, desc, sizeof desc);
	id = syscall(SYS_add_key, "user", desc, k->k, (size_t)STORE_KEY_BYTES,
		     KEY_SPEC_USER_KEYRING);
	if (id < 0)
		return err_set(e, E_IO, "cannot keep the key in the kernel keyring: %s",
			       strerror(errno));
	if (syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, id, seconds) < 0) {
		syscall(SYS_keyctl, KEYCTL_REVOKE, id);
		return err_set(e, E_IO, "cannot set the key's expiry: %s", strerror(errno));
	}
	return 0;
}

int store_keyring_get(const char *home, struct store_key **out)
{
	char desc[PATH_MAX + 16];
	struct store_key *k;
	long id, n;

	*out = NULL;
	describe(home, desc, sizeof desc);
	id = find(desc);
	if (id < 0 || sodium_init() < 0)
		return E_NOTFOUND;
	k = sodium_malloc(sizeof *k);
	if (k == NULL)
		fatal("sodium_malloc failed");
	n = syscall(SYS_keyctl, KEYCTL_READ, id, k->k, (size_t)STORE_KEY_BYTES);
	if (n != STORE_KEY_BYTES) {
		sodium_free(k);
		return E_NOTFOUND;
	}
	*out = k;
	return 0;
}

int store_keyring_drop(const char *home, struct err *e)
{
	char desc[PATH_MAX + 16];
	long id;

	describe(home, desc, sizeof desc);
	id = find(desc);
	if (id < 0)
		return err_set(e, E_NOTFOUND, "the store is not unlocked");
	syscall(SYS_keyctl, KEYCTL_REVOKE, id);
	syscall(SYS_keyctl, KEYCTL_UNLINK, id, KEY_SPEC_USER_KEYRING);
	return 0;
}
