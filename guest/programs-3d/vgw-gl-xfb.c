/*
 * Transform feedback. Two triangles' corners go through a vertex shader with
 * rasterization discarded:
 * - interleaved: each corner's halved position and a colour into one buffer,
 *   the primitives written counted by a query;
 * - separate: each corner doubled into one buffer and the sum of its
 *   coordinates into another, over two draws with a pause between them.
 * The guest reads both captures back (glMapBufferRange) and checks every
 * value; each check colours a marker green when right, red when wrong. Then
 * the interleaved capture is drawn as vertices: a magenta square in the middle.
 */
#include <stdbool.h>
#include <stdio.h>
#include "gl-scene.h"

static const float green[4] = { 0, 1, 0, 1 }, red[4] = { 1, 0, 0, 1 };
/* Two triangles covering the square from (-1, -1) to (1, 1). */
static const float corners[12] = { -1, -1, 1, -1, 1, 1, -1, -1, 1, 1, -1, 1 };
static const char *const corner_attribute[] = { "corner", NULL };

/* Whether value i of a mapped capture is `want`; prints it when not. */
static bool same(const struct vgw_gl *gl, const char *capture, int i, const GLfloat *values, float want)
{
	if (values && values[i] == want)
		return true;
	printf("%s: %s capture value %d is %g, want %g\n", gl->name, capture, i, values ? values[i] : -999.0, want);
	return false;
}

static const GLfloat *mapped(GLuint buffer, GLsizeiptr bytes)
{
	glBindBuffer(GL_TRANSFORM_FEEDBACK_BUFFER, buffer);
	return glMapBufferRange(GL_TRANSFORM_FEEDBACK_BUFFER, 0, bytes, GL_MAP_READ_BIT);
}

static GLuint capture_buffer(GLuint index, GLsizeiptr bytes)
{
	GLuint buffer;
	glGenBuffers(1, &buffer);
	glBindBuffer(GL_TRANSFORM_FEEDBACK_BUFFER, buffer);
	glBufferData(GL_TRANSFORM_FEEDBACK_BUFFER, bytes, NULL, GL_STATIC_READ);
	glBindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, index, buffer);
	return buffer;
}

/* Halved positions and magenta, interleaved: 6 floats a corner. Whether what was read back and the query's count are right. */
static GLuint interleaved(const struct vgw_gl *gl, bool *values_right, bool *count_right)
{
	static const char *const varyings[] = { "moved", "colour", NULL };
	GLuint program = vgw_gl_capturing_program(gl,
		"#version 300 es\nin vec2 corner; out vec2 moved; out vec4 colour;\n"
		"void main() { moved = corner * 0.5; colour = vec4(1.0, 0.0, 1.0, 1.0); gl_Position = vec4(corner, 0.0, 1.0); }\n",
		"#version 300 es\nprecision mediump float; in vec4 colour; out vec4 frag;\nvoid main() { frag = colour; }\n",
		corner_attribute, varyings, GL_INTERLEAVED_ATTRIBS);
	glUseProgram(program);
	GLuint buffer = capture_buffer(0, sizeof(float) * 6 * 6);
	GLuint query, written = 0;
	glGenQueries(1, &query);
	glBeginQuery(GL_TRANSFORM_FEEDBACK_PRIMITIVES_WRITTEN, query);
	glBeginTransformFeedback(GL_TRIANGLES);
	glDrawArrays(GL_TRIANGLES, 0, 6);
	glEndTransformFeedback();
	glEndQuery(GL_TRANSFORM_FEEDBACK_PRIMITIVES_WRITTEN);
	glGetQueryObjectuiv(query, GL_QUERY_RESULT, &written);
	*count_right = written == 2;
	const GLfloat *v = mapped(buffer, sizeof(float) * 6 * 6);
	static const float magenta[4] = { 1, 0, 1, 1 };
	*values_right = true;
	for (int i = 0; i < 36; i++)
		*values_right &= same(gl, "interleaved", i, v, i % 6 < 2 ? corners[i / 6 * 2 + i % 6] * 0.5f : magenta[i % 6 - 2]);
	glUnmapBuffer(GL_TRANSFORM_FEEDBACK_BUFFER);
	vgw_gl_check(gl, "interleaved transform feedback");
	return buffer;
}

