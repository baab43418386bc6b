/*
 * vgw-drm-test: drives the virtio-gpu DRM device through the guest kernel's
 * ioctls and prints one line per result. With "show" it sets a mode with a
 * known pattern on every connected output, page-flips, sets and moves the
 * cursor, creates and maps a guest blob, prints "ready" and holds the
 * display until killed. With "info" it only lists connectors and modes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm/drm.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_mode.h>
#include <drm/virtgpu_drm.h>

#define MAX_OUTPUTS 16
#define CURSOR_SIZE 64

static int fd = -1;

struct buffer {
	uint32_t handle, pitch, fb, width, height;
	uint64_t size;
	uint32_t *pixels;
};

struct output {
	uint32_t connector, crtc;
	struct drm_mode_modeinfo mode;
	struct buffer front, back;
};

static void fail(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static int drm(unsigned long request, void *arg)
{
	int r;
	do
		r = ioctl(fd, request, arg);
	while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r;
}

/* The pattern of guest/drm-pattern.ts: XRGB8888, different in every channel and per seed. */
static uint32_t pattern(uint32_t seed, uint32_t x, uint32_t y)
{
	uint32_t r = (x ^ y ^ (seed * 37)) & 0xff;
	uint32_t g = (y + 101 * seed) & 0xff;
	uint32_t b = (x + 13 * seed) & 0xff;
	return (r << 16) | (g << 8) | b;
}

static void *map_handle(uint64_t offset, uint64_t size, const char *what)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
	if (p == MAP_FAILED)
		fail(what);
	return p;
}

static void create_dumb(struct buffer *b, uint32_t width, uint32_t height)
{
	struct drm_mode_create_dumb create = { .width = width, .height = height, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };

	if (drm(DRM_IOCTL_MODE_CREATE_DUMB, &create))
		fail("CREATE_DUMB");
	b->handle = create.handle;
	b->pitch = create.pitch;
	b->size = create.size;
	b->width = width;
	b->height = height;
	map.handle = create.handle;
	if (drm(DRM_IOCTL_MODE_MAP_DUMB, &map))
		fail("MAP_DUMB");
	b->pixels = map_handle(map.offset, create.size, "mmap dumb buffer");
}

static void add_framebuffer(struct buffer *b, uint32_t format)
{
	struct drm_mode_fb_cmd2 fb = { .width = b->width, .height = b->height, .pixel_format = format };

	fb.handles[0] = b->handle;
	fb.pitches[0] = b->pitch;
	if (drm(DRM_IOCTL_MODE_ADDFB2, &fb))
		fail("ADDFB2");
	b->fb = fb.fb_id;
}

static void fill(struct buffer *b, uint32_t seed)
{
	for (uint32_t y = 0; y < b->height; y++)
		for (uint32_t x = 0; x < b->width; x++)
			b->pixels[y * (b->pitch / 4) + x] = pattern(seed, x, y);
}

static void print_param(const char *name, uint64_t param)
{
	int value = -1;
	struct drm_virtgpu_getparam get = { .param = param, .value = (uintptr_t)&value };

	if (drm(DRM_IOCTL_VIRTGPU_GETPARAM, &get))
		printf("param %s error %s\n", name, strerror(errno));
	else
		printf("param %s=%d\n", name, value);
}

/* Lists connectors; fills `outputs` with the connected ones and their preferred modes. */
static int list_outputs(struct output *outputs)
{
	struct drm_mode_card_res res = { 0 };
	uint32_t crtcs[MAX_OUTPUTS], connectors[MAX_OUTPUTS];
	int count = 0;

	if (drm(DRM_IOCTL_MODE_GETRESOURCES, &res))
		fail("GETRESOURCES");
	if (res.count_crtcs > MAX_OUTPUTS || res.count_connectors > MAX_OUTPUTS) {
		printf("FAIL more than %d crtcs or connectors\n", MAX_OUTPUTS);
		exit(1);
	}
	res.count_fbs = res.count_encoders = 0;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.connector_id_ptr = (uintptr_t)connectors;
	if (drm(DRM_IOCTL_MODE_GETRESOURCES, &res))
		fail("GETRESOURCES (ids)");
	printf("resources crtcs=%u connectors=%u min=%ux%u max=%ux%u\n", res.count_crtcs, res.count_connectors,
	       res.min_width, res.min_height, res.max_width, res.max_height);

	for (uint32_t i = 0; i < res.count_connectors; i++) {
		struct drm_mode_get_connector conn = { .connector_id = connectors[i] };
		struct drm_mode_modeinfo *modes;
		int preferred = -1;

		if (drm(DRM_IOCTL_MODE_GETCONNECTOR, &conn))
			fail("GETCONNECTOR");
		modes = calloc(conn.count_modes + 1, sizeof(*modes));
		conn.count_props = conn.count_encoders = 0;
		conn.modes_ptr = (uintptr_t)modes;
		if (drm(DRM_IOCTL_MODE_GETCONNECTOR, &conn))
			fail("GETCONNECTOR (modes)");
		printf("connector %u Virtual-%u %s modes=", conn.connector_id, conn.connector_type_id,
		       conn.connection == 1 ? "connected" : "disconnected");
		for (uint32_t m = 0; m < conn.count_modes; m++) {
			printf("%s%ux%u", m ? "," : "", modes[m].hdisplay, modes[m].vdisplay);
			if (preferred < 0 && (modes[m].type & DRM_MODE_TYPE_PREFERRED))
				preferred = m;
		}
		if (preferred < 0 && conn.count_modes)
			preferred = 0;
		if (preferred >= 0)
			printf(" preferred=%ux%u", modes[preferred].hdisplay, modes[preferred].vdisplay);
		printf("\n");
		if (conn.connection == 1 && preferred >= 0 && i < res.count_crtcs) {
			outputs[count].connector = conn.connector_id;
			outputs[count].crtc = crtcs[i];
			outputs[count].mode = modes[preferred];
			count++;
		}
		free(modes);
	}
	return count;
}

