/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for wlfilter.c: the input is a Wayland session, both
 * directions, cut into chunks. The first byte holds flags (bit 0: start
 * from a session that already has a registry, xdg_wm_base and a toplevel;
 * bit 1: the longest VM name); then each chunk is a byte (bit 7: an
 * event, else a request; bits 0-6: its length, 0 for the rest of the
 * input) and its bytes.
 *
 * Each chunk goes to one filter whole and to another in small pieces:
 * both must write the same bytes, or both fail in that chunk, and once a
 * filter has failed it fails again. No call writes more than
 * wlfilter_bound of its input, and every call writes whole messages. A
 * small model reads what the compositor and the VM are sent and checks
 * that: every get_toplevel is followed at once by set_title "[NAME]" and
 * set_app_id "septa-vm.NAME" for it; every set_title of a toplevel
 * starts with "[NAME] " and every set_app_id is "septa-vm.NAME"; no
 * global with a denied interface reaches the VM; every bind that reaches
 * the compositor names a global the VM was shown, with an interface that
 * is not denied and is of the kind that was shown. */
#include "wlfilter.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_MAX	(1 << 16)
#define OUT_MAX (WLFILTER_MSG_MAX + 13 * IN_MAX)
/* Room beyond the bound, so that a call that breaks it shows. */
#define SLACK	  4096
#define MODEL_MAX 2048

#define LONG_NAME "a123456789b123456789c123456789d123456789e1234567"

static unsigned char out_a[OUT_MAX + SLACK], out_b[OUT_MAX + SLACK];
static struct wlfilter fa, fb;

static void must(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz-wlfilter: invariant failed: %s\n", what);
		abort();
	}
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The model: what the compositor and the VM have been sent. */
enum { M_REGISTRY = 1, M_WM_BASE, M_XDG_SURFACE, M_TOPLEVEL };

static struct {
	const char *vm;
	struct {
		uint32_t id;
		int kind;
	} obj[MODEL_MAX];
	size_t nobj;
	struct {
		uint32_t name;
		bool wm_base;
	} shown[MODEL_MAX];
	size_t nshown;
	/* After a get_toplevel: 2, its set_title is next; 1, its
	 * set_app_id. */
	int expect;
	uint32_t expect_id;
} model;

static int kind_of(uint32_t id)
{
	size_t i;

	for (i = 0; i < model.nobj; i++)
		if (model.obj[i].id == id)
			return model.obj[i].kind;
	return 0;
}

static void set_kind(uint32_t id, int kind)
{
	size_t i;

	for (i = 0; i < model.nobj; i++)
		if (model.obj[i].id == id)
			break;
	if (i == model.nobj) {
		if (kind == 0)
			return;
		must(model.nobj < MODEL_MAX, "model: room for objects");
		model.nobj++;
	}
	model.obj[i].id = id;
	model.obj[i].kind = kind;
}

/* A string argument at p[*at..size): checked as the filter does for the
 * messages it reads, which are the only ones the model reads. */
static const char *string_at(const unsigned char *p, size_t size, size_t *at)
{
	uint32_t n;
	const char *s;

	must(size - *at >= 4, "model: string length in the message");
	n = get32(p + *at);
	*at += 4;
	must(n > 0 && n <= size - *at, "model: string in the message");
	s = (const char *)p + *at;
	must(s[n - 1] == '\0' && strlen(s) == n - 1, "model: string ends");
	*at += (n + 3) & ~3u;
	must(*at <= size, "model: padding in the message");
	return s;
}

static void title_ok(const char *s, bool own)
{
	size_t n = strlen(model.vm);

	must(s[0] == '[' && strncmp(s + 1, model.vm, n) == 0 && s[n + 1] == ']',
	     "every title starts with [NAME]");
	if (own)
		must(s[n + 2] == '\0', "the filter's own title is [NAME]");
	else
		must(s[n + 2] == ' ', "a VM's title follows \"[NAME] \"");
}

static void app_id_ok(const char *s)
{
	must(strncmp(s, "septa-vm.", 9) == 0 && strcmp(s + 9, model.vm) == 0,
	     "every app_id is septa-vm.NAME");
}

static bool shown_wm_base(uint32_t name, bool *wm_base)
{
	size_t i;

	for (i = 0; i < model.nshown; i++)
		if (model.shown[i].name == name) {
			*wm_base = model.shown[i].wm_base;
			return true;
		}
	return false;
}

