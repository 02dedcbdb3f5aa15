/* SPDX-License-Identifier: MIT */
/* qmp.c against a fake QMP peer on a socketpair. Most cases write the
 * peer's bytes before the client runs (the socket buffer holds them) and
 * read back what the client sent; the cases that need the peer to act
 * while the client waits fork a child that follows a script. */
#include "check.h"
#include "qmp.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* QEMU 7.2's greeting and replies, as it sends them (CRLF). */
#define GREETING                                                               \
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "    \
	"\"major\": 7}, \"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, "   \
	"\"capabilities\": [\"oob\"]}}\r\n"
#define RETURN_EMPTY "{\"return\": {}}\r\n"
#define STATUS_PRELAUNCH                                                       \
	"{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, "     \
	"\"running\": false}}\r\n"
#define EVENT_STOP                                                             \
	"{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 1}, "     \
	"\"event\": \"STOP\"}\r\n"
#define CAPS_LINE "{\"execute\":\"qmp_capabilities\"}\n"

#define TIMEOUT 5000 /* ms, for cases that should not time out */
#define SHORT	200  /* ms, for cases that should */

static struct qmp q;
static int peer = -1; /* our end of the pair, when not in a child */
static pid_t child = -1;
static char big[QMP_MAX_MSG * 2];

static void pair_open(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		exit(99);
	}
	q.fd = sv[0];
	peer = sv[1];
	child = -1;
}

static void pair_close(void)
{
	qmp_close(&q);
	if (peer >= 0)
		close(peer);
	peer = -1;
}

static bool send_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		s += n;
		len -= (size_t)n;
	}
	return true;
}

/* What the peer says, written before the client reads it. */
static void put(const char *s)
{
	if (!send_all(peer, s, strlen(s))) {
		perror("send");
		exit(99);
	}
}

/* Everything the client has sent so far equals want. */
static bool sent(const char *want)
{
	static char got[8192];
	size_t len = 0;
	ssize_t n;

	while ((n = recv(peer, got + len, sizeof(got) - 1 - len,
			 MSG_DONTWAIT)) > 0)
		len += (size_t)n;
	got[len] = '\0';
	if (strcmp(got, want) != 0) {
		printf("# client sent: \"%s\"\n# expected:    \"%s\"\n", got,
		       want);
		return false;
	}
	return true;
}

/* Attach with the usual greeting and capabilities reply. */
static bool attach(void)
{
	put(GREETING RETURN_EMPTY);
	return qmp_attach(&q, q.fd, TIMEOUT) == 0 && sent(CAPS_LINE);
}

/* A scripted peer in a child process, for cases where the peer must act
 * while the client waits. */
enum step_kind {
	STEP_END,   /* close the connection */
	STEP_WRITE, /* write s at once */
	STEP_BYTES, /* write s one byte per send, ms between them */
	STEP_SLEEP, /* wait ms */
	STEP_HOLD,  /* keep the connection until the client closes it */
};

struct step {
	enum step_kind kind;
	const char *s;
	int ms;
};

/* A write failed. The client hanging up on a peer that talks too much is
 * the end of the script; anything else is a failure of the test. */
static void child_gone(void)
{
	_exit(errno == EPIPE || errno == ECONNRESET ? 0 : 1);
}

static void child_run(const struct step *script)
{
	char c;

	for (; script->kind != STEP_END; script++) {
		const char *p;

		switch (script->kind) {
		case STEP_WRITE:
			if (!send_all(peer, script->s, strlen(script->s)))
				child_gone();
			break;
		case STEP_BYTES:
			for (p = script->s; *p; p++) {
				if (!send_all(peer, p, 1))
					child_gone();
				if (script->ms)
					sleep_ms(script->ms);
			}
			break;
		case STEP_SLEEP:
			sleep_ms(script->ms);
			break;
		case STEP_HOLD:
			while (read(peer, &c, 1) > 0)
				;
			break;
		case STEP_END:
			break;
		}
	}
	_exit(0);
}

/* Start the scripted peer; the parent keeps only the client's end, so
 * that the child's close is the peer's close. */
static void spawn(const struct step *script)
{
	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("fork");
		exit(99);
	}
	if (child == 0) {
		close(q.fd);
		child_run(script);
	}
	close(peer);
	peer = -1;
}

