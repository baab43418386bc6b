/* glReadPixels of the whole frame after four scissored clears, one colour per quarter: every pixel is checked. */
#include "gl-scene.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char quarters[4][4] = {
	{ 255, 0, 0, 255 }, { 0, 255, 0, 255 }, { 0, 0, 255, 255 }, { 255, 255, 0, 255 },
};

/* Quarters in order: bottom-left, bottom-right, top-left, top-right. */
static int quarter(const struct vgw_gl *gl, int x, int y)
{
	return (x >= gl->width / 2) + 2 * (y >= gl->height / 2);
}

int main(int argc, char **argv)
{
	struct vgw_gl gl;
	vgw_gl_init(&gl, "vgw-gl-readpixels", 2, argc, argv);
	int half_w = gl.width / 2, half_h = gl.height / 2;
	glEnable(GL_SCISSOR_TEST);
	for (int q = 0; q < 4; q++) {
		glScissor(q & 1 ? half_w : 0, q & 2 ? half_h : 0, q & 1 ? gl.width - half_w : half_w, q & 2 ? gl.height - half_h : half_h);
		glClearColor(quarters[q][0] / 255.0f, quarters[q][1] / 255.0f, quarters[q][2] / 255.0f, 1);
		glClear(GL_COLOR_BUFFER_BIT);
	}
	glDisable(GL_SCISSOR_TEST);
	unsigned char *frame = malloc((size_t)gl.width * gl.height * 4);
	if (!frame)
		vgw_gl_fail(&gl, "no memory for a %dx%d frame", gl.width, gl.height);
	glPixelStorei(GL_PACK_ALIGNMENT, 4);
	glReadPixels(0, 0, gl.width, gl.height, GL_RGBA, GL_UNSIGNED_BYTE, frame);
	vgw_gl_check(&gl, "glReadPixels of the frame");
	long wrong = 0;
	int first_x = -1, first_y = -1;
	for (int y = 0; y < gl.height; y++)
		for (int x = 0; x < gl.width; x++)
			if (memcmp(frame + ((size_t)y * gl.width + x) * 4, quarters[quarter(&gl, x, y)], 4) != 0 && wrong++ == 0)
				first_x = x, first_y = y;
	printf("vgw-gl-readpixels: frame %dx%d read, %ld pixels wrong\n", gl.width, gl.height, wrong);
	if (wrong)
		vgw_gl_fail(&gl, "%ld pixels differ from their quarter's colour, the first at %d,%d", wrong, first_x, first_y);
	free(frame);
	vgw_gl_probe(&gl, "bottom-left", 0, 0);
	vgw_gl_probe(&gl, "bottom-right", gl.width - 1, half_h - 1);
	vgw_gl_probe(&gl, "top-left", half_w - 1, gl.height - 1);
	vgw_gl_probe(&gl, "top-right", half_w, half_h);
	return vgw_gl_show(&gl);
}
