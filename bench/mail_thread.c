/*
 * mail_thread.c - the cost of a folder's index (modules/mail/thread.c) on
 * generated folders of N messages: threading, the threaded order, each
 * flat sort, and the memory the index keeps and needs while it is built.
 * Message ids, References and subjects are shaped like real ones (40-60
 * byte ids, up to 10 references, list tags, Chinese and English subjects).
 * N from the arguments (default 100000 1000000); each figure the median of
 * 5 runs, in CPU time (a busy machine's wall clock says little about us;
 * BENCH_WALL=1 measures the wall clock instead).
 *
 *   make BUILD=build-x build-x/bench/mail_thread && build-x/bench/mail_thread
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "modules/mail/thread.h"

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

static clockid_t clock_id = CLOCK_PROCESS_CPUTIME_ID;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(clock_id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char *const words[] = {
	"budget", "report", "meeting", "quarter", "review", "project", "deadline", "team",
	"draft", "invoice", "travel", "schedule", "季度", "会议", "报告", "预算", "项目", "合同",
};
static const char *const tags[] = {"", "", "[dev] ", "[announce] ", "[团队] "};
static const char *const replies[] = {"Re: ", "RE: ", "回复：", "AW: ", "Re: Re: "};

struct folder {
	struct mail_trow *rows;
	size_t n;
	char *text;
};

/* A folder of n messages: 30% start a thread, the rest answer one of the
 * 2000 before; 2% are missing (deleted, referred to). */
static void generate(struct folder *f, size_t n)
{
	int32_t *parent = malloc(n * sizeof *parent);
	uint32_t *topic = malloc(n * sizeof *topic);
	size_t cap = n * 700, len = 0, m = 0;
	char *text = malloc(cap);
	size_t(*off)[4] = malloc(n * sizeof *off);
	struct mail_trow *rows = calloc(n, sizeof *rows);

#define ID(k) "<%08x%08x.%u@mail.example.com>", (unsigned)((k) * 2654435761u), (unsigned)(k), \
	      (unsigned)(k) % 97
	for (size_t i = 0; i < n; i++) {
		int32_t p = i && rnd(100) >= 30 ? (int32_t)(i - 1 - rnd(i < 2000 ? (uint32_t)i : 2000)) : -1;
		int32_t chain[10];
		int nc = 0;

		parent[i] = p;
		topic[i] = p >= 0 ? topic[p] : rnd(1u << 30);
		for (int32_t a = p; a >= 0 && nc < 10; a = parent[a])
			chain[nc++] = a;
		if (rnd(100) < 2)
			continue;
		off[m][0] = len;
		len += (size_t)sprintf(text + len, ID(i));
		text[len++] = '\0';
		off[m][1] = len;
		for (int k = nc - 1; k >= 0; k--)
			len += (size_t)sprintf(text + len, ID(chain[k])), text[len++] = ' ';
		text[len++] = '\0';
		off[m][2] = len;
		uint32_t tp = topic[i];
		len += (size_t)sprintf(text + len, "%s%s%s %s %u", p >= 0 ? replies[tp % 5] : "",
				       tags[tp % 5], words[tp % nitems(words)],
				       words[(tp / 7) % nitems(words)], tp % 1000);
		text[len++] = '\0';
		off[m][3] = len;
		len += (size_t)sprintf(text + len, "%s %u <p%u@example.com>",
				       words[rnd(nitems(words))], rnd(3000), rnd(3000));
		text[len++] = '\0';
		rows[m].id = (int64_t)m + 1;
		rows[m].date = 1700000000 + (int64_t)i * 60 + rnd(3600);
		rows[m].size = rnd(200000);
		m++;
	}
	for (size_t i = 0; i < m; i++) {
		rows[i].message_id = text + off[i][0];
		rows[i].refs = text + off[i][1];
		rows[i].in_reply_to = NULL;
		rows[i].subject = text + off[i][2];
		rows[i].from = text + off[i][3];
	}
	free(off);
	free(parent);
	free(topic);
	f->rows = rows;
	f->n = m;
	f->text = text;
}

static long peak_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void run(size_t n)
{
	struct folder f;
	enum { RUNS = 5 };
	double build[RUNS], order[RUNS], sort[4][RUNS];
	static const char *const names[] = {"date", "from", "subject", "size"};

	generate(&f, n);
	uint32_t *o = malloc(f.n * sizeof *o);
	long before = peak_kb();
	size_t used0 = mallinfo2().uordblks, kept = 0, nthr = 0;
	for (int r = 0; r < RUNS; r++) {
		struct mail_threads t;
		double t0 = now_ms();

		mail_thread_build(&t, f.rows, f.n);
		build[r] = now_ms() - t0;
		kept = mallinfo2().uordblks - used0;
		nthr = t.nthr;
		t0 = now_ms();
		mail_thread_order(&t, 1, o);
		order[r] = now_ms() - t0;
		for (int k = 0; k < 4; k++) {
			t0 = now_ms();
			mail_thread_sort(&t, (enum mail_tsort)k, k & 1, o);
			sort[k][r] = now_ms() - t0;
		}
		mail_thread_free(&t);
	}
	qsort(build, RUNS, sizeof *build, cmp_double);
	qsort(order, RUNS, sizeof *order, cmp_double);
	printf("%zu messages, %zu threads\n", f.n, nthr);
	printf("  threading        %8.1f ms\n", build[RUNS / 2]);
	printf("  threaded order   %8.1f ms\n", order[RUNS / 2]);
	for (int k = 0; k < 4; k++) {
		qsort(sort[k], RUNS, sizeof *sort[k], cmp_double);
		printf("  sort by %-8s %8.1f ms\n", names[k], sort[k][RUNS / 2]);
	}
	printf("  index kept       %8.1f MB (%.0f bytes a message)\n", kept / 1048576.0,
	       (double)kept / (double)f.n);
	printf("  peak while built %8.1f MB more than the rows\n", (peak_kb() - before) / 1024.0);
	free(o);
	free(f.rows);
	free(f.text);
}

int main(int argc, char **argv)
{
	const char *wall = getenv("BENCH_WALL");

	if (wall && *wall == '1')
		clock_id = CLOCK_MONOTONIC;
	printf("(%s time)\n", clock_id == CLOCK_MONOTONIC ? "wall" : "CPU");
	if (argc < 2) {
		run(100000);
		run(1000000);
	}
	for (int i = 1; i < argc; i++)
		run((size_t)strtoul(argv[i], NULL, 10));
	return 0;
}
