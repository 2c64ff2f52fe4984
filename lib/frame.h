/*
 * Wire frames: an 8-byte header (u8 version, u8 type, u16 zero, u32 payload
 * length, big-endian) then the payload.
 *
 * MUST:
 * - check the version, the zero field and the length against GK_FRAME_MAX
 *   before anything is allocated or read further;
 * - never consume part of a frame: a frame is taken whole or not at all.
 */
#ifndef GK_FRAME_H
#define GK_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define GK_PROTO_VERSION	1
#define GK_FRAME_HDR		8
#define GK_FRAME_MAX		(256 * 1024)	/* payload bytes */

/* Checks a frame header; on success sets *type and *len. */
int	gk_frame_header(const uint8_t hdr[GK_FRAME_HDR], uint8_t *type,
	    uint32_t *len);

/*
 * Takes the next whole frame from the unread bytes of in. Returns 0 with
 * *type set and payload a read-only view of its bytes (valid until in
 * changes), GK_ERR_SHORT when more bytes are needed (in untouched), or
 * another GK_ERR_* when the stream is bad and the peer must be dropped.
 */
int	gk_frame_next(struct gk_buf *in, uint8_t *type, struct gk_buf *payload);

/* Appends a frame of the given type and payload to out. */
int	gk_frame_put(struct gk_buf *out, uint8_t type, const struct gk_buf *payload);

#endif
