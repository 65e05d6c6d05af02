// SPDX-License-Identifier: GPL-2.0-only
/*
 * memhog - scenario 09: use more anonymous memory than the (cgroup's) RAM
 * allows, so that pages go to swap and come back, and check every page.
 *
 *   memhog MIB SECONDS
 *
 * Maps MIB MiB, then sweeps over it again and again for SECONDS (at least
 * two sweeps): each page's first and last word must still hold what the
 * previous sweep wrote (a page that went through swap on loopx and came
 * back wrong is counted), then get this sweep's value. Prints a counter
 * line; exit 1 on any corrupt page.
 */
#include "stress.h"

#include <sys/mman.h>
#include <unistd.h>

static __u64 word(__u64 page, __u64 sweep, int last)
{
	__u64 x = seed_mix(page * 2 + last, sweep);

	return rnd(&x);
}

int main(int argc, char **argv)
{
	unsigned long corrupt = 0, sweeps = 0;
	__u64 npages, p, *w;
	long page = sysconf(_SC_PAGESIZE);
	size_t last = page / sizeof(__u64) - 1;
	double end;
	char *mem;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3)
		die("usage: memhog MIB SECONDS");
	npages = (parse_ul(argv[1]) << 20) / page;
	end = now_s() + parse_ul(argv[2]);
	mem = mmap(NULL, npages * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap %s MiB: %s", argv[1], strerror(errno));

	for (;;) {
		for (p = 0; p < npages; p++) {
			w = (__u64 *)(mem + p * page);
			if (sweeps && (w[0] != word(p, sweeps - 1, 0) ||
				       w[last] != word(p, sweeps - 1, 1))) {
				if (corrupt++ < 10)
					printf("# page %llu corrupt after sweep %lu\n",
					       (unsigned long long)p, sweeps);
			}
			w[0] = word(p, sweeps, 0);
			w[last] = word(p, sweeps, 1);
		}
		sweeps++;
		if (sweeps >= 2 && now_s() >= end)
			break;
	}
	printf("memhog: sweeps=%lu pages=%llu corrupt=%lu failures=%lu\n",
	       sweeps, (unsigned long long)npages, corrupt, corrupt);
	return corrupt ? 1 : 0;
}
