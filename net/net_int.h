/*
 * net_int.h - shared inside net/ only.
 */
#ifndef ATRIUM_NET_INT_H
#define ATRIUM_NET_INT_H

#include "net/curl.h"
#include "net/net.h"

/* Put the TLS policy on a handle; a probe verifies nothing and asks for
 * the certificate chain instead (it sends no request and no password). */
void net_tls_apply(CURL *c, const struct net_tls *t, int probe);
/* After a probe: the pin of the server's certificate ("" when unknown). */
void net_tls_probe_pin(CURL *c, char pin[NET_PIN_MAX]);

#endif
