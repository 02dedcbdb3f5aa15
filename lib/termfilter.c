/* SPDX-License-Identifier: MIT */
/* The console escape filter; the policy is in termfilter.h. Two layers:
 * a UTF-8 decoder turns bytes into characters (raw C1 bytes outside a
 * character pass as themselves, invalid input as U+FFFD), and a parser
 * in the manner of a DEC VT's reads them and writes out what is kept. */
#include "termfilter.h"

#include <stdbool.h>
#include <string.h>

enum {
	TF_GROUND,
	TF_ESC,	    /* after ESC */
	TF_ESC_INT, /* after ESC and an intermediate byte */
	TF_CSI,	    /* reading a control sequence's parameters */
	TF_STRING,  /* skipping an OSC, DCS, SOS, PM or APC payload */
};

/* What termfilter_finish puts back. TF_ALT follows the VM exactly: leaving
 * the alternate screen restores the cursor, so it must not be repeated.
 * The others, once set, stay set: the VM's ESC 8 may bring back a state
 * the filter saw undone, and undoing them twice is harmless. */
enum {
	TF_ALT = 1 << 0,       /* on the alternate screen */
	TF_MARGINS = 1 << 1,   /* a scroll region was set */
	TF_SGR = 1 << 2,       /* attributes were set */
	TF_CHARSET = 1 << 3,   /* line drawing designated, or SO */
	TF_INSERT = 1 << 4,    /* insert mode was set */
	TF_NOWRAP = 1 << 5,    /* autowrap was turned off */
	TF_APPCURSOR = 1 << 6, /* application cursor keys */
	TF_KEYPAD = 1 << 7,    /* application keypad */
	TF_HIDDEN = 1 << 8,    /* the cursor was hidden */
};

#define TF_NUM_MAX    65535
#define TF_PARAMS_MAX (TERMFILTER_CSI_MAX / 2 + 1)

#define CAN 0x18
#define SUB 0x1a
#define ESC 0x1b
#define DEL 0x7f

struct out {
	unsigned char *p;
	size_t n, size;
};

/* Write s whole, or not at all when it does not fit. */
static void put(struct out *o, const void *s, size_t len)
{
	if (len > o->size - o->n)
		return;
	memcpy(o->p + o->n, s, len);
	o->n += len;
}

static void put_char(struct out *o, uint32_t cp)
{
	unsigned char b[4];
	size_t len;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		len = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		len = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		len = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		len = 4;
	}
	put(o, b, len);
}

void termfilter_init(struct termfilter *f)
{
	memset(f, 0, sizeof(*f));
}

/* A C0 control, in text or inside a sequence (where a VT executes it
 * too). ESC, CAN and SUB never get here. */
static void control(struct termfilter *f, struct out *o, uint32_t c)
{
	unsigned char b = (unsigned char)c;

	switch (c) {
	case '\b':
	case '\t':
	case '\n':
	case '\r':
	case 0x0f: /* SI */
		put(o, &b, 1);
		break;
	case 0x0e: /* SO */
		f->modes |= TF_CHARSET;
		put(o, &b, 1);
		break;
	default:
		break;
	}
}

/* A C1 control, in any state: it abandons what was being read. */
static void c1(struct termfilter *f, uint32_t c)
{
	f->state = TF_GROUND;
	switch (c) {
	case 0x9b: /* CSI: read, so that its parameters are not text */
		f->state = TF_CSI;
		f->len = 0;
		f->drop = 1;
		break;
	case 0x9d: /* OSC */
	case 0x90: /* DCS */
	case 0x98: /* SOS */
	case 0x9e: /* PM */
	case 0x9f: /* APC */
		f->state = TF_STRING;
		f->bel = c == 0x9d;
		break;
	default: /* ST and the rest: dropped */
		break;
	}
}

/* Split p[0..len) into ';'-separated decimal numbers, an empty one read
 * as 0. Returns how many, or -1 for anything but digits and ';', a
 * number over TF_NUM_MAX, or more than max of them. */
