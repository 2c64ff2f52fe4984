#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "proto.h"

const char *
gk_client_socket(const char *opt)
{
	const char *e;

	if (opt != NULL)
		return opt;
	if ((e = getenv("GK_SOCKET")) != NULL && *e != '\0')
		return e;
	return GK_DEFAULT_SOCKET;
}

int
gk_client_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
gk_client_dial(const char *opt)
{
	const char *path = gk_client_socket(opt);
	int fd;

	if ((fd = gk_client_connect(path)) == -1)
		errx(GK_EXIT_UNREACHABLE, "cannot reach gatekeeperd at %s: %s",
		    path, strerror(errno));
	return fd;
}

int
gk_client_send(int fd, struct gk_msg *m)
{
	return gk_msg_send_fd(fd, m);
}

int
gk_client_recv(int fd, struct gk_msg *m)
{
	return gk_msg_recv_fd(fd, m);
}

void *
gk_client_must(void *p)
{
	if (p == NULL)
		errx(1, "out of memory");
	return p;
}

int
gk_client_finish_stdout(int rc)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("writing to standard output");
		return 1;
	}
	return rc;
}
