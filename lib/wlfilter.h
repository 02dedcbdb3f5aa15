/* SPDX-License-Identifier: MIT */
/* wlfilter: the Wayland connection of an app VM, checked and marked on its
 * way to the host's compositor. A VM is not trusted to say who it is: every
 * toplevel window it makes gets the title prefix "[NAME] " and the app_id
 * "septa-vm.NAME", whatever the VM asks for, so the user always knows which
 * VM drew a window. Globals that would let a VM show a surface without a
 * marked toplevel (other shells), read other clients' pixels or windows
 * (screen capture, foreign toplevel lists), read or set the clipboard
 * behind the user's back (data control), or type and click for the user
 * (virtual input, input methods) are hidden from the VM's registry and
 * refused when bound anyway.
 *
 * The filter sees both directions of one connection: requests (VM to
 * compositor) and events (compositor to VM). It parses only headers and
 * the few messages it has to: wl_display.get_registry, wl_registry.bind
 * and .global/.global_remove, xdg_wm_base.get_xdg_surface,
 * xdg_surface.get_toplevel, xdg_toplevel.set_title/.set_app_id and the
 * destroy requests of those interfaces. Everything else passes byte for
 * byte. File descriptors travel beside the bytes (the caller passes them
 * on with the next output); no message the filter drops or adds carries
 * one.
 *
 * The state is a fixed-size struct: no heap. A partial message is kept
 * (at most WLFILTER_MSG_MAX bytes a direction), so splitting the input
 * anywhere gives the same output as one call. The output of a call is
 * whole messages only.
 *
 * Requests:
 *   - wl_display.get_registry: the new object is a registry.
 *   - wl_registry.bind: refused (the connection breaks) when the name
 *     was never advertised, was advertised with a denied interface, or
 *     the interface given is denied; refused too when the interface given
 *     is xdg_wm_base and the global's is not, or the other way round.
 *     A bind of xdg_wm_base makes the new object one. A bind of a global
 *     the compositor has since removed passes (the compositor still takes
 *     it while the client has not seen global_remove).
 *   - xdg_wm_base.get_xdg_surface makes an xdg_surface, and
 *     xdg_surface.get_toplevel an xdg_toplevel; right after that
 *     get_toplevel the filter adds set_title "[NAME]" and set_app_id
 *     "septa-vm.NAME" for the new toplevel, so that it is marked before
 *     its first commit.
 *   - xdg_toplevel.set_title: the title becomes "[NAME] " + title, cut at
 *     a UTF-8 character boundary so that the message stays within
 *     WLFILTER_MSG_MAX; set_app_id: the app_id becomes "septa-vm.NAME".
 *   - destroy (opcode 0 of xdg_wm_base, xdg_surface, xdg_toplevel): the
 *     id is forgotten at once, not at wl_display.delete_id: the
 *     compositor takes a reused id as soon as it has handled the
 *     destroy, so waiting would let a toplevel made on the reused id go
 *     unmarked.
 *   - a new_id the filter reads that names a tracked object takes the
 *     new kind, or none (create_positioner, get_popup, sync, a bind of
 *     another interface).
 * Events:
 *   - wl_registry.global on a registry: the name is remembered with
 *     whether its interface is denied; denied ones are dropped.
 *   - wl_registry.global_remove: dropped when the name's interface was
 *     denied. The name is kept as removed (every registry gets its own
 *     global_remove), and its slot is taken by a new global when the
 *     table is full.
 *   - everything else passes.
 *
 * Parsing is strict: a size under 8, over WLFILTER_MSG_MAX or not a
 * multiple of 4, a message the filter reads whose size is not exactly
 * that of its arguments, a string without its NUL, with a NUL inside or
 * longer than the message, a null string where one is read, a new_id of
 * 0 or 1 for a tracked object, or a full object or global table breaks
 * the connection (fail closed).
 *
 * Denied interfaces (wlfilter_denied; the unit test checks that this
 * table and the list match):
 *
 *   interface                           why
 *   ----------------------------------  ---------------------------------
 *   wl_shell                            old shell: windows not marked
 *   zxdg_shell_v6                       old xdg-shell: toplevels unmarked
 *   xdg_shell                           xdg-shell v5: toplevels unmarked
 *   zwlr_layer_shell_v1                 panels and overlays over windows
 *   zwp_fullscreen_shell_v1             takes an output, no toplevel
 *   weston_desktop_shell                weston's panel, background, lock
 *   ivi_application                     IVI: surfaces by numeric id
 *   ivi_wm                              IVI: moves any client's surface
 *   weston_touch_calibration            fullscreen surface, grabs touch
 *   org_kde_plasma_shell                Plasma panels, desktop, overlays
 *   agl_shell                           AGL: background and panels
 *   agl_shell_desktop                   AGL: moves other apps' surfaces
 *   xwayland_shell_v1                   Xwayland's role: windows unmarked
 *   zwlr_screencopy_manager_v1          captures outputs
 *   zwlr_export_dmabuf_manager_v1       captures outputs as dmabufs
 *   ext_image_copy_capture_manager_v1   captures outputs and windows
 *   ext_output_image_capture_source_manager_v1
 *                                       capture source: a whole output
 *   ext_foreign_toplevel_image_capture_source_manager_v1
 *                                       capture source: any window
 *   weston_screenshooter                weston: screenshot of an output
 *   weston_capture_v1                   weston: captures an output
 *   zkde_screencast_unstable_v1         KDE: casts outputs and windows
 *   hyprland_toplevel_export_manager_v1 Hyprland: captures any window
 *   zwlr_foreign_toplevel_manager_v1    lists and controls every window
 *   ext_foreign_toplevel_list_v1        lists every window and its title
 *   org_kde_plasma_window_management    lists and controls every window
 *   zwlr_data_control_manager_v1        clipboard without focus
 *   ext_data_control_manager_v1         clipboard without focus
 *   zwp_input_method_manager_v2         reads and types text anywhere
 *   zwp_input_method_v1                 the same, weston's
 *   zwp_input_panel_v1                  on-screen keyboard surfaces
 *   zwp_virtual_keyboard_manager_v1     types into the focused window
 *   zwlr_virtual_pointer_manager_v1     moves and clicks the pointer
 *   org_kde_kwin_fake_input             KDE: fake keyboard and pointer
 *   ext_transient_seat_manager_v1       new seats, for remote input
 *   zwp_xwayland_keyboard_grab_manager_v1
 *                                       grabs the keyboard from others
 *   zwlr_input_inhibit_manager_v1       takes all input (old lockers)
 *   zwlr_output_manager_v1              reconfigures outputs
 *   zwlr_output_power_manager_v1        turns outputs off
 *   zwlr_gamma_control_manager_v1       changes every output's colours
 *   kde_output_management_v2            KDE: reconfigures outputs
 *   wp_drm_lease_device_v1              takes an output from the host
 *   weston_test                         moves the pointer, fakes keys
 *   weston_debug_v1                     streams the compositor's state
 *   ext_session_lock_manager_v1         locks the session: fake lockers
 *   wp_security_context_manager_v1      listening sockets for new clients
 *
 * Allowed on purpose: zwp_keyboard_shortcuts_inhibit_manager_v1 (the
 * compositor asks the user, and only the focused window is affected) and
 * weston_direct_display_v1 (a hint about a dmabuf, nothing more).
 *
 * Descriptors: a message that carries one is always passed whole, in the
 * output of the call that completes it, so the caller keeps what it
 * received and sends it with the first output after (its bytes then
 * arrive no later than the message's). A call can output nothing (a
 * partial message, a dropped global): the descriptors wait for the next
 * output. The messages the filter adds (set_title, set_app_id) and drops
 * (global, global_remove) carry none.
 */
