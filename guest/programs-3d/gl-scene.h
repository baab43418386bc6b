/*
 * What every 3D test program shares: a GLES context on GBM on the first
 * connected DRM output, pixel probes printed in one fixed form, showing the
 * frame through KMS, and small drawing helpers. Output lines:
 *   NAME: renderer R; version V
 *   NAME: pixel PROBE X,Y = R,G,B,A     (GL window coordinates: origin bottom-left)
 *   NAME: shown WxH on connector C crtc K
 *   NAME: ok                            (then exit 0)
 *   NAME: FAIL why                      (then exit 1)
 */
#ifndef VGW_GL_SCENE_H
#define VGW_GL_SCENE_H

#include <EGL/egl.h>
#include <GLES3/gl3.h>
#include <gbm.h>
#include <xf86drmMode.h>

struct vgw_gl {
	const char *name;
	int fd;
	int width, height;
	drmModeModeInfo mode;
	uint32_t connector, crtc;
	struct gbm_device *gbm;
	struct gbm_surface *surface;
	EGLDisplay display;
	EGLContext context;
	EGLSurface egl_surface;
	int hold;
};

/* Opens /dev/dri/card0 and makes a GLES `gles_major` (2 or 3) context current on a window surface of the output's size. */
void vgw_gl_init(struct vgw_gl *gl, const char *name, int gles_major, int argc, char **argv);
__attribute__((noreturn, format(printf, 2, 3))) void vgw_gl_fail(const struct vgw_gl *gl, const char *fmt, ...);
/* Fails with `what` when GL has recorded an error. */
void vgw_gl_check(const struct vgw_gl *gl, const char *what);
/* Reads one pixel of the current read framebuffer and prints it. */
void vgw_gl_probe(const struct vgw_gl *gl, const char *probe, int x, int y);
/* Probes the window pixel at a fraction of the width and height. */
void vgw_gl_probe_at(const struct vgw_gl *gl, const char *probe, double x_fraction, double y_fraction);
GLuint vgw_gl_program(const struct vgw_gl *gl, const char *vertex, const char *fragment, const char *const attributes[]);
/* As vgw_gl_program, capturing the NULL-ended `varyings` by transform feedback in `buffer_mode` (GLES 3). */
GLuint vgw_gl_capturing_program(const struct vgw_gl *gl, const char *vertex, const char *fragment, const char *const attributes[],
				const char *const varyings[], GLenum buffer_mode);
/* Vertices of (x, y, r, g, b) floats in a new array buffer, drawn by a program that colours each by its attribute (now in use). */
void vgw_gl_coloured_vertices(const struct vgw_gl *gl, const float *vertices, size_t bytes);
GLuint vgw_gl_buffer(GLenum target, const void *data, GLsizeiptr size);
/* A rectangle in normalized device coordinates, at depth z, in one colour. */
void vgw_gl_rect(const struct vgw_gl *gl, float x0, float y0, float x1, float y1, float z, const float rgba[4]);
/* A 2D texture drawn onto a rectangle in normalized device coordinates, sampled over its whole area. */
void vgw_gl_textured_rect(const struct vgw_gl *gl, GLuint texture, float x0, float y0, float x1, float y1);
/* Swaps, puts the frame on the output with drmModeSetCrtc, prints "ok"; with the argument "hold", keeps it shown until killed. Returns the exit status. */
int vgw_gl_show(struct vgw_gl *gl);

#endif