static int numbers(const unsigned char *p, size_t len, unsigned int *v, int max)
{
	int count = 0;
	size_t i = 0;

	if (len == 0)
		return 0;
	for (;;) {
		unsigned long x = 0;

		for (; i < len && p[i] != ';'; i++) {
			if (p[i] < '0' || p[i] > '9')
				return -1;
			x = x * 10 + (unsigned long)(p[i] - '0');
			if (x > TF_NUM_MAX)
				return -1;
		}
		if (count == max)
			return -1;
		v[count++] = (unsigned int)x;
		if (i == len)
			return count;
		i++; /* ';' */
	}
}

/* SGR parameters: numbers separated by ';', where a field that starts
 * 38, 48 or 58 may have up to 6 ':'-separated subfields (38:2::r:g:b). */
static bool sgr_ok(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i <= len) {
		unsigned long first = 0, x = 0;
		int sub = 0;
		bool digits = false;

		for (; i < len && p[i] != ';'; i++) {
			if (p[i] == ':') {
				if (sub == 0) {
					if (!digits)
						return false;
					first = x;
				}
				if (++sub > 5)
					return false;
				x = 0;
				continue;
			}
			if (p[i] < '0' || p[i] > '9')
				return false;
			digits = true;
			x = x * 10 + (unsigned long)(p[i] - '0');
			if (x > TF_NUM_MAX)
				return false;
		}
		if (sub > 0 && first != 38 && first != 48 && first != 58)
			return false;
		i++; /* past ';' or the end */
	}
	return true;
}

/* SM/RM: keep the modes on the allow-list, drop the rest. */
static void set_modes(struct termfilter *f, struct out *o, unsigned char fin)
{
	unsigned int v[TF_PARAMS_MAX];
	unsigned char b[2 + TERMFILTER_CSI_MAX + 1];
	bool dec = f->len > 0 && f->csi[0] == '?';
	bool on = fin == 'h';
	size_t n = 0;
	int count, i;

	count = numbers(f->csi + dec, f->len - dec, v, TF_PARAMS_MAX);
	if (count <= 0)
		return;
	b[n++] = ESC;
	b[n++] = '[';
	if (dec)
		b[n++] = '?';
	for (i = 0; i < count; i++) {
		uint32_t set = 0, clear = 0;

		if (!dec && v[i] == 4) {
			set = on ? TF_INSERT : 0;
		} else if (dec && v[i] == 1) {
			set = on ? TF_APPCURSOR : 0;
		} else if (dec && v[i] == 7) {
			set = on ? 0 : TF_NOWRAP;
		} else if (dec && v[i] == 25) {
			set = on ? 0 : TF_HIDDEN;
		} else if (dec && v[i] == 1049) {
			set = on ? TF_ALT : 0;
			clear = on ? 0 : TF_ALT;
		} else {
			continue;
		}
		f->modes = (f->modes | set) & ~clear;
		if (b[n - 1] != '[' && b[n - 1] != '?')
			b[n++] = ';';
		/* At most 4 digits: the kept modes are all below 10000. */
		if (v[i] >= 1000)
			b[n++] = (unsigned char)('0' + v[i] / 1000 % 10);
		if (v[i] >= 100)
			b[n++] = (unsigned char)('0' + v[i] / 100 % 10);
		if (v[i] >= 10)
			b[n++] = (unsigned char)('0' + v[i] / 10 % 10);
		b[n++] = (unsigned char)('0' + v[i] % 10);
	}
	if (b[n - 1] == '[' || b[n - 1] == '?')
		return; /* none kept */
	b[n++] = fin;
	put(o, b, n);
}

/* The CSI sequences kept with their parameters as they are: the final
 * byte, how many numbers, and the largest value. */