/* Close the client's end and collect the child: true when it followed
 * its script to the end. */
static bool reap(void)
{
	int st;

	qmp_close(&q);
	if (child <= 0)
		return true;
	if (waitpid(child, &st, 0) != child)
		return false;
	child = -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void test_attach(void)
{
	pair_open();
	CHECK("qmp-attach-greeting-and-capabilities", attach());
	CHECK("qmp-attach-clears-error", q.error[0] == '\0');
	pair_close();

	pair_open();
	put("{\"QMP\": {}}\n{\"return\": {}}\n");
	CHECK("qmp-attach-lf-line-endings", qmp_attach(&q, q.fd, TIMEOUT) == 0);
	pair_close();

	pair_open();
	put("{\"hello\": \"world\"}\r\n" RETURN_EMPTY);
	errno = 0;
	CHECK("qmp-greeting-not-qmp-eproto",
	      qmp_attach(&q, q.fd, TIMEOUT) == -1 && errno == EPROTO &&
		  sent(""));
	pair_close();

	pair_open();
	put(EVENT_STOP GREETING RETURN_EMPTY);
	errno = 0;
	CHECK("qmp-greeting-event-first-eproto",
	      qmp_attach(&q, q.fd, TIMEOUT) == -1 && errno == EPROTO);
	pair_close();

	pair_open();
	put("SSH-2.0-OpenSSH_9.2\r\n");
	errno = 0;
	CHECK("qmp-greeting-not-json-eproto",
	      qmp_attach(&q, q.fd, TIMEOUT) == -1 && errno == EPROTO);
	pair_close();

	pair_open();
	put("[\"QMP\"]\n");
	errno = 0;
	CHECK("qmp-greeting-array-eproto",
	      qmp_attach(&q, q.fd, TIMEOUT) == -1 && errno == EPROTO);
	pair_close();

	pair_open();
	put(GREETING "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
		     "\"nope\"}}\r\n");
	errno = 0;
	CHECK("qmp-capabilities-refused-eremoteio",
	      qmp_attach(&q, q.fd, TIMEOUT) == -1 && errno == EREMOTEIO &&
		  strcmp(q.error, "nope") == 0);
	pair_close();

	pair_open();
	put(GREETING);
	errno = 0;
	CHECK("qmp-capabilities-no-reply-etimedout",
	      qmp_attach(&q, q.fd, SHORT) == -1 && errno == ETIMEDOUT);
	pair_close();

	pair_open();
	close(peer);
	peer = -1;
	errno = 0;
	CHECK("qmp-attach-peer-gone-econnreset",
	      qmp_attach(&q, q.fd, TIMEOUT) == -1 && errno == ECONNRESET);
	pair_close();
}

static void test_execute(void)
{
	int r, st;
	int64_t v;
	size_t o;

	pair_open();
	attach();
	put(STATUS_PRELAUNCH);
	r = qmp_execute(&q, "query-status", NULL, TIMEOUT);
	CHECK("qmp-execute-returns-return-value",
	      r > 0 && q.doc.tok[r].type == JSON_OBJECT);
	st = json_get(&q.doc, r, "status");
	CHECK("qmp-execute-return-readable",
	      json_str_eq(&q.doc, st, "prelaunch"));
	CHECK("qmp-execute-writes-command-line",
	      sent("{\"execute\":\"query-status\"}\n"));

	put(RETURN_EMPTY);
	r = qmp_execute(&q, "cont", NULL, TIMEOUT);
	CHECK("qmp-execute-empty-return",
	      r > 0 && q.doc.tok[r].type == JSON_OBJECT &&
		  q.doc.tok[r].count == 0 && sent("{\"execute\":\"cont\"}\n"));

	put("{\"return\": 42}\r\n");
	r = qmp_execute(&q, "x", "{\"a\": [1, \"b\"]}", TIMEOUT);
	CHECK("qmp-execute-writes-arguments",
	      sent("{\"execute\":\"x\",\"arguments\":{\"a\": [1, \"b\"]}}\n"));
	CHECK("qmp-execute-scalar-return",
	      r > 0 && json_int(&q.doc, r, &v) == 0 && v == 42);

	put(RETURN_EMPTY);
	r = qmp_execute(&q, "we\"ird\\cmd", NULL, TIMEOUT);
	CHECK("qmp-execute-quotes-command-name",
	      r > 0 && sent("{\"execute\":\"we\\\"ird\\\\cmd\"}\n"));

	put(EVENT_STOP EVENT_STOP "{\"event\": \"RESUME\", \"data\": "
				  "{\"return\": 1}}\r\n" RETURN_EMPTY);
	r = qmp_execute(&q, "stop", NULL, TIMEOUT);
	CHECK("qmp-execute-skips-events",
	      r > 0 && json_get(&q.doc, 0, "event") < 0 &&
		  q.doc.tok[r].type == JSON_OBJECT);

	put("{\"return\": {}, \"id\": 1}\r\n" EVENT_STOP);
	r = qmp_execute(&q, "a", NULL, TIMEOUT);
	CHECK("qmp-two-messages-in-one-write-first",
	      r > 0 && q.doc.tok[r].type == JSON_OBJECT);
	CHECK("qmp-two-messages-in-one-write-second",
	      qmp_read(&q, TIMEOUT) == 0 &&
		  json_str_eq(&q.doc, json_get(&q.doc, 0, "event"), "STOP"));

	put("{\"error\": {\"class\": \"GenericError\", \"desc\": \"No "
	    "\\\"bootable\\\" device\"}}\r\n");
	errno = 0;
	CHECK("qmp-error-reply-eremoteio",
	      qmp_execute(&q, "cont", NULL, TIMEOUT) == -1 &&
		  errno == EREMOTEIO);
	CHECK("qmp-error-desc-copied",
	      strcmp(q.error, "No \"bootable\" device") == 0);

	put("{\"error\": {\"class\": \"GenericError\"}}\r\n");
	errno = 0;
	CHECK("qmp-error-without-desc",
	      qmp_execute(&q, "cont", NULL, TIMEOUT) == -1 &&
		  errno == EREMOTEIO &&
		  strcmp(q.error, "error without description") == 0);

	o = (size_t)sprintf(big, "{\"error\": {\"desc\": \"");
	memset(big + o, 'x', 1000);
	memcpy(big + o + 1000, "\"}}\n", 5);
	put(big);
	errno = 0;
	CHECK("qmp-error-long-desc-eremoteio",
	      qmp_execute(&q, "cont", NULL, TIMEOUT) == -1 &&
		  errno == EREMOTEIO && strlen(q.error) < sizeof(q.error));

	put("{\"greeting\": 1}\r\n");
	errno = 0;
	CHECK("qmp-reply-neither-return-nor-error-eproto",
	      qmp_execute(&q, "cont", NULL, TIMEOUT) == -1 && errno == EPROTO);

	put("{\"return\": }\r\n");
	errno = 0;
	CHECK("qmp-malformed-json-eproto",
	      qmp_execute(&q, "cont", NULL, TIMEOUT) == -1 && errno == EPROTO);

	put("[{\"return\": {}}]\r\n");
	errno = 0;
	CHECK("qmp-array-reply-eproto",
	      qmp_execute(&q, "cont", NULL, TIMEOUT) == -1 && errno == EPROTO);

	put("\"return\"\r\n");
	errno = 0;
	CHECK("qmp-string-reply-eproto",
	      qmp_execute(&q, "cont", NULL, TIMEOUT) == -1 && errno == EPROTO);

	put(RETURN_EMPTY);
	CHECK("qmp-bad-message-is-consumed",
	      qmp_read(&q, TIMEOUT) == 0 && json_get(&q.doc, 0, "return") > 0);

	send_all(peer, "{\"return\": \"a\0b\"}\r\n", 19);
	errno = 0;
	CHECK("qmp-nul-byte-in-string-eproto",
	      qmp_read(&q, TIMEOUT) == -1 && errno == EPROTO);
	send_all(peer, "{\"return\": 1}\0\r\n", 16);
	errno = 0;
	CHECK("qmp-nul-byte-after-object-eproto",
	      qmp_read(&q, TIMEOUT) == -1 && errno == EPROTO);
	pair_close();
}

static void test_limits(void)
{
	int i, r;
	size_t o;

	/* Nesting deeper than the reader allows. */
	pair_open();
	attach();
	o = (size_t)sprintf(big, "{\"return\": ");
	for (i = 0; i < 100; i++)
		big[o++] = '[';
	for (i = 0; i < 100; i++)
		big[o++] = ']';
	memcpy(big + o, "}\r\n", 4);
	put(big);
	errno = 0;
	CHECK("qmp-deeply-nested-reply-eproto",
	      qmp_execute(&q, "x", NULL, TIMEOUT) == -1 && errno == EPROTO);

	/* As deep as the reader allows, counting the message object. */
	o = (size_t)sprintf(big, "{\"return\": ");
	for (i = 1; i < JSON_MAX_DEPTH; i++)
		big[o++] = '[';
	for (i = 1; i < JSON_MAX_DEPTH; i++)
		big[o++] = ']';
	memcpy(big + o, "}\r\n", 4);
	put(big);
	r = qmp_execute(&q, "x", NULL, TIMEOUT);
	CHECK("qmp-nested-to-max-depth-ok",
	      r > 0 && q.doc.tok[r].type == JSON_ARRAY);

	/* More values than the reader holds. */
	o = (size_t)sprintf(big, "{\"return\": [0");
	for (i = 0; i < JSON_MAX_TOKENS; i++)
		o += (size_t)sprintf(big + o, ",0");
	memcpy(big + o, "]}\r\n", 5);
	put(big);
	errno = 0;
	CHECK("qmp-too-many-values-eproto",
	      qmp_execute(&q, "x", NULL, TIMEOUT) == -1 && errno == EPROTO);
	pair_close();

	/* The longest line that fits: QMP_MAX_MSG bytes with the newline. */
	pair_open();
	attach();
	o = (size_t)sprintf(big, "{\"return\": \"");
	memset(big + o, 'x', QMP_MAX_MSG - 3 - o);
	memcpy(big + QMP_MAX_MSG - 3, "\"}\n", 4);
	{
		const struct step s[] = {{STEP_WRITE, big, 0},
					 {STEP_HOLD, NULL, 0},
					 {STEP_END, NULL, 0}};

		spawn(s);
	}
	r = qmp_read(&q, TIMEOUT);
	CHECK("qmp-message-of-max-size-ok",
	      r == 0 && q.doc.tok[2].type == JSON_STRING &&
		  q.doc.tok[2].end - q.doc.tok[2].start == QMP_MAX_MSG - 15);
	CHECK("qmp-message-of-max-size-peer-done", reap());

	/* One byte more. */
	pair_open();
	attach();
	o = (size_t)sprintf(big, "{\"return\": \"");
	memset(big + o, 'x', QMP_MAX_MSG - 2 - o);
	memcpy(big + QMP_MAX_MSG - 2, "\"}\n", 4);
	{
		const struct step s[] = {{STEP_WRITE, big, 0},
					 {STEP_HOLD, NULL, 0},
					 {STEP_END, NULL, 0}};

		spawn(s);
	}
	errno = 0;
	CHECK("qmp-message-max-size-plus-1-emsgsize",
	      qmp_read(&q, TIMEOUT) == -1 && errno == EMSGSIZE);
	CHECK("qmp-message-max-size-plus-1-bounded", q.len <= QMP_MAX_MSG);
	CHECK("qmp-message-max-size-plus-1-peer-done", reap());

	/* A peer that never ends its line: the client stops reading at the
	 * cap instead of buffering what the peer chooses to send. */
	pair_open();
	attach();
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 1] = '\0';
	{
		const struct step s[] = {{STEP_WRITE, big, 0},
					 {STEP_HOLD, NULL, 0},
					 {STEP_END, NULL, 0}};

		spawn(s);
	}
	errno = 0;
	CHECK("qmp-endless-line-emsgsize",
	      qmp_read(&q, TIMEOUT) == -1 && errno == EMSGSIZE);
	CHECK("qmp-endless-line-bounded", q.len <= QMP_MAX_MSG);
	errno = 0;
	CHECK("qmp-endless-line-emsgsize-again",
	      qmp_execute(&q, "x", NULL, TIMEOUT) == -1 && errno == EMSGSIZE);
	CHECK("qmp-endless-line-peer-done", reap());

	/* Arguments that do not fit the command buffer. */
	pair_open();
	attach();
	memset(big, ' ', 5000);
	big[0] = '{';
	big[4999] = '}';
	big[5000] = '\0';
	errno = 0;
	CHECK("qmp-execute-args-too-long-enametoolong",
	      qmp_execute(&q, "x", big, TIMEOUT) == -1 &&
		  errno == ENAMETOOLONG && sent(""));
	memset(big, 'c', 200);
	big[200] = '\0';
	errno = 0;
	CHECK("qmp-execute-name-too-long-enametoolong",
	      qmp_execute(&q, big, NULL, TIMEOUT) == -1 &&
		  errno == ENAMETOOLONG && sent(""));
	pair_close();
}

