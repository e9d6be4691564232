/*
 * charset.c - bytes in a declared charset (mail headers and bodies, file
 * names, attachments) to UTF-8. Labels seen in mail lie in known ways:
 * "GB2312" and "GBK" text holds GB18030-only characters, which ICU's
 * GB2312 converter turns into U+001A and C1 controls; "Big5" holds HKSCS
 * characters. So those labels are decoded with the superset. Whatever
 * cannot be decoded becomes U+FFFD, never U+001A (the default substitute
 * of some ICU converters).
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv_cb.h>
#include <unicode/ustring.h>

#include "i18n/i18n_priv.h"

static const char *const gb_labels[] = {
    "gb2312", "gbk",	"cp936",    "ms936",	  "windows-936", "x-gbk",   "csgb2312",
    "csgbk",  "euc-cn", "x-euc-cn", "gb_2312-80", "iso-ir-58",	 "chinese",
};
static const char *const big5_labels[] = {
    "big5",
    "csbig5",
    "cn-big5",
    "x-x-big5",
};

/* ucnv_compareNames ignores case, '-', '_' and spaces, as ICU's alias
 * lookup does. */
static const char *superset(const char *label)
{
	size_t i;

	for (i = 0; i < sizeof(gb_labels) / sizeof(gb_labels[0]); i++) {
		if (ucnv_compareNames(label, gb_labels[i]) == 0)
			return "GB18030";
	}
	for (i = 0; i < sizeof(big5_labels) / sizeof(big5_labels[0]); i++) {
		if (ucnv_compareNames(label, big5_labels[i]) == 0)
			return "Big5-HKSCS";
	}
	return label;
}

/* ctx is &gb_euro for the GB family: Windows' code page 936 has the euro
 * sign at 0x80, where GB18030 has nothing, and mail written on Windows
 * uses it. */
static const int gb_euro = 1;

static void to_u_fffd(const void *ctx, UConverterToUnicodeArgs *args, const char *bytes,
		      int32_t len, UConverterCallbackReason reason, UErrorCode *err)
{
	static const UChar fffd = 0xFFFD, euro = 0x20AC;

	if (reason > UCNV_IRREGULAR)
		return;
	*err = U_ZERO_ERROR;
	if (ctx == &gb_euro && len == 1 && (unsigned char)bytes[0] == 0x80)
		ucnv_cbToUWriteUChars(args, &euro, 1, 0, err);
	else
		ucnv_cbToUWriteUChars(args, &fffd, 1, 0, err);
}

/* This thread's converter for label, reset; NULL if ICU does not know it.
 * *own is set when the caller must close it (a label too long to cache). */
static UConverter *converter(const char *label, int *own)
{
	struct i18n_cache *c = i18n_cache();
	UErrorCode err = U_ZERO_ERROR;
	UConverter *cnv;
	const char *name = superset(label);
	size_t n = strlen(label);

	*own = 0;
	if (c && c->conv && n < sizeof(c->conv_label) && strcmp(c->conv_label, label) == 0) {
		ucnv_reset(c->conv);
		return c->conv;
	}
	cnv = ucnv_open(name, &err);
	if (U_FAILURE(err))
		return NULL;
	ucnv_setToUCallBack(cnv, to_u_fffd, strcmp(name, "GB18030") == 0 ? &gb_euro : NULL, NULL,
			    NULL, &err);
	if (!c || n >= sizeof(c->conv_label)) {
		*own = 1;
		return cnv;
	}
	if (c->conv)
		ucnv_close(c->conv);
	memcpy(c->conv_label, label, n + 1);
	return c->conv = cnv;
}

char *i18n_utf8_clean(const char *str, size_t len, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, n, o = 0, bad = 0;
	char *r;

	for (i = 0; i < len; i += n)
		bad += utf8_next(s + i, len - i, &n) < 0;
	if (!(r = malloc(len + 2 * bad + 1)))
		return NULL;
	if (!bad) {
		memcpy(r, s, len);
		o = len;
	}
	for (i = 0; bad && i < len; i += n) {
		if (utf8_next(s + i, len - i, &n) < 0) {
			memcpy(r + o, "\xEF\xBF\xBD", 3);
			o += 3;
		} else {
			memcpy(r + o, s + i, n);
			o += n;
		}
	}
	r[o] = '\0';
	*outlen = o;
	return r;
}

