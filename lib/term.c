/* SPDX-License-Identifier: MIT */
#include "term.h"

#include <unistd.h>

int term_raw(struct term *t, int fd)
{
	struct termios raw;

	t->fd = fd;
	t->raw = false;
	if (!isatty(fd))
		return 0;
	if (tcgetattr(fd, &t->saved) < 0)
		return -1;
	raw = t->saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSAFLUSH, &raw) < 0)
		return -1;
	t->raw = true;
	return 0;
}

void term_restore(struct term *t)
{
	if (t->raw)
		tcsetattr(t->fd, TCSAFLUSH, &t->saved);
	t->raw = false;
}
