/* Instancing (GLES 3): one square drawn three times by glDrawArraysInstanced, offset and colour per instance (attribute divisor 1). */
#include "gl-scene.h"

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-instancing", 3, argc, argv);
	GLuint program = vgw_gl_program(&gl,
		"#version 300 es\nlayout(location = 0) in vec2 corner; layout(location = 1) in vec2 offset;\n"
		"layout(location = 2) in vec3 color; out vec3 v_color;\n"
		"void main() { v_color = color; gl_Position = vec4(corner + offset, 0.0, 1.0); }\n",
		"#version 300 es\nprecision mediump float; in vec3 v_color; out vec4 fragment;\n"
		"void main() { fragment = vec4(v_color, 1.0); }\n",
		NULL);
	static const float corners[] = { -0.15f, -0.15f, 0.15f, -0.15f, -0.15f, 0.15f, 0.15f, 0.15f };
	static const float instances[] = { -0.5f, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0.5f, 0, 0, 0, 1 };
	vgw_gl_buffer(GL_ARRAY_BUFFER, corners, sizeof(corners));
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, 0);
	glEnableVertexAttribArray(0);
	vgw_gl_buffer(GL_ARRAY_BUFFER, instances, sizeof(instances));
	glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, 5 * sizeof(float), 0);
	glVertexAttribPointer(2, 3, GL_FLOAT, GL_FALSE, 5 * sizeof(float), (void *)(2 * sizeof(float)));
	glEnableVertexAttribArray(1);
	glEnableVertexAttribArray(2);
	glVertexAttribDivisor(1, 1);
	glVertexAttribDivisor(2, 1);
	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glUseProgram(program);
	glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, 3);
	vgw_gl_check(&gl, "drawing");
	vgw_gl_probe_at(&gl, "instance-0", 0.25, 0.5);
	vgw_gl_probe_at(&gl, "instance-1", 0.5, 0.5);
	vgw_gl_probe_at(&gl, "instance-2", 0.75, 0.5);
	vgw_gl_probe_at(&gl, "background", 0.5, 0.9);
	return vgw_gl_show(&gl);
}
