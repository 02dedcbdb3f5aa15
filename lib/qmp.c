/* SPDX-License-Identifier: MIT */
#include "qmp.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static int remaining(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;

	for (;;) {
		r = poll(&p, 1, remaining(deadline));
		if (r > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

static int send_all(int fd, const char *s, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN) {
				if (wait_fd(fd, POLLOUT, deadline) < 0)
					return -1;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Drop the message consumed last time, then look for a complete line. */
static int take_line(struct qmp *q)
{
	char *nl;
	size_t mlen;

	if (q->used) {
		memmove(q->buf, q->buf + q->used, q->len - q->used);
		q->len -= q->used;
		q->used = 0;
	}
	nl = memchr(q->buf, '\n', q->len);
	if (!nl)
		return 0;
	mlen = (size_t)(nl - q->buf);
	q->used = mlen + 1;
	if (json_parse(&q->doc, q->buf, mlen) < 0 ||
	    q->doc.tok[0].type != JSON_OBJECT) {
		errno = EPROTO;
		return -1;
	}
	return 1;
}

int qmp_read(struct qmp *q, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		ssize_t n;
		int r = take_line(q);

		if (r != 0)
			return r < 0 ? -1 : 0;
		if (q->len >= QMP_MAX_MSG) {
			errno = EMSGSIZE;
			return -1;
		}
		if (wait_fd(q->fd, POLLIN, deadline) < 0)
			return -1;
		n = recv(q->fd, q->buf + q->len, QMP_MAX_MSG - q->len,
			 MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		q->len += (size_t)n;
	}
}

int qmp_attach(struct qmp *q, int fd, int timeout_ms)
{
	q->fd = fd;
	q->len = 0;
	q->used = 0;
	q->error[0] = '\0';
	if (qmp_read(q, timeout_ms) < 0)
		return -1;
	if (json_get(&q->doc, 0, "QMP") < 0) {
		errno = EPROTO;
		return -1;
	}
	return qmp_execute(q, "qmp_capabilities", NULL, timeout_ms) < 0 ? -1
									: 0;
}

int qmp_open(struct qmp *q, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, e;

	q->fd = -1;
	if (fmt(sa.sun_path, sizeof(sa.sun_path), "%s", path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	if (qmp_attach(q, fd, timeout_ms) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	close(fd);
	q->fd = -1;
	errno = e;
	return -1;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

/* The first byte of s with fd as SCM_RIGHTS (QEMU takes the descriptor
 * that comes with a command's bytes), then the rest as usual. */
static int send_fd_first(int sock, const char *s, size_t len, int fd,
			 int64_t deadline)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = {.iov_base = (void *)s, .iov_len = 1};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = c.buf,
			   .msg_controllen = sizeof(c.buf)};
	struct cmsghdr *h;
	ssize_t n;

	memset(&c, 0, sizeof(c));
	h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	for (;;) {
		n = sendmsg(sock, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == 1)
			break;
		if (n < 0 && errno == EAGAIN) {
			if (wait_fd(sock, POLLOUT, deadline) < 0)
				return -1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	return send_all(sock, s + 1, len - 1, deadline);
}

static int execute(struct qmp *q, const char *cmd, const char *args, int fd,
		   int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	char line[4096], name[128];
	size_t len;

	if (json_quote(name, sizeof(name), cmd) < 0)
		return -1;
	if (fmt(line, sizeof(line), "{\"execute\":%s%s%s}\n", name,
		args ? ",\"arguments\":" : "", args ? args : "") < 0)
		return -1;
	len = strlen(line);
	if (fd >= 0 ? send_fd_first(q->fd, line, len, fd, deadline) < 0
		    : send_all(q->fd, line, len, deadline) < 0)
		return -1;
	for (;;) {
		int ret, err;

		if (qmp_read(q, remaining(deadline)) < 0)
			return -1;
		ret = json_get(&q->doc, 0, "return");
		if (ret >= 0)
			return ret;
		err = json_get(&q->doc, 0, "error");
		if (err >= 0) {
			int desc = json_get(&q->doc, err, "desc");

			if (desc < 0 || json_str(&q->doc, desc, q->error,
						 sizeof(q->error)) < 0)
				fmt(q->error, sizeof(q->error), "%s",
				    "error without description");
			errno = EREMOTEIO;
			return -1;
		}
		if (json_get(&q->doc, 0, "event") < 0) {
			errno = EPROTO;
			return -1;
		}
	}
}

int qmp_execute(struct qmp *q, const char *cmd, const char *args,
		int timeout_ms)
{
	return execute(q, cmd, args, -1, timeout_ms);
}

int qmp_execute_fd(struct qmp *q, const char *cmd, const char *args, int fd,
		   int timeout_ms)
{
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	return execute(q, cmd, args, fd, timeout_ms);
}

int qmp_status(struct qmp *q, char *status, size_t size, int timeout_ms)
{
	int ret = qmp_execute(q, "query-status", NULL, timeout_ms);
	int st;

	if (ret < 0)
		return -1;
	st = json_get(&q->doc, ret, "status");
	if (st < 0 || json_str(&q->doc, st, status, size) < 0) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int qmp_wait_close(struct qmp *q, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		if (qmp_read(q, remaining(deadline)) < 0) {
			if (errno == ECONNRESET)
				return 0;
			if (errno == ETIMEDOUT)
				return -1;
			/* A garbled message still ends in EOF soon: drop
			 * what is buffered and keep waiting. */
			q->len = 0;
			q->used = 0;
			if (errno == EPROTO || errno == EMSGSIZE)
				continue;
			return errno == EPIPE ? 0 : -1;
		}
	}
}
