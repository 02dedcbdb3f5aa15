/* SPDX-License-Identifier: MIT */
/* The guest configuration parser: golden error texts for every refusal,
 * the limits at and past their edge, merging a config disk over the
 * built-in file, and the argv/envp the application gets. */
#include "check.h"
#include "guestcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define BUILTIN "/etc/septa/config"
#define DISK	"config disk /dev/vdb"
#define NOT_SOCKET                                                             \
	" is not a socket path (absolute, at most 107 bytes of letters, "      \
	"digits, '.', '_', '-' and '/', no empty, '.' or '..' component)"

static struct guestcfg cfg;
static char err[GUESTCFG_ERR_MAX];
static char big[2 * GUESTCFG_FILE_MAX];

/* Parse text (a built-in file, or a disk) into a fresh cfg. */
static int parse(const char *text, bool disk)
{
	guestcfg_init(&cfg);
	err[0] = '\0';
	return guestcfg_parse(&cfg, text, strlen(text), disk ? DISK : BUILTIN,
			      disk, err, sizeof(err));
}

/* Golden: parsing fails with exactly this message. */
static bool fails_with(const char *text, bool disk, const char *want)
{
	if (parse(text, disk) == 0 || errno != EBADMSG) {
		printf("# parsed, expected: %s\n", want);
		return false;
	}
	if (strcmp(err, want) != 0) {
		printf("# got:  %s\n# want: %s\n", err, want);
		return false;
	}
	return true;
}

struct golden {
	const char *name;
	const char *text;
	bool disk;
	const char *err;
};

