/* SPDX-License-Identifier: MIT */
/* The Wayland protocol filter; the policy is in wlfilter.h. Messages are
 * cut from each direction's byte stream (a partial one is held in
 * f->part), each whole message is handled once, and what it becomes is
 * written out whole. */
#include "wlfilter.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *const wlfilter_denied[] = {
    /* Other shells. */
    "wl_shell",
    "zxdg_shell_v6",
    "xdg_shell",
    "zwlr_layer_shell_v1",
    "zwp_fullscreen_shell_v1",
    "weston_desktop_shell",
    "ivi_application",
    "ivi_wm",
    "weston_touch_calibration",
    "org_kde_plasma_shell",
    "agl_shell",
    "agl_shell_desktop",
    "xwayland_shell_v1",
    /* Screen capture. */
    "zwlr_screencopy_manager_v1",
    "zwlr_export_dmabuf_manager_v1",
    "ext_image_copy_capture_manager_v1",
    "ext_output_image_capture_source_manager_v1",
    "ext_foreign_toplevel_image_capture_source_manager_v1",
    "weston_screenshooter",
    "weston_capture_v1",
    "zkde_screencast_unstable_v1",
    "hyprland_toplevel_export_manager_v1",
    /* Other clients' windows. */
    "zwlr_foreign_toplevel_manager_v1",
    "ext_foreign_toplevel_list_v1",
    "org_kde_plasma_window_management",
    /* The clipboard without focus. */
    "zwlr_data_control_manager_v1",
    "ext_data_control_manager_v1",
    /* Input for the user, or all of the user's input. */
    "zwp_input_method_manager_v2",
    "zwp_input_method_v1",
    "zwp_input_panel_v1",
    "zwp_virtual_keyboard_manager_v1",
    "zwlr_virtual_pointer_manager_v1",
    "org_kde_kwin_fake_input",
    "ext_transient_seat_manager_v1",
    "zwp_xwayland_keyboard_grab_manager_v1",
    "zwlr_input_inhibit_manager_v1",
    /* Outputs. */
    "zwlr_output_manager_v1",
    "zwlr_output_power_manager_v1",
    "zwlr_gamma_control_manager_v1",
    "kde_output_management_v2",
    "wp_drm_lease_device_v1",
    /* Test and debug. */
    "weston_test",
    "weston_debug_v1",
    /* The session. */
    "ext_session_lock_manager_v1",
    "wp_security_context_manager_v1",
    NULL,
};

/* The tracked interfaces (struct wlfilter_object.kind). */
enum {
	WL_FREE,
	WL_REGISTRY,
	WL_WM_BASE,
	WL_XDG_SURFACE,
	WL_TOPLEVEL,
};

#define WL_DISPLAY_ID 1
#define WL_HEADER     8
/* The longest string a message can hold: the header, the length word and
 * the NUL take the rest. */
#define WL_STRING_MAX (WLFILTER_MSG_MAX - WL_HEADER - 4 - 1)

struct out {
	unsigned char *p;
	size_t n, cap;
};

/* A message being read: its words and strings in turn. */
struct msg {
	const unsigned char *p;
	size_t at, size;
	uint32_t id;
	uint16_t opcode;
};

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static int fail(struct wlfilter *f, const char *why)
{
	f->error = why;
	errno = EPROTO;
	return -1;
}

/* An error that names an interface from the wire: anything but what
 * interface names are made of becomes '?', so that the text is safe to
 * print. */
static int fail_name(struct wlfilter *f, const char *what, const char *name)
{
	char safe[64];
	size_t i;

	for (i = 0; name[i] && i < sizeof(safe) - 1; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_';

		safe[i] = ok ? c : '?';
	}
	safe[i] = '\0';
	/* Truncation only shortens the text. */
	snprintf(f->errbuf, sizeof(f->errbuf), "%s %s%s", what, safe,
		 name[i] ? "..." : "");
	return fail(f, f->errbuf);
}

static int fail_global(struct wlfilter *f, const char *what, uint32_t name)
{
	snprintf(f->errbuf, sizeof(f->errbuf), "%s %u", what, (unsigned)name);
	return fail(f, f->errbuf);
}

bool wlfilter_is_denied(const char *iface)
{
	size_t i;

	for (i = 0; wlfilter_denied[i]; i++)
		if (strcmp(wlfilter_denied[i], iface) == 0)
			return true;
	return false;
}

/* The kind of object a bind of iface makes. */
static uint8_t bind_kind(const char *iface)
{
	return strcmp(iface, "xdg_wm_base") == 0 ? WL_WM_BASE : WL_FREE;
}

static struct wlfilter_object *obj_find(struct wlfilter *f, uint32_t id)
{
	size_t i;

	for (i = 0; i < f->nobj; i++)
		if (f->obj[i].kind != WL_FREE && f->obj[i].id == id)
			return &f->obj[i];
	return NULL;
}

