/* Blending: an added rectangle and a reverse-subtracted one, overlapping in the middle, on a dark blue frame. */
#include "gl-scene.h"

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-blend", 2, argc, argv);
	static const float add[4] = { 128 / 255.0f, 0, 0, 1 }, subtract[4] = { 0, 0, 32 / 255.0f, 1 };
	glClearColor(0, 0, 64 / 255.0f, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glEnable(GL_BLEND);
	glBlendFunc(GL_ONE, GL_ONE);
	glBlendEquation(GL_FUNC_ADD);
	vgw_gl_rect(&gl, -0.8f, -0.8f, 0.2f, 0.8f, 0, add);
	glBlendEquation(GL_FUNC_REVERSE_SUBTRACT);
	vgw_gl_rect(&gl, -0.2f, -0.8f, 0.8f, 0.8f, 0, subtract);
	glDisable(GL_BLEND);
	vgw_gl_probe(&gl, "added", vgw_gl_x(&gl, 0.25), vgw_gl_y(&gl, 0.5));
	vgw_gl_probe(&gl, "both", vgw_gl_x(&gl, 0.5), vgw_gl_y(&gl, 0.5));
	vgw_gl_probe(&gl, "subtracted", vgw_gl_x(&gl, 0.75), vgw_gl_y(&gl, 0.5));
	vgw_gl_probe(&gl, "background", vgw_gl_x(&gl, 0.975), vgw_gl_y(&gl, 0.5));
	return vgw_gl_show(&gl);
}