static const struct golden bad[] = {
    {"unknown-key", "exec=/bin/sh\n# c\nfoo=1\n", false,
     BUILTIN ": line 3: unknown key \"foo\""},
    {"unknown-key-on-disk", "septa-config 1\nexec=/x\nfoo=bar\n", true,
     DISK ": line 3: unknown key \"foo\""},
    {"no-equals", "exec /bin/sh\n", false,
     BUILTIN ": line 1: \"exec /bin/sh\" is not key=value"},
    {"blank-with-spaces", "exec=/a\n  \n", false,
     BUILTIN ": line 2: \"  \" is not key=value"},
    {"leading-space-key", " exec=/bin/sh\n", false,
     BUILTIN ": line 1: unknown key \" exec\""},
    {"key-case", "Exec=/bin/sh\n", false,
     BUILTIN ": line 1: unknown key \"Exec\""},
    {"empty-key", "=x\n", false, BUILTIN ": line 1: unknown key \"\""},
    {"long-key-quoted",
     "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij=1\n", false,
     BUILTIN ": line 1: unknown key "
	     "\"abcdefghijabcdefghijabcdefghijabcdefghij...\""},
    {"duplicate-exec", "exec=/a\nexec=/b\n", false,
     BUILTIN ": line 2: duplicate key \"exec\""},
    {"duplicate-role", "role=app\nexec=/a\nrole=app\n", false,
     BUILTIN ": line 3: duplicate key \"role\""},
    {"duplicate-hostname", "hostname=a\nhostname=a\n", false,
     BUILTIN ": line 2: duplicate key \"hostname\""},
    {"duplicate-term", "term=a\nterm=b\n", false,
     BUILTIN ": line 2: duplicate key \"term\""},
    {"exec-relative", "exec=bin/sh\n", false,
     BUILTIN ": line 1: exec: \"bin/sh\" is not an absolute path"},
    {"exec-empty", "exec=\n", false,
     BUILTIN ": line 1: exec: \"\" is not an absolute path"},
    {"env-no-value", "env=FOO\n", false,
     BUILTIN ": line 1: env: \"FOO\" is not NAME=VALUE"},
    {"env-empty-name", "env==x\n", false,
     BUILTIN ": line 1: env: \"=x\" is not NAME=VALUE"},
    {"env-digit-first", "env=1A=x\n", false,
     BUILTIN ": line 1: env: \"1A=x\" is not NAME=VALUE"},
    {"env-bad-char", "env=A-B=x\n", false,
     BUILTIN ": line 1: env: \"A-B=x\" is not NAME=VALUE"},
    {"role-unknown", "role=router\n", false,
     BUILTIN ": line 1: role: \"router\" is not app or netvm"},
    {"role-case", "role=App\n", false,
     BUILTIN ": line 1: role: \"App\" is not app or netvm"},
    {"upstream-no-gateway", "upstream=10.0.0.2/24\n", false,
     BUILTIN ": line 1: upstream: \"10.0.0.2/24\" is not dhcp or "
	     "ADDRESS/LENGTH,GATEWAY"},
    {"upstream-length-0", "upstream=10.0.0.2/0,10.0.0.1\n", false,
     BUILTIN ": line 1: upstream: \"10.0.0.2/0,10.0.0.1\" is not dhcp or "
	     "ADDRESS/LENGTH,GATEWAY"},
    {"upstream-length-33", "upstream=10.0.0.2/33,10.0.0.1\n", false,
     BUILTIN ": line 1: upstream: \"10.0.0.2/33,10.0.0.1\" is not dhcp "
	     "or ADDRESS/LENGTH,GATEWAY"},
    {"upstream-bad-address", "upstream=10.0.0.256/24,10.0.0.1\n", false,
     BUILTIN ": line 1: upstream: \"10.0.0.256/24,10.0.0.1\" is not dhcp "
	     "or ADDRESS/LENGTH,GATEWAY"},
    {"dns-name", "dns=resolver\n", false,
     BUILTIN ": line 1: dns: \"resolver\" is not an IPv4 address"},
    {"hostname-dash-first", "hostname=-x\n", false,
     BUILTIN ": line 1: hostname: \"-x\" is not a host name (1 to 64 "
	     "letters, digits, '-' and '.')"},
    {"hostname-empty", "hostname=\n", false,
     BUILTIN ": line 1: hostname: \"\" is not a host name (1 to 64 "
	     "letters, digits, '-' and '.')"},
    {"hostname-underscore", "hostname=a_b\n", false,
     BUILTIN ": line 1: hostname: \"a_b\" is not a host name (1 to 64 "
	     "letters, digits, '-' and '.')"},
    {"term-space", "term=xterm 256\n", false,
     BUILTIN ": line 1: term: \"xterm 256\" is not a terminal type (1 to "
	     "64 letters, digits, '-', '.', '_' and '+')"},
    {"wayland-relative", "wayland=run/w.sock\n", false,
     BUILTIN ": line 1: wayland: \"run/w.sock\"" NOT_SOCKET},
    {"wayland-empty", "wayland=\n", false,
     BUILTIN ": line 1: wayland: \"\"" NOT_SOCKET},
    {"wayland-root", "wayland=/\n", false,
     BUILTIN ": line 1: wayland: \"/\"" NOT_SOCKET},
    {"wayland-trailing-slash", "wayland=/run/\n", false,
     BUILTIN ": line 1: wayland: \"/run/\"" NOT_SOCKET},
    {"wayland-empty-component", "wayland=/run//w\n", false,
     BUILTIN ": line 1: wayland: \"/run//w\"" NOT_SOCKET},
    {"wayland-dot", "wayland=/run/./w\n", false,
     BUILTIN ": line 1: wayland: \"/run/./w\"" NOT_SOCKET},
    {"wayland-dotdot", "wayland=/run/../etc/w\n", false,
     BUILTIN ": line 1: wayland: \"/run/../etc/w\"" NOT_SOCKET},
    {"wayland-dotdot-last", "wayland=/run/..\n", false,
     BUILTIN ": line 1: wayland: \"/run/..\"" NOT_SOCKET},
    {"wayland-space", "wayland=/run/a b\n", false,
     BUILTIN ": line 1: wayland: \"/run/a b\"" NOT_SOCKET},
    {"wayland-comma", "wayland=/run/a,b\n", false,
     BUILTIN ": line 1: wayland: \"/run/a,b\"" NOT_SOCKET},
    {"wayland-tab", "wayland=/run/a\tb\n", false,
     BUILTIN ": line 1: wayland: \"/run/a\\x09b\"" NOT_SOCKET},
    {"wayland-utf8", "wayland=/run/\xc3\xbc\n", false,
     BUILTIN ": line 1: wayland: \"/run/\\xc3\\xbc\"" NOT_SOCKET},
    {"wayland-on-disk", "septa-config 1\nwayland=w\n", true,
     DISK ": line 2: wayland: \"w\"" NOT_SOCKET},
    {"duplicate-wayland", "wayland=/run/a\nwayland=/run/a\n", false,
     BUILTIN ": line 2: duplicate key \"wayland\""},
    {"duplicate-wayland-on-disk",
     "septa-config 1\nwayland=/run/a\nwayland=/run/b\n", true,
     DISK ": line 3: duplicate key \"wayland\""},
    {"crlf", "exec=/bin/sh\r\n", false,
     BUILTIN ": line 1: control character 0x0d (CRLF line ending?)"},
    {"escape-in-value", "arg=a\033[0m\n", false,
     BUILTIN ": line 1: control character 0x1b"},
    {"del-in-value", "arg=a\177\n", false,
     BUILTIN ": line 1: control character 0x7f"},
    {"disk-no-header", "exec=/bin/sh\n", true,
     DISK ": line 1: no \"septa-config 1\" header"},
    {"disk-empty", "", true, DISK ": line 1: no \"septa-config 1\" header"},
    {"disk-header-trailing-space", "septa-config 1 \nexec=/a\n", true,
     DISK ": line 1: unsupported format \"septa-config 1 \" (expected "
	  "\"septa-config 1\")"},
    {"disk-version-2", "septa-config 2\nexec=/a\n", true,
     DISK ": line 1: unsupported format \"septa-config 2\" (expected "
	  "\"septa-config 1\")"},
    {"builtin-version-2", "septa-config 2\n", false,
     BUILTIN ": line 1: unsupported format \"septa-config 2\" (expected "
	     "\"septa-config 1\")"},
    {"header-not-first", "exec=/a\nsepta-config 1\n", false,
     BUILTIN ": line 2: \"septa-config 1\" is not key=value"},
};

