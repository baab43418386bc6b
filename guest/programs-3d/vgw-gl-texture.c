/* A 2x2 texture uploaded with glTexImage2D, drawn over the whole frame: one texel per quarter. */
#include "gl-scene.h"

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-texture", 2, argc, argv);
	/* Rows bottom first: red, green; blue, white. */
	static const unsigned char texels[] = { 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255 };
	GLuint texture;
	glGenTextures(1, &texture);
	glBindTexture(GL_TEXTURE_2D, texture);
	glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, 2, 2, 0, GL_RGBA, GL_UNSIGNED_BYTE, texels);
	vgw_gl_check(&gl, "uploading the texture");
	vgw_gl_textured_rect(&gl, texture, -1, -1, 1, 1);
	vgw_gl_probe_at(&gl, "bottom-left", 0.25, 0.25);
	vgw_gl_probe_at(&gl, "bottom-right", 0.75, 0.25);
	vgw_gl_probe_at(&gl, "top-left", 0.25, 0.75);
	vgw_gl_probe_at(&gl, "top-right", 0.75, 0.75);
	return vgw_gl_show(&gl);
}
