/* SPDX-License-Identifier: MIT */
/* wlfilter.c: Wayland messages from a VM and from the compositor, with
 * the exact bytes expected on the other side. A realistic session is
 * also fed split at every byte offset, each call with an output buffer
 * of exactly wlfilter_bound of its input, and must give the same bytes. */
#include "check.h"
#include "wlfilter.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define REQ WLFILTER_REQUEST
#define EV  WLFILTER_EVENT

/* A 48-byte VM name, the longest. */
#define LONG_NAME "a123456789b123456789c123456789d123456789e1234567"

/* Wayland messages being written. */
struct wb {
	unsigned char b[1 << 18];
	size_t n, start;
};

static struct wb in, want, got;

static void w32(struct wb *w, uint32_t v)
{
	memcpy(w->b + w->n, &v, 4);
	w->n += 4;
}

static void begin(struct wb *w, uint32_t id, uint16_t opcode)
{
	w->start = w->n;
	w32(w, id);
	w32(w, opcode);
}

static void end(struct wb *w)
{
	uint32_t h = (uint32_t)(w->n - w->start) << 16;

	h |= w->b[w->start + 4] | (uint32_t)w->b[w->start + 5] << 8;
	memcpy(w->b + w->start + 4, &h, 4);
}

/* A string argument of len bytes (the NUL not counted), padded. */
static void wstrn(struct wb *w, const char *s, size_t len)
{
	w32(w, (uint32_t)len + 1);
	memcpy(w->b + w->n, s, len);
	w->n += len;
	do
		w->b[w->n++] = 0;
	while (w->n % 4);
}

static void wstr(struct wb *w, const char *s)
{
	wstrn(w, s, strlen(s));
}

/* A message of n word arguments. */
static void words(struct wb *w, uint32_t id, uint16_t opcode, int n, ...)
{
	va_list ap;
	int i;

	begin(w, id, opcode);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		w32(w, va_arg(ap, uint32_t));
	va_end(ap);
	end(w);
}

static void get_registry(struct wb *w, uint32_t id)
{
	words(w, 1, 1, 1, id);
}

static void global(struct wb *w, uint32_t reg, uint32_t name, const char *iface,
		   uint32_t version)
{
	begin(w, reg, 0);
	w32(w, name);
	wstr(w, iface);
	w32(w, version);
	end(w);
}

static void global_remove(struct wb *w, uint32_t reg, uint32_t name)
{
	words(w, reg, 1, 1, name);
}

static void bind_msg(struct wb *w, uint32_t reg, uint32_t name,
		     const char *iface, uint32_t version, uint32_t id)
{
	begin(w, reg, 0);
	w32(w, name);
	wstr(w, iface);
	w32(w, version);
	w32(w, id);
	end(w);
}

/* A message with one string argument. */
static void strmsg(struct wb *w, uint32_t id, uint16_t opcode, const char *s)
{
	begin(w, id, opcode);
	wstr(w, s);
	end(w);
}

#define set_title(w, id, s)  strmsg(w, id, 2, s)
#define set_app_id(w, id, s) strmsg(w, id, 3, s)

/* get_toplevel as the compositor sees it: with the filter's own title
 * and app_id for VM vm. */
static void toplevel_out(struct wb *w, uint32_t surface, uint32_t id,
			 const char *vm)
{
	char s[128];

	words(w, surface, 1, 1, id);
	snprintf(s, sizeof(s), "[%s]", vm);
	set_title(w, id, s);
	snprintf(s, sizeof(s), "septa-vm.%s", vm);
	set_app_id(w, id, s);
}

static void show(const char *what, const unsigned char *p, size_t n)
{
	size_t i;

	printf("# %s (%zu):", what, n);
	for (i = 0; i < n && i < 96; i++)
		printf("%s%02x", i % 4 ? "" : " ", p[i]);
	printf("%s\n", i < n ? " ..." : "");
}

static struct wlfilter f;

static void start(const char *vm)
{
	wlfilter_init(&f, vm);
	in.n = want.n = got.n = 0;
}

/* Feed w whole in direction dir; the output is added to got. */
static ssize_t feed(enum wlfilter_dir dir, struct wb *w)
{
	ssize_t r;

	if (wlfilter_bound(w->n) > sizeof(got.b) - got.n) {
		printf("# no room for the output\n");
		return -1;
	}
	r = wlfilter_feed(&f, dir, w->b, w->n, got.b + got.n,
			  wlfilter_bound(w->n));
	if (r > 0)
		got.n += (size_t)r;
	w->n = 0;
	return r;
}

static bool got_want(void)
{
	if (got.n == want.n && memcmp(got.b, want.b, got.n) == 0)
		return true;
	show("got", got.b, got.n);
	show("want", want.b, want.n);
	return false;
}

/* Feed in, which must pass as want (got and want start afresh). */
static bool passes_as(enum wlfilter_dir dir)
{
	ssize_t r;

	got.n = 0;
	r = feed(dir, &in);
	if (r < 0) {
		printf("# failed: %s\n", f.error);
		return false;
	}
	r = got_want();
	want.n = 0;
	return r;
}

/* in, fed as dir, passes unchanged. */
static bool passes(enum wlfilter_dir dir)
{
	memcpy(want.b, in.b, in.n);
	want.n = in.n;
	return passes_as(dir);
}

static bool drops(enum wlfilter_dir dir)
{
	want.n = 0;
	return passes_as(dir);
}

