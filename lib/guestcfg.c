/* SPDX-License-Identifier: MIT */
#include "guestcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum key {
	KEY_EXEC,
	KEY_ARG,
	KEY_ENV,
	KEY_HOSTNAME,
	KEY_ROLE,
	KEY_TERM,
	KEY_UPSTREAM,
	KEY_DNS,
	KEY_WAYLAND,
	KEY_COUNT,
};

static const char *const key_names[KEY_COUNT] = {
    [KEY_EXEC] = "exec",	 [KEY_ARG] = "arg",   [KEY_ENV] = "env",
    [KEY_HOSTNAME] = "hostname", [KEY_ROLE] = "role", [KEY_TERM] = "term",
    [KEY_UPSTREAM] = "upstream", [KEY_DNS] = "dns",   [KEY_WAYLAND] = "wayland",
};

/* The state of one parse: where we are, for the error messages. */
struct parse {
	struct guestcfg *c;
	const char *source;
	char *err;
	size_t errsz;
	unsigned long line;
	unsigned seen;	 /* bit per key met in this file */
	bool args_reset; /* this file's first arg line cleared the old ones */
};

static int fail(struct parse *p, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct parse *p, const char *format, ...)
{
	char msg[GUESTCFG_ERR_MAX];
	va_list ap;

	va_start(ap, format);
	vsnprintf(msg, sizeof(msg), format, ap);
	va_end(ap);
	if (p->line)
		snprintf(p->err, p->errsz, "%s: line %lu: %s", p->source,
			 p->line, msg);
	else
		snprintf(p->err, p->errsz, "%s: %s", p->source, msg);
	errno = EBADMSG;
	return -1;
}

/* s[0..len) in double quotes for an error message: at most 40 bytes, the
 * unprintable ones as \xNN. */
static const char *quote(char *buf, size_t size, const char *s, size_t len)
{
	size_t i, n = 0;

	buf[n++] = '"';
	for (i = 0; i < len && i < 40 && n + 8 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", ch);
		else
			buf[n++] = (char)ch;
	}
	if (i < len && n + 5 < size) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

void guestcfg_init(struct guestcfg *c)
{
	c->exec = NULL;
	c->hostname = NULL;
	c->term = NULL;
	c->wayland = NULL;
	c->role = GUEST_ROLE_APP;
	c->nargs = 0;
	c->nenv = 0;
	c->upstream_static = false;
	c->upstream_addr_be = 0;
	c->upstream_len = 0;
	c->upstream_gw_be = 0;
	c->dns_be = 0;
	c->used = 0;
}

/* A dotted-quad IPv4 address of exactly len bytes. */
static bool ipv4(const char *v, size_t len, uint32_t *be)
{
	char buf[INET_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, be) == 1;
}

/* "dhcp", or "ADDR/LEN,GATEWAY" with LEN 1..32. */
static bool upstream_ok(struct guestcfg *c, const char *v, size_t len)
{
	const char *slash, *comma;
	unsigned long n = 0;
	size_t i;

	if (len == 4 && memcmp(v, "dhcp", 4) == 0) {
		c->upstream_static = false;
		return true;
	}
	slash = memchr(v, '/', len);
	comma = memchr(v, ',', len);
	if (!slash || !comma || comma < slash + 2 || comma > slash + 3)
		return false;
	for (i = 1; slash + i < comma; i++) {
		if (slash[i] < '0' || slash[i] > '9')
			return false;
		n = n * 10 + (unsigned long)(slash[i] - '0');
	}
	if (n < 1 || n > 32 ||
	    !ipv4(v, (size_t)(slash - v), &c->upstream_addr_be) ||
	    !ipv4(comma + 1, len - (size_t)(comma + 1 - v), &c->upstream_gw_be))
		return false;
	c->upstream_len = (int)n;
	c->upstream_static = true;
	return true;
}

static const char *store(struct parse *p, const char *s, size_t len)
{
	struct guestcfg *c = p->c;
	char *dst;

	if (len + 1 > sizeof(c->pool) - c->used) {
		fail(p,
		     "too much configuration (more than %zu bytes of values "
		     "in all)",
		     sizeof(c->pool));
		return NULL;
	}
	dst = c->pool + c->used;
	memcpy(dst, s, len);
	dst[len] = '\0';
	c->used += len + 1;
	return dst;
}

static bool is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9');
}

