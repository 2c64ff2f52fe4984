/*
 * libFuzzer target: a byte stream from a peer, cut into frames, each
 * payload read as typed fields through the bounded buffer API. Any
 * broken invariant aborts. Prints nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"
#include "buf.h"
#include "frame.h"
#include "gk_err.h"

#define FIELD_MAX	4096


static void
check(int ok)
{
	if (!ok)
		abort();
}

/* Reads fields until the payload runs out or a getter refuses. */
static void
read_fields(struct gk_buf *p)
{
	const uint8_t *bp, *start = gk_buf_ptr(p), *end = start + gk_buf_avail(p);
	uint64_t u64;
	uint32_t u32;
	uint8_t sel;
	size_t before, bn;
	char *s;
	int r;

	while (gk_buf_get_u8(p, &sel) == 0) {
		before = p->off;
		switch (sel % 4) {
		case 0:
			r = gk_buf_get_u32(p, &u32);
			check(r == 0 ? p->off == before + 4 : r == GK_ERR_SHORT);
			break;
		case 1:
			r = gk_buf_get_u64(p, &u64);
			check(r == 0 ? p->off == before + 8 : r == GK_ERR_SHORT);
			break;
		case 2:
			s = (char *)1;
			r = gk_buf_get_cstring(p, &s, FIELD_MAX);
			if (r == 0) {
				check(s != NULL);
				check(strlen(s) <= FIELD_MAX);
				check(p->off == before + 4 + strlen(s));
				free(s);
			} else
				check(s == NULL);
			break;
		default:
			bp = NULL;
			bn = 0;
			r = gk_buf_get_bytes_direct(p, &bp, &bn, FIELD_MAX);
			if (r == 0) {
				check(bn <= FIELD_MAX);
				check(bp >= start && bp + bn <= end);
				check(p->off == before + 4 + bn);
			}
			break;
		}
		if (r != 0) {
			check(r == GK_ERR_SHORT || r == GK_ERR_LIMIT ||
			    r == GK_ERR_FORMAT ||
			    (r == GK_ERR_ALLOC && gk_fa_failed()));
			check(p->off == before);
			break;
		}
	}
}

int
gk_fuzz_one(const uint8_t *data, size_t size)
{
	struct gk_buf in, payload, out;
	size_t before;
	uint8_t type;
	int r;

	gk_buf_view(&in, data, size);
	for (;;) {
		before = in.off;
		r = gk_frame_next(&in, &type, &payload);
		if (r != 0) {
			/* A refused frame takes nothing from the stream. */
			check(in.off == before);
			check(r == GK_ERR_SHORT || r == GK_ERR_VERSION ||
			    r == GK_ERR_PROTOCOL || r == GK_ERR_LIMIT);
			break;
		}
		check(gk_buf_avail(&payload) <= GK_FRAME_MAX);
		check(in.off == before + GK_FRAME_HDR + gk_buf_avail(&payload));
		/* Framing it again gives back the same bytes. */
		gk_buf_init(&out, GK_FRAME_HDR + GK_FRAME_MAX);
		r = gk_frame_put(&out, type, &payload);
		check(r == 0 || (r == GK_ERR_ALLOC && gk_fa_failed()));
		if (r == 0) {
			check(out.len == in.off - before);
			check(memcmp(out.data, data + before, out.len) == 0);
		}
		gk_buf_free(&out);
		read_fields(&payload);
	}
	return 0;
}
