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

/*
 * Key release: how an llm realm gets a sealed model's key from the owner's
 * key-release service, which gives it only to a realm whose attestation
 * token verifies under a platform key it trusts, with a RIM and a policy
 * digest (claim 65003) it expects, and only wrapped to a key that token
 * binds.
 *   1. The service sends a fresh 64-byte nonce.
 *   2. The realm makes an X25519 key pair and a token whose challenge is
 *      SHA-512(CAEC_KEY_REQUEST_LABEL || realm_pub || nonce), and sends the
 *      request: "CKRQ", u32 version, realm_pub[32], u32 token_len, token.
 *   3. The service verifies it and answers (CAEC_KEY_RESPONSE_SIZE bytes):
 *      "CKRS", u32 version, eph_pub[32], key_id[16], wrapped[32], tag[16]:
 *      the model key under AES-256-GCM with nonce 0 (the wrapping key is
 *      new for every answer) and additional data the first 56 bytes, the
 *      wrapping key HKDF-SHA256(ikm X25519(eph, realm_pub), salt nonce,
 *      info CAEC_KEY_WRAP_LABEL || eph_pub || realm_pub).
 * A refusal is not a message: the service says why to its operator and
 * closes; the realm learns nothing it could use.
 */
#define CAEC_KEY_REQUEST_MAGIC   "CKRQ"
#define CAEC_KEY_RESPONSE_MAGIC  "CKRS"
#define CAEC_KEY_RELEASE_VERSION 1u
#define CAEC_KEY_NONCE_SIZE      64u
#define CAEC_KEY_X25519_SIZE     32u
#define CAEC_KEY_REQUEST_HEADER  44u  /* magic, version, realm_pub, token_len */
#define CAEC_KEY_TOKEN_MAX       (16u << 10)
#define CAEC_KEY_RESPONSE_AAD    56u  /* magic, version, eph_pub, key_id */
#define CAEC_KEY_RESPONSE_SIZE   104u
#define CAEC_KEY_REQUEST_LABEL   "caec model key request"
#define CAEC_KEY_WRAP_LABEL      "caec model key wrap"

#endif
