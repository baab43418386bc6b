#include "gl-scene.h"

#include <EGL/eglext.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

void vgw_gl_fail(const struct vgw_gl *gl, const char *fmt, ...)
{
	va_list args;
	printf("%s: FAIL ", gl->name);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	printf("\n");
	exit(1);
}

void vgw_gl_check(const struct vgw_gl *gl, const char *what)
{
	GLenum error = glGetError();
	if (error != GL_NO_ERROR)
		vgw_gl_fail(gl, "%s: GL error 0x%04x", what, error);
}

static void find_output(struct vgw_gl *gl)
{
	drmModeRes *res = drmModeGetResources(gl->fd);
	if (!res)
		vgw_gl_fail(gl, "drmModeGetResources: not a KMS device");
	for (int i = 0; i < res->count_connectors && !gl->connector; i++) {
		drmModeConnector *conn = drmModeGetConnector(gl->fd, res->connectors[i]);
		if (!conn)
			continue;
		if (conn->connection == DRM_MODE_CONNECTED && conn->count_modes > 0) {
			gl->connector = conn->connector_id;
			gl->mode = conn->modes[0];
			for (int m = 0; m < conn->count_modes; m++)
				if (conn->modes[m].type & DRM_MODE_TYPE_PREFERRED) {
					gl->mode = conn->modes[m];
					break;
				}
			drmModeEncoder *enc = drmModeGetEncoder(gl->fd, conn->encoder_id ? conn->encoder_id : conn->encoders[0]);
			if (enc) {
				gl->crtc = enc->crtc_id;
				for (int c = 0; !gl->crtc && c < res->count_crtcs; c++)
					if (enc->possible_crtcs & (1u << c))
						gl->crtc = res->crtcs[c];
				drmModeFreeEncoder(enc);
			}
		}
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	if (!gl->connector || !gl->crtc)
		vgw_gl_fail(gl, "no connected output with a mode and a CRTC");
	gl->width = gl->mode.hdisplay;
	gl->height = gl->mode.vdisplay;
}

static EGLConfig choose_config(const struct vgw_gl *gl, EGLint renderable)
{
	const EGLint attributes[] = {
		EGL_SURFACE_TYPE, EGL_WINDOW_BIT, EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8,
		EGL_DEPTH_SIZE, 16, EGL_RENDERABLE_TYPE, renderable, EGL_NONE,
	};
	EGLConfig configs[64];
	EGLint count = 0;
	if (!eglChooseConfig(gl->display, attributes, configs, 64, &count) || count == 0)
		vgw_gl_fail(gl, "eglChooseConfig: no window config with RGB 8 and depth 16 (0x%04x)", eglGetError());
	/* The config must render in the format the GBM surface has. */
	for (int i = 0; i < count; i++) {
		EGLint visual = 0;
		if (eglGetConfigAttrib(gl->display, configs[i], EGL_NATIVE_VISUAL_ID, &visual) && visual == GBM_FORMAT_XRGB8888)
			return configs[i];
	}
	vgw_gl_fail(gl, "no EGL config has the GBM format XRGB8888 among %d", count);
}

void vgw_gl_init(struct vgw_gl *gl, const char *name, int gles_major, int argc, char **argv)
{
	memset(gl, 0, sizeof(*gl));
	gl->name = name;
	gl->hold = argc > 1 && strcmp(argv[1], "hold") == 0;
	gl->fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (gl->fd < 0)
		vgw_gl_fail(gl, "cannot open /dev/dri/card0");
	find_output(gl);
	gl->gbm = gbm_create_device(gl->fd);
	if (!gl->gbm)
		vgw_gl_fail(gl, "gbm_create_device");
	gl->surface = gbm_surface_create(gl->gbm, gl->width, gl->height, GBM_FORMAT_XRGB8888, GBM_BO_USE_SCANOUT | GBM_BO_USE_RENDERING);
	if (!gl->surface)
		vgw_gl_fail(gl, "gbm_surface_create %dx%d", gl->width, gl->height);
	gl->display = eglGetPlatformDisplay(EGL_PLATFORM_GBM_KHR, gl->gbm, NULL);
	EGLint major, minor;
	if (gl->display == EGL_NO_DISPLAY || !eglInitialize(gl->display, &major, &minor))
		vgw_gl_fail(gl, "EGL on GBM: no display (0x%04x)", eglGetError());
	if (!eglBindAPI(EGL_OPENGL_ES_API))
		vgw_gl_fail(gl, "eglBindAPI(EGL_OPENGL_ES_API)");
	EGLConfig config = choose_config(gl, gles_major >= 3 ? EGL_OPENGL_ES3_BIT : EGL_OPENGL_ES2_BIT);
	const EGLint context_attributes[] = { EGL_CONTEXT_MAJOR_VERSION, gles_major, EGL_NONE };
	gl->context = eglCreateContext(gl->display, config, EGL_NO_CONTEXT, context_attributes);
	if (gl->context == EGL_NO_CONTEXT)
		vgw_gl_fail(gl, "eglCreateContext for GLES %d (0x%04x)", gles_major, eglGetError());
	gl->egl_surface = eglCreatePlatformWindowSurface(gl->display, config, gl->surface, NULL);
	if (gl->egl_surface == EGL_NO_SURFACE)
		vgw_gl_fail(gl, "eglCreatePlatformWindowSurface (0x%04x)", eglGetError());
	if (!eglMakeCurrent(gl->display, gl->egl_surface, gl->egl_surface, gl->context))
		vgw_gl_fail(gl, "eglMakeCurrent (0x%04x)", eglGetError());
	printf("%s: renderer %s; version %s\n", name, glGetString(GL_RENDERER), glGetString(GL_VERSION));
	glViewport(0, 0, gl->width, gl->height);
}

void vgw_gl_probe(const struct vgw_gl *gl, const char *probe, int x, int y)
{
	unsigned char p[4] = { 0 };
	glReadPixels(x, y, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, p);
	vgw_gl_check(gl, "glReadPixels");
	printf("%s: pixel %s %d,%d = %u,%u,%u,%u\n", gl->name, probe, x, y, p[0], p[1], p[2], p[3]);
}

void vgw_gl_probe_at(const struct vgw_gl *gl, const char *probe, double x_fraction, double y_fraction)
{
	vgw_gl_probe(gl, probe, (int)(x_fraction * gl->width), (int)(y_fraction * gl->height));
}

static GLuint shader(const struct vgw_gl *gl, GLenum type, const char *source)
{
	GLuint s = glCreateShader(type);
	glShaderSource(s, 1, &source, NULL);
	glCompileShader(s);
	GLint ok = 0;
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		char log[1024] = "";
		glGetShaderInfoLog(s, sizeof(log), NULL, log);
		vgw_gl_fail(gl, "%s shader does not compile: %s", type == GL_VERTEX_SHADER ? "vertex" : "fragment", log);
	}
	return s;
}

