/*
 * replay.c - the outbox drained in order, the same way for every service
 * (see net.h). The ordering and the stopping rules live here; what an
 * entry means, and how it is sent, is the handler's.
 */
#include <string.h>

#include "i18n/i18n.h"
#include "net/net.h"

int net_replay(struct store *s, const char *service, net_replay_fn send, void *ctx,
	       int stop_at_conflict, FILE *log, struct net_replay_stats *st, struct err *e)
{
	struct outbox_entry *list;
	size_t n;
	int rc = 0;
	char line[1200];

	memset(st, 0, sizeof *st);
	if (store_outbox_list(s, service, &list, &n, e) < 0)
		return e->code;
	for (size_t i = 0; i < n; i++) {
		struct err e1;
		int r;

		if (list[i].state == OUTBOX_FAILED) {
			if (list[i].error && strncmp(list[i].error, "conflict", 8) == 0)
				st->conflicts++;
			else
				st->failed++;
			if (stop_at_conflict) {
				st->waiting += (int)(n - i - 1);
				break;
			}
			continue;
		}
		if (rc < 0) { /* stopped: what is left waits */
			st->waiting++;
			continue;
		}
		err_clear(&e1);
		r = send(ctx, &list[i], &e1);
		if (r == 0) {
			st->sent++;
			if (log)
				fprintf(log, "%s\n", trf(line, sizeof line, "net.replay.sent",
							 TR_S(list[i].summary ? list[i].summary : "")));
		} else if (r == E_CONFLICT) {
			st->conflicts++;
			if (log)
				fprintf(log, "%s\n", trf(line, sizeof line, "net.replay.conflict",
							 TR_S(list[i].summary ? list[i].summary : "")));
			if (stop_at_conflict) {
				st->waiting += (int)(n - i - 1);
				break;
			}
		} else if (r == E_UNREACHABLE || r == E_TLS || r == E_AUTH) {
			st->waiting++;
			rc = err_set(e, r, "%s", e1.msg);
		} else {
			st->failed++;
			if (log)
				fprintf(log, "%s\n", trf(line, sizeof line, "net.replay.failed",
							 TR_S(list[i].summary ? list[i].summary : ""),
							 TR_S(e1.msg)));
		}
	}
	store_outbox_list_free(list, n);
	return rc;
}