static char *utf16_to_utf8(const UChar *u, int32_t ulen, size_t *outlen)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t n = 0;
	char *r;

	u_strToUTF8WithSub(NULL, 0, &n, u, ulen, 0xFFFD, NULL, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		return NULL;
	if (!(r = malloc((size_t)n + 1)))
		return NULL;
	err = U_ZERO_ERROR;
	u_strToUTF8WithSub(r, n + 1, NULL, u, ulen, 0xFFFD, NULL, &err);
	if (U_FAILURE(err)) {
		free(r);
		return NULL;
	}
	*outlen = (size_t)n;
	return r;
}

char *txt_to_utf8(const char *charset, const char *in, size_t inlen, size_t *outlen)
{
	UErrorCode err;
	UConverter *cnv;
	UChar *u = NULL, *t, *bigger;
	const char *src;
	size_t cap, dummy, off;
	char *r = NULL;
	int own;

	if (!outlen)
		outlen = &dummy;
	if (!charset || !*charset || !(cnv = converter(charset, &own)))
		return NULL;
	if (!in) {
		in = "";
		inlen = 0;
	}
	src = in;
	if (ucnv_getType(cnv) == UCNV_UTF8)
		r = i18n_utf8_clean(in, inlen, outlen);
	if (ucnv_getType(cnv) == UCNV_UTF8 || inlen > INT32_MAX / 2)
		goto out;

	cap = inlen + 16;
	if (!(u = malloc(cap * sizeof(*u))))
		goto out;
	t = u;
	for (;;) {
		err = U_ZERO_ERROR;
		ucnv_toUnicode(cnv, &t, u + cap, &src, in + inlen, NULL, 1, &err);
		if (err != U_BUFFER_OVERFLOW_ERROR)
			break;
		off = (size_t)(t - u);
		cap *= 2;
		if (cap > INT32_MAX || !(bigger = realloc(u, cap * sizeof(*u))))
			goto out;
		u = bigger;
		t = u + off;
	}
	if (U_SUCCESS(err))
		r = utf16_to_utf8(u, (int32_t)(t - u), outlen);
out:
	if (own)
		ucnv_close(cnv);
	free(u);
	return r;
}

char *txt_from_utf8(const char *charset, const char *in, size_t inlen, size_t *outlen)
{
	UErrorCode err = U_ZERO_ERROR;
	UConverter *cnv;
	UChar *u = NULL;
	int32_t ulen = 0, n;
	char *r = NULL;

	if (!charset || !*charset || inlen > INT32_MAX / 4)
		return NULL;
	if (!in) {
		in = "";
		inlen = 0;
	}
	/* Strict both ways: invalid UTF-8 and characters the charset lacks
	 * are failures, never substitutes (a file saved must say what the
	 * text says). */
	u_strFromUTF8(NULL, 0, &ulen, in, (int32_t)inlen, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		return NULL;
	if (!(u = malloc(((size_t)ulen + 1) * sizeof(*u))))
		return NULL;
	err = U_ZERO_ERROR;
	u_strFromUTF8(u, ulen + 1, NULL, in, (int32_t)inlen, &err);
	if (U_FAILURE(err))
		goto out;
	cnv = ucnv_open(superset(charset), &err);
	if (U_FAILURE(err))
		goto out;
	ucnv_setFromUCallBack(cnv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
	n = ucnv_fromUChars(cnv, NULL, 0, u, ulen, &err);
	if (err == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(err)) {
		err = U_ZERO_ERROR;
		if ((r = malloc((size_t)n + 1)) != NULL) {
			ucnv_fromUChars(cnv, r, n + 1, u, ulen, &err);
			if (U_FAILURE(err)) {
				free(r);
				r = NULL;
			} else if (outlen) {
				*outlen = (size_t)n;
			}
		}
	}
	ucnv_close(cnv);
out:
	free(u);
	return r;
}