static void test_golden(void)
{
	char name[96];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "guestcfg-%s", bad[i].name);
		CHECK(name, fails_with(bad[i].text, bad[i].disk, bad[i].err));
	}
}

static void test_good(void)
{
	CHECK("guestcfg-minimal", parse("exec=/bin/sh\n", false) == 0 &&
				      strcmp(cfg.exec, "/bin/sh") == 0 &&
				      cfg.nargs == 0 && cfg.nenv == 0);
	CHECK("guestcfg-default-role-app", cfg.role == GUEST_ROLE_APP);
	CHECK("guestcfg-default-hostname-is-role",
	      strcmp(guestcfg_hostname(&cfg), "app") == 0);
	CHECK("guestcfg-default-term-linux",
	      strcmp(guestcfg_term(&cfg), "linux") == 0);
	CHECK("guestcfg-empty-file", parse("", false) == 0 && !cfg.exec);
	CHECK("guestcfg-no-final-newline",
	      parse("exec=/a\narg=x", false) == 0 && cfg.nargs == 1 &&
		  strcmp(cfg.args[0], "x") == 0);
	CHECK("guestcfg-comments-and-blank-lines",
	      parse("# a comment\n\n#exec=/no\nexec=/a\n\n", false) == 0 &&
		  strcmp(cfg.exec, "/a") == 0);
	CHECK("guestcfg-header-optional-in-builtin",
	      parse("septa-config 1\nexec=/a\n", false) == 0 &&
		  strcmp(cfg.exec, "/a") == 0);
	CHECK("guestcfg-disk-header-only", parse("septa-config 1", true) == 0);
	CHECK("guestcfg-all-keys",
	      parse("septa-config 1\nrole=app\nhostname=web-1.example\n"
		    "term=xterm-256color\nexec=/usr/bin/elinks\narg=-no-home\n"
		    "arg=https://example.org/\nenv=LANG=C.UTF-8\n",
		    true) == 0 &&
		  strcmp(cfg.hostname, "web-1.example") == 0 &&
		  strcmp(guestcfg_term(&cfg), "xterm-256color") == 0 &&
		  cfg.nargs == 2 &&
		  strcmp(cfg.args[1], "https://example.org/") == 0 &&
		  cfg.nenv == 1 && strcmp(cfg.env[0], "LANG=C.UTF-8") == 0);
	CHECK("guestcfg-role-netvm",
	      parse("role=netvm\n", false) == 0 &&
		  cfg.role == GUEST_ROLE_NETVM &&
		  strcmp(guestcfg_hostname(&cfg), "netvm") == 0);
	CHECK("guestcfg-values-literal",
	      parse("exec=/a\narg= two  spaces \narg=a=b\narg=$HOME\n"
		    "arg='q'\narg=#x\narg=\targ=tab\narg=\n",
		    false) == 0 &&
		  cfg.nargs == 7 && strcmp(cfg.args[0], " two  spaces ") == 0 &&
		  strcmp(cfg.args[1], "a=b") == 0 &&
		  strcmp(cfg.args[2], "$HOME") == 0 &&
		  strcmp(cfg.args[3], "'q'") == 0 &&
		  strcmp(cfg.args[4], "#x") == 0 &&
		  strcmp(cfg.args[5], "\targ=tab") == 0 &&
		  strcmp(cfg.args[6], "") == 0);
	CHECK("guestcfg-wayland",
	      parse("exec=/a\nwayland=/run/waypipe.sock\n", false) == 0 &&
		  strcmp(cfg.wayland, "/run/waypipe.sock") == 0);
	CHECK("guestcfg-wayland-names-with-dots",
	      parse("wayland=/run/.w/.../a.b_c-d\n", false) == 0 &&
		  strcmp(cfg.wayland, "/run/.w/.../a.b_c-d") == 0);
	CHECK("guestcfg-wayland-default-none",
	      parse("exec=/a\n", false) == 0 && !cfg.wayland);
	CHECK("guestcfg-env-empty-value",
	      parse("env=A=\n", false) == 0 && strcmp(cfg.env[0], "A=") == 0);
	CHECK("guestcfg-utf8-value",
	      parse("exec=/a\narg=gr\xc3\xbc\xc3\x9f\n", false) == 0 &&
		  strcmp(cfg.args[0], "gr\xc3\xbc\xc3\x9f") == 0);
}