static bool env_name_ok(const char *v, size_t len, size_t *namelen)
{
	size_t i;

	for (i = 0; i < len && v[i] != '='; i++) {
		if (!is_alnum(v[i]) && v[i] != '_')
			return false;
		if (i == 0 && v[i] >= '0' && v[i] <= '9')
			return false;
	}
	*namelen = i;
	return i > 0 && i < len;
}

/* [A-Za-z0-9], then also the extra characters; 1..max bytes. */
static bool word_ok(const char *v, size_t len, size_t max, const char *extra)
{
	size_t i;

	if (len == 0 || len > max || !is_alnum(v[0]))
		return false;
	for (i = 1; i < len; i++)
		if (!is_alnum(v[i]) && !strchr(extra, v[i]))
			return false;
	return true;
}

/* A path for a unix socket that septa-init creates: absolute, at most
 * GUESTCFG_WAYLAND_MAX bytes (sun_path), of letters, digits, '.', '_',
 * '-' and '/', with no empty, "." or ".." component and no trailing '/':
 * one name for one file, nothing a shell or QEMU would read otherwise. */
static bool socket_path_ok(const char *v, size_t len)
{
	size_t i, start;

	if (len < 2 || len > GUESTCFG_WAYLAND_MAX || v[0] != '/')
		return false;
	for (i = 1, start = 1; i <= len; i++) {
		if (i < len && v[i] != '/') {
			if (!is_alnum(v[i]) &&
			    (v[i] == '\0' || !strchr("._-", v[i])))
				return false;
			continue;
		}
		/* v[start..i) is one component */
		if (i == start || (i - start == 1 && v[start] == '.') ||
		    (i - start == 2 && v[start] == '.' && v[start + 1] == '.'))
			return false;
		start = i + 1;
	}
	return true;
}

static int set_value(struct parse *p, enum key k, const char *v, size_t len)
{
	struct guestcfg *c = p->c;
	char q[GUESTCFG_ERR_MAX / 2];
	const char *s;
	size_t nl;

	switch (k) {
	case KEY_EXEC:
		if (len == 0 || v[0] != '/')
			return fail(p, "exec: %s is not an absolute path",
				    quote(q, sizeof(q), v, len));
		break;
	case KEY_ARG:
		if (!p->args_reset) {
			c->nargs = 0;
			p->args_reset = true;
		}
		if (c->nargs == GUESTCFG_MAX_ARGS)
			return fail(p, "more than %d arg lines",
				    GUESTCFG_MAX_ARGS);
		break;
	case KEY_ENV:
		if (!env_name_ok(v, len, &nl))
			return fail(p, "env: %s is not NAME=VALUE",
				    quote(q, sizeof(q), v, len));
		if (c->nenv == GUESTCFG_MAX_ENV)
			return fail(p, "more than %d env lines",
				    GUESTCFG_MAX_ENV);
		break;
	case KEY_HOSTNAME:
		if (!word_ok(v, len, GUESTCFG_HOSTNAME_MAX, "-."))
			return fail(p,
				    "hostname: %s is not a host name (1 to "
				    "%d letters, digits, '-' and '.')",
				    quote(q, sizeof(q), v, len),
				    GUESTCFG_HOSTNAME_MAX);
		break;
	case KEY_ROLE:
		if (!(len == 3 && memcmp(v, "app", 3) == 0) &&
		    !(len == 5 && memcmp(v, "netvm", 5) == 0))
			return fail(p, "role: %s is not app or netvm",
				    quote(q, sizeof(q), v, len));
		c->role = len == 3 ? GUEST_ROLE_APP : GUEST_ROLE_NETVM;
		return 0;
	case KEY_TERM:
		if (!word_ok(v, len, GUESTCFG_TERM_MAX, "-._+"))
			return fail(p,
				    "term: %s is not a terminal type (1 to "
				    "%d letters, digits, '-', '.', '_' and "
				    "'+')",
				    quote(q, sizeof(q), v, len),
				    GUESTCFG_TERM_MAX);
		break;
	case KEY_UPSTREAM:
		if (!upstream_ok(c, v, len))
			return fail(p,
				    "upstream: %s is not dhcp or "
				    "ADDRESS/LENGTH,GATEWAY",
				    quote(q, sizeof(q), v, len));
		return 0;
	case KEY_DNS:
		if (!ipv4(v, len, &c->dns_be))
			return fail(p, "dns: %s is not an IPv4 address",
				    quote(q, sizeof(q), v, len));
		return 0;
	case KEY_WAYLAND:
		if (!socket_path_ok(v, len))
			return fail(
			    p,
			    "wayland: %s is not a socket path (absolute, "
			    "at most %d bytes of letters, digits, '.', "
			    "'_', '-' and '/', no empty, '.' or '..' "
			    "component)",
			    quote(q, sizeof(q), v, len), GUESTCFG_WAYLAND_MAX);
		break;
	case KEY_COUNT:
		return -1;
	}
	s = store(p, v, len);
	if (!s)
		return -1;
	if (k == KEY_EXEC)
		c->exec = s;
	else if (k == KEY_ARG)
		c->args[c->nargs++] = s;
	else if (k == KEY_ENV)
		c->env[c->nenv++] = s;
	else if (k == KEY_HOSTNAME)
		c->hostname = s;
	else if (k == KEY_WAYLAND)
		c->wayland = s;
	else
		c->term = s;
	return 0;
}

