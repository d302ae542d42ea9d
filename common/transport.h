/* transport.h - one request/reply exchange over a SOCK_SEQPACKET Unix socket,
 * bounded by a deadline. Used by the PAM module and the CLI; the daemon uses
 * transport_recv_record() on its own non-blocking connections. */
#ifndef APIKEY_TRANSPORT_H
#define APIKEY_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "wire.h"

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t transport_now_ms(void);

/* Connects to path before deadline_ms. On success *ret_fd is a non-blocking,
 * close-on-exec socket. Returns 0 or -errno (-ETIMEDOUT past the deadline). */
int transport_connect(const char *path, int64_t deadline_ms, int *ret_fd);

struct ucred;
/* The peer's kernel credentials (SO_PEERCRED): 0 or -errno. */
int transport_peer_cred(int fd, struct ucred *ret);

/* Checks the peer's kernel credentials: uid must be 0 or trusted_uid. */
int transport_check_peer(int fd, uid_t trusted_uid);

/* Sends one finished message before the deadline. */
int transport_send(int fd, const struct wire_buf *b, int64_t deadline_ms);

/* Receives one record into buf before the deadline and parses it into m.
 * Returns 0, -ETIMEDOUT, -ECONNRESET (peer closed), -EPROTONOSUPPORT (another
 * protocol version), -EBADMSG (oversized or invalid) or another -errno. */
int transport_recv(int fd, uint8_t *buf, size_t bufsz, struct wire_msg *m, int64_t deadline_ms);

/* Waits until fd is readable (or closed) before the deadline: 0,
 * -ETIMEDOUT or -errno. For an answer that cannot be there yet, so that
 * transport_recv() does not first find the queue empty. */
int transport_wait_readable(int fd, int64_t deadline_ms);

/* One non-blocking recv of a whole record: returns its length, 0 when the
 * peer closed, -EAGAIN, -EMSGSIZE when it did not fit, or -errno. */
ssize_t transport_recv_record(int fd, uint8_t *buf, size_t bufsz);

#endif