static void test_timing(void)
{
	int64_t t0, dt;
	char st[32];

	pair_open();
	attach();
	t0 = now_ms();
	errno = 0;
	CHECK("qmp-silent-peer-etimedout",
	      qmp_execute(&q, "cont", NULL, SHORT) == -1 && errno == ETIMEDOUT);
	dt = now_ms() - t0;
	CHECK("qmp-silent-peer-waits-the-timeout", dt >= SHORT - 5);
	CHECK("qmp-silent-peer-returns-in-time", dt < SHORT + 800);

	/* Events that keep coming do not extend the deadline. */
	{
		static const struct step s[] = {
		    {STEP_SLEEP, NULL, 50}, {STEP_WRITE, EVENT_STOP, 0},
		    {STEP_SLEEP, NULL, 50}, {STEP_WRITE, EVENT_STOP, 0},
		    {STEP_SLEEP, NULL, 50}, {STEP_WRITE, EVENT_STOP, 0},
		    {STEP_SLEEP, NULL, 50}, {STEP_WRITE, EVENT_STOP, 0},
		    {STEP_SLEEP, NULL, 50}, {STEP_WRITE, EVENT_STOP, 0},
		    {STEP_SLEEP, NULL, 50}, {STEP_WRITE, EVENT_STOP, 0},
		    {STEP_SLEEP, NULL, 50}, {STEP_WRITE, EVENT_STOP, 0},
		    {STEP_HOLD, NULL, 0},   {STEP_END, NULL, 0}};

		spawn(s);
	}
	t0 = now_ms();
	errno = 0;
	CHECK("qmp-events-do-not-extend-deadline-etimedout",
	      qmp_execute(&q, "cont", NULL, SHORT) == -1 &&
		  errno == ETIMEDOUT && now_ms() - t0 < SHORT + 800);
	CHECK("qmp-events-do-not-extend-deadline-peer-done", reap());

	/* A reply split into 1-byte writes, with pauses between them. */
	pair_open();
	{
		static const struct step s[] = {
		    {STEP_BYTES, GREETING, 0},
		    {STEP_BYTES, RETURN_EMPTY, 1},
		    {STEP_BYTES, EVENT_STOP STATUS_PRELAUNCH, 1},
		    {STEP_HOLD, NULL, 0},
		    {STEP_END, NULL, 0}};

		spawn(s);
	}
	CHECK("qmp-reply-in-1-byte-writes-attach",
	      qmp_attach(&q, q.fd, TIMEOUT) == 0);
	CHECK("qmp-reply-in-1-byte-writes-status",
	      qmp_status(&q, st, sizeof(st), TIMEOUT) == 0 &&
		  strcmp(st, "prelaunch") == 0);
	CHECK("qmp-reply-in-1-byte-writes-peer-done", reap());

	/* The peer closes in the middle of a message. */
	pair_open();
	{
		static const struct step s[] = {
		    {STEP_WRITE, GREETING RETURN_EMPTY, 0},
		    {STEP_SLEEP, NULL, 50},
		    {STEP_WRITE, "{\"return\": {\"sta", 0},
		    {STEP_SLEEP, NULL, 50},
		    {STEP_END, NULL, 0}};

		spawn(s);
	}
	CHECK("qmp-peer-closes-mid-message-attach",
	      qmp_attach(&q, q.fd, TIMEOUT) == 0);
	errno = 0;
	CHECK("qmp-peer-closes-mid-message-econnreset",
	      qmp_status(&q, st, sizeof(st), TIMEOUT) == -1 &&
		  errno == ECONNRESET);
	CHECK("qmp-peer-closes-mid-message-peer-done", reap());

	/* Writing to a peer that is gone fails without SIGPIPE. */
	pair_open();
	attach();
	close(peer);
	peer = -1;
	errno = 0;
	CHECK("qmp-execute-peer-gone-epipe-no-sigpipe",
	      qmp_execute(&q, "cont", NULL, TIMEOUT) == -1 && errno == EPIPE);
	pair_close();
}

