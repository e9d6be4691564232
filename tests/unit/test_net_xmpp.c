/*
 * test_net_xmpp.c - net/xmpp.c without a server: <message/> stanzas as
 * text through xmpp_msg_parse_text (libstrophe's parser, loaded as the
 * session loads it), and xmpp_jid_valid.
 *
 * What a message may claim is the point: a stanza-id counts only when
 * the archive that keeps it (our account, or the room) wrote it
 * (XEP-0359), and a carbon only when our own account sent it
 * (XEP-0280 §11: anyone else's is forged).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"
#include "net/xmpp.h"

#define OWN "alice@example.test"

/* 2026-01-02T03:04:05Z in unix seconds */
#define T_2026 1767323045LL

static int parse(const char *xml, struct xmpp_msg *m)
{
	struct err e = { 0 };
	int rc = xmpp_msg_parse_text(xml, strlen(xml), OWN, m, &e);

	if (rc == 0)
		assert_int_equal(e.code, 0);
	else
		assert_true(e.msg[0] != 0); /* a refusal says why */
	return rc;
}

/* Parse what must parse. */
static void must(const char *xml, struct xmpp_msg *m)
{
	struct err e = { 0 };

	if (xmpp_msg_parse_text(xml, strlen(xml), OWN, m, &e) != 0)
		fail_msg("refused (%s): %s", e.msg, xml);
}

/* A refusal leaves nothing to free and nothing half-filled. */
static void assert_refused(const char *xml)
{
	struct xmpp_msg m;

	assert_int_equal(parse(xml, &m), E_PARSE);
	assert_null(m.from);
	assert_null(m.body);
	assert_null(m.stanza_id);
	assert_int_equal(m.carbon, XC_NONE);
	xmpp_msg_free(&m);
}

static void assert_utf8(const char *s)
{
	assert_non_null(s);
	assert_true(utf8_valid(s, strlen(s)));
}

/* ---- messages --------------------------------------------------------------------- */

static void test_plain_chat_message_gives_its_ids_type_and_body(void **state)
{
	struct xmpp_msg m;

	must("<message from='bob@example.test/phone' to='alice@example.test/atrium'"
	     " type='chat' id='m1'><body>Hello &amp; welcome</body>"
	     "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>",
	     &m);
	assert_string_equal(m.from, "bob@example.test/phone");
	assert_string_equal(m.to, "alice@example.test/atrium");
	assert_string_equal(m.type, "chat");
	assert_string_equal(m.id, "m1");
	assert_string_equal(m.origin_id, "o1");
	assert_string_equal(m.body, "Hello & welcome");
	assert_null(m.stanza_id);
	assert_null(m.subject);
	assert_int_equal(m.has_subject, 0);
	assert_int_equal(m.carbon, XC_NONE);
	assert_int_equal(m.stamp_ms, 0);
	assert_int_equal(m.receipt_request, 0);
	assert_int_equal(m.markable, 0);
	assert_null(m.mam_id);
	assert_null(m.error_text);
	xmpp_msg_free(&m);
}

/* An archive page is held while the next is asked: the copy must own
 * every string and outlive the parsed original. */
static void test_copy_of_a_message_owns_its_strings(void **state)
{
	struct xmpp_msg m, c;

	must("<message from='alice@example.test' to='alice@example.test/atrium'>"
	     "<result xmlns='urn:xmpp:mam:2' queryid='q9' id='r-9'>"
	     "<forwarded xmlns='urn:xmpp:forward:0'>"
	     "<delay xmlns='urn:xmpp:delay' stamp='2026-01-02T03:04:05Z'/>"
	     "<message xmlns='jabber:client' from='bob@example.test/p' to='alice@example.test'"
	     " type='chat' id='c1'><body>copied</body>"
	     "<origin-id xmlns='urn:xmpp:sid:0' id='o9'/>"
	     "<replace id='c0' xmlns='urn:xmpp:message-correct:0'/>"
	     "</message></forwarded></result></message>",
	     &m);
	xmpp_msg_copy(&c, &m);
	assert_ptr_not_equal(c.body, m.body);
	assert_ptr_not_equal(c.mam_id, m.mam_id);
	xmpp_msg_free(&m);
	assert_string_equal(c.from, "bob@example.test/p");
	assert_string_equal(c.to, "alice@example.test");
	assert_string_equal(c.type, "chat");
	assert_string_equal(c.id, "c1");
	assert_string_equal(c.origin_id, "o9");
	assert_string_equal(c.stanza_id, "r-9");
	assert_string_equal(c.body, "copied");
	assert_string_equal(c.replace_id, "c0");
	assert_string_equal(c.mam_queryid, "q9");
	assert_string_equal(c.mam_id, "r-9");
	assert_string_equal(c.mam_from, "alice@example.test");
	assert_int_equal(c.stamp_ms, T_2026 * 1000);
	assert_null(c.subject);
	assert_null(c.retract_id);
	xmpp_msg_free(&c);
}