static uint8_t obj_kind(struct wlfilter *f, uint32_t id)
{
	struct wlfilter_object *o = obj_find(f, id);

	return o ? o->kind : WL_FREE;
}

static void obj_forget(struct wlfilter *f, uint32_t id)
{
	struct wlfilter_object *o = obj_find(f, id);

	if (!o)
		return;
	o->kind = WL_FREE;
	while (f->nobj > 0 && f->obj[f->nobj - 1].kind == WL_FREE)
		f->nobj--;
}

/* Track the new object id as kind; an id already tracked (the client may
 * reuse one as soon as it has sent the destroy) takes the new kind. */
static int obj_track(struct wlfilter *f, uint32_t id, uint8_t kind)
{
	struct wlfilter_object *o = obj_find(f, id);
	size_t i;

	if (id == 0 || id == WL_DISPLAY_ID)
		return fail(f, "new_id 0 or 1 for a tracked object");
	if (!o) {
		for (i = 0; i < f->nobj; i++)
			if (f->obj[i].kind == WL_FREE)
				break;
		if (i == WLFILTER_OBJECTS)
			return fail(f, "too many objects to track");
		if (i == f->nobj)
			f->nobj++;
		o = &f->obj[i];
		o->id = id;
	}
	o->kind = kind;
	return 0;
}

static struct wlfilter_global *glob_find(struct wlfilter *f, uint32_t name)
{
	size_t i;

	for (i = 0; i < f->nglob; i++)
		if (f->glob[i].name == name)
			return &f->glob[i];
	return NULL;
}

/* A global advertised on a registry. Every registry gets every global:
 * one already known stays denied if it was. */
static int glob_add(struct wlfilter *f, uint32_t name, bool deny, uint8_t kind)
{
	struct wlfilter_global *g = glob_find(f, name);
	size_t i;

	if (g && !g->removed) {
		g->denied = g->denied || deny;
		g->kind = kind;
		return 0;
	}
	if (!g && f->nglob < WLFILTER_GLOBALS)
		g = &f->glob[f->nglob++];
	for (i = 0; !g && i < f->nglob; i++)
		if (f->glob[i].removed)
			g = &f->glob[i];
	if (!g)
		return fail(f, "too many globals to track");
	g->name = name;
	g->denied = deny;
	g->kind = kind;
	g->removed = 0;
	return 0;
}

static int read32(struct wlfilter *f, struct msg *m, uint32_t *v)
{
	if (m->size - m->at < 4)
		return fail(f, "message shorter than its arguments");
	*v = get32(m->p + m->at);
	m->at += 4;
	return 0;
}

/* A string argument, not null: its NUL is the last byte of its length,
 * and no other byte is NUL. */
static int read_string(struct wlfilter *f, struct msg *m, const char **s,
		       size_t *len)
{
	uint32_t n;

	if (read32(f, m, &n) < 0)
		return -1;
	if (n == 0)
		return fail(f, "null string");
	if (n > m->size - m->at || pad4(n) > m->size - m->at)
		return fail(f, "string longer than its message");
	if (m->p[m->at + n - 1] != '\0')
		return fail(f, "string without its NUL");
	if (memchr(m->p + m->at, '\0', n - 1))
		return fail(f, "NUL inside a string");
	*s = (const char *)m->p + m->at;
	*len = n - 1;
	m->at += pad4(n);
	return 0;
}

/* Every message the filter reads must be exactly its arguments. */
static int read_end(struct wlfilter *f, const struct msg *m)
{
	if (m->at != m->size)
		return fail(f, "message longer than its arguments");
	return 0;
}

static int emit(struct wlfilter *f, struct out *o, const void *p, size_t n)
{
	/* wlfilter_bound makes this impossible; fail closed anyway. */
	if (n > o->cap - o->n)
		return fail(f, "output beyond wlfilter_bound");
	memcpy(o->p + o->n, p, n);
	o->n += n;
	return 0;
}

/* A message to object id with one string argument: a..., then b...,
 * the whole string at most WL_STRING_MAX bytes. */
static int emit_string(struct wlfilter *f, struct out *o, uint32_t id,
		       uint16_t opcode, const char *a, size_t alen,
		       const char *b, size_t blen)
{
	unsigned char m[WLFILTER_MSG_MAX];
	size_t len = alen + blen, size = WL_HEADER + 4 + pad4(len + 1);

	if (len > WL_STRING_MAX)
		return fail(f, "string too long to write");
	memset(m, 0, size);
	put32(m, id);
	put32(m + 4, (uint32_t)size << 16 | opcode);
	put32(m + 8, (uint32_t)(len + 1));
	memcpy(m + 12, a, alen);
	memcpy(m + 12 + alen, b, blen);
	return emit(f, o, m, size);
}

