/*
 * What `caec bench channel` and its realms say to each other through
 * application host calls (host_call_abi.h 0xCB00..): the realm asks for the
 * next job (NEXT: gprs[0] = its role; back: [0] 0, [1] transport, [2] size,
 * [3] round trips (low 32 bits) and stream messages (high 32), [4] warm-up, [5] API, [6] the host-visible area's
 * unprotected IPA, [7] its size) and reports its side (RESULT: [0] role,
 * [1] error, [2..7] rtt median/p95, one-way median/p95, work median, stream
 * ticks, [8] counter frequency; back: [0] 0).
 */
#ifndef CAEC_CHAN_BENCH_PROTO_H
#define CAEC_CHAN_BENCH_PROTO_H

#define BENCH_CALL_NEXT   0xCB01u
#define BENCH_CALL_RESULT 0xCB02u

#define BENCH_ROLE_CLIENT 1u
#define BENCH_ROLE_SERVER 2u

#define BENCH_TRANSPORT_DONE 0u
#define BENCH_TRANSPORT_CSM  1u
#define BENCH_TRANSPORT_NS   2u
#define BENCH_TRANSPORT_AES  3u /* the host-visible area, records sealed with AES-256-GCM */
#define BENCH_TRANSPORT_CHACHA 4u /* ... with ChaCha20-Poly1305 */

#define BENCH_MAX_SIZE (1u << 20)
#define BENCH_MAX_STREAM (1u << 20) /* messages in one stream */

#endif