static void test_message_without_type_is_normal_and_odd_type_too(void **state)
{
	struct xmpp_msg m;

	must("<message from='bob@example.test'><body>x</body></message>", &m);
	assert_string_equal(m.type, "normal");
	xmpp_msg_free(&m);
	/* longer than the field: not cut to a prefix that means something else */
	must("<message from='bob@example.test' type='groupchatgroupchat'><body>x</body></message>",
	     &m);
	assert_string_equal(m.type, "normal");
	xmpp_msg_free(&m);
	/* RFC 6121 5.2.2: a type not understood MUST be taken as normal */
	must("<message from='bob@example.test' type=''><body>x</body></message>", &m);
	assert_string_equal(m.type, "normal");
	xmpp_msg_free(&m);
	must("<message from='bob@example.test' type='Chat'><body>x</body></message>", &m);
	assert_string_equal(m.type, "normal");
	xmpp_msg_free(&m);
	must("<message from='bob@example.test' type='headline'><body>x</body></message>", &m);
	assert_string_equal(m.type, "headline");
	xmpp_msg_free(&m);
}

static void test_groupchat_keeps_the_rooms_stanza_id_only(void **state)
{
	struct xmpp_msg m;

	/* the forged one first: it must not win by coming first */
	must("<message from='room@conf.example.test/bob' to='alice@example.test/atrium'"
	     " type='groupchat' id='g1'><body>hi all</body>"
	     "<stanza-id xmlns='urn:xmpp:sid:0' by='bob@example.test' id='forged'/>"
	     "<stanza-id xmlns='urn:xmpp:sid:0' by='room@conf.example.test' id='room-7'/>"
	     "</message>",
	     &m);
	assert_string_equal(m.type, "groupchat");
	assert_string_equal(m.stanza_id, "room-7");
	assert_string_equal(m.body, "hi all");
	xmpp_msg_free(&m);

	must("<message from='room@conf.example.test/bob' type='groupchat' id='g2'>"
	     "<body>x</body>"
	     "<stanza-id xmlns='urn:xmpp:sid:0' by='alice@example.test' id='ours-not-room'/>"
	     "<stanza-id xmlns='urn:xmpp:sid:0' by='other@conf.example.test' id='other-room'/>"
	     "</message>",
	     &m);
	assert_null(m.stanza_id);
	xmpp_msg_free(&m);

	/* the right `by` in another namespace is not a stanza-id */
	must("<message from='room@conf.example.test/bob' type='groupchat' id='g3'>"
	     "<body>x</body><stanza-id xmlns='urn:example:fake' by='room@conf.example.test'"
	     " id='wrong-ns'/></message>",
	     &m);
	assert_null(m.stanza_id);
	xmpp_msg_free(&m);
}

static void test_one_to_one_keeps_the_stanza_id_of_our_own_account_only(void **state)
{
	struct xmpp_msg m;

	must("<message from='bob@example.test/phone' type='chat' id='c1'><body>x</body>"
	     "<stanza-id xmlns='urn:xmpp:sid:0' by='alice@example.test' id='arch-1'/></message>",
	     &m);
	assert_string_equal(m.stanza_id, "arch-1");
	xmpp_msg_free(&m);

	/* the sender's own (or its server's) says nothing about our archive */
	must("<message from='bob@example.test/phone' type='chat' id='c2'><body>x</body>"
	     "<stanza-id xmlns='urn:xmpp:sid:0' by='bob@example.test' id='bobs'/>"
	     "<stanza-id xmlns='urn:xmpp:sid:0' by='example.test' id='server'/></message>",
	     &m);
	assert_null(m.stanza_id);
	xmpp_msg_free(&m);

	/* by our full JID is not our archive either */
	must("<message from='bob@example.test/phone' type='chat' id='c3'><body>x</body>"
	     "<stanza-id xmlns='urn:xmpp:sid:0' by='alice@example.test/atrium' id='full'/>"
	     "</message>",
	     &m);
	assert_null(m.stanza_id);
	xmpp_msg_free(&m);
}

