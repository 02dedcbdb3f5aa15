/* SPDX-License-Identifier: MIT */
/* termfilter.c: hostile and benign console output, with the exact bytes
 * expected. Every case is also fed one byte at a time and in random
 * pieces (a fixed seed), with an output buffer of exactly
 * TERMFILTER_OUT_MAX of the piece, and must give the same bytes. */
#include "check.h"
#include "termfilter.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* U+FFFD, what invalid UTF-8 becomes. */
#define R "\357\277\275"

static unsigned char got[1 << 20];
static unsigned char big[1 << 18];
static uint32_t seed = 20240601;

static uint32_t rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 16;
}

/* Filter in[0..n) into got, in pieces: whole (step 0), step bytes at a
 * time, or random pieces of 1 to 16 bytes (step -1). */
static size_t run(const unsigned char *in, size_t n, long step)
{
	struct termfilter f;
	size_t i = 0, o = 0;

	termfilter_init(&f);
	while (i < n) {
		size_t k = n - i;

		if (step > 0 && k > (size_t)step)
			k = (size_t)step;
		else if (step < 0 && k > 1)
			k = 1 + rnd() % (k < 16 ? k : 16);
		o += termfilter_run(&f, in + i, k, got + o,
				    TERMFILTER_OUT_MAX(k));
		i += k;
	}
	return o;
}

static void show(const char *what, const unsigned char *p, size_t n)
{
	size_t i;

	printf("# %s: \"", what);
	for (i = 0; i < n && i < 400; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\%03o", p[i]);
	}
	printf("%s\"\n", i < n ? "..." : "");
}

/* True when in filters to want whole, byte by byte and in 8 random
 * splittings. */
static bool same(const void *in, size_t n, const void *want, size_t wn)
{
	long steps[] = {0, 1, 2, 3, -1, -1, -1, -1, -1, -1, -1, -1};
	size_t i, o;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		o = run(in, n, steps[i]);
		if (o != wn || memcmp(got, want, wn) != 0) {
			printf("# split %ld:\n", steps[i]);
			show("got", got, o);
			show("want", want, wn);
			return false;
		}
	}
	return true;
}

#define FILTERS(name, in, want)                                                \
	CHECK(name, same(in, sizeof(in) - 1, want, sizeof(want) - 1))
#define KEEPS(name, in) FILTERS(name, in, in)
#define DROPS(name, in) FILTERS(name, in, "")

static void test_text(void)
{
	KEEPS("termfilter-ascii", "hello, world 0123456789 ~!@#$%^&*()");
	KEEPS("termfilter-tab-lf-cr-bs", "a\tb\r\nc\bd\n");
	FILTERS("termfilter-bel-dropped", "a\007b", "ab");
	FILTERS("termfilter-enq-dropped", "a\005b", "ab");
	FILTERS("termfilter-nul-vt-ff-dropped", "a\000\013\014b", "ab");
	FILTERS("termfilter-other-c0-dropped",
		"\001\002\003\004\006\020\021\022\023\024\025\026\027\031"
		"\034\035\036\037x",
		"x");
	FILTERS("termfilter-del-dropped", "a\177b", "ab");
	KEEPS("termfilter-so-si-kept", "\016lqk\017text");
	KEEPS("termfilter-utf8-2-byte", "caf\303\251");
	KEEPS("termfilter-utf8-3-byte", "\342\202\254 \342\225\220");
	KEEPS("termfilter-utf8-4-byte", "\360\237\230\200");
	KEEPS("termfilter-utf8-max", "\364\217\277\277");
	KEEPS("termfilter-utf8-nbsp", "\302\240");
	KEEPS("termfilter-utf8-continuation-9x-is-text",
	      "\304\233 \342\225\220\342\225\235 \342\224\220");
	KEEPS("termfilter-utf8-fffd-kept", R);
}

static void test_bad_utf8(void)
{
	FILTERS("termfilter-utf8-stray-continuation", "a\240b\277c",
		"a" R "b" R "c");
	FILTERS("termfilter-utf8-c0-c1-leads", "\300\257\301\277", R R R R);
	FILTERS("termfilter-utf8-overlong-3", "\340\201\201x", R "x");
	FILTERS("termfilter-utf8-overlong-4", "\360\217\277\277x", R R R "x");
	FILTERS("termfilter-utf8-surrogate", "\355\240\200x", R R "x");
	FILTERS("termfilter-utf8-f5-ff", "\365\370\376\377x", R R R R "x");
	FILTERS("termfilter-utf8-beyond-10ffff", "\367\277\277\277x",
		R R R R "x");
	FILTERS("termfilter-utf8-truncated-3", "\342\202x", R "x");
	FILTERS("termfilter-utf8-truncated-4", "\360\237\230x", R "x");
	FILTERS("termfilter-utf8-truncated-by-esc", "\342\202\033[1mx",
		R "\033[1mx");
	FILTERS("termfilter-utf8-truncated-by-lead", "\303\303\251",
		R "\303\251");
	/* 0x90 cannot follow f4, so it is a raw C1 byte: DCS. */
	FILTERS("termfilter-utf8-f4-90-is-fffd-then-dcs",
		"\364\220hidden\033\\x", R "x");
}

