/*
 * Stage-2 descriptor encoding, every entry state, fold/unfold and the
 * non-live skip, on tables built in the test (no platform needed).
 */
#include "rmm_test_util.h"
#include "s2tt.h"

static void test_unassigned_states(void **state)
{
	(void)state;
	for (unsigned ripas = RIPAS_EMPTY; ripas <= RIPAS_DESTROYED; ripas++) {
		uint64_t e = s2tte_make_unassigned(ripas);

		for (int level = 0; level <= 3; level++) {
			assert_int_equal(s2tte_state(e, level), S2TTE_UNASSIGNED);
			assert_int_equal(s2tte_ripas(e, level), ripas);
			assert_false(s2tte_is_live(e, level));
			assert_false(s2tte_is_valid(e));
			assert_int_equal(s2tte_host_view(e, level), 0);
		}
	}
	assert_int_equal(s2tte_make_unassigned(RIPAS_EMPTY), 0); /* zeroed RTT = all UNASSIGNED/EMPTY */
	assert_int_equal(s2tte_state(s2tte_make_unassigned_ns(), 3), S2TTE_UNASSIGNED_NS);
	assert_int_equal(s2tte_ripas(s2tte_make_unassigned_ns(), 3), RIPAS_EMPTY);
	assert_false(s2tte_is_live(s2tte_make_unassigned_ns(), 2));
}

static void test_assigned_ram_is_architectural_page(void **state)
{
	uint64_t pa = 0x12345000;
	uint64_t e = s2tte_make_assigned(pa, RIPAS_RAM, 3);

	(void)state;
	assert_int_equal(e & 3, 3);                            /* valid page */
	assert_int_equal((e >> 2) & 7, 6);                      /* FWB Normal WB */
	assert_int_equal((e >> 6) & 3, 3);                      /* S2AP RW */
	assert_int_equal((e >> 8) & 3, 3);                      /* inner shareable */
	assert_true(e & (1u << 10));                            /* AF */
	assert_false(e & S2TTE_NS);
	assert_int_equal(e & S2TTE_OA_MASK, pa);
	assert_int_equal(s2tte_state(e, 3), S2TTE_ASSIGNED);
	assert_int_equal(s2tte_ripas(e, 3), RIPAS_RAM);
	assert_int_equal(s2tte_pa(e, 3), pa);
	assert_true(s2tte_is_live(e, 3));
	assert_int_equal(s2tte_host_view(e, 3), pa);

	e = s2tte_make_assigned(0x40200000, RIPAS_RAM, 2);     /* 2 MiB block */
	assert_int_equal(e & 3, 1);
	assert_int_equal(s2tte_state(e, 2), S2TTE_ASSIGNED);
	assert_int_equal(s2tte_pa(e, 2), 0x40200000);
}

static void test_assigned_not_ram_is_invalid_but_keeps_pa(void **state)
{
	(void)state;
	for (unsigned ripas = RIPAS_EMPTY; ripas <= RIPAS_DESTROYED; ripas += 2) {
		uint64_t e = s2tte_make_assigned(0x777000, ripas, 3);

		assert_false(s2tte_is_valid(e));
		assert_int_equal(s2tte_state(e, 3), S2TTE_ASSIGNED);
		assert_int_equal(s2tte_ripas(e, 3), ripas);
		assert_int_equal(s2tte_pa(e, 3), 0x777000);
		assert_true(s2tte_is_live(e, 3));
		/* Changing RIPAS to RAM makes the same page a valid mapping. */
		assert_int_equal(s2tte_with_ripas(e, 3, RIPAS_RAM), s2tte_make_assigned(0x777000, RIPAS_RAM, 3));
	}
	assert_int_equal(s2tte_with_ripas(s2tte_make_unassigned(RIPAS_EMPTY), 3, RIPAS_RAM),
			 s2tte_make_unassigned(RIPAS_RAM));
}

