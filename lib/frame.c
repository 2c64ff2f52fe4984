#include <string.h>

#include "frame.h"
#include "gk_err.h"

int
gk_frame_header(const uint8_t hdr[GK_FRAME_HDR], uint8_t *type, uint32_t *len)
{
	uint32_t n;

	if (hdr[0] != GK_PROTO_VERSION)
		return GK_ERR_VERSION;
	if (hdr[2] != 0 || hdr[3] != 0)
		return GK_ERR_PROTOCOL;
	n = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 |
	    (uint32_t)hdr[6] << 8 | hdr[7];
	if (n > GK_FRAME_MAX)
		return GK_ERR_LIMIT;
	*type = hdr[1];
	*len = n;
	return 0;
}

int
gk_frame_next(struct gk_buf *in, uint8_t *type, struct gk_buf *payload)
{
	const uint8_t *p = gk_buf_ptr(in);
	uint32_t len;
	uint8_t t;
	int r;

	if (gk_buf_avail(in) < GK_FRAME_HDR)
		return GK_ERR_SHORT;
	if ((r = gk_frame_header(p, &t, &len)) != 0)
		return r;
	if (gk_buf_avail(in) - GK_FRAME_HDR < len)
		return GK_ERR_SHORT;
	gk_buf_view(payload, p + GK_FRAME_HDR, len);
	*type = t;
	return gk_buf_consume(in, GK_FRAME_HDR + (size_t)len);
}

int
gk_frame_put(struct gk_buf *out, uint8_t type, const struct gk_buf *payload)
{
	size_t n = gk_buf_avail(payload);
	uint8_t hdr[GK_FRAME_HDR];

	if (n > GK_FRAME_MAX)
		return GK_ERR_LIMIT;
	hdr[0] = GK_PROTO_VERSION;
	hdr[1] = type;
	hdr[2] = hdr[3] = 0;
	hdr[4] = n >> 24;
	hdr[5] = n >> 16;
	hdr[6] = n >> 8;
	hdr[7] = n;
	if (sizeof(hdr) + n > out->max ||
	    out->len > out->max - sizeof(hdr) - n)
		return GK_ERR_LIMIT;
	if (gk_buf_put(out, hdr, sizeof(hdr)) != 0)
		return GK_ERR_ALLOC;
	return gk_buf_put(out, gk_buf_ptr(payload), n);
}
