/*
 * A test-only client for the adversarial suite: raw bytes, many
 * connections held open, many clients at once, many commands in a row.
 * Never installed. Prints what it saw; the scripts judge it.
 *
 *   gkstress raw SOCKET FILE [SECS]  send FILE's bytes on one connection,
 *                                  then print each answer's type (and error
 *                                  code) and "closed", or "open" when SECS
 *                                  (default 10) pass without a message
 *   gkstress hold SOCKET N [FILE]  open N connections (each sends FILE's
 *                                  bytes, if given), print "holding N", wait
 *                                  for stdin to close, print "open K" (those
 *                                  the daemon kept)
 *   gkstress run SOCKET N CWD ARG...   N connections opened first, then RUN
 *                                  on each; prints "served K of N": K the
 *                                  ones that got EXIT state done status 0
 *                                  with the same output as the first
 *   gkstress loop SOCKET N CWD ARG...  N RUNs one after the other, each on
 *                                  its own connection; prints "served K of N"
 *   gkstress flood SOCKET N FILE   send FILE's bytes (N pipelined queries)
 *                                  on one connection, read every answer;
 *                                  prints "sent", then "answer K items M" at
 *                                  each DONE, then "flood done K" or "flood
 *                                  closed after K" (each line flushed, for a
 *                                  log other processes append to)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "gk_err.h"
#include "proto.h"

static void
usage(void)
{
	fprintf(stderr, "usage: gkstress raw|hold|run|loop|flood SOCKET ...\n");
	exit(2);
}

static size_t
read_file(const char *path, char **out)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nb;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		perror(path);
		exit(1);
	}
	for (;;) {
		if (len == cap) {
			cap = cap * 2 + 4096;
			if ((nb = realloc(buf, cap)) == NULL)
				exit(1);
			buf = nb;
		}
		if ((r = read(fd, buf + len, cap - len)) <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*out = buf;
	return len;
}

static int
dial(const char *sock)
{
	int fd;

	if ((fd = gk_client_connect(sock)) == -1) {
		fprintf(stderr, "gkstress: connect %s: %s\n", sock,
		    strerror(errno));
		exit(1);
	}
	return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* 1 when the daemon closed fd (or reset it) within ms. */
static int
closed_within(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char b[4096];
	ssize_t r;

	for (;;) {
		if (poll(&p, 1, ms) <= 0)
			return 0;
		r = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR))
			return 1;
	}
}

static int
cmd_raw(const char *sock, const char *file, int secs)
{
	struct pollfd p;
	struct gk_msg m;
	const char *code;
	char *buf;
	size_t n = read_file(file, &buf);
	int fd = dial(sock), r;

	if (write_all(fd, buf, n) != 0) {
		/* The daemon may drop us before reading everything. */
		printf("closed\n");
		return 0;
	}
	free(buf);
	for (;;) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, secs * 1000) <= 0) {
			printf("open\n");
			break;
		}
		if ((r = gk_msg_recv_fd(fd, &m)) != 0) {
			printf("closed\n");
			break;
		}
		code = gk_msg_str(&m, "code");
		printf("type=%u%s%s\n", m.type, code ? " code=" : "",
		    code ? code : "");
		gk_msg_free(&m);
	}
	close(fd);
	return 0;
}

static int
cmd_hold(const char *sock, int n, const char *file)
{
	char *buf = NULL, c;
	size_t len = 0;
	int *fds, i, open_n = 0;

	if (file != NULL)
		len = read_file(file, &buf);
	if ((fds = calloc((size_t)n, sizeof(*fds))) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		fds[i] = dial(sock);
		if (len > 0 && write_all(fds[i], buf, len) != 0)
			fprintf(stderr, "gkstress: connection %d dropped early\n", i);
	}
	printf("holding %d\n", n);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	for (i = 0; i < n; i++) {
		if (!closed_within(fds[i], 0))
			open_n++;
		close(fds[i]);
	}
	printf("open %d\n", open_n);
	free(buf);
	free(fds);
	return 0;
}

static int
send_run(int fd, const char *cwd, int argc, char **argv)
{
	struct gk_msg m;
	int i;

	gk_msg_begin(&m, GK_T_RUN);
	for (i = 0; i < argc; i++)
		gk_msg_add_str(&m, "arg", argv[i]);
	gk_msg_add_str(&m, "cwd", cwd);
	return gk_client_send(fd, &m);
}

/* Reads until EXIT; 0 when the command ran and exited 0. *out collects
 * its output (malloc'ed). */
