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
	vgw_gl_probe_at(&gl, "added", 0.25, 0.5);
	vgw_gl_probe_at(&gl, "both", 0.5, 0.5);
	vgw_gl_probe_at(&gl, "subtracted", 0.75, 0.5);
	vgw_gl_probe_at(&gl, "background", 0.975, 0.5);
	return vgw_gl_show(&gl);
}
