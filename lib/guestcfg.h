/* SPDX-License-Identifier: MIT */
/* The guest configuration that septa-init reads: the image's built-in
 * /etc/septa/config, then a raw config disk whose first line is
 * "septa-config 1". Text lines "key=value"; "#" comment lines and empty
 * lines are skipped; NUL padding at the end (the rest of a disk) is
 * ignored. Values are taken literally: no quoting, no expansion.
 *
 *   exec=/abs/path       the application                     role app
 *   arg=VALUE            one argument, repeatable, in order
 *   env=NAME=VALUE       one environment variable, repeatable
 *   hostname=NAME        default: the role's name
 *   role=app|netvm       default: app
 *   term=VALUE           TERM for the application, default "linux"
 *   upstream=dhcp        netvm: its upstream link by DHCP (the default)
 *   upstream=A/LEN,GW    netvm: a static upstream address and gateway
 *   dns=ADDR             netvm: the upstream resolver (static upstream)
 *   wayland=/PATH        app: a unix socket for the application's waypipe
 *                        server, relayed to the virtio port
 *                        org.septa.wayland (septa-init(8))
 *
 * Role app runs exec and powers off when it exits. Role netvm provides the
 * network; its exec, if any, is a console program for the administrator,
 * started again whenever it exits.
 *
 * Unknown keys, a single-valued key twice in one file, control characters
 * and over-long input are errors. Parsing a second file merges it: its arg
 * lines, if it has any, replace the earlier ones; env lines add; the other
 * keys override. No heap: the strings live in the structure's pool. */
#ifndef SEPTA_GUESTCFG_H
#define SEPTA_GUESTCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GUESTCFG_HEADER	      "septa-config 1"
#define GUESTCFG_MAX_ARGS     64
#define GUESTCFG_MAX_ENV      64
#define GUESTCFG_LINE_MAX     4096
#define GUESTCFG_FILE_MAX     (64 * 1024)
#define GUESTCFG_HOSTNAME_MAX 64 /* HOST_NAME_MAX */
#define GUESTCFG_TERM_MAX     64
#define GUESTCFG_ERR_MAX      256
/* sun_path is 108 bytes, its NUL included. */
#define GUESTCFG_WAYLAND_MAX 107
/* argv: exec, the args, NULL. envp: TERM, PATH, HOME, XDG_RUNTIME_DIR
 * (with wayland=), the env, NULL. */
#define GUESTCFG_ARGV_MAX (GUESTCFG_MAX_ARGS + 2)
#define GUESTCFG_ENVP_MAX (GUESTCFG_MAX_ENV + 5)
#define GUESTCFG_PATH	  "PATH=/usr/bin:/bin:/usr/sbin:/sbin"
#define GUESTCFG_HOME	  "HOME=/root"
/* The application's runtime directory, made 0700 when wayland= is set. */
#define GUESTCFG_RUNTIME_DIR "/run/user/0"

enum guest_role {
	GUEST_ROLE_APP,
	GUEST_ROLE_NETVM,
};

struct guestcfg {
	const char *exec;     /* NULL: none */
	const char *hostname; /* NULL: the role's name */
	const char *term;     /* NULL: "linux" */
	const char *wayland;  /* NULL: no waypipe relay */
	enum guest_role role;
	int nargs;
	const char *args[GUESTCFG_MAX_ARGS];
	int nenv;
	const char *env[GUESTCFG_MAX_ENV]; /* "NAME=VALUE" */
	bool upstream_static;
	uint32_t upstream_addr_be; /* network byte order */
	int upstream_len;
	uint32_t upstream_gw_be;
	uint32_t dns_be; /* 0: none */
	size_t used;
	/* Every value is shorter than its line, so two files always fit. */
	char pool[2 * GUESTCFG_FILE_MAX];
};

/* An empty configuration: role app, nothing else set. */
void guestcfg_init(struct guestcfg *c);

/* Parse len bytes of data on top of c. source names the input in error
 * messages ("/etc/septa/config", "config disk /dev/vdb"). With disk, the
 * first line must be GUESTCFG_HEADER; otherwise that line is optional.
 * On failure returns -1 with errno EBADMSG, writes "SOURCE: line N: ..."
 * into err and leaves c as it was. */
int guestcfg_parse(struct guestcfg *c, const char *data, size_t len,
		   const char *source, bool disk, char *err, size_t errsz);

/* Read fd from offset 0 into buf until EOF or size bytes. Returns the
 * number of bytes read, or -1 with errno. */
ssize_t guestcfg_read(int fd, char *buf, size_t size);

/* Whether data (the start of a disk) begins with the header line. */
bool guestcfg_is_disk(const char *data, size_t len);

/* After the last file: role app needs exec; arg needs exec; upstream and
 * dns are for role netvm, and a static upstream needs dns; wayland is for
 * role app. -1 with errno EBADMSG and the problem in err. */
int guestcfg_check(const struct guestcfg *c, char *err, size_t errsz);

const char *guestcfg_role_name(enum guest_role r);
const char *guestcfg_hostname(const struct guestcfg *c);
const char *guestcfg_term(const struct guestcfg *c);

/* The application's argv (GUESTCFG_ARGV_MAX entries): exec, args, NULL. */
void guestcfg_argv(const struct guestcfg *c, const char **argv);

/* The application's environment (GUESTCFG_ENVP_MAX entries): TERM (in
 * termbuf), PATH, HOME, XDG_RUNTIME_DIR=GUESTCFG_RUNTIME_DIR when wayland
 * is set, then the env lines, NULL-terminated; of entries
 * with the same name only the last is kept, so env lines override the
 * defaults. -1 with ENAMETOOLONG when termbuf is too small. */
int guestcfg_envp(const struct guestcfg *c, char *termbuf, size_t termsz,
		  const char **envp);

#endif
