/* glDrawElements: a yellow square from vertices 1-4 of a buffer whose vertex 0 (magenta) no index names. */
#include "gl-scene.h"

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-indexed", 2, argc, argv);
	static const float vertices[] = {
		-1.0f, -1.0f, 1, 0, 1,
		-0.5f, -0.5f, 1, 1, 0, 0.5f, -0.5f, 1, 1, 0, 0.5f, 0.5f, 1, 1, 0, -0.5f, 0.5f, 1, 1, 0,
	};
	static const GLushort indices[] = { 1, 2, 3, 1, 3, 4 };
	vgw_gl_coloured_vertices(&gl, vertices, sizeof(vertices));
	vgw_gl_buffer(GL_ELEMENT_ARRAY_BUFFER, indices, sizeof(indices));
	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glDrawElements(GL_TRIANGLES, 6, GL_UNSIGNED_SHORT, 0);
	vgw_gl_check(&gl, "drawing");
	vgw_gl_probe_at(&gl, "inside", 0.5, 0.5);
	vgw_gl_probe_at(&gl, "corner", 0.3, 0.3);
	vgw_gl_probe_at(&gl, "outside", 0.1, 0.1);
	return vgw_gl_show(&gl);
}