static void test_received_carbon_from_our_account_is_unwrapped(void **state)
{
	struct xmpp_msg m;

	must("<message from='alice@example.test' to='alice@example.test/atrium' type='chat'>"
	     "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
	     "<message xmlns='jabber:client' from='bob@example.test/phone'"
	     " to='alice@example.test/laptop' type='chat' id='rc1'><body>to your laptop</body>"
	     "<stanza-id xmlns='urn:xmpp:sid:0' by='alice@example.test' id='arch-2'/>"
	     "</message></forwarded></received></message>",
	     &m);
	assert_int_equal(m.carbon, XC_RECEIVED);
	assert_string_equal(m.from, "bob@example.test/phone");
	assert_string_equal(m.to, "alice@example.test/laptop");
	assert_string_equal(m.id, "rc1");
	assert_string_equal(m.body, "to your laptop");
	assert_string_equal(m.stanza_id, "arch-2");
	assert_string_equal(m.type, "chat");
	xmpp_msg_free(&m);
}

static void test_sent_carbon_from_our_account_is_unwrapped(void **state)
{
	struct xmpp_msg m;

	must("<message from='alice@example.test' to='alice@example.test/atrium' type='chat'>"
	     "<sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
	     "<message xmlns='jabber:client' from='alice@example.test/laptop'"
	     " to='bob@example.test' type='chat' id='sc1'><body>from my laptop</body>"
	     "<origin-id xmlns='urn:xmpp:sid:0' id='sc1'/></message></forwarded></sent></message>",
	     &m);
	assert_int_equal(m.carbon, XC_SENT);
	assert_string_equal(m.from, "alice@example.test/laptop");
	assert_string_equal(m.to, "bob@example.test");
	assert_string_equal(m.body, "from my laptop");
	assert_string_equal(m.origin_id, "sc1");
	xmpp_msg_free(&m);
}

static void test_carbon_from_anyone_else_is_forged(void **state)
{
	static const char *const from[] = { "mallory@evil.test", "bob@example.test/phone",
					    "example.test", "alice@example.test/laptop",
					    "alice@example.test.evil.test" };

	for (size_t i = 0; i < nitems(from); i++) {
		char *xml;
		xasprintf(&xml,
			  "<message from='%s' to='alice@example.test/atrium' type='chat'>"
			  "<received xmlns='urn:xmpp:carbons:2'><forwarded"
			  " xmlns='urn:xmpp:forward:0'><message from='bob@example.test/phone'"
			  " to='alice@example.test' type='chat' id='f1'><body>send me money</body>"
			  "</message></forwarded></received></message>",
			  from[i]);
		assert_refused(xml);
		free(xml);
		xasprintf(&xml,
			  "<message from='%s' to='alice@example.test/atrium' type='chat'>"
			  "<sent xmlns='urn:xmpp:carbons:2'><forwarded"
			  " xmlns='urn:xmpp:forward:0'><message from='alice@example.test/x'"
			  " to='bob@example.test' type='chat' id='f2'><body>I owe you</body>"
			  "</message></forwarded></sent></message>",
			  from[i]);
		assert_refused(xml);
		free(xml);
	}
}

static void test_sent_carbon_not_sent_by_us_is_refused(void **state)
{
	assert_refused("<message from='alice@example.test' to='alice@example.test/atrium'>"
		       "<sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
		       "<message from='bob@example.test/phone' to='carol@example.test'"
		       " type='chat' id='s2'><body>words put in our mouth</body></message>"
		       "</forwarded></sent></message>");
	/* a prefix of our JID is not us */
	assert_refused("<message from='alice@example.test' to='alice@example.test/atrium'>"
		       "<sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
		       "<message from='alice@example.test.evil.test/x' to='bob@example.test'"
		       " type='chat' id='s3'><body>x</body></message></forwarded></sent>"
		       "</message>");
	/* a carbon that wraps nothing */
	assert_refused("<message from='alice@example.test'><received"
		       " xmlns='urn:xmpp:carbons:2'/></message>");
}

static void test_receipt_is_not_mistaken_for_a_carbon(void **state)
{
	struct xmpp_msg m;

	/* <received/> of XEP-0184 from a contact: same name, other namespace */
	must("<message from='bob@example.test/phone' id='r9'>"
	     "<received xmlns='urn:xmpp:receipts' id='m1'/></message>",
	     &m);
	assert_int_equal(m.carbon, XC_NONE);
	assert_string_equal(m.receipt_id, "m1");
	assert_int_equal(m.receipt_request, 0);
	xmpp_msg_free(&m);

	must("<message from='bob@example.test/phone' type='chat' id='m2'><body>x</body>"
	     "<request xmlns='urn:xmpp:receipts'/></message>",
	     &m);
	assert_int_equal(m.receipt_request, 1);
	assert_null(m.receipt_id);
	xmpp_msg_free(&m);
}