static void test_status_close(void)
{
	char st[32], tiny[4];
	int64_t t0;

	pair_open();
	attach();
	put(STATUS_PRELAUNCH);
	CHECK("qmp_status-prelaunch",
	      qmp_status(&q, st, sizeof(st), TIMEOUT) == 0 &&
		  strcmp(st, "prelaunch") == 0 &&
		  sent("{\"execute\":\"query-status\"}\n"));
	put("{\"return\": {\"status\": \"running\", \"running\": true}}\r\n");
	CHECK("qmp_status-running",
	      qmp_status(&q, st, sizeof(st), TIMEOUT) == 0 &&
		  strcmp(st, "running") == 0);
	put(STATUS_PRELAUNCH);
	errno = 0;
	CHECK("qmp_status-does-not-fit-eproto",
	      qmp_status(&q, tiny, sizeof(tiny), TIMEOUT) == -1 &&
		  errno == EPROTO);
	put("{\"return\": {\"status\": 1}}\r\n");
	errno = 0;
	CHECK("qmp_status-not-string-eproto",
	      qmp_status(&q, st, sizeof(st), TIMEOUT) == -1 && errno == EPROTO);
	put("{\"return\": {}}\r\n");
	errno = 0;
	CHECK("qmp_status-missing-eproto",
	      qmp_status(&q, st, sizeof(st), TIMEOUT) == -1 && errno == EPROTO);
	put("{\"return\": [\"status\", \"running\"]}\r\n");
	errno = 0;
	CHECK("qmp_status-return-not-object-eproto",
	      qmp_status(&q, st, sizeof(st), TIMEOUT) == -1 && errno == EPROTO);

	/* Peer still there: wait_close times out. */
	t0 = now_ms();
	errno = 0;
	CHECK("qmp_wait_close-peer-stays-etimedout",
	      qmp_wait_close(&q, SHORT) == -1 && errno == ETIMEDOUT &&
		  now_ms() - t0 >= SHORT - 5);
	put(EVENT_STOP "{\"event\": \"SHUTDOWN\"}\r\n");
	close(peer);
	peer = -1;
	CHECK("qmp_wait_close-eof-after-events",
	      qmp_wait_close(&q, TIMEOUT) == 0);
	pair_close();

	pair_open();
	attach();
	close(peer);
	peer = -1;
	CHECK("qmp_wait_close-eof", qmp_wait_close(&q, TIMEOUT) == 0);
	pair_close();

	pair_open();
	attach();
	put("garbage\r\n[1]\r\n" EVENT_STOP "{\"trunc");
	close(peer);
	peer = -1;
	CHECK("qmp_wait_close-eof-after-garbage",
	      qmp_wait_close(&q, TIMEOUT) == 0);
	pair_close();

	pair_open();
	attach();
	{
		static const struct step s[] = {{STEP_SLEEP, NULL, 100},
						{STEP_WRITE, EVENT_STOP, 0},
						{STEP_SLEEP, NULL, 50},
						{STEP_END, NULL, 0}};

		spawn(s);
	}
	t0 = now_ms();
	CHECK("qmp_wait_close-waits-for-eof",
	      qmp_wait_close(&q, TIMEOUT) == 0 && now_ms() - t0 >= 140);
	CHECK("qmp_wait_close-waits-for-eof-peer-done", reap());

	pair_open();
	attach();
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		const struct step s[] = {{STEP_WRITE, big, 0},
					 {STEP_END, NULL, 0}};

		spawn(s);
	}
	CHECK("qmp_wait_close-eof-after-oversized-line",
	      qmp_wait_close(&q, TIMEOUT) == 0);
	CHECK("qmp_wait_close-eof-after-oversized-line-peer-done", reap());
}

