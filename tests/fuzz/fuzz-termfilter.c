/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for termfilter.c: the input is what a VM prints on
 * its console. Filter it in one call, byte by byte and in pieces cut
 * where the input says, and check that every way gives the same bytes,
 * that no call writes more than TERMFILTER_OUT_MAX promises, that the
 * output passes the filter unchanged, and that it holds nothing but
 * UTF-8 text, the kept controls and the allow-listed sequences: in
 * particular no ESC ] / P / _ / ^ / X, no ENQ and no C1 control, raw
 * (0x90, 0x9b, 0x9d, 0x9e, 0x9f, 0x98...) or encoded. */
#include "termfilter.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_MAX	(1 << 16)
#define OUT_MAX TERMFILTER_OUT_MAX(IN_MAX)
/* Room beyond the bound, so that a call that breaks it shows. */
#define SLACK 4096

/* For filtering in one piece. */
static const size_t no_cuts[1];
static unsigned char whole[OUT_MAX + SLACK], pieces[OUT_MAX + SLACK],
    again[OUT_MAX + SLACK];

static void must(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz-termfilter: invariant failed: %s\n",
			what);
		abort();
	}
}

/* Filter in[0..n), cut at the offsets in cuts[0..ncuts) (ascending), into
 * out; every call gets SLACK bytes more than its bound and must stay
 * within the bound. */
static size_t filter(const unsigned char *in, size_t n, const size_t *cuts,
		     size_t ncuts, unsigned char *out)
{
	struct termfilter f;
	size_t i, at = 0, o = 0;

	termfilter_init(&f);
	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n, k, w;

		k = end - at;
		w = termfilter_run(&f, in + at, k, out + o,
				   TERMFILTER_OUT_MAX(k) + SLACK);
		must(w <= TERMFILTER_OUT_MAX(k), "output within the bound");
		o += w;
		at = end;
	}
	return o;
}

/* One kept CSI sequence at p[0..n), after ESC [, final byte included. */
static void check_csi(const unsigned char *p, size_t n)
{
	unsigned char fin = p[n - 1];
	bool dec = p[0] == '?';
	size_t i;

	must(n - 1 <= TERMFILTER_CSI_MAX, "CSI within TERMFILTER_CSI_MAX");
	must(memchr("ABCDEFGIZ`adeXP@LMSTbHfrJKsuhlm", fin, 31) != NULL,
	     "CSI final on the allow-list");
	must(!dec || fin == 'h' || fin == 'l', "'?' only for modes");
	for (i = dec; i < n - 1; i++)
		must((p[i] >= '0' && p[i] <= '9') || p[i] == ';' ||
			 (p[i] == ':' && fin == 'm'),
		     "CSI parameters are numbers");
	if (fin == 'h' || fin == 'l') {
		unsigned long v = 0;

		for (i = dec; i < n; i++) {
			if (p[i] >= '0' && p[i] <= '9') {
				v = v * 10 + (p[i] - '0');
				continue;
			}
			must(dec ? v == 1 || v == 7 || v == 25 || v == 1049
				 : v == 4,
			     "only allow-listed modes");
			v = 0;
		}
	}
}

/* What the output may hold. */
static void check_output(const unsigned char *p, size_t n)
{
	size_t i = 0;

	must(memchr(p, 0x05, n) == NULL, "no ENQ");
	while (i < n) {
		unsigned char c = p[i];

		if (c == 0x1b) {
			unsigned char d;

			must(i + 1 < n, "ESC not last");
			d = p[i + 1];
			must(d != ']' && d != 'P' && d != '_' && d != '^' &&
				 d != 'X',
			     "no OSC, DCS, APC, PM, SOS");
			if (d == '[') {
				size_t j = i + 2;

				while (j < n && p[j] >= 0x30 && p[j] <= 0x3f)
					j++;
				must(j < n && p[j] >= 0x40 && p[j] <= 0x7e,
				     "CSI ends with a final byte");
				check_csi(p + i + 2, j + 1 - (i + 2));
				i = j + 1;
			} else if (d == '(' || d == ')') {
				must(i + 2 < n &&
					 (p[i + 2] == 'B' || p[i + 2] == '0'),
				     "only ASCII and line drawing");
				i += 3;
			} else {
				must(memchr("78DEM=>", d, 7) != NULL,
				     "escape on the allow-list");
				i += 2;
			}
		} else if (c < 0x20 || c == 0x7f) {
			must(c == '\t' || c == '\n' || c == '\r' || c == '\b' ||
				 c == 0x0e || c == 0x0f,
			     "only kept C0 controls");
			i++;
		} else if (c < 0x80) {
			i++;
		} else {
			/* Strict UTF-8, a character U+00A0 or above. */
			uint32_t cp, min;
			size_t k, len;

			must(c >= 0xc2 && c <= 0xf4, "UTF-8 lead byte");
			len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
			min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
			cp = c & (0x7f >> len);
			must(i + len <= n, "whole UTF-8 character");
			for (k = 1; k < len; k++) {
				must((p[i + k] & 0xc0) == 0x80,
				     "UTF-8 continuation");
				cp = cp << 6 | (p[i + k] & 0x3f);
			}
			must(cp >= min && cp <= 0x10ffff &&
				 (cp < 0xd800 || cp > 0xdfff),
			     "UTF-8 scalar value, shortest form");
			must(cp >= 0xa0, "no C1 control encoded in UTF-8");
			i += len;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static size_t cuts[IN_MAX];
	unsigned char fin[TERMFILTER_FINISH_MAX + SLACK];
	struct termfilter f;
	size_t n1, n2, i, ncuts;
	uint32_t h = 2166136261u;

	if (size > IN_MAX)
		return 0;
	n1 = filter(data, size, no_cuts, 0, whole);
	check_output(whole, n1);

	/* Byte by byte. */
	for (i = 0; i + 1 < size; i++)
		cuts[i] = i + 1;
	n2 = filter(data, size, cuts, size ? size - 1 : 0, pieces);
	must(n2 == n1 && memcmp(whole, pieces, n1) == 0,
	     "byte by byte is the same as whole");

	/* Cut where a hash of the input says, a few times over. */
	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	for (int round = 0; round < 4 && size > 1; round++) {
		ncuts = 0;
		for (i = 1; i < size; i++) {
			h = h * 1103515245u + 12345u;
			if ((h >> 16) % (round + 2) == 0)
				cuts[ncuts++] = i;
		}
		n2 = filter(data, size, cuts, ncuts, pieces);
		must(n2 == n1 && memcmp(whole, pieces, n1) == 0,
		     "any split is the same as whole");
	}

	/* What comes out goes through unchanged. */
	n2 = filter(whole, n1, no_cuts, 0, again);
	must(n2 == n1 && memcmp(whole, again, n1) == 0,
	     "the output passes the filter unchanged");

	/* The end of a session. */
	termfilter_init(&f);
	termfilter_run(&f, data, size, pieces, TERMFILTER_OUT_MAX(size));
	n2 = termfilter_finish(&f, fin, sizeof(fin));
	must(n2 <= TERMFILTER_FINISH_MAX, "finish within its bound");
	check_output(fin, n2);
	return 0;
}
