/*
 * vgw-pointer [CLICKS]: reports what the guest's tablet (the virtio-input
 * device named "virtio-gpu-web tablet") says, as evdev events: each button
 * press and release with the pointer's position at that moment, in the
 * axis's units and as a fraction of its range. Prints "vgw-pointer:
 * listening" once the device is open, and exits after CLICKS releases of any
 * button (default 1). Reads the device beside whoever else does (weston);
 * it takes no grab.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char *button_name(int code)
{
	switch (code) {
	case BTN_LEFT: return "left";
	case BTN_RIGHT: return "right";
	case BTN_MIDDLE: return "middle";
	default: return "other";
	}
}

static int open_tablet(void)
{
	DIR *dir = opendir("/dev/input");
	struct dirent *entry;
	int found = -1;
	if (!dir)
		return -1;
	while (found < 0 && (entry = readdir(dir))) {
		char path[300], name[128] = "";
		int fd;
		if (strncmp(entry->d_name, "event", 5) != 0)
			continue;
		snprintf(path, sizeof path, "/dev/input/%s", entry->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		if (ioctl(fd, EVIOCGNAME(sizeof name - 1), name) >= 0 && strstr(name, "virtio-gpu-web tablet"))
			found = fd;
		else
			close(fd);
	}
	closedir(dir);
	return found;
}

int main(int argc, char **argv)
{
	int clicks = argc > 1 ? atoi(argv[1]) : 1;
	struct input_absinfo ax, ay;
	struct input_event ev;
	int fd = open_tablet();
	if (fd < 0) {
		printf("vgw-pointer: no virtio-gpu-web tablet among /dev/input/event* (is virtio_input loaded?)\n");
		return 1;
	}
	if (ioctl(fd, EVIOCGABS(ABS_X), &ax) < 0 || ioctl(fd, EVIOCGABS(ABS_Y), &ay) < 0) {
		printf("vgw-pointer: the tablet has no absolute axes\n");
		return 1;
	}
	printf("vgw-pointer: listening (x %d..%d, y %d..%d)\n", ax.minimum, ax.maximum, ay.minimum, ay.maximum);
	fflush(stdout);
	while (clicks > 0 && read(fd, &ev, sizeof ev) == sizeof ev) {
		if (ev.type == EV_ABS && ev.code == ABS_X)
			ax.value = ev.value;
		else if (ev.type == EV_ABS && ev.code == ABS_Y)
			ay.value = ev.value;
		else if (ev.type == EV_KEY) {
			printf("vgw-pointer: %s %s at x=%d y=%d (%.4f, %.4f)\n", button_name(ev.code), ev.value ? "down" : "up", ax.value, ay.value,
			       (double)(ax.value - ax.minimum) / (ax.maximum - ax.minimum), (double)(ay.value - ay.minimum) / (ay.maximum - ay.minimum));
			fflush(stdout);
			if (!ev.value)
				clicks--;
		}
	}
	return 0;
}