GLuint vgw_gl_program(const struct vgw_gl *gl, const char *vertex, const char *fragment, const char *const attributes[])
{
	return vgw_gl_capturing_program(gl, vertex, fragment, attributes, NULL, GL_INTERLEAVED_ATTRIBS);
}

GLuint vgw_gl_capturing_program(const struct vgw_gl *gl, const char *vertex, const char *fragment, const char *const attributes[],
				const char *const varyings[], GLenum buffer_mode)
{
	GLuint p = glCreateProgram();
	glAttachShader(p, shader(gl, GL_VERTEX_SHADER, vertex));
	glAttachShader(p, shader(gl, GL_FRAGMENT_SHADER, fragment));
	for (GLuint i = 0; attributes && attributes[i]; i++)
		glBindAttribLocation(p, i, attributes[i]);
	GLsizei captured = 0;
	while (varyings && varyings[captured])
		captured++;
	if (captured)
		glTransformFeedbackVaryings(p, captured, varyings, buffer_mode);
	glLinkProgram(p);
	GLint ok = 0;
	glGetProgramiv(p, GL_LINK_STATUS, &ok);
	if (!ok) {
		char log[1024] = "";
		glGetProgramInfoLog(p, sizeof(log), NULL, log);
		vgw_gl_fail(gl, "program does not link: %s", log);
	}
	return p;
}

GLuint vgw_gl_buffer(GLenum target, const void *data, GLsizeiptr size)
{
	GLuint b;
	glGenBuffers(1, &b);
	glBindBuffer(target, b);
	glBufferData(target, size, data, GL_STATIC_DRAW);
	return b;
}

static const char *const rect_attributes[] = { "position", NULL };

/* Corners of a rectangle as a triangle strip, with the texture coordinates of each corner. */
static void rect_vertices(float out[16], float x0, float y0, float x1, float y1)
{
	const float v[16] = { x0, y0, 0, 0, x1, y0, 1, 0, x0, y1, 0, 1, x1, y1, 1, 1 };
	memcpy(out, v, sizeof(v));
}

