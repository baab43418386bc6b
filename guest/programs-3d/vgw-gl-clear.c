/* glClear of the whole frame, then a scissored clear of its middle. */
#include "gl-scene.h"

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-clear", 2, argc, argv);
	glClearColor(64 / 255.0f, 128 / 255.0f, 192 / 255.0f, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glEnable(GL_SCISSOR_TEST);
	glScissor(gl.width / 4, gl.height / 4, gl.width / 2, gl.height / 2);
	glClearColor(1, 128 / 255.0f, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glDisable(GL_SCISSOR_TEST);
	vgw_gl_check(&gl, "clearing");
	vgw_gl_probe_at(&gl, "outside", 0.125, 0.125);
	vgw_gl_probe_at(&gl, "inside", 0.5, 0.5);
	return vgw_gl_show(&gl);
}
