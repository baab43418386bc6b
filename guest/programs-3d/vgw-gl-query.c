/*
 * Occlusion queries: a rectangle drawn behind a nearer one passes no samples,
 * one drawn beside it passes some. Each answer, waited for with
 * glGetQueryObjectuiv, colours a marker above it: green when right, red when wrong.
 */
#include "gl-scene.h"

static const float green[4] = { 0, 1, 0, 1 }, red[4] = { 1, 0, 0, 1 };

/* Whether any sample of the rectangle passed, asked with `target`. */
static GLuint passed(const struct vgw_gl *gl, GLenum target, float x0, float x1)
{
	static const float yellow[4] = { 1, 1, 0, 1 };
	GLuint query, result = 2;
	glGenQueries(1, &query);
	glBeginQuery(target, query);
	vgw_gl_rect(gl, x0, -0.2f, x1, 0.2f, 0.5f, yellow);
	glEndQuery(target);
	glGetQueryObjectuiv(query, GL_QUERY_RESULT, &result);
	glDeleteQueries(1, &query);
	vgw_gl_check(gl, "an occlusion query");
	return result;
}

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-query", 3, argc, argv);
	static const float blue[4] = { 0, 0, 1, 1 };
	glClearColor(0, 0, 0, 1);
	glClearDepthf(1);
	glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
	glEnable(GL_DEPTH_TEST);
	glDepthFunc(GL_LESS);
	vgw_gl_rect(&gl, -1, -0.5f, 0, 0.5f, -0.5f, blue);
	GLuint hidden = passed(&gl, GL_ANY_SAMPLES_PASSED, -0.9f, -0.1f);
	GLuint visible = passed(&gl, GL_ANY_SAMPLES_PASSED_CONSERVATIVE, 0.1f, 0.9f);
	glDisable(GL_DEPTH_TEST);
	vgw_gl_rect(&gl, -0.9f, 0.6f, -0.1f, 0.9f, 0, hidden == GL_FALSE ? green : red);
	vgw_gl_rect(&gl, 0.1f, 0.6f, 0.9f, 0.9f, 0, visible == GL_TRUE ? green : red);
	vgw_gl_probe_at(&gl, "hidden-answer", 0.25, 0.875);
	vgw_gl_probe_at(&gl, "visible-answer", 0.75, 0.875);
	vgw_gl_probe_at(&gl, "occluder", 0.25, 0.5);
	vgw_gl_probe_at(&gl, "visible", 0.75, 0.5);
	return vgw_gl_show(&gl);
}