static void test_sgr(void)
{
	KEEPS("termfilter-sgr-reset", "\033[m\033[0m");
	KEEPS("termfilter-sgr-attributes", "\033[1;4;7mX\033[22;24;27m");
	KEEPS("termfilter-sgr-16-colours", "\033[31;42mX\033[39;49m\033[91m");
	KEEPS("termfilter-sgr-256-colours", "\033[38;5;196m\033[48;5;17m");
	KEEPS("termfilter-sgr-truecolour-semicolons",
	      "\033[38;2;10;20;30m\033[48;2;255;255;255m");
	KEEPS("termfilter-sgr-truecolour-colons",
	      "\033[38:2::10:20:30m\033[48:2:0:1:2:3m");
	KEEPS("termfilter-sgr-256-colons", "\033[38:5:196;1m");
	KEEPS("termfilter-sgr-underline-colour", "\033[58:2::1:2:3m");
	KEEPS("termfilter-sgr-empty-fields", "\033[;1;m");
	KEEPS("termfilter-sgr-32-bytes",
	      "\033[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;m");
	FILTERS("termfilter-sgr-33-bytes-dropped",
		"\033[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1mx", "x");
	DROPS("termfilter-sgr-colon-not-colour", "\033[4:3m");
	DROPS("termfilter-sgr-colon-first", "\033[:2m");
	DROPS("termfilter-sgr-7-subfields", "\033[38:2:0:1:2:3:4m");
	DROPS("termfilter-sgr-number-too-big", "\033[38;5;65536m");
	KEEPS("termfilter-sgr-number-65535", "\033[38;5;65535m");
	DROPS("termfilter-sgr-private-query", "\033[?4m");
	DROPS("termfilter-sgr-modify-other-keys", "\033[>4;2m");
	DROPS("termfilter-sgr-intermediate", "\033[1 m");
}

static void test_cursor(void)
{
	KEEPS("termfilter-cursor-movement",
	      "\033[A\033[2B\033[3C\033[4D\033[E\033[2F\033[10G\033[5;10H"
	      "\033[f\033[;5f\033[5d\033[3`\033[2a\033[e\033[I\033[Z");
	KEEPS("termfilter-erase", "\033[J\033[0J\033[1J\033[2J\033[K\033[1K"
				  "\033[2K\033[3X\033[2P\033[4@\033[L\033[3M");
	KEEPS("termfilter-scroll-and-region",
	      "\033[S\033[2T\033[1;24r\033[r\033[3b");
	KEEPS("termfilter-save-restore-cursor", "\033[s\033[u");
	DROPS("termfilter-erase-scrollback", "\033[3J");
	DROPS("termfilter-cup-3-params", "\033[1;2;3H");
	DROPS("termfilter-cuu-2-params", "\033[1;2A");
	DROPS("termfilter-mouse-highlight-t", "\033[1;2;3;4;5T");
	DROPS("termfilter-scosc-with-param", "\033[1s");
	DROPS("termfilter-cursor-colon", "\033[1:2H");
	DROPS("termfilter-cursor-too-far", "\033[65536C");
	KEEPS("termfilter-cursor-65535", "\033[65535C");
	DROPS("termfilter-private-erase", "\033[?2J\033[?K");
	DROPS("termfilter-misplaced-marker", "\033[1?h\033[1>c");
}

static void test_modes(void)
{
	KEEPS("termfilter-modes-kept",
	      "\033[?25l\033[?25h\033[?1049h\033[?1049l\033[?7l\033[?7h"
	      "\033[?1h\033[?1l\033[4h\033[4l\033[?1049;25h");
	DROPS("termfilter-bracketed-paste-dropped", "\033[?2004h\033[?2004l");
	DROPS("termfilter-focus-dropped", "\033[?1004h");
	DROPS("termfilter-mouse-dropped",
	      "\033[?9h\033[?1000h\033[?1001h\033[?1002h\033[?1003h"
	      "\033[?1005h\033[?1006h\033[?1015h\033[?1000;1006h");
	DROPS("termfilter-ansi-modes-dropped", "\033[2h\033[12l\033[20h");
	DROPS("termfilter-dec-modes-dropped",
	      "\033[?3h\033[?5h\033[?6h\033[?12h\033[?47h\033[?2026h");
	FILTERS("termfilter-mode-list-filtered", "\033[?12;25h", "\033[?25h");
	FILTERS("termfilter-mode-list-mouse-out", "\033[?1000;1049;1006;25l",
		"\033[?1049;25l");
	FILTERS("termfilter-mode-list-leading-zeros", "\033[?0025;;1049h",
		"\033[?25;1049h");
	FILTERS("termfilter-ansi-mode-list", "\033[4;20h", "\033[4h");
	DROPS("termfilter-mode-empty", "\033[?h\033[l");
	DROPS("termfilter-mode-save-restore", "\033[?1001s\033[?1000r");
	DROPS("termfilter-mode-kitty-keyboard", "\033[>1u\033[=1u\033[<u");
}