/* in, fed as dir, breaks the connection with an error that starts with
 * why. */
static bool fails(enum wlfilter_dir dir, const char *why)
{
	ssize_t r;

	got.n = 0;
	errno = 0;
	r = feed(dir, &in);
	if (r >= 0) {
		printf("# passed, %zd bytes\n", r);
		return false;
	}
	if (!f.error || strncmp(f.error, why, strlen(why)) != 0 ||
	    errno != EPROTO) {
		printf("# error \"%s\", errno %d\n", f.error ? f.error : "",
		       errno);
		return false;
	}
	return true;
}

/* A VM with a registry (2) that knows globals 1 wl_compositor, 2 wl_shm,
 * 3 xdg_wm_base, 4 zwlr_screencopy_manager_v1, and has bound
 * wl_compositor as 4, xdg_wm_base as 5, made a surface 6 with an
 * xdg_surface 7 and a toplevel 8. */
static void session(const char *vm)
{
	start(vm);
	get_registry(&in, 2);
	feed(REQ, &in);
	global(&in, 2, 1, "wl_compositor", 6);
	global(&in, 2, 2, "wl_shm", 1);
	global(&in, 2, 3, "xdg_wm_base", 6);
	global(&in, 2, 4, "zwlr_screencopy_manager_v1", 3);
	feed(EV, &in);
	bind_msg(&in, 2, 1, "wl_compositor", 6, 4);
	bind_msg(&in, 2, 3, "xdg_wm_base", 6, 5);
	words(&in, 4, 0, 1, 6);	   /* create_surface */
	words(&in, 5, 2, 2, 7, 6); /* get_xdg_surface */
	words(&in, 7, 1, 1, 8);	   /* get_toplevel */
	feed(REQ, &in);
	got.n = 0;
}

static void test_basics(void)
{
	static unsigned char out[WLFILTER_MSG_MAX];
	bool ok;

	start("work");
	CHECK("init-clean", f.error == NULL);
	words(&in, 9, 6, 0); /* wl_surface.commit, nothing tracked */
	CHECK("request-untracked-passes", passes(REQ));
	begin(&in, 8, 0); /* xdg_toplevel.configure: 0, 0, states [] */
	w32(&in, 0);
	w32(&in, 0);
	w32(&in, 8);
	w32(&in, 1);
	w32(&in, 4);
	end(&in);
	CHECK("event-untracked-passes", passes(EV));
	CHECK("feed-nothing",
	      wlfilter_feed(&f, REQ, in.b, 0, out, wlfilter_bound(0)) == 0);

	wlfilter_init(&f, "bad name");
	ok = wlfilter_feed(&f, REQ, in.b, 0, out, wlfilter_bound(0)) < 0 &&
	     f.error != NULL;
	wlfilter_init(&f, LONG_NAME "x");
	CHECK("init-bad-name-fails",
	      ok &&
		  wlfilter_feed(&f, REQ, in.b, 0, out, wlfilter_bound(0)) < 0);
}

static void test_registry(void)
{
	size_t i;
	bool ok;

	start("work");
	global(&in, 2, 1, "wl_compositor", 6);
	global(&in, 2, 4, "zwlr_screencopy_manager_v1", 3);
	CHECK("global-on-untracked-object-passes", passes(EV));
	get_registry(&in, 2);
	ok = passes(REQ);
	global(&in, 2, 1, "wl_compositor", 6);
	CHECK("global-allowed-passes", ok && passes(EV));
	global(&in, 2, 4, "zwlr_screencopy_manager_v1", 3);
	CHECK("global-denied-dropped", drops(EV));
	ok = true;
	for (i = 0; wlfilter_denied[i]; i++) {
		global(&in, 2, 100 + (uint32_t)i, wlfilter_denied[i], 1);
		ok = ok && drops(EV);
	}
	CHECK("global-every-denied-dropped", ok);
	global(&in, 2, 5, "wl_seat", 9);
	global(&in, 2, 6, "ext_foreign_toplevel_list_v1", 1);
	global(&in, 2, 7, "wl_output", 4);
	global(&want, 2, 5, "wl_seat", 9);
	global(&want, 2, 7, "wl_output", 4);
	CHECK("globals-in-one-read-filtered", passes_as(EV));
	global(&in, 2, 8, "zwp_keyboard_shortcuts_inhibit_manager_v1", 1);
	global(&in, 2, 9, "weston_direct_display_v1", 1);
	CHECK("global-allowed-on-purpose-passes", passes(EV));
	global_remove(&in, 2, 7);
	CHECK("global_remove-allowed-passes", passes(EV));
	global_remove(&in, 2, 4);
	CHECK("global_remove-denied-dropped", drops(EV));
	global_remove(&in, 2, 77);
	CHECK("global_remove-unknown-passes", passes(EV));

	/* A second registry gets the same globals and removals. */
	get_registry(&in, 3);
	feed(REQ, &in);
	global(&in, 3, 1, "wl_compositor", 6);
	global(&in, 3, 6, "ext_foreign_toplevel_list_v1", 1);
	global(&want, 3, 1, "wl_compositor", 6);
	CHECK("second-registry-filtered", passes_as(EV));
	global_remove(&in, 2, 6);
	global_remove(&in, 3, 6);
	CHECK("global_remove-denied-every-registry-dropped", drops(EV));

	global(&in, 2, 1, "wl_compositor", 6);
	words(&in, 2, 1, 2, 1, 2); /* global_remove with a word too many */
	CHECK("global_remove-wrong-size-fails",
	      fails(EV, "message longer than its arguments"));

	start("work");
	get_registry(&in, 2);
	feed(REQ, &in);
	begin(&in, 2, 0);
	w32(&in, 1);
	w32(&in, 0); /* null interface */
	w32(&in, 1);
	end(&in);
	CHECK("global-null-interface-fails", fails(EV, "null string"));

	start("work");
	words(&in, 1, 1, 2, 2, 3);
	CHECK("get_registry-wrong-size-fails",
	      fails(REQ, "message longer than its arguments"));
}