static int parse_len(const char *data, size_t len, bool disk)
{
	guestcfg_init(&cfg);
	err[0] = '\0';
	return guestcfg_parse(&cfg, data, len, disk ? DISK : BUILTIN, disk, err,
			      sizeof(err));
}

static void test_nul(void)
{
	static const char padded[] = "septa-config 1\nexec=/a\n\0\0\0\0\0\0\0";
	static const char unterminated[] = "septa-config 1\nexec=/a\0\0\0";
	static const char inside[] = "exec=/a\nar\0g=x\n\0\0";
	static const char comment[] = "exec=/a\n# c\0\n";

	CHECK("guestcfg-nul-padding-ignored",
	      parse_len(padded, sizeof(padded), true) == 0 &&
		  strcmp(cfg.exec, "/a") == 0);
	CHECK("guestcfg-nul-padding-after-last-line",
	      parse_len(unterminated, sizeof(unterminated), true) == 0 &&
		  strcmp(cfg.exec, "/a") == 0);
	CHECK("guestcfg-nul-inside",
	      parse_len(inside, sizeof(inside), false) < 0 &&
		  strcmp(err, BUILTIN ": line 2: NUL byte before the end of "
				      "the file") == 0);
	CHECK("guestcfg-nul-in-comment",
	      parse_len(comment, sizeof(comment) - 1, false) < 0 &&
		  strcmp(err, BUILTIN ": line 2: NUL byte before the end of "
				      "the file") == 0);
}