static void test_esc(void)
{
	KEEPS("termfilter-esc-kept", "\0337\0338\033M\033D\033E\033=\033>");
	KEEPS("termfilter-charsets-kept", "\033(B\033(0\033)0\033)B");
	DROPS("termfilter-charsets-other-sets", "\033(A\033(U\033)<\033(%5");
	DROPS("termfilter-charsets-g2-g3", "\033*0\033+B\033-A\033.A");
	DROPS("termfilter-charset-utf8-switch", "\033%G\033%@");
	DROPS("termfilter-8bit-controls", "\033 G\033 F");
	DROPS("termfilter-decaln", "\033#8");
	DROPS("termfilter-ris", "\033c");
	DROPS("termfilter-decid", "\033Z");
	DROPS("termfilter-shifts", "\033N\033O\033n\033o\033|\033}\033~");
	FILTERS("termfilter-esc-unknown-final", "a\033qb\033\\c", "abc");
	FILTERS("termfilter-esc-esc", "\033\033[1m", "\033[1m");
	FILTERS("termfilter-esc-then-utf8", "\033\303\251", "\303\251");
	FILTERS("termfilter-esc-then-invalid", "\033\377", R);
	FILTERS("termfilter-esc-then-del", "\033\1777", "\0337");
	FILTERS("termfilter-esc-then-c0", "\033\n7", "\n\0337");
	FILTERS("termfilter-csi-with-cr-inside", "\033[1\r;2H", "\r\033[1;2H");
	FILTERS("termfilter-csi-with-bel-inside", "\033[1\007m", "\033[1m");
	FILTERS("termfilter-csi-then-utf8", "\033[1\303\251m", "\303\251m");
	FILTERS("termfilter-csi-esc-restarts", "\033[12\033[3m", "\033[3m");
	FILTERS("termfilter-esc-at-end", "x\033", "x");
}

static void test_strings(void)
{
	FILTERS("termfilter-osc52-clipboard-bel",
		"a\033]52;c;cm0gLXJmIH4K\007b", "ab");
	FILTERS("termfilter-osc52-clipboard-st",
		"a\033]52;c;cm0gLXJmIH4K\033\\b", "ab");
	FILTERS("termfilter-osc52-query", "\033]52;c;?\007x", "x");
	FILTERS("termfilter-osc0-title", "\033]0;evil\007x", "x");
	FILTERS("termfilter-osc2-title", "\033]2;evil\033\\x", "x");
	FILTERS("termfilter-osc8-hyperlink",
		"\033]8;;http://evil.example/\033\\click\033]8;;\033\\",
		"click");
	FILTERS("termfilter-osc-colours", "\033]4;1;?\007\033]11;?\033\\x",
		"x");
	FILTERS("termfilter-osc-utf8-payload",
		"\033]2;\305\234\342\225\235\007x", "x");
	FILTERS("termfilter-osc-esc-ends-and-starts", "\033]2;t\033[1mx",
		"\033[1mx");
	FILTERS("termfilter-dcs-decrqss", "\033P$qm\033\\x", "x");
	FILTERS("termfilter-dcs-bel-does-not-end", "\033Pabc\007def\033\\x",
		"x");
	FILTERS("termfilter-dcs-tmux-passthrough",
		"\033Ptmux;\033\033]52;c;eA==\007\033\\x", "x");
	FILTERS("termfilter-dcs-sixel", "\033Pq#0;2;0;0;0#0~~@@vv\033\\x", "x");
	FILTERS("termfilter-apc-kitty-graphics", "\033_Gf=100;AAAA\033\\x",
		"x");
	FILTERS("termfilter-pm", "\033^secret\033\\x", "x");
	FILTERS("termfilter-sos", "\033Xsecret\033\\x", "x");
	FILTERS("termfilter-can-aborts-osc", "\033]0;title\030visible",
		"visible");
	FILTERS("termfilter-sub-aborts-dcs", "\033Pq\032visible", "visible");
	FILTERS("termfilter-can-aborts-csi", "\033[31\030m", "m");
	FILTERS("termfilter-sub-aborts-csi", "\033[1\032;2H", ";2H");
	FILTERS("termfilter-can-aborts-esc", "\033(\0300", "0");
}

static void test_c1(void)
{
	FILTERS("termfilter-c1-csi-6n", "a\2336nb", "ab");
	FILTERS("termfilter-c1-csi-sgr-dropped", "\23331mred", "red");
	FILTERS("termfilter-c1-osc", "\2352;title\007x", "x");
	FILTERS("termfilter-c1-osc-c1-st", "\2350;t\234x", "x");
	FILTERS("termfilter-c1-dcs", "\220$qm\234x", "x");
	FILTERS("termfilter-c1-sos-pm-apc", "\230a\234\236b\234\237c\234x",
		"x");
	FILTERS("termfilter-c1-others-dropped",
		"a\204\205\210\215\216\217b"
		"\232\226\227\234c",
		"abc");
	FILTERS("termfilter-c1-utf8-csi", "\302\2336nx", "x");
	FILTERS("termfilter-c1-utf8-osc-st", "\302\2350;t\302\234x", "x");
	FILTERS("termfilter-c1-utf8-nel", "a\302\205b", "ab");
	FILTERS("termfilter-c1-aborts-csi", "\033[1\2336n2m", "2m");
	FILTERS("termfilter-c1-st-ends-osc", "\033]0;title\234x", "x");
	/* Inside an OSC, a continuation byte 0x9c is part of a character,
	 * not ST. */
	FILTERS("termfilter-c1-continuation-in-osc", "\033]0;\305\234x\007y",
		"y");
}