static void test_bind(void)
{
	char bad[64];

	session("work");
	bind_msg(&in, 2, 2, "wl_shm", 1, 9);
	CHECK("bind-allowed-passes", passes(REQ));
	bind_msg(&in, 2, 4, "wl_shm", 1, 10);
	CHECK("bind-denied-by-name",
	      fails(REQ, "bind of a denied global as wl_shm"));
	session("work");
	bind_msg(&in, 2, 2, "zwlr_screencopy_manager_v1", 1, 10);
	CHECK("bind-denied-by-interface",
	      fails(REQ, "bind of denied global zwlr_screencopy_manager_v1"));
	session("work");
	bind_msg(&in, 2, 99, "wl_shm", 1, 10);
	CHECK("bind-unknown-name", fails(REQ, "bind of unknown global 99"));
	session("work");
	bind_msg(&in, 2, 1, "xdg_wm_base", 1, 10);
	CHECK("bind-other-global-as-xdg_wm_base",
	      fails(REQ, "bind of a global as another interface"));
	session("work");
	bind_msg(&in, 2, 3, "wl_compositor", 1, 10);
	CHECK("bind-xdg_wm_base-as-other",
	      fails(REQ, "bind of a global as another interface"));

	session("work");
	global_remove(&in, 2, 2);
	feed(EV, &in);
	bind_msg(&in, 2, 2, "wl_shm", 1, 9);
	CHECK("bind-after-remove-passes", passes(REQ));
	global_remove(&in, 2, 4);
	feed(EV, &in);
	bind_msg(&in, 2, 4, "wl_shm", 1, 10);
	CHECK("bind-denied-after-remove-fails",
	      fails(REQ, "bind of a denied global"));

	/* The error text holds only what is safe to print. */
	session("work");
	snprintf(bad, sizeof(bad), "wl\033]0;x\007\n%s", "yz");
	bind_msg(&in, 2, 4, bad, 1, 10);
	CHECK("bind-error-text-printable",
	      fails(REQ, "bind of a denied global as wl?") &&
		  strspn(f.error, " ?_0123456789abcdefghijklmnopqrstuvwxyz,") ==
		      strlen(f.error));

	session("work");
	begin(&in, 2, 0); /* bind without its new_id */
	w32(&in, 2);
	wstr(&in, "wl_shm");
	w32(&in, 1);
	end(&in);
	CHECK("bind-short-fails",
	      fails(REQ, "message shorter than its arguments"));
	session("work");
	bind_msg(&in, 2, 3, "xdg_wm_base", 1, 1);
	CHECK("bind-new_id-1-fails", fails(REQ, "new_id 0 or 1"));
}

