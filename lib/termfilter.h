/* SPDX-License-Identifier: MIT */
/* termfilter: what a VM prints on its console, made safe for the host's
 * terminal. A VM is not trusted with the user's terminal: escape sequences
 * can set the clipboard (OSC 52), retitle windows, make links, switch
 * modes whose reports are typed back into the VM (bracketed paste, focus,
 * mouse), or ask questions (CSI 6n, DA, DECRQM, DECRQSS) whose answers
 * arrive as input. The filter passes text and a short allow-list of
 * screen operations, so that shells and full-screen programs (elinks,
 * catgirl) still draw, and drops everything else.
 *
 * The filter is a small state machine in a fixed-size struct: no heap,
 * nothing buffered but one control sequence of at most TERMFILTER_CSI_MAX
 * parameter bytes. It is stateful across calls, and splitting the input
 * anywhere gives the same output as one call.
 *
 * The host terminal is taken to decode UTF-8, as foot does. The output is
 * valid UTF-8 and never holds a C1 control, raw or encoded; on a terminal
 * that reads 8-bit controls, UTF-8 continuation bytes would be misread,
 * which no escaping here could prevent.
 *
 * Kept, byte for byte:
 *   - text: printable ASCII and valid UTF-8 (U+00A0 and up; a character
 *     may be split across calls);
 *   - TAB, LF, CR, BS, and SO/SI (0x0e, 0x0f: with only ASCII and the DEC
 *     line-drawing set designatable, shifting between G0 and G1 changes
 *     nothing but glyphs; linux and vt100 terminfo draw lines with it);
 *   - ESC 7, ESC 8 (save, restore cursor), ESC D, ESC E, ESC M (index,
 *     next line, reverse index), ESC = and ESC > (keypad modes),
 *     ESC ( B, ESC ( 0, ESC ) B, ESC ) 0 (G0/G1: ASCII or line drawing);
 *   - CSI sequences introduced by ESC [, with no intermediate bytes, at
 *     most TERMFILTER_CSI_MAX parameter bytes, and each number at most
 *     65535:
 *       m          SGR: digits and ';'; ':' only inside a field that
 *                  starts 38, 48 or 58 (colours), at most 6 subfields;
 *       A B C D E F G I Z ` a d e X P @ L M S T b
 *                  cursor movement, tabs, erase/insert/delete characters
 *                  and lines, scroll, repeat: at most one number;
 *       H f r      cursor position, scroll region: at most two numbers;
 *       J K        erase in display/line: 0, 1 or 2 (not 3J, which
 *                  would wipe the host terminal's scrollback);
 *       s u        save, restore cursor: no parameters;
 *       h l        mode 4 (insert) and private modes ?1 (cursor keys),
 *                  ?7 (autowrap), ?25 (cursor shown), ?1049 (alternate
 *                  screen); other modes in the list are taken out of it,
 *                  and the sequence is dropped when none is left.
 *
 * Dropped whole, payload included:
 *   - OSC (ESC ]), DCS (ESC P), SOS (ESC X), PM (ESC ^), APC (ESC _):
 *     titles, clipboard, hyperlinks, colours, DECRQSS, everything. The
 *     payload is skipped, never stored, whatever its length, up to ST
 *     (ESC \ or C1 0x9c), BEL for OSC only (xterm's convention), CAN or
 *     SUB, or an ESC that starts another sequence, as on a VT;
 *   - every other CSI: queries (c, >c, 5n, 6n, ?6n, x, t, ?$p, >q...),
 *     private markers other than '?' (modifyOtherKeys, kitty keyboard),
 *     any intermediate byte (DECSTR, DECSCUSR, DECRQM), modes not listed
 *     (bracketed paste ?2004, focus ?1004, mouse ?9 ?1000-?1006 ?1015,
 *     keyboard lock 2, local echo 12, newline mode 20), a misplaced
 *     private marker, or more than TERMFILTER_CSI_MAX parameter bytes;
 *   - every other escape sequence: ESC Z (identify), ESC c (reset), single
 *     and locking shifts of G2/G3 (ESC N, O, n, o, |, }, ~), ESC # 8,
 *     ESC % (leaves UTF-8), ESC SP F/G (8-bit reports), designations of
 *     other sets or of G2/G3, ESC followed by any other final byte;
 *   - all other C0 controls (NUL, ENQ, BEL, VT, FF...) and DEL. BEL is
 *     dropped too: a VM may not ring the host's bell, which in foot can
 *     raise urgency or run a command;
 *   - C1 controls. A byte 0x80-0x9f that is not part of a UTF-8
 *     character, and U+0080-U+009F encoded in UTF-8, are read as the C1
 *     control they name, as an 8-bit VT or xterm would: CSI 0x9b, OSC
 *     0x9d, DCS 0x90, SOS 0x98, PM 0x9e, APC 0x9f start their sequence
 *     and it is dropped whole, even one that would be kept with ESC [;
 *     the others are dropped alone. A continuation byte inside a valid
 *     UTF-8 character is text ("ě" is c4 9b).
 *
 * Malformed input:
 *   - invalid UTF-8 (stray continuation bytes, c0, c1, f5-ff, overlong
 *     forms, surrogates, beyond U+10FFFF, a truncated character) becomes
 *     U+FFFD, one per maximal invalid subpart (Unicode's recommended
 *     practice); the byte that cut a character short is read again;
 *   - inside an escape or control sequence, C0 controls act as in text
 *     (a kept one is written out before the sequence, as a VT executes
 *     it), DEL is ignored, CAN and SUB abandon the sequence (and are
 *     dropped), ESC abandons it and starts another, a C1 control abandons
 *     it and acts as above, and a character U+00A0 or above (U+FFFD
 *     included) abandons it and is printed;
 *   - ESC followed by a final byte (0x30-0x7e) not on the list: both are
 *     dropped. ESC ESC: the first is dropped.
 *
 * termfilter_finish ends a session: a character cut short becomes U+FFFD,
 * and the screen state the VM changed through the allow-list is put back
 * (main screen, cursor shown, autowrap, scroll region, attributes,
 * charsets, insert mode, keypad and cursor keys), so that a detach in the
 * middle of a full-screen program leaves the host terminal usable. */
