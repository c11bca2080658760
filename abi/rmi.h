/*
 * Realm Management Interface, RMM 1.0-rel0: the host's calls into the monitor.
 *
 * Function IDs, status codes, granule/RTT/realm states and the in-memory
 * structures the host hands over (RmiRealmParams, RmiRecParams, RmiRecRun).
 * Every structure offset is checked at compile time against the specification.
 */
#ifndef CAEC_ABI_RMI_H
#define CAEC_ABI_RMI_H

#include <stddef.h>
#include <stdint.h>

#include "abi/smc.h"

#define RMI_ABI_VERSION ABI_VERSION(1, 0)

#define RMI_VERSION              SMC64_STD_FID(0x150)
#define RMI_GRANULE_DELEGATE     SMC64_STD_FID(0x151)
#define RMI_GRANULE_UNDELEGATE   SMC64_STD_FID(0x152)
#define RMI_DATA_CREATE          SMC64_STD_FID(0x153)
#define RMI_DATA_CREATE_UNKNOWN  SMC64_STD_FID(0x154)
#define RMI_DATA_DESTROY         SMC64_STD_FID(0x155)
#define RMI_REALM_ACTIVATE       SMC64_STD_FID(0x157)
#define RMI_REALM_CREATE         SMC64_STD_FID(0x158)
#define RMI_REALM_DESTROY        SMC64_STD_FID(0x159)
#define RMI_REC_CREATE           SMC64_STD_FID(0x15A)
#define RMI_REC_DESTROY          SMC64_STD_FID(0x15B)
#define RMI_REC_ENTER            SMC64_STD_FID(0x15C)
#define RMI_RTT_CREATE           SMC64_STD_FID(0x15D)
#define RMI_RTT_DESTROY          SMC64_STD_FID(0x15E)
#define RMI_RTT_MAP_UNPROTECTED  SMC64_STD_FID(0x15F)
#define RMI_RTT_READ_ENTRY       SMC64_STD_FID(0x161)
#define RMI_RTT_UNMAP_UNPROTECTED SMC64_STD_FID(0x162)
#define RMI_PSCI_COMPLETE        SMC64_STD_FID(0x164)
#define RMI_FEATURES             SMC64_STD_FID(0x165)
#define RMI_RTT_FOLD             SMC64_STD_FID(0x166)
#define RMI_REC_AUX_COUNT        SMC64_STD_FID(0x167)
#define RMI_RTT_INIT_RIPAS       SMC64_STD_FID(0x168)
#define RMI_RTT_SET_RIPAS        SMC64_STD_FID(0x169)

/* Status in X0 = status | index << 8. */
#define RMI_SUCCESS      0u
#define RMI_ERROR_INPUT  1u
#define RMI_ERROR_REALM  2u
#define RMI_ERROR_REC    3u
#define RMI_ERROR_RTT    4u
#define RMI_STATUS(status, index) ((uint64_t)(status) | ((uint64_t)(index) << 8))
#define RMI_STATUS_CODE(x0)  ((unsigned)((x0) & 0xff))
#define RMI_STATUS_INDEX(x0) ((unsigned)(((x0) >> 8) & 0xff))

/* DATA_CREATE flags. */
#define RMI_NO_MEASURE_CONTENT 0u
#define RMI_MEASURE_CONTENT    1u

/* RTT_READ_ENTRY states. */
#define RMI_UNASSIGNED 0u
#define RMI_ASSIGNED   1u
#define RMI_TABLE      2u

/* RIPAS values. */
#define RIPAS_EMPTY     0u
#define RIPAS_RAM       1u
#define RIPAS_DESTROYED 2u

/* Hash algorithms (RmiRealmParams.hash_algo). */
#define RMI_HASH_SHA_256 0u
#define RMI_HASH_SHA_512 1u

/* Realm flags (RmiRealmParams.flags). */
#define RMI_REALM_FLAG_LPA2 (UINT64_C(1) << 0)
#define RMI_REALM_FLAG_SVE  (UINT64_C(1) << 1)
#define RMI_REALM_FLAG_PMU  (UINT64_C(1) << 2)