static void test_assigned_ns_and_host_desc(void **state)
{
	uint64_t desc = 0x88000000 | (6u << 2) | (1u << 6) | (3u << 8); /* WB, read-only, IS */
	uint64_t e;

	(void)state;
	assert_true(s2tt_host_desc_valid(desc, 3));
	e = s2tte_make_assigned_ns(desc, 3);
	assert_true(e & S2TTE_NS);
	assert_int_equal(e & 3, 3);
	assert_int_equal(s2tte_state(e, 3), S2TTE_ASSIGNED_NS);
	assert_int_equal(s2tte_ripas(e, 3), RIPAS_EMPTY);
	assert_int_equal(s2tte_host_view(e, 3), desc);
	assert_true(s2tte_is_live(e, 3));

	assert_false(s2tt_host_desc_valid(desc | (1u << 5), 3));   /* MemAttr[3] is RES0 */
	assert_false(s2tt_host_desc_valid((desc & ~(7u << 2)) | (4u << 2), 3)); /* reserved MemAttr */
	assert_false(s2tt_host_desc_valid(desc | 1, 3));           /* valid bit is the monitor's */
	assert_false(s2tt_host_desc_valid(desc | S2TTE_NS, 3));
	assert_false(s2tt_host_desc_valid(desc | 0x1000, 2));      /* not 2 MiB aligned */
	assert_true(s2tt_host_desc_valid(0x88000000, 2));
	assert_false(s2tt_host_desc_valid(0x80000000, 1));         /* no 1 GiB blocks */
	assert_false(s2tt_host_desc_valid(UINT64_C(1) << 48, 3));  /* beyond the output range */
}

static void test_table_and_corrupt(void **state)
{
	uint64_t e = s2tte_make_table(0xabc000);

	(void)state;
	for (int level = 0; level < 3; level++) {
		assert_int_equal(s2tte_state(e, level), S2TTE_TABLE);
		assert_int_equal(s2tte_pa(e, level), 0xabc000);
		assert_true(s2tte_is_live(e, level));
	}
	assert_int_equal(s2tte_state(s2tte_make_assigned(0x40000000, RIPAS_RAM, 2), 1), S2TTE_CORRUPT);
	assert_int_equal(s2tte_state(UINT64_C(5) << 2, 3), S2TTE_CORRUPT);
	assert_int_equal(s2tte_state(s2tte_make_assigned(0x1000, RIPAS_EMPTY, 3), 1), S2TTE_CORRUPT);
}

static uint64_t table[512];

static void test_fold_unassigned(void **state)
{
	uint64_t parent;

	(void)state;
	for (unsigned i = 0; i < 512; i++)
		table[i] = s2tte_make_unassigned(RIPAS_RAM);
	assert_true(s2tt_fold(table, 3, &parent));
	assert_int_equal(parent, s2tte_make_unassigned(RIPAS_RAM));
	table[300] = s2tte_make_unassigned(RIPAS_EMPTY);
	assert_false(s2tt_fold(table, 3, &parent));
	for (unsigned i = 0; i < 512; i++)
		table[i] = s2tte_make_unassigned_ns();
	assert_true(s2tt_fold(table, 1, &parent));
	assert_int_equal(parent, s2tte_make_unassigned_ns());
	assert_false(s2tt_fold(table, 0, &parent));
}

