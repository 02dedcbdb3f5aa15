/* SPDX-License-Identifier: MIT */
/* Putting a terminal into raw mode and back. */
#ifndef SEPTA_TERM_H
#define SEPTA_TERM_H

#include <stdbool.h>
#include <termios.h>

struct term {
	int fd;
	bool raw;
	struct termios saved;
};

/* Raw mode on fd if it is a terminal; a no-op (0) when it is not. */
int term_raw(struct term *t, int fd);
void term_restore(struct term *t);

#endif