/* Feature register 0 fields. */
#define RMI_FEAT0_S2SZ_SHIFT          0
#define RMI_FEAT0_S2SZ_WIDTH          8
#define RMI_FEAT0_LPA2_SHIFT          8
#define RMI_FEAT0_SVE_EN_SHIFT        9
#define RMI_FEAT0_SVE_VL_SHIFT        10
#define RMI_FEAT0_SVE_VL_WIDTH        4
#define RMI_FEAT0_NUM_BPS_SHIFT       14
#define RMI_FEAT0_NUM_BPS_WIDTH       6
#define RMI_FEAT0_NUM_WPS_SHIFT       20
#define RMI_FEAT0_NUM_WPS_WIDTH       6
#define RMI_FEAT0_PMU_EN_SHIFT        26
#define RMI_FEAT0_PMU_NUM_CTRS_SHIFT  27
#define RMI_FEAT0_PMU_NUM_CTRS_WIDTH  5
#define RMI_FEAT0_SHA_256_SHIFT       32
#define RMI_FEAT0_SHA_512_SHIFT       33
#define RMI_FEAT0_GICV3_NUM_LRS_SHIFT 34
#define RMI_FEAT0_GICV3_NUM_LRS_WIDTH 4
#define RMI_FEAT0_MAX_RECS_ORDER_SHIFT 38
#define RMI_FEAT0_MAX_RECS_ORDER_WIDTH 4

/* Realm and REC states as the specification names them. */
#define REALM_STATE_NEW        0u
#define REALM_STATE_ACTIVE     1u
#define REALM_STATE_SYSTEM_OFF 2u

/* Granule states. */
#define GRANULE_STATE_NS        0u
#define GRANULE_STATE_DELEGATED 1u
#define GRANULE_STATE_RD        2u
#define GRANULE_STATE_REC       3u
#define GRANULE_STATE_REC_AUX   4u
#define GRANULE_STATE_DATA      5u
#define GRANULE_STATE_RTT       6u

#define RMI_GRANULE_SIZE  UINT64_C(4096)
#define RMI_RTT_LEVELS    4 /* levels 0..3 */
#define RMI_RTT_ENTRIES   512
#define RMI_RPV_SIZE      64
#define RMI_HASH_MAX_SIZE 64
#define RMI_REC_MAX_AUX   16
#define RMI_REC_PARAMS_GPRS 8
#define RMI_REC_RUN_GPRS  31
#define RMI_MAX_GIC_LRS   16

/*
 * Field widths are the specification's (UInt8 for s2sz..hash_algo, UInt32
 * for rtt_num_start); the bytes between them are reserved: the monitor reads
 * only the declared width, so whatever a host leaves in the padding is
 * neither checked nor measured.
 */
