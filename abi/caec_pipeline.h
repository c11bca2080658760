/*
 * The contract between `caec run` (the host program that runs a pipeline)
 * and the pipeline's realms (sdk/pipeline.h): application host calls, in
 * the range the VMM hands to the program running the realms.
 *
 * 0xCB10 channel announce: gprs[0] = the channel's index in the policy,
 *        gprs[1] = the csm_id of the region its owner made for it. The host
 *        records it for the members (a csm_id is no secret: the ACL is the
 *        protection). Returns gprs[0] = 0, or nonzero for an index that is
 *        not this realm's channel or announced before.
 * 0xCB11 channel lookup: gprs[0] = a channel index; returns gprs[0] = its
 *        csm_id once the owner announced it (the host holds the call until
 *        then, at most PIPE_LOOKUP_WAIT_NS), else 0.
 * 0xCB12 work: the realm reads the workload's items (text the pipeline
 *        gives it, e.g. a request to send): gprs[0] = item index, gprs[1] =
 *        offset; returns gprs[0] = 0 and gprs[1] = the item's length,
 *        gprs[2] = this chunk's length (<= PIPE_WORK_CHUNK), gprs[3..29] its
 *        bytes; or gprs[0] = 1: no such item (the work is done).
 * 0xCB14 ready, in two steps: gprs[0] = 1, the realm opened its channels
 *        (the host holds the call until every realm has, so every token
 *        shows the finished channel graph); then, after the realm reported
 *        its token for the host's challenge, gprs[0] = 2 (held until every
 *        realm's token is in and the host has attested the group). Returns
 *        gprs[0] = 0 (go on: secrets and work follow) or 1 (stop).
 * 0xCB13 result: the realm reports a result line in chunks: gprs[0] = this
 *        chunk's length (<= 232), gprs[1..29] its bytes, gprs[30] = 1 when
 *        more of the same line follows. Returns gprs[0] = 0.
 * 0xCB18 link: the gateway realm asks for its link to the network
 *        (abi/caec_link.h): the host maps the link area (once; the policy is
 *        set by then, as RSI_POLICY_SET wants no unprotected mappings
 *        before it) and returns gprs[0] = 0, gprs[1] = its unprotected IPA,
 *        gprs[2] = its pages; gprs[0] = 1 when the run has no link (no
 *        --listen, or the caller is not the pipeline's gateway).
 *
 * A realm's model (the pipeline realm's "model": FILE) travels in its image,
 * so that it is DATA_CREATE'd with MEASURE_CONTENT like the code and the
 * RIM covers it: the VMM loads [the ELF file][zeros to a granule][the
 * model][zeros to a granule][one granule ending in a struct
 * pipe_model_trailer]. The realm finds the trailer in the last bytes of its
 * image (X1 at boot is the whole size) and the model at image_base +
 * offset. The ELF is unchanged: the platform's loader copies only what its
 * program headers name.
 *
 * A sealed model ("sealed_model": FILE, sealed by `caec model seal`, with
 * "model_key": the owner's KEY file, which the host holds as the owner's
 * key-release service) travels unmeasured instead: in the realm's host data
 * granules after its RAM (host/realm_layout.h), whose place is measured and
 * whose content the realm authenticates by unsealing it. The realm gets the
 * key by key release (abi/caec_model.h) through one host call, which the
 * host answers only once the group was attested:
 * 0xCB15 model, by step in gprs[0]:
 *        1 where: returns gprs[0] = 0, gprs[1] = the sealed file's IPA,
 *          gprs[2] = its size in bytes; or gprs[0] = 1 (no sealed model, or
 *          the group is not attested);
 *        2 nonce: returns gprs[0] = 0 and the service's fresh 64-byte nonce in
 *          gprs[1..8] (a new nonce starts a new request);
 *        3 request: gprs[1] = this chunk's offset, gprs[2] = its length (<=
 *          PIPE_WORK_CHUNK), gprs[3..29] its bytes, gprs[30] = 1 for the
 *          last chunk, whose answer is gprs[0] = 0 and the 104-byte response
 *          in gprs[1..13], or gprs[0] = 1: refused (the host says why on its
 *          side only). Chunks before the last return gprs[0] = 0.
 */
#ifndef CAEC_ABI_CAEC_PIPELINE_H
#define CAEC_ABI_CAEC_PIPELINE_H

#include <stdint.h>

#define PIPE_CALL_ANNOUNCE 0xCB10u
#define PIPE_CALL_LOOKUP   0xCB11u
#define PIPE_CALL_WORK     0xCB12u
#define PIPE_CALL_RESULT   0xCB13u
#define PIPE_CALL_READY    0xCB14u
#define PIPE_CALL_MODEL    0xCB15u
#define PIPE_CALL_LINK     0xCB18u
#define PIPE_MODEL_WHERE   1u
#define PIPE_MODEL_NONCE   2u
#define PIPE_MODEL_REQUEST 3u
#define PIPE_LOOKUP_WAIT_NS (UINT64_C(30) * 1000000000u)
#define PIPE_RESULT_MAX    232u
#define PIPE_WORK_CHUNK    216u

#define PIPE_MODEL_MAGIC "CAECMDL1"
struct pipe_model_trailer {
	char magic[8];       /* PIPE_MODEL_MAGIC, no NUL */
	uint64_t offset;     /* the model's first byte, from the image base (granule aligned) */
	uint64_t size;       /* the model file's size in bytes */
	uint64_t elf_size;   /* the ELF file's size in bytes */
};
_Static_assert(sizeof(struct pipe_model_trailer) == 32, "the trailer is 32 bytes");

#endif