static int emit_title(struct wlfilter *f, struct out *o, uint32_t id,
		      const char *title, size_t tlen)
{
	char prefix[VM_NAME_MAX + 4];
	size_t plen = strlen(f->vm) + 3, keep = tlen, back = 0;

	prefix[0] = '[';
	memcpy(prefix + 1, f->vm, plen - 3);
	memcpy(prefix + plen - 2, "] ", 2);
	if (!title) {
		/* The filter's own title: "[NAME]". */
		plen--;
		keep = 0;
		title = "";
	} else if (plen + keep > WL_STRING_MAX) {
		keep = WL_STRING_MAX - plen;
		/* Not in the middle of a character: title[keep] would be
		 * the first byte left out. */
		while (keep > 0 && back < 3 &&
		       ((unsigned char)title[keep] & 0xc0) == 0x80) {
			keep--;
			back++;
		}
	}
	return emit_string(f, o, id, 2, prefix, plen, title, keep);
}

static int emit_app_id(struct wlfilter *f, struct out *o, uint32_t id)
{
	return emit_string(f, o, id, 3, "septa-vm.", 9, f->vm, strlen(f->vm));
}

static int bind_global(struct wlfilter *f, struct msg *m)
{
	struct wlfilter_global *g;
	const char *iface;
	uint32_t name, version, id;
	size_t len;

	if (read32(f, m, &name) < 0 || read_string(f, m, &iface, &len) < 0 ||
	    read32(f, m, &version) < 0 || read32(f, m, &id) < 0 ||
	    read_end(f, m) < 0)
		return -1;
	if (wlfilter_is_denied(iface))
		return fail_name(f, "bind of denied global", iface);
	g = glob_find(f, name);
	if (!g)
		return fail_global(f, "bind of unknown global", name);
	if (g->denied)
		return fail_name(f, "bind of a denied global as", iface);
	if (g->kind != bind_kind(iface))
		return fail_name(f, "bind of a global as another interface,",
				 iface);
	if (g->kind == WL_FREE) {
		obj_forget(f, id);
		return 0;
	}
	return obj_track(f, id, g->kind);
}

/* A message with one new_id argument and maybe objects after it (args
 * words in all): the new object is kind, or untracked. */
static int new_id(struct wlfilter *f, struct msg *m, int args, uint8_t kind)
{
	uint32_t id, v;
	int i;

	if (read32(f, m, &id) < 0)
		return -1;
	for (i = 1; i < args; i++)
		if (read32(f, m, &v) < 0)
			return -1;
	if (read_end(f, m) < 0)
		return -1;
	if (kind == WL_FREE) {
		obj_forget(f, id);
		return 0;
	}
	return obj_track(f, id, kind);
}

static int destroy(struct wlfilter *f, struct msg *m)
{
	if (read_end(f, m) < 0)
		return -1;
	obj_forget(f, m->id);
	return 0;
}

/* A request: returns 0 when it passes as it is, 1 when it was written
 * already, -1 when it breaks the connection. */
static int request(struct wlfilter *f, struct msg *m, struct out *o)
{
	const char *s;
	size_t len;

	if (m->id == WL_DISPLAY_ID) {
		if (m->opcode == 0) /* sync */
			return new_id(f, m, 1, WL_FREE);
		if (m->opcode == 1) /* get_registry */
			return new_id(f, m, 1, WL_REGISTRY);
		return 0;
	}
	switch (obj_kind(f, m->id)) {
	case WL_REGISTRY:
		return m->opcode == 0 ? bind_global(f, m) : 0;
	case WL_WM_BASE:
		if (m->opcode == 0)
			return destroy(f, m);
		if (m->opcode == 1) /* create_positioner */
			return new_id(f, m, 1, WL_FREE);
		if (m->opcode == 2) /* get_xdg_surface: new_id, surface */
			return new_id(f, m, 2, WL_XDG_SURFACE);
		return 0;
	case WL_XDG_SURFACE:
		if (m->opcode == 0)
			return destroy(f, m);
		if (m->opcode == 2) /* get_popup: new_id, parent, positioner */
			return new_id(f, m, 3, WL_FREE);
		if (m->opcode != 1)
			return 0;
		/* get_toplevel, then the filter's own title and app_id. */
		if (new_id(f, m, 1, WL_TOPLEVEL) < 0 ||
		    emit(f, o, m->p, m->size) < 0 ||
		    emit_title(f, o, get32(m->p + 8), NULL, 0) < 0 ||
		    emit_app_id(f, o, get32(m->p + 8)) < 0)
			return -1;
		return 1;
	case WL_TOPLEVEL:
		if (m->opcode == 0)
			return destroy(f, m);
		if (m->opcode != 2 && m->opcode != 3)
			return 0;
		if (read_string(f, m, &s, &len) < 0 || read_end(f, m) < 0)
			return -1;
		if (m->opcode == 2 && emit_title(f, o, m->id, s, len) < 0)
			return -1;
		if (m->opcode == 3 && emit_app_id(f, o, m->id) < 0)
			return -1;
		return 1;
	default:
		return 0;
	}
}

