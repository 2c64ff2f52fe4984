/*
 * What every client shares: finding and reaching the daemon's socket.
 */
#ifndef GK_CLIENT_H
#define GK_CLIENT_H

#include "msg.h"

/* The socket path: -s (may be NULL), else $GK_SOCKET, else the default. */
const char	*gk_client_socket(const char *opt);
/* A connected socket, or -1 with errno set (the caller reports it). */
int		 gk_client_connect(const char *path);
/* Connects to the socket chosen as gk_client_socket(opt) does, or exits
 * with GK_EXIT_UNREACHABLE (69) and a message naming the path. */
int		 gk_client_dial(const char *opt);
/* Sends m; returns 0 or a GK_ERR_* code. */
int		 gk_client_send(int fd, struct gk_msg *m);
/* Reads one message; returns 0 or a GK_ERR_* code (GK_ERR_SHORT: the
 * daemon closed the connection). */
int		 gk_client_recv(int fd, struct gk_msg *m);

/* p, or an exit with "out of memory" when it is NULL. */
void		*gk_client_must(void *p);
/* rc, or 1 (with a message) when standard output could not be written:
 * a client's last word, so a full disk or closed pipe is not a success. */
int		 gk_client_finish_stdout(int rc);

#endif
