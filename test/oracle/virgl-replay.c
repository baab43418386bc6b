/*
 * virgl-replay: the project's reference renderer for tests.
 *
 * Replays a virtio-gpu-web trace (src/trace/FORMAT.md) on Debian's
 * libvirglrenderer (EGL surfaceless on Mesa's software rasterizer) and writes
 * every flushed scanout and every readback as an RGBA PNG.
 *
 *   virgl-replay TRACE --out DIR [--stats] [--verbose] [--frames-of N,N...]
 *
 * --frames-of writes only the frames of the RESOURCE_FLUSH commands listed,
 * by their index among the trace's commands (0-based, counting every COMMAND
 * record whose request holds a header); the other flushes still count, so a
 * frame has the name it has in a full run.
 *
 * The trace holds guest-produced bytes: every length, offset and count is
 * checked before use. A malformed file ends the run with exit status 1 and a
 * message naming the record and byte offset; odd but well-framed commands are
 * counted and reported, never fatal.
 *
 * Numbers come from the virtio 1.3 spec (5.7), this repo's src/protocol and
 * Mesa's virgl_protocol.h / virgl_hw.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <png.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <virglrenderer.h>

/* virglrenderer.h declares the box only by name; its layout is six u32s (x, y, z, w, h, d), as in virtio's box. */
struct virgl_box {
   uint32_t x, y, z, w, h, d;
};

enum {
   EXIT_MALFORMED = 1,
   EXIT_USAGE = 2,
   EXIT_RENDERER = 3,
};

/* Trace format, version 1. */
#define TRACE_MAGIC "VGWTRACE"
#define TRACE_VERSION 1
#define TRACE_MIN_HEADER 16
enum { REC_DEVICE = 1, REC_CAPSET = 2, REC_COMMAND = 3, REC_MEMORY = 4 };
enum { QUEUE_CONTROL = 0, QUEUE_CURSOR = 1 };

/* virtio-gpu commands and answers. */
enum {
   CMD_GET_DISPLAY_INFO = 0x0100,
   CMD_RESOURCE_CREATE_2D = 0x0101,
   CMD_RESOURCE_UNREF = 0x0102,
   CMD_SET_SCANOUT = 0x0103,
   CMD_RESOURCE_FLUSH = 0x0104,
   CMD_TRANSFER_TO_HOST_2D = 0x0105,
   CMD_RESOURCE_ATTACH_BACKING = 0x0106,
   CMD_RESOURCE_DETACH_BACKING = 0x0107,
   CMD_GET_CAPSET_INFO = 0x0108,
   CMD_GET_CAPSET = 0x0109,
   CMD_GET_EDID = 0x010a,
   CMD_RESOURCE_ASSIGN_UUID = 0x010b,
   CMD_RESOURCE_CREATE_BLOB = 0x010c,
   CMD_SET_SCANOUT_BLOB = 0x010d,
   CMD_CTX_CREATE = 0x0200,
   CMD_CTX_DESTROY = 0x0201,
   CMD_CTX_ATTACH_RESOURCE = 0x0202,
   CMD_CTX_DETACH_RESOURCE = 0x0203,
   CMD_RESOURCE_CREATE_3D = 0x0204,
   CMD_TRANSFER_TO_HOST_3D = 0x0205,
   CMD_TRANSFER_FROM_HOST_3D = 0x0206,
   CMD_SUBMIT_3D = 0x0207,
   CMD_RESOURCE_MAP_BLOB = 0x0208,
   CMD_RESOURCE_UNMAP_BLOB = 0x0209,
   CMD_UPDATE_CURSOR = 0x0300,
   CMD_MOVE_CURSOR = 0x0301,
};
#define RESP_ERR_FIRST 0x1200
#define RESP_ERR_LAST 0x12ff
#define FLAG_FENCE 1u
#define HDR_SIZE 24
#define MEM_ENTRY_SIZE 16
#define MAX_SCANOUTS 16
#define BLOB_MEM_GUEST 1
#define BLOB_MEM_HOST3D 2
#define BLOB_MEM_HOST3D_GUEST 3
#define CONTEXT_INIT_CAPSET_MASK 0xffu

/* virgl resource creation as QEMU's virgl mode does it for a 2D resource. */
#define PIPE_TEXTURE_2D 2
#define VIRGL_BIND_RENDER_TARGET (1u << 1)
#define VIRGL_RESOURCE_Y_0_TOP (1u << 0)

/* Host memory this replayer will give one backing or one picture: far above any real guest's. */
#define MAX_BACKING_BYTES ((uint64_t)1 << 30)
#define MAX_PICTURE_PIXELS ((uint64_t)1 << 26)
#define MAX_RECORD_BYTES ((uint64_t)1 << 31)

/* ---------- reporting ---------- */

static const char *trace_path;
static uint64_t record_index;
static uint64_t record_offset;