static void set_mode(struct output *o, uint32_t index)
{
	struct drm_mode_crtc crtc = { .crtc_id = o->crtc, .set_connectors_ptr = (uintptr_t)&o->connector, .count_connectors = 1, .mode_valid = 1 };

	create_dumb(&o->front, o->mode.hdisplay, o->mode.vdisplay);
	create_dumb(&o->back, o->mode.hdisplay, o->mode.vdisplay);
	fill(&o->front, index);
	fill(&o->back, index + 8);
	add_framebuffer(&o->front, DRM_FORMAT_XRGB8888);
	add_framebuffer(&o->back, DRM_FORMAT_XRGB8888);
	crtc.fb_id = o->front.fb;
	crtc.mode = o->mode;
	if (drm(DRM_IOCTL_MODE_SETCRTC, &crtc))
		fail("SETCRTC");
	printf("output %u mode %ux%u pattern %u\n", index, o->mode.hdisplay, o->mode.vdisplay, index);
}

static void page_flip(struct output *o, uint32_t index)
{
	struct drm_mode_crtc_page_flip flip = { .crtc_id = o->crtc, .fb_id = o->back.fb, .flags = DRM_MODE_PAGE_FLIP_EVENT, .user_data = index };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char events[256];
	ssize_t n;

	if (drm(DRM_IOCTL_MODE_PAGE_FLIP, &flip))
		fail("PAGE_FLIP");
	if (poll(&pfd, 1, 5000) != 1)
		fail("waiting for the flip event");
	n = read(fd, events, sizeof(events));
	if (n < (ssize_t)sizeof(struct drm_event) || ((struct drm_event *)events)->type != DRM_EVENT_FLIP_COMPLETE)
		fail("reading the flip event");
	printf("output %u flipped pattern %u\n", index, index + 8);
}

static void cursor(struct output *o)
{
	struct buffer b;
	struct drm_mode_cursor2 set = { .flags = DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE, .crtc_id = o->crtc, .x = 100, .y = 50,
					.width = CURSOR_SIZE, .height = CURSOR_SIZE, .hot_x = 2, .hot_y = 3 };
	struct drm_mode_cursor move = { .flags = DRM_MODE_CURSOR_MOVE, .crtc_id = o->crtc, .x = 200, .y = 120 };

	create_dumb(&b, CURSOR_SIZE, CURSOR_SIZE);
	/* ARGB8888: an opaque 8x8 magenta block at the top-left, transparent elsewhere. */
	for (uint32_t y = 0; y < CURSOR_SIZE; y++)
		for (uint32_t x = 0; x < CURSOR_SIZE; x++)
			b.pixels[y * (b.pitch / 4) + x] = x < 8 && y < 8 ? 0xffff00ff : 0;
	set.handle = b.handle;
	if (drm(DRM_IOCTL_MODE_CURSOR2, &set))
		fail("CURSOR2");
	printf("cursor set at %u,%u hot %u,%u\n", set.x, set.y, set.hot_x, set.hot_y);
	usleep(200 * 1000);
	if (drm(DRM_IOCTL_MODE_CURSOR, &move))
		fail("CURSOR move");
	printf("cursor moved to %u,%u\n", move.x, move.y);
}

static void blob(void)
{
	const uint32_t size = 64 * 1024;
	struct drm_virtgpu_resource_create_blob create = { .blob_mem = VIRTGPU_BLOB_MEM_GUEST, .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE, .size = size };
	struct drm_virtgpu_map map = { 0 };
	struct drm_virtgpu_resource_info info = { 0 };
	uint32_t *words;

	if (drm(DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &create))
		fail("RESOURCE_CREATE_BLOB");
	map.handle = create.bo_handle;
	if (drm(DRM_IOCTL_VIRTGPU_MAP, &map))
		fail("VIRTGPU_MAP");
	words = map_handle(map.offset, size, "mmap blob");
	for (uint32_t i = 0; i < size / 4; i++)
		words[i] = i * 2654435761u;
	for (uint32_t i = 0; i < size / 4; i++)
		if (words[i] != i * 2654435761u) {
			printf("FAIL blob readback at word %u\n", i);
			exit(1);
		}
	info.bo_handle = create.bo_handle;
	if (drm(DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &info))
		fail("RESOURCE_INFO");
	printf("blob res_handle=%u bo_handle=%u size=%u mapped ok\n", create.res_handle, create.bo_handle, info.size);
}

static void hold(int signal)
{
	(void)signal;
}

int main(int argc, char **argv)
{
	struct output outputs[MAX_OUTPUTS];
	int show = argc > 1 && strcmp(argv[1], "show") == 0;
	int count;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || (!show && strcmp(argv[1], "info") != 0)) {
		fprintf(stderr, "usage: vgw-drm-test info|show\n");
		return 2;
	}
	fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail("open /dev/dri/card0");
	print_param("resource_blob", VIRTGPU_PARAM_RESOURCE_BLOB);
	print_param("context_init", VIRTGPU_PARAM_CONTEXT_INIT);
	count = list_outputs(outputs);
	if (!show)
		return 0;
	if (count == 0) {
		printf("FAIL no connected output\n");
		return 1;
	}
	for (int i = 0; i < count; i++)
		set_mode(&outputs[i], i);
	for (int i = 0; i < count; i++)
		page_flip(&outputs[i], i);
	cursor(&outputs[0]);
	blob();
	signal(SIGTERM, hold);
	signal(SIGINT, hold);
	printf("ready\n");
	pause();
	printf("done\n");
	return 0;
}