static void test_queries(void)
{
	DROPS("termfilter-cpr-6n", "\033[6n");
	DROPS("termfilter-dsr-5n", "\033[5n");
	DROPS("termfilter-decxcpr", "\033[?6n");
	DROPS("termfilter-da1", "\033[c\033[0c");
	DROPS("termfilter-da2-da3", "\033[>c\033[>0c\033[=c");
	DROPS("termfilter-decreqtparm", "\033[x\033[1x");
	DROPS("termfilter-window-ops", "\033[21t\033[14t\033[8;100;100t"
				       "\033[22;0;0t\033[23;0;0t\033[11t");
	DROPS("termfilter-decrqm", "\033[?2004$p\033[4$p");
	DROPS("termfilter-xtversion", "\033[>q\033[>0q");
	DROPS("termfilter-kitty-keyboard-query", "\033[?u");
	DROPS("termfilter-decstr-decscusr", "\033[!p\033[2 q");
	DROPS("termfilter-enq", "\005");
	DROPS("termfilter-tab-clear", "\033[3g");
	/* The busybox shell's prompt asks for the cursor position. */
	FILTERS("termfilter-busybox-prompt", "\033[6n~ # ", "~ # ");
}

/* n bytes of c at big + at. */
static size_t fill(size_t at, int c, size_t n)
{
	memset(big + at, c, n);
	return at + n;
}

static size_t add(size_t at, const char *s)
{
	memcpy(big + at, s, strlen(s));
	return at + strlen(s);
}

static void test_long(void)
{
	struct termfilter f;
	size_t n, o;

	n = add(0, "\033[");
	n = fill(n, '1', 10000);
	n = add(n, "mok");
	CHECK("termfilter-overlong-csi-dropped", same(big, n, "ok", 2));
	n = add(0, "\033[");
	n = fill(n, ';', 100000);
	n = add(n, "Hok");
	CHECK("termfilter-overlong-csi-semicolons", same(big, n, "ok", 2));

	/* An unterminated OSC swallows what follows until BEL or ST; the
	 * filter holds none of it. */
	n = add(0, "a\033]0;");
	n = fill(n, 'A', 200000);
	n = add(n, "text after");
	termfilter_init(&f);
	o = termfilter_run(&f, big, n, got, TERMFILTER_OUT_MAX(n));
	CHECK("termfilter-unterminated-osc-swallows", o == 1 && got[0] == 'a');
	o = termfilter_run(&f, (const unsigned char *)"more\007after", 11, got,
			   TERMFILTER_OUT_MAX(11));
	CHECK("termfilter-unterminated-osc-bel-ends",
	      o == 5 && memcmp(got, "after", 5) == 0);
	n = add(0, "\033P");
	n = fill(n, 'A', 200000);
	n = add(n, "\033\\after");
	CHECK("termfilter-long-dcs-st-ends", same(big, n, "after", 5));
	n = add(0, "\033]52;c;");
	n = fill(n, 'Q', 200000);
	n = add(n, "\033\\after");
	CHECK("termfilter-long-osc52-st-ends", same(big, n, "after", 5));
	/* ESC ends the APC and starts a sequence; the last one is ST. */
	n = add(0, "\033_");
	n = fill(n, '\033', 1000);
	n = add(n, "\\after");
	CHECK("termfilter-apc-escs-then-st", same(big, n, "after", 5));
}

static void test_bounds(void)
{
	struct termfilter f;
	unsigned char in[64], out[TERMFILTER_OUT_MAX(1)];
	size_t o, n;

	/* The worst releases: a full CSI held from earlier calls. */
	termfilter_init(&f);
	n = add(0, "\033[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;");
	memcpy(in, big, n);
	o = termfilter_run(&f, in, n, got, TERMFILTER_OUT_MAX(n));
	CHECK("termfilter-bound-csi-held", o == 0);
	memset(out, 0xee, sizeof(out));
	o = termfilter_run(&f, (const unsigned char *)"m", 1, out, sizeof(out));
	CHECK("termfilter-bound-csi-released",
	      o == n + 1 && o <= TERMFILTER_OUT_MAX(1) &&
		  memcmp(out, big, n) == 0 && out[n] == 'm');
	/* One byte after a truncated character: two U+FFFD. */
	termfilter_init(&f);
	o = termfilter_run(&f, (const unsigned char *)"\360\237\230", 3, got,
			   TERMFILTER_OUT_MAX(3));
	o = termfilter_run(&f, (const unsigned char *)"\377", 1, out,
			   TERMFILTER_OUT_MAX(1));
	CHECK("termfilter-bound-two-fffd", o == 6 && memcmp(out, R R, 6) == 0);
	/* Too small a buffer: nothing past it, nothing cut in half. */
	termfilter_init(&f);
	memset(out, 0xee, sizeof(out));
	o = termfilter_run(&f, (const unsigned char *)"ab\342\202\254", 5, out,
			   4);
	CHECK("termfilter-small-buffer-whole-characters",
	      o == 2 && memcmp(out, "ab", 2) == 0 && out[4] == 0xee);
	o = termfilter_run(&f, (const unsigned char *)"x", 1, out, 0);
	CHECK("termfilter-zero-buffer", o == 0);
}