static void test_toplevel(void)
{
	char title[WLFILTER_MSG_MAX];
	size_t k;
	bool ok;

	start("work");
	get_registry(&in, 2);
	feed(REQ, &in);
	global(&in, 2, 3, "xdg_wm_base", 6);
	feed(EV, &in);
	bind_msg(&in, 2, 3, "xdg_wm_base", 6, 5);
	words(&in, 5, 2, 2, 7, 6);
	words(&in, 7, 1, 1, 8);
	bind_msg(&want, 2, 3, "xdg_wm_base", 6, 5);
	words(&want, 5, 2, 2, 7, 6);
	toplevel_out(&want, 7, 8, "work");
	CHECK("get_toplevel-adds-title-and-app_id", passes_as(REQ));

	session("work");
	set_title(&in, 8, "foot");
	set_title(&want, 8, "[work] foot");
	CHECK("set_title-prefixed", passes_as(REQ));
	set_title(&in, 8, "");
	set_title(&want, 8, "[work] ");
	CHECK("set_title-empty-prefixed", passes_as(REQ));
	set_title(&in, 8, "caf\303\251 \342\202\254 \360\237\230\200");
	set_title(&want, 8, "[work] caf\303\251 \342\202\254 \360\237\230\200");
	CHECK("set_title-utf8-kept", passes_as(REQ));
	set_title(&in, 8, "[host] Firefox");
	set_title(&want, 8, "[work] [host] Firefox");
	CHECK("set_title-fake-prefix-prefixed", passes_as(REQ));
	set_app_id(&in, 8, "org.mozilla.firefox");
	set_app_id(&in, 8, "septa-vm.host");
	set_app_id(&want, 8, "septa-vm.work");
	set_app_id(&want, 8, "septa-vm.work");
	CHECK("set_app_id-replaced", passes_as(REQ));

	/* The longest title there is (4083 bytes), cut so that the
	 * message is 4096 bytes: "[work] " leaves 4076 bytes of it. */
	memcpy(title, "[work] ", 7);
	memset(title + 7, 'x', sizeof(title) - 7);
	begin(&in, 8, 2);
	wstrn(&in, title + 7, WLFILTER_MSG_MAX - 13);
	end(&in);
	begin(&want, 8, 2);
	wstrn(&want, title, 7 + 4076);
	end(&want);
	CHECK("set_title-longest-cut-to-4096",
	      in.n == 4096 && want.n == 4096 && passes_as(REQ));

	/* Cut inside a character: the whole character goes. */
	ok = true;
	for (k = 2; k <= 4; k++) {
		static const char *ch[] = {"", "", "\303\251", "\342\202\254",
					   "\360\237\230\200"};
		size_t n = 1, o;
		const unsigned char *s;

		title[0] = 'a';
		while (n + k <= WLFILTER_MSG_MAX - 13) {
			memcpy(title + n, ch[k], k);
			n += k;
		}
		begin(&in, 8, 2);
		wstrn(&in, title, n);
		end(&in);
		got.n = 0;
		if (feed(REQ, &in) < 0 || got.n > WLFILTER_MSG_MAX) {
			ok = false;
			continue;
		}
		s = got.b + 12 + 7; /* the title after "[work] " */
		o = got.n - 12 - 7;
		while (o > 0 && s[o - 1] == 0)
			o--;
		/* Whole characters, as many as fit. */
		ok = ok && (o - 1) % k == 0 && memcmp(s, title, o) == 0 &&
		     o <= 4076 && o + k > 4076;
	}
	CHECK("set_title-cut-at-utf8-boundary", ok);

	begin(&in, 8, 2);
	w32(&in, 8);
	memcpy(in.b + in.n, "be\0ore!", 8);
	in.n += 8;
	end(&in);
	CHECK("set_title-nul-inside-fails", fails(REQ, "NUL inside a string"));
	session("work");
	set_title(&in, 8, "abc");
	in.b[in.start + 15] = 'd';
	CHECK("set_title-no-nul-fails", fails(REQ, "string without its NUL"));
	session("work");
	begin(&in, 8, 2);
	w32(&in, 0);
	end(&in);
	CHECK("set_title-null-fails", fails(REQ, "null string"));
	session("work");
	set_title(&in, 8, "abc");
	in.b[in.start + 8] = 9;
	CHECK("set_title-string-past-message-fails",
	      fails(REQ, "string longer than its message"));
	session("work");
	begin(&in, 8, 2);
	wstr(&in, "abc");
	w32(&in, 0);
	end(&in);
	CHECK("set_title-trailing-bytes-fail",
	      fails(REQ, "message longer than its arguments"));
	session("work");
	set_app_id(&in, 8, "a");
	in.b[in.start + 12] = 0;
	in.b[in.start + 13] = 'b';
	CHECK("set_app_id-checked-too", fails(REQ, "string without its NUL"));

	session(LONG_NAME);
	set_title(&in, 8, "t");
	set_app_id(&in, 8, "x");
	set_title(&want, 8, "[" LONG_NAME "] t");
	set_app_id(&want, 8, "septa-vm." LONG_NAME);
	CHECK("longest-vm-name-marks", passes_as(REQ));

	session("work");
	words(&in, 4, 0, 1, 9); /* another surface, made a toplevel */
	words(&in, 5, 2, 2, 10, 9);
	words(&in, 10, 1, 1, 11);
	set_title(&in, 11, "second");
	words(&want, 4, 0, 1, 9);
	words(&want, 5, 2, 2, 10, 9);
	toplevel_out(&want, 10, 11, "work");
	set_title(&want, 11, "[work] second");
	CHECK("second-toplevel-marked", passes_as(REQ));
	words(&in, 7, 2, 3, 12, 7, 13); /* get_popup */
	set_title(&in, 12, "x");
	CHECK("popup-not-marked", passes(REQ));
}

static void test_ids(void)
{
	bool ok;

	session("work");
	words(&in, 8, 0, 0);
	set_title(&in, 8, "x");
	CHECK("destroyed-toplevel-forgotten", passes(REQ));

	/* The id is reused before delete_id comes: the new toplevel is
	 * marked, and delete_id of the old one does not forget it. */
	session("work");
	words(&in, 8, 0, 0);
	words(&in, 7, 1, 1, 8);
	words(&want, 8, 0, 0);
	toplevel_out(&want, 7, 8, "work");
	CHECK("id-reuse-before-delete_id", passes_as(REQ));
	words(&in, 1, 1, 1, 8);
	ok = passes(EV);
	set_title(&in, 8, "after");
	set_title(&want, 8, "[work] after");
	CHECK("id-reuse-after-destroy", ok && passes_as(REQ));

	/* A destroyed toplevel's id, reused as a wl_surface: its damage
	 * (opcode 2) is not a title. */
	session("work");
	words(&in, 8, 0, 0);
	words(&in, 4, 0, 1, 8);
	words(&in, 8, 2, 4, 0, 0, 64, 64);
	CHECK("id-reuse-as-other-interface", passes(REQ));

	session("work");
	words(&in, 7, 0, 0);
	words(&in, 7, 1, 1, 9);
	CHECK("xdg_surface-destroy-forgets", passes(REQ));
	session("work");
	words(&in, 5, 0, 0);
	words(&in, 5, 2, 2, 9, 6);
	words(&in, 9, 1, 1, 10);
	CHECK("xdg_wm_base-destroy-forgets", passes(REQ));
	session("work");
	words(&in, 8, 0, 1, 0);
	CHECK("destroy-wrong-size-fails",
	      fails(REQ, "message longer than its arguments"));

	/* A new_id already tracked takes the new kind. */
	session("work");
	words(&in, 7, 1, 1, 7);
	set_title(&in, 7, "x");
	toplevel_out(&want, 7, 7, "work");
	set_title(&want, 7, "[work] x");
	CHECK("new_id-retracked", passes_as(REQ));
	session("work");
	words(&in, 5, 1, 1, 8); /* create_positioner on the toplevel's id */
	set_title(&in, 8, "x");
	ok = passes(REQ);
	session("work");
	words(&in, 1, 0, 1, 8); /* wl_display.sync */
	set_title(&in, 8, "x");
	CHECK("new_id-of-untracked-kind-untracks", ok && passes(REQ));
	session("work");
	bind_msg(&in, 2, 2, "wl_shm", 1, 8);
	set_title(&in, 8, "x");
	CHECK("bind-other-untracks", passes(REQ));
	start("work");
	get_registry(&in, 0);
	ok = fails(REQ, "new_id 0");
	session("work");
	words(&in, 7, 1, 1, 0);
	CHECK("new_id-0-fails", ok && fails(REQ, "new_id 0"));
}

