/*
 * html.c - an HTML part as text for a terminal.
 *
 * libxml2's HTML parser does the hard part (tag soup, implied elements,
 * entities) and its tree is walked without recursion, so a document nested
 * a million deep costs no stack. libxml2 is loaded with dlopen the first
 * time a message has HTML (core/dl.c): linked, it would be mapped at every
 * start for a feature many sessions never use. When it cannot be loaded a
 * small tokenizer feeds the same renderer: worse on broken markup, same
 * output on clean markup.
 *
 * The document is converted to UTF-8 here (ICU, mail's charset fallbacks)
 * and handed to libxml2 as UTF-8, so its <meta charset> cannot switch the
 * parser to a narrower decoder (GB2312 for a GB18030 text). Nothing is
 * fetched: HTML_PARSE_NONET, no external entities, images by alt text.
 */
#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "modules/mail/mail_int.h"

/* Past this size the simple renderer runs: its cost is linear and small. */
#define HTML_LIB_MAX (32u << 20)

/* ---- libxml2, loaded when first needed ------------------------------------------ */

#define XML_FUNCS(X) X(htmlReadMemory) X(xmlFreeDoc) X(xmlInitParser)
#define XML_NAME(f) #f,
#define XML_SLOT(f) __typeof__(&f) f;
#define XML_COUNT(f) +1

static const char *const xml_names[] = { XML_FUNCS(XML_NAME) NULL };

static union {
	void *slot[0 XML_FUNCS(XML_COUNT)];
	struct {
		XML_FUNCS(XML_SLOT)
	};
} lx;

_Static_assert(sizeof lx == sizeof lx.slot, "one pointer per libxml2 function");

static struct dl_lib xml_lib = {
	.soname = "libxml2.so.2",
	.pkg = "libxml2",
	.names = xml_names,
	.slots = lx.slot,
};

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static int xml_ok;

static void xml_load(void)
{
	struct err e = { 0 };

	if (dl_load(&xml_lib, &e) < 0) {
		log_warn("mail: HTML shown by the simple renderer: %s", e.msg);
		return;
	}
	lx.xmlInitParser();
	xml_ok = 1;
}

/* ---- the renderer ------------------------------------------------------------------ */

#define NEST 32

struct hr {
	struct buf *out;
	size_t start;   /* out->len when this document began */
	int want_nl;    /* line breaks wanted before the next text */
	int space;      /* collapsed white space pending */
	int bol;        /* at the beginning of a line */
	int pre, quote;
	int cells[NEST], ntable;  /* cells so far in each open table's row */
	int items[NEST], nlist;   /* -1 bullets, else the next number */
	char *href;               /* the open link's target */
	size_t href_mark;
	char ***links;
	size_t *nlinks;
};

static int nl_run(const struct hr *r)
{
	int n = 0;

	for (size_t i = r->out->len; i > r->start && r->out->data[i - 1] == '\n'; i--)
		n++;
	return n;
}

/* Before a piece of text: the breaks, the blank and the quote marks due. */
static void flush(struct hr *r)
{
	if (r->out->len == r->start) {
		r->want_nl = 0;
		r->space = 0;
		r->bol = 1;
	}
	if (r->want_nl) {
		for (int n = nl_run(r); n < r->want_nl; n++)
			buf_addc(r->out, '\n');
		r->want_nl = 0;
		r->space = 0;
		r->bol = 1;
	}
	if (r->bol) {
		/* a bounded prefix: quotes nested 100000 deep must not
		 * make every line 100000 bytes longer */
		for (int i = 0; i < r->quote && i < NEST; i++)
			buf_addc(r->out, '>');
		if (r->quote)
			buf_addc(r->out, ' ');
		r->bol = 0;
		r->space = 0;
	}
	if (r->space) {
		buf_addc(r->out, ' ');
		r->space = 0;
	}
}

static void block(struct hr *r, int n)
{
	if (r->want_nl < n)
		r->want_nl = n;
	r->space = 0;
}

