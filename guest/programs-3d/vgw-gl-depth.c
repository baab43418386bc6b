/* Depth test (GL_LESS): a near green rectangle drawn first keeps the overlap from a far red one drawn after it. */
#include "gl-scene.h"

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-depth", 2, argc, argv);
	static const float green[4] = { 0, 1, 0, 1 }, red[4] = { 1, 0, 0, 1 };
	glClearColor(0, 0, 0, 1);
	glClearDepthf(1);
	glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
	glEnable(GL_DEPTH_TEST);
	glDepthFunc(GL_LESS);
	vgw_gl_rect(&gl, -0.8f, -0.8f, 0.4f, 0.8f, -0.5f, green);
	vgw_gl_rect(&gl, -0.4f, -0.8f, 0.8f, 0.8f, 0.5f, red);
	vgw_gl_probe_at(&gl, "near-only", 0.2, 0.5);
	vgw_gl_probe_at(&gl, "overlap", 0.5, 0.5);
	vgw_gl_probe_at(&gl, "far-only", 0.8, 0.5);
	vgw_gl_probe_at(&gl, "background", 0.975, 0.5);
	return vgw_gl_show(&gl);
}
