/*
 * module.h - the contract between the shell and a module (mail, chat, docs,
 * sheets, ...). In spirit tmux's struct window_mode: a table of callbacks
 * with a name. The shell (tui/) and the batch front end (app/) know modules
 * only through this header; app/registry.c holds the one table of them.
 *
 * The same command() entry serves ':' commands in the TUI and batch verbs
 * (`atrium MODULE VERB ARGS`), so every action has a verb.
 */
#ifndef ATRIUM_MODULE_H
#define ATRIUM_MODULE_H

#include <stdio.h>

struct conf;
struct err;
struct json;
struct loop;
struct store;
struct ui_area;

/* Connection state of a module's service, shown in the status line. */
enum svc_state {
	SVC_NONE,       /* the module has no service, or it is not configured */
	SVC_OFFLINE,    /* configured, not connected (or forced offline) */
	SVC_CONNECTING,
	SVC_ONLINE,
	SVC_ERROR,      /* with a reason in module_status.text */
};

struct module_status {
	enum svc_state state;
	int unread;     /* -1: not applicable */
	int queued;     /* outbox entries waiting for this service */
	int progress;   /* 0..100 for long work, -1 when idle */
	char text[128]; /* error reason or a short note; may be empty */
};

/* What the host (the program assembling modules) offers a module. */
struct module_env {
	struct loop *loop;
	const struct conf *conf; /* effective configuration (policy applied) */
	const char *home;        /* state directory (--home) */
	struct store *store;     /* the encrypted store, NULL until unlocked */
	int offline;             /* forced offline (--offline, :offline, policy) */
	int batch;               /* running a batch verb, no screen */
	void *host;
	/* Ask the shell to redraw soon (no-op in batch mode). */
	void (*redraw)(void *host);
	/* A one-line message for the user (status line, or stderr in batch). */
	void (*message)(void *host, const char *text);
};

/* The context of one command: where output goes and how. */
struct cmd_ctx {
	FILE *out;         /* stdout in batch mode; a pager buffer in the TUI */
	FILE *in;          /* stdin for "-" arguments; NULL in the TUI */
	struct json *json; /* non-NULL with --json: write one JSON document */
	int interactive;   /* from the TUI command line */
	struct err *err;   /* fill on failure; the caller prints it */
	/* Ask for a secret (passphrase, password): without echo on a
	 * terminal or in the screen's prompt, else a line of stdin; never a
	 * prompt to a script. confirm asks twice. 0 or an E_* code. */
	int (*ask_secret)(const char *prompt, int confirm, char *buf, size_t len, struct err *e);
	/* Ask a yes/no question in the screen; NULL in batch mode, where a
	 * verb that would ask needs --yes instead. 1 for yes. */
	int (*confirm)(const char *question);
};

enum module_event_type {
	MEV_STORE_CHANGED, /* something this module shows changed in the store */
	MEV_NET_STATE,     /* a service changed connection state */
	MEV_SYNC_DONE,
	MEV_CONFLICT,
	MEV_OFFLINE,       /* forced offline switched; env->offline is current */
	MEV_SHOWN,         /* the module's tab came to the front, or the
			    * terminal got the focus back while it was there */
};

struct module_event {
	enum module_event_type type;
	const char *service; /* "mail", "chat", "files" */
	const char *detail;
};

/* A verb for help, completion and batch usage. Strings are catalog keys
 * except name and args. */
struct module_verb {
	const char *name;     /* "send" */
	const char *args;     /* "--to ADDR --subject TEXT [-]" */
	const char *help_key; /* catalog key of a one-line description */
};

/* A key binding for the help overlay. */
struct module_key {
	const char *keys;     /* "j / Down" as shown to the user */
	const char *help_key; /* catalog key of what it does */
};

struct module {
	const char *name;      /* "mail": the batch and ':' command name */
	const char *title_key; /* catalog key of the tab title */

	int (*init)(const struct module_env *env, void **state);
	void (*free)(void *state);
	/* Draw into the area with tui widgets. */
	void (*draw)(void *state, struct ui_area *area);
	/* A key (tui key code); return 1 if handled. */
	int (*key)(void *state, int key);
	/* True while the module is taking text (editor, cell input): then ':'
	 * is text and only Ctrl-E opens the command line. */
	int (*taking_text)(void *state);
	/* Run a verb: argv[0] is the verb. Returns 0 or an E_* code with
	 * ctx->err filled. state is NULL-safe: batch mode runs init first. */
	int (*command)(void *state, struct cmd_ctx *ctx, int argc, char **argv);
	void (*on_event)(void *state, const struct module_event *ev);
	void (*status)(void *state, struct module_status *st);
	/* True while the module holds work the user has not saved: the shell
	 * asks before quitting. May be NULL. */
	int (*unsaved)(void *state);

	const struct module_verb *verbs; /* NULL-terminated by name */
	const struct module_key *keys;   /* NULL-terminated by keys */
	/* Whether [keys] may bind "MODULE.NAME": the shell refuses any other
	 * name of this module at start. NULL: the module binds none. */
	int (*key_action)(const char *name);
	/* The help overlay's left column for keys[i] as bound now (after
	 * [keys]), written to buf: 1, or 0 to show keys[i].keys. May be NULL. */
	int (*key_label)(void *state, int i, char *buf, size_t len);
};

/* The registry (app/registry.c): the compiled-in modules, in tab order. */
extern const struct module *const module_table[];
extern const int module_count;
const struct module *module_find(const char *name);

#endif