static void test_tables(void)
{
	uint32_t i;
	bool ok;

	start("work");
	for (i = 0; i < WLFILTER_OBJECTS; i++)
		get_registry(&in, 2 + i);
	ok = feed(REQ, &in) >= 0;
	get_registry(&in, 9999);
	CHECK("objects-table-full-fails", ok && fails(REQ, "too many objects"));
	/* The session holds 4 objects; fill the rest with xdg_surfaces,
	 * destroy one, and its slot takes another. */
	session("work");
	for (i = 0; i < WLFILTER_OBJECTS - 4; i++)
		words(&in, 5, 2, 2, 100 + i, 6);
	feed(REQ, &in);
	words(&in, 100, 0, 0);
	words(&in, 5, 2, 2, 9999, 6);
	ok = passes(REQ);
	words(&in, 5, 2, 2, 10000, 6);
	CHECK("objects-destroyed-slot-reused",
	      ok && fails(REQ, "too many objects"));

	start("work");
	get_registry(&in, 2);
	feed(REQ, &in);
	for (i = 0; i < WLFILTER_GLOBALS; i++)
		global(&in, 2, 1 + i, "wl_output", 4);
	ok = feed(EV, &in) >= 0;
	global(&in, 2, 1, "wl_output", 4); /* known: no new slot */
	CHECK("global-again-same-slot", ok && passes(EV));
	global_remove(&in, 2, 5);
	global(&in, 2, 1000, "wl_output", 4);
	ok = passes(EV);
	bind_msg(&in, 2, 1000, "wl_output", 4, 3);
	CHECK("globals-removed-slot-reused", ok && passes(REQ));
	global(&in, 2, 1001, "wl_output", 4);
	CHECK("globals-table-full-fails", fails(EV, "too many globals"));
}

static void test_framing(void)
{
	static unsigned char out[1 << 15];
	ssize_t r;
	bool ok;

	start("work");
	words(&in, 9, 0, 0);
	in.b[6] = 4;
	in.b[7] = 0;
	CHECK("size-under-8-fails", fails(REQ, "message size under 8"));
	start("work");
	words(&in, 9, 0, 0);
	in.b[6] = 10;
	CHECK("size-not-multiple-of-4-fails",
	      fails(REQ, "message size not a multiple of 4"));
	start("work");
	words(&in, 9, 0, 0);
	in.b[6] = (4100) & 0xff;
	in.b[7] = 4100 >> 8;
	CHECK("size-over-4096-fails", fails(EV, "message over 4096 bytes"));
	start("work");
	begin(&in, 9, 3);
	memset(in.b + in.n, 0xab, WLFILTER_MSG_MAX - 8);
	in.n += WLFILTER_MSG_MAX - 8;
	end(&in);
	CHECK("size-4096-passes", passes(REQ));

	/* The header alone is enough to fail: the rest never comes. */
	start("work");
	words(&in, 9, 0, 0);
	in.b[6] = 0xf0;
	in.b[7] = 0xff;
	CHECK("bad-header-fails-at-once", fails(REQ, "message over"));
	errno = 0;
	words(&in, 9, 6, 0);
	r = feed(REQ, &in);
	CHECK("error-sticks", r < 0 && errno == EPROTO &&
				  strncmp(f.error, "message over", 12) == 0);

	start("work");
	words(&in, 9, 6, 0);
	r = wlfilter_feed(&f, REQ, in.b, in.n, out, wlfilter_bound(in.n) - 1);
	CHECK("cap-too-small-fails", r < 0 && errno == EINVAL && f.error);
	start("work");
	r = wlfilter_feed(&f, (enum wlfilter_dir)2, in.b, 0, out,
			  wlfilter_bound(0));
	CHECK("bad-direction-fails", r < 0 && f.error);

	/* A partial request does not hold up events. */
	start("work");
	words(&in, 9, 6, 0);
	wlfilter_feed(&f, REQ, in.b, 5, out, wlfilter_bound(5));
	words(&in, 9, 0, 0);
	r = wlfilter_feed(&f, EV, in.b + 8, 8, out, wlfilter_bound(8));
	ok = r == 8 && memcmp(out, in.b + 8, 8) == 0;
	r = wlfilter_feed(&f, REQ, in.b + 5, 3, out, wlfilter_bound(3));
	CHECK("partial-held-per-direction",
	      ok && r == 8 && memcmp(out, in.b, 8) == 0);
}