static void test_archive_result_gives_query_ids_stamp_and_archive(void **state)
{
	struct xmpp_msg m;

	must("<message from='alice@example.test' to='alice@example.test/atrium' id='outer'>"
	     "<result xmlns='urn:xmpp:mam:2' queryid='q1' id='28482-98726-73623'>"
	     "<forwarded xmlns='urn:xmpp:forward:0'>"
	     "<delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:08:25Z'/>"
	     "<message xmlns='jabber:client' from='witch@example.test/x'"
	     " to='alice@example.test' type='chat' id='a1'><body>Hail</body>"
	     "<stanza-id xmlns='urn:xmpp:sid:0' by='alice@example.test' id='inner-sid'/>"
	     "</message></forwarded></result></message>",
	     &m);
	assert_string_equal(m.mam_queryid, "q1");
	assert_string_equal(m.mam_id, "28482-98726-73623");
	/* the result's id is the archive's id of the message */
	assert_string_equal(m.stanza_id, "28482-98726-73623");
	assert_string_equal(m.mam_from, "alice@example.test");
	assert_int_equal(m.stamp_ms, 1278803305LL * 1000);
	assert_string_equal(m.from, "witch@example.test/x");
	assert_string_equal(m.id, "a1");
	assert_string_equal(m.body, "Hail");
	assert_string_equal(m.type, "chat");
	assert_int_equal(m.carbon, XC_NONE);
	xmpp_msg_free(&m);

	/* a room's archive: mam_from names the room */
	must("<message from='room@conf.example.test' to='alice@example.test/atrium'>"
	     "<result xmlns='urn:xmpp:mam:2' queryid='q2' id='r-5'>"
	     "<forwarded xmlns='urn:xmpp:forward:0'>"
	     "<delay xmlns='urn:xmpp:delay' stamp='2026-01-02T03:04:05.250Z'/>"
	     "<message from='room@conf.example.test/bob' type='groupchat' id='g5'>"
	     "<body>old</body></message></forwarded></result></message>",
	     &m);
	assert_string_equal(m.mam_from, "room@conf.example.test");
	assert_string_equal(m.stanza_id, "r-5");
	assert_int_equal(m.stamp_ms, T_2026 * 1000 + 250);
	assert_string_equal(m.type, "groupchat");
	xmpp_msg_free(&m);

	/* no from: our own server's answer */
	must("<message><result xmlns='urn:xmpp:mam:2' queryid='q3' id='r-6'>"
	     "<forwarded xmlns='urn:xmpp:forward:0'><message from='bob@example.test'"
	     " type='chat'><body>y</body></message></forwarded></result></message>",
	     &m);
	assert_string_equal(m.mam_from, OWN);
	xmpp_msg_free(&m);

	/* a result without an id or a message is not one */
	assert_refused("<message from='alice@example.test'><result xmlns='urn:xmpp:mam:2'"
		       " queryid='q4'><forwarded xmlns='urn:xmpp:forward:0'><message"
		       " from='bob@example.test'><body>z</body></message></forwarded></result>"
		       "</message>");
	assert_refused("<message from='alice@example.test'><result xmlns='urn:xmpp:mam:2'"
		       " queryid='q5' id='r-7'><forwarded xmlns='urn:xmpp:forward:0'/></result>"
		       "</message>");
}

static void test_correction_names_the_replaced_message(void **state)
{
	struct xmpp_msg m;

	must("<message from='bob@example.test/phone' type='chat' id='m3'><body>fixed</body>"
	     "<replace id='m1' xmlns='urn:xmpp:message-correct:0'/></message>",
	     &m);
	assert_string_equal(m.replace_id, "m1");
	assert_string_equal(m.body, "fixed");
	assert_null(m.retract_id);
	xmpp_msg_free(&m);
}

