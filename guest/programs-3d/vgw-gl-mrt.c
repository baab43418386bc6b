/*
 * Multiple render targets (GLES 3): two 64x64 textures in one framebuffer
 * object, cleared apart with glClearBufferfv, then one draw writes a
 * different colour to each over their right halves; both are read back,
 * then drawn side by side over the frame.
 */
#include "gl-scene.h"

#define SIZE 64

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-mrt", 3, argc, argv);
	GLuint program = vgw_gl_program(&gl,
		"#version 300 es\nlayout(location = 0) in vec2 position;\n"
		"void main() { gl_Position = vec4(position, 0.0, 1.0); }\n",
		"#version 300 es\nprecision mediump float;\n"
		"layout(location = 0) out vec4 first; layout(location = 1) out vec4 second;\n"
		"void main() { first = vec4(1.0, 1.0, 0.0, 1.0); second = vec4(0.0, 1.0, 1.0, 1.0); }\n",
		NULL);
	GLuint textures[2], fbo;
	glGenTextures(2, textures);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	for (int i = 0; i < 2; i++) {
		glBindTexture(GL_TEXTURE_2D, textures[i]);
		glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, SIZE, SIZE, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
		glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0 + i, GL_TEXTURE_2D, textures[i], 0);
	}
	static const GLenum targets[] = { GL_COLOR_ATTACHMENT0, GL_COLOR_ATTACHMENT1 };
	glDrawBuffers(2, targets);
	GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
	if (status != GL_FRAMEBUFFER_COMPLETE)
		vgw_gl_fail(&gl, "the two-target framebuffer is incomplete (0x%04x)", status);
	glViewport(0, 0, SIZE, SIZE);
	static const float red[4] = { 1, 0, 0, 1 }, blue[4] = { 0, 0, 1, 1 };
	glClearBufferfv(GL_COLOR, 0, red);
	glClearBufferfv(GL_COLOR, 1, blue);
	static const float right_half[] = { 0, -1, 1, -1, 0, 1, 1, 1 };
	vgw_gl_buffer(GL_ARRAY_BUFFER, right_half, sizeof(right_half));
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, 0);
	glEnableVertexAttribArray(0);
	glUseProgram(program);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	glDisableVertexAttribArray(0);
	vgw_gl_check(&gl, "drawing to two targets");
	static const char *const probes[2][2] = { { "target0-left", "target0-right" }, { "target1-left", "target1-right" } };
	for (int i = 0; i < 2; i++) {
		glReadBuffer(targets[i]);
		vgw_gl_probe(&gl, probes[i][0], SIZE / 4, SIZE / 2);
		vgw_gl_probe(&gl, probes[i][1], 3 * SIZE / 4, SIZE / 2);
	}
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	glViewport(0, 0, gl.width, gl.height);
	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	vgw_gl_textured_rect(&gl, textures[0], -1, -1, 0, 1);
	vgw_gl_textured_rect(&gl, textures[1], 0, -1, 1, 1);
	vgw_gl_probe_at(&gl, "frame-target0-left", 0.125, 0.5);
	vgw_gl_probe_at(&gl, "frame-target0-right", 0.375, 0.5);
	vgw_gl_probe_at(&gl, "frame-target1-left", 0.625, 0.5);
	vgw_gl_probe_at(&gl, "frame-target1-right", 0.875, 0.5);
	return vgw_gl_show(&gl);
}
