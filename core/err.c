/*
 * err.c - error values and fatal(). Errors are values (see core.h); the
 * message says what failed and what was kept so the user can act on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

void err_clear(struct err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}

const char *err_name(int code)
{
	switch (code) {
	case E_OK: return "ok";
	case E_USAGE: return "usage";
	case E_NOTFOUND: return "not found";
	case E_QUEUED: return "queued";
	case E_AUTH: return "authentication refused";
	case E_TLS: return "TLS refused";
	case E_CONFLICT: return "conflict";
	case E_LOCKED: return "store locked";
	case E_UNREACHABLE: return "server unreachable";
	case E_IO: return "I/O error";
	case E_PARSE: return "parse error";
	case E_PERM: return "permission denied";
	case E_RANGE: return "out of range";
	case E_CANCELLED: return "cancelled";
	case E_INTERNAL: return "internal error";
	}
	return "unknown error";
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("atrium: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	log_close();
	abort();
}
