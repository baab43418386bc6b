/* glDrawElements: a yellow square from vertices 1-4 of a buffer whose vertex 0 (magenta) no index names. */
#include "gl-scene.h"

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-indexed", 2, argc, argv);
	static const char *const attributes[] = { "position", "color", NULL };
	GLuint program = vgw_gl_program(&gl,
		"#version 100\nattribute vec2 position; attribute vec3 color; varying vec3 v_color;\n"
		"void main() { v_color = color; gl_Position = vec4(position, 0.0, 1.0); }\n",
		"#version 100\nprecision mediump float; varying vec3 v_color;\n"
		"void main() { gl_FragColor = vec4(v_color, 1.0); }\n",
		attributes);
	static const float vertices[] = {
		-1.0f, -1.0f, 1, 0, 1,
		-0.5f, -0.5f, 1, 1, 0, 0.5f, -0.5f, 1, 1, 0, 0.5f, 0.5f, 1, 1, 0, -0.5f, 0.5f, 1, 1, 0,
	};
	static const GLushort indices[] = { 1, 2, 3, 1, 3, 4 };
	vgw_gl_buffer(GL_ARRAY_BUFFER, vertices, sizeof(vertices));
	vgw_gl_buffer(GL_ELEMENT_ARRAY_BUFFER, indices, sizeof(indices));
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 5 * sizeof(float), 0);
	glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 5 * sizeof(float), (void *)(2 * sizeof(float)));
	glEnableVertexAttribArray(0);
	glEnableVertexAttribArray(1);
	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glUseProgram(program);
	glDrawElements(GL_TRIANGLES, 6, GL_UNSIGNED_SHORT, 0);
	vgw_gl_check(&gl, "drawing");
	vgw_gl_probe(&gl, "inside", vgw_gl_x(&gl, 0.5), vgw_gl_y(&gl, 0.5));
	vgw_gl_probe(&gl, "corner", vgw_gl_x(&gl, 0.3), vgw_gl_y(&gl, 0.3));
	vgw_gl_probe(&gl, "outside", vgw_gl_x(&gl, 0.1), vgw_gl_y(&gl, 0.1));
	return vgw_gl_show(&gl);
}