static void test_retraction_in_both_forms(void **state)
{
	struct xmpp_msg m;

	must("<message from='bob@example.test/phone' type='chat' id='m4'>"
	     "<retract id='m1' xmlns='urn:xmpp:message-retract:1'/>"
	     "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/>"
	     "<body>This person attempted to retract a previous message.</body></message>",
	     &m);
	assert_string_equal(m.retract_id, "m1");
	xmpp_msg_free(&m);

	must("<message from='bob@example.test/phone' type='chat' id='m5'>"
	     "<apply-to xmlns='urn:xmpp:fasten:0' id='m2'>"
	     "<retract xmlns='urn:xmpp:message-retract:0'/></apply-to></message>",
	     &m);
	assert_string_equal(m.retract_id, "m2");
	xmpp_msg_free(&m);

	/* a fastening that is not a retraction retracts nothing */
	must("<message from='bob@example.test/phone' type='chat' id='m6'>"
	     "<apply-to xmlns='urn:xmpp:fasten:0' id='m2'>"
	     "<reactions xmlns='urn:example:other'/></apply-to></message>",
	     &m);
	assert_null(m.retract_id);
	xmpp_msg_free(&m);
}

static void test_chat_markers(void **state)
{
	struct xmpp_msg m;

	must("<message from='bob@example.test/phone' type='chat' id='m7'><body>x</body>"
	     "<markable xmlns='urn:xmpp:chat-markers:0'/></message>",
	     &m);
	assert_int_equal(m.markable, 1);
	assert_null(m.displayed_id);
	xmpp_msg_free(&m);

	must("<message from='bob@example.test/phone' type='chat' id='m8'>"
	     "<displayed xmlns='urn:xmpp:chat-markers:0' id='m7'/></message>",
	     &m);
	assert_string_equal(m.displayed_id, "m7");
	assert_int_equal(m.markable, 0);
	assert_null(m.body);
	xmpp_msg_free(&m);
}

static void test_oob_url(void **state)
{
	struct xmpp_msg m;

	must("<message from='bob@example.test/phone' type='chat' id='m9'>"
	     "<body>https://up.example.test/a/cat.jpg</body><x xmlns='jabber:x:oob'>"
	     "<url>https://up.example.test/a/cat.jpg</url></x></message>",
	     &m);
	assert_string_equal(m.oob_url, "https://up.example.test/a/cat.jpg");
	xmpp_msg_free(&m);

	/* a url in another namespace is not a shared file */
	must("<message from='bob@example.test/phone' type='chat' id='m10'><body>x</body>"
	     "<x xmlns='jabber:x:other'><url>https://evil.test/</url></x></message>",
	     &m);
	assert_null(m.oob_url);
	xmpp_msg_free(&m);
}

static void test_mediated_and_direct_invitations(void **state)
{
	struct xmpp_msg m;

	must("<message from='room@conf.example.test' to='alice@example.test'>"
	     "<x xmlns='http://jabber.org/protocol/muc#user'>"
	     "<invite from='bob@example.test/phone'><reason>Join us</reason></invite>"
	     "<password>secret</password></x></message>",
	     &m);
	assert_string_equal(m.invite_room, "room@conf.example.test");
	assert_string_equal(m.invite_from, "bob@example.test/phone");
	assert_string_equal(m.body, "Join us");
	xmpp_msg_free(&m);

	must("<message from='bob@example.test/phone' to='alice@example.test'>"
	     "<x xmlns='jabber:x:conference' jid='room@conf.example.test' reason='hey'/>"
	     "</message>",
	     &m);
	assert_string_equal(m.invite_room, "room@conf.example.test");
	assert_string_equal(m.invite_from, "bob@example.test/phone");
	xmpp_msg_free(&m);

	/* muc#user without an invite (a room's status message) invites nobody */
	must("<message from='room@conf.example.test' type='groupchat'>"
	     "<x xmlns='http://jabber.org/protocol/muc#user'><status code='104'/></x></message>",
	     &m);
	assert_null(m.invite_room);
	xmpp_msg_free(&m);
}

static void test_error_message_gives_the_servers_words_or_the_condition(void **state)
{
	struct xmpp_msg m;

	must("<message type='error' from='bob@example.test' id='m1'><error type='cancel'>"
	     "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
	     "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Gone fishing</text>"
	     "</error></message>",
	     &m);
	assert_string_equal(m.type, "error");
	assert_string_equal(m.id, "m1");
	assert_string_equal(m.error_text, "Gone fishing");
	xmpp_msg_free(&m);

	/* no text: the condition's name */
	must("<message type='error' from='bob@example.test' id='m2'><error type='cancel'>"
	     "<recipient-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
	     "</error></message>",
	     &m);
	assert_string_equal(m.error_text, "recipient-unavailable");
	xmpp_msg_free(&m);

	must("<message type='error' from='bob@example.test' id='m3'/>", &m);
	assert_non_null(m.error_text);
	assert_true(m.error_text[0] != 0);
	xmpp_msg_free(&m);

	/* not an error: no error_text even with an <error/> child */
	must("<message type='chat' from='bob@example.test' id='m4'><body>x</body><error>"
	     "<bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
	     &m);
	assert_null(m.error_text);
	xmpp_msg_free(&m);
}

