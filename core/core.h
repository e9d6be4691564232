/*
 * core.h - the small services every layer of atrium uses: error values,
 * allocation, growable buffers, logging, JSON output and the event loop.
 *
 * core/ depends on libc only. Every function that can fail returns 0 or a
 * negative E_* code and, where the caller needs to tell the user what went
 * wrong, fills a struct err.
 */
#ifndef ATRIUM_CORE_H
#define ATRIUM_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ATRIUM_VERSION "0.1.0"

#if defined(__GNUC__)
#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTFLIKE(f, a)
#define NORETURN
#endif

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors ------------------------------------------------------------ */

/* One project-wide list. Batch mode maps them to exit codes (app/batch.c). */
enum {
	E_OK = 0,
	E_USAGE = -1,       /* bad option, verb or argument */
	E_NOTFOUND = -2,    /* no such message, file, cell, ... */
	E_QUEUED = -3,      /* not an error: kept in the outbox while offline */
	E_AUTH = -4,        /* authentication refused */
	E_TLS = -5,         /* certificate or TLS policy refused */
	E_CONFLICT = -6,    /* the server has a different version */
	E_LOCKED = -7,      /* the store is locked / no key */
	E_UNREACHABLE = -8, /* server unreachable for a command that cannot queue */
	E_IO = -9,          /* a local read or write failed */
	E_PARSE = -10,      /* malformed input */
	E_PERM = -11,       /* permissions refuse it (file modes, policy) */
	E_RANGE = -12,      /* value out of range */
	E_CANCELLED = -13,  /* the user cancelled */
	E_INTERNAL = -14,   /* a bug: should not happen */
};

struct err {
	int code;
	char msg[512];
};

/* Set code and message; returns code so callers can `return err_set(...)`. */
int err_set(struct err *e, int code, const char *fmt, ...) PRINTFLIKE(3, 4);
void err_clear(struct err *e);
/* A short English name of a code ("usage", "not found", ...), for logs. */
const char *err_name(int code);

/* Print "atrium: fatal: ..." and abort. Only for impossible states. */
void fatal(const char *fmt, ...) PRINTFLIKE(1, 2) NORETURN;

/* ---- allocation (failure is fatal) ------------------------------------- */

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array to hold at least `need` elements of `size` bytes. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
int xasprintf(char **out, const char *fmt, ...) PRINTFLIKE(2, 3);
/* Replace *slot by a copy of s (or NULL), freeing the old value. */
void xstrset(char **slot, const char *s);

/* ---- growable byte buffer ---------------------------------------------- */