/* Feed in, then finish: the bytes finish writes. */
static bool finish_is(const char *in, const char *want)
{
	struct termfilter f;
	unsigned char out[TERMFILTER_FINISH_MAX];
	size_t n = strlen(in), o;

	termfilter_init(&f);
	termfilter_run(&f, (const unsigned char *)in, n, got,
		       TERMFILTER_OUT_MAX(n));
	o = termfilter_finish(&f, out, sizeof(out));
	if (o != strlen(want) || memcmp(out, want, o) != 0) {
		show("finish got", out, o);
		return false;
	}
	/* f starts afresh. */
	return termfilter_finish(&f, out, sizeof(out)) == 0;
}

static void test_finish(void)
{
	CHECK("termfilter-finish-nothing", finish_is("plain text\r\n", ""));
	CHECK("termfilter-finish-queries-change-nothing",
	      finish_is("\033[6n\033]0;t\007\033[?2004h", ""));
	CHECK("termfilter-finish-truncated-character",
	      finish_is("ab\342\202", R));
	CHECK("termfilter-finish-held-csi-dropped", finish_is("\033[1;2", ""));
	CHECK("termfilter-finish-alt-screen",
	      finish_is("\033[?1049h", "\033[?1049l"));
	CHECK("termfilter-finish-alt-screen-left",
	      finish_is("\033[?1049h\033[?1049l", ""));
	CHECK("termfilter-finish-sgr", finish_is("\033[31m", "\033[m"));
	CHECK("termfilter-finish-margins",
	      finish_is("\033[2;10r", "\0337\033[r\0338"));
	CHECK("termfilter-finish-charsets",
	      finish_is("\033)0\016", "\033(B\033)B\017"));
	CHECK("termfilter-finish-modes",
	      finish_is("\033[4h\033[?7l\033[?1h\033=\033[?25l",
			"\033[4l\033[?7h\033[?1l\033>\033[?25h"));
	CHECK("termfilter-finish-everything",
	      finish_is("\033[?1049h\033[1;24r\033[1m\033(0\033[4h\033[?7l"
			"\033[?1h\033=\033[?25l\342",
			R "\033[?1049l\0337\033[r\0338\033[m\033(B\033)B\017"
			  "\033[4l\033[?7h\033[?1l\033>\033[?25h"));
}

/* Captured with script(1) in an 80x24 tmux pane: catgirl connected to a
 * local test server, and elinks showing a small page and its exit
 * dialog (the first lines and the dialog; blank lines between left
 * out). "want" is the capture less what the filter must drop. */
static const char catgirl_linux_in[] =
    "\033[?1004h\033[?2004h\033)0\033[1;24r\033[m\017\033[4l\033[?7h\033[39;4"
    "9m\033[39;49m\033[m\017\033[H\033[J\033[0;10;7;1m\017\033[30m 0 <network"
    "> \015\033[21d\033[0;10;1m\017\033[35mcatgirl\033[39m\033[m\017 is GPLv3"
    " fwee softwawe ^w^  code is avaiwable fwom\033[22;9Hhttps://git.causal.a"
    "gency/catgirl\015\033[23dTraveling...\015\033[24d\033[H\033[0;10;7;1m"
    "\017\033[32m 1 #septa \033[39m\033[m\017\033[K\015\033[20d\033[0;10;1m"
    "\017\033[33mtester\033[39m\033[m\017 arrives in \033[0;10;1m\017\033[32m"
    "#septa\015\033[21d\033[39m\033[m\017The sign in \033[0;10;1m\017\033[32m"
    "#septa\033[39m\033[m\017 reads: Topic with \033[0;10;1m\017\033[31mcolou"
    "r\033[39m\033[m\017 and \033[0;10;1m\017bold\033[m\017\033[K\015\033[22d"
    "\033[0;10;1m\017\033[35m<alice>\033[39m\033[m\017 hello from alice, caf"
    "\303\251 \342\202\254\033[K\015\033[23d\033[34m<bob>\033[39m\033[m\017 "
    "\033[32mgreen\033[39m\033[m\017 \033[33morange\033[39m\033[m\017 text"
    "\015\033[24d\033[0;10;1m\017\033[33m<tester> \033[39m\033[m\017\033[24;1"
    "H\015\033[?1004l\033[?2004l\033[?1004l\033[?2004l\012";

static const char catgirl_linux_want[] =
    "\033)0\033[1;24r\033[m\017\033[4l\033[?7h\033[39;49m\033[39;49m\033[m"
    "\017\033[H\033[J\033[0;10;7;1m\017\033[30m 0 <network> \015\033[21d\033["
    "0;10;1m\017\033[35mcatgirl\033[39m\033[m\017 is GPLv3 fwee softwawe ^w^ "
    " code is avaiwable fwom\033[22;9Hhttps://git.causal.agency/catgirl\015"
    "\033[23dTraveling...\015\033[24d\033[H\033[0;10;7;1m\017\033[32m 1 #sept"
    "a \033[39m\033[m\017\033[K\015\033[20d\033[0;10;1m\017\033[33mtester\033"
    "[39m\033[m\017 arrives in \033[0;10;1m\017\033[32m#septa\015\033[21d\033"
    "[39m\033[m\017The sign in \033[0;10;1m\017\033[32m#septa\033[39m\033[m"
    "\017 reads: Topic with \033[0;10;1m\017\033[31mcolour\033[39m\033[m\017 "
    "and \033[0;10;1m\017bold\033[m\017\033[K\015\033[22d\033[0;10;1m\017\033"
    "[35m<alice>\033[39m\033[m\017 hello from alice, caf\303\251 \342\202\254"
    "\033[K\015\033[23d\033[34m<bob>\033[39m\033[m\017 \033[32mgreen\033[39m"
    "\033[m\017 \033[33morange\033[39m\033[m\017 text\015\033[24d\033[0;10;1m"
    "\017\033[33m<tester> \033[39m\033[m\017\033[24;1H\015\012";