static int64_t stamp_of(const char *stamp)
{
	struct xmpp_msg m;
	char *xml;
	int64_t ms;

	xasprintf(&xml,
		  "<message from='bob@example.test/phone' type='chat' id='d'><body>x</body>"
		  "<delay xmlns='urn:xmpp:delay' from='example.test' stamp='%s'/></message>",
		  stamp);
	must(xml, &m);
	ms = m.stamp_ms;
	xmpp_msg_free(&m);
	free(xml);
	return ms;
}

static void test_delay_stamps_to_the_millisecond(void **state)
{
	const int64_t t = T_2026 * 1000;

	assert_int_equal(stamp_of("2026-01-02T03:04:05Z"), t);
	assert_int_equal(stamp_of("2026-01-02T03:04:05.678Z"), t + 678);
	assert_int_equal(stamp_of("2026-01-02T03:04:05.5Z"), t + 500);
	assert_int_equal(stamp_of("2026-01-02T03:04:05.06Z"), t + 60);
	/* more digits than milliseconds: cut, not rounded, not overflowed */
	assert_int_equal(stamp_of("2026-01-02T03:04:05.678999999999Z"), t + 678);
	assert_int_equal(stamp_of("2026-01-02T11:04:05.678+08:00"), t + 678);
	assert_int_equal(stamp_of("2026-01-01T21:34:05.001-05:30"), t + 1);
	assert_int_equal(stamp_of("2026-01-02T03:04:05+00:00"), t);
	/* an offset that crosses the year */
	assert_int_equal(stamp_of("2026-01-01T23:04:05-04:00"), t);
	/* not a date: no stamp (the message counts as live) */
	assert_int_equal(stamp_of("yesterday"), 0);
	assert_int_equal(stamp_of("2026-13-02T03:04:05Z"), 0);
	assert_int_equal(stamp_of("2026-01-02T03:04:05 GMT"), 0);
	assert_int_equal(stamp_of(""), 0);
}

static void test_carbon_delay_on_the_forward_wins(void **state)
{
	struct xmpp_msg m;

	must("<message from='alice@example.test'><received xmlns='urn:xmpp:carbons:2'>"
	     "<forwarded xmlns='urn:xmpp:forward:0'>"
	     "<delay xmlns='urn:xmpp:delay' stamp='2026-01-02T03:04:05.678Z'/>"
	     "<message from='bob@example.test/phone' type='chat' id='x'><body>x</body>"
	     "</message></forwarded></received></message>",
	     &m);
	assert_int_equal(m.stamp_ms, T_2026 * 1000 + 678);
	xmpp_msg_free(&m);
}

static void test_not_xml_and_not_a_message_are_refused(void **state)
{
	assert_refused("");
	assert_refused("hello");
	assert_refused("<message from='bob@example.test'><body>unclosed</message>");
	assert_refused("<message from='bob@example.test'><body>x</body>");
	assert_refused("<message from='bob@example.test' from='twice'><body>x</body></message>");
	assert_refused("<message><body>&bogus;</body></message>");
	/* a character XML 1.0 cannot carry, even as a reference */
	assert_refused("<message><body>a&#1;b</body></message>");
	/* bytes that are not UTF-8 */
	assert_refused("<message><body>\xff\xfe</body></message>");
	assert_refused("<iq type='get' id='1' from='bob@example.test'><ping xmlns='urn:xmpp:ping'/>"
		       "</iq>");
	assert_refused("<presence from='bob@example.test/phone'/>");
	assert_refused("<body>just a body</body>");
}

static void test_length_bounds_the_input(void **state)
{
	static const char xml[] = "<message from='bob@example.test'><body>x</body></message>"
				  "<garbage";
	struct xmpp_msg m;
	struct err e = { 0 };

	/* only len bytes are read: the tail past it does not spoil the stanza */
	assert_int_equal(xmpp_msg_parse_text(xml, strlen(xml) - strlen("<garbage"), OWN, &m, &e),
			 0);
	assert_string_equal(m.body, "x");
	xmpp_msg_free(&m);
	/* and a stanza cut short by len is not one */
	assert_int_equal(xmpp_msg_parse_text(xml, 20, OWN, &m, &e), E_PARSE);
	xmpp_msg_free(&m);
}