/* Doubled positions into buffer 0 and coordinate sums into buffer 1, three points, a pause, three more. Whether both came back right. */
static bool separate(const struct vgw_gl *gl)
{
	static const char *const varyings[] = { "doubled", "sum", NULL };
	GLuint program = vgw_gl_capturing_program(gl,
		"#version 300 es\nin vec2 corner; out vec2 doubled; out float sum;\n"
		"void main() { doubled = corner * 2.0; sum = corner.x + corner.y; gl_Position = vec4(corner, 0.0, 1.0); gl_PointSize = 1.0; }\n",
		"#version 300 es\nprecision mediump float; out vec4 frag;\nvoid main() { frag = vec4(1.0); }\n",
		corner_attribute, varyings, GL_SEPARATE_ATTRIBS);
	glUseProgram(program);
	GLuint doubled = capture_buffer(0, sizeof(float) * 2 * 6);
	GLuint sums = capture_buffer(1, sizeof(float) * 6);
	glBeginTransformFeedback(GL_POINTS);
	glDrawArrays(GL_POINTS, 0, 3);
	glPauseTransformFeedback();
	glResumeTransformFeedback();
	glDrawArrays(GL_POINTS, 3, 3);
	glEndTransformFeedback();
	bool right = true;
	const GLfloat *d = mapped(doubled, sizeof(float) * 2 * 6);
	for (int i = 0; i < 12; i++)
		right &= same(gl, "doubled", i, d, corners[i] * 2);
	glUnmapBuffer(GL_TRANSFORM_FEEDBACK_BUFFER);
	const GLfloat *s = mapped(sums, sizeof(float) * 6);
	for (int i = 0; i < 6; i++)
		right &= same(gl, "sum", i, s, corners[2 * i] + corners[2 * i + 1]);
	glUnmapBuffer(GL_TRANSFORM_FEEDBACK_BUFFER);
	vgw_gl_check(gl, "separate transform feedback");
	return right;
}

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-xfb", 3, argc, argv);
	GLuint vertex_array;
	glGenVertexArrays(1, &vertex_array);
	glBindVertexArray(vertex_array);
	vgw_gl_buffer(GL_ARRAY_BUFFER, corners, sizeof(corners));
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, 0);
	glEnableVertexAttribArray(0);
	glEnable(GL_RASTERIZER_DISCARD);
	bool values_right, count_right;
	GLuint captured = interleaved(&gl, &values_right, &count_right);
	bool separate_right = separate(&gl);
	glDisable(GL_RASTERIZER_DISCARD);
	glBindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, 0, 0);
	glBindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, 1, 0);

	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	static const char *const drawn_attributes[] = { "moved", "colour", NULL };
	GLuint program = vgw_gl_program(&gl,
		"#version 300 es\nin vec2 moved; in vec4 colour; out vec4 v_colour;\n"
		"void main() { v_colour = colour; gl_Position = vec4(moved, 0.0, 1.0); }\n",
		"#version 300 es\nprecision mediump float; in vec4 v_colour; out vec4 frag;\nvoid main() { frag = v_colour; }\n",
		drawn_attributes);
	glUseProgram(program);
	glBindBuffer(GL_ARRAY_BUFFER, captured);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 6 * sizeof(float), 0);
	glVertexAttribPointer(1, 4, GL_FLOAT, GL_FALSE, 6 * sizeof(float), (void *)(2 * sizeof(float)));
	glEnableVertexAttribArray(1);
	glDrawArrays(GL_TRIANGLES, 0, 6);
	vgw_gl_check(&gl, "drawing the captured vertices");

	glDisableVertexAttribArray(1);
	vgw_gl_rect(&gl, -0.9f, 0.7f, -0.4f, 0.95f, 0, values_right ? green : red);
	vgw_gl_rect(&gl, -0.25f, 0.7f, 0.25f, 0.95f, 0, count_right ? green : red);
	vgw_gl_rect(&gl, 0.4f, 0.7f, 0.9f, 0.95f, 0, separate_right ? green : red);
	vgw_gl_probe_at(&gl, "interleaved", 0.175, 0.9);
	vgw_gl_probe_at(&gl, "written", 0.5, 0.9);
	vgw_gl_probe_at(&gl, "separate", 0.825, 0.9);
	vgw_gl_probe_at(&gl, "captured-square", 0.5, 0.5);
	vgw_gl_probe_at(&gl, "outside", 0.5, 0.15);
	return vgw_gl_show(&gl);
}