static void newline(struct hr *r)
{
	if (r->want_nl || r->bol)
		flush(r);
	buf_addc(r->out, '\n');
	r->bol = 1;
	r->space = 0;
}

static void put_text(struct hr *r, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (r->pre) {
			if (c == '\n') {
				newline(r);
			} else if (c != '\r') {
				flush(r);
				buf_addc(r->out, (char)c);
			}
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			r->space = 1;
		} else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] == 0xa0) {
			/* no-break space: a blank that does not collapse */
			flush(r);
			buf_addc(r->out, ' ');
			i++;
		} else {
			flush(r);
			buf_addc(r->out, (char)c);
		}
	}
}

static void put_str(struct hr *r, const char *s)
{
	put_text(r, s, strlen(s));
}

/* What an element does to the text. */
enum tag {
	T_OTHER, T_SKIP, T_BLOCK1, T_BLOCK2, T_LIST, T_OLIST, T_LI, T_TABLE, T_TR, T_CELL,
	T_BR, T_HR, T_IMG, T_A, T_QUOTE, T_PRE,
};

static const struct {
	const char *name;
	enum tag tag;
} tags[] = { /* sorted for bsearch */
	{ "a", T_A },	       { "address", T_BLOCK2 }, { "article", T_BLOCK1 },
	{ "aside", T_BLOCK1 }, { "blockquote", T_QUOTE }, { "body", T_BLOCK1 },
	{ "br", T_BR },	       { "caption", T_BLOCK1 }, { "center", T_BLOCK1 },
	{ "dd", T_BLOCK1 },    { "details", T_BLOCK1 }, { "div", T_BLOCK1 },
	{ "dl", T_BLOCK2 },    { "dt", T_BLOCK1 },      { "fieldset", T_BLOCK2 },
	{ "figcaption", T_BLOCK1 }, { "figure", T_BLOCK2 }, { "footer", T_BLOCK1 },
	{ "form", T_BLOCK2 },  { "h1", T_BLOCK2 },      { "h2", T_BLOCK2 },
	{ "h3", T_BLOCK2 },    { "h4", T_BLOCK2 },      { "h5", T_BLOCK2 },
	{ "h6", T_BLOCK2 },    { "head", T_SKIP },      { "header", T_BLOCK1 },
	{ "hgroup", T_BLOCK1 }, { "hr", T_HR },         { "iframe", T_SKIP },
	{ "img", T_IMG },      { "li", T_LI },          { "main", T_BLOCK1 },
	{ "math", T_SKIP },    { "menu", T_LIST },      { "nav", T_BLOCK1 },
	{ "object", T_SKIP },  { "ol", T_OLIST },       { "p", T_BLOCK2 },
	{ "pre", T_PRE },      { "script", T_SKIP },    { "section", T_BLOCK1 },
	{ "style", T_SKIP },   { "summary", T_BLOCK1 }, { "svg", T_SKIP },
	{ "table", T_TABLE },  { "tbody", T_BLOCK1 },   { "td", T_CELL },
	{ "template", T_SKIP }, { "tfoot", T_BLOCK1 },  { "th", T_CELL },
	{ "thead", T_BLOCK1 }, { "title", T_SKIP },     { "tr", T_TR },
	{ "ul", T_LIST },
};

_Static_assert(nitems(tags) <= 64, "render_simple keeps a bit per tag");

static int tag_cmp(const void *k, const void *e)
{
	return strcmp(k, *(const char *const *)e);
}

static enum tag tag_of(const char *name)
{
	char low[16];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof low; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	if (name[i])
		return T_OTHER;
	low[i] = 0;
	const void *t = bsearch(low, tags, nitems(tags), sizeof tags[0], tag_cmp);
	return t ? ((const __typeof__(tags[0]) *)t)->tag : T_OTHER;
}

/* The link's target as it may be shown: no blanks or controls (browsers
 * drop them from URLs too), and only targets one can follow. */