static const struct {
	unsigned char fin;
	unsigned char params;
	unsigned int max;
} csi_plain[] = {
    {'A', 1, TF_NUM_MAX}, {'B', 1, TF_NUM_MAX}, {'C', 1, TF_NUM_MAX},
    {'D', 1, TF_NUM_MAX}, {'E', 1, TF_NUM_MAX}, {'F', 1, TF_NUM_MAX},
    {'G', 1, TF_NUM_MAX}, {'I', 1, TF_NUM_MAX}, {'Z', 1, TF_NUM_MAX},
    {'`', 1, TF_NUM_MAX}, {'a', 1, TF_NUM_MAX}, {'d', 1, TF_NUM_MAX},
    {'e', 1, TF_NUM_MAX}, {'X', 1, TF_NUM_MAX}, {'P', 1, TF_NUM_MAX},
    {'@', 1, TF_NUM_MAX}, {'L', 1, TF_NUM_MAX}, {'M', 1, TF_NUM_MAX},
    {'S', 1, TF_NUM_MAX}, {'T', 1, TF_NUM_MAX}, {'b', 1, TF_NUM_MAX},
    {'H', 2, TF_NUM_MAX}, {'f', 2, TF_NUM_MAX}, {'r', 2, TF_NUM_MAX},
    {'J', 1, 2},	  {'K', 1, 2},		{'s', 0, 0},
    {'u', 0, 0},
};

static void csi_dispatch(struct termfilter *f, struct out *o, unsigned char fin)
{
	unsigned int v[TF_PARAMS_MAX];
	size_t i;
	int count, k;

	if (f->drop)
		return;
	if (fin == 'h' || fin == 'l') {
		set_modes(f, o, fin);
		return;
	}
	if (fin == 'm') {
		if (!sgr_ok(f->csi, f->len))
			return;
		f->modes |= TF_SGR;
	} else {
		for (i = 0; i < sizeof(csi_plain) / sizeof(csi_plain[0]); i++)
			if (csi_plain[i].fin == fin)
				break;
		if (i == sizeof(csi_plain) / sizeof(csi_plain[0]))
			return;
		count = numbers(f->csi, f->len, v, csi_plain[i].params);
		if (count < 0)
			return;
		for (k = 0; k < count; k++)
			if (v[k] > csi_plain[i].max)
				return;
		if (fin == 'r' && f->len > 0)
			f->modes |= TF_MARGINS;
	}
	put(o, "\033[", 2);
	put(o, f->csi, f->len);
	put(o, &fin, 1);
}

static void esc_dispatch(struct termfilter *f, struct out *o, uint32_t c)
{
	unsigned char b[2] = {ESC, (unsigned char)c};

	f->state = TF_GROUND;
	switch (c) {
	case '[':
		f->state = TF_CSI;
		f->len = 0;
		f->drop = 0;
		break;
	case ']':
	case 'P':
	case 'X':
	case '^':
	case '_':
		f->state = TF_STRING;
		f->bel = c == ']';
		break;
	case '=':
		f->modes |= TF_KEYPAD;
		put(o, b, 2);
		break;
	case '7':
	case '8':
	case 'D':
	case 'E':
	case 'M':
	case '>':
		put(o, b, 2);
		break;
	default:
		break;
	}
}

/* One character from the decoder: below 0x80 a byte, 0x80-0x9f a C1
 * control, above that text (U+FFFD for invalid input). */
static void parse(struct termfilter *f, struct out *o, uint32_t c)
{
	if (c == CAN || c == SUB) {
		f->state = TF_GROUND;
		return;
	}
	if (c == ESC) {
		f->state = TF_ESC;
		f->inter = 0;
		return;
	}
	if (c >= 0x80 && c < 0xa0) {
		c1(f, c);
		return;
	}
	if (f->state == TF_STRING) {
		if (c == 0x07 && f->bel)
			f->state = TF_GROUND;
		return;
	}
	if (c < 0x20) {
		control(f, o, c);
		return;
	}
	if (c == DEL)
		return;
	if (c >= 0xa0 && f->state != TF_GROUND) {
		/* Not part of any sequence: abandon it, print the
		 * character. */
		f->state = TF_GROUND;
	}
	switch (f->state) {
	case TF_GROUND:
		put_char(o, c);
		break;
	case TF_ESC:
		if (c < 0x30) {
			f->state = TF_ESC_INT;
			f->inter = c == '(' || c == ')' ? (uint8_t)c : 0;
		} else {
			esc_dispatch(f, o, c);
		}
		break;
	case TF_ESC_INT:
		if (c < 0x30) {
			f->inter = 0; /* two intermediates: none kept */
			break;
		}
		f->state = TF_GROUND;
		if (f->inter && (c == 'B' || c == '0')) {
			unsigned char b[3] = {ESC, f->inter, (unsigned char)c};

			if (c == '0')
				f->modes |= TF_CHARSET;
			put(o, b, 3);
		}
		break;
	case TF_CSI:
		if (c < 0x30) {
			f->drop = 1; /* intermediates: none kept */
		} else if (c < 0x40) {
			if (f->len == TERMFILTER_CSI_MAX)
				f->drop = 1;
			else
				f->csi[f->len++] = (unsigned char)c;
			/* A private marker is only valid first. */
			if (c >= '<' && f->len > 1)
				f->drop = 1;
		} else {
			f->state = TF_GROUND;
			csi_dispatch(f, o, (unsigned char)c);
		}
		break;
	default:
		break;
	}
}