/* The realistic session: phases in turn, each a direction, its input
 * and what must come out. */
#define PHASES 8
static struct {
	enum wlfilter_dir dir;
	struct wb in, want;
} ph[PHASES];

static void build_session(void)
{
	struct wb *i, *w;

	ph[0].dir = REQ;
	i = &ph[0].in, w = &ph[0].want;
	get_registry(i, 2);
	words(i, 1, 0, 1, 3);
	memcpy(w, i, sizeof(*w));

	ph[1].dir = EV;
	i = &ph[1].in, w = &ph[1].want;
	global(i, 2, 1, "wl_compositor", 6);
	global(w, 2, 1, "wl_compositor", 6);
	global(i, 2, 2, "wl_shm", 1);
	global(w, 2, 2, "wl_shm", 1);
	global(i, 2, 3, "xdg_wm_base", 6);
	global(w, 2, 3, "xdg_wm_base", 6);
	global(i, 2, 4, "zwlr_screencopy_manager_v1", 3);
	global(i, 2, 5, "wl_seat", 9);
	global(w, 2, 5, "wl_seat", 9);
	global(i, 2, 6, "ext_foreign_toplevel_list_v1", 1);
	words(i, 3, 0, 1, 77); /* wl_callback.done */
	words(w, 3, 0, 1, 77);
	words(i, 1, 1, 1, 3); /* delete_id */
	words(w, 1, 1, 1, 3);

	ph[2].dir = REQ;
	i = &ph[2].in, w = &ph[2].want;
	bind_msg(i, 2, 1, "wl_compositor", 6, 4);
	bind_msg(i, 2, 3, "xdg_wm_base", 6, 5);
	bind_msg(i, 2, 2, "wl_shm", 1, 6);
	words(i, 4, 0, 1, 7);	 /* create_surface */
	words(i, 5, 2, 2, 8, 7); /* get_xdg_surface */
	memcpy(w, i, sizeof(*w));
	words(i, 8, 1, 1, 9); /* get_toplevel */
	toplevel_out(w, 8, 9, "work");
	set_title(i, 9, "foot");
	set_title(w, 9, "[work] foot");
	set_app_id(i, 9, "foot");
	set_app_id(w, 9, "septa-vm.work");
	words(i, 7, 6, 0); /* commit */
	words(w, 7, 6, 0);

	ph[3].dir = EV;
	i = &ph[3].in, w = &ph[3].want;
	begin(i, 9, 0); /* xdg_toplevel.configure 0 0 [activated] */
	w32(i, 0);
	w32(i, 0);
	w32(i, 4);
	w32(i, 4);
	end(i);
	words(i, 8, 0, 1, 10); /* xdg_surface.configure */
	words(i, 5, 0, 1, 11); /* ping */
	memcpy(w, i, sizeof(*w));
	global_remove(i, 2, 4);
	global_remove(i, 2, 2);
	global_remove(w, 2, 2);

	ph[4].dir = REQ;
	i = &ph[4].in, w = &ph[4].want;
	words(i, 5, 3, 1, 11); /* pong */
	words(i, 8, 4, 1, 10); /* ack_configure */
	memcpy(w, i, sizeof(*w));
	set_title(i, 9, "~ \342\200\224 fish caf\303\251");
	set_title(w, 9, "[work] ~ \342\200\224 fish caf\303\251");
	words(i, 9, 0, 0);
	words(i, 8, 0, 0);
	words(i, 5, 2, 2, 10, 7);
	words(w, 9, 0, 0);
	words(w, 8, 0, 0);
	words(w, 5, 2, 2, 10, 7);
	words(i, 10, 1, 1, 9); /* the id reused at once */
	toplevel_out(w, 10, 9, "work");
	set_title(i, 9, "again");
	set_title(w, 9, "[work] again");

	ph[5].dir = EV;
	i = &ph[5].in, w = &ph[5].want;
	words(i, 1, 1, 1, 9);
	words(i, 1, 1, 1, 8);
	memcpy(w, i, sizeof(*w));

	ph[6].dir = REQ;
	i = &ph[6].in, w = &ph[6].want;
	set_title(i, 9, "after delete_id");
	set_title(w, 9, "[work] after delete_id");
	set_app_id(i, 9, "org.example.App");
	set_app_id(w, 9, "septa-vm.work");

	ph[7].dir = EV;
	i = &ph[7].in, w = &ph[7].want;
	words(i, 9, 1, 0); /* close */
	memcpy(w, i, sizeof(*w));
}

static struct wb out_req, out_ev, want_req, want_ev;

/* Feed p[0..n) in one call, into the output of its direction. */
static bool feed_piece(enum wlfilter_dir dir, const unsigned char *p, size_t n)
{
	struct wb *o = dir == REQ ? &out_req : &out_ev;
	ssize_t r;

	r = wlfilter_feed(&f, dir, p, n, o->b + o->n, wlfilter_bound(n));
	if (r < 0 || (size_t)r > wlfilter_bound(n)) {
		printf("# failed: %s\n", f.error ? f.error : "over the bound");
		return false;
	}
	o->n += (size_t)r;
	return true;
}