static const char catgirl_xterm_in[] =
    "\033[?1004h\033[?2004h\033[?1049h\033[22;0;0t\033[1;24r\033(B\033[m\033["
    "4l\033[?7h\033[39;49m\033[39;49m\033(B\033[m\033[H\033[2J\033(B\033[0;7m"
    "\033[90m 0 <network> \015\033[21d\033(B\033[0m\033[95mcatgirl\033[39m"
    "\033(B\033[m is GPLv3 fwee softwawe ^w^  code is avaiwable fwom\033[22;9"
    "Hhttps://git.causal.agency/catgirl\015\033[23dTraveling...\015\033[24d"
    "\033]2;localhost <network>\007\033[?1h\033=\033[H\033(B\033[0;7m\033[38;"
    "5;58m 1 #septa \033[39m\033(B\033[m\033[K\015\033[20d\033[38;5;91mtester"
    "\033[39m\033(B\033[m arrives in \033[38;5;58m#septa\015\033[21d\033[39m"
    "\033(B\033[mThe sign in \033[38;5;58m#septa\033[39m\033(B\033[m reads: T"
    "opic with \033[91mcolour\033[39m\033(B\033[m and \033(B\033[0;1mbold\033"
    "(B\033[m\033[K\015\033[22d\033[38;5;205m<alice>\033[39m\033(B\033[m hell"
    "o from alice, caf\303\251 \342\202\254\033[K\015\033[23d\033[34m<bob>"
    "\033[39m\033(B\033[m \033[32mgreen\033[39m\033(B\033[m \033[33morange"
    "\033[39m\033(B\033[m text\015\033[24d\033[38;5;91m<tester> \033[39m\033("
    "B\033[m\033]2;localhost #septa\007\033[24;1H\033[?1049l\033[23;0;0t\015"
    "\033[?1l\033>\033[?1l\033>\033[?1004l\033[?2004l\033[?1004l\033[?2004l"
    "\012";

static const char catgirl_xterm_want[] =
    "\033[?1049h\033[1;24r\033(B\033[m\033[4l\033[?7h\033[39;49m\033[39;49m"
    "\033(B\033[m\033[H\033[2J\033(B\033[0;7m\033[90m 0 <network> \015\033[21"
    "d\033(B\033[0m\033[95mcatgirl\033[39m\033(B\033[m is GPLv3 fwee softwawe"
    " ^w^  code is avaiwable fwom\033[22;9Hhttps://git.causal.agency/catgirl"
    "\015\033[23dTraveling...\015\033[24d\033[?1h\033=\033[H\033(B\033[0;7m"
    "\033[38;5;58m 1 #septa \033[39m\033(B\033[m\033[K\015\033[20d\033[38;5;9"
    "1mtester\033[39m\033(B\033[m arrives in \033[38;5;58m#septa\015\033[21d"
    "\033[39m\033(B\033[mThe sign in \033[38;5;58m#septa\033[39m\033(B\033[m "
    "reads: Topic with \033[91mcolour\033[39m\033(B\033[m and \033(B\033[0;1m"
    "bold\033(B\033[m\033[K\015\033[22d\033[38;5;205m<alice>\033[39m\033(B"
    "\033[m hello from alice, caf\303\251 \342\202\254\033[K\015\033[23d\033["
    "34m<bob>\033[39m\033(B\033[m \033[32mgreen\033[39m\033(B\033[m \033[33mo"
    "range\033[39m\033(B\033[m text\015\033[24d\033[38;5;91m<tester> \033[39m"
    "\033(B\033[m\033[24;1H\033[?1049l\015\033[?1l\033>\033[?1l\033>\012";