/* big = "exec=/a\narg=XXX...\n" with a line of len bytes. */
static size_t make_line(size_t len)
{
	size_t n = strlen("exec=/a\narg=");

	memcpy(big, "exec=/a\narg=", n);
	memset(big + n, 'x', len - 4);
	n += len - 4;
	big[n++] = '\n';
	return n;
}

/* big = lines "arg=x\n" (6 bytes) until len bytes, the last shortened. */
static size_t make_file(size_t len)
{
	size_t n = 0;

	while (n + 6 <= len) {
		memcpy(big + n, "#xxxx\n", 6);
		n += 6;
	}
	while (n < len)
		big[n++] = '#';
	return n;
}

static void test_limits(void)
{
	char text[64 * 8 + 128];
	size_t n, i;

	n = make_line(GUESTCFG_LINE_MAX);
	CHECK("guestcfg-line-4096-ok",
	      parse_len(big, n, false) == 0 && strlen(cfg.args[0]) == 4092);
	n = make_line(GUESTCFG_LINE_MAX + 1);
	CHECK("guestcfg-line-4097-refused",
	      parse_len(big, n, false) < 0 &&
		  strcmp(err, BUILTIN ": line 2: longer than 4096 bytes") == 0);
	memset(big, '#', GUESTCFG_LINE_MAX + 1);
	CHECK("guestcfg-long-comment-refused",
	      parse_len(big, GUESTCFG_LINE_MAX + 1, false) < 0 &&
		  strcmp(err, BUILTIN ": line 1: longer than 4096 bytes") == 0);

	n = make_file(GUESTCFG_FILE_MAX);
	memset(big + n, 0, 100);
	CHECK("guestcfg-file-64k-ok", parse_len(big, n + 100, false) == 0);
	n = make_file(GUESTCFG_FILE_MAX + 1);
	CHECK("guestcfg-file-64k-plus-1-refused",
	      parse_len(big, n, false) < 0 &&
		  strcmp(err, BUILTIN ": longer than 65536 bytes") == 0);

	n = (size_t)snprintf(text, sizeof(text), "wayland=/");
	memset(text + n, 'w', GUESTCFG_WAYLAND_MAX - 1);
	text[n + GUESTCFG_WAYLAND_MAX - 1] = '\0';
	CHECK("guestcfg-wayland-107-bytes-ok",
	      parse(text, false) == 0 &&
		  strlen(cfg.wayland) == GUESTCFG_WAYLAND_MAX);
	memcpy(text + n + GUESTCFG_WAYLAND_MAX - 1, "w", 2);
	CHECK(
	    "guestcfg-wayland-108-bytes-refused",
	    fails_with(
		text, false,
		BUILTIN
		": line 1: wayland: "
		"\"/wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww...\"" NOT_SOCKET));

	n = (size_t)snprintf(text, sizeof(text), "exec=/a\n");
	for (i = 0; i < GUESTCFG_MAX_ARGS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "arg=%zu\n",
				      i);
	CHECK("guestcfg-64-args-ok", parse(text, false) == 0 &&
					 cfg.nargs == 64 &&
					 strcmp(cfg.args[63], "63") == 0);
	snprintf(text + n, sizeof(text) - n, "arg=one too many\n");
	CHECK("guestcfg-65-args-refused",
	      fails_with(text, false,
			 BUILTIN ": line 66: more than 64 arg lines"));

	n = 0;
	for (i = 0; i < GUESTCFG_MAX_ENV; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "env=V=%zu\n",
				      i);
	CHECK("guestcfg-64-env-ok", parse(text, false) == 0 && cfg.nenv == 64);
	snprintf(text + n, sizeof(text) - n, "env=W=1\n");
	CHECK("guestcfg-65-env-refused",
	      fails_with(text, false,
			 BUILTIN ": line 65: more than 64 env lines"));
}