struct rmi_realm_params {
	uint64_t flags;            /* 0x000 */
	uint8_t s2sz;              /* 0x008 */
	uint8_t pad0[7];
	uint8_t sve_vl;            /* 0x010 */
	uint8_t pad1[7];
	uint8_t num_bps;           /* 0x018 */
	uint8_t pad2[7];
	uint8_t num_wps;           /* 0x020 */
	uint8_t pad3[7];
	uint8_t pmu_num_ctrs;      /* 0x028 */
	uint8_t pad4[7];
	uint8_t hash_algo;         /* 0x030 */
	uint8_t pad5[0x400 - 0x031];
	uint8_t rpv[RMI_RPV_SIZE]; /* 0x400 */
	uint8_t pad6[0x800 - 0x440];
	uint16_t vmid;             /* 0x800 */
	uint8_t pad7[6];
	uint64_t rtt_base;         /* 0x808 */
	int64_t rtt_level_start;   /* 0x810 */
	uint32_t rtt_num_start;    /* 0x818 */
	uint8_t pad8[0x1000 - 0x81c];
};
#define RMI_ASSERT_FIELD(type, field, offset, width)                                   \
	_Static_assert(offsetof(struct type, field) == (offset), #type "." #field);     \
	_Static_assert(sizeof(((struct type *)0)->field) == (width), #type "." #field " width")
RMI_ASSERT_FIELD(rmi_realm_params, flags, 0x000, 8);
RMI_ASSERT_FIELD(rmi_realm_params, s2sz, 0x008, 1);
RMI_ASSERT_FIELD(rmi_realm_params, sve_vl, 0x010, 1);
RMI_ASSERT_FIELD(rmi_realm_params, num_bps, 0x018, 1);
RMI_ASSERT_FIELD(rmi_realm_params, num_wps, 0x020, 1);
RMI_ASSERT_FIELD(rmi_realm_params, pmu_num_ctrs, 0x028, 1);
RMI_ASSERT_FIELD(rmi_realm_params, hash_algo, 0x030, 1);
RMI_ASSERT_FIELD(rmi_realm_params, rpv, 0x400, RMI_RPV_SIZE);
RMI_ASSERT_FIELD(rmi_realm_params, vmid, 0x800, 2);
RMI_ASSERT_FIELD(rmi_realm_params, rtt_base, 0x808, 8);
RMI_ASSERT_FIELD(rmi_realm_params, rtt_level_start, 0x810, 8);
RMI_ASSERT_FIELD(rmi_realm_params, rtt_num_start, 0x818, 4);
_Static_assert(sizeof(struct rmi_realm_params) == 0x1000, "RmiRealmParams is one granule");

#define RMI_REC_FLAG_RUNNABLE (UINT64_C(1) << 0)

struct rmi_rec_params {
	uint64_t flags;                       /* 0x000 */
	uint8_t pad0[0x100 - 0x008];
	uint64_t mpidr;                       /* 0x100 */
	uint8_t pad1[0x200 - 0x108];
	uint64_t pc;                          /* 0x200 */
	uint8_t pad2[0x300 - 0x208];
	uint64_t gprs[RMI_REC_PARAMS_GPRS];   /* 0x300 */
	uint8_t pad3[0x800 - 0x340];
	uint64_t num_aux;                     /* 0x800 */
	uint64_t aux[RMI_REC_MAX_AUX];        /* 0x808 */
	uint8_t pad4[0x1000 - 0x888];
};
RMI_ASSERT_FIELD(rmi_rec_params, flags, 0x000, 8);
RMI_ASSERT_FIELD(rmi_rec_params, mpidr, 0x100, 8);
RMI_ASSERT_FIELD(rmi_rec_params, pc, 0x200, 8);
RMI_ASSERT_FIELD(rmi_rec_params, gprs, 0x300, 8 * RMI_REC_PARAMS_GPRS);
RMI_ASSERT_FIELD(rmi_rec_params, num_aux, 0x800, 8);
RMI_ASSERT_FIELD(rmi_rec_params, aux, 0x808, 8 * RMI_REC_MAX_AUX);
_Static_assert(sizeof(struct rmi_rec_params) == 0x1000, "RmiRecParams is one granule");

/* RmiRecEntry flags. */
#define RMI_REC_ENTRY_EMUL_MMIO      (UINT64_C(1) << 0)
#define RMI_REC_ENTRY_INJECT_SEA     (UINT64_C(1) << 1)
#define RMI_REC_ENTRY_TRAP_WFI       (UINT64_C(1) << 2)
#define RMI_REC_ENTRY_TRAP_WFE       (UINT64_C(1) << 3)
#define RMI_REC_ENTRY_RIPAS_RESPONSE (UINT64_C(1) << 4) /* 1 = reject */

/* RmiRecEntry and RmiRecExit: every field at the specification's offset and
 * width (RMM 1.0: exit_reason, ripas_value and pmu_ovf_status are 8 bits, imm
 * 16); the bytes between are reserved (the monitor writes them as zero). */
struct rmi_rec_entry {
	uint64_t flags;                        /* 0x000 */
	uint8_t pad0[0x200 - 0x008];
	uint64_t gprs[RMI_REC_RUN_GPRS];       /* 0x200 */
	uint8_t pad1[0x300 - 0x2f8];
	uint64_t gicv3_hcr;                    /* 0x300 */
	uint64_t gicv3_lrs[RMI_MAX_GIC_LRS];   /* 0x308 */
	uint8_t pad2[0x800 - 0x388];
};
RMI_ASSERT_FIELD(rmi_rec_entry, flags, 0x000, 8);
RMI_ASSERT_FIELD(rmi_rec_entry, gprs, 0x200, 8 * RMI_REC_RUN_GPRS);
RMI_ASSERT_FIELD(rmi_rec_entry, gicv3_hcr, 0x300, 8);
RMI_ASSERT_FIELD(rmi_rec_entry, gicv3_lrs, 0x308, 8 * RMI_MAX_GIC_LRS);
_Static_assert(sizeof(struct rmi_rec_entry) == 0x800, "RmiRecEntry");

/* Exit reasons. */
#define RMI_EXIT_SYNC         0u
#define RMI_EXIT_IRQ          1u
#define RMI_EXIT_FIQ          2u
#define RMI_EXIT_PSCI         3u
#define RMI_EXIT_RIPAS_CHANGE 4u
#define RMI_EXIT_HOST_CALL    5u
#define RMI_EXIT_SERROR       6u

struct rmi_rec_exit {
	uint8_t exit_reason;                   /* 0x000 */
	uint8_t pad0[0x100 - 0x001];
	uint64_t esr;                          /* 0x100 */
	uint64_t far;                          /* 0x108 */
	uint64_t hpfar;                        /* 0x110 */
	uint8_t pad1[0x200 - 0x118];
	uint64_t gprs[RMI_REC_RUN_GPRS];       /* 0x200 */
	uint8_t pad2[0x300 - 0x2f8];
	uint64_t gicv3_hcr;                    /* 0x300 */
	uint64_t gicv3_lrs[RMI_MAX_GIC_LRS];   /* 0x308 */
	uint64_t gicv3_misr;                   /* 0x388 */
	uint64_t gicv3_vmcr;                   /* 0x390 */
	uint8_t pad3[0x400 - 0x398];
	uint64_t cntp_ctl;                     /* 0x400 */
	uint64_t cntp_cval;                    /* 0x408 */
	uint64_t cntv_ctl;                     /* 0x410 */
	uint64_t cntv_cval;                    /* 0x418 */
	uint8_t pad4[0x500 - 0x420];
	uint64_t ripas_base;                   /* 0x500 */
	uint64_t ripas_top;                    /* 0x508 */
	uint8_t ripas_value;                   /* 0x510 */
	uint8_t pad5[0x600 - 0x511];
	uint16_t imm;                          /* 0x600 */
	uint8_t pad6[0x700 - 0x602];
	uint8_t pmu_ovf_status;                /* 0x700 */
	uint8_t pad7[0x800 - 0x701];
};
RMI_ASSERT_FIELD(rmi_rec_exit, exit_reason, 0x000, 1);
RMI_ASSERT_FIELD(rmi_rec_exit, esr, 0x100, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, far, 0x108, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, hpfar, 0x110, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, gprs, 0x200, 8 * RMI_REC_RUN_GPRS);
RMI_ASSERT_FIELD(rmi_rec_exit, gicv3_hcr, 0x300, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, gicv3_lrs, 0x308, 8 * RMI_MAX_GIC_LRS);
RMI_ASSERT_FIELD(rmi_rec_exit, gicv3_misr, 0x388, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, gicv3_vmcr, 0x390, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, cntp_ctl, 0x400, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, cntp_cval, 0x408, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, cntv_ctl, 0x410, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, cntv_cval, 0x418, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, ripas_base, 0x500, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, ripas_top, 0x508, 8);
RMI_ASSERT_FIELD(rmi_rec_exit, ripas_value, 0x510, 1);
RMI_ASSERT_FIELD(rmi_rec_exit, imm, 0x600, 2);
RMI_ASSERT_FIELD(rmi_rec_exit, pmu_ovf_status, 0x700, 1);
_Static_assert(sizeof(struct rmi_rec_exit) == 0x800, "RmiRecExit");

struct rmi_rec_run {
	struct rmi_rec_entry entry; /* 0x000 */
	struct rmi_rec_exit exit;   /* 0x800 */
};
_Static_assert(offsetof(struct rmi_rec_run, exit) == 0x800, "RmiRecRun.exit");
_Static_assert(sizeof(struct rmi_rec_run) == 0x1000, "RmiRecRun is one granule");

#endif
