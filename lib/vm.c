/* SPDX-License-Identifier: MIT */
#include "vm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

const char *vm_state_name(enum vm_state s)
{
	switch (s) {
	case VM_STOPPED:
		return "STOPPED";
	case VM_RUNNING:
		return "RUNNING";
	default:
		return "UNKNOWN";
	}
}

bool vm_imported(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (vm_name_check(name) != NAME_OK)
		return false;
	if (vm_path(path, sizeof(path), name, "config") < 0)
		return false;
	return lstat(path, &st) == 0;
}

int vm_load(struct vmdef *d, const char *name, char *err, size_t errsz)
{
	char path[PATH_MAX];

	if (vm_path(path, sizeof(path), name, "config") < 0) {
		snprintf(err, errsz, "config: %s", strerror(errno));
		return -1;
	}
	return vmdef_load(d, path, name, err, errsz);
}

/* Write text to path through path.tmp, so that a reader sees all or
 * nothing; root's, and readable by gid unless it is -1
 * (septa_restrict). */
static int write_record(const char *path, const char *text, gid_t gid)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd, e;

	if (fmt(tmp, sizeof(tmp), "%s.tmp", path) < 0)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len ||
	    septa_restrict(tmp, fd, gid, false, true) < 0) {
		e = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

int vm_loaded_record(const char *name, const struct vmdef *d)
{
	static char text[VMDEF_IDENTITY_MAX];

	char path[PATH_MAX];

	if (vmdef_identity(d, text, sizeof(text)) < 0 ||
	    vm_path(path, sizeof(path), name, "loaded") < 0)
		return -1;
	return write_record(path, text, (gid_t)-1);
}

int vm_uid_record(const char *name, uid_t uid, gid_t gid)
{
	char path[PATH_MAX], text[24];

	if (vm_path(path, sizeof(path), name, "vmm-uid") < 0)
		return -1;
	snprintf(text, sizeof(text), "%lu\n", (unsigned long)uid);
	return write_record(path, text, gid);
}

int vm_uid_read(const char *name, uid_t *uid)
{
	char path[PATH_MAX], text[24];
	unsigned long n;

	if (vm_path(path, sizeof(path), name, "vmm-uid") < 0 ||
	    read_line_file(AT_FDCWD, path, text, sizeof(text)) < 0)
		return -1;
	if (parse_ulong(text, 1, 0xfffffffeul, &n) < 0)
		return -1;
	*uid = (uid_t)n;
	return 0;
}

int vm_changed(const char *name, char *err, size_t errsz)
{
	static char now[VMDEF_IDENTITY_MAX], then[VMDEF_IDENTITY_MAX + 1];
	static struct vmdef d;
	char path[PATH_MAX];
	ssize_t n;
	int fd, r;

	if (vm_load(&d, name, err, errsz) < 0)
		return -1;
	r = vmdef_identity(&d, now, sizeof(now));
	vmdef_close(&d);
	if (r < 0) {
		snprintf(err, errsz, "identity: %s", strerror(errno));
		return -1;
	}
	if (vm_path(path, sizeof(path), name, "loaded") < 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = read(fd, then, sizeof(then) - 1);
	close(fd);
	if (n < 0)
		return 0;
	then[n] = '\0';
	return strcmp(now, then) != 0;
}

int vm_connect(const char *name, const char *sock)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uid_t vmm;
	int fd, e;

	if (vm_path(sa.sun_path, sizeof(sa.sun_path), name, sock) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		goto fail;
	/* root made the socket; QEMU, which listens on it again, is the
	 * VMM's uid. */
	if (cred.uid != 0 && (vm_uid_read(name, &vmm) < 0 || cred.uid != vmm)) {
		errno = EPERM;
		goto fail;
	}
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int vm_qmp_open(struct qmp *q, const char *name, const char *sock,
		int timeout_ms)
{
	int fd = vm_connect(name, sock), e;

	q->fd = -1;
	if (fd < 0)
		return -1;
	if (qmp_attach(q, fd, timeout_ms) < 0) {
		e = errno;
		close(fd);
		q->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

void vm_query(const char *name, struct vm_status *st, int timeout_ms)
{
	static struct qmp q;
	int kvm;

	memset(st, 0, sizeof(*st));
	st->state = VM_UNKNOWN;
	if (vm_qmp_open(&q, name, "qmp-status", timeout_ms) < 0) {
		if (errno == EPERM)
			snprintf(st->why, sizeof(st->why),
				 "qmp-status is not served by its VMM");
		else
			snprintf(st->why, sizeof(st->why), "no VMM: %s",
				 strerror(errno));
		return;
	}
	if (qmp_status(&q, st->run_state, sizeof(st->run_state), timeout_ms) <
	    0) {
		snprintf(st->why, sizeof(st->why), "query-status: %s",
			 strerror(errno));
		goto out;
	}
	if (strcmp(st->run_state, "prelaunch") == 0)
		st->state = VM_STOPPED;
	else if (strcmp(st->run_state, "running") == 0)
		st->state = VM_RUNNING;
	else
		snprintf(st->why, sizeof(st->why), "VMM state %s",
			 st->run_state);
	kvm = qmp_execute(&q, "query-kvm", NULL, timeout_ms);
	if (kvm >= 0)
		json_bool(&q.doc, json_get(&q.doc, kvm, "enabled"), &st->kvm);
out:
	qmp_close(&q);
}

int vm_wait_vmm(struct qmp *q, const char *name, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	char status[32];

	for (;;) {
		int left = (int)(deadline - now_ms());

		if (left <= 0)
			break;
		if (vm_qmp_open(q, name, "qmp", left) == 0) {
			if (qmp_status(q, status, sizeof(status), left) == 0 &&
			    (strcmp(status, "prelaunch") == 0 ||
			     strcmp(status, "running") == 0))
				return 0;
			qmp_close(q);
		}
		sleep_ms(20);
	}
	errno = ETIMEDOUT;
	return -1;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int vm_list(char names[][VM_NAME_MAX + 1], int max)
{
	DIR *dir = opendir(septa_run_root());
	struct dirent *e;
	int n = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(dir))) {
		if (!vm_imported(e->d_name))
			continue;
		if (n == max) {
			closedir(dir);
			errno = E2BIG;
			return -1;
		}
		memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);
	}
	closedir(dir);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_names);
	return n;
}

int vm_imported_providers(void *ctx, const char *name,
			  char out[][VM_NAME_MAX + 1], char *err, size_t errsz)
{
	struct vmdef d;
	int i;

	(void)ctx;
	if (!vm_imported(name)) {
		snprintf(err, errsz, "%s: no such VM", name);
		return -1;
	}
	if (vm_load(&d, name, err, errsz) < 0)
		return -1;
	for (i = 0; i < d.nprov; i++)
		memcpy(out[i], d.providers[i], sizeof(out[i]));
	vmdef_close(&d);
	return d.nprov;
}

struct walk {
	vm_providers_fn fn;
	void *ctx;
	char (*order)[VM_NAME_MAX + 1];
	int n, max;
	/* the current path from the VM asked for, to report cycles */
	char path[VM_MAX][VM_NAME_MAX + 1];
	int depth;
	char *err;
	size_t errsz;
};

static bool in_list(char list[][VM_NAME_MAX + 1], int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static int report_cycle(struct walk *w, const char *name)
{
	size_t o = 0;
	int i = 0;

	while (i < w->depth && strcmp(w->path[i], name) != 0)
		i++;
	o += (size_t)snprintf(w->err, w->errsz, "provider cycle: ");
	for (; i < w->depth && o < w->errsz; i++)
		o += (size_t)snprintf(w->err + o, w->errsz - o, "%s -> ",
				      w->path[i]);
	if (o < w->errsz)
		snprintf(w->err + o, w->errsz - o, "%s", name);
	return -1;
}

static int walk(struct walk *w, const char *name)
{
	char prov[VMDEF_MAX_PROVIDERS][VM_NAME_MAX + 1];
	int n, i;

	if (in_list(w->order, w->n, name))
		return 0;
	if (in_list(w->path, w->depth, name))
		return report_cycle(w, name);
	if (w->depth == VM_MAX || w->n == w->max) {
		snprintf(w->err, w->errsz, "more than %d VMs", w->max);
		return -1;
	}
	n = w->fn(w->ctx, name, prov, w->err, w->errsz);
	if (n < 0)
		return -1;
	memcpy(w->path[w->depth++], name, strlen(name) + 1);
	for (i = 0; i < n; i++)
		if (walk(w, prov[i]) < 0)
			return -1;
	w->depth--;
	memcpy(w->order[w->n++], name, strlen(name) + 1);
	return 0;
}

int vm_start_order(const char *name, vm_providers_fn fn, void *ctx,
		   char order[][VM_NAME_MAX + 1], int max, char *err,
		   size_t errsz)
{
	static struct walk w;

	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.ctx = ctx;
	w.order = order;
	w.max = max;
	w.err = err;
	w.errsz = errsz;
	if (walk(&w, name) < 0)
		return -1;
	return w.n;
}

#define LINK_PREFIX "link-"

/* "X.Y" with X and Y 0..255, and not 0.0 or 255.255. */
static int parse_xy(const char *s, unsigned *xy)
{
	unsigned long x, y;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	x = strtoul(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -1;
	y = strtoul(end + 1, &end, 10);
	if ((*end != '\0' && *end != '\n') || x > 255 || y > 255)
		return -1;
	*xy = (unsigned)(x << 8 | y);
	return *xy == 0 || *xy == 0xffff ? -1 : 0;
}

static int read_xy(const char *path, unsigned *xy)
{
	char buf[16];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return parse_xy(buf, xy);
}

/* Mark every value recorded by an imported VM's links. */
static int links_used(unsigned char used[65536 / 8])
{
	static char names[VM_MAX][VM_NAME_MAX + 1];
	char dirpath[PATH_MAX], path[PATH_MAX];
	struct dirent *e;
	unsigned xy;
	int n, i;
	DIR *d;

	n = vm_list(names, VM_MAX);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (vm_path(dirpath, sizeof(dirpath), names[i], "") < 0)
			continue;
		d = opendir(dirpath);
		while (d && (e = readdir(d))) {
			if (strncmp(e->d_name, LINK_PREFIX,
				    strlen(LINK_PREFIX)) != 0 ||
			    fmt(path, sizeof(path), "%s/%s", dirpath,
				e->d_name) < 0)
				continue;
			if (read_xy(path, &xy) == 0)
				used[xy / 8] |= (unsigned char)(1u << (xy % 8));
		}
		if (d)
			closedir(d);
	}
	return 0;
}

int vm_link_read(const char *name, const char *provider, unsigned *xy)
{
	char path[PATH_MAX], file[VM_NAME_MAX + 8];

	if (fmt(file, sizeof(file), LINK_PREFIX "%s", provider) < 0 ||
	    vm_path(path, sizeof(path), name, file) < 0)
		return -1;
	return read_xy(path, xy);
}

/* The runtime root's lock, held while a value unique among the imported
 * VMs is chosen. */
int vm_lock_file(const char *path)
{
	int lock, e;

	lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0)
		return -1;
	if (flock(lock, LOCK_EX) < 0) {
		e = errno;
		close(lock);
		errno = e;
		return -1;
	}
	return lock;
}

static int root_lock(void)
{
	char lockpath[PATH_MAX];

	if (fmt(lockpath, sizeof(lockpath), "%s/.links.lock",
		septa_run_root()) < 0)
		return -1;
	return vm_lock_file(lockpath);
}

/* A value in 1 .. max not marked in used: FNV-1a of a (and "/" b), then
 * the next free one. -1 with ENOSPC when every value is taken. */
static int pick_free(const char *a, const char *b, unsigned max,
		     const unsigned char *used, unsigned *out)
{
	uint32_t h = 2166136261u;
	const char *p;
	unsigned v, i;

	for (p = a; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	if (b) {
		h = (h ^ '/') * 16777619u;
		for (p = b; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
	}
	v = h % max + 1u;
	for (i = 0; i < max; i++, v = v % max + 1u)
		if (!(used[v / 8] & (1u << (v % 8)))) {
			*out = v;
			return 0;
		}
	errno = ENOSPC;
	return -1;
}

int vm_link_addr(const char *name, const char *provider, unsigned *xy)
{
	static unsigned char used[65536 / 8];
	char path[PATH_MAX], file[VM_NAME_MAX + 8], text[16];
	unsigned v;
	int lock, r = -1, e;

	if (fmt(file, sizeof(file), LINK_PREFIX "%s", provider) < 0 ||
	    vm_path(path, sizeof(path), name, file) < 0)
		return -1;
	lock = root_lock();
	if (lock < 0)
		return -1;
	if (read_xy(path, xy) == 0) {
		r = 0;
		goto out;
	}
	memset(used, 0, sizeof(used));
	if (links_used(used) < 0)
		goto out;
	if (pick_free(name, provider, 65534u, used, &v) < 0)
		goto out;
	fmt(text, sizeof(text), "%u.%u\n", v >> 8, v & 0xff);
	if (write_record(path, text, (gid_t)-1) < 0)
		goto out;
	*xy = v;
	r = 0;
out:
	e = errno;
	close(lock);
	errno = e;
	return r;
}

#define VMM_ID_FILE "vmm-id"

static int read_id(const char *path, unsigned *id)
{
	char buf[16];
	unsigned long v;

	if (read_line_file(AT_FDCWD, path, buf, sizeof(buf)) < 0 ||
	    parse_ulong(buf, 1, VM_ID_MAX, &v) < 0)
		return -1;
	*id = (unsigned)v;
	return 0;
}

int vm_vmm_id(const char *name, unsigned *id)
{
	static char names[VM_MAX][VM_NAME_MAX + 1];
	static unsigned char used[(VM_ID_MAX + 1) / 8];
	char path[PATH_MAX], text[16];
	unsigned v, i, other;
	int lock, n, r = -1, e;

	if (vm_path(path, sizeof(path), name, VMM_ID_FILE) < 0)
		return -1;
	lock = root_lock();
	if (lock < 0)
		return -1;
	if (read_id(path, id) == 0) {
		r = 0;
		goto out;
	}
	n = vm_list(names, VM_MAX);
	if (n < 0)
		goto out;
	memset(used, 0, sizeof(used));
	for (i = 0; i < (unsigned)n; i++) {
		char other_path[PATH_MAX];

		if (vm_path(other_path, sizeof(other_path), names[i],
			    VMM_ID_FILE) == 0 &&
		    read_id(other_path, &other) == 0)
			used[other / 8] |= (unsigned char)(1u << (other % 8));
	}
	if (pick_free(name, NULL, VM_ID_MAX, used, &v) < 0)
		goto out;
	fmt(text, sizeof(text), "%u\n", v);
	if (write_record(path, text, (gid_t)-1) < 0)
		goto out;
	*id = v;
	r = 0;
out:
	e = errno;
	close(lock);
	errno = e;
	return r;
}
