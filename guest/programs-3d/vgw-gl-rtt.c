/* Render to texture: a 64x64 texture in a framebuffer object gets a blue clear and a yellow right half, then is drawn over the frame. */
#include "gl-scene.h"

#define SIZE 64

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-rtt", 2, argc, argv);
	static const float yellow[4] = { 1, 1, 0, 1 };
	GLuint texture, fbo;
	glGenTextures(1, &texture);
	glBindTexture(GL_TEXTURE_2D, texture);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, SIZE, SIZE, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
	GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
	if (status != GL_FRAMEBUFFER_COMPLETE)
		vgw_gl_fail(&gl, "the texture's framebuffer is incomplete (0x%04x)", status);
	glViewport(0, 0, SIZE, SIZE);
	glClearColor(0, 0, 1, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	vgw_gl_rect(&gl, 0, -1, 1, 1, 0, yellow);
	vgw_gl_probe(&gl, "texture-left", SIZE / 4, SIZE / 2);
	vgw_gl_probe(&gl, "texture-right", 3 * SIZE / 4, SIZE / 2);
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	glViewport(0, 0, gl.width, gl.height);
	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	vgw_gl_textured_rect(&gl, texture, -1, -1, 1, 1);
	vgw_gl_probe_at(&gl, "frame-left", 0.25, 0.5);
	vgw_gl_probe_at(&gl, "frame-right", 0.75, 0.5);
	return vgw_gl_show(&gl);
}
