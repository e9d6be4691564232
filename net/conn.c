/*
 * conn.c - a connectivity state per service, as the status line shows it,
 * and when to try again: exponential back-off with jitter, so a fleet of
 * clients cut off together does not return in lock-step.
 */
#include <string.h>

#include <sodium.h>

#include "i18n/i18n.h"
#include "net/net.h"

void net_conn_init(struct net_conn *c, const char *service, int forced)
{
	memset(c, 0, sizeof *c);
	snprintf(c->service, sizeof c->service, "%s", service);
	c->forced = forced;
	c->state = NET_OFFLINE;
	if (forced)
		snprintf(c->reason, sizeof c->reason, "%s", tr("files.reason.offline"));
}

void net_conn_ok(struct net_conn *c)
{
	c->state = NET_ONLINE;
	c->failures = 0;
	c->retry_at = 0;
	c->reason[0] = 0;
}

void net_conn_fail(struct net_conn *c, int code, const char *reason)
{
	snprintf(c->reason, sizeof c->reason, "%s", reason ? reason : "");
	c->failures++;
	if (code == E_TLS || code == E_AUTH) {
		/* trying again changes nothing until the user acts */
		c->state = NET_ERROR;
		c->retry_at = 0;
		return;
	}
	c->state = NET_OFFLINE;
	c->retry_at = loop_now_ms() + net_backoff_ms(c->failures);
}

int net_conn_may_try(const struct net_conn *c, int64_t now_ms)
{
	if (c->forced)
		return 0;
	if (c->state == NET_ERROR)
		return 0;
	return c->retry_at == 0 || now_ms >= c->retry_at;
}

int net_backoff_ms(int failures)
{
	int64_t ms = 1000;

	for (int i = 1; i < failures && ms < 300000; i++)
		ms *= 2;
	if (ms > 300000)
		ms = 300000;
	/* ±25 % */
	ms = ms * 3 / 4 + (int64_t)randombytes_uniform((uint32_t)(ms / 2 + 1));
	return (int)ms;
}

const char *net_state_name(enum net_state s)
{
	switch (s) {
	case NET_ONLINE:
		return "online";
	case NET_CONNECTING:
		return "connecting";
	case NET_ERROR:
		return "error";
	default:
		return "offline";
	}
}