#ifndef SEPTA_WLFILTER_H
#define SEPTA_WLFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

/* libwayland's own limit on one message. */
#define WLFILTER_MSG_MAX 4096
/* Objects of the tracked interfaces alive at once, and globals known. */
#define WLFILTER_OBJECTS 512
#define WLFILTER_GLOBALS 256

enum wlfilter_dir {
	WLFILTER_REQUEST, /* VM (client) to compositor */
	WLFILTER_EVENT,	  /* compositor to VM (client) */
};

struct wlfilter_object {
	uint32_t id;
	uint8_t kind; /* one of the tracked interfaces; 0: free slot */
};

struct wlfilter_global {
	uint32_t name;
	uint8_t denied;
	uint8_t kind;	 /* the kind a bind makes (xdg_wm_base), or 0 */
	uint8_t removed; /* global_remove seen: the slot may be reused */
};

struct wlfilter {
	char vm[VM_NAME_MAX + 1];
	struct wlfilter_object obj[WLFILTER_OBJECTS];
	size_t nobj; /* obj[nobj..] are all free */
	struct wlfilter_global glob[WLFILTER_GLOBALS];
	size_t nglob;
	unsigned char part[2][WLFILTER_MSG_MAX];
	size_t partlen[2];
	const char *error; /* why the connection broke, once it did */
	char errbuf[128];  /* error, when it names a global */
};

/* The interfaces hidden and refused, NULL-terminated. */
extern const char *const wlfilter_denied[];

/* Is iface on that list? */
bool wlfilter_is_denied(const char *iface);

/* Start a connection's state for VM name vm (valid, vm_name_check; an
 * invalid one makes every wlfilter_feed fail). */
void wlfilter_init(struct wlfilter *f, const char *vm);

/* The most output wlfilter_feed can write for len bytes of input,
 * whatever it holds from earlier calls: WLFILTER_MSG_MAX + 13 * len (a
 * held message completed by the first byte writes at most
 * WLFILTER_MSG_MAX; after that the worst is a 12-byte get_toplevel, which
 * writes 148 bytes with a 48-byte VM name), or SIZE_MAX when that
 * overflows. */
size_t wlfilter_bound(size_t len);
/* The most one byte of input can write, after the first message:
 * get_toplevel (12 bytes) with set_title "[NAME]" (64 bytes with a
 * 48-byte name) and set_app_id "septa-vm.NAME" (72) is 148 bytes. */
#define WLFILTER_GROWTH 13
/* The same, for a constant len: the size of a caller's output buffer. */
#define WLFILTER_OUT_MAX(len) (WLFILTER_MSG_MAX + WLFILTER_GROWTH * (len))

/* Feed len bytes read in direction dir. Writes the filtered bytes to out
 * (cap >= wlfilter_bound(len)) and returns how many, or -1 when the input
 * breaks the protocol or binds a denied global (errno EPROTO), or cap is
 * too small (EINVAL); f->error then says why (printable ASCII only), and
 * every later call fails the same way. */
ssize_t wlfilter_feed(struct wlfilter *f, enum wlfilter_dir dir,
		      const unsigned char *in, size_t len, unsigned char *out,
		      size_t cap);

#endif