static void test_body_with_c1_controls_and_references_is_text(void **state)
{
	struct xmpp_msg m;

	must("<message from='bob@example.test/phone' type='chat' id='u1'>"
	     "<body>a&#x85;b&#159;c &lt;tag&gt; &amp;amp; &#x4E2D;\xe6\x96\x87 &quot;q&apos;"
	     "\tline\nnext</body><subject>&#x80;topic</subject></message>",
	     &m);
	assert_utf8(m.body);
	assert_string_equal(m.body, "a\xc2\x85"
				    "b\xc2\x9f"
				    "c <tag> &amp; \xe4\xb8\xad\xe6\x96\x87 \"q'\tline\nnext");
	assert_int_equal(m.has_subject, 1);
	assert_string_equal(m.subject, "\xc2\x80topic");
	xmpp_msg_free(&m);

	/* an empty body is an empty string, not none */
	must("<message from='bob@example.test' type='chat'><body/></message>", &m);
	assert_non_null(m.body);
	assert_string_equal(m.body, "");
	xmpp_msg_free(&m);
}

static void test_every_string_is_valid_utf8(void **state)
{
	struct xmpp_msg m;

	must("<message from='bob@example.test/\xe6\x89\x8b\xe6\x9c\xba' type='chat'"
	     " id='&#x10FFFF;'><body>\xf0\x9f\x98\x80</body>"
	     "<origin-id xmlns='urn:xmpp:sid:0' id='\xc3\xa9'/></message>",
	     &m);
	assert_utf8(m.from);
	assert_utf8(m.id);
	assert_utf8(m.origin_id);
	assert_string_equal(m.body, "\xf0\x9f\x98\x80");
	assert_string_equal(m.id, "\xf4\x8f\xbf\xbf");
	xmpp_msg_free(&m);
}

/* ---- JIDs ------------------------------------------------------------------------- */

static void test_jid_good(void **state)
{
	assert_true(xmpp_jid_valid("alice@example.test", 1));
	assert_true(xmpp_jid_valid("alice@example.test", 0));
	assert_true(xmpp_jid_valid("alice@example.test/atrium.x1", 0));
	assert_true(xmpp_jid_valid("example.test", 1));
	assert_true(xmpp_jid_valid("example.test/res", 0));
	assert_true(xmpp_jid_valid("\xe7\x8e\x8b\xe5\xb0\x8f\xe6\x98\x8e@\xe4\xbe\x8b\xe5\xad\x90"
				   ".test",
				   1));
	/* a resource may hold @ and / (RFC 7622 §3.4) */
	assert_true(xmpp_jid_valid("room@conf.example.test/nick@home/x", 0));
	assert_true(xmpp_jid_valid("a/b@example.test", 0));
	/* IP literals are domains */
	assert_true(xmpp_jid_valid("alice@[::1]", 1));
	assert_true(xmpp_jid_valid("alice@127.0.0.1", 1));
}

static void test_jid_resource_may_hold_spaces(void **state)
{
	/* RFC 7622 §3.4: a resourcepart is an OpaqueString (RFC 8265), which
	 * allows U+0020: MUC nicks like "John Doe" are common */
	assert_true(xmpp_jid_valid("room@conf.example.test/John Doe", 0));
	assert_true(xmpp_jid_valid("alice@example.test/my laptop", 0));
}