static char *clean_href(const char *h)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0, n = strlen(h); i < n;) {
		unsigned cp;
		size_t l = utf8_decode(h + i, n - i, &cp);
		if (l == 0) {
			i++;
			continue;
		}
		if (cp > ' ' && !(cp >= 0x7f && cp <= 0x9f))
			buf_add(&b, h + i, l);
		i += l;
	}
	buf_cstr(&b);
	if (!b.len || b.data[0] == '#' || !strncasecmp(b.data, "javascript:", 11) ||
	    !strncasecmp(b.data, "data:", 5) || !strncasecmp(b.data, "vbscript:", 9)) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static void start(struct hr *r, enum tag t, const char *href, const char *alt)
{
	switch (t) {
	case T_BR:
		newline(r);
		break;
	case T_BLOCK2:
		block(r, 2);
		break;
	case T_TABLE:
		block(r, 2);
		if (r->ntable < NEST)
			r->cells[r->ntable] = 0;
		r->ntable++;
		break;
	case T_BLOCK1:
		block(r, 1);
		break;
	case T_LIST:
	case T_OLIST:
		block(r, 1);
		if (r->nlist < NEST)
			r->items[r->nlist] = t == T_OLIST ? 1 : -1;
		r->nlist++;
		break;
	case T_QUOTE:
		block(r, 2);
		r->quote++;
		break;
	case T_PRE:
		block(r, 2);
		r->pre++;
		break;
	case T_LI: {
		int d = r->nlist < NEST ? r->nlist : NEST;
		block(r, 1);
		flush(r);
		for (int i = 1; i < d; i++)
			buf_adds(r->out, "  ");
		if (d > 0 && r->items[d - 1] > 0) {
			buf_printf(r->out, "%d. ", r->items[d - 1]);
			r->items[d - 1]++;
		} else {
			buf_adds(r->out, "\xe2\x80\xa2 ");
		}
		break;
	}
	case T_TR:
		block(r, 1);
		if (r->ntable > 0 && r->ntable <= NEST)
			r->cells[r->ntable - 1] = 0;
		break;
	case T_CELL:
		if (r->ntable > 0 && r->ntable <= NEST && r->cells[r->ntable - 1]++ > 0) {
			flush(r);
			buf_adds(r->out, " | ");
		}
		break;
	case T_HR:
		block(r, 1);
		flush(r);
		buf_adds(r->out, "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80");
		block(r, 1);
		break;
	case T_IMG:
		if (alt && *alt) {
			put_str(r, "[");
			put_str(r, alt);
			put_str(r, "]");
		}
		break;
	case T_A:
		free(r->href);
		r->href = href ? clean_href(href) : NULL;
		r->href_mark = r->out->len;
		break;
	default:
		break;
	}
}

/* Links already numbered: the same target again gets the same number.
 * Only the last ones are compared, so a document of a million different
 * links costs a million comparisons times LINK_WINDOW, not a million
 * squared. */
#define LINK_WINDOW 256

static void link_end(struct hr *r)
{
	size_t i, n = *r->nlinks, from = n > LINK_WINDOW ? n - LINK_WINDOW : 0;

	if (r->out->len > r->href_mark) {
		for (i = from; i < n; i++)
			if (!strcmp((*r->links)[i], r->href))
				break;
		if (i == n) {
			*r->links = xreallocarray(*r->links, n + 1, sizeof **r->links);
			(*r->links)[(*r->nlinks)++] = r->href;
			r->href = NULL;
		}
		buf_printf(r->out, "[%zu]", i + 1);
	}
	free(r->href);
	r->href = NULL;
}

static void end(struct hr *r, enum tag t)
{
	switch (t) {
	case T_BLOCK2:
		block(r, 2);
		break;
	case T_TABLE:
		block(r, 2);
		if (r->ntable > 0)
			r->ntable--;
		break;
	case T_BLOCK1:
	case T_LI:
	case T_TR:
		block(r, 1);
		break;
	case T_LIST:
	case T_OLIST:
		block(r, 1);
		if (r->nlist > 0)
			r->nlist--;
		break;
	case T_QUOTE:
		block(r, 2);
		if (r->quote > 0)
			r->quote--;
		break;
	case T_PRE:
		block(r, 2);
		if (r->pre > 0)
			r->pre--;
		break;
	case T_A:
		if (r->href)
			link_end(r);
		break;
	default:
		break;
	}
}

