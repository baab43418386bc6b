/* Uniform buffer (GLES 3): one buffer holds two std140 blocks (colour, rectangle), bound in turn with glBindBufferRange. */
#include "gl-scene.h"

#include <string.h>

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-ubo", 3, argc, argv);
	GLuint program = vgw_gl_program(&gl,
		"#version 300 es\nlayout(std140) uniform Scene { vec4 color; vec4 rect; };\n"
		"void main() {\n"
		"  vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);\n"
		"  gl_Position = vec4(mix(rect.xy, rect.zw, corner), 0.0, 1.0);\n"
		"}\n",
		"#version 300 es\nprecision mediump float; layout(std140) uniform Scene { vec4 color; vec4 rect; };\n"
		"out vec4 fragment;\nvoid main() { fragment = color; }\n",
		NULL);
	GLint alignment = 0;
	glGetIntegerv(GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT, &alignment);
	GLint stride = (32 + alignment - 1) / alignment * alignment;
	static const float blocks[2][8] = {
		{ 0, 1, 1, 1, -0.8f, -0.5f, -0.1f, 0.5f },
		{ 1, 0, 1, 1, 0.1f, -0.5f, 0.8f, 0.5f },
	};
	unsigned char data[2 * 256] = { 0 };
	if (stride > 256)
		vgw_gl_fail(&gl, "uniform buffer offset alignment %d is larger than this test allows", alignment);
	memcpy(data, blocks[0], sizeof(blocks[0]));
	memcpy(data + stride, blocks[1], sizeof(blocks[1]));
	GLuint buffer = vgw_gl_buffer(GL_UNIFORM_BUFFER, data, stride + 32);
	glUniformBlockBinding(program, glGetUniformBlockIndex(program, "Scene"), 0);
	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glUseProgram(program);
	for (int i = 0; i < 2; i++) {
		glBindBufferRange(GL_UNIFORM_BUFFER, 0, buffer, i * stride, 32);
		glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	}
	vgw_gl_check(&gl, "drawing");
	vgw_gl_probe_at(&gl, "first-block", 0.275, 0.5);
	vgw_gl_probe_at(&gl, "second-block", 0.725, 0.5);
	vgw_gl_probe_at(&gl, "between", 0.5, 0.5);
	return vgw_gl_show(&gl);
}
