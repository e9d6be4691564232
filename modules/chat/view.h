/*
 * view.h - the chat tab: conversations (rooms and contacts with unread
 * counts and presence) beside the open conversation and its input line.
 * A worker thread owns the XMPP session (sess.c): it connects, catches
 * up, pumps the connection and takes the tab's jobs; the screen reads
 * the store and never waits for the network.
 */
#ifndef ATRIUM_MODULES_CHAT_VIEW_H
#define ATRIUM_MODULES_CHAT_VIEW_H

#include "modules/module.h"

struct account;
struct chat_view;
struct ui_area;

struct chat_view *chat_view_new(const struct module_env *env);
void chat_view_free(struct chat_view *v);
void chat_view_draw(struct chat_view *v, struct ui_area *area, const struct account *acct);
int chat_view_key(struct chat_view *v, int key);
int chat_view_taking_text(struct chat_view *v);
/* Text typed and not sent (the shell asks before quitting). */
int chat_view_unsaved(struct chat_view *v);
void chat_view_event(struct chat_view *v, const struct module_event *ev);
void chat_view_status(struct chat_view *v, struct module_status *st);
/* A verb from the screen's command line: the worker runs what needs the
 * server; the store answers the rest at once. */
int chat_view_command(struct chat_view *v, struct cmd_ctx *ctx, int argc, char **argv);

#endif