static void test_jid_bad(void **state)
{
	char *s;

	assert_false(xmpp_jid_valid(NULL, 0));
	assert_false(xmpp_jid_valid("", 0));
	assert_false(xmpp_jid_valid("al ice@example.test", 0));
	assert_false(xmpp_jid_valid("alice@exa mple.test", 0));
	assert_false(xmpp_jid_valid(" alice@example.test", 0));
	assert_false(xmpp_jid_valid("alice@example.test ", 1));
	assert_false(xmpp_jid_valid("a@b@example.test", 0));
	assert_false(xmpp_jid_valid("alice@example.test@x", 0));
	assert_false(xmpp_jid_valid("@example.test", 0));
	assert_false(xmpp_jid_valid("alice@", 0));
	assert_false(xmpp_jid_valid("alice@/res", 0));
	assert_false(xmpp_jid_valid("alice@example.test/", 0));
	assert_false(xmpp_jid_valid("/res", 0));
	assert_false(xmpp_jid_valid("alice@example.test/res", 1));
	assert_false(xmpp_jid_valid("alice@exa..mple.test", 0));
	assert_false(xmpp_jid_valid("alice@.example.test", 0));
	assert_false(xmpp_jid_valid("alice@example..test/r", 0));
	assert_false(xmpp_jid_valid("al:ice@example.test", 0));
	assert_false(xmpp_jid_valid("al&ice@example.test", 0));
	assert_false(xmpp_jid_valid("al'ice@example.test", 0));
	assert_false(xmpp_jid_valid("al\"ice@example.test", 0));
	assert_false(xmpp_jid_valid("alice@exam<ple.test", 0));
	/* controls */
	assert_false(xmpp_jid_valid("ali\x01" "ce@example.test", 0));
	assert_false(xmpp_jid_valid("alice@example.test\x7f", 0));
	assert_false(xmpp_jid_valid("alice@example.test/r\tx", 0));
	assert_false(xmpp_jid_valid("alice@example.test/r\nx", 0));
	/* not UTF-8: a lone continuation byte, an overlong '/', a surrogate */
	assert_false(xmpp_jid_valid("ali\x80" "ce@example.test", 0));
	assert_false(xmpp_jid_valid("alice@example.test\xc0\xaf" "x", 0));
	assert_false(xmpp_jid_valid("alice@example.test/\xed\xa0\x80", 0));
	assert_false(xmpp_jid_valid("alice\xff@example.test", 0));

	/* each part at most 1023 bytes */
	s = xmalloc(1024 + 40);
	memset(s, 'a', 1023);
	strcpy(s + 1023, "@example.test");
	assert_true(xmpp_jid_valid(s, 1));
	memset(s, 'a', 1024);
	strcpy(s + 1024, "@example.test");
	assert_false(xmpp_jid_valid(s, 1));
	free(s);

	s = xmalloc(1100);
	strcpy(s, "alice@");
	memset(s + 6, 'd', 1024);
	s[6 + 1024] = 0;
	assert_false(xmpp_jid_valid(s, 1));
	s[6 + 1023] = 0;
	assert_true(xmpp_jid_valid(s, 1));
	free(s);

	s = xmalloc(1100);
	strcpy(s, "alice@example.test/");
	memset(s + 19, 'r', 1024);
	s[19 + 1024] = 0;
	assert_false(xmpp_jid_valid(s, 0));
	s[19 + 1023] = 0;
	assert_true(xmpp_jid_valid(s, 0));
	free(s);
}

static void test_jid_c1_controls_are_controls(void **state)
{
	/* U+0085 and U+009F are Cc: PRECIS disallows them in every part */
	assert_false(xmpp_jid_valid("ali\xc2\x85" "ce@example.test", 1));
	assert_false(xmpp_jid_valid("alice@example.test/r\xc2\x9f", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_chat_message_gives_its_ids_type_and_body),
		cmocka_unit_test(test_copy_of_a_message_owns_its_strings),
		cmocka_unit_test(test_message_without_type_is_normal_and_odd_type_too),
		cmocka_unit_test(test_groupchat_keeps_the_rooms_stanza_id_only),
		cmocka_unit_test(test_one_to_one_keeps_the_stanza_id_of_our_own_account_only),
		cmocka_unit_test(test_received_carbon_from_our_account_is_unwrapped),
		cmocka_unit_test(test_sent_carbon_from_our_account_is_unwrapped),
		cmocka_unit_test(test_carbon_from_anyone_else_is_forged),
		cmocka_unit_test(test_sent_carbon_not_sent_by_us_is_refused),
		cmocka_unit_test(test_receipt_is_not_mistaken_for_a_carbon),
		cmocka_unit_test(test_archive_result_gives_query_ids_stamp_and_archive),
		cmocka_unit_test(test_correction_names_the_replaced_message),
		cmocka_unit_test(test_retraction_in_both_forms),
		cmocka_unit_test(test_chat_markers),
		cmocka_unit_test(test_oob_url),
		cmocka_unit_test(test_mediated_and_direct_invitations),
		cmocka_unit_test(test_error_message_gives_the_servers_words_or_the_condition),
		cmocka_unit_test(test_delay_stamps_to_the_millisecond),
		cmocka_unit_test(test_carbon_delay_on_the_forward_wins),
		cmocka_unit_test(test_not_xml_and_not_a_message_are_refused),
		cmocka_unit_test(test_length_bounds_the_input),
		cmocka_unit_test(test_body_with_c1_controls_and_references_is_text),
		cmocka_unit_test(test_every_string_is_valid_utf8),
		cmocka_unit_test(test_jid_good),
		cmocka_unit_test(test_jid_resource_may_hold_spaces),
		cmocka_unit_test(test_jid_bad),
		cmocka_unit_test(test_jid_c1_controls_are_controls),
	};

	return cmocka_run_group_tests_name("net_xmpp", tests, NULL, NULL);
}