/* One message the compositor is sent. */
static void model_request(const unsigned char *p, size_t size)
{
	uint32_t id = get32(p), op = get32(p + 4) & 0xffff, name;
	size_t at = 8;
	const char *s;
	bool wm_base;
	int kind = id == 1 ? 0 : kind_of(id);

	if (model.expect) {
		must(id == model.expect_id && kind == M_TOPLEVEL &&
			 op == (model.expect == 2 ? 2u : 3u),
		     "get_toplevel is followed by set_title and set_app_id");
		model.expect--;
	}
	if (id == 1 && op == 1 && size == 12) {
		set_kind(get32(p + 8), M_REGISTRY);
	} else if (id == 1 && op == 0 && size == 12) {
		set_kind(get32(p + 8), 0);
	} else if (kind == M_REGISTRY && op == 0) {
		name = get32(p + 8);
		at = 12;
		s = string_at(p, size, &at);
		must(!wlfilter_is_denied(s),
		     "no bind of a denied interface passes");
		must(shown_wm_base(name, &wm_base),
		     "a bind passes only for a global the VM was shown");
		must(wm_base == (strcmp(s, "xdg_wm_base") == 0),
		     "a bind passes only as the interface shown");
		must(size == at + 8, "bind is exactly its arguments");
		set_kind(get32(p + at + 4), wm_base ? M_WM_BASE : 0);
	} else if (kind == M_WM_BASE || kind == M_XDG_SURFACE ||
		   kind == M_TOPLEVEL) {
		if (op == 0) {
			set_kind(id, 0);
			return;
		}
		if (kind == M_WM_BASE && (op == 1 || op == 2)) {
			set_kind(get32(p + 8), op == 2 ? M_XDG_SURFACE : 0);
		} else if (kind == M_XDG_SURFACE && (op == 1 || op == 2)) {
			set_kind(get32(p + 8), op == 1 ? M_TOPLEVEL : 0);
			if (op == 1) {
				model.expect = 2;
				model.expect_id = get32(p + 8);
			}
		} else if (kind == M_TOPLEVEL && (op == 2 || op == 3)) {
			s = string_at(p, size, &at);
			must(at == size, "title and app_id are one string");
			if (op == 2)
				title_ok(s, model.expect == 1);
			else
				app_id_ok(s);
		}
	}
}

/* One message the VM is sent. */
static void model_event(const unsigned char *p, size_t size)
{
	uint32_t id = get32(p), op = get32(p + 4) & 0xffff, name;
	size_t at = 12, i;
	const char *s;

	if (id == 1 || kind_of(id) != M_REGISTRY || op != 0)
		return;
	name = get32(p + 8);
	s = string_at(p, size, &at);
	must(!wlfilter_is_denied(s), "no denied global reaches the VM");
	for (i = 0; i < model.nshown; i++)
		if (model.shown[i].name == name)
			break;
	if (i == model.nshown) {
		must(model.nshown < MODEL_MAX, "model: room for globals");
		model.nshown++;
	}
	model.shown[i].name = name;
	model.shown[i].wm_base = strcmp(s, "xdg_wm_base") == 0;
}

/* What one call wrote: whole messages, each read by the model. */
static void model_output(enum wlfilter_dir dir, const unsigned char *p,
			 size_t n)
{
	size_t at = 0, size;

	while (at < n) {
		must(n - at >= 8, "whole headers out");
		size = get32(p + at + 4) >> 16;
		must(size >= 8 && size <= WLFILTER_MSG_MAX && size % 4 == 0,
		     "sizes out are valid");
		must(size <= n - at, "whole messages out");
		if (dir == WLFILTER_REQUEST)
			model_request(p + at, size);
		else
			model_event(p + at, size);
		at += size;
	}
}

/* Feed one chunk: whole to fa, in pieces to fb. Returns false once the
 * filters have failed. */
static bool chunk(enum wlfilter_dir dir, const unsigned char *p, size_t n,
		  uint32_t *h)
{
	ssize_t ra, rb;
	size_t at = 0, ob = 0, k;
	bool failed_b = false;

	ra = wlfilter_feed(&fa, dir, p, n, out_a, wlfilter_bound(n) + SLACK);
	must(ra < 0 || (size_t)ra <= wlfilter_bound(n),
	     "output within the bound");
	while (at < n) {
		*h = *h * 1103515245u + 12345u;
		k = 1 + (*h >> 16) % 9;
		k = k < n - at ? k : n - at;
		rb = wlfilter_feed(&fb, dir, p + at, k, out_b + ob,
				   wlfilter_bound(k) + SLACK);
		if (rb < 0) {
			failed_b = true;
			break;
		}
		must((size_t)rb <= wlfilter_bound(k),
		     "output within the bound, in pieces");
		ob += (size_t)rb;
		at += k;
	}
	if (ra < 0) {
		must(failed_b, "pieces fail in the chunk that fails whole");
		must(fa.error != NULL && fb.error != NULL, "failures say why");
		must(wlfilter_feed(&fa, dir, p, 0, out_a, SLACK) < 0,
		     "a failed filter fails again");
		return false;
	}
	must(!failed_b, "pieces pass when the whole passes");
	must((size_t)ra == ob && memcmp(out_a, out_b, ob) == 0,
	     "pieces give the same bytes as the whole");
	model_output(dir, out_a, (size_t)ra);
	return true;
}