static const char elinks_linux_in[] =
    "\033)0\0337\033[?9h\033[?1000h\033[?2004h\033[1;1H\033[2J\033[1;1H\033[1"
    ";1H\033[0;30;47m                                                        "
    "             Septa test \033[2;1H\033[0;37;40m                          "
    "        \033[1mHello Septa\033[0;37;40m                                 "
    "  \033[3;1H                                                             "
    "                   \033[4;1H   Some \033[1m\033[0;37;40;1mbold\033[0;37;"
    "40m text and a \033[0;37;44mlink\033[0;37;40m. Caf\303\251 \342\202\254 "
    "                                           \033[9;1H\033[0;37;40m       "
    "          \033[0;30;47m                                              "
    "\033[0;37;40m                 \033[10;1H                 \033[0;30;47m  "
    " \342\225\224\342\225\220\342\225\220\342\225\220\342\225\220\342\225"
    "\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225"
    "\220\342\225\220\033[0;31;47m Exit ELinks \033[0;30;47m\342\225\220\342"
    "\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342"
    "\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342"
    "\225\227   \033[0;37;40m                 \033[11;1H                 \033"
    "[0;30;47m   \342\225\221                                      \342\225"
    "\221   \033[0;37;40m                 \033[12;1H                 \033[0;3"
    "0;47m   \342\225\221  Do you really want to exit ELinks?  \342\225\221  "
    " \033[0;37;40m                 \033[13;1H                 \033[0;30;47m "
    "  \342\225\221                                      \342\225\221   \033["
    "0;37;40m                 \033[14;1H                 \033[0;30;47m   \342"
    "\225\221          \033[1m\033[0;33;42;1m[ \033[0;37;44;1mY\033[0;33;42;1"
    "mes ]\033[0;30;47m   \033[1m\033[0;37;44;1m[ \033[0;33;44;1mN\033[0;37;4"
    "4;1mo ]\033[0;30;47m            \342\225\221   \033[0;37;40m            "
    "     \033[15;1H                 \033[0;30;47m   \342\225\232\342\225\220"
    "\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220"
    "\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220"
    "\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220"
    "\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220"
    "\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220"
    "\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220"
    "\342\225\220\342\225\235   \033[0;37;40m                 \033[16;1H     "
    "            \033[0;30;47m                                              "
    "\033[0;37;40m                 \033[37;40m\033[0m\033[14;34H\033[?2004l"
    "\033[2J\033[?9l\033[?1000l\0338\015 \010\012";

static const char elinks_linux_want[] =
    "\033)0\0337\033[1;1H\033[2J\033[1;1H\033[1;1H\033[0;30;47m              "
    "                                                       Septa test \033[2"
    ";1H\033[0;37;40m                                  \033[1mHello Septa\033"
    "[0;37;40m                                   \033[3;1H                   "
    "                                                             \033[4;1H  "
    " Some \033[1m\033[0;37;40;1mbold\033[0;37;40m text and a \033[0;37;44mli"
    "nk\033[0;37;40m. Caf\303\251 \342\202\254                               "
    "             \033[9;1H\033[0;37;40m                 \033[0;30;47m       "
    "                                       \033[0;37;40m                 "
    "\033[10;1H                 \033[0;30;47m   \342\225\224\342\225\220\342"
    "\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342"
    "\225\220\342\225\220\342\225\220\342\225\220\342\225\220\033[0;31;47m Ex"
    "it ELinks \033[0;30;47m\342\225\220\342\225\220\342\225\220\342\225\220"
    "\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220"
    "\342\225\220\342\225\220\342\225\220\342\225\227   \033[0;37;40m        "
    "         \033[11;1H                 \033[0;30;47m   \342\225\221        "
    "                              \342\225\221   \033[0;37;40m              "
    "   \033[12;1H                 \033[0;30;47m   \342\225\221  Do you reall"
    "y want to exit ELinks?  \342\225\221   \033[0;37;40m                 "
    "\033[13;1H                 \033[0;30;47m   \342\225\221                 "
    "                     \342\225\221   \033[0;37;40m                 \033[1"
    "4;1H                 \033[0;30;47m   \342\225\221          \033[1m\033[0"
    ";33;42;1m[ \033[0;37;44;1mY\033[0;33;42;1mes ]\033[0;30;47m   \033[1m"
    "\033[0;37;44;1m[ \033[0;33;44;1mN\033[0;37;44;1mo ]\033[0;30;47m        "
    "    \342\225\221   \033[0;37;40m                 \033[15;1H             "
    "    \033[0;30;47m   \342\225\232\342\225\220\342\225\220\342\225\220\342"
    "\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342"
    "\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342"
    "\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342"
    "\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342"
    "\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342"
    "\225\220\342\225\220\342\225\220\342\225\220\342\225\220\342\225\235   "
    "\033[0;37;40m                 \033[16;1H                 \033[0;30;47m  "
    "                                            \033[0;37;40m               "
    "  \033[37;40m\033[0m\033[14;34H\033[2J\0338\015 \010\012";

static const char elinks_xterm_in[] =
    "\033)0\0337\033[?9h\033[?1000h\033[?2004h\033[?1001s\033[?1000h\033[1;1H"
    "\033[2J\033[1;1H\033[1;1H\033[0;38;5;0m\033[48;5;15m                    "
    "                                                 Septa test \033[2;1H"
    "\033[0;38;5;250m\033[48;5;0m                                  \033[1mHel"
    "lo Septa\033[0;38;5;250m\033[48;5;0m                                   "
    "\033[3;1H                                                               "
    "                 \033[4;1H\033[0;38;5;15m\033[48;5;0m   \033[0;38;5;250m"
    "\033[48;5;0mSome \033[1mbold\033[0;38;5;250m\033[48;5;0m text and a \033"
    "[0;38;5;0m\033[48;5;21mlink\033[0;38;5;250m\033[48;5;0m. Caf\303\251 "
    "\342\202\254                                            \033[14;1H      "
    "           \033[0;38;5;0m\033[48;5;15m   \342\224\202          \033[0;38"
    ";5;11m\033[48;5;28m[ \033[0;38;5;15m\033[48;5;21mY\033[0;38;5;11m\033[48"
    ";5;28mes ]\033[0;38;5;0m\033[48;5;15m   \033[0;38;5;15m\033[48;5;21m[ "
    "\033[0;38;5;11m\033[48;5;21mN\033[0;38;5;15m\033[48;5;21mo ]\033[0;38;5;"
    "0m\033[48;5;15m            \342\224\202   \033[0;38;5;250m\033[48;5;0m  "
    "               \033[15;1H                 \033[0;38;5;0m\033[48;5;15m   "
    "\342\224\224\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200"
    "\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200"
    "\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200"
    "\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200"
    "\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200"
    "\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200"
    "\342\224\200\342\224\200\342\224\200\342\224\230   \033[0;38;5;250m\033["
    "48;5;0m                 \033[16;1H                 \033[0;38;5;0m\033[48"
    ";5;15m                                              \033[0;38;5;250m\033"
    "[48;5;0m                 \033[37;40m\033[0m\033[14;34H\033[?2004l\033[2J"
    "\033[?9l\033[?1000l\0338\015 \010\012";