/* The UTF-8 decoder (Unicode's table 3-7 of well-formed sequences). */
static void feed(struct termfilter *f, struct out *o, unsigned char b)
{
	if (f->need) {
		if (b >= f->lo && b <= f->hi) {
			f->cp = f->cp << 6 | (b & 0x3f);
			f->lo = 0x80;
			f->hi = 0xbf;
			if (--f->need == 0)
				parse(f, o, f->cp);
			return;
		}
		/* Cut short: the maximal subpart so far is one U+FFFD, and
		 * b is read again on its own. */
		f->need = 0;
		parse(f, o, 0xfffd);
	}
	f->lo = 0x80;
	f->hi = 0xbf;
	if (b < 0xa0) {
		parse(f, o, b); /* ASCII, C0, or a raw C1 control */
	} else if (b < 0xc2) {
		parse(f, o, 0xfffd); /* stray continuation, overlong lead */
	} else if (b < 0xe0) {
		f->need = 1;
		f->cp = b & 0x1f;
	} else if (b < 0xf0) {
		f->need = 2;
		f->cp = b & 0x0f;
		if (b == 0xe0)
			f->lo = 0xa0; /* overlong */
		else if (b == 0xed)
			f->hi = 0x9f; /* surrogates */
	} else if (b < 0xf5) {
		f->need = 3;
		f->cp = b & 0x07;
		if (b == 0xf0)
			f->lo = 0x90; /* overlong */
		else if (b == 0xf4)
			f->hi = 0x8f; /* beyond U+10FFFF */
	} else {
		parse(f, o, 0xfffd);
	}
}

size_t termfilter_run(struct termfilter *f, const unsigned char *in, size_t n,
		      unsigned char *out, size_t outsz)
{
	struct out o = {out, 0, outsz};
	size_t i;

	for (i = 0; i < n; i++)
		feed(f, &o, in[i]);
	return o.n;
}

size_t termfilter_finish(struct termfilter *f, unsigned char *out, size_t outsz)
{
	struct out o = {out, 0, outsz};
	uint32_t m;

	if (f->need) {
		f->need = 0;
		parse(f, &o, 0xfffd);
	}
	m = f->modes;
	/* The main screen first: leaving the alternate one restores the
	 * cursor, and with it, on some terminals, attributes and charsets. */
	if (m & TF_ALT)
		put(&o, "\033[?1049l", 8);
	/* Resetting the margins homes the cursor: keep it where it is. */
	if (m & TF_MARGINS)
		put(&o, "\0337\033[r\0338", 7);
	if (m & TF_SGR)
		put(&o, "\033[m", 3);
	if (m & TF_CHARSET)
		put(&o, "\033(B\033)B\017", 7);
	if (m & TF_INSERT)
		put(&o, "\033[4l", 4);
	if (m & TF_NOWRAP)
		put(&o, "\033[?7h", 5);
	if (m & TF_APPCURSOR)
		put(&o, "\033[?1l", 5);
	if (m & TF_KEYPAD)
		put(&o, "\033>", 2);
	if (m & TF_HIDDEN)
		put(&o, "\033[?25h", 6);
	termfilter_init(f);
	return o.n;
}
