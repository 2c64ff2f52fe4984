#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "gk_err.h"
#include "msg.h"

static int
valid_key(const uint8_t *k, size_t n)
{
	size_t i;

	if (n == 0 || n > GK_MSG_MAX_KEY)
		return 0;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') ||
		    k[i] == '_'))
			return 0;
	return 1;
}

void
gk_msg_free(struct gk_msg *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		explicit_bzero(m->f[i].val, m->f[i].len);
		free(m->f[i].val);
	}
	free(m->f);
	gk_buf_free(&m->out);
	memset(m, 0, sizeof(*m));
}

int
gk_msg_decode(struct gk_msg *m, uint8_t type, struct gk_buf *payload)
{
	const uint8_t *k, *v;
	size_t kn, vn;
	uint32_t count, i;
	int r;

	memset(m, 0, sizeof(*m));
	m->type = type;
	if ((r = gk_buf_get_u32(payload, &count)) != 0)
		return r;
	if (count > GK_MSG_MAX_FIELDS)
		return GK_ERR_LIMIT;
	/* Each field needs at least 9 bytes: no allocation beyond that. */
	if (count > gk_buf_avail(payload) / 9 + 1)
		return GK_ERR_SHORT;
	if (count > 0 && (m->f = calloc(count, sizeof(*m->f))) == NULL)
		return GK_ERR_ALLOC;
	for (i = 0; i < count; i++) {
		if ((r = gk_buf_get_bytes_direct(payload, &k, &kn,
		    GK_MSG_MAX_KEY)) != 0 ||
		    (r = gk_buf_get_bytes_direct(payload, &v, &vn,
		    GK_FRAME_MAX)) != 0)
			goto fail;
		if (!valid_key(k, kn)) {
			r = GK_ERR_FORMAT;
			goto fail;
		}
		memcpy(m->f[i].key, k, kn);
		m->f[i].key[kn] = '\0';
		if ((m->f[i].val = malloc(vn + 1)) == NULL) {
			r = GK_ERR_ALLOC;
			goto fail;
		}
		if (vn > 0)
			memcpy(m->f[i].val, v, vn);
		m->f[i].val[vn] = '\0';
		m->f[i].len = vn;
		m->n++;
	}
	if (gk_buf_avail(payload) != 0) {
		r = GK_ERR_FORMAT;
		goto fail;
	}
	return 0;
 fail:
	gk_msg_free(m);
	return r;
}

static const struct gk_field *
find(const struct gk_msg *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->f[i].key, key) == 0)
			return &m->f[i];
	return NULL;
}

const char *
gk_msg_str(const struct gk_msg *m, const char *key)
{
	const struct gk_field *f = find(m, key);

	if (f == NULL || memchr(f->val, '\0', f->len) != NULL)
		return NULL;
	return f->val;
}

size_t
gk_msg_count(const struct gk_msg *m, const char *key)
{
	size_t i, n = 0;

	for (i = 0; i < m->n; i++)
		n += strcmp(m->f[i].key, key) == 0;
	return n;
}

