/*
 * The compliance suite's platform configuration for hostsim (the suite reads
 * these names; the values are this machine's). hostsim runs with its host
 * window at VA == PA (hostsim_config.host_va_is_pa), DRAM being PAs
 * [0, ACS_HOSTSIM_DRAM_SIZE) with the first ACS_HOSTSIM_ROOT_GRANULES in the
 * Root PAS and the rest NS until delegated. The suite's regions (its realm
 * image, shared region, heap) all lie in that NS DRAM; its device and Secure
 * addresses are ones the monitor must refuse to delegate: MMIO outside DRAM,
 * and a Root granule standing in for Secure memory (hostsim has no Secure PAS;
 * both are "not NS" to the GPT, which is what the tests check).
 */
#ifndef ACS_HOSTSIM_PAL_CONFIG_DEF_H
#define ACS_HOSTSIM_PAL_CONFIG_DEF_H

#define ACS_HOSTSIM_DRAM_SIZE      0x8000000ULL /* 128 MiB */
#define ACS_HOSTSIM_ROOT_GRANULES  16u

/* WFI/WFE traps are not emulated: the tests that need them do not run. */
#define WFX_ITERATIONS 10

#define PLATFORM_CPU_COUNT 8
#define PLATFORM_PHY_MPIDR_CPU0 0x00000
#define PLATFORM_PHY_MPIDR_CPU1 0x00100
#define PLATFORM_PHY_MPIDR_CPU2 0x00200
#define PLATFORM_PHY_MPIDR_CPU3 0x00300
#define PLATFORM_PHY_MPIDR_CPU4 0x10000
#define PLATFORM_PHY_MPIDR_CPU5 0x10100
#define PLATFORM_PHY_MPIDR_CPU6 0x10200
#define PLATFORM_PHY_MPIDR_CPU7 0x10300

/* Device addresses: above DRAM, never dereferenced here (the PAL prints to
 * stderr and keeps NVM in process memory). */
#define PLATFORM_NS_UART_BASE    0x1c0b0000
#define PLATFORM_NS_UART_SIZE    0x10000
#define PLATFORM_NVM_BASE        0x82800000
#define PLATFORM_NVM_SIZE        0x10000
#define PLATFORM_WDOG_BASE       0x1C0F0000
#define PLATFORM_WDOG_SIZE       0x10000
#define PLATFORM_WDOG_LOAD_VALUE (0x3E7 * 40 * 1000)
#define PLATFORM_WDOG_INTR       32
#define PLATFORM_NS_WD_BASE      0x2A440000
#define PLATFORM_NS_WD_SIZE      0x1000
#define PLATFORM_NS_WD_INTR      59
#define PLATFORM_SP805_TWDOG_BASE 0x2A490000
#define PLATFORM_TWDOG_SIZE      0x10000
#define PLATFORM_TWDOG_INTID     56
#define ARM_SP805_TWDG_CLK_HZ    32768

#define SPI_vINTID 59
#define PPI_vINTID 27
#define SGI_vINTID 12
#define PMU_PPI    23UL
#define PMU_VIRQ   PMU_PPI

/* The normal world's memory, in NS DRAM from 16 MiB. */
#define PLATFORM_NORMAL_WORLD_IMAGE_SIZE 0x200000
#define PLATFORM_HOST_IMAGE_SIZE         (PLATFORM_NORMAL_WORLD_IMAGE_SIZE / 2)
#define PLATFORM_REALM_IMAGE_SIZE        0xC0000
#define PLATFORM_MEMORY_POOL_SIZE        (50 * 0x100000)
#define PLATFORM_SHARED_REGION_SIZE      0x100000
#define PLATFORM_HEAP_REGION_SIZE        (PLATFORM_MEMORY_POOL_SIZE - PLATFORM_SHARED_REGION_SIZE)

#define PLATFORM_NORMAL_WORLD_IMAGE_BASE 0x1000000
#define PLATFORM_HOST_IMAGE_BASE         PLATFORM_NORMAL_WORLD_IMAGE_BASE
#define PLATFORM_REALM_IMAGE_BASE        (PLATFORM_NORMAL_WORLD_IMAGE_BASE + PLATFORM_HOST_IMAGE_SIZE)
#define PLATFORM_MEMORY_POOL_BASE        (PLATFORM_NORMAL_WORLD_IMAGE_BASE + \
                                          PLATFORM_NORMAL_WORLD_IMAGE_SIZE)
#define PLATFORM_SHARED_REGION_BASE      PLATFORM_MEMORY_POOL_BASE
#define PLATFORM_HEAP_REGION_BASE        (PLATFORM_SHARED_REGION_BASE + PLATFORM_SHARED_REGION_SIZE)

#define PLATFORM_SECURE_IMAGE_EL   0x2
/* A Root granule (see above). */
#define PLATFORM_SECURE_IMAGE_BASE 0x8000
#define PLATFORM_SECURE_IMAGE_SIZE 0x1000

#define PLATFORM_GPF_SUPPORT_NS_EL2 0x0

/* No GIC is emulated; the addresses only keep the suite's headers whole. */
#define GICD_BASE 0x2f000000
#define GICR_BASE 0x2f100000
#define GICC_BASE 0x2c000000
#define GICD_SIZE 0x10000
#define GICR_SIZE 0x100000
#define GICC_SIZE 0x2000

#define IRQ_PHY_TIMER_EL1  30
#define IRQ_VIRT_TIMER_EL1 27
#define IRQ_PHY_TIMER_EL2  26

#define ITERATIONS_PER_MS 10000

#define IPA_WIDTH_DEFAULT 32
#define PGT_IAS  IPA_WIDTH_DEFAULT
#define PAGT_OAS IPA_WIDTH_DEFAULT

#define MAX_MMAP_REGIONS 1UL
#define MAX_XLAT_TABLES  1UL
#define PLAT_VIRT_ADDR_SPACE_SIZE (1ULL << PGT_IAS)
#define PLAT_PHY_ADDR_SPACE_SIZE  (1ULL << PAGT_OAS)

#define MAX_REALM_CCA_TOKEN_SIZE 0x1000

#if PLATFORM_MEMORY_POOL_BASE + PLATFORM_MEMORY_POOL_SIZE > ACS_HOSTSIM_DRAM_SIZE
#error "the suite's memory pool must lie in hostsim's DRAM"
#endif

#endif
