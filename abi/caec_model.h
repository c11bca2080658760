/*
 * The sealed model file (GuaranTEE's private model): a model file encrypted
 * by its owner (`caec model seal`) so that only a realm the owner's
 * key-release service trusts can read the weights. The host stores and moves
 * the sealed bytes and learns nothing but their size.
 *
 * Layout, every integer little endian:
 *   header, CAEC_MODEL_HEADER_SIZE (128) bytes:
 *      0  magic "CAECMDL\0"
 *      8  u32 version (CAEC_MODEL_VERSION)
 *     12  u32 chunk_size: plaintext bytes per chunk, a power of two in
 *         [CAEC_MODEL_CHUNK_MIN, CAEC_MODEL_CHUNK_MAX]
 *     16  u64 plain_size: the model file's size
 *     24  u8 file_id[16]: random, chosen at sealing
 *     40  u8 key_id[16]: the first 16 bytes of SHA-256("caec model key id" || key),
 *         so the owner and its service can tell which key a file needs
 *         without the file saying anything about the key
 *     56  zero to 128
 *   then chunk 0, 1, ... n-1 with n = max(1, ceil(plain_size / chunk_size)):
 *         ciphertext (chunk_size bytes, the last one what remains; an empty
 *         model has one empty chunk) followed by a 16-byte GCM tag.
 * Sealing: AES-256-GCM under the file key HMAC-SHA256(key, "caec model file
 * key" || file_id), a key of this file alone, so one owner key can seal many
 * files with counter nonces and no nonce is ever used twice under a key;
 * chunk i's nonce is u64 i || u32 0 (12 bytes), its additional data the
 * whole header || u64 i || u8 last (1 for chunk n-1, else 0). So a changed
 * header, a chunk moved, dropped, repeated or cut, and bytes added at the end
 * are all refused: every chunk authenticates the size it belongs to and its
 * own place.
 */
#ifndef CAEC_ABI_CAEC_MODEL_H
#define CAEC_ABI_CAEC_MODEL_H

#define CAEC_MODEL_MAGIC        "CAECMDL"  /* 8 bytes with its NUL */
#define CAEC_MODEL_VERSION      1u
#define CAEC_MODEL_HEADER_SIZE  128u
#define CAEC_MODEL_KEY_SIZE     32u
#define CAEC_MODEL_ID_SIZE      16u
#define CAEC_MODEL_TAG_SIZE     16u
#define CAEC_MODEL_CHUNK_MIN    (4u << 10)
#define CAEC_MODEL_CHUNK_MAX    (64u << 20)
#define CAEC_MODEL_CHUNK_DEFAULT (1u << 20)

#define CAEC_MODEL_OFF_VERSION    8u
#define CAEC_MODEL_OFF_CHUNK_SIZE 12u
#define CAEC_MODEL_OFF_PLAIN_SIZE 16u
#define CAEC_MODEL_OFF_FILE_ID    24u
#define CAEC_MODEL_OFF_KEY_ID     40u
#define CAEC_MODEL_OFF_RESERVED   56u

#define CAEC_MODEL_KEY_ID_LABEL   "caec model key id"
#define CAEC_MODEL_FILE_KEY_LABEL "caec model file key"

#endif
