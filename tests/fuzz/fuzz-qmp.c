/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for qmp.c: the input is everything a QMP peer says.
 * A thread writes it into a socketpair and half-closes, so every read
 * ends at EOF rather than at a timeout; the client attaches, runs a few
 * commands, reads what is left and waits for the close. The client's
 * commands go to the peer's receive buffer, which nobody reads (a
 * handful of short lines). */
#include "qmp.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Long enough never to fire on a loaded machine, short enough that a
 * client that waits for nothing shows up as a slow input. */
#define FUZZ_TIMEOUT 2000

static struct qmp q;

struct feed {
	int fd;
	const uint8_t *data;
	size_t size;
};

static void must(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz-qmp: invariant failed: %s\n", what);
		abort();
	}
}

static void *writer(void *arg)
{
	struct feed *f = arg;
	size_t off = 0;

	while (off < f->size) {
		ssize_t n =
		    send(f->fd, f->data + off, f->size - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the client hung up first */
		off += (size_t)n;
	}
	shutdown(f->fd, SHUT_WR);
	return NULL;
}

/* What qmp_read promises after it returned 0 or -1. */
static void check_state(int r)
{
	must(q.len <= QMP_MAX_MSG && q.used <= q.len, "buffer bounds");
	must(memchr(q.error, '\0', sizeof(q.error)) != NULL,
	     "error is a string");
	if (r == 0)
		must(q.doc.ntok >= 1 && q.doc.tok[0].type == JSON_OBJECT,
		     "a message is an object");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed f;
	pthread_t t;
	char status[64];
	int sv[2], r, i;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	f.fd = sv[1];
	f.data = data;
	f.size = size;
	if (pthread_create(&t, NULL, writer, &f) != 0)
		abort();

	memset(q.error, 'E', sizeof(q.error));
	r = qmp_attach(&q, sv[0], FUZZ_TIMEOUT);
	check_state(r);
	if (r == 0) {
		r = qmp_execute(&q, "query-status", NULL, FUZZ_TIMEOUT);
		check_state(r < 0 ? -1 : 0);
		if (r >= 0)
			must(r < q.doc.ntok, "return index inside the doc");
		r = qmp_status(&q, status, sizeof(status), FUZZ_TIMEOUT);
		if (r == 0)
			must(strlen(status) < sizeof(status), "status fits");
		r = qmp_execute(&q, "cont", "{\"a\":1}", FUZZ_TIMEOUT);
		check_state(r < 0 ? -1 : 0);
	}
	/* Whatever is left, message by message, then to the close. */
	for (i = 0; i < 64; i++) {
		r = qmp_read(&q, FUZZ_TIMEOUT);
		check_state(r);
		if (r < 0) {
			must(errno != ETIMEDOUT, "no timeout with EOF pending");
			break;
		}
	}
	r = qmp_wait_close(&q, FUZZ_TIMEOUT);
	must(r == 0, "qmp_wait_close sees the half-close");

	qmp_close(&q);
	pthread_join(t, NULL);
	close(sv[1]);
	return 0;
}