static int parse_line(struct parse *p, const char *s, size_t len)
{
	char q[GUESTCFG_ERR_MAX / 2];
	const char *eq;
	size_t i, klen;
	int k;

	if (len > GUESTCFG_LINE_MAX)
		return fail(p, "longer than %d bytes", GUESTCFG_LINE_MAX);
	if (memchr(s, '\0', len))
		return fail(p, "NUL byte before the end of the file");
	if (len == 0 || s[0] == '#')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(p, "control character 0x%02x%s", ch,
				    ch == '\r' ? " (CRLF line ending?)" : "");
	}
	eq = memchr(s, '=', len);
	if (!eq)
		return fail(p, "%s is not key=value",
			    quote(q, sizeof(q), s, len));
	klen = (size_t)(eq - s);
	for (k = 0; k < KEY_COUNT; k++)
		if (strlen(key_names[k]) == klen &&
		    memcmp(key_names[k], s, klen) == 0)
			break;
	if (k == KEY_COUNT)
		return fail(p, "unknown key %s", quote(q, sizeof(q), s, klen));
	if (k != KEY_ARG && k != KEY_ENV && (p->seen & (1u << k)))
		return fail(p, "duplicate key \"%s\"", key_names[k]);
	p->seen |= 1u << k;
	return set_value(p, (enum key)k, eq + 1, len - klen - 1);
}

/* The header line: "septa-config 1"; another version is refused. */
static int parse_header(struct parse *p, const char *s, size_t len, bool disk,
			bool *was_header)
{
	static const char word[] = "septa-config ";
	char q[GUESTCFG_ERR_MAX / 2];

	*was_header = false;
	if (len == strlen(GUESTCFG_HEADER) &&
	    memcmp(s, GUESTCFG_HEADER, len) == 0) {
		*was_header = true;
		return 0;
	}
	if (len >= strlen(word) && memcmp(s, word, strlen(word)) == 0)
		return fail(p, "unsupported format %s (expected \"%s\")",
			    quote(q, sizeof(q), s, len), GUESTCFG_HEADER);
	if (disk)
		return fail(p, "no \"%s\" header", GUESTCFG_HEADER);
	return 0;
}