static void malformed(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void malformed(const char *fmt, ...)
{
   va_list ap;
   va_start(ap, fmt);
   fprintf(stderr, "virgl-replay: malformed trace %s: record %llu at byte %llu: ", trace_path,
           (unsigned long long)record_index, (unsigned long long)record_offset);
   vfprintf(stderr, fmt, ap);
   fputc('\n', stderr);
   va_end(ap);
   exit(EXIT_MALFORMED);
}

static void *xcalloc(size_t n, size_t size)
{
   void *p = calloc(n ? n : 1, size ? size : 1);
   if (!p) {
      fprintf(stderr, "virgl-replay: out of host memory (%zu x %zu bytes)\n", n, size);
      exit(EXIT_RENDERER);
   }
   return p;
}

/* Counted notes: odd but harmless things, reported once each on stderr and counted in the summary. */
#define MAX_NOTES 64
static struct {
   const char *key;
   uint64_t count;
} notes[MAX_NOTES];

static void note(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const char *key, const char *fmt, ...)
{
   int i;
   for (i = 0; i < MAX_NOTES && notes[i].key; i++)
      if (strcmp(notes[i].key, key) == 0)
         break;
   if (i == MAX_NOTES)
      i = MAX_NOTES - 1;
   if (!notes[i].key)
      notes[i].key = key;
   if (notes[i].count++ == 0) {
      va_list ap;
      va_start(ap, fmt);
      fprintf(stderr, "virgl-replay: note %s (record %llu, first of its kind): ", key, (unsigned long long)record_index);
      vfprintf(stderr, fmt, ap);
      fputc('\n', stderr);
      va_end(ap);
   }
}

static uint64_t renderer_errors;
/* virglrenderer reports a bad command stream only in its log (submit_cmd still answers 0): counted from there. */
static uint64_t stream_errors;

static void renderer_log(const char *fmt, va_list ap)
{
   char line[1024];
   vsnprintf(line, sizeof(line), fmt, ap);
   if (strstr(line, "context error"))
      stream_errors++;
   fprintf(stderr, "virglrenderer: %s", line);
}

static void renderer_error(const char *what, int code, uint32_t resource_id)
{
   if (renderer_errors++ < 20)
      fprintf(stderr, "virgl-replay: record %llu: %s failed (%d) for resource %u\n", (unsigned long long)record_index, what,
              code, resource_id);
}

/* ---------- little-endian fields ---------- */

static uint32_t rd32(const uint8_t *p)
{
   return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
   return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* ---------- resources ---------- */

struct resource {
   uint32_t id;
   uint32_t format;
   uint32_t width, height;
   bool in_renderer;  /* known to virglrenderer (guest blobs are ours alone) */
   uint8_t *backing;  /* one linear range, laid out as FORMAT.md says */
   uint64_t backing_size;
   struct iovec iov;  /* virglrenderer keeps this pointer while attached: it lives as long as the resource */
   bool attached;
   struct resource *next;
};

#define RESOURCE_BUCKETS 1024
static struct resource *resources[RESOURCE_BUCKETS];

static struct resource *find_resource(uint32_t id)
{
   for (struct resource *r = resources[id % RESOURCE_BUCKETS]; r; r = r->next)
      if (r->id == id)
         return r;
   return NULL;
}

static struct resource *add_resource(uint32_t id)
{
   struct resource *r = xcalloc(1, sizeof(*r));
   r->id = id;
   r->next = resources[id % RESOURCE_BUCKETS];
   resources[id % RESOURCE_BUCKETS] = r;
   return r;
}

static void detach_backing(struct resource *r)
{
   if (r->attached) {
      struct iovec *iov = NULL;
      int n = 0;
      virgl_renderer_resource_detach_iov((int)r->id, &iov, &n);
      r->attached = false;
   }
   free(r->backing);
   r->backing = NULL;
   r->backing_size = 0;
}

static void attach_backing(struct resource *r)
{
   r->iov.iov_base = r->backing;
   r->iov.iov_len = (size_t)r->backing_size;
   if (!r->in_renderer)
      return;
   int rc = virgl_renderer_resource_attach_iov((int)r->id, &r->iov, 1);
   if (rc)
      renderer_error("resource_attach_iov", rc, r->id);
   else
      r->attached = true;
}

/* A zeroed backing of `size` bytes, replacing any earlier one. */
static bool new_backing(struct resource *r, uint64_t size)
{
   detach_backing(r);
   if (size > MAX_BACKING_BYTES) {
      note("backing-too-large", "resource %u asks for %llu bytes of backing; not replayed", r->id, (unsigned long long)size);
      return false;
   }
   r->backing = xcalloc(1, (size_t)size);
   r->backing_size = size;
   attach_backing(r);
   return true;
}

static void remove_resource(uint32_t id)
{
   struct resource **link = &resources[id % RESOURCE_BUCKETS];
   while (*link && (*link)->id != id)
      link = &(*link)->next;
   struct resource *r = *link;
   if (!r)
      return;
   detach_backing(r);
   if (r->in_renderer)
      virgl_renderer_resource_unref(r->id);
   *link = r->next;
   free(r);
}

/* ---------- scanouts ---------- */

struct scanout {
   uint32_t resource_id; /* 0: disabled */
   uint32_t x, y, width, height;
   bool blob;
   uint32_t blob_format, blob_stride, blob_offset;
};

static struct scanout scanouts[MAX_SCANOUTS];

/* ---------- pictures ---------- */

struct swizzle {
   uint32_t format;
   int8_t r, g, b, a; /* memory byte of each channel; a < 0: no alpha (X), written as 255 */
};

/* The eight 2D formats of virtio-gpu, whose numbers are also virgl's. */
static const struct swizzle swizzles[] = {
   {1, 2, 1, 0, 3},   /* B8G8R8A8 */
   {2, 2, 1, 0, -1},  /* B8G8R8X8 */
   {3, 1, 2, 3, 0},   /* A8R8G8B8 */
   {4, 1, 2, 3, -1},  /* X8R8G8B8 */
   {67, 0, 1, 2, 3},  /* R8G8B8A8 */
   {68, 3, 2, 1, -1}, /* X8B8G8R8 */
   {121, 3, 2, 1, 0}, /* A8B8G8R8 */
   {134, 0, 1, 2, -1} /* R8G8B8X8 */
};

static const struct swizzle *swizzle_of(uint32_t format)
{
   for (size_t i = 0; i < sizeof(swizzles) / sizeof(swizzles[0]); i++)
      if (swizzles[i].format == format)
         return &swizzles[i];
   return NULL;
}

static const char *out_dir;
static bool verbose;
static uint64_t frames_written;
/* --frames-of: the command indices whose frames are written; NULL writes every frame. */
static uint64_t *frames_of;
static size_t frames_of_count;
static uint64_t commands_total;

static bool frame_wanted(void)
{
   if (!frames_of)
      return true;
   for (size_t i = 0; i < frames_of_count; i++)
      if (frames_of[i] == commands_total - 1)
         return true;
   return false;
}
static uint64_t readbacks_written;

/* libpng reports errors by longjmp: nothing here is live across the jump but the arguments. */
static bool encode_png(png_structp png, png_infop info, FILE *f, const uint8_t *pixels, uint32_t width, uint32_t height,
                       uint64_t stride, const struct swizzle *sw, uint8_t *row)
{
   if (setjmp(png_jmpbuf(png)))
      return false;
   png_init_io(png, f);
   png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
   png_write_info(png, info);
   for (uint32_t y = 0; y < height; y++) {
      const uint8_t *src = pixels + (uint64_t)y * stride;
      for (uint32_t x = 0; x < width; x++, src += 4) {
         row[4 * x + 0] = src[sw->r];
         row[4 * x + 1] = src[sw->g];
         row[4 * x + 2] = src[sw->b];
         row[4 * x + 3] = sw->a < 0 ? 255 : src[sw->a];
      }
      png_write_row(png, row);
   }
   png_write_end(png, info);
   return true;
}

/* Writes width x height pixels of `format`, rows `stride` bytes apart, as an RGBA PNG in the output folder. */
static bool write_png(const char *name, const uint8_t *pixels, uint32_t width, uint32_t height, uint64_t stride,
                      const struct swizzle *sw)
{
   char path[4096];
   if (snprintf(path, sizeof(path), "%s/%s", out_dir, name) >= (int)sizeof(path)) {
      fprintf(stderr, "virgl-replay: output path too long: %s/%s\n", out_dir, name);
      return false;
   }
   FILE *f = fopen(path, "wb");
   if (!f) {
      fprintf(stderr, "virgl-replay: cannot write %s: %s\n", path, strerror(errno));
      return false;
   }
   png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
   png_infop info = png ? png_create_info_struct(png) : NULL;
   uint8_t *row = xcalloc(width, 4);
   bool ok = png && info && encode_png(png, info, f, pixels, width, height, stride, sw, row);
   png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
   free(row);
   if (fclose(f) != 0)
      ok = false;
   if (!ok)
      fprintf(stderr, "virgl-replay: writing %s failed\n", path);
   else if (verbose)
      fprintf(stderr, "virgl-replay: wrote %s\n", path);
   return ok;
}

/* How to picture `format` at this size, or NULL (noted) when it has no PNG mapping or no fitting size. */
static const struct swizzle *picture_swizzle(uint32_t format, uint32_t resource_id, uint32_t width, uint32_t height)
{
   const struct swizzle *sw = swizzle_of(format);
   if (!sw) {
      note("picture-format-unsupported", "format %u of resource %u has no PNG mapping", format, resource_id);
      return NULL;
   }
   if (width == 0 || height == 0)
      return NULL;
   if ((uint64_t)width * height > MAX_PICTURE_PIXELS) {
      note("picture-too-large", "%ux%u pixels: not written", width, height);
      return NULL;
   }
   return sw;
}

/* Reads a rectangle of level 0, layer `z`, of a renderer resource back from the renderer and writes it as a PNG. */
static bool read_back_png(const char *name, struct resource *r, uint32_t ctx_id, uint32_t format, uint32_t x, uint32_t y,
                          uint32_t z, uint32_t width, uint32_t height)
{
   const struct swizzle *sw = picture_swizzle(format, r->id, width, height);
   if (!sw)
      return false;
   uint64_t stride = (uint64_t)width * 4;
   uint8_t *pixels = xcalloc((size_t)height, (size_t)stride);
   struct iovec iov = {pixels, (size_t)(stride * height)};
   struct virgl_box box = {x, y, z, width, height, 1};
   int rc = virgl_renderer_transfer_read_iov(r->id, ctx_id, 0, (uint32_t)stride, 0, &box, 0, &iov, 1);
   bool ok = false;
   if (rc)
      renderer_error("transfer_read_iov (picture)", rc, r->id);
   else
      ok = write_png(name, pixels, width, height, stride, sw);
   free(pixels);
   return ok;
}

/* ---------- virgl stream statistics (--stats) ---------- */

static const char *const ccmd_names[] = {
   "NOP", "CREATE_OBJECT", "BIND_OBJECT", "DESTROY_OBJECT", "SET_VIEWPORT_STATE", "SET_FRAMEBUFFER_STATE",
   "SET_VERTEX_BUFFERS", "CLEAR", "DRAW_VBO", "RESOURCE_INLINE_WRITE", "SET_SAMPLER_VIEWS", "SET_INDEX_BUFFER",
   "SET_CONSTANT_BUFFER", "SET_STENCIL_REF", "SET_BLEND_COLOR", "SET_SCISSOR_STATE", "BLIT", "RESOURCE_COPY_REGION",
   "BIND_SAMPLER_STATES", "BEGIN_QUERY", "END_QUERY", "GET_QUERY_RESULT", "SET_POLYGON_STIPPLE", "SET_CLIP_STATE",
   "SET_SAMPLE_MASK", "SET_STREAMOUT_TARGETS", "SET_RENDER_CONDITION", "SET_UNIFORM_BUFFER", "SET_SUB_CTX",
   "CREATE_SUB_CTX", "DESTROY_SUB_CTX", "BIND_SHADER", "SET_TESS_STATE", "SET_MIN_SAMPLES", "SET_SHADER_BUFFERS",
   "SET_SHADER_IMAGES", "MEMORY_BARRIER", "LAUNCH_GRID", "SET_FRAMEBUFFER_STATE_NO_ATTACH", "TEXTURE_BARRIER",
   "SET_ATOMIC_BUFFERS", "SET_DEBUG_FLAGS", "GET_QUERY_RESULT_QBO", "TRANSFER3D", "END_TRANSFERS",
   "COPY_TRANSFER3D", "SET_TWEAKS", "CLEAR_TEXTURE", "PIPE_RESOURCE_CREATE", "PIPE_RESOURCE_SET_TYPE",
   "GET_MEMORY_INFO", "EMIT_STRING_MARKER", "LINK_SHADER", "CREATE_VIDEO_CODEC", "DESTROY_VIDEO_CODEC",
   "CREATE_VIDEO_BUFFER", "DESTROY_VIDEO_BUFFER", "BEGIN_FRAME", "DECODE_MACROBLOCK", "DECODE_BITSTREAM",
   "ENCODE_BITSTREAM", "END_FRAME",
};
#define CCMD_COUNT (sizeof(ccmd_names) / sizeof(ccmd_names[0]))
static const char *const object_names[] = {
   "NULL", "BLEND", "RASTERIZER", "DSA", "SHADER", "VERTEX_ELEMENTS", "SAMPLER_VIEW", "SAMPLER_STATE",
   "SURFACE", "QUERY", "STREAMOUT_TARGET", "MSAA_SURFACE",
};
#define OBJECT_COUNT (sizeof(object_names) / sizeof(object_names[0]))
enum { CCMD_CREATE_OBJECT = 1, CCMD_BIND_OBJECT = 2, CCMD_DESTROY_OBJECT = 3 };

/* Commands whose header's second byte is an object type, counted per type. */
static bool names_object(uint32_t cmd)
{
   return cmd == CCMD_CREATE_OBJECT || cmd == CCMD_BIND_OBJECT || cmd == CCMD_DESTROY_OBJECT;
}

static bool want_stats;
/* Indexed by the header's low 16 bits (command, object type). */
static uint64_t virgl_count[1 << 16];
static uint64_t virgl_dwords[1 << 16];

static void count_stream(const uint8_t *stream, uint32_t ndw)
{
   uint32_t at = 0;
   while (at < ndw) {
      uint32_t header = rd32(stream + 4 * (uint64_t)at);
      uint32_t length = header >> 16;
      uint32_t cmd = header & 0xff;
      uint32_t key = names_object(cmd) ? header & 0xffff : cmd;
      if ((uint64_t)at + 1 + length > ndw) {
         note("virgl-stream-truncated", "a command of %u dwords at dword %u overruns its %u-dword stream", length, at, ndw);
         return;
      }
      virgl_count[key]++;
      virgl_dwords[key] += 1 + length;
      at += 1 + length;
   }
}

static void virgl_name(uint32_t key, char *out, size_t size)
{
   uint32_t cmd = key & 0xff, obj = key >> 8;
   const char *c = cmd < CCMD_COUNT ? ccmd_names[cmd] : NULL;
   const char *o = obj < OBJECT_COUNT ? object_names[obj] : NULL;
   if (!c)
      snprintf(out, size, "UNKNOWN_%u", cmd);
   else if (names_object(cmd)) {
      if (o)
         snprintf(out, size, "%s.%s", c, o);
      else
         snprintf(out, size, "%s.UNKNOWN_%u", c, obj);
   } else
      snprintf(out, size, "%s", c);
}

/* ---------- commands ---------- */

struct command_name {
   uint32_t type;
   const char *name;
};

static const struct command_name command_names[] = {
   {CMD_GET_DISPLAY_INFO, "GET_DISPLAY_INFO"},
   {CMD_RESOURCE_CREATE_2D, "RESOURCE_CREATE_2D"},
   {CMD_RESOURCE_UNREF, "RESOURCE_UNREF"},
   {CMD_SET_SCANOUT, "SET_SCANOUT"},
   {CMD_RESOURCE_FLUSH, "RESOURCE_FLUSH"},
   {CMD_TRANSFER_TO_HOST_2D, "TRANSFER_TO_HOST_2D"},
   {CMD_RESOURCE_ATTACH_BACKING, "RESOURCE_ATTACH_BACKING"},
   {CMD_RESOURCE_DETACH_BACKING, "RESOURCE_DETACH_BACKING"},
   {CMD_GET_CAPSET_INFO, "GET_CAPSET_INFO"},
   {CMD_GET_CAPSET, "GET_CAPSET"},
   {CMD_GET_EDID, "GET_EDID"},
   {CMD_RESOURCE_ASSIGN_UUID, "RESOURCE_ASSIGN_UUID"},
   {CMD_RESOURCE_CREATE_BLOB, "RESOURCE_CREATE_BLOB"},
   {CMD_SET_SCANOUT_BLOB, "SET_SCANOUT_BLOB"},
   {CMD_CTX_CREATE, "CTX_CREATE"},
   {CMD_CTX_DESTROY, "CTX_DESTROY"},
   {CMD_CTX_ATTACH_RESOURCE, "CTX_ATTACH_RESOURCE"},
   {CMD_CTX_DETACH_RESOURCE, "CTX_DETACH_RESOURCE"},
   {CMD_RESOURCE_CREATE_3D, "RESOURCE_CREATE_3D"},
   {CMD_TRANSFER_TO_HOST_3D, "TRANSFER_TO_HOST_3D"},
   {CMD_TRANSFER_FROM_HOST_3D, "TRANSFER_FROM_HOST_3D"},
   {CMD_SUBMIT_3D, "SUBMIT_3D"},
   {CMD_RESOURCE_MAP_BLOB, "RESOURCE_MAP_BLOB"},
   {CMD_RESOURCE_UNMAP_BLOB, "RESOURCE_UNMAP_BLOB"},
   {CMD_UPDATE_CURSOR, "UPDATE_CURSOR"},
   {CMD_MOVE_CURSOR, "MOVE_CURSOR"},
};
#define COMMAND_KINDS (sizeof(command_names) / sizeof(command_names[0]))

static uint64_t command_replayed[COMMAND_KINDS];
static uint64_t command_skipped[COMMAND_KINDS];
static uint64_t unknown_commands;

static int command_index(uint32_t type)
{
   for (size_t i = 0; i < COMMAND_KINDS; i++)
      if (command_names[i].type == type)
         return (int)i;
   return -1;
}

struct request {
   const uint8_t *bytes;
   uint64_t size;
   uint32_t type, flags, ctx_id;
   uint64_t fence_id;
};

/* The request must be at least `size` bytes; a shorter one is counted and not replayed. */
static bool fits(const struct request *q, uint64_t size, const char *name)
{
   if (q->size >= size)
      return true;
   note("request-too-short", "%s of %llu bytes, needs %llu", name, (unsigned long long)q->size, (unsigned long long)size);
   return false;
}

static struct resource *renderer_resource(uint32_t id, const char *what)
{
   struct resource *r = find_resource(id);
   if (!r)
      note("unknown-resource", "%s names resource %u, which the trace never created", what, id);
   return r;
}

/* A new resource needs an id that is not 0 and not in use. */
static bool id_free(uint32_t id)
{
   if (id != 0 && !find_resource(id))
      return true;
   note("resource-id-reused", "resource %u created twice or as 0", id);
   return false;
}

static void create_in_renderer(uint32_t id, struct virgl_renderer_resource_create_args *args, uint32_t format,
                               uint32_t width, uint32_t height)
{
   if (!id_free(id))
      return;
   int rc = virgl_renderer_resource_create(args, NULL, 0);
   if (rc) {
      renderer_error("resource_create", rc, id);
      return;
   }
   struct resource *r = add_resource(id);
   r->in_renderer = true;
   r->format = format;
   r->width = width;
   r->height = height;
}

static void resource_create_2d(const struct request *q)
{
   if (!fits(q, HDR_SIZE + 16, "RESOURCE_CREATE_2D"))
      return;
   const uint8_t *p = q->bytes + HDR_SIZE;
   struct virgl_renderer_resource_create_args args = {
      .handle = rd32(p),
      .target = PIPE_TEXTURE_2D,
      .format = rd32(p + 4),
      .bind = VIRGL_BIND_RENDER_TARGET,
      .width = rd32(p + 8),
      .height = rd32(p + 12),
      .depth = 1,
      .array_size = 1,
      .flags = VIRGL_RESOURCE_Y_0_TOP,
   };
   create_in_renderer(args.handle, &args, args.format, args.width, args.height);
}

static void resource_create_3d(const struct request *q)
{
   if (!fits(q, HDR_SIZE + 48, "RESOURCE_CREATE_3D"))
      return;
   const uint8_t *p = q->bytes + HDR_SIZE;
   struct virgl_renderer_resource_create_args args = {
      .handle = rd32(p),
      .target = rd32(p + 4),
      .format = rd32(p + 8),
      .bind = rd32(p + 12),
      .width = rd32(p + 16),
      .height = rd32(p + 20),
      .depth = rd32(p + 24),
      .array_size = rd32(p + 28),
      .last_level = rd32(p + 32),
      .nr_samples = rd32(p + 36),
      .flags = rd32(p + 40),
   };
   create_in_renderer(args.handle, &args, args.format, args.width, args.height);
}

/* Sum of the memory entries' lengths that follow a request's fixed part, or UINT64_MAX when they do not fit. */
static uint64_t entries_length(const struct request *q, uint64_t fixed, uint32_t count)
{
   if ((q->size - fixed) / MEM_ENTRY_SIZE < count) {
      note("request-too-short", "%u memory entries do not fit in %llu bytes", count, (unsigned long long)q->size);
      return UINT64_MAX;
   }
   uint64_t total = 0;
   for (uint32_t i = 0; i < count; i++)
      total += rd32(q->bytes + fixed + (uint64_t)i * MEM_ENTRY_SIZE + 8);
   return total;
}

static void resource_attach_backing(const struct request *q)
{
   if (!fits(q, HDR_SIZE + 8, "RESOURCE_ATTACH_BACKING"))
      return;
   uint32_t id = rd32(q->bytes + HDR_SIZE);
   uint64_t total = entries_length(q, HDR_SIZE + 8, rd32(q->bytes + HDR_SIZE + 4));
   struct resource *r = renderer_resource(id, "RESOURCE_ATTACH_BACKING");
   if (r && total != UINT64_MAX)
      new_backing(r, total);
}

static void resource_create_blob(const struct request *q)
{
   if (!fits(q, HDR_SIZE + 32, "RESOURCE_CREATE_BLOB"))
      return;
   const uint8_t *p = q->bytes + HDR_SIZE;
   uint32_t id = rd32(p), blob_mem = rd32(p + 4), blob_flags = rd32(p + 8), count = rd32(p + 12);
   uint64_t blob_id = rd64(p + 16), size = rd64(p + 24);
   uint64_t total = entries_length(q, HDR_SIZE + 32, count);
   if (total == UINT64_MAX || !id_free(id))
      return;
   struct resource *r = add_resource(id);
   if (blob_mem == BLOB_MEM_GUEST) {
      /* Pixels live in guest pages alone: flushes of a SET_SCANOUT_BLOB on it are pictures of the backing. */
      note("guest-blob", "resource %u is a guest-memory blob: kept as backing only, not given to the renderer", id);
      new_backing(r, total);
      return;
   }
   if (blob_mem != BLOB_MEM_HOST3D && blob_mem != BLOB_MEM_HOST3D_GUEST) {
      note("blob-mem-unsupported", "resource %u: blob_mem %u", id, blob_mem);
      return;
   }
   if (blob_mem == BLOB_MEM_HOST3D_GUEST) {
      /* Not yet in the renderer, so new_backing only allocates it; given at creation, so it counts as attached: transfers use it. */
      if (!new_backing(r, total))
         return;
      r->attached = true;
   }
   struct virgl_renderer_resource_create_blob_args args = {
      .res_handle = id,
      .ctx_id = q->ctx_id,
      .blob_mem = blob_mem,
      .blob_flags = blob_flags,
      .blob_id = blob_id,
      .size = size,
      .iovecs = r->backing ? &r->iov : NULL,
      .num_iovs = r->backing ? 1 : 0,
   };
   int rc = virgl_renderer_resource_create_blob(&args);
   if (rc) {
      renderer_error("resource_create_blob", rc, id);
      r->attached = false;
   } else {
      r->in_renderer = true;
   }
}

/* A transfer request; the 2D one has a 2D box, level 0 and the renderer's own strides (0). */
struct transfer {
   struct virgl_box box;
   uint64_t offset;
   uint32_t id, ctx_id, level, stride, layer_stride;
};

/* Decodes TRANSFER_TO_HOST_3D or TRANSFER_FROM_HOST_3D (the same layout); false when the request is too short. */
static bool transfer_3d(const struct request *q, const char *name, struct transfer *t)
{
   if (!fits(q, HDR_SIZE + 48, name))
      return false;
   const uint8_t *p = q->bytes + HDR_SIZE;
   *t = (struct transfer){
      .box = {rd32(p), rd32(p + 4), rd32(p + 8), rd32(p + 12), rd32(p + 16), rd32(p + 20)},
      .offset = rd64(p + 24),
      .id = rd32(p + 32),
      .ctx_id = q->ctx_id,
      .level = rd32(p + 36),
      .stride = rd32(p + 40),
      .layer_stride = rd32(p + 44),
   };
   return true;
}

static void transfer_to_host(const struct request *q, bool three_d)
{
   const char *name = three_d ? "TRANSFER_TO_HOST_3D" : "TRANSFER_TO_HOST_2D";
   struct transfer t;
   if (three_d) {
      if (!transfer_3d(q, name, &t))
         return;
   } else {
      if (!fits(q, HDR_SIZE + 32, name))
         return;
      const uint8_t *p = q->bytes + HDR_SIZE;
      t = (struct transfer){.box = {rd32(p), rd32(p + 4), 0, rd32(p + 8), rd32(p + 12), 1}, .offset = rd64(p + 16), .id = rd32(p + 24)};
   }
   struct resource *r = renderer_resource(t.id, name);
   if (!r || !r->in_renderer)
      return;
   if (!r->attached) {
      note("transfer-without-backing", "resource %u has no backing", t.id);
      return;
   }
   int rc = virgl_renderer_transfer_write_iov(t.id, t.ctx_id, (int)t.level, t.stride, t.layer_stride, &t.box, t.offset, NULL, 0);
   if (rc)
      renderer_error("transfer_write_iov", rc, t.id);
}

static void transfer_from_host_3d(const struct request *q)
{
   struct transfer t;
   if (!transfer_3d(q, "TRANSFER_FROM_HOST_3D", &t))
      return;
   struct resource *r = renderer_resource(t.id, "TRANSFER_FROM_HOST_3D");
   if (!r || !r->in_renderer)
      return;
   if (r->attached) {
      /* Into the backing too, as the guest saw it: later transfers to the host send those bytes back. */
      int rc = virgl_renderer_transfer_read_iov(t.id, t.ctx_id, t.level, t.stride, t.layer_stride, &t.box, t.offset, NULL, 0);
      if (rc) {
         renderer_error("transfer_read_iov", rc, t.id);
         return;
      }
   } else {
      note("transfer-without-backing", "resource %u has no backing", t.id);
   }
   if (t.level != 0 || t.box.d != 1 || !swizzle_of(r->format)) {
      note("readback-not-pictured", "readback of resource %u (format %u, level %u, depth %u) is not a 2D colour picture",
           t.id, r->format, t.level, t.box.d);
      return;
   }
   char name[64];
   snprintf(name, sizeof(name), "readback-%05llu-r%u.png", (unsigned long long)readbacks_written, t.id);
   if (read_back_png(name, r, t.ctx_id, r->format, t.box.x, t.box.y, t.box.z, t.box.w, t.box.h))
      readbacks_written++;
}

static void submit_3d(const struct request *q)
{
   if (!fits(q, HDR_SIZE + 8, "SUBMIT_3D"))
      return;
   uint32_t size = rd32(q->bytes + HDR_SIZE);
   if (q->size - (HDR_SIZE + 8) < size) {
      note("request-too-short", "SUBMIT_3D of %u stream bytes in a %llu-byte request", size, (unsigned long long)q->size);
      return;
   }
   if (size % 4)
      note("submit-size-unaligned", "SUBMIT_3D of %u bytes: the last %u are ignored", size, size % 4);
   uint32_t ndw = size / 4;
   /* A copy: the renderer takes a mutable buffer, and the record buffer's alignment is not its concern. */
   uint32_t *stream = xcalloc(ndw ? ndw : 1, 4);
   memcpy(stream, q->bytes + HDR_SIZE + 8, (size_t)ndw * 4);
   if (want_stats)
      count_stream((const uint8_t *)stream, ndw);
   int rc = virgl_renderer_submit_cmd(stream, (int)q->ctx_id, (int)ndw);
   if (rc)
      renderer_error("submit_cmd", rc, 0);
   free(stream);
}

static void ctx_create(const struct request *q)
{
   if (!fits(q, HDR_SIZE + 8 + 64, "CTX_CREATE"))
      return;
   uint32_t nlen = rd32(q->bytes + HDR_SIZE), context_init = rd32(q->bytes + HDR_SIZE + 4);
   char name[65] = {0};
   memcpy(name, q->bytes + HDR_SIZE + 8, nlen < 64 ? nlen : 64);
   uint32_t capset = context_init & CONTEXT_INIT_CAPSET_MASK;
   int rc = capset ? virgl_renderer_context_create_with_flags(q->ctx_id, context_init, (uint32_t)strlen(name), name)
                   : virgl_renderer_context_create(q->ctx_id, (uint32_t)strlen(name), name);
   if (rc)
      renderer_error("context_create", rc, 0);
}

static void ctx_resource(const struct request *q, bool attach)
{
   if (!fits(q, HDR_SIZE + 8, attach ? "CTX_ATTACH_RESOURCE" : "CTX_DETACH_RESOURCE"))
      return;
   uint32_t id = rd32(q->bytes + HDR_SIZE);
   struct resource *r = renderer_resource(id, attach ? "CTX_ATTACH_RESOURCE" : "CTX_DETACH_RESOURCE");
   if (!r || !r->in_renderer)
      return;
   if (attach)
      virgl_renderer_ctx_attach_resource((int)q->ctx_id, (int)id);
   else
      virgl_renderer_ctx_detach_resource((int)q->ctx_id, (int)id);
}

static bool set_scanout_common(const uint8_t *p, uint32_t *scanout_id)
{
   *scanout_id = rd32(p + 16);
   if (*scanout_id >= MAX_SCANOUTS) {
      note("scanout-out-of-range", "scanout %u", *scanout_id);
      return false;
   }
   struct scanout *s = &scanouts[*scanout_id];
   *s = (struct scanout){.resource_id = rd32(p + 20), .x = rd32(p), .y = rd32(p + 4), .width = rd32(p + 8),
                         .height = rd32(p + 12)};
   if (s->width == 0 || s->height == 0)
      s->resource_id = 0;
   return true;
}

static void set_scanout(const struct request *q)
{
   uint32_t scanout_id;
   if (fits(q, HDR_SIZE + 24, "SET_SCANOUT"))
      set_scanout_common(q->bytes + HDR_SIZE, &scanout_id);
}

static void set_scanout_blob(const struct request *q)
{
   uint32_t scanout_id;
   if (!fits(q, HDR_SIZE + 72, "SET_SCANOUT_BLOB") || !set_scanout_common(q->bytes + HDR_SIZE, &scanout_id))
      return;
   const uint8_t *p = q->bytes + HDR_SIZE;
   struct scanout *s = &scanouts[scanout_id];
   s->blob = true;
   s->blob_format = rd32(p + 32);
   s->blob_stride = rd32(p + 40);
   s->blob_offset = rd32(p + 56);
}

/* A picture of a guest blob's backing, the way its scanout lays it out. */
static bool blob_backing_png(const char *name, const struct resource *r, const struct scanout *s)
{
   const struct swizzle *sw = picture_swizzle(s->blob_format, r->id, s->width, s->height);
   if (!sw)
      return false;
   uint64_t first = s->blob_offset + (uint64_t)s->y * s->blob_stride + (uint64_t)s->x * 4;
   uint64_t end = first + (uint64_t)(s->height - 1) * s->blob_stride + (uint64_t)s->width * 4;
   if (end > r->backing_size) {
      note("scanout-outside-backing", "scanout of resource %u reaches byte %llu of a %llu-byte backing", r->id,
           (unsigned long long)end, (unsigned long long)r->backing_size);
      return false;
   }
   return write_png(name, r->backing + first, s->width, s->height, s->blob_stride, sw);
}

static void resource_flush(const struct request *q)
{
   if (!fits(q, HDR_SIZE + 24, "RESOURCE_FLUSH"))
      return;
   uint32_t id = rd32(q->bytes + HDR_SIZE + 16);
   struct resource *r = renderer_resource(id, "RESOURCE_FLUSH");
   if (!r)
      return;
   for (uint32_t i = 0; i < MAX_SCANOUTS; i++) {
      const struct scanout *s = &scanouts[i];
      if (s->resource_id != id)
         continue;
      char name[64];
      snprintf(name, sizeof(name), "frame-%05llu-s%u-r%u.png", (unsigned long long)frames_written, i, id);
      bool ok;
      bool wanted = frame_wanted();
      if (!r->in_renderer) {
         ok = s->blob && (!wanted || blob_backing_png(name, r, s));
      } else {
         uint32_t format = s->blob ? s->blob_format : r->format;
         bool inside = s->blob || ((uint64_t)s->x + s->width <= r->width && (uint64_t)s->y + s->height <= r->height);
         if (!inside) {
            note("scanout-outside-resource", "scanout %u rect %ux%u+%u+%u exceeds resource %u (%ux%u)", i, s->width,
                 s->height, s->x, s->y, id, r->width, r->height);
            continue;
         }
         ok = !wanted || read_back_png(name, r, 0, format, s->x, s->y, 0, s->width, s->height);
      }
      if (ok)
         frames_written++;
   }
}

static uint64_t fences_created, fences_signalled;
/* Ids of created fences not yet signalled, oldest first: the guest's ids only grow, and one
 * callback may retire several fences at once, so a fence counts as signalled when the
 * callback names its id or a later one. */
static uint32_t *fences_pending;
static size_t fences_pending_count, fences_pending_room;

static void write_fence(void *cookie, uint32_t fence)
{
   (void)cookie;
   size_t done = 0;
   while (done < fences_pending_count && fences_pending[done] <= fence)
      done++;
   fences_signalled += done;
   fences_pending_count -= done;
   memmove(fences_pending, fences_pending + done, fences_pending_count * sizeof *fences_pending);
}

static void fence_created(uint32_t fence)
{
   if (fences_pending_count == fences_pending_room) {
      size_t room = fences_pending_room ? 2 * fences_pending_room : 64;
      uint32_t *grown = realloc(fences_pending, room * sizeof *grown);
      if (!grown) {
         note("fences-not-counted", "out of memory for the fence list");
         return;
      }
      fences_pending = grown;
      fences_pending_room = room;
   }
   fences_pending[fences_pending_count++] = fence;
   fences_created++;
}

/* Every fence retires before the summary (bounded to 5 s): its count must not depend on timing. */
static void wait_for_fences(void)
{
   for (int tries = 0; fences_pending_count > 0 && tries < 5000; tries++) {
      virgl_renderer_poll();
      if (fences_pending_count > 0)
         nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
   }
}

static void replay_command(const struct request *q)
{
   switch (q->type) {
   case CMD_RESOURCE_CREATE_2D: resource_create_2d(q); break;
   case CMD_RESOURCE_CREATE_3D: resource_create_3d(q); break;
   case CMD_RESOURCE_CREATE_BLOB: resource_create_blob(q); break;
   case CMD_RESOURCE_UNREF:
      if (fits(q, HDR_SIZE + 8, "RESOURCE_UNREF")) {
         uint32_t id = rd32(q->bytes + HDR_SIZE);
         for (uint32_t i = 0; i < MAX_SCANOUTS; i++)
            if (scanouts[i].resource_id == id)
               scanouts[i].resource_id = 0;
         remove_resource(id);
      }
      break;
   case CMD_RESOURCE_ATTACH_BACKING: resource_attach_backing(q); break;
   case CMD_RESOURCE_DETACH_BACKING:
      if (fits(q, HDR_SIZE + 8, "RESOURCE_DETACH_BACKING")) {
         struct resource *r = renderer_resource(rd32(q->bytes + HDR_SIZE), "RESOURCE_DETACH_BACKING");
         if (r)
            detach_backing(r);
      }
      break;
   case CMD_TRANSFER_TO_HOST_2D: transfer_to_host(q, false); break;
   case CMD_TRANSFER_TO_HOST_3D: transfer_to_host(q, true); break;
   case CMD_TRANSFER_FROM_HOST_3D: transfer_from_host_3d(q); break;
   case CMD_SUBMIT_3D: submit_3d(q); break;
   case CMD_CTX_CREATE: ctx_create(q); break;
   case CMD_CTX_DESTROY: virgl_renderer_context_destroy(q->ctx_id); break;
   case CMD_CTX_ATTACH_RESOURCE: ctx_resource(q, true); break;
   case CMD_CTX_DETACH_RESOURCE: ctx_resource(q, false); break;
   case CMD_SET_SCANOUT: set_scanout(q); break;
   case CMD_SET_SCANOUT_BLOB: set_scanout_blob(q); break;
   case CMD_RESOURCE_FLUSH: resource_flush(q); break;
   case CMD_RESOURCE_MAP_BLOB:
   case CMD_RESOURCE_UNMAP_BLOB:
      note("blob-mapping-ignored", "host-visible blob mappings are not replayed");
      break;
   default: break; /* queries (display info, EDID, capsets, UUIDs) change nothing to replay */
   }
   if (q->flags & FLAG_FENCE) {
      int rc = virgl_renderer_create_fence((int)(uint32_t)q->fence_id, q->ctx_id);
      if (rc)
         renderer_error("create_fence", rc, 0);
      else
         fence_created((uint32_t)q->fence_id);
      virgl_renderer_poll();
   }
}

/* ---------- records ---------- */

static uint64_t record_counts[5];
static uint64_t unknown_records;
static uint64_t commands_failed_in_trace;
static uint64_t cursor_commands;

static void record_device(const uint8_t *p, uint64_t size)
{
   if (size < 12)
      malformed("DEVICE record of %llu bytes, needs 12", (unsigned long long)size);
   uint32_t n = rd32(p + 8);
   if ((size - 12) / 8 < n)
      malformed("DEVICE record lists %u scanouts in %llu bytes", n, (unsigned long long)size);
   if (verbose)
      for (uint32_t i = 0; i < n; i++)
         fprintf(stderr, "virgl-replay: scanout %u: %ux%u\n", i, rd32(p + 12 + 8 * i), rd32(p + 16 + 8 * i));
}

static void record_capset(const uint8_t *p, uint64_t size)
{
   if (size < 8)
      malformed("CAPSET record of %llu bytes, needs 8", (unsigned long long)size);
   if (verbose)
      fprintf(stderr, "virgl-replay: capset %u version %u, %llu bytes\n", rd32(p), rd32(p + 4),
              (unsigned long long)(size - 8));
}

static void record_memory(const uint8_t *p, uint64_t size)
{
   if (size < 16)
      malformed("MEMORY record of %llu bytes, needs 16", (unsigned long long)size);
   uint32_t id = rd32(p);
   uint64_t offset = rd64(p + 8), length = size - 16;
   struct resource *r = find_resource(id);
   if (!r) {
      note("memory-for-unknown-resource", "MEMORY for resource %u, which does not exist", id);
      return;
   }
   if (offset > r->backing_size || length > r->backing_size - offset) {
      /* FORMAT.md: the backing grows to hold what the trace wrote. */
      if (offset > MAX_BACKING_BYTES || length > MAX_BACKING_BYTES - offset) {
         note("backing-too-large", "MEMORY at %llu+%llu for resource %u", (unsigned long long)offset,
              (unsigned long long)length, id);
         return;
      }
      note("memory-beyond-backing", "MEMORY at %llu+%llu grows resource %u's %llu-byte backing",
           (unsigned long long)offset, (unsigned long long)length, id, (unsigned long long)r->backing_size);
      uint64_t grown = offset + length;
      uint8_t *bigger = xcalloc(1, (size_t)grown);
      if (r->backing)
         memcpy(bigger, r->backing, (size_t)r->backing_size);
      detach_backing(r);
      r->backing = bigger;
      r->backing_size = grown;
      attach_backing(r);
   }
   memcpy(r->backing + offset, p + 16, (size_t)length);
}

static void record_command(const uint8_t *p, uint64_t size)
{
   if (size < 8)
      malformed("COMMAND record of %llu bytes, needs 8", (unsigned long long)size);
   uint32_t queue = rd32(p), response = rd32(p + 4);
   struct request q = {.bytes = p + 8, .size = size - 8};
   if (q.size < HDR_SIZE) {
      note("request-too-short", "request of %llu bytes has no header", (unsigned long long)q.size);
      return;
   }
   q.type = rd32(q.bytes);
   q.flags = rd32(q.bytes + 4);
   q.fence_id = rd64(q.bytes + 8);
   q.ctx_id = rd32(q.bytes + 16);
   commands_total++;
   if (queue == QUEUE_CURSOR) {
      cursor_commands++;
      return;
   }
   if (queue != QUEUE_CONTROL) {
      note("unknown-queue", "queue %u", queue);
      return;
   }
   int kind = command_index(q.type);
   if (kind < 0) {
      unknown_commands++;
      note("unknown-command", "command type 0x%04x", q.type);
      return;
   }
   if (response >= RESP_ERR_FIRST && response <= RESP_ERR_LAST) {
      command_skipped[kind]++;
      commands_failed_in_trace++;
      return;
   }
   command_replayed[kind]++;
   replay_command(&q);
}

static void replay_file(FILE *f, uint64_t file_size)
{
   uint8_t header[TRACE_MIN_HEADER];
   record_offset = 0;
   if (file_size < TRACE_MIN_HEADER || fread(header, 1, sizeof(header), f) != sizeof(header))
      malformed("the file is %llu bytes, shorter than the %d-byte header", (unsigned long long)file_size,
                TRACE_MIN_HEADER);
   if (memcmp(header, TRACE_MAGIC, 8) != 0)
      malformed("no VGWTRACE magic: not a virtio-gpu-web trace");
   if (rd32(header + 8) != TRACE_VERSION)
      malformed("version %u, this replayer reads version %d", rd32(header + 8), TRACE_VERSION);
   uint64_t header_size = rd32(header + 12);
   if (header_size < TRACE_MIN_HEADER || header_size > file_size)
      malformed("header size %llu outside 16..%llu", (unsigned long long)header_size, (unsigned long long)file_size);
   if (fseeko(f, (off_t)header_size, SEEK_SET) != 0)
      malformed("cannot seek past the header: %s", strerror(errno));

   uint64_t at = header_size;
   uint8_t *payload = NULL;
   uint64_t capacity = 0;
   while (at < file_size) {
      record_offset = at;
      record_index++;
      uint8_t head[8];
      if (file_size - at < 8 || fread(head, 1, 8, f) != 8)
         malformed("truncated record header: %llu bytes left, needs 8", (unsigned long long)(file_size - at));
      uint32_t kind = rd32(head);
      uint64_t length = rd32(head + 4);
      if (length > file_size - at - 8)
         malformed("truncated record: kind %u claims %llu payload bytes, %llu are left", kind,
                   (unsigned long long)length, (unsigned long long)(file_size - at - 8));
      if (length > MAX_RECORD_BYTES)
         malformed("record of %llu bytes is larger than this replayer accepts", (unsigned long long)length);
      if (length > capacity) {
         free(payload);
         capacity = length;
         payload = xcalloc(1, (size_t)capacity);
      }
      if (length && fread(payload, 1, (size_t)length, f) != length)
         malformed("read error in a record's payload: %s", ferror(f) ? strerror(errno) : "end of file");
      at += 8 + length;
      switch (kind) {
      case REC_DEVICE: record_device(payload, length); break;
      case REC_CAPSET: record_capset(payload, length); break;
      case REC_COMMAND: record_command(payload, length); break;
      case REC_MEMORY: record_memory(payload, length); break;
      default:
         unknown_records++;
         note("unknown-record", "record kind %u skipped", kind);
         continue;
      }
      record_counts[kind]++;
   }
   free(payload);
}

/* ---------- summary ---------- */

static int compare_by_count(const void *a, const void *b)
{
   uint32_t ka = *(const uint32_t *)a, kb = *(const uint32_t *)b;
   if (virgl_count[ka] != virgl_count[kb])
      return virgl_count[ka] < virgl_count[kb] ? 1 : -1;
   return ka < kb ? -1 : ka > kb;
}

static void print_summary(void)
{
   printf("oracle-summary frames=%llu readbacks=%llu commands=%llu skipped_failed=%llu cursor=%llu unknown_records=%llu "
          "unknown_commands=%llu renderer_errors=%llu stream_errors=%llu fences=%llu fences_signalled=%llu\n",
          (unsigned long long)frames_written, (unsigned long long)readbacks_written, (unsigned long long)commands_total,
          (unsigned long long)commands_failed_in_trace, (unsigned long long)cursor_commands,
          (unsigned long long)unknown_records, (unsigned long long)unknown_commands,
          (unsigned long long)renderer_errors, (unsigned long long)stream_errors, (unsigned long long)fences_created,
          (unsigned long long)fences_signalled);
   printf("records device=%llu capset=%llu command=%llu memory=%llu\n", (unsigned long long)record_counts[REC_DEVICE],
          (unsigned long long)record_counts[REC_CAPSET], (unsigned long long)record_counts[REC_COMMAND],
          (unsigned long long)record_counts[REC_MEMORY]);
   for (size_t i = 0; i < COMMAND_KINDS; i++)
      if (command_replayed[i] || command_skipped[i])
         printf("command %s replayed=%llu skipped=%llu\n", command_names[i].name,
                (unsigned long long)command_replayed[i], (unsigned long long)command_skipped[i]);
   for (int i = 0; i < MAX_NOTES && notes[i].key; i++)
      printf("note %s count=%llu\n", notes[i].key, (unsigned long long)notes[i].count);
   if (want_stats) {
      static uint32_t keys[1 << 16];
      size_t n = 0;
      for (uint32_t k = 0; k < (1u << 16); k++)
         if (virgl_count[k])
            keys[n++] = k;
      qsort(keys, n, sizeof(keys[0]), compare_by_count);
      for (size_t i = 0; i < n; i++) {
         char name[64];
         virgl_name(keys[i], name, sizeof(name));
         printf("virgl %s count=%llu dwords=%llu\n", name, (unsigned long long)virgl_count[keys[i]],
                (unsigned long long)virgl_dwords[keys[i]]);
      }
   }
   printf("oracle-end\n");
}

static void usage(void);

static void parse_frames_of(const char *list)
{
   size_t n = 1;
   for (const char *c = list; *c; c++)
      n += *c == ',';
   frames_of = xcalloc(n, sizeof(frames_of[0]));
   for (const char *c = list;;) {
      char *end;
      errno = 0;
      unsigned long long v = strtoull(c, &end, 10);
      if (end == c || errno || (*end != ',' && *end != '\0'))
         usage();
      frames_of[frames_of_count++] = v;
      if (*end == '\0')
         break;
      c = end + 1;
   }
}

static void usage(void)
{
   fprintf(stderr, "usage: virgl-replay TRACE --out DIR [--stats] [--verbose] [--frames-of N,N...]\n");
   exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
   for (int i = 1; i < argc; i++) {
      if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
         out_dir = argv[++i];
      else if (strcmp(argv[i], "--stats") == 0)
         want_stats = true;
      else if (strcmp(argv[i], "--verbose") == 0)
         verbose = true;
      else if (strcmp(argv[i], "--frames-of") == 0 && i + 1 < argc)
         parse_frames_of(argv[++i]);
      else if (argv[i][0] != '-' && !trace_path)
         trace_path = argv[i];
      else
         usage();
   }
   if (!trace_path || !out_dir)
      usage();

   FILE *f = fopen(trace_path, "rb");
   if (!f) {
      fprintf(stderr, "virgl-replay: cannot open %s: %s\n", trace_path, strerror(errno));
      return EXIT_USAGE;
   }
   struct stat st;
   if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
      fprintf(stderr, "virgl-replay: %s is not a regular file\n", trace_path);
      return EXIT_USAGE;
   }
   if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
      fprintf(stderr, "virgl-replay: cannot create %s: %s\n", out_dir, strerror(errno));
      return EXIT_USAGE;
   }

   /* Repeatable runs: no shader cache from earlier runs. */
   setenv("MESA_SHADER_CACHE_DISABLE", "true", 1);
   virgl_set_debug_callback(renderer_log);
   static struct virgl_renderer_callbacks callbacks = {.version = 1, .write_fence = write_fence};
   static int cookie; /* must be non-NULL, or init fails without a word */
   int rc = virgl_renderer_init(&cookie, VIRGL_RENDERER_USE_EGL | VIRGL_RENDERER_USE_SURFACELESS, &callbacks);
   if (rc) {
      fprintf(stderr, "virgl-replay: virgl_renderer_init failed (%d): is Mesa's EGL (libegl-mesa0, libgl1-mesa-dri) installed?\n", rc);
      return EXIT_RENDERER;
   }

   replay_file(f, (uint64_t)st.st_size);
   fclose(f);
   wait_for_fences();
   print_summary();
   virgl_renderer_cleanup(&cookie);
   return 0;
}