/* ---- through libxml2 ---------------------------------------------------------------- */

static const char *attr(xmlNode *n, const char *name)
{
	for (xmlAttr *a = n->properties; a; a = a->next)
		if (a->name && !strcasecmp((const char *)a->name, name) && a->children &&
		    a->children->type == XML_TEXT_NODE && a->children->content)
			return (const char *)a->children->content;
	return NULL;
}

/* Walk the tree in document order without recursion. */
static void walk_tree(struct hr *r, xmlDoc *doc)
{
	xmlNode *n = doc->children;

	while (n) {
		int down = 0;
		if (n->type == XML_ELEMENT_NODE && n->name) {
			enum tag t = tag_of((const char *)n->name);
			if (t != T_SKIP) {
				start(r, t, t == T_A ? attr(n, "href") : NULL,
				      t == T_IMG ? attr(n, "alt") : NULL);
				down = 1;
			}
		} else if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
			   n->content) {
			put_str(r, (const char *)n->content);
		}
		if (down && n->children) {
			n = n->children;
			continue;
		}
		if (down)
			end(r, tag_of((const char *)n->name));
		while (n && !n->next) {
			n = n->parent;
			if (!n || (xmlDoc *)n == doc || n->type == XML_DOCUMENT_NODE ||
			    n->type == XML_HTML_DOCUMENT_NODE) {
				n = NULL;
				break;
			}
			end(r, tag_of((const char *)n->name));
		}
		if (n)
			n = n->next;
	}
}

static int render_lib(struct hr *r, const char *html, size_t len)
{
	xmlDoc *doc;

	pthread_once(&xml_once, xml_load);
	if (!xml_ok || len > HTML_LIB_MAX)
		return -1;
	doc = lx.htmlReadMemory(len ? html : " ", len ? (int)len : 1, NULL, "UTF-8",
				HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
					HTML_PARSE_RECOVER | HTML_PARSE_COMPACT);
	if (!doc)
		return -1;
	walk_tree(r, doc);
	lx.xmlFreeDoc(doc);
	return 0;
}

/* ---- without libxml2 ----------------------------------------------------------------- */

static const struct {
	const char *name, *utf8;
} entities[] = {
	{ "amp", "&" },         { "lt", "<" },           { "gt", ">" },
	{ "quot", "\"" },       { "apos", "'" },         { "nbsp", "\xc2\xa0" },
	{ "copy", "\xc2\xa9" }, { "reg", "\xc2\xae" },   { "trade", "\xe2\x84\xa2" },
	{ "mdash", "\xe2\x80\x94" }, { "ndash", "\xe2\x80\x93" }, { "hellip", "\xe2\x80\xa6" },
	{ "lsquo", "\xe2\x80\x98" }, { "rsquo", "\xe2\x80\x99" }, { "ldquo", "\xe2\x80\x9c" },
	{ "rdquo", "\xe2\x80\x9d" }, { "bull", "\xe2\x80\xa2" },  { "euro", "\xe2\x82\xac" },
	{ "middot", "\xc2\xb7" },    { "laquo", "\xc2\xab" },     { "raquo", "\xc2\xbb" },
	{ "yen", "\xc2\xa5" },       { "pound", "\xc2\xa3" },     { "times", "\xc3\x97" },
	{ "zwnj", "\xe2\x80\x8c" },  { "zwj", "\xe2\x80\x8d" },   { "shy", "\xc2\xad" },
};

