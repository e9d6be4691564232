/*
 * schema.c - the one schema of the cache (all modules) and the outbox, as
 * forward-only migrations: entry i takes a database from version i to i+1
 * (PRAGMA user_version). Never edit a released step; add one.
 */
#include "store/internal.h"

const char *const store_cache_migrations[] = {
	/* 0 -> 1: bookkeeping and offline search. Only fts.c writes `search`:
	 * its rowids are a hash of (kind, ref), part of the file format. */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
	"CREATE VIRTUAL TABLE search USING fts5(kind UNINDEXED, ref UNINDEXED, title, body,"
	" tokenize='atrium');",

	/* 1 -> 2: what the modules keep offline */
	"CREATE TABLE mail_folder(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
	" name TEXT NOT NULL, special TEXT, uidvalidity INTEGER, uidnext INTEGER,"
	" highestmodseq INTEGER, subscribed INTEGER NOT NULL DEFAULT 1,"
	" UNIQUE(account, name));"
	"CREATE TABLE mail_msg(id INTEGER PRIMARY KEY,"
	" folder INTEGER NOT NULL REFERENCES mail_folder(id) ON DELETE CASCADE,"
	" uid INTEGER NOT NULL, message_id TEXT, in_reply_to TEXT, refs TEXT,"
	" date INTEGER, from_addr TEXT, to_addrs TEXT, cc_addrs TEXT, subject TEXT,"
	" size INTEGER, flags INTEGER NOT NULL DEFAULT 0,"
	" has_attachment INTEGER NOT NULL DEFAULT 0, modseq INTEGER, body_blob TEXT,"
	" UNIQUE(folder, uid));"
	"CREATE INDEX mail_msg_date ON mail_msg(folder, date DESC);"
	"CREATE INDEX mail_msg_msgid ON mail_msg(message_id);"
	"CREATE TABLE chat_conv(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
	" jid TEXT NOT NULL, kind TEXT NOT NULL, name TEXT, last_stanza_id TEXT,"
	" unread INTEGER NOT NULL DEFAULT 0, UNIQUE(account, jid));"
	"CREATE TABLE chat_msg(id INTEGER PRIMARY KEY,"
	" conv INTEGER NOT NULL REFERENCES chat_conv(id) ON DELETE CASCADE,"
	" stanza_id TEXT, origin_id TEXT, sender TEXT, body TEXT, ts INTEGER NOT NULL,"
	" corrects TEXT, retracted INTEGER NOT NULL DEFAULT 0, UNIQUE(conv, stanza_id));"
	"CREATE INDEX chat_msg_ts ON chat_msg(conv, ts);"
	"CREATE TABLE file_entry(id INTEGER PRIMARY KEY, share TEXT NOT NULL,"
	" path TEXT NOT NULL, is_dir INTEGER NOT NULL DEFAULT 0, etag TEXT, size INTEGER,"
	" mtime INTEGER, base_blob TEXT, local_blob TEXT, dirty INTEGER NOT NULL DEFAULT 0,"
	" listed_at INTEGER, UNIQUE(share, path));",

	/* 2 -> 3: the docs editor's crash-recovery journal (modules/docs/recover.c;
	 * in outbox.db since its version 2: these two tables stay empty) */
	"CREATE TABLE doc_journal(path TEXT PRIMARY KEY, base_size INTEGER,"
	" base_mtime INTEGER, base_hash BLOB, text BLOB NOT NULL, updated INTEGER NOT NULL);",

	/* 3 -> 4: the journal logs edits: `text` is a full copy only when
	 * `full`; doc_journal_ops holds the edits made on it (or, without a
	 * full copy, on the file as base_* identify it), appended each tick */
	"ALTER TABLE doc_journal ADD COLUMN full INTEGER NOT NULL DEFAULT 1;"
	"CREATE TABLE doc_journal_ops(path TEXT NOT NULL, seq INTEGER NOT NULL,"
	" ops BLOB NOT NULL, PRIMARY KEY(path, seq));",

	/* 4 -> 5: folders of the share kept available offline (modules/files) */
	"CREATE TABLE file_pin(share TEXT NOT NULL, path TEXT NOT NULL,"
	" PRIMARY KEY(share, path));",

	/* 5 -> 6: unread counts per folder from the unread messages alone (a
	 * count over a 100k-message table decrypted every page of it) */
	"CREATE INDEX mail_msg_unseen ON mail_msg(folder) WHERE (flags & 1) = 0;",

	/* 6 -> 7: chat (modules/chat): ts in milliseconds; a message is known
	 * by the archive's stanza id once it has one, by its origin id (ours:
	 * the outbox key) or its id attribute before; state of our own:
	 * 1 queued, 2 on the server, 3 delivered, 4 read, 5 failed; an event
	 * (a kick, a nick change, a topic, an invitation) is a row with its
	 * kind in `event` and its words in body */
	"ALTER TABLE chat_conv ADD COLUMN nick TEXT;"
	"ALTER TABLE chat_conv ADD COLUMN topic TEXT;"
	"ALTER TABLE chat_conv ADD COLUMN joined INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chat_conv ADD COLUMN mentions INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chat_conv ADD COLUMN oldest_id TEXT;"
	"ALTER TABLE chat_conv ADD COLUMN archive_start INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chat_conv ADD COLUMN last_ts INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chat_msg ADD COLUMN msg_id TEXT;"
	"ALTER TABLE chat_msg ADD COLUMN nick TEXT;"
	"ALTER TABLE chat_msg ADD COLUMN outgoing INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chat_msg ADD COLUMN state INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chat_msg ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chat_msg ADD COLUMN mention INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chat_msg ADD COLUMN url TEXT;"
	"ALTER TABLE chat_msg ADD COLUMN error TEXT;"
	"ALTER TABLE chat_msg ADD COLUMN event TEXT;"
	"CREATE INDEX chat_msg_origin ON chat_msg(conv, origin_id);"
	"CREATE INDEX chat_msg_msgid ON chat_msg(conv, msg_id);"
	"CREATE TABLE chat_roster(account TEXT NOT NULL, jid TEXT NOT NULL, name TEXT,"
	" subscription TEXT NOT NULL DEFAULT 'none', ask INTEGER NOT NULL DEFAULT 0,"
	" request INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(account, jid));",

	/* 7 -> 8: a folder's count of cached messages (uid > 0) as the mail
	 * sync last counted it, NULL once any row of it is added, removed or
	 * moved: a no-change resync compares it with the server's count
	 * instead of counting 100k rows (40% of that resync's CPU) */
	"ALTER TABLE mail_folder ADD COLUMN cached INTEGER;"
	"CREATE TRIGGER mail_msg_cached_ins AFTER INSERT ON mail_msg BEGIN"
	" UPDATE mail_folder SET cached=NULL WHERE id=new.folder AND cached IS NOT NULL; END;"
	"CREATE TRIGGER mail_msg_cached_del AFTER DELETE ON mail_msg BEGIN"
	" UPDATE mail_folder SET cached=NULL WHERE id=old.folder AND cached IS NOT NULL; END;"
	"CREATE TRIGGER mail_msg_cached_upd AFTER UPDATE OF folder, uid ON mail_msg BEGIN"
	" UPDATE mail_folder SET cached=NULL WHERE id IN (old.folder, new.folder)"
	" AND cached IS NOT NULL; END;",
};
const int store_cache_version = (int)nitems(store_cache_migrations);

