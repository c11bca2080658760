/*
 * "Did you mean": the known name closest to a misspelled one, for messages
 * about unknown subcommands, options and reference-file members.
 */
#ifndef CAEC_VERIFY_NAMES_H
#define CAEC_VERIFY_NAMES_H

#include <stddef.h>

/*
 * The name in names[0..n) nearest to word by edit distance (insertions,
 * deletions, substitutions and swaps of neighbours each count one), if it is
 * near enough to be a likely typo: at most one edit for words of up to four
 * characters, two for longer ones; or else the only name word is a prefix of.
 * NULL when nothing is that close, or two names are equally close. Case is
 * ignored. NULL entries in names are skipped.
 */
const char *closest_name(const char *word, const char *const *names, size_t n);

#endif