/* The session the flag starts from, as a request and an event stream fed
 * in this order: registry 2; globals 1 wl_compositor, 2 wl_shm,
 * 3 xdg_wm_base, 4 zwlr_screencopy_manager_v1, 5 wl_seat,
 * 6 ext_data_control_manager_v1; wl_compositor bound as 4, xdg_wm_base
 * as 5; surface 6, xdg_surface 7, toplevel 8. */
struct wb {
	unsigned char b[512];
	size_t n;
};

static void w32(struct wb *w, uint32_t v)
{
	memcpy(w->b + w->n, &v, 4);
	w->n += 4;
}

static void wmsg(struct wb *w, uint32_t id, uint32_t op, size_t nargs,
		 const uint32_t *args, const char *s, size_t after)
{
	size_t start = w->n, i, len;

	w32(w, id);
	w32(w, op);
	for (i = 0; i < nargs; i++) {
		w32(w, args[i]);
		if (s && i + 1 == after) {
			len = strlen(s) + 1;
			w32(w, (uint32_t)len);
			memset(w->b + w->n, 0, (len + 3) & ~(size_t)3);
			memcpy(w->b + w->n, s, len);
			w->n += (len + 3) & ~(size_t)3;
		}
	}
	w->b[start + 6] = (unsigned char)(w->n - start);
	w->b[start + 7] = (unsigned char)((w->n - start) >> 8);
}

static bool prologue(uint32_t *h)
{
	static const char *const globals[] = {
	    "wl_compositor", "wl_shm",
	    "xdg_wm_base",   "zwlr_screencopy_manager_v1",
	    "wl_seat",	     "ext_data_control_manager_v1",
	};
	struct wb req = {.n = 0}, ev = {.n = 0}, req2 = {.n = 0};
	uint32_t i, a[4];

	a[0] = 2;
	wmsg(&req, 1, 1, 1, a, NULL, 0);
	for (i = 0; i < 6; i++) {
		a[0] = i + 1;
		a[1] = 1;
		wmsg(&ev, 2, 0, 2, a, globals[i], 1);
	}
	a[0] = 1, a[1] = 4, a[2] = 4;
	wmsg(&req2, 2, 0, 3, a, "wl_compositor", 1);
	a[0] = 3, a[1] = 6, a[2] = 5;
	wmsg(&req2, 2, 0, 3, a, "xdg_wm_base", 1);
	a[0] = 6;
	wmsg(&req2, 4, 0, 1, a, NULL, 0);
	a[0] = 7, a[1] = 6;
	wmsg(&req2, 5, 2, 2, a, NULL, 0);
	a[0] = 8;
	wmsg(&req2, 7, 1, 1, a, NULL, 0);
	return chunk(WLFILTER_REQUEST, req.b, req.n, h) &&
	       chunk(WLFILTER_EVENT, ev.b, ev.n, h) &&
	       chunk(WLFILTER_REQUEST, req2.b, req2.n, h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 1, n;
	uint32_t h = 2166136261u;
	bool ok = true;

	if (size < 1 || size > IN_MAX)
		return 0;
	for (n = 0; n < size; n++)
		h = (h ^ data[n]) * 16777619u;
	model.vm = data[0] & 2 ? LONG_NAME : "VM";
	model.nobj = model.nshown = 0;
	model.expect = 0;
	wlfilter_init(&fa, model.vm);
	wlfilter_init(&fb, model.vm);
	must(fa.error == NULL, "a valid name starts clean");
	if (data[0] & 1)
		ok = prologue(&h);
	must(ok, "the prologue passes");
	while (ok && at < size) {
		enum wlfilter_dir dir =
		    data[at] & 0x80 ? WLFILTER_EVENT : WLFILTER_REQUEST;

		n = data[at] & 0x7f;
		at++;
		if (n == 0 || n > size - at)
			n = size - at;
		ok = chunk(dir, data + at, n, &h);
		at += n;
	}
	/* Added messages come right after their get_toplevel, in the same
	 * call. */
	must(!ok || model.expect == 0, "set_title and set_app_id were added");
	return 0;
}
