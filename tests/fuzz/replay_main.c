/*
 * Replays a fuzz target's corpus without libFuzzer, so `make check` runs
 * every saved input (under ASan in `make check-asan`). Prints TAP.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, i;
	DIR *d;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUSDIR\n", argv[0]);
		return 2;
	}
	if ((d = opendir(argv[1])) == NULL) {
		printf("not ok 1 - open corpus %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((names = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (names[n] = strdup(de->d_name)) == NULL)
			abort();
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp);
	/* Line by line: a crash still shows which input came before it. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		uint8_t *buf = NULL;
		size_t len = 0, cap = 0;
		ssize_t r;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
		if ((fd = open(path, O_RDONLY)) == -1) {
			printf("not ok %zu - %s: %s\n", i + 1, names[i], strerror(errno));
			continue;
		}
		for (;;) {
			if (len == cap && (buf = realloc(buf, cap = cap * 2 + 4096)) == NULL)
				abort();
			if ((r = read(fd, buf + len, cap - len)) <= 0)
				break;
			len += (size_t)r;
		}
		close(fd);
		printf("# %s\n", names[i]);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		printf("ok %zu - %s\n", i + 1, names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}
