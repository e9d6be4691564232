/*
 * sheets_bench.c - the engine's side of bench/sheets, timed inside the
 * process: load a CSV (numbers, or formulas that are then calculated) and
 * print the load time, the engine's storage per cell and the process's
 * peak RSS; with a cell given, then change that input cell N times (other
 * values each time) and print the median time of one change with its
 * recalculation, and how many formulas each change evaluated.
 *
 * Usage: sheets_bench FILE.csv [CELL [N]]
 * Prints key=value lines for bench/sheets to read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "modules/sheets/engine.h"
#include "modules/sheets/io.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		perror(path);
		exit(1);
	}
	rewind(f);
	data = xmalloc((size_t)n + 1);
	if (fread(data, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return data;
}

int main(int argc, char **argv)
{
	struct sheet_file f;
	struct sheet_ref r;
	struct rusage ru;
	struct err e;
	uint32_t rows, cols;
	size_t len, cells = 0;
	double t, *ms;
	char *data;
	int n = argc > 3 ? atoi(argv[3]) : 21;

	if (argc < 2 || n < 1) {
		fprintf(stderr, "usage: sheets_bench FILE.csv [CELL [N]]\n");
		return 2;
	}
	data = slurp(argv[1], &len);
	err_clear(&e);
	sheet_file_init(&f, NULL);
	t = now_ms();
	if (sheet_csv_load(&f, data, len, ',', &e) != 0) {
		fprintf(stderr, "sheets_bench: %s\n", e.msg);
		return 1;
	}
	printf("load_ms=%.1f\n", now_ms() - t);
	free(data);
	sheet_extent(f.wb, f.sheet, &rows, &cols);
	for (uint32_t c = 0; c < cols; c++)
		for (uint32_t row = 0; row < rows; row++) {
			struct sheet_value v;

			sheet_get(f.wb, f.sheet, row, c, &v);
			cells += v.type != SHEET_EMPTY;
		}
	printf("cells=%zu\nstorage_bytes=%zu\n", cells, sheet_storage_bytes(f.wb));
	if (argc > 2) {
		uint64_t evals;
		size_t used;

		if (sheet_ref_parse(f.wb, f.sheet, argv[2], strlen(argv[2]), &r, &used) != 0) {
			fprintf(stderr, "sheets_bench: bad cell %s\n", argv[2]);
			return 2;
		}
		ms = xmalloc((size_t)n * sizeof *ms);
		evals = sheet_eval_count(f.wb);
		for (int i = 0; i < n; i++) {
			t = now_ms();
			sheet_set_number(f.wb, f.sheet, r.r1, r.c1, 1000.0 + i);
			ms[i] = now_ms() - t;
		}
		printf("evals_per_change=%.0f\n", (double)(sheet_eval_count(f.wb) - evals) / n);
		qsort(ms, (size_t)n, sizeof *ms, cmp_double);
		printf("change_ms=%.3f\n", ms[n / 2]);
		free(ms);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("rss_kib=%ld\n", ru.ru_maxrss);
	sheet_file_free(&f);
	return 0;
}