/* Run the session with phase a cut at ka and phase b cut at kb (b after
 * a; the halves go a1 b1 a2 b2, b's first half before a's second), or
 * with every phase cut into pieces of step bytes (a < 0). */
static bool run_session(int a, size_t ka, int b, size_t kb, size_t step)
{
	int p;

	wlfilter_init(&f, "work");
	out_req.n = out_ev.n = 0;
	for (p = 0; p < PHASES; p++) {
		const unsigned char *s = ph[p].in.b;
		size_t n = ph[p].in.n, k;

		if (a < 0) {
			for (k = 0; k < n; k += step)
				if (!feed_piece(ph[p].dir, s + k,
						n - k < step ? n - k : step))
					return false;
		} else if (p == a && b == a + 1) {
			if (!feed_piece(ph[a].dir, s, ka) ||
			    !feed_piece(ph[b].dir, ph[b].in.b, kb) ||
			    !feed_piece(ph[a].dir, s + ka, n - ka) ||
			    !feed_piece(ph[b].dir, ph[b].in.b + kb,
					ph[b].in.n - kb))
				return false;
			p++;
		} else if (p == a) {
			if (!feed_piece(ph[p].dir, s, ka) ||
			    !feed_piece(ph[p].dir, s + ka, n - ka))
				return false;
		} else if (!feed_piece(ph[p].dir, s, n)) {
			return false;
		}
	}
	if (out_req.n != want_req.n ||
	    memcmp(out_req.b, want_req.b, want_req.n) != 0 ||
	    out_ev.n != want_ev.n ||
	    memcmp(out_ev.b, want_ev.b, want_ev.n) != 0) {
		printf("# split %d at %zu, %d at %zu, step %zu\n", a, ka, b, kb,
		       step);
		show("requests", out_req.b, out_req.n);
		show("want", want_req.b, want_req.n);
		show("events", out_ev.b, out_ev.n);
		show("want", want_ev.b, want_ev.n);
		return false;
	}
	return true;
}

static void test_split(void)
{
	size_t k, step;
	int p;
	bool ok;

	build_session();
	want_req.n = want_ev.n = 0;
	for (p = 0; p < PHASES; p++) {
		struct wb *w = ph[p].dir == REQ ? &want_req : &want_ev;

		memcpy(w->b + w->n, ph[p].want.b, ph[p].want.n);
		w->n += ph[p].want.n;
	}
	CHECK("session-whole", run_session(-1, 0, -1, 0, SIZE_MAX));
	ok = true;
	for (p = 0; p < PHASES && ok; p++)
		for (k = 0; k <= ph[p].in.n && ok; k++)
			ok = run_session(p, k, -1, 0, 0);
	CHECK("split-every-offset", ok);
	ok = true;
	for (step = 1; step <= 16 && ok; step++)
		ok = run_session(-1, 0, -1, 0, step);
	CHECK("split-pieces-1-to-16-bytes", ok);
	/* Requests cut, then events cut, in between. */
	ok = true;
	for (k = 0; k <= ph[2].in.n && ok; k++)
		ok = run_session(2, k, 3, k % (ph[3].in.n + 1), 0);
	for (k = 0; k <= ph[4].in.n && ok; k++)
		ok = run_session(4, k, 5, k % (ph[5].in.n + 1), 0);
	CHECK("split-held-across-directions", ok);
}

static void test_bound(void)
{
	static unsigned char out[1 << 18];
	size_t n;
	ssize_t r;
	uint32_t i;

	CHECK("bound-formula",
	      wlfilter_bound(0) == WLFILTER_MSG_MAX &&
		  wlfilter_bound(100) == WLFILTER_MSG_MAX + 13 * 100 &&
		  wlfilter_bound(SIZE_MAX / 2) == SIZE_MAX);

	/* A 4095-byte title held, completed by one byte. */
	session(LONG_NAME);
	begin(&in, 8, 2);
	memset(out, 'x', WLFILTER_MSG_MAX);
	wstrn(&in, (const char *)out, WLFILTER_MSG_MAX - 13);
	end(&in);
	r = wlfilter_feed(&f, REQ, in.b, in.n - 1, out,
			  wlfilter_bound(in.n - 1));
	n = r == 0 ? (size_t)wlfilter_feed(&f, REQ, in.b + in.n - 1, 1, out,
					   wlfilter_bound(1))
		   : 0;
	CHECK("bound-holds-held-title",
	      n == WLFILTER_MSG_MAX && n <= wlfilter_bound(1));

	/* get_toplevel after get_toplevel, each 148 bytes out. */
	session(LONG_NAME);
	for (i = 0; i < 1000; i++)
		words(&in, 7, 1, 1, 100 + i % 400);
	r = wlfilter_feed(&f, REQ, in.b, in.n, out, wlfilter_bound(in.n));
	CHECK("bound-holds-get_toplevel-stream",
	      r == 148 * 1000 && (size_t)r <= wlfilter_bound(in.n));
	session(LONG_NAME);
	words(&in, 7, 1, 1, 100);
	r = wlfilter_feed(&f, REQ, in.b, 11, out, wlfilter_bound(11));
	r = r == 0
		? wlfilter_feed(&f, REQ, in.b + 11, 1, out, wlfilter_bound(1))
		: -1;
	CHECK("bound-holds-held-get_toplevel",
	      r == 148 && (size_t)r <= wlfilter_bound(1));
	/* Many empty titles: 16 bytes in, 72 out. */
	session(LONG_NAME);
	for (i = 0; i < 1000; i++)
		set_title(&in, 8, "");
	r = wlfilter_feed(&f, REQ, in.b, in.n, out, wlfilter_bound(in.n));
	CHECK("bound-holds-empty-titles",
	      r == 64 * 1000 && (size_t)r <= wlfilter_bound(in.n));
}

