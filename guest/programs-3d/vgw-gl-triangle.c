/* Two triangles whose colours come from a per-vertex attribute (red on the left, green on the right). */
#include "gl-scene.h"

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-triangle", 2, argc, argv);
	static const float vertices[] = {
		-0.9f, -0.8f, 1, 0, 0, -0.1f, -0.8f, 1, 0, 0, -0.5f, 0.8f, 1, 0, 0,
		0.1f, -0.8f, 0, 1, 0, 0.9f, -0.8f, 0, 1, 0, 0.5f, 0.8f, 0, 1, 0,
	};
	vgw_gl_coloured_vertices(&gl, vertices, sizeof(vertices));
	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glDrawArrays(GL_TRIANGLES, 0, 6);
	vgw_gl_check(&gl, "drawing");
	vgw_gl_probe_at(&gl, "left", 0.25, 0.4);
	vgw_gl_probe_at(&gl, "right", 0.75, 0.4);
	vgw_gl_probe_at(&gl, "between", 0.5, 0.5);
	return vgw_gl_show(&gl);
}