static int merge(const char *base, const char *disk)
{
	guestcfg_init(&cfg);
	err[0] = '\0';
	if (guestcfg_parse(&cfg, base, strlen(base), BUILTIN, false, err,
			   sizeof(err)) < 0)
		return -1;
	return guestcfg_parse(&cfg, disk, strlen(disk), DISK, true, err,
			      sizeof(err));
}

static void test_merge(void)
{
	static const char base[] = "exec=/a\narg=1\narg=2\nenv=A=1\n"
				   "hostname=h1\nterm=vt100\n";
	char text[64 * 12];
	size_t n = 0;
	int i;

	CHECK("guestcfg-merge-disk-overrides",
	      merge(base, "septa-config 1\nexec=/b\nhostname=h2\n") == 0 &&
		  strcmp(cfg.exec, "/b") == 0 &&
		  strcmp(cfg.hostname, "h2") == 0 &&
		  strcmp(cfg.term, "vt100") == 0);
	CHECK("guestcfg-merge-args-kept-without-disk-args",
	      cfg.nargs == 2 && strcmp(cfg.args[1], "2") == 0);
	CHECK("guestcfg-merge-disk-args-replace",
	      merge(base, "septa-config 1\narg=x\n") == 0 && cfg.nargs == 1 &&
		  strcmp(cfg.args[0], "x") == 0);
	CHECK("guestcfg-merge-env-adds",
	      merge(base, "septa-config 1\nenv=B=2\nenv=A=3\n") == 0 &&
		  cfg.nenv == 3 && strcmp(cfg.env[0], "A=1") == 0 &&
		  strcmp(cfg.env[2], "A=3") == 0);
	CHECK("guestcfg-merge-disk-wayland-overrides",
	      merge("exec=/a\nwayland=/run/a\n",
		    "septa-config 1\nwayland=/run/b\n") == 0 &&
		  strcmp(cfg.wayland, "/run/b") == 0);
	CHECK("guestcfg-merge-wayland-kept-without-disk-wayland",
	      merge("exec=/a\nwayland=/run/a\n", "septa-config 1\narg=x\n") ==
		      0 &&
		  strcmp(cfg.wayland, "/run/a") == 0);
	CHECK("guestcfg-merge-role",
	      merge("role=netvm\n", "septa-config 1\nrole=app\n") == 0 &&
		  cfg.role == GUEST_ROLE_APP);
	CHECK("guestcfg-merge-bad-disk-keeps-builtin",
	      merge(base, "septa-config 1\nexec=/b\narg=z\nenv=C=1\n"
			  "hostname=zz\nrole=netvm\nbogus=1\n") < 0 &&
		  strcmp(err, DISK ": line 7: unknown key \"bogus\"") == 0 &&
		  strcmp(cfg.exec, "/a") == 0 && cfg.nargs == 2 &&
		  strcmp(cfg.args[0], "1") == 0 && cfg.nenv == 1 &&
		  strcmp(cfg.hostname, "h1") == 0 &&
		  cfg.role == GUEST_ROLE_APP);
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "env=V%d=1\n",
				      i);
	guestcfg_init(&cfg);
	guestcfg_parse(&cfg, text, n, BUILTIN, false, err, sizeof(err));
	CHECK("guestcfg-merge-env-limit-counts-both",
	      guestcfg_parse(&cfg, text, n, BUILTIN, false, err, sizeof(err)) <
		      0 &&
		  strcmp(err, BUILTIN ": line 25: more than 64 env lines") ==
		      0 &&
		  cfg.nenv == 40);
}

