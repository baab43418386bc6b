/*
 * vgw-fb-bench: writes whole frames into /dev/fb0 as fast as it can, each a
 * different solid colour band pattern, with one write() per frame (the path
 * the framebuffer console and simple clients use), for the given seconds.
 * Prints frames written and guest milliseconds per frame.
 */
#include <fcntl.h>
#include <linux/fb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5;
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	int fd = open("/dev/fb0", O_WRONLY);
	uint32_t *frame;
	size_t size;
	unsigned frames = 0;
	double start, end;

	if (fd < 0 || ioctl(fd, FBIOGET_VSCREENINFO, &var) || ioctl(fd, FBIOGET_FSCREENINFO, &fix)) {
		perror("vgw-fb-bench: /dev/fb0");
		return 1;
	}
	size = (size_t)fix.line_length * var.yres;
	frame = malloc(size);
	start = now();
	do {
		for (uint32_t y = 0; y < var.yres; y++)
			for (uint32_t x = 0; x < fix.line_length / 4; x++)
				frame[y * (fix.line_length / 4) + x] = ((frames * 7 + y / 16) & 0xff) << 16 | ((frames * 3 + x / 16) & 0xff) << 8 | (frames & 0xff);
		if (pwrite(fd, frame, size, 0) != (ssize_t)size) {
			perror("vgw-fb-bench: write");
			return 1;
		}
		frames++;
		end = now();
	} while (end - start < seconds);
	printf("vgw-fb-bench %ux%u frames=%u seconds=%.3f ms_per_frame=%.2f\n", var.xres, var.yres, frames, end - start, (end - start) * 1000 / frames);
	return 0;
}