#ifndef SEPTA_TERMFILTER_H
#define SEPTA_TERMFILTER_H

#include <stddef.h>
#include <stdint.h>

/* Parameter bytes a kept CSI sequence may have (the private marker
 * included). */
#define TERMFILTER_CSI_MAX 32

/* The most termfilter_run writes for n input bytes: every input byte
 * gives at most 3 bytes (U+FFFD for an invalid byte), and the byte that
 * completes a control sequence also releases what was held of it from
 * earlier calls, ESC [ and its parameters. n must not exceed SIZE_MAX / 4. */
#define TERMFILTER_OUT_MAX(n) (3 * (size_t)(n) + TERMFILTER_CSI_MAX + 2)

/* The most termfilter_finish writes. */
#define TERMFILTER_FINISH_MAX 64

struct termfilter {
	uint8_t state;
	uint8_t bel;	/* the string being skipped ends at BEL (OSC) */
	uint8_t drop;	/* the CSI being read will be dropped */
	uint8_t inter;	/* ESC's intermediate: '(' or ')', 0 when not kept */
	uint8_t len;	/* parameter bytes in csi */
	uint8_t need;	/* UTF-8 continuation bytes still to come */
	uint8_t lo, hi; /* the range of the next continuation byte */
	uint32_t cp;	/* the character being decoded */
	uint32_t modes; /* what termfilter_finish has to put back */
	unsigned char csi[TERMFILTER_CSI_MAX];
};

void termfilter_init(struct termfilter *f);

/* Filter n bytes of console output into out, which holds outsz bytes;
 * return the number of bytes written. outsz must be at least
 * TERMFILTER_OUT_MAX(n) for nothing to be lost: with less, output that
 * does not fit whole (a character, a sequence) is dropped, and nothing
 * is ever written past outsz. */
size_t termfilter_run(struct termfilter *f, const unsigned char *in, size_t n,
		      unsigned char *out, size_t outsz);

/* End of the stream: write the sequences that undo the VM's changes to
 * the terminal (at most TERMFILTER_FINISH_MAX bytes, with the same rule
 * for a smaller outsz), and start f afresh. */
size_t termfilter_finish(struct termfilter *f, unsigned char *out,
			 size_t outsz);

#endif