/* An event: 0 passes it, 1 drops it, -1 breaks the connection. */
static int event(struct wlfilter *f, struct msg *m)
{
	struct wlfilter_global *g;
	const char *iface;
	uint32_t name, version;
	size_t len;
	bool deny;

	if (m->id == WL_DISPLAY_ID || obj_kind(f, m->id) != WL_REGISTRY)
		return 0;
	if (m->opcode == 0) { /* global */
		if (read32(f, m, &name) < 0 ||
		    read_string(f, m, &iface, &len) < 0 ||
		    read32(f, m, &version) < 0 || read_end(f, m) < 0)
			return -1;
		deny = wlfilter_is_denied(iface);
		if (glob_add(f, name, deny, bind_kind(iface)) < 0)
			return -1;
		return deny;
	}
	if (m->opcode == 1) { /* global_remove */
		if (read32(f, m, &name) < 0 || read_end(f, m) < 0)
			return -1;
		g = glob_find(f, name);
		if (!g)
			return 0;
		g->removed = 1;
		return g->denied;
	}
	return 0;
}

static int message(struct wlfilter *f, enum wlfilter_dir dir,
		   const unsigned char *p, size_t size, struct out *o)
{
	struct msg m = {p, WL_HEADER, size, get32(p),
			(uint16_t)(get32(p + 4) & 0xffff)};
	int r;

	r = dir == WLFILTER_REQUEST ? request(f, &m, o) : event(f, &m);
	if (r < 0)
		return -1;
	return r == 0 ? emit(f, o, p, size) : 0;
}

/* The size in a message header, checked. */
static int msg_size(struct wlfilter *f, const unsigned char *h, size_t *size)
{
	*size = get32(h + 4) >> 16;
	if (*size < WL_HEADER)
		return fail(f, "message size under 8");
	if (*size > WLFILTER_MSG_MAX)
		return fail(f, "message over 4096 bytes");
	if (*size % 4)
		return fail(f, "message size not a multiple of 4");
	return 0;
}

void wlfilter_init(struct wlfilter *f, const char *vm)
{
	memset(f, 0, sizeof(*f));
	if (vm_name_check(vm) != NAME_OK) {
		f->error = "invalid VM name";
		return;
	}
	memcpy(f->vm, vm, strlen(vm) + 1);
}

size_t wlfilter_bound(size_t len)
{
	if (len > (SIZE_MAX - WLFILTER_MSG_MAX) / WLFILTER_GROWTH)
		return SIZE_MAX;
	return WLFILTER_MSG_MAX + WLFILTER_GROWTH * len;
}

ssize_t wlfilter_feed(struct wlfilter *f, enum wlfilter_dir dir,
		      const unsigned char *in, size_t len, unsigned char *out,
		      size_t cap)
{
	struct out o = {out, 0, cap};
	unsigned char *part;
	size_t *plen, i = 0, size, take;

	if (f->error) {
		errno = EPROTO;
		return -1;
	}
	if (dir != WLFILTER_REQUEST && dir != WLFILTER_EVENT)
		return fail(f, "no such direction");
	if (cap < wlfilter_bound(len) || wlfilter_bound(len) > SSIZE_MAX) {
		fail(f, "output buffer smaller than wlfilter_bound");
		errno = EINVAL;
		return -1;
	}
	part = f->part[dir];
	plen = &f->partlen[dir];
	while (i < len) {
		/* A whole message in the input: read in place. A header is
		 * checked as soon as it is all there, however the input was
		 * split. */
		if (*plen == 0 && len - i >= WL_HEADER) {
			if (msg_size(f, in + i, &size) < 0)
				return -1;
			if (len - i >= size) {
				if (message(f, dir, in + i, size, &o) < 0)
					return -1;
				i += size;
				continue;
			}
		}
		/* Otherwise held until it is whole. */
		if (*plen < WL_HEADER) {
			take = WL_HEADER - *plen;
			take = take < len - i ? take : len - i;
			memcpy(part + *plen, in + i, take);
			*plen += take;
			i += take;
			if (*plen < WL_HEADER)
				break;
		}
		if (msg_size(f, part, &size) < 0)
			return -1;
		take = size - *plen;
		take = take < len - i ? take : len - i;
		memcpy(part + *plen, in + i, take);
		*plen += take;
		i += take;
		if (*plen < size)
			break;
		*plen = 0;
		if (message(f, dir, part, size, &o) < 0)
			return -1;
	}
	return (ssize_t)o.n;
}