static void test_fold_assigned_into_block(void **state)
{
	uint64_t base = 0x40200000, parent;

	(void)state;
	for (unsigned i = 0; i < 512; i++)
		table[i] = s2tte_make_assigned(base + i * 4096, RIPAS_EMPTY, 3);
	assert_true(s2tt_fold(table, 3, &parent));
	assert_int_equal(parent, s2tte_make_assigned(base, RIPAS_EMPTY, 2));
	table[7] = s2tte_make_assigned(base + 7 * 4096, RIPAS_RAM, 3);     /* RIPAS differs */
	assert_false(s2tt_fold(table, 3, &parent));
	table[7] = s2tte_make_assigned(base + 8 * 4096, RIPAS_EMPTY, 3);   /* not contiguous */
	assert_false(s2tt_fold(table, 3, &parent));
	for (unsigned i = 0; i < 512; i++)
		table[i] = s2tte_make_assigned(base + (i + 1) * 4096, RIPAS_RAM, 3); /* not aligned */
	assert_false(s2tt_fold(table, 3, &parent));
	for (unsigned i = 0; i < 512; i++)
		table[i] = s2tte_make_assigned(0x40000000 + i * 0x200000ull, RIPAS_RAM, 2);
	assert_false(s2tt_fold(table, 2, &parent));                        /* no level-1 blocks */

	for (unsigned i = 0; i < 512; i++)
		table[i] = s2tte_make_assigned_ns((base + i * 4096) | (5u << 2) | (3u << 6), 3);
	assert_true(s2tt_fold(table, 3, &parent));
	assert_int_equal(s2tte_state(parent, 2), S2TTE_ASSIGNED_NS);
	assert_int_equal(s2tte_host_view(parent, 2), base | (5u << 2) | (3u << 6));
	table[3] = s2tte_make_assigned_ns((base + 3 * 4096) | (5u << 2) | (1u << 6), 3);
	assert_false(s2tt_fold(table, 3, &parent));                        /* attributes differ */
	table[3] = s2tte_make_table(0x1000);
	assert_false(s2tt_fold(table, 3, &parent));
}

static void test_unfold_round_trips(void **state)
{
	uint64_t parents[] = {
		s2tte_make_unassigned(RIPAS_DESTROYED),
		s2tte_make_unassigned_ns(),
		s2tte_make_assigned(0x40200000, RIPAS_RAM, 2),
		s2tte_make_assigned(0x40400000, RIPAS_EMPTY, 2),
		s2tte_make_assigned_ns(0x80200000 | (6u << 2) | (3u << 6), 2),
	};
	int live[] = { 0, 0, 512, 512, 512 };

	(void)state;
	for (unsigned p = 0; p < sizeof(parents) / sizeof(parents[0]); p++) {
		uint64_t back;

		assert_int_equal(s2tt_unfold(parents[p], 3, table), live[p]);
		assert_true(s2tt_fold(table, 3, &back));
		assert_int_equal(back, parents[p]);
	}
	assert_int_equal(s2tt_unfold(parents[2], 3, table), 512);
	assert_int_equal(s2tte_pa(table[511], 3), 0x40200000 + 511 * 4096);
	assert_int_equal(s2tt_unfold(s2tte_make_table(0x1000), 3, table), -1);
}

static void test_skip_non_live(void **state)
{
	uint64_t size = s2tt_level_size(3);

	(void)state;
	for (unsigned i = 0; i < 512; i++)
		table[i] = s2tte_make_unassigned(RIPAS_EMPTY);
	table[5] = s2tte_make_assigned(0x5000, RIPAS_RAM, 3);
	table[9] = s2tte_make_assigned(0x9000, RIPAS_EMPTY, 3);
	assert_int_equal(s2tt_skip_non_live(table, 3, 5, 0x205000), 0x200000 + 9 * size);
	assert_int_equal(s2tt_skip_non_live(table, 3, 6, 0x206000), 0x200000 + 9 * size);
	assert_int_equal(s2tt_skip_non_live(table, 3, 9, 0x209000), 0x400000);
	assert_int_equal(s2tt_skip_non_live(table, 3, 511, 0x3ff000), 0x400000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unassigned_states),
		cmocka_unit_test(test_assigned_ram_is_architectural_page),
		cmocka_unit_test(test_assigned_not_ram_is_invalid_but_keeps_pa),
		cmocka_unit_test(test_assigned_ns_and_host_desc),
		cmocka_unit_test(test_table_and_corrupt),
		cmocka_unit_test(test_fold_unassigned),
		cmocka_unit_test(test_fold_assigned_into_block),
		cmocka_unit_test(test_unfold_round_trips),
		cmocka_unit_test(test_skip_non_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
