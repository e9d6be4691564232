/*
 * tls.c - the one TLS policy (see net.h): what it sets on a libcurl handle,
 * and the SHA-256 pin of a certificate's public key (SubjectPublicKeyInfo,
 * the form `curl --pinnedpubkey` and HPKP use), which the trust-on-first-use
 * prompt shows and stores.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "net/net_int.h"

/* Debian's bundle of the system's certificate authorities (ca-certificates) */
#define NET_SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

void net_tls_apply(CURL *c, const struct net_tls *t, int probe)
{
	xcurl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (probe) {
		xcurl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		xcurl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		xcurl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
		return;
	}
	/* the host name is checked in every case, also with a pin alone */
	xcurl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	/* A CA file replaces the system's CAs: libcurl's default CA folder
	 * would add them all back (and reading the folder took 220 ms per
	 * connection). Without one, the system's bundle file is the trust
	 * (Debian's libcurl-gnutls has only the folder as its default). */
	if (t->ca_file && *t->ca_file) {
		xcurl_easy_setopt(c, CURLOPT_CAPATH, (char *)NULL);
		xcurl_easy_setopt(c, CURLOPT_CAINFO, t->ca_file);
	} else if (access(NET_SYSTEM_BUNDLE, R_OK) == 0) {
		xcurl_easy_setopt(c, CURLOPT_CAPATH, (char *)NULL);
		xcurl_easy_setopt(c, CURLOPT_CAINFO, NET_SYSTEM_BUNDLE);
	}
	if (t->pins && *t->pins) {
		xcurl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, t->pins);
		/* a pin alone trusts exactly that key: no chain to a CA is
		 * needed (self-signed); with a CA file the chain must hold too */
		xcurl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER,
				  (t->ca_file && *t->ca_file) ? 1L : 0L);
	} else {
		xcurl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	}
}

int net_pins_valid(const char *pins)
{
	const char *p = pins;

	if (!p || !*p)
		return 0;
	for (;;) {
		size_t n = 0;
		if (strncmp(p, "sha256//", 8) != 0)
			return 0;
		p += 8;
		while (p[n] && p[n] != ';')
			n++;
		if (n != 44 || p[43] != '=')
			return 0;
		for (size_t i = 0; i < 43; i++) {
			char ch = p[i];
			if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			      (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
				return 0;
		}
		p += n;
		if (!*p)
			return 1;
		p++; /* ';' */
		while (*p == ' ')
			p++;
	}
}

/* One DER element at *p (before end): its tag, the start of its contents
 * and its total length. 0 or -1. */
static int der_next(const unsigned char *p, const unsigned char *end, int *tag,
		    const unsigned char **body, size_t *total)
{
	size_t len, hdr = 2;

	if (end - p < 2)
		return -1;
	*tag = p[0];
	len = p[1];
	if (len & 0x80) {
		size_t nb = len & 0x7f;
		if (nb == 0 || nb > 4 || (size_t)(end - p) < 2 + nb)
			return -1;
		len = 0;
		for (size_t i = 0; i < nb; i++)
			len = (len << 8) | p[2 + i];
		hdr += nb;
	}
	if ((size_t)(end - p) - hdr < len)
		return -1;
	*body = p + hdr;
	*total = hdr + len;
	return 0;
}

int net_spki_pin_der(const unsigned char *der, size_t len, char out[NET_PIN_MAX], struct err *e)
{
	const unsigned char *cert, *tbs, *q, *tbs_end;
	size_t total, tbs_total;
	int tag, idx = 0;
	unsigned char hash[crypto_hash_sha256_BYTES];

	/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE {
	 *   [0] version OPTIONAL, serial, signature, issuer, validity,
	 *   subject, subjectPublicKeyInfo, ... } ... } */
	if (der_next(der, der + len, &tag, &cert, &total) < 0 || tag != 0x30)
		goto bad;
	if (der_next(cert, der + total, &tag, &tbs, &tbs_total) < 0 || tag != 0x30)
		goto bad;
	tbs_end = cert + tbs_total;
	for (q = tbs;;) {
		const unsigned char *b;
		size_t t;
		if (der_next(q, tbs_end, &tag, &b, &t) < 0)
			goto bad;
		if (idx == 0 && tag == 0xa0) { /* version */
			q += t;
			continue;
		}
		if (idx == 5) {
			if (tag != 0x30)
				goto bad;
			crypto_hash_sha256(hash, q, t);
			break;
		}
		idx++;
		q += t;
	}
	memcpy(out, "sha256//", 8);
	sodium_bin2base64(out + 8, NET_PIN_MAX - 8, hash, sizeof hash, sodium_base64_VARIANT_ORIGINAL);
	return 0;
bad:
	return err_set(e, E_PARSE, "not an X.509 certificate");
}

int net_spki_pin_pem(const char *pem, char out[NET_PIN_MAX], struct err *e)
{
	const char *b = strstr(pem, "-----BEGIN CERTIFICATE-----"), *end;
	unsigned char *der;
	size_t cap, len = 0;
	int rc;

	if (!b)
		return err_set(e, E_PARSE, "no PEM certificate");
	b += strlen("-----BEGIN CERTIFICATE-----");
	end = strstr(b, "-----END CERTIFICATE-----");
	if (!end)
		return err_set(e, E_PARSE, "a PEM certificate without its end line");
	cap = (size_t)(end - b);
	der = xmalloc(cap + 1);
	if (sodium_base642bin(der, cap, b, (size_t)(end - b), " \r\n\t", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(der);
		return err_set(e, E_PARSE, "a PEM certificate that is not base64");
	}
	rc = net_spki_pin_der(der, len, out, e);
	free(der);
	return rc;
}

void net_tls_probe_pin(CURL *c, char pin[NET_PIN_MAX])
{
	struct curl_certinfo *ci = NULL;
	struct err e;

	pin[0] = 0;
	if (xcurl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci ||
	    ci->num_of_certs < 1)
		return;
	for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
		if (strncmp(s->data, "Cert:", 5) == 0) {
			if (net_spki_pin_pem(s->data + 5, pin, &e) < 0)
				pin[0] = 0;
			return;
		}
	}
}
