/* SPDX-License-Identifier: MIT */
/* A QMP client: one connection, one command at a time.
 *
 * Every read is bounded: a message longer than QMP_MAX_MSG bytes, deeper
 * than JSON_MAX_DEPTH or with more than JSON_MAX_TOKENS values ends the
 * connection with an error; nothing is allocated on the peer's word. */
#ifndef SEPTA_QMP_H
#define SEPTA_QMP_H

#include "json.h"

#include <stddef.h>

#define QMP_MAX_MSG 65536

struct qmp {
	int fd;
	size_t len;	     /* bytes buffered in buf */
	size_t used;	     /* bytes of buf consumed by the last message */
	char error[256];     /* "desc" of the last error reply */
	struct json_doc doc; /* the last message read */
	char buf[QMP_MAX_MSG + 1];
};

/* Connect to the QMP socket at path, read the greeting and negotiate
 * capabilities. -1 with errno on failure (ECONNREFUSED, ENOENT: no VMM
 * there; ETIMEDOUT; EPROTO: not a QMP peer). */
int qmp_open(struct qmp *q, const char *path, int timeout_ms);

/* The same on a socket that is already connected (it is taken over). */
int qmp_attach(struct qmp *q, int fd, int timeout_ms);

void qmp_close(struct qmp *q);

/* Read the next message into q->doc (token 0 is the message object).
 * -1 with ETIMEDOUT, ECONNRESET (peer closed), EMSGSIZE (too long) or
 * EPROTO (not a JSON object). */
int qmp_read(struct qmp *q, int timeout_ms);

/* Run a command. args is a JSON object text or NULL. Events that arrive
 * before the reply are skipped. Returns the token index of the "return"
 * value in q->doc, or -1: EREMOTEIO when QEMU answered with an error (its
 * description is in q->error), or the errors of qmp_read. */
int qmp_execute(struct qmp *q, const char *cmd, const char *args,
		int timeout_ms);

/* The same, sending the descriptor fd with the command's first byte
 * (SCM_RIGHTS), as QEMU's getfd and add-fd want it: qmp_execute_fd(q,
 * "getfd", "{\"fdname\":\"tap0\"}", fd, ms). fd stays ours to close. */
int qmp_execute_fd(struct qmp *q, const char *cmd, const char *args, int fd,
		   int timeout_ms);

/* Run query-status and copy the run state ("prelaunch", "running", ...). */
int qmp_status(struct qmp *q, char *status, size_t size, int timeout_ms);

/* Wait until the peer closes the connection (the VMM exited). 0 at EOF,
 * -1 with ETIMEDOUT. Messages read meanwhile are discarded. */
int qmp_wait_close(struct qmp *q, int timeout_ms);

#endif