const char *const store_outbox_migrations[] = {
	/* 0 -> 1: queued writes and the credential vault */
	"CREATE TABLE outbox(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" service TEXT NOT NULL, kind TEXT NOT NULL, idem_key TEXT NOT NULL,"
	" state INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,"
	" summary TEXT NOT NULL, payload BLOB, UNIQUE(service, idem_key));"
	"CREATE TABLE vault(service TEXT PRIMARY KEY, nonce BLOB NOT NULL,"
	" secret BLOB NOT NULL, updated INTEGER NOT NULL);",

	/* 1 -> 2: the docs editor's crash-recovery journal, as cache 3 -> 4
	 * made it, moved here: it is the user's unsaved text, which a rebuilt
	 * cache must not lose, and its commits no longer wait for the cache's
	 * bulk writers (store_open moves the rows of an older home) */
	"CREATE TABLE doc_journal(path TEXT PRIMARY KEY, base_size INTEGER,"
	" base_mtime INTEGER, base_hash BLOB, text BLOB NOT NULL, updated INTEGER NOT NULL,"
	" full INTEGER NOT NULL DEFAULT 1);"
	"CREATE TABLE doc_journal_ops(path TEXT NOT NULL, seq INTEGER NOT NULL,"
	" ops BLOB NOT NULL, PRIMARY KEY(path, seq));",
};
const int store_outbox_version = (int)nitems(store_outbox_migrations);
