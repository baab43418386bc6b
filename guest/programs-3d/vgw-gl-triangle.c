/* Two triangles whose colours come from a per-vertex attribute (red on the left, green on the right). */
#include "gl-scene.h"

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-triangle", 2, argc, argv);
	static const char *const attributes[] = { "position", "color", NULL };
	GLuint program = vgw_gl_program(&gl,
		"#version 100\nattribute vec2 position; attribute vec3 color; varying vec3 v_color;\n"
		"void main() { v_color = color; gl_Position = vec4(position, 0.0, 1.0); }\n",
		"#version 100\nprecision mediump float; varying vec3 v_color;\n"
		"void main() { gl_FragColor = vec4(v_color, 1.0); }\n",
		attributes);
	static const float vertices[] = {
		-0.9f, -0.8f, 1, 0, 0, -0.1f, -0.8f, 1, 0, 0, -0.5f, 0.8f, 1, 0, 0,
		0.1f, -0.8f, 0, 1, 0, 0.9f, -0.8f, 0, 1, 0, 0.5f, 0.8f, 0, 1, 0,
	};
	vgw_gl_buffer(GL_ARRAY_BUFFER, vertices, sizeof(vertices));
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 5 * sizeof(float), 0);
	glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 5 * sizeof(float), (void *)(2 * sizeof(float)));
	glEnableVertexAttribArray(0);
	glEnableVertexAttribArray(1);
	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glUseProgram(program);
	glDrawArrays(GL_TRIANGLES, 0, 6);
	vgw_gl_check(&gl, "drawing");
	vgw_gl_probe(&gl, "left", vgw_gl_x(&gl, 0.25), vgw_gl_y(&gl, 0.4));
	vgw_gl_probe(&gl, "right", vgw_gl_x(&gl, 0.75), vgw_gl_y(&gl, 0.4));
	vgw_gl_probe(&gl, "between", vgw_gl_x(&gl, 0.5), vgw_gl_y(&gl, 0.5));
	return vgw_gl_show(&gl);
}
