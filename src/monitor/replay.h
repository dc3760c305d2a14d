/*
 * replay.h — ingest's replay cache: the signatures of batches accepted in
 * the last few minutes, so the same signed bytes cannot be played again
 * inside the timestamp window.
 *
 * A batch's X-Timestamp may be up to the window (W) before or after the
 * server's clock, so a signature must be remembered for 2W after it was
 * first seen: until then its timestamp can still pass. The cache holds at
 * most capacity signatures in arrival order; when it is full the oldest
 * is dropped even if younger than 2W (counted: replay_evicted_early).
 * That weakens only this defence in depth: a replayed batch's sequence
 * numbers are all at or below the device's last, so it would be
 * acknowledged as duplicates and change nothing anyway.
 *
 * Thread-safe (one mutex). Signatures are HMAC outputs checked before
 * they are claimed, so their first bytes serve as the hash.
 */
#ifndef PL_MONITOR_REPLAY_H
#define PL_MONITOR_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct replay;

/* A cache of capacity signatures, each kept retain_s seconds. */
struct replay *replay_new(size_t capacity, int64_t retain_s);
void replay_free(struct replay *r);
/* Claim sig at now_s: true when it was not there (now it is), false for
 * a replay. */
bool replay_claim(struct replay *r, const unsigned char sig[32], int64_t now_s);
/* Forget sig (its batch was refused after the claim). */
void replay_release(struct replay *r, const unsigned char sig[32]);
/* Signatures dropped before their time because the cache was full. */
uint64_t replay_evicted_early(struct replay *r);
/* Signatures held now. */
size_t replay_size(struct replay *r);

#endif