static const char elinks_xterm_want[] =
    "\033)0\0337\033[1;1H\033[2J\033[1;1H\033[1;1H\033[0;38;5;0m\033[48;5;15m"
    "                                                                     Sep"
    "ta test \033[2;1H\033[0;38;5;250m\033[48;5;0m                           "
    "       \033[1mHello Septa\033[0;38;5;250m\033[48;5;0m                   "
    "                \033[3;1H                                               "
    "                                 \033[4;1H\033[0;38;5;15m\033[48;5;0m   "
    "\033[0;38;5;250m\033[48;5;0mSome \033[1mbold\033[0;38;5;250m\033[48;5;0m"
    " text and a \033[0;38;5;0m\033[48;5;21mlink\033[0;38;5;250m\033[48;5;0m."
    " Caf\303\251 \342\202\254                                            "
    "\033[14;1H                 \033[0;38;5;0m\033[48;5;15m   \342\224\202   "
    "       \033[0;38;5;11m\033[48;5;28m[ \033[0;38;5;15m\033[48;5;21mY\033[0"
    ";38;5;11m\033[48;5;28mes ]\033[0;38;5;0m\033[48;5;15m   \033[0;38;5;15m"
    "\033[48;5;21m[ \033[0;38;5;11m\033[48;5;21mN\033[0;38;5;15m\033[48;5;21m"
    "o ]\033[0;38;5;0m\033[48;5;15m            \342\224\202   \033[0;38;5;250"
    "m\033[48;5;0m                 \033[15;1H                 \033[0;38;5;0m"
    "\033[48;5;15m   \342\224\224\342\224\200\342\224\200\342\224\200\342\224"
    "\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224"
    "\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224"
    "\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224"
    "\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224"
    "\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224"
    "\200\342\224\200\342\224\200\342\224\200\342\224\200\342\224\230   \033["
    "0;38;5;250m\033[48;5;0m                 \033[16;1H                 \033["
    "0;38;5;0m\033[48;5;15m                                              \033"
    "[0;38;5;250m\033[48;5;0m                 \033[37;40m\033[0m\033[14;34H"
    "\033[2J\0338\015 \010\012";

static void test_captures(void)
{
	static const char alice[] = "\033[38;5;205m<alice>\033[39m\033(B"
				    "\033[m hello from alice, caf\303\251 "
				    "\342\202\254";

	/* The start of catgirl's screen on TERM=linux, whole. */
	KEEPS("termfilter-catgirl-linux-prefix",
	      "\033)0\033[1;24r\033[m\017\033[4l\033[?7h\033[39;49m\033[H"
	      "\033[J\033[0;10;7;1m");
	FILTERS("termfilter-catgirl-linux-focus-paste-dropped",
		"\033[?1004h\033[?2004h\033)0\033[1;24r", "\033)0\033[1;24r");
	CHECK("termfilter-capture-catgirl-linux",
	      same(catgirl_linux_in, sizeof(catgirl_linux_in) - 1,
		   catgirl_linux_want, sizeof(catgirl_linux_want) - 1));
	CHECK("termfilter-capture-catgirl-xterm",
	      same(catgirl_xterm_in, sizeof(catgirl_xterm_in) - 1,
		   catgirl_xterm_want, sizeof(catgirl_xterm_want) - 1));
	CHECK("termfilter-capture-elinks-linux",
	      same(elinks_linux_in, sizeof(elinks_linux_in) - 1,
		   elinks_linux_want, sizeof(elinks_linux_want) - 1));
	CHECK("termfilter-capture-elinks-xterm",
	      same(elinks_xterm_in, sizeof(elinks_xterm_in) - 1,
		   elinks_xterm_want, sizeof(elinks_xterm_want) - 1));
	CHECK("termfilter-capture-catgirl-text-kept",
	      memmem(catgirl_xterm_want, sizeof(catgirl_xterm_want), alice,
		     sizeof(alice) - 1) != NULL);
}

int main(void)
{
	test_text();
	test_bad_utf8();
	test_sgr();
	test_cursor();
	test_modes();
	test_esc();
	test_strings();
	test_c1();
	test_queries();
	test_long();
	test_bounds();
	test_finish();
	test_captures();
	return check_done();
}