/* Text with its character references decoded, appended to out. */
static void decode_entities(const char *s, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '&') {
			buf_addc(out, s[i]);
			continue;
		}
		size_t j = i + 1, k;
		if (j < len && s[j] == '#') {
			unsigned long cp = 0;
			int hex = j + 1 < len && (s[j + 1] == 'x' || s[j + 1] == 'X');
			for (k = j + 1 + hex; k < len && k < j + 12 && isxdigit((unsigned char)s[k]); k++) {
				if (!hex && !isdigit((unsigned char)s[k]))
					break;
				cp = cp * (hex ? 16 : 10) +
				     (unsigned long)(isdigit((unsigned char)s[k])
							     ? s[k] - '0'
							     : tolower((unsigned char)s[k]) - 'a' + 10);
			}
			if (k == j + 1 + hex) {
				buf_addc(out, '&');
				continue;
			}
			if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				cp = 0xfffd;
			char u[4];
			buf_add(out, u, utf8_encode((unsigned)cp, u));
			i = k < len && s[k] == ';' ? k : k - 1;
			continue;
		}
		for (k = j; k < len && k < j + 10 && isalnum((unsigned char)s[k]); k++)
			;
		size_t nl = k - j, e;
		for (e = 0; e < nitems(entities); e++)
			if (strlen(entities[e].name) == nl && !memcmp(s + j, entities[e].name, nl))
				break;
		if (nl && e < nitems(entities)) {
			buf_adds(out, entities[e].utf8);
			i = k < len && s[k] == ';' ? k : k - 1;
		} else {
			buf_addc(out, '&');
		}
	}
}

static void text_run(struct hr *r, const char *s, size_t len)
{
	struct buf b;

	if (!len)
		return;
	buf_init(&b);
	decode_entities(s, len, &b);
	put_text(r, b.data ? b.data : "", b.len);
	buf_free(&b);
}

/* The position after the tag's '>' (or len), reading its name and the
 * attributes the renderer uses. */
static size_t read_tag(const char *s, size_t len, size_t i, char *name, size_t nsize, int *close,
		       struct buf *href, struct buf *alt)
{
	size_t k = 0;

	i++; /* '<' */
	*close = i < len && s[i] == '/';
	if (*close)
		i++;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == ':')) {
		if (k + 1 < nsize)
			name[k++] = (char)tolower((unsigned char)s[i]);
		i++;
	}
	name[k] = 0;
	while (i < len && s[i] != '>') {
		size_t a0, a1, v0 = 0, v1 = 0;
		while (i < len && (isspace((unsigned char)s[i]) || s[i] == '/'))
			i++;
		a0 = i;
		while (i < len && !isspace((unsigned char)s[i]) && s[i] != '=' && s[i] != '>' &&
		       s[i] != '/')
			i++;
		a1 = i;
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i < len && s[i] == '=') {
			i++;
			while (i < len && isspace((unsigned char)s[i]))
				i++;
			if (i < len && (s[i] == '"' || s[i] == '\'')) {
				char q = s[i++];
				v0 = i;
				while (i < len && s[i] != q)
					i++;
				v1 = i;
				if (i < len)
					i++;
			} else {
				v0 = i;
				while (i < len && !isspace((unsigned char)s[i]) && s[i] != '>')
					i++;
				v1 = i;
			}
		}
		struct buf *to = a1 - a0 == 4 && !strncasecmp(s + a0, "href", 4) ? href
				 : a1 - a0 == 3 && !strncasecmp(s + a0, "alt", 3) ? alt
										   : NULL;
		if (to) {
			buf_reset(to);
			decode_entities(s + v0, v1 - v0, to);
			buf_cstr(to);
		}
		if (a1 == a0 && i < len && s[i] != '>')
			i++; /* a stray character: step over it */
	}
	return i < len ? i + 1 : len;
}

/* Where "</name" starts after i, or len. */
static size_t find_close(const char *s, size_t len, size_t i, const char *name)
{
	size_t nl = strlen(name);

	for (; i + 2 + nl <= len; i++)
		if (s[i] == '<' && s[i + 1] == '/' && !strncasecmp(s + i + 2, name, nl))
			return i;
	return len;
}