static int parse_all(struct parse *p, const char *data, size_t len, bool disk)
{
	size_t off = 0;

	while (len > 0 && data[len - 1] == '\0')
		len--;
	if (len > GUESTCFG_FILE_MAX)
		return fail(p, "longer than %d bytes", GUESTCFG_FILE_MAX);
	while (off < len || (p->line == 0 && disk)) {
		const char *s = data + off, *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;
		bool was_header;

		p->line++;
		off += n + (nl ? 1 : 0);
		if (p->line == 1) {
			if (parse_header(p, s, n, disk, &was_header) < 0)
				return -1;
			if (was_header)
				continue;
		}
		if (parse_line(p, s, n) < 0)
			return -1;
	}
	return 0;
}

int guestcfg_parse(struct guestcfg *c, const char *data, size_t len,
		   const char *source, bool disk, char *err, size_t errsz)
{
	/* Everything but the pool: what a failed parse must put back. */
	char saved[offsetof(struct guestcfg, pool)];
	struct parse p = {.c = c, .source = source, .err = err, .errsz = errsz};

	memcpy(saved, c, sizeof(saved));
	if (parse_all(&p, data, len, disk) < 0) {
		memcpy(c, saved, sizeof(saved));
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

ssize_t guestcfg_read(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = pread(fd, buf + got, size - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

bool guestcfg_is_disk(const char *data, size_t len)
{
	size_t h = strlen(GUESTCFG_HEADER);

	if (len < h || memcmp(data, GUESTCFG_HEADER, h) != 0)
		return false;
	return len == h || data[h] == '\n' || data[h] == '\0';
}

int guestcfg_check(const struct guestcfg *c, char *err, size_t errsz)
{
	const char *msg = NULL;

	if (c->role == GUEST_ROLE_APP && !c->exec)
		msg = "no exec= line (role app needs an application)";
	else if (c->nargs && !c->exec)
		msg = "arg= lines without an exec= line";
	else if (c->role == GUEST_ROLE_APP && (c->upstream_static || c->dns_be))
		msg = "upstream= and dns= are for role netvm";
	else if (c->upstream_static && !c->dns_be)
		msg = "a static upstream needs a dns= line";
	else if (c->role != GUEST_ROLE_APP && c->wayland)
		msg = "wayland= is for role app";
	if (!msg)
		return 0;
	snprintf(err, errsz, "%s", msg);
	errno = EBADMSG;
	return -1;
}

const char *guestcfg_role_name(enum guest_role r)
{
	return r == GUEST_ROLE_NETVM ? "netvm" : "app";
}

const char *guestcfg_hostname(const struct guestcfg *c)
{
	return c->hostname ? c->hostname : guestcfg_role_name(c->role);
}

const char *guestcfg_term(const struct guestcfg *c)
{
	return c->term ? c->term : "linux";
}

void guestcfg_argv(const struct guestcfg *c, const char **argv)
{
	int i;

	argv[0] = c->exec;
	for (i = 0; i < c->nargs; i++)
		argv[i + 1] = c->args[i];
	argv[c->nargs + 1] = NULL;
}

static bool same_name(const char *a, const char *b)
{
	size_t n = strcspn(a, "=");

	return strncmp(a, b, n) == 0 && b[n] == '=';
}

int guestcfg_envp(const struct guestcfg *c, char *termbuf, size_t termsz,
		  const char **envp)
{
	const char *all[GUESTCFG_ENVP_MAX];
	int i, j, n = 0, out = 0;
	int len = snprintf(termbuf, termsz, "TERM=%s", guestcfg_term(c));

	if (len < 0 || (size_t)len >= termsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	all[n++] = termbuf;
	all[n++] = GUESTCFG_PATH;
	all[n++] = GUESTCFG_HOME;
	if (c->wayland)
		all[n++] = "XDG_RUNTIME_DIR=" GUESTCFG_RUNTIME_DIR;
	for (i = 0; i < c->nenv; i++)
		all[n++] = c->env[i];
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++)
			if (same_name(all[i], all[j]))
				break;
		if (j == n)
			envp[out++] = all[i];
	}
	envp[out] = NULL;
	return 0;
}