static void test_check(void)
{
	parse("hostname=x\n", false);
	CHECK("guestcfg-check-app-needs-exec",
	      guestcfg_check(&cfg, err, sizeof(err)) < 0 && errno == EBADMSG &&
		  strcmp(err, "no exec= line (role app needs an "
			      "application)") == 0);
	parse("exec=/a\n", false);
	CHECK("guestcfg-check-app-ok",
	      guestcfg_check(&cfg, err, sizeof(err)) == 0);
	parse("role=netvm\n", false);
	CHECK("guestcfg-check-netvm-ok",
	      guestcfg_check(&cfg, err, sizeof(err)) == 0);
	parse("role=netvm\nexec=/bin/sh\n", false);
	CHECK("guestcfg-check-netvm-console-program",
	      guestcfg_check(&cfg, err, sizeof(err)) == 0);
	parse("role=netvm\narg=x\n", false);
	CHECK("guestcfg-check-arg-needs-exec",
	      guestcfg_check(&cfg, err, sizeof(err)) < 0 &&
		  strcmp(err, "arg= lines without an exec= line") == 0);
	parse("exec=/a\ndns=10.0.0.1\n", false);
	CHECK("guestcfg-check-dns-is-for-netvm",
	      guestcfg_check(&cfg, err, sizeof(err)) < 0 &&
		  strcmp(err, "upstream= and dns= are for role netvm") == 0);
	parse("role=netvm\nupstream=10.0.2.15/24,10.0.2.2\n", false);
	CHECK("guestcfg-check-static-needs-dns",
	      guestcfg_check(&cfg, err, sizeof(err)) < 0 &&
		  strcmp(err, "a static upstream needs a dns= line") == 0);
	parse("role=netvm\nupstream=10.0.2.15/24,10.0.2.2\ndns=10.0.2.3\n",
	      false);
	CHECK("guestcfg-upstream-static",
	      guestcfg_check(&cfg, err, sizeof(err)) == 0 &&
		  cfg.upstream_static && cfg.upstream_len == 24 &&
		  cfg.upstream_addr_be == htonl(0x0a00020f) &&
		  cfg.upstream_gw_be == htonl(0x0a000202) &&
		  cfg.dns_be == htonl(0x0a000203));
	parse("exec=/a\nwayland=/run/w\n", false);
	CHECK("guestcfg-check-wayland-app-ok",
	      guestcfg_check(&cfg, err, sizeof(err)) == 0);
	parse("role=netvm\nwayland=/run/w\n", false);
	CHECK("guestcfg-check-wayland-is-for-app",
	      guestcfg_check(&cfg, err, sizeof(err)) < 0 &&
		  strcmp(err, "wayland= is for role app") == 0);
	parse("role=netvm\nupstream=dhcp\n", false);
	CHECK("guestcfg-upstream-dhcp",
	      guestcfg_check(&cfg, err, sizeof(err)) == 0 &&
		  !cfg.upstream_static);
}

static bool envp_is(const char **envp, const char *const *want)
{
	int i;

	for (i = 0; want[i]; i++)
		if (!envp[i] || strcmp(envp[i], want[i]) != 0) {
			printf("# envp[%d] = %s, want %s\n", i,
			       envp[i] ? envp[i] : "NULL", want[i]);
			return false;
		}
	return envp[i] == NULL;
}