struct buf {
	char *data; /* always NUL-terminated when len > 0 or after buf_cstr */
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTFLIKE(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* The contents as a C string ("" when empty). */
const char *buf_cstr(struct buf *b);
/* Hand the storage to the caller (a C string); the buffer becomes empty. */
char *buf_detach(struct buf *b);

/* ---- command lines and UTF-8 ------------------------------------------------ */

/* Split a line into words with shell-like quoting; argv is NULL-terminated
 * and freed with argv_free. */
int argv_split(const char *line, int *argc, char ***argv, struct err *e);
void argv_free(int argc, char **argv);
/* Encode a code point (invalid ones as U+FFFD); returns 1..4 bytes. */
size_t utf8_encode(unsigned cp, char *out);
/* Decode one code point from s; returns its length, or 0 if the bytes are
 * not valid UTF-8 (overlong, surrogate, truncated). */
size_t utf8_decode(const char *s, size_t n, unsigned *cp);
/* Whether len bytes are valid UTF-8 throughout. */
int utf8_valid(const char *s, size_t len);

/* ---- file names from others (fname.c) ---------------------------------------- */

/* A name that stays in the folder it is saved to: the last path part, with
 * control characters and those Windows refuses as '_', no leading dot or
 * dash, no trailing dot or blank, at most 200 bytes (the extension kept);
 * an empty or reserved one (CON, LPT1, ...) becomes STEM-INDEX.ext. */
char *fname_safe(const char *name, const char *stem, int index);
/* Create name (from fname_safe) in dirfd, else name-1.ext, name-2.ext ...:
 * never overwriting, never through a symbolic link; written and fsynced.
 * *made (may be NULL) gets the name used. */
int fname_save_unique(int dirfd, const char *name, const void *data, size_t len, char **made,
		      struct err *e);

/* ---- logging ------------------------------------------------------------ */

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Open (append) the log file, created mode 0600. NULL path logs nowhere. */
int log_open(const char *path, enum log_level min, struct err *e);
void log_close(void);
/* The log file's descriptor, or -1 (the screen sends stray stderr there). */
int log_fileno(void);
void log_set_level(enum log_level min);
int log_level_parse(const char *s, enum log_level *out);
/* Thread-safe. Callers never pass secrets: passwords, keys and tokens are
 * not formatted into log lines anywhere in atrium. */
void log_msg(enum log_level lvl, const char *fmt, ...) PRINTFLIKE(2, 3);
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* ---- configuration files (INI) ---------------------------------------- */

/* A value and where it came from. Section "" holds the keys before any
 * [section] header. */
struct conf_item {
	char *section;
	char *key;
	char *value;
	char *file;
	int line;
	int locked; /* set by the administrator's policy: cannot be changed */
};

/* Why parsing failed, for callers that word the message themselves. */
enum conf_error {
	CONF_E_NONE,
	CONF_E_NUL,
	CONF_E_SECTION,      /* malformed [section] line; text holds it */
	CONF_E_SECTION_NAME, /* empty or too long; text holds the name */
	CONF_E_NO_EQUALS,    /* text holds the line */
	CONF_E_NO_KEY,
	CONF_E_KEY_NAME,     /* text holds the key */
	CONF_E_TOO_BIG,
	CONF_E_READ,         /* text holds the reason */
};

struct conf {
	struct conf_item *items;
	size_t n, cap;
	enum conf_error err; /* set when a parse fails */
	int err_line;
	char err_text[160];
};

void conf_init(struct conf *c);
void conf_free(struct conf *c);
/* Parse into c; later values replace earlier ones of the same key. */
int conf_parse_file(struct conf *c, const char *path, struct err *e);
int conf_parse_string(struct conf *c, const char *text, size_t len, const char *name,
		      struct err *e);
struct conf_item *conf_find(const struct conf *c, const char *section, const char *key);
const char *conf_get(const struct conf *c, const char *section, const char *key);
struct conf_item *conf_set(struct conf *c, const char *section, const char *key,
			   const char *value, const char *file, int line);
/* yes/no, true/false, on/off, 1/0. */
int conf_bool(const char *v, int *out);

/* ---- JSON output --------------------------------------------------------- */

/*
 * A streaming writer for --json output. Strings are written as valid JSON
 * whatever bytes they hold: invalid UTF-8 becomes U+FFFD, control
 * characters are escaped.
 */
struct json {
	FILE *f;
	int depth;
	int pretty;
	unsigned char need_comma[64];
	int after_key;
};

void json_init(struct json *j, FILE *f, int pretty);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
void json_int(struct json *j, long long v);
void json_num(struct json *j, double v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* Finish the document with a newline. */
void json_end(struct json *j);

/* ---- libraries loaded when first needed (dl.c) ---------------------------------- */

/*
 * Big libraries with long dependency chains (libcurl pulls in 30 shared
 * objects, libzip OpenSSL's libcrypto) cost milliseconds at every start
 * when linked; atrium loads them with dlopen the first time a feature needs
 * them. A struct dl_lib names the library and its symbols; dl_load fills
 * `slots` (one void * per name, in order) once per process, thread-safe.
 * A missing library or symbol is E_NOTFOUND with a message naming it and
 * the Debian package (`pkg`).
 */
struct dl_lib {
	const char *soname;  /* "libcurl-gnutls.so.4" */
	const char *pkg;     /* "libcurl3-gnutls" */
	const char *const *names; /* NULL-terminated */
	void **slots;        /* as many as names */
	/* filled by dl_load */
	int state;           /* 0 not tried, 1 loaded, <0 failed (E_*) */
	char why[256];
	void *handle;
};

int dl_load(struct dl_lib *lib, struct err *e);

/* ---- the event loop -------------------------------------------------------- */

/*
 * One loop per process, owned by the main thread: poll() over file
 * descriptors, timers, signals (self-pipe) and a wake-up pipe through which
 * worker threads post tasks to run on the main thread.
 */
struct loop;

/* LOOP_HUP is reported (with LOOP_READ) when the other end hung up or the
 * descriptor failed; it is never requested. */
enum { LOOP_READ = 1, LOOP_WRITE = 2, LOOP_HUP = 4 };

typedef void (*loop_io_fn)(int fd, int events, void *arg);
typedef void (*loop_fn)(void *arg);
typedef void (*loop_signal_fn)(int signo, void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *l);
/* Watch fd for LOOP_READ and/or LOOP_WRITE; one watch per fd. */
int loop_add_fd(struct loop *l, int fd, int events, loop_io_fn fn, void *arg);
int loop_mod_fd(struct loop *l, int fd, int events);
void loop_del_fd(struct loop *l, int fd);
/* A timer firing after ms milliseconds, again every ms if repeat. Returns an
 * id > 0 for loop_del_timer. */
int loop_add_timer(struct loop *l, int ms, int repeat, loop_fn fn, void *arg);
void loop_del_timer(struct loop *l, int id);
/* Run fn(arg) on the loop's thread soon. Safe from any thread and from
 * signal handlers' perspective it is not: use loop_on_signal for those. */
void loop_post(struct loop *l, loop_fn fn, void *arg);
/* Deliver signo through the loop (SIGWINCH, SIGTERM, ...). fn NULL to
 * restore the default disposition. */
int loop_on_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg);
/* Wait at most max_ms (-1: until something happens), dispatch what is
 * ready. Returns the number of callbacks run. */
int loop_run_once(struct loop *l, int max_ms);
/* Run until loop_stop. */
void loop_run(struct loop *l);
void loop_stop(struct loop *l);
int loop_stopped(struct loop *l);
/* Monotonic milliseconds. */
int64_t loop_now_ms(void);

/*
 * The screen's thread first. loop_background_threads (called once by the
 * screen, before it starts any worker) makes every later thread_background
 * call lower its own thread: ten nice levels and SCHED_BATCH, so that a thread
 * doing bulk work (a sync's parsing, reading an index) neither preempts the
 * screen's thread when it wakes nor shares a busy core with it evenly.
 * Without the screen (batch verbs) thread_background does nothing.
 */
void loop_background_threads(void);
void thread_background(void);

#endif
