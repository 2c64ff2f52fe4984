/*
 * Messages: the payload of one frame is a list of named fields, each a
 * short key and a byte value. A key may repeat for a list (argv is one
 * "arg" field per element, in order). Integers travel as decimal text.
 *
 * MUST:
 * - read the payload only through the bounded buffer API;
 * - refuse more than GK_MSG_MAX_FIELDS fields, keys that are empty, longer
 *   than GK_MSG_MAX_KEY or not [a-z0-9_], and trailing bytes;
 * - hand out strings only when they hold no NUL (gk_msg_str returns NULL).
 */
#ifndef GK_MSG_H
#define GK_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define GK_MSG_MAX_FIELDS	8192
#define GK_MSG_MAX_KEY		32

struct gk_field {
	char	 key[GK_MSG_MAX_KEY + 1];
	char	*val;		/* copied, NUL-terminated (may hold NULs) */
	size_t	 len;
};

struct gk_msg {
	uint8_t		 type;
	struct gk_field	*f;
	size_t		 n;
	struct gk_buf	 out;	/* used while building */
	size_t		 nout;
};

/* Decodes payload into m (m->type = type). Free with gk_msg_free. */
int	gk_msg_decode(struct gk_msg *m, uint8_t type, struct gk_buf *payload);
void	gk_msg_free(struct gk_msg *m);

/* The first value of key as a string, NULL when absent or holding a NUL. */
const char	*gk_msg_str(const struct gk_msg *m, const char *key);
/* How many fields carry key. */
size_t	gk_msg_count(const struct gk_msg *m, const char *key);
/* Every value of key as strings, in order, in a new NULL-terminated array
 * (the strings belong to m). NULL when any holds a NUL or no memory. */
char	**gk_msg_strv(const struct gk_msg *m, const char *key, size_t *n);
/* key as an unsigned decimal number no larger than max. */
int	gk_msg_u64(const struct gk_msg *m, const char *key, uint64_t max,
	    uint64_t *v);
/* key as exactly n raw bytes. */
int	gk_msg_bytes(const struct gk_msg *m, const char *key, uint8_t *out,
	    size_t n);

/* Building: begin, add fields, then frame it into an output buffer. */
void	gk_msg_begin(struct gk_msg *m, uint8_t type);
int	gk_msg_add(struct gk_msg *m, const char *key, const void *v, size_t n);
int	gk_msg_add_str(struct gk_msg *m, const char *key, const char *s);
int	gk_msg_add_u64(struct gk_msg *m, const char *key, uint64_t v);
int	gk_msg_add_i64(struct gk_msg *m, const char *key, int64_t v);
/* Appends the framed message to out and frees m's building state. */
int	gk_msg_finish(struct gk_msg *m, struct gk_buf *out);

/* Writes all n bytes to fd (retrying on EINTR and short writes): 0, or
 * GK_ERR_SYSTEM with errno set. */
int	gk_write_all(int fd, const void *p, size_t n);

/* Blocking helpers for clients: send one message, read one message. */
int	gk_msg_send_fd(int fd, struct gk_msg *m);
int	gk_msg_recv_fd(int fd, struct gk_msg *m);

#endif