static void test_exec_vectors(void)
{
	static const char *const defaults[] = {"TERM=linux", GUESTCFG_PATH,
					       GUESTCFG_HOME, NULL};
	static const char *const custom[] = {
	    "TERM=xterm", GUESTCFG_HOME, "PATH=/x", "B=2", "A=3", NULL};
	static const char *const wayland[] = {
	    "TERM=linux", GUESTCFG_PATH, GUESTCFG_HOME,
	    "XDG_RUNTIME_DIR=/run/user/0", NULL};
	static const char *const wayland_env[] = {"TERM=linux", GUESTCFG_PATH,
						  GUESTCFG_HOME,
						  "XDG_RUNTIME_DIR=/tmp", NULL};
	const char *argv[GUESTCFG_ARGV_MAX], *envp[GUESTCFG_ENVP_MAX];
	char term[GUESTCFG_TERM_MAX + 8], text[64 * 12 + 64];
	size_t n;
	int i;

	parse("exec=/bin/sh\narg=-c\narg=echo hi\n", false);
	guestcfg_argv(&cfg, argv);
	CHECK("guestcfg-argv",
	      strcmp(argv[0], "/bin/sh") == 0 && strcmp(argv[1], "-c") == 0 &&
		  strcmp(argv[2], "echo hi") == 0 && argv[3] == NULL);
	CHECK("guestcfg-envp-defaults",
	      guestcfg_envp(&cfg, term, sizeof(term), envp) == 0 &&
		  envp_is(envp, defaults));
	parse("exec=/a\nterm=xterm\nenv=A=1\nenv=PATH=/x\nenv=B=2\nenv=A=3\n",
	      false);
	CHECK("guestcfg-envp-env-overrides-and-last-wins",
	      guestcfg_envp(&cfg, term, sizeof(term), envp) == 0 &&
		  envp_is(envp, custom));
	CHECK("guestcfg-envp-termbuf-too-small",
	      guestcfg_envp(&cfg, term, 8, envp) < 0 && errno == ENAMETOOLONG);
	parse("exec=/a\nwayland=/run/w\n", false);
	CHECK("guestcfg-envp-wayland-runtime-dir",
	      guestcfg_envp(&cfg, term, sizeof(term), envp) == 0 &&
		  envp_is(envp, wayland));
	parse("exec=/a\nwayland=/run/w\nenv=XDG_RUNTIME_DIR=/tmp\n", false);
	CHECK("guestcfg-envp-env-overrides-runtime-dir",
	      guestcfg_envp(&cfg, term, sizeof(term), envp) == 0 &&
		  envp_is(envp, wayland_env));
	for (i = 0, n = 0; i < GUESTCFG_MAX_ENV; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "env=V%d=1\n",
				      i);
	snprintf(text + n, sizeof(text) - n, "exec=/a\nwayland=/run/w\n");
	CHECK("guestcfg-envp-full-with-wayland",
	      parse(text, false) == 0 &&
		  guestcfg_envp(&cfg, term, sizeof(term), envp) == 0 &&
		  envp[GUESTCFG_ENVP_MAX - 2] &&
		  strcmp(envp[GUESTCFG_ENVP_MAX - 2], "V63=1") == 0 &&
		  !envp[GUESTCFG_ENVP_MAX - 1]);
}

static void test_is_disk(void)
{
	CHECK("guestcfg-is-disk-newline",
	      guestcfg_is_disk("septa-config 1\nexec=/a", 22));
	CHECK("guestcfg-is-disk-exact", guestcfg_is_disk("septa-config 1", 14));
	CHECK("guestcfg-is-disk-nul", guestcfg_is_disk("septa-config 1\0", 15));
	CHECK("guestcfg-is-disk-not-10",
	      !guestcfg_is_disk("septa-config 10\n", 16));
	CHECK("guestcfg-is-disk-short", !guestcfg_is_disk("septa-config", 12));
	CHECK("guestcfg-is-disk-zeros", !guestcfg_is_disk("\0\0\0\0", 4));
}

int main(void)
{
	test_golden();
	test_good();
	test_nul();
	test_limits();
	test_merge();
	test_check();
	test_exec_vectors();
	test_is_disk();
	return check_done();
}