static void render_simple(struct hr *r, const char *s, size_t len)
{
	size_t i = 0, text = 0;
	struct buf href, alt;
	unsigned long long unclosed = 0; /* bit k: no "</tags[k]" after here */

	buf_init(&href);
	buf_init(&alt);
	while (i < len) {
		if (s[i] != '<' || i + 1 >= len ||
		    !(isalpha((unsigned char)s[i + 1]) || s[i + 1] == '/' || s[i + 1] == '!' ||
		      s[i + 1] == '?')) {
			i++;
			continue;
		}
		text_run(r, s + text, i - text);
		if (s[i + 1] == '!' || s[i + 1] == '?') {
			const char *e = NULL;
			if (i + 3 < len && !memcmp(s + i, "<!--", 4))
				e = memmem(s + i + 4, len - i - 4, "-->", 3);
			if (e) {
				i = (size_t)(e - s) + 3;
			} else {
				const char *gt = memchr(s + i, '>', len - i);
				i = gt ? (size_t)(gt - s) + 1 : len;
			}
			text = i;
			continue;
		}
		char name[32];
		int close;
		buf_reset(&href);
		buf_reset(&alt);
		i = read_tag(s, len, i, name, sizeof name, &close, &href, &alt);
		text = i;
		enum tag t = tag_of(name);
		if (!close && t == T_SKIP) {
			/* once a close tag is missing it stays missing: not
			 * looked for again (a document of "<title>" repeated
			 * would cost its length squared) */
			size_t k = 0, c = len;
			while (k < nitems(tags) && strcmp(tags[k].name, name))
				k++;
			if (!(unclosed & (1ull << k)) && (c = find_close(s, len, i, name)) == len)
				unclosed |= 1ull << k;
			/* an unclosed head or title is not worth the rest of
			 * the document (the tag is ignored); unclosed script
			 * and style are */
			if (c == len && (!strcmp(name, "head") || !strcmp(name, "title")))
				continue;
			const char *gt = c < len ? memchr(s + c, '>', len - c) : NULL;
			i = gt ? (size_t)(gt - s) + 1 : len;
			text = i;
			continue;
		}
		if (close)
			end(r, t);
		else
			start(r, t, href.len ? href.data : NULL, alt.len ? alt.data : NULL);
	}
	text_run(r, s + text, len - text);
	buf_free(&href);
	buf_free(&alt);
}

/* ---- the entry ------------------------------------------------------------------------ */

/* The charset a document declares in its first bytes (<meta charset=x>
 * or content="text/html; charset=x"), into cs. */
static void sniff_charset(const char *s, size_t len, char *cs, size_t n)
{
	size_t lim = len < 4096 ? len : 4096, k = 0;

	cs[0] = 0;
	for (size_t i = 0; i + 8 <= lim; i++) {
		if (strncasecmp(s + i, "charset=", 8))
			continue;
		i += 8;
		while (i < lim && (s[i] == '"' || s[i] == '\'' || s[i] == ' '))
			i++;
		while (i < lim && k + 1 < n &&
		       (isalnum((unsigned char)s[i]) || strchr("-_.:", s[i])))
			cs[k++] = s[i++];
		cs[k] = 0;
		return;
	}
}

void mail_html_text(const char *html, size_t len, const char *charset, int flags,
		    struct buf *out, char ***links, size_t *nlinks)
{
	struct hr r = { .out = out, .start = out->len, .bol = 1, .links = links,
			.nlinks = nlinks };
	struct buf u;
	char cs[64];

	if (!charset || !*charset) {
		sniff_charset(html, len, cs, sizeof cs);
		charset = cs;
	}
	buf_init(&u);
	mail_charset_to_utf8(charset, html, len, &u);
	/* a NUL would end libxml2's reading */
	for (size_t i = 0; i < u.len; i++)
		if (!u.data[i])
			u.data[i] = ' ';
	if ((flags & MAIL_HTML_SIMPLE) || render_lib(&r, u.data ? u.data : "", u.len) < 0)
		render_simple(&r, u.data ? u.data : "", u.len);
	free(r.href);
	buf_free(&u);
	/* no blank lines or blanks at the end; one line break */
	while (out->len > r.start && isspace((unsigned char)out->data[out->len - 1]))
		out->len--;
	if (out->len > r.start)
		buf_addc(out, '\n');
	if (out->data)
		out->data[out->len] = 0;
}
