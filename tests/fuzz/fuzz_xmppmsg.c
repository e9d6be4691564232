/*
 * fuzz_xmppmsg.c - a <message/> stanza as any peer, room or server can
 * write it, through xmpp_msg_parse_text (net/xmpp.c, over libstrophe's
 * parser). Every string that comes back must be valid UTF-8; a refusal
 * must leave nothing behind; a sent carbon must be ours; a carbon or an
 * archive result must not both be claimed; and the same bytes must give
 * the same answer twice (the parser keeps a context per thread).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "net/xmpp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OWN "alice@example.test"

static void check_str(const char *s)
{
	if (s && !utf8_valid(s, strlen(s)))
		abort();
}

static void check(const struct xmpp_msg *m)
{
	const char *const s[] = { m->from, m->to, m->id, m->origin_id, m->stanza_id, m->body,
				  m->subject, m->replace_id, m->retract_id, m->receipt_id,
				  m->displayed_id, m->oob_url, m->invite_room, m->invite_from,
				  m->error_text, m->mam_queryid, m->mam_id, m->mam_from };

	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		check_str(s[i]);
	if (memchr(m->type, 0, sizeof m->type) == NULL)
		abort();
	check_str(m->type);
	if (m->has_subject && !m->subject)
		abort();
	if (strcmp(m->type, "error") == 0 && !m->error_text)
		abort();
	/* a sent carbon is a message we sent */
	if (m->carbon == XC_SENT &&
	    (!m->from || strncasecmp(m->from, OWN, strlen(OWN)) != 0 ||
	     (m->from[strlen(OWN)] != 0 && m->from[strlen(OWN)] != '/')))
		abort();
	if (m->carbon != XC_NONE && (m->mam_id || m->mam_from))
		abort();
	/* an archive result names its archive and its id is the stanza id */
	if (m->mam_id && (!m->mam_from || !m->stanza_id || strcmp(m->mam_id, m->stanza_id) != 0))
		abort();
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xmpp_msg m, m2;
	struct err e = { 0 }, e2 = { 0 };
	int rc, rc2;

	rc = xmpp_msg_parse_text((const char *)data, size, OWN, &m, &e);
	if (rc == 0) {
		check(&m);
	} else {
		struct xmpp_msg zero;
		memset(&zero, 0, sizeof zero);
		if (memcmp(&m, &zero, sizeof m) != 0 || !e.msg[0])
			abort();
	}
	rc2 = xmpp_msg_parse_text((const char *)data, size, OWN, &m2, &e2);
	if (rc2 != rc || !same(m.body, m2.body) || !same(m.stanza_id, m2.stanza_id) ||
	    m.carbon != m2.carbon || m.stamp_ms != m2.stamp_ms)
		abort();
	xmpp_msg_free(&m);
	xmpp_msg_free(&m2);
	return 0;
}
