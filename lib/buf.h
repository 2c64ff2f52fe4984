/*
 * Bounded buffers: the only way libgk reads untrusted bytes.
 *
 * MUST:
 * - never grow past the buffer's hard cap (GK_ERR_LIMIT instead);
 * - check every length against what is present before reading (GK_ERR_SHORT);
 * - reject strings with an embedded NUL (GK_ERR_FORMAT);
 * - leave the read position unchanged when a get fails;
 * - wipe the contents on free.
 *
 * Integers are big-endian. A string or byte field is a u32 length followed
 * by that many bytes.
 */
#ifndef GK_BUF_H
#define GK_BUF_H

#include <stddef.h>
#include <stdint.h>

#define GK_BUF_MAX_DEFAULT	(1024 * 1024)

struct gk_buf {
	uint8_t	*data;
	size_t	 len;		/* bytes written */
	size_t	 off;		/* read position, <= len */
	size_t	 cap;		/* bytes allocated */
	size_t	 max;		/* hard cap on len */
	int	 readonly;	/* a view of someone else's bytes */
};

/* An empty growable buffer that will never hold more than max bytes. */
void	gk_buf_init(struct gk_buf *b, size_t max);
/* A read-only view of len bytes at data (not copied, not freed). */
void	gk_buf_view(struct gk_buf *b, const void *data, size_t len);
/* Wipes and frees the contents; b may be reused after gk_buf_init. */
void	gk_buf_free(struct gk_buf *b);
/* Empties the buffer, keeping (and wiping) its memory. */
void	gk_buf_reset(struct gk_buf *b);

/* Unread bytes and a pointer to them. */
size_t		 gk_buf_avail(const struct gk_buf *b);
const uint8_t	*gk_buf_ptr(const struct gk_buf *b);
/* Skips n unread bytes. */
int	gk_buf_consume(struct gk_buf *b, size_t n);
/* Drops the bytes already read, moving the rest to the front. */
void	gk_buf_compact(struct gk_buf *b);
/* Makes room for n more bytes and returns where they go (or NULL). */
uint8_t	*gk_buf_reserve(struct gk_buf *b, size_t n);

int	gk_buf_put(struct gk_buf *b, const void *p, size_t n);
int	gk_buf_put_u8(struct gk_buf *b, uint8_t v);
int	gk_buf_put_u32(struct gk_buf *b, uint32_t v);
int	gk_buf_put_u64(struct gk_buf *b, uint64_t v);
/* u32 length then the bytes. */
int	gk_buf_put_bytes(struct gk_buf *b, const void *p, size_t n);
/* Like put_bytes; a NUL inside the first n bytes is GK_ERR_FORMAT. */
int	gk_buf_put_string(struct gk_buf *b, const char *s, size_t n);
int	gk_buf_put_cstring(struct gk_buf *b, const char *s);

int	gk_buf_get_u8(struct gk_buf *b, uint8_t *v);
int	gk_buf_get_u32(struct gk_buf *b, uint32_t *v);
int	gk_buf_get_u64(struct gk_buf *b, uint64_t *v);
/* Exactly n raw bytes into out. */
int	gk_buf_get(struct gk_buf *b, void *out, size_t n);
/* A length-prefixed field, not copied: *p points into b, valid until b
 * changes. Fields longer than max are GK_ERR_LIMIT. */
int	gk_buf_get_bytes_direct(struct gk_buf *b, const uint8_t **p, size_t *n,
	    size_t max);
/* A length-prefixed string copied into a fresh NUL-terminated allocation;
 * embedded NUL is GK_ERR_FORMAT, longer than max is GK_ERR_LIMIT. The
 * caller frees *s. */
int	gk_buf_get_cstring(struct gk_buf *b, char **s, size_t max);

/* Frees n strings and the array (argument vectors, name lists). */
void	gk_strv_free(char **v, size_t n);

#endif