static void test_open(void)
{
	char dir[] = "/tmp/septa-test-qmp.XXXXXX", path[128], st[32];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int l, c;

	errno = 0;
	CHECK("qmp_open-missing-enoent",
	      qmp_open(&q, "/nonexistent/septa/qmp", TIMEOUT) == -1 &&
		  errno == ENOENT && q.fd == -1);
	memset(big, 'a', 200);
	big[0] = '/';
	big[200] = '\0';
	errno = 0;
	CHECK("qmp_open-path-too-long-enametoolong",
	      qmp_open(&q, big, TIMEOUT) == -1 && errno == ENAMETOOLONG);

	if (!mkdtemp(dir)) {
		CHECK("qmp_open-mkdtemp", 0);
		return;
	}
	snprintf(path, sizeof(path), "%s/qmp", dir);
	fmt(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		CHECK("qmp_open-bind", 0);
		return;
	}
	errno = 0;
	CHECK("qmp_open-not-listening-econnrefused",
	      qmp_open(&q, path, TIMEOUT) == -1 && errno == ECONNREFUSED);
	listen(l, 1);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		c = accept(l, NULL, NULL);
		if (c < 0 ||
		    !send_all(c, GREETING RETURN_EMPTY STATUS_PRELAUNCH,
			      strlen(GREETING RETURN_EMPTY STATUS_PRELAUNCH)))
			_exit(1);
		while (read(c, st, 1) > 0)
			;
		_exit(0);
	}
	CHECK("qmp_open-connects-and-negotiates",
	      qmp_open(&q, path, TIMEOUT) == 0 && q.fd >= 0);
	CHECK("qmp_open-then-status",
	      qmp_status(&q, st, sizeof(st), TIMEOUT) == 0 &&
		  strcmp(st, "prelaunch") == 0);
	CHECK("qmp_open-peer-done", reap());
	CHECK("qmp_close-twice-safe", (qmp_close(&q), q.fd == -1));
	close(l);
	unlink(path);
	rmdir(dir);
}

