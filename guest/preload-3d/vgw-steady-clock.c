/*
 * Preloaded into programs whose sessions are recorded: CLOCK_MONOTONIC, as the
 * program itself reads it, starts at 1000 s and moves on 1/60 s with each
 * reading. An animation paced by that clock (glmark2's scenes) then draws the
 * same frames however fast the emulated machine ran, so a recording can be
 * compared with another renderer's frame by frame. Readings the libraries take
 * (Mesa's fences and timeouts) and other clocks stay real.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <time.h>

#define NS_PER_S 1000000000LL
#define STEP_NS (NS_PER_S / 60)

static uintptr_t program_start, program_end;
static long long steady_ns = 1000 * NS_PER_S;
static int (*real_clock_gettime)(clockid_t, struct timespec *);

/* The executable code of the first object dl_iterate_phdr reports: the program. */
static int find_program(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
		if (segment->p_type == PT_LOAD && (segment->p_flags & PF_X)) {
			program_start = info->dlpi_addr + segment->p_vaddr;
			program_end = program_start + segment->p_memsz;
		}
	}
	return 1;
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	if (!real_clock_gettime) {
		real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
		dl_iterate_phdr(find_program, NULL);
	}
	uintptr_t caller = (uintptr_t)__builtin_return_address(0);
	if (clock != CLOCK_MONOTONIC || caller < program_start || caller >= program_end)
		return real_clock_gettime(clock, ts);
	steady_ns += STEP_NS;
	ts->tv_sec = (time_t)(steady_ns / NS_PER_S);
	ts->tv_nsec = (long)(steady_ns % NS_PER_S);
	return 0;
}