char **
gk_msg_strv(const struct gk_msg *m, const char *key, size_t *n)
{
	char **v;
	size_t i, k = 0;

	*n = gk_msg_count(m, key);
	if ((v = calloc(*n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < m->n; i++) {
		if (strcmp(m->f[i].key, key) != 0)
			continue;
		if (memchr(m->f[i].val, '\0', m->f[i].len) != NULL) {
			free(v);
			return NULL;
		}
		v[k++] = m->f[i].val;
	}
	return v;
}

int
gk_msg_u64(const struct gk_msg *m, const char *key, uint64_t max, uint64_t *v)
{
	const char *s = gk_msg_str(m, key);
	uint64_t x = 0;

	if (s == NULL)
		return GK_ERR_NOTFOUND;
	if (*s == '\0' || strlen(s) > 20 || (s[0] == '0' && s[1] != '\0'))
		return GK_ERR_FORMAT;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return GK_ERR_FORMAT;
		if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return GK_ERR_FORMAT;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (x > max)
		return GK_ERR_LIMIT;
	*v = x;
	return 0;
}

int
gk_msg_bytes(const struct gk_msg *m, const char *key, uint8_t *out, size_t n)
{
	const struct gk_field *f = find(m, key);

	if (f == NULL)
		return GK_ERR_NOTFOUND;
	if (f->len != n)
		return GK_ERR_FORMAT;
	memcpy(out, f->val, n);
	return 0;
}

void
gk_msg_begin(struct gk_msg *m, uint8_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	gk_buf_init(&m->out, GK_FRAME_MAX);
	/* Room for the field count, filled in by finish. */
	gk_buf_put_u32(&m->out, 0);
}

int
gk_msg_add(struct gk_msg *m, const char *key, const void *v, size_t n)
{
	int r;

	if (!valid_key((const uint8_t *)key, strlen(key)))
		return GK_ERR_INTERNAL;
	if (m->nout >= GK_MSG_MAX_FIELDS)
		return GK_ERR_LIMIT;
	/* begin could not reserve the field count: nothing may follow. */
	if (m->out.len < 4)
		return GK_ERR_ALLOC;
	if ((r = gk_buf_put_cstring(&m->out, key)) != 0 ||
	    (r = gk_buf_put_bytes(&m->out, v, n)) != 0)
		return r;
	m->nout++;
	return 0;
}

int
gk_msg_add_str(struct gk_msg *m, const char *key, const char *s)
{
	return gk_msg_add(m, key, s == NULL ? "" : s, s == NULL ? 0 : strlen(s));
}

int
gk_msg_add_u64(struct gk_msg *m, const char *key, uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	return gk_msg_add_str(m, key, s);
}

int
gk_msg_add_i64(struct gk_msg *m, const char *key, int64_t v)
{
	char s[24];

	if (v < 0)
		return GK_ERR_INTERNAL;
	snprintf(s, sizeof(s), "%lld", (long long)v);
	return gk_msg_add_str(m, key, s);
}

int
gk_msg_finish(struct gk_msg *m, struct gk_buf *out)
{
	struct gk_buf view;
	int r;

	if (m->out.data == NULL || m->out.len < 4) {
		/* begin's allocation failed */
		gk_msg_free(m);
		return GK_ERR_ALLOC;
	}
	m->out.data[0] = (uint8_t)(m->nout >> 24);
	m->out.data[1] = (uint8_t)(m->nout >> 16);
	m->out.data[2] = (uint8_t)(m->nout >> 8);
	m->out.data[3] = (uint8_t)m->nout;
	gk_buf_view(&view, m->out.data, m->out.len);
	r = gk_frame_put(out, m->type, &view);
	gk_msg_free(m);
	return r;
}

int
gk_write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return GK_ERR_SYSTEM;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, uint8_t *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		if ((r = read(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return GK_ERR_SYSTEM;
		}
		if (r == 0)
			return GK_ERR_SHORT;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
gk_msg_send_fd(int fd, struct gk_msg *m)
{
	struct gk_buf out;
	int r;

	gk_buf_init(&out, GK_FRAME_HDR + GK_FRAME_MAX);
	if ((r = gk_msg_finish(m, &out)) == 0)
		r = gk_write_all(fd, out.data, out.len);
	gk_buf_free(&out);
	return r;
}

int
gk_msg_recv_fd(int fd, struct gk_msg *m)
{
	uint8_t hdr[GK_FRAME_HDR], *p;
	struct gk_buf payload;
	uint32_t len;
	uint8_t type;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = read_all(fd, hdr, sizeof(hdr))) != 0)
		return r;
	if ((r = gk_frame_header(hdr, &type, &len)) != 0)
		return r;
	if ((p = malloc(len ? len : 1)) == NULL)
		return GK_ERR_ALLOC;
	if ((r = read_all(fd, p, len)) == 0) {
		gk_buf_view(&payload, p, len);
		r = gk_msg_decode(m, type, &payload);
	}
	explicit_bzero(p, len);
	free(p);
	return r;
}