static int
finish_run(int fd, char **out)
{
	struct gk_msg m;
	const char *st;
	size_t len = 0;
	char *o = NULL, *no;
	int ok = -1;

	for (;;) {
		if (gk_client_recv(fd, &m) != 0)
			break;
		if (m.type == GK_T_OUTPUT) {
			size_t i;

			for (i = 0; i < m.n; i++) {
				if (strcmp(m.f[i].key, "data") != 0)
					continue;
				if ((no = realloc(o, len + m.f[i].len + 1)) == NULL)
					exit(1);
				o = no;
				memcpy(o + len, m.f[i].val, m.f[i].len);
				len += m.f[i].len;
				o[len] = '\0';
			}
		}
		if (m.type == GK_T_EXIT) {
			st = gk_msg_str(&m, "state");
			ok = st != NULL && strcmp(st, GK_ST_DONE) == 0 &&
			    gk_msg_str(&m, "status") != NULL &&
			    strcmp(gk_msg_str(&m, "status"), "0") == 0 ? 0 : -1;
			gk_msg_free(&m);
			break;
		}
		if (m.type == GK_T_END || m.type == GK_T_ERROR) {
			gk_msg_free(&m);
			break;
		}
		gk_msg_free(&m);
	}
	*out = o == NULL ? strdup("") : o;
	return ok;
}

static int
cmd_run(const char *sock, int n, const char *cwd, int argc, char **argv)
{
	char *first = NULL, *out;
	int *fds, i, served = 0;

	if ((fds = calloc((size_t)n, sizeof(*fds))) == NULL)
		return 1;
	/* Every client is connected before any sends: all at once. */
	for (i = 0; i < n; i++)
		fds[i] = dial(sock);
	for (i = 0; i < n; i++)
		if (send_run(fds[i], cwd, argc, argv) != 0)
			fprintf(stderr, "gkstress: send %d failed\n", i);
	for (i = 0; i < n; i++) {
		if (finish_run(fds[i], &out) == 0) {
			if (first == NULL)
				first = strdup(out);
			if (first != NULL && strcmp(first, out) == 0)
				served++;
		}
		free(out);
		close(fds[i]);
	}
	printf("served %d of %d\n", served, n);
	free(first);
	free(fds);
	return 0;
}

static int
cmd_loop(const char *sock, int n, const char *cwd, int argc, char **argv)
{
	char *out;
	int i, fd, served = 0;

	for (i = 0; i < n; i++) {
		out = NULL;
		fd = dial(sock);
		if (send_run(fd, cwd, argc, argv) == 0 &&
		    finish_run(fd, &out) == 0)
			served++;
		else if (served == i)
			fprintf(stderr, "gkstress: command %d not served\n", i);
		free(out);
		close(fd);
	}
	printf("served %d of %d\n", served, n);
	return 0;
}

static int
cmd_flood(const char *sock, int n, const char *file)
{
	struct gk_msg m;
	char *buf;
	size_t len = read_file(file, &buf);
	int fd = dial(sock), done = 0, items = 0;

	if (write_all(fd, buf, len) != 0) {
		printf("flood closed after 0\n");
		return 0;
	}
	free(buf);
	printf("sent\n");
	fflush(stdout);
	while (done < n) {
		if (gk_msg_recv_fd(fd, &m) != 0)
			break;
		if (m.type == GK_T_ITEM)
			items++;
		else if (m.type == GK_T_DONE) {
			printf("answer %d items %d\n", ++done, items);
			fflush(stdout);
			items = 0;
		} else {
			gk_msg_free(&m);
			break;
		}
		gk_msg_free(&m);
	}
	if (done == n)
		printf("flood done %d\n", done);
	else
		printf("flood closed after %d\n", done);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	int n;

	if (argc < 4)
		usage();
	if (strcmp(argv[1], "raw") == 0)
		return cmd_raw(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 10);
	n = atoi(argv[3]);
	if (n <= 0)
		usage();
	if (strcmp(argv[1], "hold") == 0)
		return cmd_hold(argv[2], n, argc > 4 ? argv[4] : NULL);
	if (strcmp(argv[1], "flood") == 0 && argc == 5)
		return cmd_flood(argv[2], n, argv[4]);
	if (argc < 6)
		usage();
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argv[2], n, argv[4], argc - 5, argv + 5);
	if (strcmp(argv[1], "loop") == 0)
		return cmd_loop(argv[2], n, argv[4], argc - 5, argv + 5);
	usage();
	return 2;
}