/* getfd: the descriptor goes with the command's bytes. */
static void test_execute_fd(void)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 2)];
	} c;
	char line[256], byte = 0;
	struct iovec iov = {.iov_base = line, .iov_len = sizeof(line) - 1};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = c.buf,
			   .msg_controllen = sizeof(c.buf)};
	struct cmsghdr *h;
	int p[2], got = -1, r;
	ssize_t n, more;

	if (pipe(p) < 0)
		return;
	pair_open();
	attach();
	put(RETURN_EMPTY);
	r = qmp_execute_fd(&q, "getfd", "{\"fdname\":\"tap0\"}", p[1], TIMEOUT);
	CHECK("qmp-execute-fd-returns", r > 0);
	n = recvmsg(peer, &m, MSG_DONTWAIT);
	h = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
	    h->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&got, CMSG_DATA(h), sizeof(int));
	/* The rest of the line may come in a later read. */
	while (n > 0 && (size_t)n < sizeof(line) - 1 &&
	       (more = recv(peer, line + n, sizeof(line) - 1 - (size_t)n,
			    MSG_DONTWAIT)) > 0)
		n += more;
	line[n > 0 ? n : 0] = '\0';
	CHECK("qmp-execute-fd-line",
	      strcmp(line, "{\"execute\":\"getfd\",\"arguments\":{"
			   "\"fdname\":\"tap0\"}}\n") == 0);
	CHECK("qmp-execute-fd-passes-the-descriptor",
	      got >= 0 && write(got, "x", 1) == 1 &&
		  read(p[0], &byte, 1) == 1 && byte == 'x');
	CHECK("qmp-execute-fd-still-ours", fcntl(p[1], F_GETFD) >= 0);
	CHECK("qmp-execute-fd-bad-fd",
	      qmp_execute_fd(&q, "getfd", NULL, -1, TIMEOUT) < 0 &&
		  errno == EBADF && sent(""));
	if (got >= 0)
		close(got);
	close(p[0]);
	close(p[1]);
	pair_close();
}

int main(void)
{
	/* A SIGPIPE would kill the test: the client must not raise one. */
	signal(SIGPIPE, SIG_DFL);
	test_attach();
	test_execute();
	test_execute_fd();
	test_limits();
	test_timing();
	test_status_close();
	test_open();
	return check_done();
}