/* The interfaces in the table of wlfilter.h's comment: the lines between
 * the "----" line and the next empty comment line that start with a name
 * after " *   ". */
static int doc_names(char names[][80], int max)
{
	char exe[PATH_MAX], path[PATH_MAX * 2], src[PATH_MAX], line[256];
	bool in_table = false;
	ssize_t n;
	FILE *h;
	int count = 0;

	snprintf(src, sizeof(src), "%s", __FILE__);
	if (src[0] == '/') {
		snprintf(path, sizeof(path), "%s/../../lib/wlfilter.h",
			 dirname(src));
	} else {
		/* Relative to the build root, the parent of tests/. */
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			return -1;
		exe[n] = '\0';
		snprintf(path, sizeof(path), "%s/../%s/../../lib/wlfilter.h",
			 dirname(exe), dirname(src));
	}
	h = fopen(path, "re");
	if (!h) {
		printf("# %s: cannot open\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), h)) {
		size_t len;

		if (strncmp(line, " *   ----", 9) == 0) {
			in_table = true;
			continue;
		}
		if (!in_table)
			continue;
		if (strcmp(line, " *\n") == 0)
			break;
		if (strncmp(line, " *   ", 5) != 0 || line[5] == ' ')
			continue;
		len = strcspn(line + 5, " \n");
		if (count == max || len >= 80)
			break;
		memcpy(names[count], line + 5, len);
		names[count++][len] = '\0';
	}
	fclose(h);
	return count;
}

static void test_denied_list(void)
{
	static char names[128][80];
	static const char *const must[] = {
	    "wl_shell",
	    "zxdg_shell_v6",
	    "xdg_shell",
	    "zwlr_layer_shell_v1",
	    "weston_desktop_shell",
	    "ivi_application",
	    "ivi_wm",
	    "weston_touch_calibration",
	    "zwlr_screencopy_manager_v1",
	    "ext_image_copy_capture_manager_v1",
	    "ext_output_image_capture_source_manager_v1",
	    "ext_foreign_toplevel_image_capture_source_manager_v1",
	    "weston_screenshooter",
	    "weston_capture_v1",
	    "zwlr_export_dmabuf_manager_v1",
	    "zwlr_foreign_toplevel_manager_v1",
	    "ext_foreign_toplevel_list_v1",
	    "zwlr_data_control_manager_v1",
	    "ext_data_control_manager_v1",
	    "zwp_input_method_manager_v2",
	    "zwp_input_method_v1",
	    "zwp_input_panel_v1",
	    "zwp_virtual_keyboard_manager_v1",
	    "zwlr_virtual_pointer_manager_v1",
	    "zwlr_output_manager_v1",
	    "zwlr_output_power_manager_v1",
	    "zwlr_gamma_control_manager_v1",
	    "weston_test",
	    "weston_debug_v1",
	    "ext_session_lock_manager_v1",
	    "wp_security_context_manager_v1",
	    "ext_transient_seat_manager_v1",
	};
	static const char *const allowed[] = {
	    "wl_compositor",
	    "wl_shm",
	    "wl_seat",
	    "wl_output",
	    "wl_data_device_manager",
	    "xdg_wm_base",
	    "zxdg_decoration_manager_v1",
	    "zwp_linux_dmabuf_v1",
	    "wp_viewporter",
	    "zwp_primary_selection_device_manager_v1",
	    "zwp_text_input_manager_v3",
	    "zwp_keyboard_shortcuts_inhibit_manager_v1",
	    "weston_direct_display_v1",
	};
	size_t i, j, n;
	int count, k;
	bool ok;

	for (n = 0; wlfilter_denied[n]; n++)
		;
	ok = true;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			ok = ok && strcmp(wlfilter_denied[i],
					  wlfilter_denied[j]) != 0;
	CHECK("denied-list-about-40-no-duplicates", n >= 40 && ok);
	count = doc_names(names, 128);
	ok = count == (int)n;
	for (k = 0; k < count && ok; k++)
		if (!wlfilter_is_denied(names[k])) {
			printf("# %s: in the table, not the list\n", names[k]);
			ok = false;
		}
	if (count != (int)n)
		printf("# the table has %d names, the list %zu\n", count, n);
	CHECK("denied-list-matches-doc", ok);
	ok = true;
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (!wlfilter_is_denied(must[i])) {
			printf("# %s: not denied\n", must[i]);
			ok = false;
		}
	CHECK("denied-list-has-the-dangerous-ones", ok);
	ok = true;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		ok = ok && !wlfilter_is_denied(allowed[i]);
	CHECK("denied-list-leaves-the-usual-ones", ok);
}

int main(void)
{
	test_basics();
	test_registry();
	test_bind();
	test_toplevel();
	test_ids();
	test_tables();
	test_framing();
	test_split();
	test_bound();
	test_denied_list();
	return check_done();
}