void vgw_gl_coloured_vertices(const struct vgw_gl *gl, const float *vertices, size_t bytes)
{
	static const char *const attributes[] = { "position", "color", NULL };
	GLuint program = vgw_gl_program(gl,
		"#version 100\nattribute vec2 position; attribute vec3 color; varying vec3 v_color;\n"
		"void main() { v_color = color; gl_Position = vec4(position, 0.0, 1.0); }\n",
		"#version 100\nprecision mediump float; varying vec3 v_color;\n"
		"void main() { gl_FragColor = vec4(v_color, 1.0); }\n",
		attributes);
	vgw_gl_buffer(GL_ARRAY_BUFFER, vertices, bytes);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 5 * sizeof(float), 0);
	glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 5 * sizeof(float), (void *)(2 * sizeof(float)));
	glEnableVertexAttribArray(0);
	glEnableVertexAttribArray(1);
	glUseProgram(program);
}

/* Draws the rectangle as a strip with the program in use, which reads `components` of each corner's (x, y, u, v). */
static void draw_rect(const struct vgw_gl *gl, float x0, float y0, float x1, float y1, GLint components, const char *what)
{
	float v[16];
	rect_vertices(v, x0, y0, x1, y1);
	GLuint buffer = vgw_gl_buffer(GL_ARRAY_BUFFER, v, sizeof(v));
	glVertexAttribPointer(0, components, GL_FLOAT, GL_FALSE, 4 * sizeof(float), 0);
	glEnableVertexAttribArray(0);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	glDisableVertexAttribArray(0);
	glDeleteBuffers(1, &buffer);
	vgw_gl_check(gl, what);
}

void vgw_gl_rect(const struct vgw_gl *gl, float x0, float y0, float x1, float y1, float z, const float rgba[4])
{
	static GLuint program;
	if (!program)
		program = vgw_gl_program(gl,
			"#version 100\nattribute vec4 position; uniform float z;\n"
			"void main() { gl_Position = vec4(position.xy, z, 1.0); }\n",
			"#version 100\nprecision mediump float; uniform vec4 color;\n"
			"void main() { gl_FragColor = color; }\n",
			rect_attributes);
	glUseProgram(program);
	glUniform1f(glGetUniformLocation(program, "z"), z);
	glUniform4fv(glGetUniformLocation(program, "color"), 1, rgba);
	draw_rect(gl, x0, y0, x1, y1, 2, "drawing a rectangle");
}

void vgw_gl_textured_rect(const struct vgw_gl *gl, GLuint texture, float x0, float y0, float x1, float y1)
{
	static GLuint program;
	if (!program)
		program = vgw_gl_program(gl,
			"#version 100\nattribute vec4 position; varying vec2 uv;\n"
			"void main() { uv = position.zw; gl_Position = vec4(position.xy, 0.0, 1.0); }\n",
			"#version 100\nprecision mediump float; uniform sampler2D image; varying vec2 uv;\n"
			"void main() { gl_FragColor = texture2D(image, uv); }\n",
			rect_attributes);
	glUseProgram(program);
	glActiveTexture(GL_TEXTURE0);
	glBindTexture(GL_TEXTURE_2D, texture);
	/* Nearest texels, no mipmaps: every probed pixel has one exact colour. */
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
	glUniform1i(glGetUniformLocation(program, "image"), 0);
	draw_rect(gl, x0, y0, x1, y1, 4, "drawing a textured rectangle");
}

int vgw_gl_show(struct vgw_gl *gl)
{
	if (!eglSwapBuffers(gl->display, gl->egl_surface))
		vgw_gl_fail(gl, "eglSwapBuffers (0x%04x)", eglGetError());
	struct gbm_bo *bo = gbm_surface_lock_front_buffer(gl->surface);
	if (!bo)
		vgw_gl_fail(gl, "gbm_surface_lock_front_buffer");
	uint32_t fb = 0;
	if (drmModeAddFB(gl->fd, gl->width, gl->height, 24, 32, gbm_bo_get_stride(bo), gbm_bo_get_handle(bo).u32, &fb))
		vgw_gl_fail(gl, "drmModeAddFB for the GBM buffer");
	if (drmModeSetCrtc(gl->fd, gl->crtc, fb, 0, 0, &gl->connector, 1, &gl->mode))
		vgw_gl_fail(gl, "drmModeSetCrtc");
	printf("%s: shown %dx%d on connector %u crtc %u\n", gl->name, gl->width, gl->height, gl->connector, gl->crtc);
	printf("%s: ok\n", gl->name);
	fflush(stdout);
	if (gl->hold)
		pause();
	return 0;
}
