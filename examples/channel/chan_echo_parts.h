/*
 * The parts chan_echo.c plays, by the first byte of the host's challenge:
 * the contract between the realm image and the host test that runs it
 * (host/tests/vmm_channel_test.c). chan_echo.c's header says what each does
 * and where its parameters sit in the challenge.
 */
#ifndef CAEC_CHAN_ECHO_PARTS_H
#define CAEC_CHAN_ECHO_PARTS_H

#define PART_CLIENT        1u
#define PART_SERVER        2u
#define PART_QUITTER       3u
#define PART_INTRUDER      4u
#define PART_REVOKER       5u
#define PART_SEALED_CLIENT 6u
#define PART_SEALED_SERVER 7u
#define PART_SEALED_LIAR   8u

#endif
