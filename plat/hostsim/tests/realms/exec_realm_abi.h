/*
 * The test protocol between hostsim's execution tests (playing the monitor)
 * and their realm image: SiP-range SMCs no monitor implements, so they only
 * make sense to a test that calls plat_rec_run itself.
 */
#ifndef CAEC_HOSTSIM_TESTS_EXEC_REALM_ABI_H
#define CAEC_HOSTSIM_TESTS_EXEC_REALM_ABI_H

#define EXEC_FID_HELLO  UINT64_C(0xC2FF0000) /* x1 magic, x2 image base, x3 window VA, x4 secondary entry IPA */
#define EXEC_FID_NEXT   UINT64_C(0xC2FF0001) /* x1 cpu; returns x0 command, x1..x3 arguments */
#define EXEC_FID_RESULT UINT64_C(0xC2FF0002) /* x1..x3 results */
#define EXEC_FID_SEA    UINT64_C(0xC2FF0003) /* x1 ipa, x2 esr */

#define EXEC_CMD_EXIT      1 /* x1 status: realm_main returns it */
#define EXEC_CMD_READ      2 /* x1 ipa -> result x1 = the u64 there */
#define EXEC_CMD_WRITE     3 /* x1 ipa, x2 value -> result x1 = 0 */
#define EXEC_CMD_ECHO      4 /* x1..x3 -> result x1+1, x2+2, x3+3 */
#define EXEC_CMD_SPIN      5 /* x1 ipa: spin until the u64 there is non-zero -> result x1 = iterations, x2 = value */
#define EXEC_CMD_CRASH     6 /* x1: 1 illegal instruction, 2 store to address x2, 3 x2 / 0 */
#define EXEC_CMD_SECONDARY 7 /* x1 stack top IPA -> result x1 = CPU_ON context for a secondary */

/* The image's recognisable constant: tests patch it in the bytes they load. */
#define EXEC_IMAGE_MAGIC UINT64_C(0x5EA1ED00C0FFEE42)

#endif
