/* audit_head.h - the audit chain's head, anchored outside the database.
 *
 * The chain in the audit table shows a changed or removed record between two
 * kept ones, but not the newest records removed together with nothing after
 * them: the last record left is a valid end. So the writer thread keeps
 * "audit.head" beside hash.key (0600): the seq and hash of the newest
 * committed record, MACed with a key derived from the installation secret,
 * replaced atomically (write, fsync, rename) after every committed batch.
 * At start the daemon compares it with the table; someone who can write the
 * database but not read hash.key can neither remove the newest records nor
 * write a head that matches fewer.
 *
 * What it cannot see: the database and the head file both rolled back to an
 * earlier copy of the pair. journald holds APIKEY_AUDIT_SEQ of every record
 * (log.c); its newest seq beyond the log's end, or two different records
 * with one seq, show that (ARCHITECTURE.md). */
#ifndef APIKEYD_AUDIT_HEAD_H
#define APIKEYD_AUDIT_HEAD_H

#include <stdint.h>

#include "store.h"

#define AUDIT_HEAD_CONTEXT "apikeyd audit head v1"
#define AUDIT_HEAD_KEY_LEN 32

/* 0; -ENOENT when there is none; -EBADMSG when it is not ours (size, owner,
 * mode, MAC); another -errno when it cannot be read. */
int audit_head_load(const char *path, const uint8_t key[AUDIT_HEAD_KEY_LEN], uint64_t *ret_seq,
                    uint8_t ret_hash[AUDIT_HASH_LEN]);
/* Replaces the head atomically and durably: 0 or -errno. */
int audit_head_store(const char *path, const uint8_t key[AUDIT_HEAD_KEY_LEN], uint64_t seq,
                     const uint8_t hash[AUDIT_HASH_LEN]);

#endif
