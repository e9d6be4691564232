/*
 * fuzz_spki.c - the public-key pin of a certificate the server sent (an
 * untrusted DER blob, and PEM text around it): never a crash or a read
 * past the input; a pin, when there is one, is well formed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char pin[NET_PIN_MAX];
	struct err e;
	char *text;

	if (net_spki_pin_der(data, size, pin, &e) == 0 && !net_pins_valid(pin))
		abort();
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	if (net_spki_pin_pem(text, pin, &e) == 0 && !net_pins_valid(pin))
		abort();
	free(text);
	return 0;
}
